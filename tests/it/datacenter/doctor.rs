//! `doctor` on Data Center: the adapter answers "what can this credential do" from its roles
//! (REPO_ADMIN, PROJECT_ADMIN, the 8.8 restriction) and tells a refused token from a denial.

use bbkeys::demo::datacenter::credentials as cred;
use bbkeys::forge::Forge;
use bbkeys::forge::credential::{AuthKind, CredentialReport, Outcome};

use super::*;

fn verdict(r: &CredentialReport, title: &str) -> String {
    r.operations
        .iter()
        .find(|row| row.title() == title)
        .map(|row| row.verdict.to_string())
        .unwrap_or_else(|| panic!("no row {title}"))
}

#[tokio::test]
async fn an_admin_lists_both_kinds_of_keys_and_writes_are_not_tried() {
    let sim = dc_sim().await;
    let client = admin(&sim);
    let r = (&client as &dyn Forge).diagnose(false).await;
    assert_eq!(r.outcome, Outcome::Ready);
    assert_eq!(r.auth_kind, AuthKind::ApiToken);
    assert_eq!(
        r.account.as_ref().and_then(|a| a.nickname.as_deref()),
        Some(cred::ADMIN_USERNAME)
    );
    assert!(
        r.workspaces.contains(&"ACME".to_string()),
        "{:?}",
        r.workspaces
    );
    assert_eq!(verdict(&r, "list repository keys"), "works");
    assert_eq!(verdict(&r, "list project keys"), "works");
    assert_eq!(
        verdict(&r, "add project key"),
        "not verified: writes are not tried; they need the same admin permission as listing"
    );
    let row = r
        .operations
        .iter()
        .find(|row| row.title() == "delete repository key")
        .unwrap();
    assert_eq!(row.scopes, vec!["REPO_ADMIN"]);
    assert!(r.notes.iter().any(|n| n.contains("Signed in as dana")));
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("no call that changes a key's label"))
    );
}

#[tokio::test]
async fn a_repository_admin_restricted_by_the_project_is_told_the_project_role() {
    let sim = dc_sim().await;
    assert!(sim.control().restrict_repo_admins("ACME", true));
    let client = as_user(&sim, bearer(cred::REPO_ADMIN_TOKEN));
    let r = (&client as &dyn Forge).diagnose(false).await;
    assert_eq!(r.outcome, Outcome::Ready, "a denial is not a refused token");
    assert_eq!(
        verdict(&r, "list repository keys"),
        "denied: needs PROJECT_ADMIN of ACME, since the project restricts repository admins"
    );
    assert!(verdict(&r, "add repository key").starts_with("denied: needs PROJECT_ADMIN of ACME"));
    assert_eq!(
        verdict(&r, "list project keys"),
        "not verified: no project you administer was found to read"
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("Project ACME stops its repository admins"))
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("personal HTTP access token of rita")),
        "{:?}",
        r.notes
    );
    let refused = r
        .probes
        .iter()
        .find(|p| p.target == "ACME/web")
        .expect("the key listing was probed");
    assert!(
        matches!(&refused.result, bbkeys::forge::credential::ProbeResult::Failed { kind, status, .. }
            if kind == "not_permitted" && *status == Some(401)),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_refused_token_ends_the_diagnosis() {
    let sim = dc_sim().await;
    let client = as_user(&sim, bearer(cred::EXPIRED_TOKEN));
    let r = (&client as &dyn Forge).diagnose(false).await;
    assert_eq!(r.outcome, Outcome::CannotAuthenticate);
    assert_eq!(r.probes.len(), 1, "{:?}", r.probes);
    assert!(
        r.connection
            .iter()
            .any(|c| c.name == "account" && c.detail.contains("refused")),
        "{:?}",
        r.connection
    );
    assert_eq!(
        verdict(&r, "list repository keys"),
        "not verified: cannot authenticate"
    );
}

#[tokio::test]
async fn a_user_who_administers_nothing_is_not_judged_an_admin() {
    let sim = dc_sim().await;
    let client = as_user(&sim, basic(cred::VIEWER_USERNAME, cred::VIEWER_TOKEN));
    let r = (&client as &dyn Forge).diagnose(false).await;
    assert_eq!(r.outcome, Outcome::Ready);
    assert!(
        r.connection
            .iter()
            .any(|c| c.name == "projects" && c.detail.contains("administers no project")),
        "{:?}",
        r.connection
    );
    assert_ne!(verdict(&r, "list repository keys"), "works");
    assert_ne!(verdict(&r, "list project keys"), "works");
}
