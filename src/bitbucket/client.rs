//! The async Bitbucket client: auth, paging, retries, concurrency limit, request counting.
// (interface first; bodies are being written)

use std::time::Duration;

use super::error::{ApiError, AuthKind};
use super::models::*;

/// The public Bitbucket Cloud API, version path included.
pub const DEFAULT_API_URL: &str = "https://api.bitbucket.org/2.0";

/// A secret string whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How requests authenticate (`bitbucket-api.md` §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// HTTP Basic: Atlassian account email and API token.
    ApiToken {
        /// The Atlassian account email.
        email: String,
        /// The API token.
        token: Secret,
    },
    /// Bearer: workspace/project/repository access token or OAuth token.
    Bearer {
        /// The token.
        token: Secret,
    },
    /// No credential (only useful for the 401 path).
    None,
}

impl Credential {
    /// The kind, for error sentences.
    pub fn auth_kind(&self) -> AuthKind {
        match self {
            Credential::ApiToken { .. } => AuthKind::ApiToken,
            Credential::Bearer { .. } => AuthKind::AccessToken,
            Credential::None => AuthKind::None,
        }
    }
}

/// Everything the client needs to know; tests shorten every duration to milliseconds.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Base URL including the version path, such as `https://api.bitbucket.org/2.0`.
    pub base_url: String,
    /// The credential.
    pub credential: Credential,
    /// TCP connect timeout (default 10 s).
    pub connect_timeout: Duration,
    /// Whole-request timeout (default 30 s).
    pub request_timeout: Duration,
    /// Maximum requests in flight (default 8).
    pub concurrency: usize,
    /// Tries for a GET (default 5).
    pub max_tries: u32,
    /// First backoff delay (default 500 ms); doubles each try, with jitter.
    pub backoff_base: Duration,
    /// Longest backoff delay (default 30 s).
    pub backoff_max: Duration,
    /// Extra PEM CA bundle, added to the system store.
    pub ca_file: Option<std::path::PathBuf>,
}

impl ClientOptions {
    /// Defaults for `base_url` and `credential`.
    pub fn new(base_url: impl Into<String>, credential: Credential) -> Self {
        ClientOptions {
            base_url: base_url.into(),
            credential,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            concurrency: 8,
            max_tries: 5,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            ca_file: None,
        }
    }
}

/// The Bitbucket client. Cheap to clone; clones share the connection pool, the concurrency
/// limit and the request count.
#[derive(Clone, Debug)]
pub struct Client {
    _private: (),
}

#[allow(unused_variables, clippy::unused_async)]
impl Client {
    /// Builds a client. Fails when the base URL is unusable or would send a credential over
    /// plain http to a non-loopback host.
    pub fn new(options: ClientOptions) -> Result<Client, ApiError> {
        todo!()
    }
    /// The base URL in use, without a trailing slash.
    pub fn base_url(&self) -> &str {
        todo!()
    }
    /// Requests made in the last hour by this client.
    pub fn requests_last_hour(&self) -> usize {
        todo!()
    }
    /// `GET /user`.
    pub async fn current_user(&self) -> Result<User, ApiError> {
        todo!()
    }
    /// Every workspace of `/user/workspaces`, with names from `/workspaces/{ws}`.
    pub async fn workspaces(&self) -> Result<Vec<Workspace>, ApiError> {
        todo!()
    }
    /// Repositories of `ws` the user administers, sorted by slug.
    pub async fn repositories(&self, ws: &str) -> Result<Vec<Repository>, ApiError> {
        todo!()
    }
    /// Projects of `ws`.
    pub async fn projects(&self, ws: &str) -> Result<Vec<Project>, ApiError> {
        todo!()
    }
    /// Every access key of a repository.
    pub async fn repo_keys(&self, ws: &str, repo: &str) -> Result<Vec<DeployKey>, ApiError> {
        todo!()
    }
    /// One access key of a repository.
    pub async fn repo_key(&self, ws: &str, repo: &str, id: u64) -> Result<DeployKey, ApiError> {
        todo!()
    }
    /// Adds a key (`key` may carry a comment) to a repository.
    pub async fn add_repo_key(&self, ws: &str, repo: &str, key: &str, label: &str) -> Result<DeployKey, ApiError> {
        todo!()
    }
    /// Changes a repository key's label in place (the key blob must stay the same).
    pub async fn update_repo_key(&self, ws: &str, repo: &str, id: u64, key: &str, label: &str) -> Result<DeployKey, ApiError> {
        todo!()
    }
    /// Deletes a repository key.
    pub async fn delete_repo_key(&self, ws: &str, repo: &str, id: u64) -> Result<(), ApiError> {
        todo!()
    }
    /// Every access key of a project.
    pub async fn project_keys(&self, ws: &str, project: &str) -> Result<Vec<DeployKey>, ApiError> {
        todo!()
    }
    /// One access key of a project.
    pub async fn project_key(&self, ws: &str, project: &str, id: u64) -> Result<DeployKey, ApiError> {
        todo!()
    }
    /// Adds a key to a project.
    pub async fn add_project_key(&self, ws: &str, project: &str, key: &str, label: &str) -> Result<DeployKey, ApiError> {
        todo!()
    }
    /// Deletes a project key.
    pub async fn delete_project_key(&self, ws: &str, project: &str, id: u64) -> Result<(), ApiError> {
        todo!()
    }
}
