//! One test per row of the contract's §1 endpoint table, with the errors of its row, through
//! the client.

use bbkeys::datacenter::DcCredential;
use bbkeys::demo::datacenter::credentials as cred;
use bbkeys::forge::{ForgeErrorKind, NewAccessKey, Permission};
use reqwest::Method;

use super::*;

fn new_key(
    line: String,
    label: &str,
    permission: Permission,
    expiry_days: Option<u32>,
) -> NewAccessKey {
    NewAccessKey {
        key: line,
        label: label.into(),
        permission,
        expiry_days,
    }
}

#[tokio::test]
async fn row_server_version_needs_no_authentication() {
    let sim = dc_sim().await;
    let anonymous = as_user(&sim, DcCredential::None);
    let info = anonymous.server_info().await.unwrap();
    assert_eq!(info.version, "10.2.1");
    assert_eq!(
        requests(&sim),
        ["GET /rest/api/1.0/application-properties? 200"]
    );
}

#[tokio::test]
async fn row_ssh_settings_for_a_signed_in_user_and_401_otherwise() {
    let sim = dc_sim().await;
    let (settings, user) = admin(&sim).ssh_settings().await.unwrap();
    assert!(settings.enabled && settings.access_keys_enabled);
    assert_eq!(user.as_deref(), Some(cred::ADMIN_USERNAME));
    let e = as_user(&sim, DcCredential::None)
        .ssh_settings()
        .await
        .unwrap_err();
    assert_eq!(e.status, Some(401));
}

#[tokio::test]
async fn row_projects_i_administer_asks_for_project_admin_and_a_large_page() {
    let sim = dc_sim().await;
    let keys: Vec<String> = admin(&sim)
        .projects_administered()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.key)
        .collect();
    assert_eq!(keys, ["ACME", "OPS"]);
    assert_eq!(
        requests(&sim),
        ["GET /rest/api/1.0/projects?permission=PROJECT_ADMIN&limit=1000 200"]
    );
    // The row's error: an unknown permission is a 400.
    let (status, body) = raw(
        &sim,
        Method::GET,
        "/rest/api/1.0/projects?permission=BOGUS",
        &[],
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"errors\""), "{body}");
}

#[tokio::test]
async fn row_repositories_of_a_project_with_401_and_404() {
    let sim = dc_sim().await;
    let slugs: Vec<String> = admin(&sim)
        .project_repositories("ACME")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.slug)
        .collect();
    assert_eq!(slugs, ["api", "billing", "legacy", "web"]);
    let missing = admin(&sim).project_repositories("NOPE").await.unwrap_err();
    assert_eq!(
        (missing.kind, missing.status),
        (ForgeErrorKind::NotFound, Some(404))
    );
    let viewer = as_user(&sim, basic(cred::VIEWER_USERNAME, cred::VIEWER_TOKEN));
    let denied = viewer.project_repositories("OPS").await.unwrap_err();
    assert_eq!(
        (denied.kind, denied.status),
        (ForgeErrorKind::NotPermitted, Some(401))
    );
}

#[tokio::test]
async fn row_repositories_i_administer_include_archived_ones_and_filter_by_project() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    let all: Vec<String> = c
        .repositories_administered(None)
        .await
        .unwrap()
        .into_iter()
        .map(|r| format!("{}/{}", r.project.unwrap().key, r.slug))
        .collect();
    for expected in ["ACME/legacy", "SEC/vault", "DATA/warehouse", "OPS/infra"] {
        assert!(all.contains(&expected.to_string()), "{expected} in {all:?}");
    }
    assert!(
        !all.iter()
            .any(|r| r == "SEC/audit-log" || r.starts_with("HR/")),
        "{all:?}"
    );
    let sec = c.repositories_administered(Some("SEC")).await.unwrap();
    assert_eq!(
        sec.iter().map(|r| r.slug.as_str()).collect::<Vec<_>>(),
        ["vault"]
    );
    let log = requests(&sim);
    assert!(
        log[0].contains("permission=REPO_ADMIN&archived=ALL&limit=1000"),
        "{log:?}"
    );
    assert!(log[1].contains("projectkey=SEC"), "{log:?}");
    // Anonymous gets an empty page; a bad visibility is a 400.
    assert!(
        as_user(&sim, DcCredential::None)
            .repositories_administered(None)
            .await
            .unwrap()
            .is_empty()
    );
    let (status, _) = raw(
        &sim,
        Method::GET,
        "/rest/api/1.0/repos?visibility=sideways",
        &[],
        None,
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn row_list_grants_with_filter_effective_401_and_404() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    let api = c.grants(&repo("ACME", "api"), None, false).await.unwrap();
    assert_eq!(
        api.iter()
            .map(|g| (g.key.id, g.permission.as_str()))
            .collect::<Vec<_>>(),
        [(1, "REPO_WRITE")]
    );
    // effective=true adds the project's keys (key 2 is granted on project ACME).
    let effective = c.grants(&repo("ACME", "api"), None, true).await.unwrap();
    let ids: Vec<u64> = effective.iter().map(|g| g.key.id).collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(effective[1].place(), Some(project("ACME")));
    let filtered = c
        .grants(&project("OPS"), Some("ops-"), false)
        .await
        .unwrap();
    assert_eq!(filtered.iter().map(|g| g.key.id).collect::<Vec<_>>(), [8]);
    assert!(requests(&sim).iter().any(|r| r.contains("filter=ops-")));
    let rita = as_user(&sim, bearer(cred::REPO_ADMIN_TOKEN));
    let denied = rita
        .grants(&repo("ACME", "api"), None, false)
        .await
        .unwrap_err();
    assert_eq!(
        (denied.kind, denied.status),
        (ForgeErrorKind::NotPermitted, Some(401))
    );
    assert_eq!(
        rita.grants(&repo("ACME", "web"), None, false)
            .await
            .unwrap()
            .len(),
        1
    );
    let missing = c
        .grants(&repo("ACME", "nope"), None, false)
        .await
        .unwrap_err();
    assert_eq!(
        (missing.kind, missing.status),
        (ForgeErrorKind::NotFound, Some(404))
    );
}

#[tokio::test]
async fn row_add_key_answers_201_and_the_key_is_one_entity_across_places() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    let added = c
        .add_grant(
            &repo("OPS", "infra"),
            &new_key(fresh(0), "ci-new", Permission::Write, Some(30)),
        )
        .await
        .unwrap();
    assert_eq!(
        (added.status, added.grant.permission.as_str()),
        (201, "REPO_WRITE")
    );
    assert_eq!(added.grant.key.expiry_days, Some(30));
    assert_eq!(added.label_kept, None);
    // Same key elsewhere: a new grant, the same id, and the global label stays.
    let again = c
        .add_grant(
            &project("ACME"),
            &new_key(fresh(0), "other-label", Permission::Read, None),
        )
        .await
        .unwrap();
    assert_eq!(again.grant.key.id, added.grant.key.id);
    assert_eq!(again.label_kept.as_deref(), Some("ci-new"));
    // Same place, other permission: the permission is updated.
    let updated = c
        .add_grant(
            &repo("OPS", "infra"),
            &new_key(fresh(0), "ci-new", Permission::Read, None),
        )
        .await
        .unwrap();
    assert!(matches!(updated.status, 200 | 201));
    assert_eq!(updated.grant.permission, "REPO_READ");
    let dump = sim.control().dump();
    assert_eq!(
        dump.grants_at(&repo("OPS", "infra"))
            .iter()
            .filter(|g| g.key_id == added.grant.key.id)
            .count(),
        1
    );
}

#[tokio::test]
async fn row_add_key_errors_400_401_404_409() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    let bad = c
        .add_grant(
            &repo("ACME", "api"),
            &new_key(
                "ssh-ed25519 AAAAnotakey".into(),
                "x",
                Permission::Read,
                None,
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (bad.kind, bad.status),
        (ForgeErrorKind::InvalidInput, Some(400))
    );
    assert!(bad.advice.contains("invalid"), "{}", bad.advice);
    let rita = as_user(&sim, bearer(cred::REPO_ADMIN_TOKEN));
    let denied = rita
        .add_grant(
            &repo("OPS", "deploy"),
            &new_key(fresh(1), "x", Permission::Read, None),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (denied.kind, denied.status),
        (ForgeErrorKind::NotPermitted, Some(401))
    );
    let missing = c
        .add_grant(
            &repo("ACME", "nope"),
            &new_key(fresh(1), "x", Permission::Read, None),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (missing.kind, missing.status),
        (ForgeErrorKind::NotFound, Some(404))
    );
    let line = key_line(1).unwrap().to_string();
    let dup = c
        .add_grant(
            &repo("ACME", "api"),
            &new_key(line, "ci-deploy", Permission::Write, None),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (dup.kind, dup.status),
        (ForgeErrorKind::Duplicate, Some(409))
    );
    let personal = key_line(cred::PERSONAL_KEY_LINE).unwrap().to_string();
    let refused = c
        .add_grant(
            &repo("ACME", "api"),
            &new_key(personal, "mine", Permission::Read, None),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (refused.kind.clone(), refused.status),
        (ForgeErrorKind::InvalidInput, Some(409))
    );
    assert!(refused.advice.contains("personal"), "{}", refused.advice);
}

#[tokio::test]
async fn row_get_grant_with_401_and_404() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    let g = c.grant(&repo("OPS", "deploy"), 3).await.unwrap();
    assert_eq!((g.key.id, g.key.label.as_deref()), (3, Some("release-bot")));
    let not_here = c.grant(&repo("OPS", "infra"), 3).await.unwrap_err();
    assert_eq!(
        (not_here.kind, not_here.status),
        (ForgeErrorKind::NotFound, Some(404))
    );
    let rita = as_user(&sim, bearer(cred::REPO_ADMIN_TOKEN));
    let denied = rita.grant(&repo("OPS", "deploy"), 3).await.unwrap_err();
    assert_eq!(denied.status, Some(401));
}

#[tokio::test]
async fn row_revoke_grant_answers_204_even_when_nothing_matched_and_401() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    c.revoke_grant(&repo("ACME", "web"), 1).await.unwrap();
    assert!(
        sim.control()
            .dump()
            .grants_at(&repo("ACME", "web"))
            .is_empty()
    );
    // The other grants of the shared key stay: revoke is scoped.
    assert_eq!(
        sim.control().dump().grants_at(&repo("ACME", "api")).len(),
        1
    );
    c.revoke_grant(&repo("ACME", "web"), 999).await.unwrap();
    assert!(
        requests(&sim).iter().all(|r| r.ends_with(" 204")),
        "{:?}",
        requests(&sim)
    );
    let rita = as_user(&sim, bearer(cred::REPO_ADMIN_TOKEN));
    let denied = rita
        .revoke_grant(&repo("ACME", "api"), 1)
        .await
        .unwrap_err();
    assert_eq!(
        (denied.kind, denied.status),
        (ForgeErrorKind::NotPermitted, Some(401))
    );
}

#[tokio::test]
async fn row_change_permission_changes_one_grant_with_401_and_404() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    let g = c
        .change_permission(&repo("ACME", "web"), 1, Permission::Write)
        .await
        .unwrap();
    assert_eq!(g.permission, "REPO_WRITE");
    let dump = sim.control().dump();
    assert_eq!(
        dump.grants_at(&project("OPS"))[0].permission,
        "PROJECT_READ"
    );
    assert!(
        requests(&sim)[0]
            .starts_with("PUT /rest/keys/1.0/projects/ACME/repos/web/ssh/1/permission/REPO_WRITE")
    );
    let p = c
        .change_permission(&project("OPS"), 1, Permission::Write)
        .await
        .unwrap();
    assert_eq!(p.permission, "PROJECT_WRITE");
    let missing = c
        .change_permission(&repo("OPS", "infra"), 3, Permission::Read)
        .await
        .unwrap_err();
    assert_eq!(
        (missing.kind, missing.status),
        (ForgeErrorKind::NotFound, Some(404))
    );
    let rita = as_user(&sim, bearer(cred::REPO_ADMIN_TOKEN));
    let denied = rita
        .change_permission(&repo("ACME", "api"), 1, Permission::Read)
        .await
        .unwrap_err();
    assert_eq!(denied.status, Some(401));
}

#[tokio::test]
async fn row_where_used_repositories_is_filtered_and_404_for_an_unknown_key() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    let places: Vec<_> = c
        .repositories_using(1)
        .await
        .unwrap()
        .iter()
        .filter_map(|g| g.place())
        .collect();
    // SEC/audit-log and HR/payroll hold the key too, but the admin does not administer them.
    assert_eq!(places, [repo("ACME", "api"), repo("ACME", "web")]);
    assert!(requests(&sim)[0].contains("withRestrictions=true"));
    let rita = as_user(&sim, bearer(cred::REPO_ADMIN_TOKEN));
    assert!(rita.repositories_using(1).await.unwrap().is_empty());
    let unknown = c.repositories_using(4242).await.unwrap_err();
    assert_eq!(
        (unknown.kind, unknown.status),
        (ForgeErrorKind::NotFound, Some(404))
    );
}

#[tokio::test]
async fn row_where_used_projects_and_404() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    let places: Vec<_> = c
        .projects_using(1)
        .await
        .unwrap()
        .iter()
        .filter_map(|g| g.place())
        .collect();
    assert_eq!(places, [project("OPS")]);
    let unknown = c.projects_using(4242).await.unwrap_err();
    assert_eq!(unknown.status, Some(404));
}
