//! Credentials and the secret type that keeps tokens out of `Debug` output.

use std::sync::Arc;

use crate::bitbucket::error::AuthKind;

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

/// Fetches a fresh token after a 401, such as by running a profile's `token_command` again
/// (short-lived tokens expire mid-work). It blocks, so the client calls it on a blocking thread.
#[derive(Clone)]
pub struct TokenRefresher(Arc<dyn Fn() -> Result<Secret, String> + Send + Sync>);

impl TokenRefresher {
    /// Wraps a function that returns a fresh token, or why it could not get one.
    pub fn new(f: impl Fn() -> Result<Secret, String> + Send + Sync + 'static) -> Self {
        TokenRefresher(Arc::new(f))
    }

    /// Runs the function.
    pub fn refresh(&self) -> Result<Secret, String> {
        (self.0)()
    }
}

impl std::fmt::Debug for TokenRefresher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenRefresher")
    }
}
