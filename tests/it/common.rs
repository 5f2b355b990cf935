//! Helpers shared by the integration tests: a simulator, a fast client, the binary with a
//! private HOME.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use bbkeys::bitbucket::Client;
use bbkeys::bitbucket::client::{ClientOptions, Credential, Secret};
use bbkeys::demo::{self, SimOptions, Simulator, credentials as cred};

/// A simulator with the demo data.
pub async fn sim() -> Simulator {
    demo::start(SimOptions::default()).await.unwrap()
}

/// Client options with millisecond timeouts and backoff, so fault tests stay fast.
pub fn fast_options(sim: &Simulator, credential: Credential) -> ClientOptions {
    let mut o = ClientOptions::new(sim.api_url(), credential);
    o.connect_timeout = Duration::from_millis(500);
    o.request_timeout = Duration::from_millis(1500);
    o.backoff_base = Duration::from_millis(2);
    o.backoff_max = Duration::from_millis(20);
    o.max_tries = 4;
    o
}

/// The full-scope demo API token.
pub fn full() -> Credential {
    Credential::ApiToken {
        email: cred::EMAIL.into(),
        token: Secret::new(cred::TOKEN),
    }
}

/// A client with the full-scope token.
pub fn client(sim: &Simulator) -> Client {
    Client::new(fast_options(sim, full())).unwrap()
}

/// A client with another credential.
pub fn client_with(sim: &Simulator, credential: Credential) -> Client {
    Client::new(fast_options(sim, credential)).unwrap()
}

/// The bbkeys binary with HOME and XDG_* under `home`, the environment otherwise cleared of
/// BBKEYS_* (the keyring off, logs at trace level), plus `envs`; output piped, stdin null.
pub fn command(home: &Path, envs: &[(&str, &str)], args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_bbkeys"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("BBKEYS_LOG", "trace")
        .env("BBKEYS_KEYRING", "off")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

/// Runs the bbkeys binary (see [`command`]) with `stdin` as input.
pub async fn bbkeys(home: &Path, envs: &[(&str, &str)], args: &[&str], stdin: &str) -> Output {
    use tokio::io::AsyncWriteExt;
    let mut cmd = command(home, envs, args);
    cmd.stdin(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes()).await.unwrap();
    }
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("bbkeys hung")
        .unwrap()
}

/// A config file that makes the binary's retries and timeouts fast.
pub fn fast_config(home: &Path) -> std::path::PathBuf {
    let path = home.join("fast.toml");
    std::fs::write(
        &path,
        "request_timeout_secs = 2\nconnect_timeout_secs = 1\nmax_tries = 3\nbackoff_ms = 5\n",
    )
    .unwrap();
    path
}

/// The environment for the demo's full-scope account against `sim`.
pub fn env_full(sim: &Simulator) -> Vec<(&'static str, String)> {
    vec![
        ("BBKEYS_API_URL", sim.api_url()),
        ("BBKEYS_EMAIL", cred::EMAIL.into()),
        ("BBKEYS_API_TOKEN", cred::TOKEN.into()),
    ]
}

/// Borrows an owned environment list.
pub fn env_ref<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
