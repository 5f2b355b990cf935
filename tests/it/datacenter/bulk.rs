//! The bulk revoke row of §1: one request when the server takes the body, then every place read
//! back (204 also means "nothing matched", §4), and the per-grant fallback of §3.

use bbkeys::demo::{Fault, FaultAction};
use bbkeys::forge::ForgeErrorKind;
use reqwest::Method;

use super::*;

#[tokio::test]
async fn row_bulk_revoke_in_one_request_and_verified() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    let places = [repo("ACME", "api"), repo("ACME", "web"), project("OPS")];
    let outcome = c.bulk_revoke(1, &places).await.unwrap();
    assert_eq!(outcome.revoked.len(), 3);
    assert!(outcome.failed.is_empty() && !outcome.fell_back);
    let log = requests(&sim);
    assert_eq!(
        log.iter().filter(|r| r.starts_with("DELETE")).count(),
        1,
        "{log:?}"
    );
    assert!(
        log[0].starts_with("DELETE /rest/keys/1.0/ssh/1? 204"),
        "{log:?}"
    );
    let dump = sim.control().dump();
    let left: Vec<_> = dump
        .grants
        .iter()
        .filter(|g| g.key_id == 1)
        .map(|g| g.place.clone())
        .collect();
    assert_eq!(left, [repo("SEC", "audit-log"), repo("HR", "payroll")]);
}

#[tokio::test]
async fn row_bulk_revoke_401_falls_back_per_grant_and_names_the_refused_place() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    let places = [repo("ACME", "api"), repo("SEC", "audit-log")];
    let outcome = c.bulk_revoke(1, &places).await.unwrap();
    assert!(requests(&sim)[0].starts_with("DELETE /rest/keys/1.0/ssh/1? 401"));
    assert_eq!(outcome.revoked, [repo("ACME", "api")]);
    assert_eq!(outcome.failed.len(), 1);
    assert_eq!(outcome.failed[0].0, repo("SEC", "audit-log"));
    assert_eq!(outcome.failed[0].1.kind, ForgeErrorKind::NotPermitted);
    assert!(
        !sim.control()
            .dump()
            .grants_at(&repo("SEC", "audit-log"))
            .is_empty()
    );
    // 404 for an unknown key.
    let (status, _) = raw(
        &sim,
        Method::DELETE,
        "/rest/keys/1.0/ssh/4242",
        &[
            ("X-Atlassian-Token", "no-check"),
            ("Content-Type", "application/json"),
        ],
        Some("{}"),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_bulk_revoke_that_answers_204_and_does_nothing_falls_back_per_grant() {
    let sim = dc_sim().await;
    sim.control().add_fault(
        Fault::new(
            bbkeys::demo::PathPattern::Exact("/rest/keys/1.0/ssh/4".into()),
            FaultAction::respond(204, "text/plain", ""),
        )
        .method("DELETE"),
    );
    let places = [repo("ACME", "billing"), repo("OPS", "infra")];
    let outcome = admin(&sim).bulk_revoke(4, &places).await.unwrap();
    assert!(outcome.fell_back);
    assert_eq!(outcome.revoked.len(), 2);
    assert!(outcome.failed.is_empty());
    assert!(
        sim.control().dump().key(4).is_none(),
        "the last grant took the key with it"
    );
    let deletes = requests(&sim)
        .into_iter()
        .filter(|r| r.starts_with("DELETE"))
        .count();
    assert_eq!(deletes, 3, "one bulk request, then one per grant");
}

#[tokio::test]
async fn the_simulator_takes_the_spec_s_single_object_body_as_well_as_arrays() {
    let sim = dc_sim().await;
    let headers = [
        ("X-Atlassian-Token", "no-check"),
        ("Content-Type", "application/json"),
    ];
    let body = r#"{"projects": {"key": "OPS"}, "repositories": {"slug": "deploy", "project": {"key": "OPS"}}}"#;
    let (status, _) = raw(
        &sim,
        Method::DELETE,
        "/rest/keys/1.0/ssh/1",
        &headers,
        Some(body),
    )
    .await;
    assert_eq!(status, 204);
    assert!(
        sim.control()
            .dump()
            .grants_at(&project("OPS"))
            .iter()
            .all(|g| g.key_id != 1)
    );
    // A target that does not exist is a 404, and nothing is revoked.
    let body = r#"{"repositories": [{"slug": "api", "project": {"key": "ACME"}}, {"slug": "nope", "project": {"key": "ACME"}}]}"#;
    let (status, _) = raw(
        &sim,
        Method::DELETE,
        "/rest/keys/1.0/ssh/1",
        &headers,
        Some(body),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        sim.control().dump().grants_at(&repo("ACME", "api")).len(),
        1
    );
}
