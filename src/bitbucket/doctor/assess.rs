//! Turns what the read probes found into a verdict per key operation, using the one scope
//! table (`bitbucket::scopes`) so doctor, errors and the README never disagree.

use std::collections::HashMap;

use crate::bitbucket::Operation;
use crate::bitbucket::error::{ApiError, ApiErrorKind, AuthKind};
use crate::forge::credential::{
    DenialReason, KeyAction, KeyOwner, OperationRow, Verdict, WRITE_NOT_VERIFIED, join,
};

/// What became of one operation during the probes. Several probes of one operation (the
/// repositories of several workspaces) keep the most telling result: a success, else a scope
/// refusal, else the last error.
#[derive(Debug, Clone)]
pub(super) enum OpState {
    Works,
    Failed(ApiError),
}

/// Records `outcome` for `op`, keeping the most telling result.
pub(super) fn record(
    findings: &mut HashMap<Operation, OpState>,
    op: Operation,
    failed: Option<&ApiError>,
) {
    let new = match failed {
        None => OpState::Works,
        Some(e) => OpState::Failed(e.clone()),
    };
    let keep_old = match (findings.get(&op), &new) {
        (Some(OpState::Works), _) => true,
        (Some(OpState::Failed(old)), OpState::Failed(_)) => old.kind == ApiErrorKind::MissingScopes,
        _ => false,
    };
    if !keep_old {
        findings.insert(op, new);
    }
}

/// Every row, in the order the table shows them.
const ROWS: [(KeyAction, KeyOwner); 8] = [
    (KeyAction::List, KeyOwner::Repository),
    (KeyAction::Add, KeyOwner::Repository),
    (KeyAction::Relabel, KeyOwner::Repository),
    (KeyAction::Delete, KeyOwner::Repository),
    (KeyAction::List, KeyOwner::Project),
    (KeyAction::Add, KeyOwner::Project),
    (KeyAction::Relabel, KeyOwner::Project),
    (KeyAction::Delete, KeyOwner::Project),
];

/// The requests one row stands for. Listing includes finding the repositories or projects;
/// a relabel is delete-and-re-add unless the config asks for in-place (repository keys only:
/// project keys have no PUT, §1).
fn row_operations(action: KeyAction, owner: KeyOwner, in_place: bool) -> Vec<Operation> {
    use Operation::*;
    match (action, owner) {
        (KeyAction::List, KeyOwner::Repository) => vec![ListRepositories, ListRepoKeys],
        (KeyAction::Add, KeyOwner::Repository) => vec![AddRepoKey],
        (KeyAction::Relabel, KeyOwner::Repository) if in_place => vec![UpdateRepoKey],
        (KeyAction::Relabel, KeyOwner::Repository) => vec![AddRepoKey, DeleteRepoKey],
        (KeyAction::Delete, KeyOwner::Repository) => vec![DeleteRepoKey],
        (KeyAction::List, KeyOwner::Project) => vec![ListProjects, ListProjectKeys],
        (KeyAction::Add, KeyOwner::Project) => vec![AddProjectKey],
        (KeyAction::Relabel, KeyOwner::Project) => vec![AddProjectKey, DeleteProjectKey],
        (KeyAction::Delete, KeyOwner::Project) => vec![DeleteProjectKey],
    }
}

fn scopes_of(ops: &[Operation], classic: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for op in ops {
        let list = if classic {
            op.classic_scopes()
        } else {
            op.api_token_scopes()
        };
        for s in list {
            if !out.iter().any(|o| o == s) {
                out.push(s.to_string());
            }
        }
    }
    out
}

/// What the probes taught about the credential's scopes.
struct ScopeKnowledge {
    /// Every scope Bitbucket said the credential has (from a 403's `granted`), if any 403 said.
    granted: Option<Vec<String>>,
    /// Scopes some refusal showed to be missing.
    missing: Vec<String>,
}

fn scope_knowledge(findings: &HashMap<Operation, OpState>) -> ScopeKnowledge {
    let mut granted: Option<Vec<String>> = None;
    let mut missing: Vec<String> = Vec::new();
    for state in findings.values() {
        if let OpState::Failed(e) = state
            && e.kind == ApiErrorKind::MissingScopes
        {
            if !e.granted.is_empty() {
                granted = Some(e.granted.clone());
            }
            for s in e.missing_scopes() {
                if !missing.contains(&s) {
                    missing.push(s);
                }
            }
        }
    }
    ScopeKnowledge { granted, missing }
}

/// The verdicts and the notes that explain them.
pub(super) fn assess(
    auth: AuthKind,
    in_place: bool,
    findings: &HashMap<Operation, OpState>,
) -> (Vec<OperationRow>, Vec<String>) {
    let classic = auth == AuthKind::AccessToken;
    let knowledge = scope_knowledge(findings);
    let rows: Vec<OperationRow> = ROWS
        .iter()
        .map(|&(action, owner)| {
            let ops = row_operations(action, owner, in_place);
            let scopes = scopes_of(&ops, classic);
            let verdict = judge(auth, action, &ops, &scopes, &knowledge, findings);
            OperationRow {
                action,
                owner,
                scopes,
                verdict,
            }
        })
        .collect();
    let mut notes = Vec::new();
    if classic {
        notes.push(format!(
            "This is an access token (workspace, project or repository) or an OAuth token: Bitbucket never lets it add, change or delete repository keys, whatever its scopes. Use an API token for those; create one at {}.",
            crate::bitbucket::scopes::API_TOKEN_URL
        ));
    }
    if let Some(granted) = &knowledge.granted {
        notes.push(format!(
            "Bitbucket says this credential has the scopes {}.",
            join(granted)
        ));
    }
    if rows
        .iter()
        .any(|r| matches!(&r.verdict, Verdict::NotVerified { why } if why == WRITE_NOT_VERIFIED))
    {
        notes.push(if classic {
            "Writes are not tried, since that would change keys: project-key writes need the classic scopes project and project:admin.".to_string()
        } else {
            "Writes are not tried, since that would change keys: adding needs write:ssh-key:bitbucket and deleting needs delete:ssh-key:bitbucket, besides the admin scope. If a write is refused, bbkeys names the missing scope.".to_string()
        });
    }
    let reads_keys = rows.iter().any(|r| {
        r.action == KeyAction::List
            && r.owner == KeyOwner::Repository
            && r.verdict == Verdict::Works
    });
    if reads_keys {
        // Issue 19: unattended audits should run with the least privilege that works.
        notes.push("Reading keys is enough for `bbkeys audit` (and `keys list`, `keys find`, `export`, `plan`): a read-only credential, such as a workspace access token with read scopes only, can run the nightly audit.".to_string());
    }
    (rows, notes)
}

fn judge(
    auth: AuthKind,
    action: KeyAction,
    ops: &[Operation],
    scopes: &[String],
    knowledge: &ScopeKnowledge,
    findings: &HashMap<Operation, OpState>,
) -> Verdict {
    if auth == AuthKind::AccessToken && ops.iter().any(|o| o.refused_for_access_tokens()) {
        return Verdict::Denied {
            needs: scopes_of(ops, false),
            reason: DenialReason::AccessToken,
        };
    }
    let missing: Vec<String> = match &knowledge.granted {
        Some(granted) => scopes
            .iter()
            .filter(|s| !granted.contains(s))
            .cloned()
            .collect(),
        None => scopes
            .iter()
            .filter(|s| knowledge.missing.contains(s))
            .cloned()
            .collect(),
    };
    if !missing.is_empty() {
        return Verdict::Denied {
            needs: missing,
            reason: DenialReason::MissingScopes,
        };
    }
    if action != KeyAction::List {
        return Verdict::NotVerified {
            why: WRITE_NOT_VERIFIED.to_string(),
        };
    }
    // A listing works when every request of it was seen to work.
    for op in ops {
        match findings.get(op) {
            Some(OpState::Works) => {}
            Some(OpState::Failed(e)) if e.kind == ApiErrorKind::Forbidden => {
                return Verdict::Denied {
                    needs: vec![format!("admin permission on {}", e.target)],
                    reason: DenialReason::NotAdministrator,
                };
            }
            Some(OpState::Failed(e)) => {
                return Verdict::NotVerified {
                    why: format!("the probe failed: {e}"),
                };
            }
            None => {
                return Verdict::NotVerified {
                    why: not_tried_reason(*op),
                };
            }
        }
    }
    Verdict::Works
}

fn not_tried_reason(op: Operation) -> String {
    match op {
        Operation::ListRepoKeys => "no repository you administer was found to read".into(),
        Operation::ListProjectKeys => "no project was found to read".into(),
        _ => "the probe could not be made".into(),
    }
}

/// Rows when nothing could be probed (no credential, a refused one): only the access-token
/// rule is certain; everything else is not verified, for `why`.
///
/// Also the table of a report made without a client at all (no credential).
pub fn unjudged(auth: AuthKind, in_place: bool, why: &str) -> Vec<OperationRow> {
    ROWS.iter()
        .map(|&(action, owner)| {
            let ops = row_operations(action, owner, in_place);
            let scopes = scopes_of(&ops, auth == AuthKind::AccessToken);
            let verdict = if auth == AuthKind::AccessToken
                && ops.iter().any(|o| o.refused_for_access_tokens())
            {
                Verdict::Denied {
                    needs: scopes_of(&ops, false),
                    reason: DenialReason::AccessToken,
                }
            } else {
                Verdict::NotVerified {
                    why: why.to_string(),
                }
            };
            OperationRow {
                action,
                owner,
                scopes,
                verdict,
            }
        })
        .collect()
}
