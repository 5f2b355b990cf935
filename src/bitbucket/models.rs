//! Serde types for the objects bbkeys reads and writes (`bitbucket-api.md` §3).
//!
//! Every type ignores unknown fields: Bitbucket adds fields without notice.

use serde::{Deserialize, Serialize};

/// The paginated envelope. Only `values` and `next` are guaranteed (§3).
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    /// Items of this page.
    #[serde(default = "Vec::new")]
    pub values: Vec<T>,
    /// Absolute URL of the next page; absent on the last page.
    #[serde(default)]
    pub next: Option<String>,
    /// Total number of items, when the server reports it.
    #[serde(default)]
    pub size: Option<u64>,
    /// 1-based page number, when reported.
    #[serde(default)]
    pub page: Option<u64>,
    /// Page length the server used.
    #[serde(default)]
    pub pagelen: Option<u64>,
}

/// The account behind the credential (`GET /user`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct User {
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

/// A workspace as embedded in other objects: `/user/workspaces` gives slug and uuid only.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct WorkspaceSummary {
    /// URL slug, the identifier used in paths.
    pub slug: String,
    /// UUID in braces.
    #[serde(default)]
    pub uuid: Option<String>,
    /// Display name; absent in `/user/workspaces` items.
    #[serde(default)]
    pub name: Option<String>,
}

/// One item of `GET /user/workspaces`.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkspaceAccess {
    /// Whether the user administers the workspace.
    #[serde(default)]
    pub administrator: bool,
    /// The workspace (no name here; see §1).
    pub workspace: WorkspaceSummary,
}

/// A workspace the credential can see, with its name filled in.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Workspace {
    /// URL slug.
    pub slug: String,
    /// Display name (the slug when the name could not be read).
    pub name: String,
    /// UUID in braces, when known.
    pub uuid: Option<String>,
    /// Whether the user administers the workspace. A repository admin may still manage keys
    /// in a workspace they do not administer.
    pub administrator: bool,
}

/// A project reference, as embedded in repositories and project keys.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct ProjectSummary {
    /// Project key, such as `API`.
    pub key: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// UUID in braces.
    #[serde(default)]
    pub uuid: Option<String>,
}

/// A project of a workspace (`GET /workspaces/{ws}/projects`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Project {
    /// Project key, such as `API`.
    pub key: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// UUID in braces.
    #[serde(default)]
    pub uuid: Option<String>,
}

/// A repository (`GET /repositories/{ws}`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Repository {
    /// URL slug. Older payloads may lack it; then it is derived from `full_name`.
    #[serde(default)]
    pub slug: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// `workspace/slug`.
    #[serde(default)]
    pub full_name: Option<String>,
    /// UUID in braces.
    #[serde(default)]
    pub uuid: Option<String>,
    /// The project the repository belongs to.
    #[serde(default)]
    pub project: Option<ProjectSummary>,
}

impl Repository {
    /// Fills `slug` from `full_name` when the server left it out.
    pub fn normalise(mut self) -> Self {
        if self.slug.is_empty()
            && let Some(full) = &self.full_name
        {
            self.slug = full.rsplit('/').next().unwrap_or_default().to_string();
        }
        self
    }
}

/// The repository embedded in a repository deploy key.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct RepositorySummary {
    /// `workspace/slug`.
    #[serde(default)]
    pub full_name: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// UUID in braces.
    #[serde(default)]
    pub uuid: Option<String>,
}

/// An access key ("deploy key") of a repository or a project (§3).
///
/// `key` comes back without its comment, so keys are compared by fingerprint only.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct DeployKey {
    /// Integer in practice, although the schema does not declare it.
    #[serde(deserialize_with = "id_from_any")]
    pub id: u64,
    /// `<type> <base64>`, without the comment.
    pub key: String,
    /// Label shown in Bitbucket.
    #[serde(default)]
    pub label: Option<String>,
    /// The comment split off the submitted key.
    #[serde(default)]
    pub comment: Option<String>,
    /// `deploy_key` or `project_deploy_key`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Creation time. The schema says `added_on`, real responses say `created_on`.
    #[serde(default, alias = "added_on")]
    pub created_on: Option<String>,
    /// Last use; null until the key is first used.
    #[serde(default, deserialize_with = "lenient_string")]
    pub last_used: Option<String>,
    /// The repository, for repository keys.
    #[serde(default)]
    pub repository: Option<RepositorySummary>,
    /// The project, for project keys.
    #[serde(default)]
    pub project: Option<ProjectSummary>,
}

fn id_from_any<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    use serde::de::Error;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| D::Error::custom("key id is not a non-negative integer")),
        serde_json::Value::String(s) => s
            .parse()
            .map_err(|_| D::Error::custom(format!("key id {s:?} is not an integer"))),
        other => Err(D::Error::custom(format!(
            "key id has an unexpected form: {other}"
        ))),
    }
}

fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    })
}

/// Where an access key lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "lowercase")]
pub enum KeyScope {
    /// A repository key.
    Repository {
        /// Workspace slug.
        workspace: String,
        /// Repository slug.
        repo: String,
    },
    /// A project key: read access to every repository of the project.
    Project {
        /// Workspace slug.
        workspace: String,
        /// Project key.
        project: String,
    },
}

impl KeyScope {
    /// The workspace slug.
    pub fn workspace(&self) -> &str {
        match self {
            KeyScope::Repository { workspace, .. } | KeyScope::Project { workspace, .. } => {
                workspace
            }
        }
    }
    /// `"repository"` or `"project"`.
    pub fn kind(&self) -> &'static str {
        match self {
            KeyScope::Repository { .. } => "repository",
            KeyScope::Project { .. } => "project",
        }
    }
}

impl std::fmt::Display for KeyScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyScope::Repository { workspace, repo } => write!(f, "{workspace}/{repo}"),
            KeyScope::Project { workspace, project } => {
                write!(f, "project {project} of {workspace}")
            }
        }
    }
}

/// A repository named as `workspace/slug`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoRef {
    /// Workspace slug.
    pub workspace: String,
    /// Repository slug.
    pub repo: String,
}

impl std::str::FromStr for RepoRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((ws, repo)) if valid_slug(ws) && valid_slug(repo) => Ok(RepoRef {
                workspace: ws.to_string(),
                repo: repo.to_string(),
            }),
            _ => Err(format!(
                "{s:?} is not a repository: write it as <workspace>/<repository>, for example acme/api"
            )),
        }
    }
}

impl std::fmt::Display for RepoRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.workspace, self.repo)
    }
}

/// Whether `s` can be a workspace or repository slug (lowercase letters, digits, `-`, `_`, `.`).
pub fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Whether `s` can be a project key (letters, digits, `_`).
pub fn valid_project_key(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
