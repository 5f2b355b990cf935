//! Who is calling, and may they? Credentials per `bitbucket-api.md` §2, scopes per the one
//! table in `crate::bitbucket::scopes` (§1), so the simulator and the client cannot drift.

use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::credentials as cred;
use super::reply::Reply;
use crate::bitbucket::Operation;

/// How a request authenticated, as recorded in the request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthKind {
    /// No `Authorization` header.
    None,
    /// HTTP Basic (API tokens; app passwords before their removal).
    Basic,
    /// `Bearer` (access tokens, OAuth).
    Bearer,
    /// Any other or unreadable scheme.
    Other,
}

/// Which demo account a credential belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Identity {
    /// The demo person ([`cred::EMAIL`]).
    Demo,
    /// [`cred::READONLY_EMAIL`].
    Readonly,
    /// [`cred::NOWRITE_EMAIL`].
    Nowrite,
    /// The bot user behind [`cred::ACCESS_TOKEN`].
    AccessTokenBot,
}

/// An authenticated caller.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Principal {
    pub identity: Identity,
    /// Granted scopes: granular for API tokens, classic for access tokens.
    pub scopes: &'static [&'static str],
    /// `Some(ws)` for an access token bound to workspace `ws`.
    pub bound_workspace: Option<&'static str>,
}

impl Principal {
    /// Whether the caller uses an access token (classic scopes, §2 restrictions).
    pub(crate) fn is_access_token(&self) -> bool {
        self.bound_workspace.is_some()
    }

    /// Whether the caller can see workspace `ws` at all.
    pub(crate) fn sees_workspace(&self, ws: &str) -> bool {
        self.bound_workspace.is_none_or(|bound| bound == ws)
    }

    /// The email shown in the request log.
    pub(crate) fn name(&self) -> &'static str {
        match self.identity {
            Identity::Demo => cred::EMAIL,
            Identity::Readonly => cred::READONLY_EMAIL,
            Identity::Nowrite => cred::NOWRITE_EMAIL,
            Identity::AccessTokenBot => "access-token:acme",
        }
    }
}

/// Reads the `Authorization` header. `None` means "answer 401".
pub(crate) fn authenticate(headers: &HeaderMap) -> (AuthKind, Option<Principal>) {
    let Some(value) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return (AuthKind::None, None);
    };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD
            .decode(rest)
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let principal = decoded
            .as_deref()
            .and_then(|pair| pair.split_once(':'))
            .and_then(basic);
        (AuthKind::Basic, principal)
    } else if scheme.eq_ignore_ascii_case("bearer") {
        let principal = (rest == cred::ACCESS_TOKEN).then_some(Principal {
            identity: Identity::AccessTokenBot,
            scopes: &cred::ACCESS_TOKEN_SCOPES,
            bound_workspace: Some(cred::ACCESS_TOKEN_WORKSPACE),
        });
        (AuthKind::Bearer, principal)
    } else {
        (AuthKind::Other, None)
    }
}

/// API tokens only work with the account email as user name (§2): the nickname, app
/// passwords, expired tokens and tokens without Bitbucket scopes all fall through to 401.
fn basic((user, secret): (&str, &str)) -> Option<Principal> {
    let (identity, scopes): (Identity, &'static [&'static str]) = match (user, secret) {
        (cred::EMAIL, cred::TOKEN) => (Identity::Demo, &cred::ALL_SCOPES),
        (cred::READONLY_EMAIL, cred::READONLY_TOKEN) => {
            (Identity::Readonly, &cred::READONLY_SCOPES)
        }
        (cred::NOWRITE_EMAIL, cred::NOWRITE_TOKEN) => (Identity::Nowrite, &cred::NOWRITE_SCOPES),
        _ => return None,
    };
    Some(Principal {
        identity,
        scopes,
        bound_workspace: None,
    })
}

/// The 401 of §4, with the challenge header Bitbucket sends.
pub(crate) fn unauthorized() -> Reply {
    Reply::error(
        401,
        "Token is invalid, expired, or not supported for this endpoint.",
    )
    .header("www-authenticate", "Basic realm=\"Bitbucket.org HTTP\"")
}

/// Checks the operation against the caller's kind and scopes (§1, §2, §4).
pub(crate) fn authorize(principal: &Principal, op: Operation) -> Result<(), Reply> {
    if principal.is_access_token() && op.refused_for_access_tokens() {
        return Err(Reply::error(
            403,
            "This API is not accessible by this authentication mechanism",
        ));
    }
    let required = if principal.is_access_token() {
        op.classic_scopes()
    } else {
        op.api_token_scopes()
    };
    // Exact string matches only: granular scopes never imply each other, and classic
    // `repository:admin` does not imply `repository`.
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|s| !principal.scopes.contains(s))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    // Like the real service, `required` names only what is missing, which can look
    // incomplete (§4): the client is expected to show the operation's full list itself.
    Err(Reply::error_object(
        403,
        json!({
            "message": "Your credentials lack one or more required privilege scopes.",
            "detail": {"required": missing, "granted": principal.scopes},
        }),
    ))
}
