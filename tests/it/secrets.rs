//! Secrets stay secret (issue 9): no demo token appears in the trace log, in any `--json`
//! output (errors included), in panic output or in any snapshot; `Debug` of every type that
//! holds a credential is redacted; an inline token in a config file others can read is refused.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use bbkeys::bitbucket::Client;
use bbkeys::bitbucket::client::{ClientOptions, Credential, Secret};
use bbkeys::config::{Config, CredentialEnv, Profile, TokenKind, resolve_credential};
use bbkeys::credentials::config_file::ProfileUpdate;
use bbkeys::credentials::login::LoginRequest;
use bbkeys::credentials::store::{MemoryStore, TokenStore};
use bbkeys::demo::{FRESH_KEY_LINES, credentials as cred, key_line};
use bbkeys::sshkey::PublicKey;

use crate::common::*;
use crate::terminal::pty::PtyRun;

/// Every demo secret, and the Basic `Authorization` value of each API token: a header dump
/// would show the token only in that form.
fn needles() -> Vec<String> {
    let tokens = [
        cred::TOKEN,
        cred::READONLY_TOKEN,
        cred::NOWRITE_TOKEN,
        cred::ACCESS_TOKEN,
        cred::APP_PASSWORD,
        cred::EXPIRED_TOKEN,
        cred::NO_BITBUCKET_SCOPES_TOKEN,
    ];
    let basic = [
        (cred::EMAIL, cred::TOKEN),
        (cred::READONLY_EMAIL, cred::READONLY_TOKEN),
        (cred::NOWRITE_EMAIL, cred::NOWRITE_TOKEN),
        (cred::EMAIL, cred::EXPIRED_TOKEN),
    ]
    .map(|(e, t)| base64::engine::general_purpose::STANDARD.encode(format!("{e}:{t}")));
    tokens.iter().map(|t| t.to_string()).chain(basic).collect()
}

/// Environment variables of one run.
type Env = Vec<(&'static str, String)>;

fn assert_no_secret(text: &str, what: &str) {
    for n in needles() {
        assert!(!text.contains(&n), "{what} holds a secret ({}...)", &n[..8]);
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn check_files(dir: &Path) -> usize {
    let files = files_under(dir);
    for f in &files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        assert_no_secret(&text, &f.display().to_string());
    }
    files.len()
}

#[tokio::test]
async fn json_output_errors_and_the_trace_log_hold_no_token() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let cfg = fast_config(home.path());
    let key_file = home.path().join("fresh.pub");
    let fresh = key_line(FRESH_KEY_LINES[3]).unwrap();
    std::fs::write(&key_file, fresh).unwrap();
    let fresh_fp = PublicKey::parse(fresh).unwrap().fingerprint().to_string();
    let ci_fp = PublicKey::parse(key_line(1).unwrap())
        .unwrap()
        .fingerprint()
        .to_string();
    let key = key_file.to_str().unwrap();
    let as_user = |email: &str, token: &str| {
        vec![
            ("BBKEYS_API_URL", sim.api_url()),
            ("BBKEYS_EMAIL", email.to_string()),
            ("BBKEYS_API_TOKEN", token.to_string()),
            ("BBKEYS_KEYRING", "off".to_string()),
        ]
    };
    let full = as_user(cred::EMAIL, cred::TOKEN);
    let bearer = vec![
        ("BBKEYS_API_URL", sim.api_url()),
        ("BBKEYS_ACCESS_TOKEN", cred::ACCESS_TOKEN.to_string()),
        ("BBKEYS_KEYRING", "off".to_string()),
    ];
    let runs: Vec<(Env, Vec<&str>)> = vec![
        (full.clone(), vec!["workspaces"]),
        (full.clone(), vec!["repos", "acme"]),
        (full.clone(), vec!["keys", "list", "acme"]),
        (full.clone(), vec!["keys", "list", "acme/api"]),
        (
            full.clone(),
            vec!["keys", "list", "acme", "--project", "WEB"],
        ),
        (full.clone(), vec!["keys", "list", "acme/no-such-repo"]),
        (full.clone(), vec!["audit", "acme"]),
        (
            full.clone(),
            vec!["keys", "find", &ci_fp, "--workspace", "acme"],
        ),
        (
            full.clone(),
            vec!["keys", "add", "acme/sandbox", "--key", key, "--label", "s1"],
        ),
        (
            full.clone(),
            vec!["keys", "relabel", "acme/sandbox", &fresh_fp, "s2", "--yes"],
        ),
        (
            full.clone(),
            vec!["keys", "rm", "acme/sandbox", &fresh_fp, "--yes"],
        ),
        (full.clone(), vec!["journal", "list"]),
        (full.clone(), vec!["auth", "status"]),
        (full.clone(), vec!["doctor"]),
        (
            as_user(cred::EMAIL, cred::EXPIRED_TOKEN),
            vec!["workspaces"],
        ),
        (
            as_user(cred::NICKNAME, cred::APP_PASSWORD),
            vec!["workspaces"],
        ),
        (
            as_user(cred::EMAIL, cred::NO_BITBUCKET_SCOPES_TOKEN),
            vec!["auth", "status"],
        ),
        (
            as_user(cred::NOWRITE_EMAIL, cred::NOWRITE_TOKEN),
            vec!["keys", "add", "acme/api", "--key", key, "--label", "x"],
        ),
        (
            as_user(cred::READONLY_EMAIL, cred::READONLY_TOKEN),
            vec!["keys", "rm", "acme/api", &ci_fp, "--yes"],
        ),
        (bearer.clone(), vec!["keys", "list", "acme"]),
        (
            bearer,
            vec!["keys", "add", "acme/api", "--key", key, "--label", "x"],
        ),
    ];
    for (env, args) in runs {
        let mut full_args = vec!["--json", "--config", cfg.to_str().unwrap()];
        full_args.extend(&args);
        let out = bbkeys(home.path(), &env_ref(&env), &full_args, "").await;
        let what = format!("bbkeys {}", args.join(" "));
        assert_ne!(out.status.code(), Some(101), "{what} panicked");
        assert_ne!(out.status.code(), Some(2), "{what}: {}", stderr(&out));
        assert_no_secret(&stdout(&out), &format!("{what} (stdout)"));
        assert_no_secret(&stderr(&out), &format!("{what} (stderr)"));
    }
    let logs: Vec<PathBuf> = files_under(home.path())
        .into_iter()
        .filter(|p| p.ends_with("bbkeys.log"))
        .collect();
    assert!(!logs.is_empty(), "BBKEYS_LOG=trace wrote a log");
    let log = std::fs::read_to_string(&logs[0]).unwrap();
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "the log is at trace level"
    );
    assert!(
        check_files(home.path()) > 2,
        "log, journal and cache were checked"
    );
}

#[test]
fn panic_output_holds_no_token() {
    let home = tempfile::tempdir().unwrap();
    // --demo signs in with the demo's full-scope token, so it is in memory when bbkeys panics.
    let env = [
        ("BBKEYS_DEBUG_PANIC_AFTER_FRAMES", "3"),
        ("RUST_BACKTRACE", "full"),
        ("BBKEYS_LOG", "trace"),
    ];
    let mut run = PtyRun::spawn_sh("\"$0\" --demo; echo \"EXIT:$?\"", home.path(), &env);
    run.wait_raw("the panic", |raw| raw.contains("EXIT:"));
    let raw = run.raw_text();
    assert!(
        raw.contains("injected panic") && raw.contains("EXIT:101"),
        "{raw}"
    );
    assert_no_secret(&raw, "the panic output");
    run.finish();
    check_files(home.path());
}

#[test]
fn snapshots_and_fixtures_hold_no_token() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for dir in ["src", "tests"] {
        for f in files_under(&root.join(dir)) {
            let is_snapshot = f.extension().is_some_and(|e| e == "snap" || e == "new")
                && f.parent().is_some_and(|p| p.ends_with("snapshots"));
            if is_snapshot || f.components().any(|c| c.as_os_str() == "fixtures") {
                let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
                assert_no_secret(&text, &f.display().to_string());
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 10,
        "only {checked} snapshot and fixture files found"
    );
}

#[test]
fn debug_of_every_credential_type_is_redacted() {
    const T: &str = "tok-Zx81-secret-value";
    let api = Credential::ApiToken {
        email: "a@b.example".into(),
        token: Secret::new(T),
    };
    let bearer = Credential::Bearer {
        token: Secret::new(T),
    };
    let profile = Profile {
        email: Some("a@b.example".into()),
        token: Some(T.into()),
        ..Profile::default()
    };
    let mut config = Config::parse(&format!(
        "default_profile = \"p\"\n[profiles.p]\nemail = \"a@b.example\"\ntoken = \"{T}\"\n"
    ))
    .unwrap();
    config.world_readable = false;
    let resolved = resolve_credential(&config, Some("p"), &CredentialEnv::default()).unwrap();
    let env = CredentialEnv {
        email: Some("a@b.example".into()),
        api_token: Some(T.into()),
        access_token: Some(T.into()),
        ..Default::default()
    };
    let options = ClientOptions::new("https://api.bitbucket.org/2.0", api.clone());
    let client = Client::new(options.clone()).unwrap();
    let update = ProfileUpdate {
        name: "p",
        email: Some("a@b.example"),
        kind: TokenKind::ApiToken,
        inline_token: Some(T),
        ..Default::default()
    };
    let store = MemoryStore::new();
    store.set("p", &Secret::new(T)).unwrap();
    let login = LoginRequest {
        profile: "p".into(),
        kind: TokenKind::ApiToken,
        email: None,
        token: Some(Secret::new(T)),
        store_in_file: true,
        config_path: PathBuf::from("/tmp/c.toml"),
        client: options.clone(),
    };
    let shown = [
        ("Secret", format!("{:?}", Secret::new(T))),
        ("Credential::ApiToken", format!("{api:?}")),
        ("Credential::Bearer", format!("{bearer:?}")),
        ("Profile", format!("{profile:?}")),
        ("Config", format!("{config:?}")),
        ("ResolvedCredential", format!("{resolved:?}")),
        ("CredentialEnv", format!("{env:?}")),
        ("ClientOptions", format!("{options:?}")),
        ("Client", format!("{client:?}")),
        ("ProfileUpdate", format!("{update:?}")),
        ("MemoryStore", format!("{store:?}")),
        ("LoginRequest", format!("{login:?}")),
    ];
    for (name, text) in shown {
        assert!(!text.contains(T), "Debug of {name} shows the token: {text}");
        // Pretty Debug too: it formats fields on their own path.
        assert!(!format!("{text:#?}").contains(T), "{name}");
    }
    assert!(format!("{resolved:#?}").contains("redacted"));
}

#[tokio::test]
async fn an_inline_token_in_a_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("config.toml");
    std::fs::write(
        &path,
        format!(
            "api_url = \"{}\"\nrequest_timeout_secs = 2\n[profiles.me]\nemail = \"{}\"\ntoken = \"{}\"\n",
            sim.api_url(),
            cred::EMAIL,
            cred::TOKEN
        ),
    )
    .unwrap();
    let args = ["--config", path.to_str().unwrap(), "workspaces"];
    for mode in [0o644, 0o640, 0o604, 0o660, 0o666] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = bbkeys(home.path(), &[("BBKEYS_KEYRING", "off")], &args, "").await;
        assert_eq!(
            out.status.code(),
            Some(3),
            "mode {mode:o}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("chmod 600"),
            "mode {mode:o}: {}",
            stderr(&out)
        );
        assert_no_secret(&stderr(&out), "the refusal");
    }
    assert!(
        sim.control().log().is_empty(),
        "nothing was sent with the refused token"
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = bbkeys(home.path(), &[("BBKEYS_KEYRING", "off")], &args, "").await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("acme"));
}
