//! "What can this credential do", as every forge answers it for `bbkeys doctor`: who it is,
//! which reads worked, and a verdict for each key operation. The adapter makes the probes and
//! reasons about its own permissions (Cloud scopes, Data Center admin roles); `ops::doctor`
//! only adds the local checks and presents the answer.

use serde::Serialize;

use super::{Caps, ForgeKind};

/// The kind of credential a request used; errors are explained differently for each. An API
/// token acts as its account; an access token is bound to a place (a Cloud workspace, project or
/// repository token, a Data Center project or repository token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// HTTP Basic with an Atlassian account email and an API token.
    ApiToken,
    /// Bearer: workspace/project/repository access token or OAuth token.
    AccessToken,
    /// No credential at all.
    #[default]
    None,
}

/// The account behind the credential, as doctor reports it. The fields are named after Cloud's
/// `GET /user`, which `--json` has always shown; another forge fills what it knows.
#[derive(Debug, Clone, serde::Deserialize, Serialize, PartialEq, Eq)]
pub struct Account {
    /// Account UUID in braces.
    #[serde(default)]
    pub uuid: Option<String>,
    /// Human-readable name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Bitbucket nickname (not usable as the Basic-auth user name).
    #[serde(default)]
    pub nickname: Option<String>,
    /// Atlassian account id.
    #[serde(default)]
    pub account_id: Option<String>,
}

impl Account {
    /// The account as one line: "Dana Demo (dana-demo)".
    pub fn line(&self) -> String {
        let name = self.display_name.clone().unwrap_or_default();
        match &self.nickname {
            Some(n) if !n.is_empty() && *n != name => format!("{name} ({n})"),
            _ => name,
        }
    }
}

/// Every kind of request bbkeys makes of a forge. The comments name Cloud's endpoints, where
/// the names come from; a Data Center adapter reports its requests under the same names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// `GET /user`.
    CurrentUser,
    /// `GET /user/workspaces`.
    ListWorkspaces,
    /// `GET /workspaces/{ws}`.
    GetWorkspace,
    /// `GET /repositories/{ws}?role=admin`.
    ListRepositories,
    /// `GET /repositories/{ws}/{repo}` (to learn a repository's project).
    GetRepository,
    /// `GET /workspaces/{ws}/projects`.
    ListProjects,
    /// `GET .../deploy-keys` of a repository.
    ListRepoKeys,
    /// `GET .../deploy-keys/{id}` of a repository.
    GetRepoKey,
    /// `POST .../deploy-keys` of a repository.
    AddRepoKey,
    /// `PUT .../deploy-keys/{id}` of a repository.
    UpdateRepoKey,
    /// `DELETE .../deploy-keys/{id}` of a repository.
    DeleteRepoKey,
    /// `GET .../projects/{KEY}/deploy-keys`.
    ListProjectKeys,
    /// `GET .../projects/{KEY}/deploy-keys/{id}`.
    GetProjectKey,
    /// `POST .../projects/{KEY}/deploy-keys`.
    AddProjectKey,
    /// `DELETE .../projects/{KEY}/deploy-keys/{id}`.
    DeleteProjectKey,
}

impl Operation {
    /// Whether the operation changes anything on the server.
    pub fn is_write(self) -> bool {
        use Operation::*;
        matches!(
            self,
            AddRepoKey | UpdateRepoKey | DeleteRepoKey | AddProjectKey | DeleteProjectKey
        )
    }

    /// Short name for tables ("add repository key").
    pub fn title(self) -> &'static str {
        use Operation::*;
        match self {
            CurrentUser => "who am I",
            ListWorkspaces => "list workspaces",
            GetWorkspace => "workspace name",
            ListRepositories => "list admin repositories",
            GetRepository => "get repository",
            ListProjects => "list projects",
            ListRepoKeys => "list repository keys",
            GetRepoKey => "get repository key",
            AddRepoKey => "add repository key",
            UpdateRepoKey => "update repository key (in place)",
            DeleteRepoKey => "delete repository key",
            ListProjectKeys => "list project keys",
            GetProjectKey => "get project key",
            AddProjectKey => "add project key",
            DeleteProjectKey => "delete project key",
        }
    }
}

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
        /// The adapter's name for the failure (`missing_scopes`, `not_permitted`).
        kind: String,
        /// HTTP status, if an answer came.
        status: Option<u16>,
        /// The error sentence.
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
    /// The account administers the repository, but its project stops repository admins from
    /// managing access keys (Data Center 8.8 and later); `needs` names the project role.
    RestrictedByProject,
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
            Verdict::Denied {
                needs,
                reason: DenialReason::RestrictedByProject,
            } => write!(
                f,
                "denied: needs {}, since the project restricts repository admins",
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

/// What the forge says this credential can do: the part of a doctor report the adapter writes.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialReport {
    /// The kind of credential.
    pub auth_kind: AuthKind,
    /// The API base URL.
    pub api_url: String,
    /// Reachability, account, workspaces.
    pub connection: Vec<Check>,
    /// The account behind the credential, if it could be read.
    pub account: Option<Account>,
    /// The top-level containers (workspaces, projects) the credential sees.
    pub workspaces: Vec<String>,
    /// Every read request made, in order.
    pub probes: Vec<Probe>,
    /// List, add, relabel and delete for repository and project keys.
    pub operations: Vec<OperationRow>,
    /// Sentences that explain the table.
    pub notes: Vec<String>,
    /// The overall result.
    pub outcome: Outcome,
}

/// The answer of a forge without permissions (the in-memory one): every operation works
/// wherever `caps` has it, for an account that sees `owners`.
pub fn everything_works(kind: ForgeKind, caps: Caps, owners: Vec<String>) -> CredentialReport {
    let mut operations = Vec::new();
    for owner in [KeyOwner::Repository, KeyOwner::Project] {
        for action in [
            KeyAction::List,
            KeyAction::Add,
            KeyAction::Relabel,
            KeyAction::Delete,
        ] {
            let verdict = if owner == KeyOwner::Project && !caps.project_keys {
                Verdict::NotVerified {
                    why: "this forge has no project keys".to_string(),
                }
            } else {
                Verdict::Works
            };
            operations.push(OperationRow {
                action,
                owner,
                scopes: Vec::new(),
                verdict,
            });
        }
    }
    let workspaces = owners.join(", ");
    CredentialReport {
        auth_kind: AuthKind::ApiToken,
        api_url: format!("memory:{kind:?}"),
        connection: vec![
            Check::new("reachability", CheckStatus::Ok, "in memory"),
            Check::new("workspaces", CheckStatus::Ok, workspaces),
        ],
        account: Some(Account {
            uuid: None,
            display_name: Some("In-memory user".to_string()),
            nickname: None,
            account_id: None,
        }),
        workspaces: owners,
        probes: Vec::new(),
        operations,
        notes: Vec::new(),
        outcome: Outcome::Ready,
    }
}
