//! The built binary as a user runs it: output, exit codes and error sentences.

use std::collections::HashMap;

use bbkeys::demo::{Fault, FaultAction, credentials as cred, key_line};
use bbkeys::sshkey::PublicKey;

use crate::common::*;

/// `ssh-keygen -lf` of every demo key: fingerprint -> (bits, TYPE).
fn keygen_fixture() -> HashMap<String, (u32, String)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/demo-key-fingerprints.txt"
    ))
    .unwrap();
    text.lines()
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let ty = cols
                .iter()
                .rev()
                .find(|c| c.starts_with('('))
                .unwrap()
                .trim_matches(|c| c == '(' || c == ')');
            (
                cols[1].to_string(),
                (cols[0].parse().unwrap(), ty.to_string()),
            )
        })
        .collect()
}

fn short_type(openssh: &str) -> &'static str {
    match openssh {
        "ssh-ed25519" => "ED25519",
        "ssh-rsa" => "RSA",
        "ssh-dss" => "DSA",
        t if t.starts_with("ecdsa-sha2") => "ECDSA",
        _ => "?",
    }
}

#[tokio::test]
async fn demo_key_list_json_matches_ssh_keygen() {
    let home = tempfile::tempdir().unwrap();
    let out = bbkeys(
        home.path(),
        &[],
        &["--demo", "keys", "list", "acme", "--json"],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.len() > 50, "acme has many keys: {}", rows.len());
    let fixture = keygen_fixture();
    for row in &rows {
        for field in [
            "workspace",
            "repo",
            "project",
            "scope",
            "id",
            "label",
            "comment",
            "fingerprint",
            "key_type",
            "bits",
            "created_on",
            "last_used",
        ] {
            assert!(row.get(field).is_some(), "missing {field} in {row}");
        }
        let fp = row["fingerprint"].as_str().unwrap();
        let (bits, ty) = fixture
            .get(fp)
            .unwrap_or_else(|| panic!("{fp} is not a demo key"));
        assert_eq!(row["bits"].as_u64().unwrap() as u32, *bits, "{fp}");
        assert_eq!(short_type(row["key_type"].as_str().unwrap()), ty, "{fp}");
        match row["scope"].as_str().unwrap() {
            // Issue 20: a repository key names the project its repository belongs to (every
            // Bitbucket Cloud repository has one); it used to be null.
            "repository" => assert!(row["repo"].is_string() && row["project"].is_string()),
            "project" => assert!(row["repo"].is_null() && row["project"].is_string()),
            other => panic!("scope {other}"),
        }
    }
    // Project keys (no repository) first, grouped by project; then by repository; each by
    // creation time.
    let keys: Vec<(String, Option<String>, Option<String>, String)> = rows
        .iter()
        .map(|r| {
            let s = |v: &serde_json::Value| v.as_str().map(String::from);
            (
                r["workspace"].to_string(),
                s(&r["repo"]),
                s(&r["project"]),
                r["created_on"].to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        keys, sorted,
        "sorted by workspace, repository, creation time"
    );
}

#[tokio::test]
async fn a_repository_listing_includes_inherited_project_keys() {
    let home = tempfile::tempdir().unwrap();
    let out = bbkeys(
        home.path(),
        &[],
        &["--demo", "keys", "list", "acme/web-frontend", "--json"],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        rows.iter()
            .any(|r| r["scope"] == "project" && r["project"] == "WEB"),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r["scope"] == "repository"));
}

#[tokio::test]
async fn no_credential_is_exit_3_with_instructions() {
    let home = tempfile::tempdir().unwrap();
    let out = bbkeys(home.path(), &[], &["workspaces"], "").await;
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("BBKEYS_EMAIL") && err.contains("api-tokens") && err.contains("--demo"),
        "{err}"
    );
    assert!(err.contains("`bbkeys auth login`"), "{err}");
}

#[tokio::test]
async fn usage_errors_are_exit_2() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["--demo", "keys", "rm", "acme/api", "1"],
        vec!["--demo", "keys", "list", "not a/repo"],
        vec!["--demo", "keys", "rm", "acme/api", "notanid", "--yes"],
        vec![
            "--demo",
            "keys",
            "rm",
            "acme/api",
            "1",
            "--fingerprint",
            "SHA256:x",
            "--workspace",
            "acme",
        ],
        vec![
            "--demo",
            "keys",
            "relabel",
            "--fingerprint",
            "SHA256:WVwdVcjLeHrHKjCq+r0SGHiqW850qEBPr5+1wwMdG6M",
            "--workspace",
            "acme",
            "--label",
            "{bogus}",
        ],
        vec!["keys", "frobnicate"],
    ] {
        let out = bbkeys(home.path(), &[], &args, "").await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).trim().is_empty(), "{args:?} must say why");
    }
}

#[tokio::test]
async fn bad_config_names_the_line_and_key() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("c.toml");
    std::fs::write(&cfg, "concurrency = 4\ncolour = \"red\"\n").unwrap();
    let out = bbkeys(
        home.path(),
        &[],
        &["--config", cfg.to_str().unwrap(), "--demo", "workspaces"],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("c.toml") && err.contains("line 2") && err.contains("colour"),
        "{err}"
    );
}

#[tokio::test]
async fn error_classes_print_their_sentence_and_exit_code() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let cfg = fast_config(home.path());
    let cfgs = cfg.to_str().unwrap();
    let env = env_full(&sim);
    // 404
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &["--config", cfgs, "keys", "list", "acme/nope"],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("found no such repository"),
        "{}",
        stderr(&out)
    );
    // 403 not admin
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &["--config", cfgs, "keys", "list", "initech/tps-reports"],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("not an administrator"),
        "{}",
        stderr(&out)
    );
    // 403 missing scope
    let key = home.path().join("k.pub");
    std::fs::write(&key, key_line(bbkeys::demo::FRESH_KEY_LINES[0]).unwrap()).unwrap();
    let nowrite = [
        ("BBKEYS_API_URL", sim.api_url()),
        ("BBKEYS_EMAIL", cred::NOWRITE_EMAIL.to_string()),
        ("BBKEYS_API_TOKEN", cred::NOWRITE_TOKEN.to_string()),
    ];
    let out = bbkeys(
        home.path(),
        &env_ref(&nowrite),
        &[
            "--config",
            cfgs,
            "keys",
            "add",
            "acme/api",
            "--key",
            key.to_str().unwrap(),
            "--label",
            "x",
        ],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("your token lacks write:ssh-key:bitbucket"),
        "{}",
        stderr(&out)
    );
    // 401
    let bad = [
        ("BBKEYS_API_URL", sim.api_url()),
        ("BBKEYS_EMAIL", cred::EMAIL.to_string()),
        ("BBKEYS_API_TOKEN", cred::EXPIRED_TOKEN.to_string()),
    ];
    let out = bbkeys(
        home.path(),
        &env_ref(&bad),
        &["--config", cfgs, "workspaces"],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("Atlassian account email"),
        "{}",
        stderr(&out)
    );
    // Access token writing repository keys.
    let access = [
        ("BBKEYS_API_URL", sim.api_url()),
        ("BBKEYS_ACCESS_TOKEN", cred::ACCESS_TOKEN.to_string()),
    ];
    let out = bbkeys(
        home.path(),
        &env_ref(&access),
        &[
            "--config",
            cfgs,
            "keys",
            "add",
            "acme/api",
            "--key",
            key.to_str().unwrap(),
            "--label",
            "x",
        ],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("can never add, change or delete repository keys"),
        "{}",
        stderr(&out)
    );
    // --json errors are one JSON object on stderr.
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &["--config", cfgs, "--json", "keys", "list", "acme/nope"],
        "",
    )
    .await;
    let err: serde_json::Value = serde_json::from_str(stderr(&out).trim()).unwrap();
    assert_eq!(err["error"]["kind"], "not_found");
    assert_eq!(err["error"]["status"], 404);
}

#[tokio::test]
async fn bad_keys_are_refused_before_any_request() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let priv_key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    let two = format!("{}\n{}\n", key_line(1).unwrap(), key_line(2).unwrap());
    for (input, needle) in [
        (priv_key, "PRIVATE"),
        (two.as_str(), "one key"),
        (key_line(103).unwrap(), "2048"),
    ] {
        let out = bbkeys(
            home.path(),
            &env_ref(&env),
            &["keys", "add", "acme/api", "--key", "-", "--label", "x"],
            input,
        )
        .await;
        assert_eq!(out.status.code(), Some(1), "{needle}");
        assert!(stderr(&out).contains(needle), "{needle}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("b3BlbnNzaC1rZXktdjEAAAAA"),
            "the input is never echoed"
        );
    }
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &[
            "keys",
            "add",
            "acme/api",
            "--key",
            "/nonexistent.pub",
            "--label",
            "x",
        ],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/nonexistent.pub"));
    assert!(
        sim.control().log().iter().all(|l| l.method == "GET"),
        "nothing was written: {:?}",
        sim.control().log()
    );
}

#[tokio::test]
async fn adding_a_key_twice_reports_already_present() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let key = home.path().join("k.pub");
    std::fs::write(&key, key_line(bbkeys::demo::FRESH_KEY_LINES[1]).unwrap()).unwrap();
    let args = [
        "keys",
        "add",
        "acme/api",
        "--key",
        key.to_str().unwrap(),
        "--label",
        "twice",
    ];
    let first = bbkeys(home.path(), &env_ref(&env), &args, "").await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(stdout(&first).contains("Added"));
    let second = bbkeys(home.path(), &env_ref(&env), &args, "").await;
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("already present"),
        "{}",
        stdout(&second)
    );
    let fp = PublicKey::parse(key_line(bbkeys::demo::FRESH_KEY_LINES[1]).unwrap())
        .unwrap()
        .fingerprint();
    assert_eq!(
        sim.control()
            .keys_of("acme", "api")
            .iter()
            .filter(|k| k.fingerprint == fp.as_str())
            .count(),
        1
    );
}

#[tokio::test]
async fn adding_a_key_held_under_another_label_names_that_label() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let line = key_line(bbkeys::demo::FRESH_KEY_LINES[1]).unwrap();
    let key = home.path().join("k.pub");
    std::fs::write(&key, line).unwrap();
    sim.control()
        .add_key("acme", "api", line, "old-name")
        .unwrap();
    let keys_before = sim.control().keys_of("acme", "api");
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &[
            "keys",
            "add",
            "acme/api",
            "--key",
            key.to_str().unwrap(),
            "--label",
            "new-name",
        ],
        "",
    )
    .await;
    let text = stdout(&out);
    assert!(
        text.contains("already") && text.contains("'old-name'") && text.contains("new-name"),
        "{text}"
    );
    assert_eq!(
        sim.control().keys_of("acme", "api"),
        keys_before,
        "nothing was created"
    );
}

#[tokio::test]
async fn a_partial_listing_prints_what_it_could_and_exits_4() {
    let sim = sim().await;
    // A server error: a 403 for a repository the user does not administer is skipped instead
    // (see `not_permitted`).
    sim.control().add_fault(Fault::prefix(
        "/2.0/repositories/acme/api/deploy-keys",
        FaultAction::json_error(500, "Internal Server Error"),
    ));
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let cfg = fast_config(home.path());
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--json",
            "keys",
            "list",
            "acme",
        ],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.iter().any(|r| r["repo"] == "web-frontend"));
    assert!(!rows.iter().any(|r| r["repo"] == "api"));
    assert!(stderr(&out).contains("acme/api"), "{}", stderr(&out));
}

#[tokio::test]
async fn secrets_never_reach_output_or_logs() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let cfg = fast_config(home.path());
    let mut outputs = Vec::new();
    for args in [
        vec!["workspaces", "--json"],
        vec!["keys", "list", "acme", "--json"],
        vec!["keys", "list", "acme/nope"],
        vec!["repos", "acme"],
    ] {
        let mut full = vec!["--config", cfg.to_str().unwrap()];
        full.extend(args);
        let out = bbkeys(home.path(), &env_ref(&env), &full, "").await;
        outputs.push(stdout(&out));
        outputs.push(stderr(&out));
    }
    for o in &outputs {
        assert!(!o.contains(cred::TOKEN), "token in output");
    }
    let mut logs = 0;
    for entry in walk(home.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        if entry.ends_with("bbkeys.log") {
            logs += 1;
            assert!(
                text.contains("request"),
                "the log at trace level records requests"
            );
        }
        assert!(!text.contains(cred::TOKEN), "token in {}", entry.display());
    }
    assert!(logs >= 1, "a log file was written");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn the_table_shows_whole_fingerprints() {
    let home = tempfile::tempdir().unwrap();
    let json = bbkeys(
        home.path(),
        &[],
        &["--demo", "--json", "keys", "list", "acme/api"],
        "",
    )
    .await;
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let table = bbkeys(
        home.path(),
        &[],
        &["--demo", "keys", "list", "acme/api"],
        "",
    )
    .await;
    assert_eq!(table.status.code(), Some(0));
    let text = stdout(&table);
    assert!(text.starts_with("WHERE"), "{text}");
    for r in rows {
        assert!(text.contains(r["fingerprint"].as_str().unwrap()), "{text}");
    }
}

#[tokio::test]
async fn https_proxy_is_honoured_and_no_proxy_bypasses_it() {
    use tokio::io::AsyncReadExt;
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let seen = tokio::spawn(async move {
        let (mut sock, _) = proxy.accept().await.unwrap();
        let mut buf = vec![0u8; 512];
        let n = sock.read(&mut buf).await.unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    let home = tempfile::tempdir().unwrap();
    let cfg = fast_config(home.path());
    let env = [
        ("HTTPS_PROXY", proxy_url.as_str()),
        ("BBKEYS_API_URL", "https://api.bitbucket.invalid/2.0"),
        ("BBKEYS_EMAIL", "someone@example.com"),
        ("BBKEYS_API_TOKEN", "not-a-real-token"),
    ];
    let out = bbkeys(
        home.path(),
        &env,
        &["--config", cfg.to_str().unwrap(), "workspaces"],
        "",
    )
    .await;
    assert_ne!(out.status.code(), Some(0));
    let first = tokio::time::timeout(std::time::Duration::from_secs(10), seen)
        .await
        .unwrap()
        .unwrap();
    assert!(
        first.starts_with("CONNECT api.bitbucket.invalid:443"),
        "{first}"
    );
    assert!(
        !first.contains("not-a-real-token"),
        "the tunnel request carries no credential"
    );

    // NO_PROXY: the simulator on loopback is reached directly.
    let sim = sim().await;
    let mut env = env_full(&sim);
    env.push(("HTTPS_PROXY", "http://127.0.0.1:9".into()));
    env.push(("HTTP_PROXY", "http://127.0.0.1:9".into()));
    env.push(("NO_PROXY", "127.0.0.1".into()));
    let out = bbkeys(home.path(), &env_ref(&env), &["workspaces"], "").await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Cron, CI and `ssh host bbkeys` without `-t` give the TUI no terminal: it must not panic
/// (crossterm's "reader source not set", exit 101) nor write escape sequences, but say that the
/// CLI subcommands work without one, as a usage error.
#[tokio::test]
async fn the_tui_without_a_terminal_is_a_usage_error_not_a_panic() {
    let home = tempfile::tempdir().unwrap();
    for args in [vec!["--demo"], vec![]] {
        let out = bbkeys(home.path(), &[], &args, "").await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            out.stdout.is_empty(),
            "{args:?}: nothing may be written to stdout: {:?}",
            stdout(&out)
        );
        assert!(
            err.contains("needs a terminal") && err.contains("bbkeys keys list"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked") && !err.contains('\x1b'), "{err}");
    }
}

/// Every `--demo` run starts from the demo data with files of its own: a scan stored by one run
/// (for `audit --cached` and the TUI's cached start) is gone in the next, whose simulator no
/// longer holds what that scan saw, and nothing is left behind in the user's directories.
#[tokio::test]
async fn each_demo_run_has_its_own_cache_and_journal() {
    let home = tempfile::tempdir().unwrap();
    let first = bbkeys(home.path(), &[], &["--demo", "audit", "acme"], "").await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let second = bbkeys(
        home.path(),
        &[],
        &["--demo", "audit", "acme", "--cached"],
        "",
    )
    .await;
    assert_ne!(
        second.status.code(),
        Some(0),
        "the second run read the first run's scan: {}",
        stdout(&second)
    );
    assert!(
        stderr(&second).contains("without --cached"),
        "{}",
        stderr(&second)
    );
    for dir in ["state", "cache", "data"] {
        let dir = home.path().join(dir);
        let left: Vec<_> = if dir.exists() { walk(&dir) } else { Vec::new() };
        assert!(
            left.is_empty(),
            "a demo run left files in {}: {left:?}",
            dir.display()
        );
    }
}

/// Demo dates are relative to today: the key seeded as in use "today" was last used within
/// the last few days of the real clock, not on the fixed day the data set was written.
#[tokio::test]
async fn demo_dates_are_relative_to_today() {
    let home = tempfile::tempdir().unwrap();
    let out = bbkeys(
        home.path(),
        &[],
        &["--demo", "keys", "list", "acme", "--json"],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let newest = rows
        .iter()
        .filter_map(|r| r["last_used"].as_str())
        .filter_map(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        })
        .max()
        .expect("the demo has used keys");
    let age = time::OffsetDateTime::now_utc() - newest;
    assert!(
        age >= time::Duration::ZERO && age < time::Duration::days(2),
        "the most recently used demo key was last used {age} ago ({newest})"
    );
}
