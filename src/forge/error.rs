//! One error type for every forge, with kinds that `ops`, the TUI and the CLI match on.
//!
//! The adapter classifies its own wire errors (Cloud's 403 with a scope detail, Data Center's
//! 401 for a permission denial) and writes the advice sentence, because only it knows what the
//! user should do about them. Callers decide from the kind alone: an exit code, a retry, a
//! place skipped as not administered.

use std::time::Duration;

/// What went wrong, independent of the forge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForgeErrorKind {
    /// The credential was not accepted at all (bad, expired, revoked).
    Authentication,
    /// The credential lacks a permission (a scope, a token permission) the call needs.
    MissingPermission {
        /// What the call needs, in the forge's words (`write:ssh-key`, `REPO_ADMIN`).
        needed: Vec<String>,
        /// What the credential was said to have.
        granted: Vec<String>,
    },
    /// The account does not administer this place: a fact about the place, not a failure of
    /// the credential, so workspace-wide reads skip it and go on.
    NotPermitted,
    /// No such place or key.
    NotFound,
    /// The key is already at this place.
    Duplicate,
    /// Too many requests; try again after the given time, when the forge said.
    RateLimited {
        /// The forge's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// The forge refused what was sent (an invalid key, a key that is someone's personal key,
    /// a label it does not take).
    InvalidInput,
    /// The forge cannot do this at all (no in-place label edit on Cloud, no permission levels).
    Unsupported,
    /// The forge failed (5xx).
    Server,
    /// No answer: connection refused or reset, DNS, TLS, timeout.
    Network,
    /// An answer that could not be read.
    Decode,
}

impl ForgeErrorKind {
    /// A short name for logs and `--json` (`not_permitted`, `rate_limited`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            ForgeErrorKind::Authentication => "authentication",
            ForgeErrorKind::MissingPermission { .. } => "missing_permission",
            ForgeErrorKind::NotPermitted => "not_permitted",
            ForgeErrorKind::NotFound => "not_found",
            ForgeErrorKind::Duplicate => "duplicate",
            ForgeErrorKind::RateLimited { .. } => "rate_limited",
            ForgeErrorKind::InvalidInput => "invalid_input",
            ForgeErrorKind::Unsupported => "unsupported",
            ForgeErrorKind::Server => "server",
            ForgeErrorKind::Network => "network",
            ForgeErrorKind::Decode => "decode",
        }
    }

    /// Whether the same request may succeed if sent again later unchanged.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ForgeErrorKind::RateLimited { .. } | ForgeErrorKind::Server | ForgeErrorKind::Network
        )
    }

    /// Whether the credential itself is the problem, so every later call will fail the same
    /// way and a bulk change should stop instead of going on place by place.
    pub fn is_credential_problem(&self) -> bool {
        matches!(
            self,
            ForgeErrorKind::Authentication | ForgeErrorKind::MissingPermission { .. }
        )
    }
}

/// A failed forge call: the kind, the HTTP status when one arrived, and the adapter's sentence
/// that says what failed and what to do. The sentence never holds a secret and is already
/// sanitised for the terminal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{advice}")]
pub struct ForgeError {
    /// What went wrong.
    pub kind: ForgeErrorKind,
    /// The HTTP status, when an answer arrived.
    pub status: Option<u16>,
    /// What failed, why, and what to do, in one or two sentences.
    pub advice: String,
    /// The adapter's own name for the failure (`missing_scopes`, `duplicate_key`), which
    /// `--json` has always reported; `None` where the kind's [`ForgeErrorKind::code`] says it.
    pub wire_code: Option<String>,
}

impl ForgeError {
    /// An error of `kind` with the adapter's sentence.
    pub fn new(kind: ForgeErrorKind, advice: impl Into<String>) -> ForgeError {
        ForgeError {
            kind,
            status: None,
            advice: advice.into(),
            wire_code: None,
        }
    }

    /// How long the forge asked to wait, for a rate limit.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.kind {
            ForgeErrorKind::RateLimited { retry_after } => retry_after,
            _ => None,
        }
    }

    /// The name `--json` reports for the failure.
    pub fn code(&self) -> &str {
        self.wire_code
            .as_deref()
            .unwrap_or_else(|| self.kind.code())
    }

    /// Whether the credential was refused or may not do this here: the CLI's exit code 3,
    /// and a reason for a bulk change to stop.
    pub fn is_auth_problem(&self) -> bool {
        self.kind.is_credential_problem() || self.kind == ForgeErrorKind::NotPermitted
    }

    /// The same error with the HTTP status recorded.
    pub fn with_status(mut self, status: u16) -> ForgeError {
        self.status = Some(status);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_tell_callers_what_to_do() {
        let limited = ForgeErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(30)),
        };
        assert!(limited.is_transient());
        assert_eq!(limited.code(), "rate_limited");
        assert!(!ForgeErrorKind::NotPermitted.is_transient());
        assert!(!ForgeErrorKind::NotPermitted.is_credential_problem());
        let scopes = ForgeErrorKind::MissingPermission {
            needed: vec!["write:ssh-key".into()],
            granted: vec!["read:ssh-key".into()],
        };
        assert!(scopes.is_credential_problem());
        assert_eq!(scopes.code(), "missing_permission");
    }

    #[test]
    fn the_error_reads_as_its_advice() {
        let e =
            ForgeError::new(ForgeErrorKind::NotFound, "acme/api has no key 7.").with_status(404);
        assert_eq!(e.to_string(), "acme/api has no key 7.");
        assert_eq!(e.status, Some(404));
    }
}
