//! One test per situation of the contract's §5 error table, through the client: the kind it
//! is classified as, and a sentence that says what to do without any secret in it.

use bbkeys::demo::datacenter::credentials as cred;
use bbkeys::demo::{Fault, FaultAction};
use bbkeys::forge::{ForgeErrorKind, NewAccessKey, Permission};
use reqwest::Method;

use super::*;

#[tokio::test]
async fn a_bad_or_expired_credential_is_authentication_and_names_the_setting() {
    let sim = dc_sim().await;
    let expired = as_user(&sim, bearer(cred::EXPIRED_TOKEN));
    let e = expired.projects_administered().await.unwrap_err();
    assert_eq!(
        (e.kind.clone(), e.status),
        (ForgeErrorKind::Authentication, Some(401))
    );
    assert!(e.advice.contains("BBKEYS_ACCESS_TOKEN"), "{}", e.advice);
    assert!(!e.advice.contains(cred::EXPIRED_TOKEN));
    // Basic with the right token under another name (an email, say) is refused the same way.
    let wrong_user = as_user(&sim, basic("dana@example.com", cred::ADMIN_TOKEN));
    let e = wrong_user
        .grants(&repo("ACME", "api"), None, false)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ForgeErrorKind::Authentication);
    assert!(e.advice.contains("not an email"), "{}", e.advice);
    assert!(
        !e.advice.contains(cred::ADMIN_TOKEN)
            && !format!("{wrong_user:?}").contains(cred::ADMIN_TOKEN)
    );
}

#[tokio::test]
async fn a_permission_denial_is_a_401_told_apart_from_a_bad_token_and_a_403_reads_alike() {
    let sim = dc_sim().await;
    let viewer = as_user(&sim, basic(cred::VIEWER_USERNAME, cred::VIEWER_TOKEN));
    let e = viewer
        .grants(&repo("ACME", "api"), None, false)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind.clone(), e.status),
        (ForgeErrorKind::NotPermitted, Some(401))
    );
    assert!(
        e.advice.contains("REPO_ADMIN") && e.advice.contains("not permitted"),
        "{}",
        e.advice
    );
    // Some proxies and mocks send the same refusal as 403 (§5).
    sim.control().add_fault(
        Fault::prefix("/rest/keys/1.0/projects/ACME/ssh", FaultAction::respond(403, "application/json",
            r#"{"errors":[{"context":null,"message":"You are not permitted to access this resource","exceptionName":"com.atlassian.bitbucket.AuthorisationException"}]}"#))
        .once(),
    );
    let e = admin(&sim)
        .grants(&project("ACME"), None, false)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.status),
        (ForgeErrorKind::NotPermitted, Some(403))
    );
}

#[tokio::test]
async fn repository_admins_restricted_by_their_project_get_a_401() {
    // 8.8: project admins can stop repository admins managing access keys (§2).
    let sim = dc_sim().await;
    let c = admin(&sim);
    let e = c
        .grants(&repo("DATA", "warehouse"), None, false)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.status),
        (ForgeErrorKind::NotPermitted, Some(401))
    );
    assert!(sim.control().restrict_repo_admins("DATA", false));
    assert_eq!(
        c.grants(&repo("DATA", "warehouse"), None, false)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_duplicate_is_409_duplicate_and_a_personal_key_is_409_refused() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    let dup = NewAccessKey {
        key: key_line(3).unwrap().into(),
        label: "release-bot".into(),
        permission: Permission::Write,
        expiry_days: None,
    };
    let e = c.add_grant(&repo("OPS", "deploy"), &dup).await.unwrap_err();
    assert_eq!(e.kind, ForgeErrorKind::Duplicate);
    assert!(
        e.advice
            .contains("already provides access to this repository"),
        "{}",
        e.advice
    );
    let on_project = NewAccessKey {
        key: key_line(2).unwrap().into(),
        label: "backup-reader".into(),
        permission: Permission::Read,
        expiry_days: None,
    };
    assert_eq!(
        c.add_grant(&project("ACME"), &on_project)
            .await
            .unwrap_err()
            .kind,
        ForgeErrorKind::Duplicate
    );
    let personal = NewAccessKey {
        key: key_line(cred::PERSONAL_KEY_LINE).unwrap().into(),
        label: "x".into(),
        permission: Permission::Read,
        expiry_days: None,
    };
    let e = c.add_grant(&project("OPS"), &personal).await.unwrap_err();
    assert_eq!(
        (e.kind, e.status),
        (ForgeErrorKind::InvalidInput, Some(409))
    );
    assert!(
        e.advice.contains("already assigned to 'dana'"),
        "{}",
        e.advice
    );
}

#[tokio::test]
async fn an_invalid_key_is_400_with_the_server_message_verbatim() {
    let sim = dc_sim().await;
    let new = NewAccessKey {
        key: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC".into(),
        label: "x".into(),
        permission: Permission::Read,
        expiry_days: None,
    };
    let e = admin(&sim)
        .add_grant(&repo("ACME", "api"), &new)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.status),
        (ForgeErrorKind::InvalidInput, Some(400))
    );
    assert!(
        e.advice
            .contains("The SSH key is invalid, of a disallowed type or too short."),
        "{}",
        e.advice
    );
}

#[tokio::test]
async fn a_missing_repository_or_project_is_404_with_the_server_message() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    let e = c
        .grants(&repo("SEC", "nope"), None, false)
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.status), (ForgeErrorKind::NotFound, Some(404)));
    assert!(
        e.advice.contains("Repository sec/nope does not exist."),
        "{}",
        e.advice
    );
    let e = c.grants(&project("NOPE"), None, false).await.unwrap_err();
    assert!(
        e.advice.contains("Project NOPE does not exist."),
        "{}",
        e.advice
    );
}

#[tokio::test]
async fn a_key_not_granted_is_404_on_get_and_put_but_204_on_delete() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    assert_eq!(
        c.grant(&project("ACME"), 3).await.unwrap_err().kind,
        ForgeErrorKind::NotFound
    );
    assert_eq!(
        c.change_permission(&project("ACME"), 3, Permission::Write)
            .await
            .unwrap_err()
            .kind,
        ForgeErrorKind::NotFound
    );
    c.revoke_grant(&project("ACME"), 3).await.unwrap();
    c.revoke_grant(&project("ACME"), 77_777).await.unwrap();
    assert_eq!(sim.control().dump().grants_at(&project("ACME")).len(), 1);
}

#[tokio::test]
async fn a_write_without_the_xsrf_header_is_a_plain_text_403_and_the_client_always_sends_it() {
    let sim = dc_sim().await;
    let body = format!(
        r#"{{"key":{{"text":"{}","label":"x"}},"permission":"REPO_READ"}}"#,
        fresh(2)
    );
    let (status, text) = raw(
        &sim,
        Method::POST,
        "/rest/keys/1.0/projects/ACME/repos/api/ssh",
        &[("Content-Type", "application/json")],
        Some(&body),
    )
    .await;
    assert_eq!((status, text.as_str()), (403, "XSRF check failed"));
    let (status, _) = raw(
        &sim,
        Method::POST,
        "/rest/keys/1.0/projects/ACME/repos/api/ssh",
        &[
            ("X-Atlassian-Token", "no-check"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(&body),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = raw(
        &sim,
        Method::POST,
        "/rest/keys/1.0/projects/ACME/repos/api/ssh",
        &[
            ("X-Atlassian-Token", "no-check"),
            ("Content-Type", "application/json"),
        ],
        Some(&body),
    )
    .await;
    assert_eq!(status, 201);
    // The client's writes pass the check: POST, PUT and DELETE.
    let c = admin(&sim);
    let new = NewAccessKey {
        key: fresh(3),
        label: "x".into(),
        permission: Permission::Read,
        expiry_days: None,
    };
    let added = c.add_grant(&repo("ACME", "web"), &new).await.unwrap();
    c.change_permission(&repo("ACME", "web"), added.grant.key.id, Permission::Write)
        .await
        .unwrap();
    c.revoke_verified(&repo("ACME", "web"), added.grant.key.id)
        .await
        .unwrap();
    // Should a proxy strip the header, the sentence says so.
    sim.control().add_fault(
        Fault::prefix(
            "/rest/keys",
            FaultAction::respond(403, "text/plain", "XSRF check failed"),
        )
        .method("POST")
        .once(),
    );
    let e = c.add_grant(&repo("ACME", "web"), &new).await.unwrap_err();
    assert_eq!(e.kind, ForgeErrorKind::InvalidInput);
    assert!(e.advice.contains("X-Atlassian-Token"), "{}", e.advice);
}

#[tokio::test]
async fn rate_limited_answers_429_with_retry_after_and_the_client_waits_and_goes_on() {
    let sim = dc_sim_with(bbkeys::demo::datacenter::DcSimOptions {
        rate_limit: Some(bbkeys::demo::datacenter::TokenBucket {
            capacity: 2,
            per_second: 100.0,
        }),
        ..Default::default()
    })
    .await;
    let c = admin(&sim);
    for _ in 0..6 {
        assert_eq!(
            c.grants(&repo("ACME", "api"), None, false)
                .await
                .unwrap()
                .len(),
            1
        );
    }
    let log = sim.control().log();
    assert!(
        log.iter().any(|e| e.status == 429),
        "the bucket never ran dry"
    );
    assert!(log.iter().filter(|e| e.status == 200).count() >= 6);
    // With no retry left the kind carries the server's Retry-After, and there is no hourly cap.
    let mut o = options(&sim, basic(cred::ADMIN_USERNAME, cred::ADMIN_TOKEN));
    o.max_tries = 1;
    let once = bbkeys::datacenter::DcClient::new(o).unwrap();
    sim.control()
        .set_rate_limit(Some(bbkeys::demo::datacenter::TokenBucket {
            capacity: 1,
            per_second: 0.01,
        }));
    let mut refused = None;
    for _ in 0..3 {
        if let Err(e) = once.grants(&repo("ACME", "api"), None, false).await {
            refused = Some(e);
            break;
        }
    }
    let e = refused.expect("a 429");
    assert!(
        matches!(e.kind, ForgeErrorKind::RateLimited { retry_after: Some(d) } if d.as_secs() >= 1),
        "{:?}",
        e.kind
    );
    assert!(e.advice.contains("rate limiting"), "{}", e.advice);
}

#[tokio::test]
async fn server_failures_are_retried_for_reads_and_reported_as_server_errors() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    sim.control()
        .add_fault(Fault::prefix("/rest/api/1.0/projects", FaultAction::html(503)).times(2));
    assert_eq!(c.projects_administered().await.unwrap().len(), 2);
    sim.control().add_fault(Fault::prefix(
        "/rest/api/1.0/projects",
        FaultAction::html(500),
    ));
    let e = c.projects_administered().await.unwrap_err();
    assert_eq!((e.kind, e.status), (ForgeErrorKind::Server, Some(500)));
    assert!(
        !e.advice.contains('<'),
        "markup is cut down to its text: {}",
        e.advice
    );
}
