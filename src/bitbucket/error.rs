//! One error type for every failed call, with a sentence a person can act on (`bitbucket-api.md` §4).

use std::time::Duration;

use super::scopes::{API_TOKEN_URL, Operation};
use crate::sanitize::clean_line;

pub use crate::forge::credential::AuthKind;

/// What went wrong, classified so callers can react (exit codes, retries, recovery).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorKind {
    /// 401: bad, expired or unsupported credential.
    Unauthorized,
    /// 403 with a scope detail: the credential lacks scopes.
    MissingScopes,
    /// 403 without scope detail: usually not an administrator of the repository.
    Forbidden,
    /// 403: an access token tried to write repository keys (§2).
    WrongAuthMechanism,
    /// 404.
    NotFound,
    /// 400: the key is already on this repository or project.
    DuplicateKey,
    /// 400: the key is registered on a user account.
    KeyOnUserAccount,
    /// 400: the key was refused as invalid (or the Content-Type quirk).
    InvalidKey,
    /// 400: a PUT tried to change the key blob.
    ImmutableKey,
    /// 400 of another kind.
    BadRequest,
    /// 410: a removed endpoint.
    Gone,
    /// 429.
    RateLimited,
    /// 5xx.
    Server,
    /// Connection refused, reset, DNS, TLS.
    Network,
    /// No answer within the request timeout.
    Timeout,
    /// The answer could not be decoded.
    Decode,
    /// bbkeys refused to send the request (plain http to a remote host, a foreign `next` link).
    Refused,
}

/// A failed Bitbucket call.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// Classification.
    pub kind: ApiErrorKind,
    /// HTTP status, when an answer arrived.
    pub status: Option<u16>,
    /// The operation that failed.
    pub operation: Operation,
    /// What it acted on: `acme/api`, `project API of acme`, `acme`.
    pub target: String,
    /// Bitbucket's own message (sanitised), or the transport error.
    pub message: Option<String>,
    /// Scopes the server said were required (may be incomplete).
    pub required: Vec<String>,
    /// Scopes the server said the credential has.
    pub granted: Vec<String>,
    /// 410 announcement link.
    pub announcement_url: Option<String>,
    /// `Retry-After` of a 429.
    pub retry_after: Option<Duration>,
    /// The credential kind used.
    pub auth: AuthKind,
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// A new error with no server detail.
    pub fn new(kind: ApiErrorKind, operation: Operation, target: impl Into<String>) -> Self {
        ApiError {
            kind,
            status: None,
            operation,
            target: target.into(),
            message: None,
            required: Vec::new(),
            granted: Vec::new(),
            announcement_url: None,
            retry_after: None,
            auth: AuthKind::None,
        }
    }

    /// Attaches a message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(clean_line(&message.into()));
        self
    }

    /// Classifies an HTTP answer. `body` is the raw response text.
    pub fn from_response(
        status: u16,
        body: &str,
        retry_after: Option<Duration>,
        operation: Operation,
        target: impl Into<String>,
        auth: AuthKind,
    ) -> Self {
        let parsed = parse_error_body(body);
        let message = parsed.message.clone();
        let lower = parsed.all_text.to_lowercase();
        let kind = match status {
            401 => ApiErrorKind::Unauthorized,
            403 if lower.contains("not accessible by this authentication mechanism") => {
                ApiErrorKind::WrongAuthMechanism
            }
            403 if !parsed.required.is_empty() || lower.contains("scope") => {
                ApiErrorKind::MissingScopes
            }
            403 => ApiErrorKind::Forbidden,
            404 => ApiErrorKind::NotFound,
            410 => ApiErrorKind::Gone,
            429 => ApiErrorKind::RateLimited,
            400 | 409 | 422 => {
                if lower.contains("already added") || lower.contains("already exists") {
                    ApiErrorKind::DuplicateKey
                } else if lower.contains("already registered") || lower.contains("already in use") {
                    ApiErrorKind::KeyOnUserAccount
                } else if lower.contains("modify the contents") || lower.contains("can't modify") {
                    ApiErrorKind::ImmutableKey
                } else if lower.contains("invalid")
                    && (lower.contains("key") || lower.contains("ssh"))
                {
                    ApiErrorKind::InvalidKey
                } else {
                    ApiErrorKind::BadRequest
                }
            }
            500..=599 => ApiErrorKind::Server,
            _ => ApiErrorKind::BadRequest,
        };
        ApiError {
            kind,
            status: Some(status),
            operation,
            target: target.into(),
            message,
            required: parsed.required,
            granted: parsed.granted,
            announcement_url: parsed.announcement_url,
            retry_after,
            auth,
        }
    }

    /// Whether the failure is about who the caller is or what it may do (exit code 3).
    pub fn is_auth_problem(&self) -> bool {
        matches!(
            self.kind,
            ApiErrorKind::Unauthorized
                | ApiErrorKind::MissingScopes
                | ApiErrorKind::Forbidden
                | ApiErrorKind::WrongAuthMechanism
        )
    }

    /// Whether this is the 403 for a repository or project the credential does not administer
    /// (a bare `Forbidden`, §4), rather than a missing scope or an access token that may not
    /// write: a workspace-wide read skips such a place instead of failing on it.
    pub fn is_not_permitted(&self) -> bool {
        self.kind == ApiErrorKind::Forbidden
    }

    /// Whether a GET may be retried after this error.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ApiErrorKind::RateLimited | ApiErrorKind::Network | ApiErrorKind::Timeout
        ) || matches!(self.status, Some(502..=504))
    }

    /// Scopes the operation needs that the server says are not granted, falling back to the
    /// server's `required` list, then to the operation's full list.
    pub fn missing_scopes(&self) -> Vec<String> {
        let needed: Vec<String> = match self.auth {
            AuthKind::AccessToken => self
                .operation
                .classic_scopes()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            _ => self
                .operation
                .api_token_scopes()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        let mut union = needed.clone();
        for r in &self.required {
            if !union.contains(r) {
                union.push(r.clone());
            }
        }
        if !self.granted.is_empty() {
            let missing: Vec<String> = union
                .iter()
                .filter(|s| !self.granted.contains(s))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return missing;
            }
        }
        if !self.required.is_empty() {
            return self.required.clone();
        }
        needed
    }

    fn what(&self) -> String {
        let target = clean_line(&self.target);
        if target.is_empty() {
            self.operation
                .gerund()
                .trim_end_matches(" of")
                .trim_end_matches(" in")
                .to_string()
        } else {
            format!("{} {}", self.operation.gerund(), target)
        }
    }

    fn server_says(&self) -> String {
        match &self.message {
            Some(m) if !m.is_empty() => format!(" (Bitbucket said: \"{}\")", clean_line(m)),
            _ => String::new(),
        }
    }
}

fn join_scopes(s: &[impl AsRef<str>]) -> String {
    let v: Vec<&str> = s.iter().map(|x| x.as_ref()).collect();
    match v.len() {
        0 => String::new(),
        1 => v[0].to_string(),
        _ => format!("{} and {}", v[..v.len() - 1].join(", "), v[v.len() - 1]),
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = self.what();
        let op = self.operation;
        match self.kind {
            ApiErrorKind::Unauthorized => self.fmt_unauthorized(f, &what),
            ApiErrorKind::MissingScopes => self.fmt_missing_scopes(f, &what),
            ApiErrorKind::WrongAuthMechanism => write!(
                f,
                "{what} failed: access tokens (workspace, project or repository) can list access keys but can never add, change or delete repository keys. Use an API token with the scopes {} from {API_TOKEN_URL}.",
                join_scopes(op.api_token_scopes())
            ),
            ApiErrorKind::Forbidden => write!(
                f,
                "{what} was refused (403): you are probably not an administrator of {}. Ask a workspace administrator for admin permission on it.{}",
                clean_line(&self.target),
                self.server_says()
            ),
            ApiErrorKind::NotFound => write!(
                f,
                "{what} failed: Bitbucket found no such {} (404). Check the spelling of the workspace, repository, project or key id, and that your account can see it.",
                not_found_noun(op)
            ),
            ApiErrorKind::DuplicateKey => write!(
                f,
                "{what}: that key is already there. A key can be added only once to each repository or project."
            ),
            ApiErrorKind::KeyOnUserAccount => write!(
                f,
                "{what} was refused: this key is already on a user account: access keys must be different keys. Generate a new key pair for deployments (ssh-keygen -t ed25519)."
            ),
            ApiErrorKind::InvalidKey => write!(
                f,
                "{what} was refused: Bitbucket says the key is invalid. It accepts one OpenSSH public key line (ssh-ed25519, ecdsa-sha2-nistp256/384/521, or ssh-rsa of at least 2048 bits).{}",
                self.server_says()
            ),
            ApiErrorKind::ImmutableKey => write!(
                f,
                "{what} was refused: Bitbucket never lets a key's content change. To change it, delete the key and add the new one (bbkeys keys relabel does this safely)."
            ),
            ApiErrorKind::BadRequest => write!(
                f,
                "{what} was refused as a bad request ({}).{}",
                self.status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "no status".into()),
                self.server_says()
            ),
            ApiErrorKind::Gone => write!(
                f,
                "{what} failed: Bitbucket removed this endpoint (410).{} Update bbkeys.",
                self.announcement_url
                    .as_deref()
                    .map(|u| format!(" See {}.", clean_line(u)))
                    .unwrap_or_default()
            ),
            ApiErrorKind::RateLimited => write!(
                f,
                "{what} was rate limited (429): Bitbucket allows about 1,000 requests an hour.{} Wait and try again, or scan fewer repositories.",
                self.retry_after
                    .map(|d| format!(" It asked to wait {} s.", d.as_secs().max(1)))
                    .unwrap_or_default()
            ),
            ApiErrorKind::Server => write!(
                f,
                "{what} failed: Bitbucket had a server error ({}). Try again in a minute; https://bitbucket.status.atlassian.com shows outages.",
                self.status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "5xx".into())
            ),
            ApiErrorKind::Network => write!(
                f,
                "{what} failed: could not reach Bitbucket ({}). Check the network, the proxy settings (HTTPS_PROXY) and the api_url.",
                self.message
                    .as_deref()
                    .map(clean_line)
                    .unwrap_or_else(|| "connection error".into())
            ),
            ApiErrorKind::Timeout => write!(
                f,
                "{what} failed: Bitbucket did not answer in time. Try again, or raise request_timeout_secs in the config."
            ),
            ApiErrorKind::Decode => write!(
                f,
                "{what} failed: Bitbucket's answer could not be read ({}). This is unexpected; try again, and report it if it persists.",
                self.message
                    .as_deref()
                    .map(clean_line)
                    .unwrap_or_else(|| "malformed JSON".into())
            ),
            ApiErrorKind::Refused => {
                let why = self
                    .message
                    .as_deref()
                    .map(clean_line)
                    .unwrap_or_else(|| "bbkeys refused the request".into());
                let stop = if why.ends_with('.') { "" } else { "." };
                write!(f, "{what} was not sent: {why}{stop}")
            }
        }
    }
}

impl ApiError {
    fn fmt_unauthorized(&self, f: &mut std::fmt::Formatter<'_>, what: &str) -> std::fmt::Result {
        match self.auth {
            AuthKind::ApiToken => write!(
                f,
                "{what} failed: Bitbucket did not accept your credential (401). Use your Atlassian account email, not your username, with an API token that has not expired and was created with Bitbucket scopes. App passwords were removed on 2026-07-28: create an API token at {API_TOKEN_URL}.{}",
                self.server_says()
            ),
            AuthKind::AccessToken => write!(
                f,
                "{what} failed: Bitbucket did not accept your access token (401): it is invalid or has expired (OAuth tokens last about an hour). Create a new one, or use an API token from {API_TOKEN_URL}.{}",
                self.server_says()
            ),
            AuthKind::None => write!(
                f,
                "{what} failed: Bitbucket requires a credential (401). Set BBKEYS_EMAIL and BBKEYS_API_TOKEN, or run `bbkeys auth login`; create an API token at {API_TOKEN_URL}."
            ),
        }
    }

    fn fmt_missing_scopes(&self, f: &mut std::fmt::Formatter<'_>, what: &str) -> std::fmt::Result {
        let op = self.operation;
        let missing = self.missing_scopes();
        match self.auth {
            AuthKind::AccessToken => write!(
                f,
                "{what} needs the scopes {}; your access token lacks {}. Create an access token with these scopes in the workspace, project or repository settings under Access tokens.",
                join_scopes(op.classic_scopes()),
                join_scopes(&missing)
            ),
            _ => write!(
                f,
                "{what} needs the API-token scopes {}; your token lacks {}. Create a token with these scopes at {API_TOKEN_URL}.",
                join_scopes(op.api_token_scopes()),
                join_scopes(&missing)
            ),
        }
    }
}

/// What a 404 says is missing, by what was asked for.
fn not_found_noun(op: Operation) -> &'static str {
    match op {
        Operation::GetRepoKey
        | Operation::GetProjectKey
        | Operation::UpdateRepoKey
        | Operation::DeleteRepoKey
        | Operation::DeleteProjectKey => "key",
        Operation::ListProjectKeys | Operation::AddProjectKey => "project",
        Operation::ListRepositories | Operation::ListProjects | Operation::GetWorkspace => {
            "workspace"
        }
        _ => "repository",
    }
}

#[derive(Default)]
struct ParsedErrorBody {
    message: Option<String>,
    required: Vec<String>,
    granted: Vec<String>,
    announcement_url: Option<String>,
    all_text: String,
}

/// Reads the error envelope `{"type":"error","error":{"message","detail","data","fields"}}`,
/// falling back to the raw text for non-JSON bodies (§4). `detail` may be any JSON value.
fn parse_error_body(body: &str) -> ParsedErrorBody {
    let mut out = ParsedErrorBody {
        all_text: body.chars().take(4096).collect(),
        ..Default::default()
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
        let text = body.trim();
        if !text.is_empty() && !text.starts_with('<') {
            out.message = Some(clean_line(&text.chars().take(300).collect::<String>()));
        }
        return out;
    };
    let err = value.get("error").unwrap_or(&value);
    if let Some(m) = err.get("message").and_then(|m| m.as_str()) {
        out.message = Some(clean_line(m));
    } else if let Some(m) = err.as_str() {
        out.message = Some(clean_line(m));
    }
    if let Some(detail) = err.get("detail") {
        if let Some(obj) = detail.as_object() {
            out.required = string_list(obj.get("required"));
            out.granted = string_list(obj.get("granted"));
        } else if let Some(s) = detail.as_str()
            && out.message.is_none()
        {
            out.message = Some(clean_line(s));
        }
    }
    if let Some(url) = err
        .pointer("/data/announcement_url")
        .and_then(|u| u.as_str())
    {
        out.announcement_url = Some(clean_line(url));
    }
    out
}

fn string_list(v: Option<&serde_json::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str())
                .map(clean_line)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str, op: Operation) -> ApiError {
        ApiError::from_response(status, body, None, op, "acme/api", AuthKind::ApiToken)
    }

    #[test]
    fn classifies_every_documented_case() {
        use ApiErrorKind::*;
        let cases = [
            (
                400,
                r#"{"type":"error","error":{"message":"That access key is invalid."}}"#,
                InvalidKey,
            ),
            (
                400,
                r#"{"type":"error","error":{"message":"Bad request","fields":{"key":["Someone has already added that access key to this repository."]}}}"#,
                DuplicateKey,
            ),
            (
                400,
                r#"{"type":"error","error":{"message":"Someone has already registered that SSH key."}}"#,
                KeyOnUserAccount,
            ),
            (
                400,
                r#"{"type":"error","error":{"message":"For security reasons, you can't modify the contents of an access key. To update, delete and re-add the key."}}"#,
                ImmutableKey,
            ),
            (
                403,
                r#"{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["write:ssh-key:bitbucket"],"granted":["read:user:bitbucket"]}}}"#,
                MissingScopes,
            ),
            (
                403,
                r#"{"type":"error","error":{"message":"This API is not accessible by this authentication mechanism"}}"#,
                WrongAuthMechanism,
            ),
            (403, "Forbidden", Forbidden),
            (
                401,
                r#"{"type":"error","error":{"message":"Token is invalid, expired, or not supported for this endpoint."}}"#,
                Unauthorized,
            ),
            (
                404,
                r#"{"type":"error","error":{"message":"Not found"}}"#,
                NotFound,
            ),
            (
                410,
                r#"{"type":"error","error":{"message":"CHANGE-2770 - Functionality has been deprecated","data":{"announcement_url":"https://example.invalid/a"}}}"#,
                Gone,
            ),
            (
                429,
                "Rate limit for this resource has been exceeded",
                RateLimited,
            ),
            (502, "<html>bad gateway</html>", Server),
        ];
        for (status, body, kind) in cases {
            assert_eq!(
                err(status, body, Operation::AddRepoKey).kind,
                kind,
                "{status} {body}"
            );
        }
    }

    #[test]
    fn missing_scope_sentence_names_the_scope_and_the_place() {
        let e = err(
            403,
            r#"{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["write:ssh-key:bitbucket"],"granted":["admin:repository:bitbucket"]}}}"#,
            Operation::AddRepoKey,
        );
        assert_eq!(
            e.to_string(),
            "Adding a key to acme/api needs the API-token scopes admin:repository:bitbucket and write:ssh-key:bitbucket; your token lacks write:ssh-key:bitbucket. Create a token with these scopes at https://id.atlassian.com/manage-profile/security/api-tokens."
        );
    }

    #[test]
    fn detail_may_be_a_string() {
        let e = err(
            400,
            r#"{"type":"error","error":{"message":"x","detail":"free text"}}"#,
            Operation::AddRepoKey,
        );
        assert_eq!(e.kind, ApiErrorKind::BadRequest);
        assert_eq!(e.message.as_deref(), Some("x"));
    }

    #[test]
    fn escape_sequences_never_reach_the_sentence() {
        let e = err(
            400,
            "{\"error\":{\"message\":\"bad \\u001b[31mred\"}}",
            Operation::AddRepoKey,
        );
        assert!(!e.to_string().contains('\u{1b}'));
    }
}
