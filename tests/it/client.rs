//! The client against the simulator: every error row of bitbucket-api.md §4, paging, retries,
//! lost answers, and the origin rules.

use std::time::Duration;

use bbkeys::bitbucket::client::{Credential, Secret};
use bbkeys::bitbucket::{ApiErrorKind, Operation};
use bbkeys::demo::{self, DataSet, SimOptions, credentials as cred, key_line};
use bbkeys::demo::{Fault, FaultAction};
use bbkeys::sshkey::PublicKey;

use crate::common::*;

fn fresh_key(n: usize) -> String {
    key_line(bbkeys::demo::FRESH_KEY_LINES[n])
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn lists_workspaces_with_names_and_admin_flags() {
    let sim = sim().await;
    let ws = client(&sim).workspaces().await.unwrap();
    let slugs: Vec<&str> = ws.iter().map(|w| w.slug.as_str()).collect();
    assert_eq!(slugs, ["acme", "globex", "initech"]);
    assert_eq!(ws[0].name, "Acme Corporation");
    assert!(ws[0].administrator && !ws[2].administrator);
}

#[tokio::test]
async fn follows_three_or_more_pages_in_order() {
    let sim = demo::start(SimOptions {
        dataset: DataSet::Scale {
            repos: 250,
            keys_per_repo: 1,
        },
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let c = client(&sim);
    let repos = c.repositories("scale").await.unwrap();
    assert_eq!(repos.len(), 250);
    let mut sorted = repos.iter().map(|r| r.slug.clone()).collect::<Vec<_>>();
    sorted.sort();
    assert_eq!(
        sorted,
        repos.iter().map(|r| r.slug.clone()).collect::<Vec<_>>()
    );
    let pages = sim
        .control()
        .log()
        .iter()
        .filter(|l| l.path == "/2.0/repositories/scale")
        .count();
    assert_eq!(
        pages, 3,
        "pagelen=100 gives exactly three pages for 250 repositories"
    );
    assert!(
        sim.control()
            .log()
            .iter()
            .all(|l| l.query.as_deref().is_none_or(|q| q.contains("pagelen=100")))
    );
}

#[tokio::test]
async fn repository_keys_over_several_pages_at_default_pagelen() {
    let sim = sim().await;
    // 27 keys: the client asks for pagelen=100, but a server may ignore it; clamp to 10 here.
    let keys = client(&sim)
        .repo_keys("acme", "platform-monorepo")
        .await
        .unwrap();
    assert_eq!(keys.len(), 27);
}

#[tokio::test]
async fn every_documented_error_is_classified() {
    let sim = sim().await;
    let c = client(&sim);
    let weak = key_line(103).unwrap();
    let account_key = key_line(bbkeys::demo::ACCOUNT_KEY_LINES[0]).unwrap();
    let existing = c.repo_keys("acme", "api").await.unwrap();
    let first = existing[0].clone();

    let e = c
        .add_repo_key("acme", "api", weak, "weak")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::InvalidKey, "{e}");
    let e = c
        .add_repo_key("acme", "api", "ssh-ed25519 AAAAnotbase64!", "junk")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::InvalidKey, "{e}");
    let e = c
        .add_repo_key("acme", "api", &first.key, "again")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::DuplicateKey, "{e}");
    let e = c
        .add_repo_key("acme", "api", account_key, "mine")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::KeyOnUserAccount, "{e}");
    assert!(e.to_string().contains("already on a user account"));
    let e = c
        .update_repo_key("acme", "api", first.id, &fresh_key(0), "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::ImmutableKey, "{e}");
    let e = c.repo_keys("acme", "no-such-repo").await.unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::NotFound, "{e}");
    let e = c
        .delete_repo_key("acme", "api", 999_999_999)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::NotFound, "{e}");
    // initech: a repository the user can read but not administer.
    let e = c.repo_keys("initech", "tps-reports").await.unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Forbidden, "{e}");
    assert!(e.is_auth_problem());

    let nowrite = client_with(
        &sim,
        Credential::ApiToken {
            email: cred::NOWRITE_EMAIL.into(),
            token: Secret::new(cred::NOWRITE_TOKEN),
        },
    );
    let e = nowrite
        .add_repo_key("acme", "api", &fresh_key(1), "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::MissingScopes, "{e}");
    assert_eq!(
        e.to_string(),
        "Adding a key to acme/api needs the API-token scopes admin:repository:bitbucket and write:ssh-key:bitbucket; your token lacks write:ssh-key:bitbucket. Create a token with these scopes at https://id.atlassian.com/manage-profile/security/api-tokens."
    );

    let access = client_with(
        &sim,
        Credential::Bearer {
            token: Secret::new(cred::ACCESS_TOKEN),
        },
    );
    assert!(
        access.repo_keys("acme", "api").await.is_ok(),
        "access tokens may list keys"
    );
    let e = access
        .add_repo_key("acme", "api", &fresh_key(2), "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::WrongAuthMechanism, "{e}");

    for (email, token) in [
        (cred::EMAIL, cred::EXPIRED_TOKEN),
        (cred::NICKNAME, cred::TOKEN),
        (cred::EMAIL, cred::APP_PASSWORD),
    ] {
        let bad = client_with(
            &sim,
            Credential::ApiToken {
                email: email.into(),
                token: Secret::new(token),
            },
        );
        let e = bad.current_user().await.unwrap_err();
        assert_eq!(e.kind, ApiErrorKind::Unauthorized, "{e}");
        assert!(e.to_string().contains("Atlassian account email"), "{e}");
        assert!(
            e.to_string()
                .contains("App passwords were removed on 2026-07-28"),
            "{e}"
        );
    }
}

#[tokio::test]
async fn gone_carries_the_announcement() {
    let sim = sim().await;
    let body = r#"{"type":"error","error":{"message":"CHANGE-2770 - Functionality has been deprecated","data":{"announcement_url":"https://developer.atlassian.com/changelog/#CHANGE-2770"}}}"#;
    sim.control().add_fault(
        Fault::prefix(
            "/2.0/user",
            FaultAction::respond(410, "application/json", body),
        )
        .once(),
    );
    let e = client(&sim).current_user().await.unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Gone);
    assert!(e.to_string().contains("CHANGE-2770"), "{e}");
}

#[tokio::test]
async fn reads_retry_on_429_and_5xx_then_succeed() {
    let sim = sim().await;
    sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme/api/deploy-keys",
            FaultAction::html(503),
        )
        .times(2),
    );
    sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme/web-frontend/deploy-keys",
            FaultAction::respond(
                429,
                "text/plain",
                "Rate limit for this resource has been exceeded",
            ),
        )
        .once(),
    );
    let c = client(&sim);
    assert!(!c.repo_keys("acme", "api").await.unwrap().is_empty());
    assert!(
        !c.repo_keys("acme", "web-frontend")
            .await
            .unwrap()
            .is_empty()
    );
    let tries = sim
        .control()
        .log()
        .iter()
        .filter(|l| l.path == "/2.0/repositories/acme/api/deploy-keys")
        .count();
    assert_eq!(tries, 3);
}

#[tokio::test]
async fn rate_limit_that_persists_is_reported_with_its_sentence() {
    let sim = demo::start(SimOptions {
        request_budget: Some(3),
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let c = client(&sim);
    let mut last = None;
    for _ in 0..5 {
        if let Err(e) = c.current_user().await {
            last = Some(e);
        }
    }
    let e = last.unwrap_or_else(|| panic!("the budget of 3 must run out"));
    assert_eq!(e.kind, ApiErrorKind::RateLimited);
    assert!(e.to_string().contains("1,000 requests an hour"), "{e}");
}

#[tokio::test]
async fn writes_are_not_retried_blindly_and_a_lost_answer_is_settled_by_fingerprint() {
    let sim = sim().await;
    let key = fresh_key(3);
    // The POST lands, but the answer is lost.
    sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme/api/deploy-keys",
            FaultAction::html(502),
        )
        .method("POST")
        .once()
        .after(),
    );
    let added = client(&sim)
        .add_repo_key("acme", "api", &key, "lost-answer")
        .await
        .unwrap();
    let fp = PublicKey::from_server(&key).unwrap().fingerprint();
    let stored: Vec<_> = sim
        .control()
        .keys_of("acme", "api")
        .into_iter()
        .filter(|k| k.fingerprint == fp.as_str())
        .collect();
    assert_eq!(stored.len(), 1, "exactly one copy");
    assert_eq!(stored[0].id, added.id);
    let posts = sim
        .control()
        .log()
        .iter()
        .filter(|l| l.method == "POST")
        .count();
    assert_eq!(posts, 1, "a POST is never retried blindly");

    // The POST did not land and the answer is an error page: the listing shows no key, so the
    // error is returned and nothing is posted again.
    sim.control().clear_log();
    sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme/web-frontend/deploy-keys",
            FaultAction::html(503),
        )
        .method("POST")
        .once(),
    );
    let e = client(&sim)
        .add_repo_key("acme", "web-frontend", &fresh_key(4), "x")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Server);
    assert_eq!(
        sim.control()
            .log()
            .iter()
            .filter(|l| l.method == "POST")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let sim = sim().await;
    sim.control()
        .add_fault(Fault::prefix("/2.0/user", FaultAction::Delay { ms: 5_000 }));
    let mut o = fast_options(&sim, full());
    o.request_timeout = Duration::from_millis(200);
    o.max_tries = 2;
    let e = bbkeys::bitbucket::Client::new(o)
        .unwrap()
        .current_user()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Timeout, "{e}");
}

#[tokio::test]
async fn credentials_never_leave_the_api_origin() {
    let sim = sim().await;
    let foreign = demo::start(SimOptions::default()).await.unwrap();
    // A next link to another origin is refused, and that origin sees no request.
    sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme",
            FaultAction::ForeignNext {
                origin: foreign.base_url(),
            },
        )
        .once(),
    );
    let e = client(&sim).repositories("acme").await.unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Refused, "{e}");
    // A redirect to another host is not followed.
    sim.control().add_fault(
        Fault::prefix(
            "/2.0/user",
            FaultAction::Redirect {
                status: 307,
                location: format!("{}/user", foreign.api_url()),
            },
        )
        .once(),
    );
    let e = client(&sim).current_user().await.unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Refused, "{e}");
    assert!(
        foreign.control().log().is_empty(),
        "the other origin must never be contacted: {:?}",
        foreign.control().log()
    );
}

#[tokio::test]
async fn broken_answers_are_decode_errors_not_panics() {
    let sim = sim().await;
    sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme/api/deploy-keys",
            FaultAction::malformed_json(),
        )
        .once(),
    );
    sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme/web-frontend/deploy-keys",
            FaultAction::TruncateJson,
        )
        .once(),
    );
    sim.control().add_fault(Fault::prefix(
        "/2.0/repositories/acme/sandbox/deploy-keys",
        FaultAction::DropMidBody { bytes: 10 },
    ));
    let c = client(&sim);
    for repo in ["api", "web-frontend"] {
        let e = c.repo_keys("acme", repo).await.unwrap_err();
        assert_eq!(e.kind, ApiErrorKind::Decode, "{repo}: {e}");
    }
    let e = c.repo_keys("acme", "sandbox").await.unwrap_err();
    assert!(
        matches!(e.kind, ApiErrorKind::Network | ApiErrorKind::Decode),
        "{e}"
    );
}

#[tokio::test]
async fn bodies_carry_the_json_content_type() {
    // The simulator answers "That access key is invalid." without the header (§4), so a
    // successful add proves it was sent.
    let sim = sim().await;
    let k = client(&sim)
        .add_repo_key("acme", "sandbox", &fresh_key(5), "with-header")
        .await
        .unwrap();
    assert_eq!(k.label.as_deref(), Some("with-header"));
    assert!(k.comment.is_some(), "the comment is split off and kept");
    let raw = reqwest::Client::new()
        .post(format!(
            "{}/repositories/acme/sandbox/deploy-keys",
            sim.api_url()
        ))
        .basic_auth(cred::EMAIL, Some(cred::TOKEN))
        .body(serde_json::json!({"key": fresh_key(6), "label": "no-header"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    assert!(
        raw.text()
            .await
            .unwrap()
            .contains("That access key is invalid.")
    );
}

#[tokio::test]
async fn project_keys_have_no_update_and_are_listed() {
    let sim = sim().await;
    let c = client(&sim);
    let projects = c.projects("acme").await.unwrap();
    assert!(projects.iter().any(|p| p.key == "WEB"));
    let keys = c.project_keys("acme", "WEB").await.unwrap();
    assert!(!keys.is_empty());
    assert!(
        keys.iter()
            .all(|k| k.project.is_some() && k.repository.is_none())
    );
    let (method, _) = Operation::DeleteProjectKey.endpoint();
    assert_eq!(method, "DELETE");
    assert!(Operation::ALL.iter().all(|o| o.endpoint()
        != (
            "PUT",
            "/workspaces/{workspace}/projects/{project_key}/deploy-keys/{key_id}"
        )));
}

#[tokio::test]
async fn requests_are_counted() {
    let sim = sim().await;
    let c = client(&sim);
    c.current_user().await.unwrap();
    c.repo_keys("acme", "api").await.unwrap();
    assert_eq!(c.requests_last_hour(), 2);
    assert_eq!(c.clone().requests_last_hour(), 2, "clones share the count");
}
