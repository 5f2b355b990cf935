//! Verdicts from hand-made Bitbucket answers (the simulator tests are in `tests/it/auth.rs`).

use std::collections::HashMap;

use super::assess::{OpState, assess, record};
use super::*;
use crate::bitbucket::error::AuthKind;
use crate::forge::credential::OperationRow;

fn refused(status: u16, body: &str, op: Operation, auth: AuthKind) -> ApiError {
    ApiError::from_response(status, body, None, op, "acme/api", auth)
}

/// Relabels as delete and re-add, or as one in-place edit (`edit_strategy`).
const REPLACE: bool = false;
const IN_PLACE: bool = true;

const LACKS_PROJECT: &str = r#"{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["admin:project:bitbucket"],"granted":["read:user:bitbucket","read:workspace:bitbucket","read:repository:bitbucket","read:project:bitbucket","admin:repository:bitbucket","write:ssh-key:bitbucket"]}}}"#;

fn all_reads_work() -> HashMap<Operation, OpState> {
    let mut f = HashMap::new();
    for op in [
        Operation::CurrentUser,
        Operation::ListWorkspaces,
        Operation::ListRepositories,
        Operation::ListRepoKeys,
        Operation::ListProjects,
        Operation::ListProjectKeys,
    ] {
        record(&mut f, op, None);
    }
    f
}

fn verdict(rows: &[OperationRow], title: &str) -> String {
    rows.iter()
        .find(|r| r.title() == title)
        .map(|r| r.verdict.to_string())
        .unwrap_or_else(|| panic!("no row {title}"))
}

#[test]
fn full_reads_leave_writes_unverified() {
    let (rows, notes) = assess(AuthKind::ApiToken, REPLACE, &all_reads_work());
    assert_eq!(rows.len(), 8);
    assert_eq!(verdict(&rows, "list repository keys"), "works");
    assert_eq!(verdict(&rows, "list project keys"), "works");
    for t in [
        "add repository key",
        "relabel repository key",
        "delete project key",
    ] {
        assert_eq!(
            verdict(&rows, t),
            "not verified: write scopes cannot be tested without writing"
        );
    }
    assert!(notes.iter().any(|n| n.contains("write:ssh-key:bitbucket")));
}

#[test]
fn a_refused_read_reveals_every_missing_scope() {
    let mut f = all_reads_work();
    f.remove(&Operation::ListProjectKeys);
    let e = refused(
        403,
        LACKS_PROJECT,
        Operation::ListProjectKeys,
        AuthKind::ApiToken,
    );
    record(&mut f, Operation::ListProjectKeys, Some(&e));
    let (rows, notes) = assess(AuthKind::ApiToken, REPLACE, &f);
    assert_eq!(
        verdict(&rows, "list project keys"),
        "denied: needs admin:project:bitbucket"
    );
    // The granted list shows delete:ssh-key missing too, so writes are judged, not guessed.
    assert_eq!(
        verdict(&rows, "delete repository key"),
        "denied: needs delete:ssh-key:bitbucket"
    );
    assert_eq!(
        verdict(&rows, "relabel project key"),
        "denied: needs admin:project:bitbucket and delete:ssh-key:bitbucket"
    );
    assert_eq!(
        verdict(&rows, "add repository key"),
        "not verified: write scopes cannot be tested without writing"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("Bitbucket says this credential has"))
    );
}

#[test]
fn without_granted_only_the_refused_scope_is_known() {
    let mut f = all_reads_work();
    f.remove(&Operation::ListRepoKeys);
    let body = r#"{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["admin:repository:bitbucket"]}}}"#;
    let e = refused(403, body, Operation::ListRepoKeys, AuthKind::ApiToken);
    record(&mut f, Operation::ListRepoKeys, Some(&e));
    let (rows, _) = assess(AuthKind::ApiToken, REPLACE, &f);
    assert_eq!(
        verdict(&rows, "list repository keys"),
        "denied: needs admin:repository:bitbucket"
    );
    assert_eq!(
        verdict(&rows, "add repository key"),
        "denied: needs admin:repository:bitbucket"
    );
    assert_eq!(
        verdict(&rows, "add project key"),
        "not verified: write scopes cannot be tested without writing"
    );
}

#[test]
fn access_tokens_can_never_write_repository_keys() {
    let (rows, notes) = assess(AuthKind::AccessToken, REPLACE, &all_reads_work());
    assert_eq!(verdict(&rows, "list repository keys"), "works");
    assert_eq!(
        verdict(&rows, "add repository key"),
        "denied: needs an API token with admin:repository:bitbucket and write:ssh-key:bitbucket; access tokens can never add, change or delete repository keys"
    );
    assert!(verdict(&rows, "delete repository key").starts_with("denied: needs an API token"));
    assert_eq!(
        verdict(&rows, "add project key"),
        "not verified: write scopes cannot be tested without writing"
    );
    let row = rows
        .iter()
        .find(|r| r.title() == "list project keys")
        .unwrap();
    assert_eq!(row.scopes, vec!["project", "project:admin"]);
    assert!(notes[0].contains("never lets it add, change or delete repository keys"));
}

#[test]
fn in_place_relabels_need_no_delete_scope() {
    let (rows, _) = assess(AuthKind::ApiToken, IN_PLACE, &all_reads_work());
    let row = rows
        .iter()
        .find(|r| r.title() == "relabel repository key")
        .unwrap();
    assert_eq!(
        row.scopes,
        vec!["admin:repository:bitbucket", "write:ssh-key:bitbucket"]
    );
}

#[test]
fn not_administrator_and_nothing_to_probe() {
    let mut f = all_reads_work();
    f.remove(&Operation::ListRepoKeys);
    f.remove(&Operation::ListProjectKeys);
    let e = ApiError::from_response(
        403,
        "Forbidden",
        None,
        Operation::ListProjectKeys,
        "project API of acme",
        AuthKind::ApiToken,
    );
    record(&mut f, Operation::ListProjectKeys, Some(&e));
    let (rows, _) = assess(AuthKind::ApiToken, REPLACE, &f);
    assert_eq!(
        verdict(&rows, "list project keys"),
        "denied: needs admin permission on project API of acme"
    );
    assert_eq!(
        verdict(&rows, "list repository keys"),
        "not verified: no repository you administer was found to read"
    );
}

#[test]
fn a_success_outranks_a_later_failure() {
    let mut f = HashMap::new();
    record(&mut f, Operation::ListProjectKeys, None);
    let e = refused(
        403,
        "Forbidden",
        Operation::ListProjectKeys,
        AuthKind::ApiToken,
    );
    record(&mut f, Operation::ListProjectKeys, Some(&e));
    assert!(matches!(f[&Operation::ListProjectKeys], OpState::Works));
}

#[test]
fn a_credential_that_reads_keys_is_said_to_be_enough_for_audit() {
    // Issue 19: a nightly audit needs no write scope; doctor says so, for access tokens too.
    for auth in [AuthKind::ApiToken, AuthKind::AccessToken] {
        let (_, notes) = assess(auth, REPLACE, &all_reads_work());
        assert!(
            notes
                .iter()
                .any(|n| n.contains("enough for `bbkeys audit`")
                    && n.contains("read-only credential")),
            "{auth:?}: {notes:?}"
        );
    }
    let mut f = all_reads_work();
    f.remove(&Operation::ListRepoKeys);
    let e = refused(
        403,
        LACKS_PROJECT,
        Operation::ListRepoKeys,
        AuthKind::ApiToken,
    );
    record(&mut f, Operation::ListRepoKeys, Some(&e));
    let (_, notes) = assess(AuthKind::ApiToken, REPLACE, &f);
    assert!(
        !notes
            .iter()
            .any(|n| n.contains("enough for `bbkeys audit`")),
        "{notes:?}"
    );
}
