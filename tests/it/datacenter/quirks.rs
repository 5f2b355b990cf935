//! Paging (§3), the answer forms the contract leaves open (bare arrays, both `createdDate`
//! forms), the context path, and the bulk revoke's fallback when the server ignores its body.

use bbkeys::demo::datacenter::{CreatedDateForm, DcSimOptions, UsageForm};
use bbkeys::demo::{Fault, FaultAction};
use bbkeys::forge::{Forge, ForgeErrorKind, UsageSearch, UsageSource};

use super::*;

#[tokio::test]
async fn paging_honours_the_limit_the_server_answers_and_follows_next_page_start() {
    let sim = dc_sim_with(DcSimOptions {
        max_page_limit: 2,
        ..DcSimOptions::default()
    })
    .await;
    let c = admin(&sim);
    let repos = c.project_repositories("ACME").await.unwrap();
    assert_eq!(repos.len(), 4);
    let log = requests(&sim);
    assert_eq!(
        log,
        [
            "GET /rest/api/1.0/projects/ACME/repos?limit=1000 200",
            "GET /rest/api/1.0/projects/ACME/repos?start=2&limit=2 200",
        ]
    );
    let effective = c.grants(&repo("ACME", "api"), None, true).await.unwrap();
    assert_eq!(effective.len(), 2);
}

#[tokio::test]
async fn a_page_that_is_not_the_last_without_a_later_start_stops_with_an_error() {
    let sim = dc_sim().await;
    for body in [
        r#"{"size":1,"limit":1,"isLastPage":false,"start":0,"values":[{"key":"ACME"}]}"#,
        r#"{"size":1,"limit":1,"isLastPage":false,"start":0,"nextPageStart":0,"values":[{"key":"ACME"}]}"#,
    ] {
        sim.control().clear_faults();
        sim.control().add_fault(Fault::prefix(
            "/rest/api/1.0/projects",
            FaultAction::respond(200, "application/json", body),
        ));
        let e = admin(&sim).projects_administered().await.unwrap_err();
        assert_eq!(e.kind, ForgeErrorKind::Decode, "{body}");
        assert!(e.advice.contains("nextPageStart"), "{}", e.advice);
    }
    // `nextPageStart: null` on the last page ends the listing.
    sim.control().clear_faults();
    sim.control().add_fault(Fault::prefix("/rest/api/1.0/projects", FaultAction::respond(200, "application/json",
        r#"{"size":1,"limit":25,"isLastPage":true,"start":0,"nextPageStart":null,"values":[{"key":"ACME"}]}"#)));
    assert_eq!(admin(&sim).projects_administered().await.unwrap().len(), 1);
}

#[tokio::test]
async fn usage_lookups_read_a_bare_array_like_a_page() {
    let paged = dc_sim().await;
    let bare = dc_sim_with(DcSimOptions {
        usage_form: UsageForm::BareArray,
        ..DcSimOptions::default()
    })
    .await;
    let a = Forge::usage(&admin(&paged), 1, UsageSearch::Lookups)
        .await
        .unwrap();
    let b = Forge::usage(&admin(&bare), 1, UsageSearch::Lookups)
        .await
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(a.places.len(), 3);
    assert_eq!(a.source, UsageSource::Lookups);
}

#[tokio::test]
async fn both_created_date_forms_give_the_same_key() {
    let iso = dc_sim().await;
    let epoch = dc_sim_with(DcSimOptions {
        created_date: CreatedDateForm::EpochMillis,
        ..DcSimOptions::default()
    })
    .await;
    let a = Forge::keys(&admin(&iso), &repo("OPS", "deploy"))
        .await
        .unwrap();
    let b = Forge::keys(&admin(&epoch), &repo("OPS", "deploy"))
        .await
        .unwrap();
    assert!(a[0].created.is_some());
    assert_eq!(a, b);
}

#[tokio::test]
async fn the_server_root_keeps_its_context_path() {
    let sim = dc_sim_with(DcSimOptions {
        context_path: "/bitbucket".into(),
        ..DcSimOptions::default()
    })
    .await;
    assert!(sim.api_url().ends_with("/bitbucket"));
    let keys = Forge::keys(&admin(&sim), &repo("ACME", "api"))
        .await
        .unwrap();
    assert_eq!(keys.len(), 1);
    assert!(
        requests(&sim)[0].starts_with("GET /bitbucket/rest/keys/1.0/projects/ACME/repos/api/ssh?")
    );
}

#[tokio::test]
async fn seeded_dates_follow_the_now_option() {
    let later = bbkeys::demo::DEMO_NOW + time::Duration::days(100);
    let sim = dc_sim_with(DcSimOptions {
        now: Some(later),
        ..DcSimOptions::default()
    })
    .await;
    let shifted = Forge::keys(&admin(&sim), &repo("OPS", "deploy"))
        .await
        .unwrap();
    let fixed = Forge::keys(&admin(&dc_sim().await), &repo("OPS", "deploy"))
        .await
        .unwrap();
    let parse = |s: &Option<String>| {
        time::OffsetDateTime::parse(
            s.as_deref().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    assert_eq!(
        (parse(&shifted[0].created) - parse(&fixed[0].created)).whole_days(),
        100
    );
    assert_eq!(
        sim.control().now_ms() - dc_sim().await.control().now_ms(),
        100 * 86_400_000
    );
}

#[tokio::test]
async fn an_add_answered_200_as_older_docs_describe_is_accepted() {
    // §8: older docs give 200 for a successful add; 10.2 and 8.x answer 201.
    let sim = dc_sim().await;
    let body = format!(
        r#"{{"key":{{"id":55,"text":"{}","label":"older"}},"permission":"REPO_READ","repository":{{"slug":"api","project":{{"key":"ACME"}}}}}}"#,
        fresh(5)
    );
    sim.control().add_fault(
        Fault::prefix(
            "/rest/keys/1.0/projects/ACME/repos/api/ssh",
            FaultAction::respond(200, "application/json", &body),
        )
        .method("POST")
        .once(),
    );
    let new = bbkeys::forge::NewAccessKey {
        key: fresh(5),
        label: "older".into(),
        permission: bbkeys::forge::Permission::Read,
        expiry_days: None,
    };
    let added = admin(&sim)
        .add_grant(&repo("ACME", "api"), &new)
        .await
        .unwrap();
    assert_eq!((added.status, added.grant.key.id), (200, 55));
}

#[tokio::test]
async fn without_an_x_ausername_header_the_identity_is_a_token_without_a_user() {
    // §2: the header is a convention, UNVERIFIED for tokens without a user.
    let sim = dc_sim().await;
    sim.control().add_fault(Fault::prefix(
        "/rest/ssh/1.0/settings",
        FaultAction::respond(
            200,
            "application/json",
            r#"{"enabled":true,"accessKeysEnabled":true}"#,
        ),
    ));
    let me = Forge::whoami(&admin(&sim)).await.unwrap();
    assert_eq!(
        (me.display_name.as_str(), me.handle),
        ("an access token without a user", None)
    );
}

#[tokio::test]
async fn minimum_permission_limits_a_listing_to_write_grants() {
    let sim = dc_sim().await;
    let (status, body) = raw(
        &sim,
        reqwest::Method::GET,
        "/rest/keys/1.0/projects/OPS/ssh?minimumPermission=PROJECT_WRITE",
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200);
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<u64> = page["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"]["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [8]);
    // Keys come back as the contract shows them: no `SHA256:` prefix, epoch-ms strings.
    let key = &page["values"][0]["key"];
    assert!(!key["fingerprint"].as_str().unwrap().starts_with("SHA256:"));
    assert!(
        key.get("lastAuthenticated").is_none(),
        "ops-deployer was never used"
    );
}
