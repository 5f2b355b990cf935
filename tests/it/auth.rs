//! Credentials, doctor and error sentences (issue 6), against the in-process simulator and a
//! mock token store: no test touches a real keyring.

mod login;
mod refresh;
mod sentences;

use bbkeys::bitbucket::Client;
use bbkeys::bitbucket::client::{ClientOptions, Credential, Secret};
use bbkeys::config::EditStrategy;
use bbkeys::demo::{self, SimOptions, Simulator, credentials as cred};
use bbkeys::ops::doctor::{
    CredentialCheck, DoctorReport, DoctorSetup, Outcome, Verdict, diagnose, local_checks,
};

pub async fn sim() -> Simulator {
    demo::start(SimOptions::default()).await.unwrap()
}

pub fn client(sim: &Simulator, credential: Credential) -> Client {
    let mut o = ClientOptions::new(sim.api_url(), credential);
    o.max_tries = 1;
    Client::new(o).unwrap()
}

pub fn api_token(email: &str, token: &str) -> Credential {
    Credential::ApiToken {
        email: email.into(),
        token: Secret::new(token),
    }
}

async fn doctor(credential: Credential) -> DoctorReport {
    let sim = sim().await;
    let c = client(&sim, credential);
    let local = local_checks(
        std::path::Path::new("/nonexistent/config.toml"),
        false,
        Ok(&bbkeys::config::Config::default()),
        CredentialCheck::Found(&bbkeys::config::CredentialSource::Environment),
    );
    diagnose(
        &c,
        DoctorSetup {
            local,
            credential_source: "environment variables".into(),
            edit_strategy: EditStrategy::Replace,
        },
    )
    .await
}

fn verdict(r: &DoctorReport, title: &str) -> String {
    r.operations
        .iter()
        .find(|o| o.title() == title)
        .unwrap_or_else(|| panic!("no row {title}"))
        .verdict
        .to_string()
}

const NOT_VERIFIED: &str = "not verified: write scopes cannot be tested without writing";

#[tokio::test]
async fn doctor_with_the_full_token() {
    let r = doctor(api_token(cred::EMAIL, cred::TOKEN)).await;
    assert_eq!(r.outcome, Outcome::Ready);
    assert_eq!(r.account_line().as_deref(), Some("Dana Demo (dana-demo)"));
    assert_eq!(r.workspaces, vec!["acme", "globex", "initech"]);
    assert_eq!(verdict(&r, "list repository keys"), "works");
    assert_eq!(verdict(&r, "list project keys"), "works");
    assert_eq!(verdict(&r, "add repository key"), NOT_VERIFIED);
    assert_eq!(verdict(&r, "delete project key"), NOT_VERIFIED);
    // Doctor reads only.
    assert!(
        r.probes.iter().all(|p| p.operation.endpoint().0 == "GET"),
        "{:?}",
        r.probes
    );
    assert_eq!(r.operations.len(), 8);
}

#[tokio::test]
async fn doctor_with_the_read_only_and_the_no_write_tokens() {
    for (email, token) in [
        (cred::READONLY_EMAIL, cred::READONLY_TOKEN),
        (cred::NOWRITE_EMAIL, cred::NOWRITE_TOKEN),
    ] {
        let r = doctor(api_token(email, token)).await;
        assert_eq!(r.outcome, Outcome::Ready, "{email}");
        assert_eq!(verdict(&r, "list repository keys"), "works", "{email}");
        assert_eq!(verdict(&r, "list project keys"), "works", "{email}");
        // Nothing read was refused, so Bitbucket never said which scopes the token has:
        // doctor does not guess, and it does not write to find out.
        for t in [
            "add repository key",
            "relabel repository key",
            "delete project key",
        ] {
            assert_eq!(verdict(&r, t), NOT_VERIFIED, "{email} {t}");
        }
    }
}

#[tokio::test]
async fn doctor_with_an_access_token() {
    let r = doctor(Credential::Bearer {
        token: Secret::new(cred::ACCESS_TOKEN),
    })
    .await;
    assert_eq!(r.outcome, Outcome::Ready);
    assert_eq!(r.workspaces, vec![cred::ACCESS_TOKEN_WORKSPACE]);
    assert_eq!(verdict(&r, "list repository keys"), "works");
    for t in [
        "add repository key",
        "relabel repository key",
        "delete repository key",
    ] {
        let v = r.operations.iter().find(|o| o.title() == t).unwrap();
        assert!(
            matches!(&v.verdict, Verdict::Denied { needs, .. } if needs.contains(&"admin:repository:bitbucket".to_string())),
            "{t}: {}",
            v.verdict
        );
        assert!(
            v.verdict
                .to_string()
                .contains("access tokens can never add, change or delete repository keys")
        );
    }
    assert_eq!(verdict(&r, "add project key"), NOT_VERIFIED);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("This is an access token"))
    );
    let list = r
        .operations
        .iter()
        .find(|o| o.title() == "list project keys")
        .unwrap();
    assert_eq!(list.scopes, vec!["project", "project:admin"]);
}

#[tokio::test]
async fn doctor_cannot_authenticate_with_an_expired_token_or_a_nickname() {
    for credential in [
        api_token(cred::EMAIL, cred::EXPIRED_TOKEN),
        api_token(cred::NICKNAME, cred::APP_PASSWORD),
    ] {
        let r = doctor(credential).await;
        assert_eq!(r.outcome, Outcome::CannotAuthenticate);
        let account = r.connection.iter().find(|c| c.name == "account").unwrap();
        assert!(
            account
                .detail
                .contains("Use your Atlassian account email, not your username"),
            "{}",
            account.detail
        );
        assert!(
            account
                .detail
                .contains("App passwords were removed on 2026-07-28")
        );
        assert_eq!(r.probes.len(), 1, "stops after /user");
    }
}

#[tokio::test]
async fn doctor_json_is_one_document_with_every_section() {
    let r = doctor(api_token(cred::EMAIL, cred::TOKEN)).await;
    let v = serde_json::to_value(&r).unwrap();
    for key in [
        "local",
        "credential_source",
        "auth_kind",
        "api_url",
        "connection",
        "account",
        "workspaces",
        "probes",
        "operations",
        "notes",
        "outcome",
    ] {
        assert!(v.get(key).is_some(), "{key} missing");
    }
    assert_eq!(v["auth_kind"], "api_token");
    assert_eq!(v["outcome"], "ready");
    assert_eq!(v["operations"][1]["verdict"]["status"], "not_verified");
    assert_eq!(v["probes"][0]["operation"], "current_user");
    assert_eq!(v["probes"][0]["result"], "ok");
}

/// The binary: exit codes and `--json`, with the simulator in this process and no keyring.
#[tokio::test]
async fn doctor_binary_exit_codes() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let run = |email: &str, token: &str, json: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_bbkeys"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("BBKEYS_KEYRING", "off")
            .env("BBKEYS_API_URL", sim.api_url())
            .env("BBKEYS_EMAIL", email)
            .env("BBKEYS_API_TOKEN", token)
            .arg("doctor");
        if json {
            cmd.arg("--json");
        }
        cmd
    };
    let out = tokio::task::spawn_blocking({
        let mut a = run(cred::EMAIL, cred::TOKEN, true);
        let mut b = run(cred::EMAIL, cred::EXPIRED_TOKEN, false);
        move || (a.output().unwrap(), b.output().unwrap())
    })
    .await
    .unwrap();
    assert_eq!(out.0.status.code(), Some(0), "{:?}", out.0);
    let doc: serde_json::Value = serde_json::from_slice(&out.0.stdout).unwrap();
    assert_eq!(doc["outcome"], "ready");
    assert_eq!(out.1.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.1.stdout);
    assert!(text.contains("bbkeys cannot authenticate"), "{text}");
}
