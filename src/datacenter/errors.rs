//! Data Center's error answers (`bitbucket-datacenter-api.md` §5), classified into
//! [`ForgeError`] kinds, each with a sentence that says what failed and what to do.
//!
//! The envelope is `{"errors":[{context, message, exceptionName}]}`; some answers are plain
//! text (the XSRF 403, 429s, proxies). `exceptionName` decides first, the message loosely
//! second. Server text is sanitised and shortened before it is quoted.

use std::time::Duration;

use serde::Deserialize;

use super::credential::DcCredential;
use crate::forge::{ForgeError, ForgeErrorKind};

/// Longest server message quoted in an error sentence.
const MAX_QUOTE: usize = 300;

#[derive(Debug, Deserialize)]
struct Envelope {
    errors: Vec<ErrorItem>,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorItem {
    #[serde(default)]
    message: Option<String>,
    #[serde(default, rename = "exceptionName")]
    exception_name: Option<String>,
}

/// The first error of an answer: its exception name and message, or the raw text.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ServerError {
    /// Such as `com.atlassian.bitbucket.ssh.DuplicateSshKeyException`.
    pub exception: Option<String>,
    /// The message, or the body itself when it is not the envelope; sanitised.
    pub message: String,
}

impl ServerError {
    /// Reads the envelope, falling back to the raw text (§5).
    pub(crate) fn parse(text: &str) -> ServerError {
        let first = serde_json::from_str::<Envelope>(text)
            .ok()
            .and_then(|e| e.errors.into_iter().next());
        let (exception, message) = match first {
            Some(item) => (item.exception_name, item.message.unwrap_or_default()),
            // A gateway's error page says nothing a person can act on, and its markup is noise.
            None if text.trim_start().starts_with('<') => (
                None,
                "an HTML page, from a proxy or gateway in front of Bitbucket".to_string(),
            ),
            None => (None, text.trim().to_string()),
        };
        let mut message = crate::sanitize::clean_line(&message);
        if message.chars().count() > MAX_QUOTE {
            message = message.chars().take(MAX_QUOTE).collect::<String>() + "…";
        }
        ServerError { exception, message }
    }

    fn exception_is(&self, suffix: &str) -> bool {
        self.exception
            .as_deref()
            .is_some_and(|e| e.ends_with(suffix))
    }

    fn says(&self, words: &[&str]) -> bool {
        let m = self.message.to_ascii_lowercase();
        words.iter().any(|w| m.contains(w))
    }

    fn quoted(&self) -> String {
        if self.message.is_empty() {
            String::new()
        } else {
            format!(" The server said: \"{}\".", self.message)
        }
    }
}

/// What the classification needs besides the answer.
pub(crate) struct Context<'a> {
    /// What was tried, as "list the keys of ACME/api".
    pub what: &'a str,
    /// The credential in use, for the sentence of a refused one.
    pub credential: &'a DcCredential,
}

/// Whether a 401 means the credential itself was refused, not a missing permission (§5: a
/// name ending in `AuthenticationException`; without a name, the message's wording).
fn is_bad_credential(e: &ServerError) -> bool {
    match &e.exception {
        Some(_) => e.exception_is("AuthenticationException"),
        None => e.says(&["authentication failed", "check your credentials"]),
    }
}

/// Turns a non-2xx answer into a [`ForgeError`].
pub(crate) fn classify(
    status: u16,
    text: &str,
    retry_after: Option<Duration>,
    cx: &Context<'_>,
) -> ForgeError {
    let e = ServerError::parse(text);
    let what = cx.what;
    let (kind, advice) = match status {
        401 if is_bad_credential(&e) => (
            ForgeErrorKind::Authentication,
            format!(
                "Could not {what}: {}.{}",
                cx.credential.describe(),
                e.quoted()
            ),
        ),
        403 if e.says(&["xsrf"]) => (
            ForgeErrorKind::InvalidInput,
            format!(
                "Could not {what}: the server's XSRF check refused the write; a proxy between bbkeys and Bitbucket may drop the X-Atlassian-Token header.{}",
                e.quoted()
            ),
        ),
        // Data Center answers a permission denial with 401, and some proxies with 403 (§5).
        401 | 403 => (
            ForgeErrorKind::NotPermitted,
            permission_denied(what, &e, cx.credential),
        ),
        404 => (
            ForgeErrorKind::NotFound,
            format!(
                "Could not {what}: not found; check the project key, repository slug and key id.{}",
                e.quoted()
            ),
        ),
        409 => conflict(what, &e),
        429 => (
            ForgeErrorKind::RateLimited { retry_after },
            match retry_after {
                Some(d) => format!(
                    "Could not {what}: the server is rate limiting this user; it asks to wait {} s.",
                    d.as_secs().max(1)
                ),
                None => format!(
                    "Could not {what}: the server is rate limiting this user; wait a moment and try again."
                ),
            },
        ),
        500..=599 => (
            ForgeErrorKind::Server,
            format!(
                "Could not {what}: the server failed (HTTP {status}); try again later.{}",
                e.quoted()
            ),
        ),
        _ => (
            ForgeErrorKind::InvalidInput,
            format!(
                "Could not {what}: the server refused the request (HTTP {status}).{}",
                e.quoted()
            ),
        ),
    };
    ForgeError::new(kind, advice).with_status(status)
}

fn permission_denied(what: &str, e: &ServerError, credential: &DcCredential) -> String {
    // Whether project and repository tokens may manage keys at all is UNVERIFIED (§2).
    let token = match credential {
        DcCredential::Bearer { .. } => {
            " A project or repository access token may not be allowed to manage access keys at all."
        }
        _ => "",
    };
    format!(
        "Could not {what}: the credential was accepted but is not permitted to do this (Data Center says so with a 401). \
         Repository keys need REPO_ADMIN and project keys PROJECT_ADMIN; a token is further capped by its own permission, \
         and since 8.8 a project admin can stop repository admins from managing access keys.{token}{}",
        e.quoted()
    )
}

/// 409: the same grant already exists (idempotent), or the key is someone's personal key
/// (a refusal that must never be swallowed, §4).
fn conflict(what: &str, e: &ServerError) -> (ForgeErrorKind, String) {
    let personal = e.exception_is("SshKeyAlreadyInUseException")
        || (e.exception.is_none() && e.says(&["already assigned", "already in use"]));
    let duplicate = e.exception_is("DuplicateSshKeyException")
        || (e.exception.is_none() && e.says(&["already provides access", "already exists"]));
    if personal {
        (
            ForgeErrorKind::InvalidInput,
            format!(
                "Could not {what}: this key is registered as a user's personal SSH key, and a personal key cannot become an access key; use a key made for this purpose.{}",
                e.quoted()
            ),
        )
    } else if duplicate {
        (
            ForgeErrorKind::Duplicate,
            format!(
                "Could not {what}: the key already has this access there.{}",
                e.quoted()
            ),
        )
    } else {
        (
            ForgeErrorKind::InvalidInput,
            format!(
                "Could not {what}: the server reported a conflict.{}",
                e.quoted()
            ),
        )
    }
}

/// A transport failure (no answer, or an answer cut short).
pub(crate) fn transport(e: &reqwest::Error, what: &str) -> ForgeError {
    let why = if e.is_timeout() {
        "the request timed out".to_string()
    } else if e.is_connect() {
        "the server could not be reached".to_string()
    } else {
        "the connection failed".to_string()
    };
    // reqwest's own text names the URL, never the Authorization header.
    let detail = crate::sanitize::clean_line(&e.to_string());
    ForgeError::new(
        ForgeErrorKind::Network,
        format!("Could not {what}: {why} ({detail}); check the server URL and the network."),
    )
}

/// An answer that is not what the contract describes.
pub(crate) fn decode(what: &str, why: &str) -> ForgeError {
    ForgeError::new(
        ForgeErrorKind::Decode,
        format!(
            "Could not {what}: the answer could not be read ({}).",
            crate::sanitize::clean_line(why)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> Context<'static> {
        Context {
            what: "list the keys of ACME/api",
            credential: &DcCredential::None,
        }
    }

    #[test]
    fn envelope_and_plain_text_both_read() {
        let e = ServerError::parse(
            r#"{"errors":[{"context":null,"message":"Repository sec/nope does not exist.","exceptionName":"com.atlassian.bitbucket.repository.NoSuchRepositoryException","extra":1}]}"#,
        );
        assert_eq!(e.message, "Repository sec/nope does not exist.");
        assert!(e.exception_is("NoSuchRepositoryException"));
        let plain = ServerError::parse("XSRF check failed\n");
        assert_eq!(
            plain,
            ServerError {
                exception: None,
                message: "XSRF check failed".into()
            }
        );
        let hostile = ServerError::parse("\u{1b}[2Jgone");
        assert_eq!(hostile.message, "gone");
    }

    #[test]
    fn a_401_is_a_bad_credential_only_when_the_exception_says_so() {
        let bad = classify(
            401,
            r#"{"errors":[{"message":"Authentication failed. Please check your credentials and try again.","exceptionName":"com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException"}]}"#,
            None,
            &cx(),
        );
        assert_eq!(bad.kind, ForgeErrorKind::Authentication);
        let denied = classify(
            401,
            r#"{"errors":[{"message":"You are not permitted to access this resource","exceptionName":"com.atlassian.bitbucket.AuthorisationException"}]}"#,
            None,
            &cx(),
        );
        assert_eq!(denied.kind, ForgeErrorKind::NotPermitted);
        assert!(denied.advice.contains("REPO_ADMIN"), "{}", denied.advice);
        let plain = classify(
            401,
            "Authentication failed. Please check your credentials",
            None,
            &cx(),
        );
        assert_eq!(plain.kind, ForgeErrorKind::Authentication);
        assert_eq!(
            classify(403, "{}", None, &cx()).kind,
            ForgeErrorKind::NotPermitted
        );
    }

    #[test]
    fn conflicts_tell_a_duplicate_from_a_personal_key_also_by_message() {
        let dup = classify(
            409,
            r#"{"errors":[{"message":"SSH key already provides access to this project"}]}"#,
            None,
            &cx(),
        );
        assert_eq!(dup.kind, ForgeErrorKind::Duplicate);
        let personal = classify(
            409,
            r#"{"errors":[{"message":"This SSH key is already assigned to 'kts_builder'."}]}"#,
            None,
            &cx(),
        );
        assert_eq!(personal.kind, ForgeErrorKind::InvalidInput);
        assert!(personal.advice.contains("personal"), "{}", personal.advice);
    }
}
