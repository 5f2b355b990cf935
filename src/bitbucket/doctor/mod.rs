//! What a Cloud credential can do, for `bbkeys doctor`: the read probes (who am I, which
//! workspaces, a repository I administer and its keys, a project and its keys; GET requests
//! only) and the scope reasoning of [`assess`].
//!
//! Nothing here writes to Bitbucket: write permissions are judged from the scope table and
//! from what Bitbucket says when a read is refused (its 403 names the granted scopes,
//! `bitbucket-api.md` §4), and are otherwise reported as not verified.

mod assess;

use std::collections::HashMap;

pub use assess::unjudged;
use assess::{OpState, record};

use super::error::{ApiError, ApiErrorKind};
use super::{Client, Operation, User};
use crate::forge::credential::{Check, CheckStatus, CredentialReport, Outcome, Probe, ProbeResult};

/// Workspaces searched for a repository or project to probe; bounds the requests doctor spends
/// on accounts with many workspaces.
const MAX_WORKSPACES_SEARCHED: usize = 10;
/// Projects tried for a key listing: the first ones may belong to teams the user does not
/// administer.
const MAX_PROJECTS_TRIED: usize = 3;

#[derive(Default)]
struct ProbeLog {
    probes: Vec<Probe>,
    findings: HashMap<Operation, OpState>,
}

impl ProbeLog {
    fn note<T>(
        &mut self,
        op: Operation,
        target: &str,
        result: &Result<T, ApiError>,
        summary: impl FnOnce(&T) -> String,
    ) {
        let result_data = match result {
            Ok(v) => ProbeResult::Ok {
                summary: summary(v),
            },
            Err(e) => ProbeResult::Failed {
                kind: wire_code(e.kind),
                status: e.status,
                message: e.to_string(),
            },
        };
        self.probes.push(Probe {
            operation: op,
            target: target.to_string(),
            result: result_data,
        });
        record(&mut self.findings, op, result.as_ref().err());
    }
}

/// The snake-case name `--json` has always shown for `kind`.
fn wire_code(kind: ApiErrorKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whether probing further is pointless: the same credential gets the same answer everywhere.
fn stops_the_search(e: &ApiError) -> bool {
    matches!(
        e.kind,
        ApiErrorKind::MissingScopes
            | ApiErrorKind::Unauthorized
            | ApiErrorKind::Network
            | ApiErrorKind::Timeout
            | ApiErrorKind::RateLimited
    )
}

/// Runs the connection checks and the read probes with `client`, and judges every key
/// operation. Never writes.
pub async fn diagnose(client: &Client, in_place_relabel: bool) -> CredentialReport {
    let auth = client.auth_kind();
    let mut log = ProbeLog::default();
    let mut connection = Vec::new();
    let mut report = CredentialReport {
        auth_kind: auth,
        api_url: client.base_url().to_string(),
        connection: Vec::new(),
        account: None,
        workspaces: Vec::new(),
        probes: Vec::new(),
        operations: Vec::new(),
        notes: Vec::new(),
        outcome: Outcome::Ready,
    };

    let user = client.current_user().await;
    log.note(Operation::CurrentUser, "", &user, |u| {
        u.display_name
            .clone()
            .unwrap_or_else(|| "an unnamed account".into())
    });
    let fatal = connection_checks(&user, &mut report, &mut connection);
    if let Some(outcome) = fatal {
        report.connection = connection;
        report.outcome = outcome;
        report.operations = unjudged(auth, in_place_relabel, "cannot authenticate");
        report.probes = log.probes;
        return report;
    }
    if let Some(line) = report.account.as_ref().map(User::line) {
        connection.push(Check::new("account", CheckStatus::Ok, line));
    }

    let workspaces = client.workspaces().await;
    log.note(Operation::ListWorkspaces, "", &workspaces, |w| {
        count(w.len(), "workspace", "workspaces")
    });
    let slugs: Vec<String> = match &workspaces {
        Ok(list) => list.iter().map(|w| w.slug.clone()).collect(),
        Err(e) => {
            connection.push(Check::new("workspaces", CheckStatus::Failed, e.to_string()));
            report.outcome = Outcome::CannotListWorkspaces;
            Vec::new()
        }
    };
    if workspaces.is_ok() {
        connection.push(if slugs.is_empty() {
            Check::new(
                "workspaces",
                CheckStatus::Warning,
                "the credential sees no workspace",
            )
        } else {
            Check::new("workspaces", CheckStatus::Ok, slugs.join(", "))
        });
    }
    report.workspaces = slugs.clone();
    report.connection = connection;

    let searched: Vec<&String> = slugs.iter().take(MAX_WORKSPACES_SEARCHED).collect();
    let repo_ws = probe_repositories(client, &searched, &mut log).await;
    // Look for projects first where the repository was found: its project is likely one the
    // user administers.
    let mut order: Vec<&String> = Vec::new();
    if let Some(ws) = &repo_ws {
        order.extend(searched.iter().copied().filter(|s| *s == ws));
    }
    order.extend(
        searched
            .iter()
            .copied()
            .filter(|s| Some(*s) != repo_ws.as_ref()),
    );
    probe_projects(client, &order, &mut log).await;

    let (operations, notes) = assess::assess(auth, in_place_relabel, &log.findings);
    report.operations = operations;
    report.notes = notes;
    report.probes = log.probes;
    report
}

/// The reachability and account checks from the answer to `/user`; the outcome when it ends
/// the diagnosis there.
fn connection_checks(
    user: &Result<User, ApiError>,
    report: &mut CredentialReport,
    connection: &mut Vec<Check>,
) -> Option<Outcome> {
    match user {
        Err(e)
            if matches!(
                e.kind,
                ApiErrorKind::Network | ApiErrorKind::Timeout | ApiErrorKind::Refused
            ) =>
        {
            connection.push(Check::new(
                "reachability",
                CheckStatus::Failed,
                e.to_string(),
            ));
            Some(Outcome::Unreachable)
        }
        Err(e) if e.kind == ApiErrorKind::Unauthorized => {
            connection.push(Check::new(
                "reachability",
                CheckStatus::Ok,
                format!("{} answered", report.api_url),
            ));
            connection.push(Check::new("account", CheckStatus::Failed, e.to_string()));
            Some(Outcome::CannotAuthenticate)
        }
        Err(e) => {
            connection.push(Check::new(
                "reachability",
                CheckStatus::Ok,
                format!("{} answered", report.api_url),
            ));
            connection.push(Check::new("account", CheckStatus::Warning, e.to_string()));
            None
        }
        Ok(u) => {
            connection.push(Check::new(
                "reachability",
                CheckStatus::Ok,
                format!("{} answered", report.api_url),
            ));
            report.account = Some(u.clone());
            None
        }
    }
}

/// Finds the first repository administered in the first workspace that has one, and reads its
/// key list. Returns that workspace.
async fn probe_repositories(
    client: &Client,
    workspaces: &[&String],
    log: &mut ProbeLog,
) -> Option<String> {
    for ws in workspaces {
        let repos = client.repositories(ws).await;
        log.note(Operation::ListRepositories, ws, &repos, |r| {
            count(
                r.len(),
                "repository you administer",
                "repositories you administer",
            )
        });
        match repos {
            Ok(list) => {
                if let Some(repo) = list.first() {
                    let keys = client.repo_keys(ws, &repo.slug).await;
                    log.note(
                        Operation::ListRepoKeys,
                        &format!("{ws}/{}", repo.slug),
                        &keys,
                        |k| count(k.len(), "key", "keys"),
                    );
                    return Some(ws.to_string());
                }
            }
            Err(e) if stops_the_search(&e) => return None,
            Err(_) => {}
        }
    }
    None
}

/// Lists projects until a workspace has some, then reads the key list of up to
/// [`MAX_PROJECTS_TRIED`] of them until one can be read.
async fn probe_projects(client: &Client, workspaces: &[&String], log: &mut ProbeLog) {
    for ws in workspaces {
        let projects = client.projects(ws).await;
        log.note(Operation::ListProjects, ws, &projects, |p| {
            count(p.len(), "project", "projects")
        });
        match projects {
            Ok(list) if !list.is_empty() => {
                for p in list.iter().take(MAX_PROJECTS_TRIED) {
                    let keys = client.project_keys(ws, &p.key).await;
                    let target = format!("project {} of {ws}", p.key);
                    log.note(Operation::ListProjectKeys, &target, &keys, |k| {
                        count(k.len(), "key", "keys")
                    });
                    match keys {
                        Err(e)
                            if e.kind == ApiErrorKind::Forbidden
                                || e.kind == ApiErrorKind::NotFound => {}
                        _ => return,
                    }
                }
                return;
            }
            Ok(_) => {}
            Err(e) if stops_the_search(&e) => return,
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests;
