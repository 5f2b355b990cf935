//! The report as data; the Cloud verdicts are tested with its adapter (`src/bitbucket/doctor`),
//! the simulator runs in `tests/it/auth.rs`.

use super::*;

#[test]
fn report_serialises_with_readable_tags() {
    let local = local_checks(
        std::path::Path::new("/nonexistent/config.toml"),
        false,
        Err("bad"),
        CredentialCheck::NotTried,
    );
    let r = DoctorReport::not_configured(local, "none", "https://api.bitbucket.org/2.0");
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["outcome"], "cannot_authenticate");
    assert_eq!(v["local"][0]["status"], "failed");
    assert_eq!(v["operations"][0]["verdict"]["status"], "not_verified");
    assert_eq!(v["operations"][0]["action"], "list");
}

#[tokio::test]
async fn doctor_presents_the_forge_answer_with_the_local_checks() {
    use crate::forge::memory::MemoryForge;
    use crate::forge::{Caps, ForgeKind};
    let forge = MemoryForge::new(ForgeKind::DataCenter, Caps::default()).with_repo(
        "ACME",
        "api",
        Some("ACME"),
    );
    let local = vec![Check::new(
        "config file",
        CheckStatus::Ok,
        "none (optional)",
    )];
    let setup = DoctorSetup {
        local: local.clone(),
        credential_source: "a test".into(),
        edit_strategy: EditStrategy::Replace,
    };
    let r = diagnose(&forge, setup).await;
    assert_eq!(r.local, local);
    assert_eq!(r.credential_source, "a test");
    assert_eq!(r.workspaces, vec!["ACME"]);
    assert_eq!(r.account_line().as_deref(), Some("In-memory user"));
    assert!(r.is_ready());
    let project_list = r
        .operations
        .iter()
        .find(|row| row.title() == "list project keys")
        .unwrap();
    assert_eq!(
        project_list.verdict.to_string(),
        "not verified: this forge has no project keys"
    );
    let repo_list = r
        .operations
        .iter()
        .find(|row| row.title() == "list repository keys")
        .unwrap();
    assert_eq!(repo_list.verdict, Verdict::Works);
}
