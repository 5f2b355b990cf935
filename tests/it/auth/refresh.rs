//! Short-lived tokens: a 401 re-runs the profile's token_command once and retries once.

use std::path::Path;

use bbkeys::bitbucket::Client;
use bbkeys::bitbucket::client::ClientOptions;
use bbkeys::bitbucket::error::ApiErrorKind;
use bbkeys::config::{Config, CredentialEnv, CredentialSource, resolve_credential};
use bbkeys::demo::credentials as cred;

use super::sim;

/// A token_command that counts its runs in a file and prints `tokens[run - 1]` (the last one
/// for every later run).
fn counting_config(dir: &Path, tokens: &[&str]) -> Config {
    let counter = dir.join("runs");
    let mut script = format!(
        "n=$(cat '{0}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '{0}'; case $n in ",
        counter.display()
    );
    for (i, t) in tokens.iter().enumerate() {
        if i + 1 == tokens.len() {
            script.push_str(&format!("*) echo {t};; "));
        } else {
            script.push_str(&format!("{}) echo {t};; ", i + 1));
        }
    }
    script.push_str("esac");
    let toml = format!(
        "[profiles.ci]\nemail = \"{}\"\ntoken_command = {}\n",
        cred::EMAIL,
        toml_string(&script)
    );
    Config::parse(&toml).unwrap()
}

fn toml_string(s: &str) -> String {
    format!("'''{s}'''")
}

fn runs(dir: &Path) -> u32 {
    std::fs::read_to_string(dir.join("runs"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn client_for(api_url: String, cfg: &Config, with_refresher: bool) -> Client {
    let r = resolve_credential(cfg, Some("ci"), &CredentialEnv::default()).unwrap();
    assert_eq!(
        r.source,
        CredentialSource::TokenCommand {
            profile: "ci".into()
        }
    );
    assert!(r.refresher.is_some());
    let mut o = ClientOptions::new(api_url, r.credential);
    o.max_tries = 1;
    if with_refresher {
        o.token_refresher = r.refresher;
    }
    Client::new(o).unwrap()
}

#[tokio::test]
async fn an_expired_token_is_replaced_and_the_request_repeated() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = counting_config(dir.path(), &[cred::EXPIRED_TOKEN, cred::TOKEN]);
    let c = client_for(sim.api_url(), &cfg, true);
    assert_eq!(runs(dir.path()), 1);
    let ws = c.workspaces().await.unwrap();
    assert_eq!(ws.len(), 3);
    assert_eq!(runs(dir.path()), 2, "one refresh");
    // The fresh token stays in use: no more runs.
    c.current_user().await.unwrap();
    assert_eq!(runs(dir.path()), 2);
}

#[tokio::test]
async fn requests_refused_together_refresh_once() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = counting_config(dir.path(), &[cred::EXPIRED_TOKEN, cred::TOKEN]);
    let c = client_for(sim.api_url(), &cfg, true);
    let (a, b, d) = tokio::join!(c.current_user(), c.current_user(), c.projects("acme"));
    a.unwrap();
    b.unwrap();
    d.unwrap();
    assert_eq!(runs(dir.path()), 2);
}

#[tokio::test]
async fn a_token_that_stays_bad_is_retried_once_then_explained() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = counting_config(dir.path(), &[cred::EXPIRED_TOKEN]);
    let c = client_for(sim.api_url(), &cfg, true);
    let e = c.current_user().await.unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Unauthorized);
    assert!(e.to_string().contains("has not expired"), "{e}");
    assert_eq!(runs(dir.path()), 2, "one refresh, no loop");
}

#[tokio::test]
async fn without_a_refresher_a_401_is_final() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = counting_config(dir.path(), &[cred::EXPIRED_TOKEN, cred::TOKEN]);
    let c = client_for(sim.api_url(), &cfg, false);
    let e = c.current_user().await.unwrap_err();
    assert_eq!(e.kind, ApiErrorKind::Unauthorized);
    assert_eq!(runs(dir.path()), 1);
}

#[tokio::test]
async fn writes_are_repeated_after_a_refresh_too() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = counting_config(dir.path(), &[cred::EXPIRED_TOKEN, cred::TOKEN]);
    let c = client_for(sim.api_url(), &cfg, true);
    let key = bbkeys::demo::key_line(30).unwrap();
    let added = c
        .add_repo_key("acme", "api", key, "refresh-test")
        .await
        .unwrap();
    assert_eq!(runs(dir.path()), 2);
    c.delete_repo_key("acme", "api", added.id).await.unwrap();
}
