//! Data Center credentials, and the secret type that keeps tokens out of `Debug` output.

/// A secret string whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for the one place that sends it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How requests authenticate (`bitbucket-datacenter-api.md` §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DcCredential {
    /// `Authorization: Bearer`: any HTTP access token (personal, project or repository).
    /// Project and repository tokens work only this way (§2).
    Bearer {
        /// The token.
        token: Secret,
    },
    /// HTTP Basic: a Data Center **username** (not an email) with a personal token or password.
    Basic {
        /// The username.
        username: String,
        /// The personal access token (or password).
        token: Secret,
    },
    /// No credential: only the server version answers (§1).
    None,
}

impl DcCredential {
    /// A word for error sentences: which setting to check.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            DcCredential::Bearer { .. } => {
                "the HTTP access token (BBKEYS_ACCESS_TOKEN) was refused: it may be wrong, expired or revoked"
            }
            DcCredential::Basic { .. } => {
                "the username and token (BBKEYS_USERNAME, BBKEYS_API_TOKEN) were refused: check both, a Data Center username is not an email"
            }
            DcCredential::None => "no credential was given: set BBKEYS_ACCESS_TOKEN",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let c = DcCredential::Basic {
            username: "dana".into(),
            token: Secret::new("hunter2-secret"),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("dana"));
    }
}
