//! Every error class's sentence, for API tokens and access tokens, as an insta snapshot: a
//! changed word shows up in review.

use bbkeys::bitbucket::Operation;
use bbkeys::bitbucket::error::{ApiError, ApiErrorKind, AuthKind};

const SCOPES_403: &str = r#"{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["write:ssh-key:bitbucket"],"granted":["read:user:bitbucket","admin:repository:bitbucket"]}}}"#;

/// A realistic failure of each kind. The exhaustive match makes a new kind a compile error
/// here until it has a sentence in the snapshot.
fn sample(kind: ApiErrorKind, auth: AuthKind) -> ApiError {
    use ApiErrorKind::*;
    let from = |status: u16, body: &str, op: Operation| {
        ApiError::from_response(status, body, None, op, "acme/api", auth)
    };
    let bare = |op: Operation, msg: &str| {
        let mut e = ApiError::new(kind, op, "acme/api").with_message(msg);
        e.auth = auth;
        e
    };
    let e = match kind {
        Unauthorized => from(
            401,
            r#"{"type":"error","error":{"message":"Token is invalid, expired, or not supported for this endpoint."}}"#,
            Operation::ListRepoKeys,
        ),
        MissingScopes if auth == AuthKind::AccessToken => from(
            403,
            r#"{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["repository:admin"],"granted":["account","repository"]}}}"#,
            Operation::ListRepoKeys,
        ),
        MissingScopes => from(403, SCOPES_403, Operation::AddRepoKey),
        Forbidden => from(403, "Forbidden", Operation::ListRepoKeys),
        WrongAuthMechanism => from(
            403,
            r#"{"type":"error","error":{"message":"This API is not accessible by this authentication mechanism"}}"#,
            Operation::DeleteRepoKey,
        ),
        NotFound => from(
            404,
            r#"{"type":"error","error":{"message":"Not found"}}"#,
            Operation::ListRepoKeys,
        ),
        DuplicateKey => from(
            400,
            r#"{"type":"error","error":{"message":"Someone has already added that access key to this repository."}}"#,
            Operation::AddRepoKey,
        ),
        KeyOnUserAccount => from(
            400,
            r#"{"type":"error","error":{"message":"Someone has already registered that SSH key."}}"#,
            Operation::AddRepoKey,
        ),
        InvalidKey => from(
            400,
            r#"{"type":"error","error":{"message":"That access key is invalid."}}"#,
            Operation::AddRepoKey,
        ),
        ImmutableKey => from(
            400,
            r#"{"type":"error","error":{"message":"For security reasons, you can't modify the contents of an access key. To update, delete and re-add the key."}}"#,
            Operation::UpdateRepoKey,
        ),
        BadRequest => from(
            400,
            r#"{"type":"error","error":{"message":"label: too long"}}"#,
            Operation::AddRepoKey,
        ),
        Gone => ApiError::from_response(
            410,
            r#"{"type":"error","error":{"message":"CHANGE-2770 - Functionality has been deprecated","data":{"announcement_url":"https://developer.atlassian.com/cloud/bitbucket/changelog/#CHANGE-2770"}}}"#,
            None,
            Operation::ListWorkspaces,
            "",
            auth,
        ),
        RateLimited => ApiError::from_response(
            429,
            "Rate limit for this resource has been exceeded",
            Some(std::time::Duration::from_secs(30)),
            Operation::ListRepoKeys,
            "acme/api",
            auth,
        ),
        Server => from(503, "<html>unavailable</html>", Operation::ListRepoKeys),
        Network => bare(Operation::ListRepoKeys, "connection refused"),
        Timeout => bare(Operation::ListRepoKeys, "operation timed out"),
        Decode => bare(Operation::ListRepoKeys, "expected value at line 1 column 1"),
        Refused => bare(
            Operation::ListRepoKeys,
            "the listing's next page is on another origin (https://evil.example); bbkeys does not send your credential there",
        ),
    };
    assert_eq!(
        e.kind, kind,
        "the sample for {kind:?} classifies as {:?}",
        e.kind
    );
    e
}

const KINDS: [ApiErrorKind; 17] = [
    ApiErrorKind::Unauthorized,
    ApiErrorKind::MissingScopes,
    ApiErrorKind::Forbidden,
    ApiErrorKind::WrongAuthMechanism,
    ApiErrorKind::NotFound,
    ApiErrorKind::DuplicateKey,
    ApiErrorKind::KeyOnUserAccount,
    ApiErrorKind::InvalidKey,
    ApiErrorKind::ImmutableKey,
    ApiErrorKind::BadRequest,
    ApiErrorKind::Gone,
    ApiErrorKind::RateLimited,
    ApiErrorKind::Server,
    ApiErrorKind::Network,
    ApiErrorKind::Timeout,
    ApiErrorKind::Decode,
    ApiErrorKind::Refused,
];

#[test]
fn every_error_sentence() {
    let mut out = String::new();
    for kind in KINDS {
        let name = serde_json::to_value(kind).unwrap();
        let api = sample(kind, AuthKind::ApiToken).to_string();
        let access = sample(kind, AuthKind::AccessToken).to_string();
        if api == access {
            out.push_str(&format!(
                "{} (any credential)\n{api}\n\n",
                name.as_str().unwrap()
            ));
        } else {
            out.push_str(&format!(
                "{0} (API token)\n{api}\n\n{0} (access token)\n{access}\n\n",
                name.as_str().unwrap()
            ));
        }
    }
    let none = sample(ApiErrorKind::Unauthorized, AuthKind::None).to_string();
    out.push_str(&format!("unauthorized (no credential)\n{none}\n"));
    insta::assert_snapshot!(out);
}

#[test]
fn the_missing_scope_sentence_is_one_line_naming_the_scope() {
    let e = ApiError::from_response(
        403,
        r#"{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["write:ssh-key:bitbucket"],"granted":["admin:repository:bitbucket"]}}}"#,
        None,
        Operation::AddRepoKey,
        "acme/api",
        AuthKind::ApiToken,
    );
    assert_eq!(
        e.to_string(),
        "Adding a key to acme/api needs the API-token scopes admin:repository:bitbucket and write:ssh-key:bitbucket; your token lacks write:ssh-key:bitbucket. Create a token with these scopes at https://id.atlassian.com/manage-profile/security/api-tokens."
    );
    assert!(!e.to_string().contains('\n'));
}

#[test]
fn hints_the_issue_asks_for() {
    let unauthorized = sample(ApiErrorKind::Unauthorized, AuthKind::ApiToken)
        .to_string()
        .to_lowercase();
    assert!(unauthorized.contains("use your atlassian account email, not your username"));
    assert!(unauthorized.contains("app passwords were removed on 2026-07-28: create an api token"));
    let user_key = sample(ApiErrorKind::KeyOnUserAccount, AuthKind::ApiToken).to_string();
    assert!(
        user_key
            .contains("this key is already on a user account: access keys must be different keys"),
        "{user_key}"
    );
}

/// Against the simulator: every 4xx the CLI can meet comes back as the sentence.
#[tokio::test]
async fn simulator_refusals_become_sentences() {
    use super::{api_token, client, sim};
    use bbkeys::demo::credentials as cred;
    let sim = sim().await;
    let key = bbkeys::demo::key_line(1).unwrap();
    let nowrite = client(&sim, api_token(cred::NOWRITE_EMAIL, cred::NOWRITE_TOKEN));
    let e = nowrite
        .add_repo_key("acme", "api", key, "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::MissingScopes);
    assert_eq!(
        e.to_string(),
        "Adding a key to acme/api needs the API-token scopes admin:repository:bitbucket and write:ssh-key:bitbucket; your token lacks write:ssh-key:bitbucket. Create a token with these scopes at https://id.atlassian.com/manage-profile/security/api-tokens."
    );
    let access = client(
        &sim,
        bbkeys::bitbucket::client::Credential::Bearer {
            token: bbkeys::bitbucket::client::Secret::new(cred::ACCESS_TOKEN),
        },
    );
    let e = access
        .add_repo_key("acme", "api", key, "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::WrongAuthMechanism);
    assert!(
        e.to_string()
            .contains("can never add, change or delete repository keys")
    );
    let nick = client(&sim, api_token(cred::NICKNAME, cred::APP_PASSWORD));
    let e = nick.current_user().await.unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Unauthorized);
    assert!(e.to_string().contains("not your username"));
    let full = client(&sim, api_token(cred::EMAIL, cred::TOKEN));
    let e = full.repo_keys("acme", "no-such-repo").await.unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::NotFound);
    assert!(
        e.to_string()
            .starts_with("Listing the access keys of acme/no-such-repo failed")
    );
    let on_account = bbkeys::demo::key_line(bbkeys::demo::ACCOUNT_KEY_LINES[0]).unwrap();
    let e = full
        .add_repo_key("acme", "api", on_account, "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::KeyOnUserAccount);
    assert!(e.to_string().contains("access keys must be different keys"));
}
