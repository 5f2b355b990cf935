//! Reads, authentication, scopes, paging, removed and unknown endpoints.

use bbkeys::demo::credentials as cred;
use reqwest::Method;
use serde_json::Value;

use super::{harness, message};

#[tokio::test]
async fn who_am_i_for_each_valid_credential() {
    let h = harness().await;
    let me = h.get_json("/user").await;
    assert_eq!(me["nickname"], cred::NICKNAME);
    assert_eq!(me["display_name"], "Dana Demo");
    assert!(me["uuid"].as_str().unwrap().starts_with('{'));

    let r = h
        .anon(Method::GET, "/user")
        .basic_auth(cred::READONLY_EMAIL, Some(cred::READONLY_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["display_name"],
        "Riley Readonly"
    );

    let r = h
        .anon(Method::GET, "/user")
        .bearer_auth(cred::ACCESS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn bad_credentials_get_401_with_the_token_sentence() {
    let h = harness().await;
    let cases = [
        h.anon(Method::GET, "/user"),
        h.anon(Method::GET, "/user")
            .basic_auth(cred::NICKNAME, Some(cred::TOKEN)),
        h.anon(Method::GET, "/user")
            .basic_auth(cred::NICKNAME, Some(cred::APP_PASSWORD)),
        h.anon(Method::GET, "/user")
            .basic_auth(cred::EMAIL, Some(cred::EXPIRED_TOKEN)),
        h.anon(Method::GET, "/user")
            .basic_auth(cred::EMAIL, Some(cred::NO_BITBUCKET_SCOPES_TOKEN)),
        h.anon(Method::GET, "/user")
            .basic_auth(cred::READONLY_EMAIL, Some(cred::TOKEN)),
        h.anon(Method::GET, "/user").bearer_auth("nope"),
        h.anon(Method::GET, "/user").bearer_auth(cred::TOKEN),
        h.anon(Method::GET, "/repositories/acme/api/deploy-keys")
            .header("authorization", "Token abc"),
    ];
    for (i, rb) in cases.into_iter().enumerate() {
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 401, "case {i}");
        assert!(r.headers().contains_key("www-authenticate"));
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["type"], "error");
        assert_eq!(
            message(&v),
            "Token is invalid, expired, or not supported for this endpoint.",
            "case {i}"
        );
    }
}

#[tokio::test]
async fn missing_scopes_are_403_with_required_and_granted() {
    let h = harness().await;
    let key = super::key_line(30);
    let path = "/repositories/acme/sandbox/deploy-keys";

    let r = h
        .anon(Method::POST, path)
        .basic_auth(cred::READONLY_EMAIL, Some(cred::READONLY_TOKEN))
        .json(&serde_json::json!({"key": key, "label": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        message(&v),
        "Your credentials lack one or more required privilege scopes."
    );
    assert_eq!(
        v["error"]["detail"]["required"],
        serde_json::json!(["write:ssh-key:bitbucket"])
    );
    assert_eq!(
        v["error"]["detail"]["granted"].as_array().unwrap().len(),
        cred::READONLY_SCOPES.len()
    );

    let r = h
        .anon(Method::POST, path)
        .basic_auth(cred::NOWRITE_EMAIL, Some(cred::NOWRITE_TOKEN))
        .json(&serde_json::json!({"key": key, "label": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(h.sim.control().keys_of("acme", "sandbox").is_empty());

    // The read-only token can list keys (admin:repository) but not delete them.
    let id = h.sim.control().keys_of("acme", "api")[0].id;
    let r = h
        .anon(Method::GET, "/repositories/acme/api/deploy-keys")
        .basic_auth(cred::READONLY_EMAIL, Some(cred::READONLY_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = h
        .anon(
            Method::DELETE,
            &format!("/repositories/acme/api/deploy-keys/{id}"),
        )
        .basic_auth(cred::READONLY_EMAIL, Some(cred::READONLY_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["error"]["detail"]["required"],
        serde_json::json!(["delete:ssh-key:bitbucket"])
    );

    // No write scope, but delete is granted.
    let r = h
        .anon(
            Method::DELETE,
            &format!("/repositories/acme/api/deploy-keys/{id}"),
        )
        .basic_auth(cred::NOWRITE_EMAIL, Some(cred::NOWRITE_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

#[tokio::test]
async fn access_token_lists_but_never_writes_repository_keys() {
    let h = harness().await;
    let bearer = |m: Method, p: &str| h.anon(m, p).bearer_auth(cred::ACCESS_TOKEN);
    let r = bearer(Method::GET, "/repositories/acme/api/deploy-keys")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = h.sim.control().keys_of("acme", "api")[0].id;
    let item = format!("/repositories/acme/api/deploy-keys/{id}");
    let body = serde_json::json!({"key": super::key_line(30), "label": "x"});
    for rb in [
        bearer(Method::POST, "/repositories/acme/api/deploy-keys").json(&body),
        bearer(Method::PUT, &item).json(&serde_json::json!({"label": "y"})),
        bearer(Method::DELETE, &item),
    ] {
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 403);
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            message(&v),
            "This API is not accessible by this authentication mechanism"
        );
    }
    assert_eq!(h.sim.control().keys_of("acme", "api")[0].id, id);

    // Bound to acme: other workspaces are out of reach, and not listed.
    let r = bearer(Method::GET, "/repositories/globex")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let ws: Value = bearer(Method::GET, "/user/workspaces")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ws["size"], 1);
    assert_eq!(ws["values"][0]["workspace"]["slug"], "acme");

    // Project keys are not covered by the refusal.
    let r = bearer(Method::POST, "/workspaces/acme/projects/DATA/deploy-keys")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn paging_follows_absolute_next_links_that_keep_the_query() {
    let h = harness().await;
    let pages = h
        .all_pages("/repositories/acme?role=admin&sort=slug&pagelen=10")
        .await;
    assert_eq!(pages.len(), 3);
    assert!(pages[2].get("next").is_none(), "last page has no next");
    assert!(pages[0].get("previous").is_none());
    let prev = pages[1]["previous"].as_str().unwrap();
    assert!(prev.starts_with(&format!("{}/2.0/repositories/acme?", h.sim.base_url())));
    let next = pages[0]["next"].as_str().unwrap();
    for part in ["role=admin", "sort=slug", "pagelen=10", "page=2"] {
        assert!(next.contains(part), "{next} lacks {part}");
    }
    let slugs: Vec<&str> = pages
        .iter()
        .flat_map(|p| p["values"].as_array().unwrap())
        .map(|r| r["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs.len(), 25);
    assert_eq!(pages[0]["size"], 25);
    assert_eq!(pages[1]["page"], 2);
    let mut sorted = slugs.clone();
    sorted.sort_unstable();
    assert_eq!(slugs, sorted);

    // Without sort the order is the server's own (creation), not slug order.
    let unsorted = h.all_pages("/repositories/acme?pagelen=100").await;
    let order: Vec<&str> = unsorted[0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["slug"].as_str().unwrap())
        .collect();
    assert_ne!(order, sorted);
}

#[tokio::test]
async fn pagelen_is_clamped_and_validated() {
    let h = harness().await;
    let page = h
        .get_json("/repositories/acme/platform-monorepo/deploy-keys?pagelen=500")
        .await;
    assert_eq!(page["pagelen"], 100);
    assert_eq!(page["values"].as_array().unwrap().len(), 27);
    assert!(page.get("next").is_none());
    let page = h
        .get_json("/repositories/acme/platform-monorepo/deploy-keys")
        .await;
    assert_eq!(page["pagelen"], 10);
    assert_eq!(page["values"].as_array().unwrap().len(), 10);
    assert_eq!(h.get("/repositories/acme?pagelen=lots").await.status(), 400);
    assert_eq!(h.get("/repositories/acme?page=0").await.status(), 400);
    let beyond = h.get_json("/repositories/acme?page=9").await;
    assert!(beyond["values"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn role_admin_filters_and_non_admin_repositories_are_forbidden() {
    let h = harness().await;
    let all = h.get_json("/repositories/initech?pagelen=100").await;
    assert_eq!(all["size"], 15);
    let admin = h
        .get_json("/repositories/initech?role=admin&pagelen=100&sort=slug")
        .await;
    let slugs: Vec<&str> = admin["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        [
            "legacy-billing",
            "legacy-cron",
            "payroll-sync",
            "reporting-etl",
            "tps-api"
        ]
    );
    for ws in ["acme", "globex"] {
        let a = h
            .get_json(&format!("/repositories/{ws}?role=admin&pagelen=100"))
            .await;
        let b = h.get_json(&format!("/repositories/{ws}?pagelen=100")).await;
        assert_eq!(a["size"], b["size"]);
    }
    let r = h.get("/repositories/initech/tps-reports/deploy-keys").await;
    assert_eq!(r.status(), 403);
    assert_eq!(message(&r.json::<Value>().await.unwrap()), "Forbidden");
    assert_eq!(
        h.get("/repositories/initech/tps-api/deploy-keys")
            .await
            .status(),
        200
    );
    assert_eq!(
        h.get("/workspaces/initech/projects/TPS/deploy-keys")
            .await
            .status(),
        403
    );
    assert_eq!(h.get("/repositories/acme?role=boss").await.status(), 400);
}

#[tokio::test]
async fn workspaces_projects_and_objects_have_their_documented_shapes() {
    let h = harness().await;
    let ws = h.get_json("/user/workspaces").await;
    assert_eq!(ws["size"], 3);
    for item in ws["values"].as_array().unwrap() {
        assert!(
            item["workspace"].get("name").is_none(),
            "no name in /user/workspaces"
        );
        assert!(item["workspace"]["uuid"].is_string());
    }
    let admin: Vec<bool> = ws["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["administrator"].as_bool().unwrap())
        .collect();
    assert_eq!(admin, [true, true, false]);
    assert_eq!(
        h.get_json("/user/workspaces?administrator=true").await["size"],
        2
    );
    assert_eq!(
        h.get_json("/workspaces/acme").await["name"],
        "Acme Corporation"
    );
    let projects = h.get_json("/workspaces/acme/projects").await;
    let keys: Vec<&str> = projects["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["API", "DATA", "OPS", "WEB"]);

    let page = h.get_json("/repositories/acme/api/deploy-keys").await;
    let key = &page["values"][0];
    assert!(key["id"].is_u64());
    assert_eq!(key["type"], "deploy_key");
    assert_eq!(
        key["key"].as_str().unwrap().split(' ').count(),
        2,
        "no comment in key"
    );
    assert!(key["comment"].as_str().unwrap().ends_with("@demo.example"));
    assert_eq!(key["repository"]["full_name"], "acme/api");
    assert_eq!(key["repository"]["type"], "repository");
    assert!(key["created_on"].as_str().unwrap().ends_with("+00:00"));
    assert!(key.get("last_used").is_some());
    let href = key["links"]["self"]["href"].as_str().unwrap();
    assert_eq!(
        href,
        format!(
            "{}/repositories/acme/api/deploy-keys/{}",
            h.sim.api_url(),
            key["id"]
        )
    );
    assert_eq!(h.get_json(href).await, *key);

    let pkey = &h
        .get_json("/workspaces/acme/projects/WEB/deploy-keys")
        .await["values"][0];
    assert_eq!(pkey["type"], "project_deploy_key");
    assert_eq!(pkey["project"]["key"], "WEB");
    assert_eq!(pkey["created_by"]["nickname"], cred::NICKNAME);
    assert!(pkey.get("repository").is_none());
}

#[tokio::test]
async fn removed_endpoints_answer_410_with_the_announcement() {
    let h = harness().await;
    for path in [
        "/workspaces",
        "/repositories",
        "/user/permissions/workspaces",
        "/user/permissions/repositories",
    ] {
        let r = h.get(path).await;
        assert_eq!(r.status(), 410, "{path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            message(&v),
            "CHANGE-2770 - Functionality has been deprecated"
        );
        assert!(
            v["error"]["data"]["announcement_url"]
                .as_str()
                .unwrap()
                .starts_with("https://")
        );
    }
}

#[tokio::test]
async fn unknown_things_are_404_with_the_envelope() {
    let h = harness().await;
    for path in [
        "/teams",
        "/workspaces/nosuch",
        "/repositories/acme/nosuch/deploy-keys",
        "/repositories/acme/api/deploy-keys/1",
        "/repositories/acme/api/deploy-keys/notanumber",
        "/workspaces/acme/projects/NOPE/deploy-keys",
    ] {
        let r = h.get(path).await;
        assert_eq!(r.status(), 404, "{path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["type"], "error");
        assert_eq!(message(&v), "Not found", "{path}");
    }
    let r = h
        .http
        .get(format!("{}/nothing", h.sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
