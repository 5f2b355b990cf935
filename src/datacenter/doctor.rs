//! What a Data Center credential can do, for `bbkeys doctor` (`bitbucket-datacenter-api.md` §2).
//!
//! Data Center has no scopes: repository keys need REPO_ADMIN, project keys PROJECT_ADMIN, and
//! since 8.8 a project can stop its repository admins from managing keys. A token is capped by
//! its own permission too. The server says "not permitted" with a 401, which the error layer
//! tells apart from a refused credential by the exception name (§5), so a bad token ends the
//! diagnosis and a denial becomes a verdict. Only GET requests are sent.

use std::collections::BTreeSet;

use super::client::DcClient;
use super::credential::DcCredential;
use super::wire::DcRepository;
use crate::forge::credential::{
    Account, AuthKind, Check, CheckStatus, CredentialReport, DenialReason, KeyAction, KeyOwner,
    Operation, OperationRow, Outcome, Probe, ProbeResult, Verdict,
};
use crate::forge::{Forge, ForgeError, ForgeErrorKind, ForgeKind, Place};

/// Places tried for a key listing: the first ones may sit in a project that restricts
/// repository admins, or be refused to a token.
const MAX_TRIED: usize = 3;

/// Why writes are not judged: the same admin role lists and changes keys, but a write is not
/// tried.
const WRITE_UNTRIED: &str = "writes are not tried; they need the same admin permission as listing";

/// What each kind of key needs on Data Center, which has no scopes.
const ROLES_NOTE: &str = "Data Center has no scopes: repository keys need REPO_ADMIN of the repository (or PROJECT_ADMIN of its project), project keys PROJECT_ADMIN of the project; since Bitbucket 8.8 a project can stop its repository admins from managing keys.";

/// What the key listings of one kind of place showed.
#[derive(Debug, Default)]
struct ListingFindings {
    /// A listing worked.
    works: bool,
    /// Projects whose repository keys were refused to a repository admin who is not their
    /// project admin: the 8.8 restriction, as far as the contract lets bbkeys tell.
    restricted: Vec<String>,
    /// The last refusal or failure.
    failed: Option<ForgeError>,
    /// Something was there to list.
    tried: bool,
}

#[derive(Default)]
struct ProbeLog {
    probes: Vec<Probe>,
}

impl ProbeLog {
    fn note<T>(
        &mut self,
        operation: Operation,
        target: &str,
        result: &Result<T, ForgeError>,
        summary: impl FnOnce(&T) -> String,
    ) {
        let result = match result {
            Ok(v) => ProbeResult::Ok {
                summary: summary(v),
            },
            Err(e) => ProbeResult::Failed {
                kind: e.code().to_string(),
                status: e.status,
                message: e.to_string(),
            },
        };
        self.probes.push(Probe {
            operation,
            target: target.to_string(),
            result,
        });
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Personal tokens (and passwords) act as their user; project and repository tokens act for
/// their one place and come without a user (§2, UNVERIFIED for the header).
fn auth_kind(credential: &DcCredential, user: Option<&str>) -> AuthKind {
    match (credential, user) {
        (DcCredential::None, _) => AuthKind::None,
        (DcCredential::Basic { .. }, _) | (DcCredential::Bearer { .. }, Some(_)) => {
            AuthKind::ApiToken
        }
        (DcCredential::Bearer { .. }, None) => AuthKind::AccessToken,
    }
}

fn token_note(credential: &DcCredential, user: Option<&str>) -> Option<String> {
    match (credential, user) {
        (DcCredential::None, _) => None,
        (DcCredential::Basic { .. }, Some(u)) => Some(format!(
            "Signed in as {u} with a username and a personal access token (or password): bbkeys can do what {u} may do."
        )),
        (DcCredential::Basic { .. }, None) => None,
        (DcCredential::Bearer { .. }, Some(u)) => Some(format!(
            "This is a personal HTTP access token of {u}: it acts as {u}, capped by the token's own permission; managing keys needs Admin on the token as well as REPO_ADMIN or PROJECT_ADMIN."
        )),
        (DcCredential::Bearer { .. }, None) => Some(
            "This is a project or repository HTTP access token: it acts for its one project or repository, not as a user. Whether such a token may manage access keys is not documented; the verdicts below are what the server answered.".to_string(),
        ),
    }
}

/// Runs the probes with `client` and judges every key operation. Never writes.
pub(super) async fn diagnose(client: &DcClient) -> CredentialReport {
    let mut log = ProbeLog::default();
    let mut report = CredentialReport {
        auth_kind: auth_kind(client.credential(), None),
        api_url: client.root_url(),
        connection: Vec::new(),
        account: None,
        workspaces: Vec::new(),
        probes: Vec::new(),
        operations: Vec::new(),
        notes: Vec::new(),
        outcome: Outcome::Ready,
    };
    let settings = client.ssh_settings().await;
    log.note(Operation::CurrentUser, "", &settings, |(_, user)| {
        user.clone()
            .unwrap_or_else(|| "an access token without a user".into())
    });
    if let Some(outcome) = connection_checks(&settings, &mut report) {
        report.outcome = outcome;
        report.operations = rows(
            &ListingFindings::default(),
            &ListingFindings::default(),
            "cannot authenticate",
        );
        report.probes = log.probes;
        return report;
    }
    // The header is server text: it reaches notes that are printed as they are.
    let user = settings
        .as_ref()
        .ok()
        .and_then(|(_, u)| u.as_deref().map(crate::sanitize::clean_line))
        .filter(|u| !u.is_empty() && u != "anonymous");
    report.auth_kind = auth_kind(client.credential(), user.as_deref());
    report
        .notes
        .extend(token_note(client.credential(), user.as_deref()));
    if let Ok((s, _)) = &settings
        && !s.access_keys_enabled
    {
        report.connection.push(Check::new(
            "access keys",
            CheckStatus::Warning,
            "the server has access keys turned off",
        ));
    }

    let owners = client.owners().await;
    log.note(Operation::ListWorkspaces, "", &owners, |o| {
        count(o.len(), "project", "projects")
    });
    match &owners {
        Ok(list) => {
            report.workspaces = list.iter().map(|o| o.slug.clone()).collect();
            report.connection.push(if list.is_empty() {
                Check::new(
                    "projects",
                    CheckStatus::Warning,
                    "the credential administers no project or repository",
                )
            } else {
                Check::new("projects", CheckStatus::Ok, report.workspaces.join(", "))
            });
        }
        Err(e) => {
            report
                .connection
                .push(Check::new("projects", CheckStatus::Failed, e.to_string()));
            report.outcome = Outcome::CannotListWorkspaces;
        }
    }

    let admin_projects = client.projects_administered().await;
    log.note(Operation::ListProjects, "", &admin_projects, |p| {
        count(p.len(), "project you administer", "projects you administer")
    });
    let admin: BTreeSet<String> = admin_projects
        .as_ref()
        .map(|ps| ps.iter().map(|p| p.key.clone()).collect())
        .unwrap_or_default();
    let repos = probe_repositories(client, &admin, &mut log).await;
    let projects = probe_projects(client, &admin, &mut log).await;

    let why = "no repository you administer was found to read";
    report.operations = rows(&repos, &projects, why);
    for p in &repos.restricted {
        report.notes.push(format!(
            "Project {p} stops its repository admins from managing access keys (Bitbucket 8.8 and later): its repository keys need PROJECT_ADMIN of {p}."
        ));
    }
    // The operations table shows verdicts, not roles: say once which role each kind of key
    // needs, so a reader who sees "works" also knows what a colleague would need.
    report.notes.push(ROLES_NOTE.to_string());
    report.notes.push("Data Center has no call that changes a key's label: a relabel revokes the key and adds it again at every place, which needs the admin permission of each.".to_string());
    report.probes = log.probes;
    report
}

/// Reachability and account from the answer to the SSH settings; the outcome when the
/// diagnosis ends there.
fn connection_checks(
    settings: &Result<(super::wire::SshSettings, Option<String>), ForgeError>,
    report: &mut CredentialReport,
) -> Option<Outcome> {
    let answered = Check::new(
        "reachability",
        CheckStatus::Ok,
        format!("{} answered", report.api_url),
    );
    match settings {
        Err(e) if e.kind == ForgeErrorKind::Network => {
            report.connection.push(Check::new(
                "reachability",
                CheckStatus::Failed,
                e.to_string(),
            ));
            Some(Outcome::Unreachable)
        }
        Err(e) if e.kind == ForgeErrorKind::Authentication => {
            report.connection.push(answered);
            report
                .connection
                .push(Check::new("account", CheckStatus::Failed, e.to_string()));
            Some(Outcome::CannotAuthenticate)
        }
        Err(e) => {
            report.connection.push(answered);
            report
                .connection
                .push(Check::new("account", CheckStatus::Warning, e.to_string()));
            None
        }
        Ok((_, user)) => {
            report.connection.push(answered);
            let user = user.as_deref().map(crate::sanitize::clean_line);
            if let Some(u) = user.filter(|u| !u.is_empty() && u != "anonymous") {
                report.account = Some(Account {
                    uuid: None,
                    display_name: Some(u.clone()),
                    nickname: Some(u.clone()),
                    account_id: None,
                });
                report
                    .connection
                    .push(Check::new("account", CheckStatus::Ok, u.clone()));
            }
            None
        }
    }
}

fn repo_place(r: &DcRepository) -> Option<Place> {
    Some(Place::Repository {
        forge: ForgeKind::DataCenter,
        owner: r.project.as_ref()?.key.clone(),
        repo: r.slug.clone(),
    })
}

/// Reads the keys of up to [`MAX_TRIED`] administered repositories until one listing works.
async fn probe_repositories(
    client: &DcClient,
    admin: &BTreeSet<String>,
    log: &mut ProbeLog,
) -> ListingFindings {
    let mut found = ListingFindings::default();
    let repos = client.repositories_administered(None).await;
    log.note(Operation::ListRepositories, "", &repos, |r| {
        count(
            r.len(),
            "repository you administer",
            "repositories you administer",
        )
    });
    let repos = match repos {
        Ok(r) => r,
        Err(e) => {
            found.failed = Some(e);
            return found;
        }
    };
    for place in repos.iter().filter_map(repo_place).take(MAX_TRIED) {
        found.tried = true;
        let keys = client.keys(&place).await;
        log.note(Operation::ListRepoKeys, &place.to_string(), &keys, |k| {
            count(k.len(), "key", "keys")
        });
        match keys {
            Ok(_) => {
                found.works = true;
                return found;
            }
            Err(e) => {
                // Listed as administered, refused all the same, and not the project's admin:
                // the project restricts repository admins (§2).
                if e.kind == ForgeErrorKind::NotPermitted && !admin.contains(place.owner()) {
                    found.restricted.push(place.owner().to_string());
                }
                found.failed = Some(e);
            }
        }
    }
    found
}

/// Reads the keys of up to [`MAX_TRIED`] administered projects until one listing works.
async fn probe_projects(
    client: &DcClient,
    admin: &BTreeSet<String>,
    log: &mut ProbeLog,
) -> ListingFindings {
    let mut found = ListingFindings::default();
    for key in admin.iter().take(MAX_TRIED) {
        found.tried = true;
        let place = Place::Project {
            forge: ForgeKind::DataCenter,
            owner: key.clone(),
            project: key.clone(),
        };
        let keys = client.keys(&place).await;
        log.note(
            Operation::ListProjectKeys,
            &format!("project {key}"),
            &keys,
            |k| count(k.len(), "key", "keys"),
        );
        match keys {
            Ok(_) => {
                found.works = true;
                return found;
            }
            Err(e) => found.failed = Some(e),
        }
    }
    found
}

/// The eight rows from what the listings showed.
fn rows(repos: &ListingFindings, projects: &ListingFindings, why: &str) -> Vec<OperationRow> {
    let mut out = Vec::new();
    for (owner, found, role) in [
        (KeyOwner::Repository, repos, "REPO_ADMIN"),
        (KeyOwner::Project, projects, "PROJECT_ADMIN"),
    ] {
        let why = match owner {
            KeyOwner::Repository => why,
            KeyOwner::Project => "no project you administer was found to read",
        };
        let listing = listing_verdict(found, role, why);
        for action in [
            KeyAction::List,
            KeyAction::Add,
            KeyAction::Relabel,
            KeyAction::Delete,
        ] {
            let verdict = match (&listing, action) {
                (Verdict::Works, KeyAction::List) => Verdict::Works,
                (Verdict::Works, _) => Verdict::NotVerified {
                    why: WRITE_UNTRIED.to_string(),
                },
                (other, _) => other.clone(),
            };
            out.push(OperationRow {
                action,
                owner,
                scopes: vec![role.to_string()],
                verdict,
            });
        }
    }
    out
}

fn listing_verdict(found: &ListingFindings, role: &str, why: &str) -> Verdict {
    if found.works {
        return Verdict::Works;
    }
    if let Some(project) = found.restricted.first() {
        return Verdict::Denied {
            needs: vec![format!("PROJECT_ADMIN of {project}")],
            reason: DenialReason::RestrictedByProject,
        };
    }
    match &found.failed {
        Some(e) if e.kind == ForgeErrorKind::NotPermitted => Verdict::Denied {
            needs: vec![role.to_string()],
            reason: DenialReason::NotAdministrator,
        },
        Some(e) => Verdict::NotVerified {
            why: format!("the probe failed: {e}"),
        },
        None if !found.tried => Verdict::NotVerified {
            why: why.to_string(),
        },
        None => Verdict::NotVerified {
            why: "the probe could not be made".to_string(),
        },
    }
}
