//! `bbkeys doctor` as data: local checks, the connection, read-only probes, and a verdict for
//! every key operation. The CLI prints a [`DoctorReport`] (or its JSON), the TUI's Credentials
//! view renders the same value.
//!
//! Nothing here writes to Bitbucket: write permissions are judged from the scope table and
//! from what Bitbucket says when a read is refused (its 403 names the granted scopes,
//! `bitbucket-api.md` §4), and are otherwise reported as not verified.

mod assess;
mod local;
mod probe;

use serde::Serialize;

use crate::bitbucket::error::{ApiErrorKind, AuthKind};
use crate::bitbucket::{Operation, User};
use crate::config::EditStrategy;

pub use local::{CredentialCheck, local_checks};
pub use probe::diagnose;

/// The reason given for every write operation that could not be judged otherwise.
pub const WRITE_NOT_VERIFIED: &str = "write scopes cannot be tested without writing";

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Fine.
    Ok,
    /// Works, but something deserves attention.
    Warning,
    /// Broken: bbkeys cannot work this way.
    Failed,
    /// Not checked, because an earlier check failed or it does not apply.
    Skipped,
}

/// One local or connection check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked ("config file", "reachability").
    pub name: String,
    /// The result.
    pub status: CheckStatus,
    /// What was found, as a sentence fragment (a path, an account, an error sentence).
    pub detail: String,
}

impl Check {
    /// A new check.
    pub fn new(name: &str, status: CheckStatus, detail: impl Into<String>) -> Self {
        Check {
            name: name.to_string(),
            status,
            detail: detail.into(),
        }
    }
}

/// What one read probe found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ProbeResult {
    /// The read worked; `summary` says what came back ("3 keys").
    Ok {
        /// What came back.
        summary: String,
    },
    /// The read failed.
    Failed {
        /// Classification of the failure.
        kind: ApiErrorKind,
        /// HTTP status, if an answer came.
        status: Option<u16>,
        /// The `ApiError` sentence.
        message: String,
    },
}

/// One read request doctor made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    /// The operation.
    pub operation: Operation,
    /// What it read: `acme`, `acme/api`, `project API of acme`, or empty for `/user`.
    pub target: String,
    /// What it found.
    #[serde(flatten)]
    pub result: ProbeResult,
}

/// The four things bbkeys does to keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyAction {
    /// List keys.
    List,
    /// Add a key.
    Add,
    /// Change a key's label.
    Relabel,
    /// Delete a key.
    Delete,
}

/// Whose keys: a repository's or a project's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyOwner {
    /// Repository access keys.
    Repository,
    /// Project access keys.
    Project,
}

/// Why an operation is denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DenialReason {
    /// The credential lacks the scopes in `needs`.
    MissingScopes,
    /// Access tokens can never write repository keys (`bitbucket-api.md` §2); `needs` lists the
    /// API-token scopes to use instead.
    AccessToken,
    /// Bitbucket refused without naming scopes: the account is not an administrator there.
    NotAdministrator,
}

/// Whether an operation works with this credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verdict {
    /// A read probe did it.
    Works,
    /// It cannot work.
    Denied {
        /// What is missing: scopes, or an administrator permission.
        needs: Vec<String>,
        /// Why.
        reason: DenialReason,
    },
    /// Could not be judged without writing (or without a repository to read).
    NotVerified {
        /// Why.
        why: String,
    },
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Works => f.write_str("works"),
            Verdict::Denied {
                needs,
                reason: DenialReason::AccessToken,
            } => write!(
                f,
                "denied: needs an API token with {}; access tokens can never add, change or delete repository keys",
                join(needs)
            ),
            Verdict::Denied { needs, .. } => write!(f, "denied: needs {}", join(needs)),
            Verdict::NotVerified { why } => write!(f, "not verified: {why}"),
        }
    }
}

/// "a", "a and b", "a, b and c".
pub(crate) fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// One row of the operations table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationRow {
    /// What is done.
    pub action: KeyAction,
    /// To whose keys.
    pub owner: KeyOwner,
    /// Every scope it needs, for this kind of credential.
    pub scopes: Vec<String>,
    /// Whether it works.
    pub verdict: Verdict,
}

impl OperationRow {
    /// "add repository key".
    pub fn title(&self) -> String {
        let action = match self.action {
            KeyAction::List => "list",
            KeyAction::Add => "add",
            KeyAction::Relabel => "relabel",
            KeyAction::Delete => "delete",
        };
        let owner = match self.owner {
            KeyOwner::Repository => "repository",
            KeyOwner::Project => "project",
        };
        let plural = if self.action == KeyAction::List {
            "keys"
        } else {
            "key"
        };
        format!("{action} {owner} {plural}")
    }
}

/// The overall result, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Authenticated and workspaces listed; the table says what works.
    Ready,
    /// No usable credential, or Bitbucket refused it (exit 3).
    CannotAuthenticate,
    /// Authenticated, but the workspaces could not be listed (exit 3).
    CannotListWorkspaces,
    /// Bitbucket could not be reached (exit 1).
    Unreachable,
}

/// Everything doctor found. Serialises to the `--json` document.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    /// Config file, credential source, file permissions.
    pub local: Vec<Check>,
    /// Where the credential came from ("environment variables").
    pub credential_source: String,
    /// The kind of credential.
    pub auth_kind: AuthKind,
    /// The API base URL.
    pub api_url: String,
    /// Reachability, account, workspaces.
    pub connection: Vec<Check>,
    /// The account behind the credential, if `/user` could be read.
    pub account: Option<User>,
    /// Workspace slugs the credential sees.
    pub workspaces: Vec<String>,
    /// Every read request made, in order.
    pub probes: Vec<Probe>,
    /// List, add, relabel and delete for repository and project keys.
    pub operations: Vec<OperationRow>,
    /// Sentences that explain the table (access tokens, untested writes, granted scopes).
    pub notes: Vec<String>,
    /// The overall result.
    pub outcome: Outcome,
}

impl DoctorReport {
    /// A report for when no client could be built (no credential, a broken config): only the
    /// local checks say something.
    pub fn not_configured(local: Vec<Check>, credential_source: &str, api_url: &str) -> Self {
        let why = "no usable credential".to_string();
        DoctorReport {
            local,
            credential_source: credential_source.to_string(),
            auth_kind: AuthKind::None,
            api_url: api_url.to_string(),
            connection: vec![Check::new(
                "connection",
                CheckStatus::Skipped,
                "not tried without a credential",
            )],
            account: None,
            workspaces: Vec::new(),
            probes: Vec::new(),
            operations: assess::unjudged(AuthKind::None, EditStrategy::default(), &why),
            notes: Vec::new(),
            outcome: Outcome::CannotAuthenticate,
        }
    }

    /// Whether bbkeys can work with this credential at all.
    pub fn is_ready(&self) -> bool {
        self.outcome == Outcome::Ready
    }

    /// The account as one line: "Dana Demo (dana-demo)".
    pub fn account_line(&self) -> Option<String> {
        let u = self.account.as_ref()?;
        let name = u.display_name.clone().unwrap_or_default();
        Some(match &u.nickname {
            Some(n) if !n.is_empty() && *n != name => format!("{name} ({n})"),
            _ => name,
        })
    }
}

/// What doctor needs to know besides the client.
#[derive(Debug, Clone)]
pub struct DoctorSetup {
    /// The local checks (from [`local_checks`]).
    pub local: Vec<Check>,
    /// Where the credential came from, for the report.
    pub credential_source: String,
    /// How relabels are done: it decides which scopes a relabel needs.
    pub edit_strategy: EditStrategy,
}

impl DoctorSetup {
    /// A setup without local checks, for a caller that already has a client and knows where
    /// its credential came from (the TUI's Credentials view).
    pub fn for_source(credential_source: impl Into<String>, edit_strategy: EditStrategy) -> Self {
        DoctorSetup {
            local: Vec::new(),
            credential_source: credential_source.into(),
            edit_strategy,
        }
    }
}

#[cfg(test)]
mod tests;
