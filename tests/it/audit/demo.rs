//! The audit of the simulator's demo data set (fixed absolute dates) with a fixed clock, and
//! the "done when" of issue 7 through the binary: paste a key and see every repository
//! holding it, get a report of weak and unused keys.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use bbkeys::bitbucket::client::{Client, ClientOptions, Credential, Secret};
use bbkeys::config::AuditConfig;
use bbkeys::demo::{self, SimOptions, credentials};
use bbkeys::ops::audit::{FindingCode, Inventory, Snapshot, audit};
use bbkeys::ops::scan::scan_workspace;
use serde_json::Value;

use super::{NOW, assert_fixture, demo_key, fp};

const WORKSPACES: [&str; 3] = ["acme", "globex", "initech"];

#[tokio::test]
async fn demo_data_audit_gives_the_expected_findings() {
    let sim = demo::start(SimOptions::default()).await.unwrap();
    let client = Client::new(ClientOptions::new(
        sim.api_url(),
        Credential::ApiToken {
            email: credentials::EMAIL.into(),
            token: Secret::new(credentials::TOKEN),
        },
    ))
    .unwrap();
    let mut all = serde_json::Map::new();
    for ws in WORKSPACES {
        let scan = scan_workspace(&client, ws, &|_| {}).await.unwrap();
        let inventory = Inventory::build(&Snapshot::from_scan(&scan, NOW));
        let findings = audit(&inventory, &AuditConfig::default(), NOW);
        all.insert(ws.into(), serde_json::to_value(&findings).unwrap());
    }
    sim.shutdown().await;
    let has = |ws: &str, code: FindingCode| {
        all[ws]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == code.as_str())
    };
    for (ws, code) in [
        ("acme", FindingCode::NeverUsed),
        ("acme", FindingCode::Unused),
        ("acme", FindingCode::Rsa2048),
        ("acme", FindingCode::Shared),
        ("acme", FindingCode::ManyLabels),
        ("acme", FindingCode::ProjectKey),
        ("globex", FindingCode::Dsa),
        ("globex", FindingCode::RsaUnder2048),
        ("initech", FindingCode::Dsa),
        // The user does not administer initech's projects TPS and LEG (issue 14, item 6).
        ("initech", FindingCode::NotPermitted),
    ] {
        assert!(has(ws, code), "{ws} has no {code:?} finding");
    }
    // The CI key of line 1 sits on 27 repositories across the demo; the jenkins key of line 3
    // carries three labels.
    let about = |ws: &str, n: usize, code: FindingCode| {
        all[ws]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == code.as_str() && f["fingerprint"] == fp(n))
    };
    assert!(about("acme", 1, FindingCode::Shared));
    assert!(
        about("globex", 3, FindingCode::ManyLabels),
        "the jenkins key's labels"
    );
    let got = serde_json::to_string_pretty(&Value::Object(all)).unwrap() + "\n";
    assert_fixture("demo-findings.json", &got);
}

fn bbkeys(home: &tempfile::TempDir, args: &[&str], stdin: Option<&str>) -> Output {
    run_bbkeys(home, None, args, stdin)
}

/// The binary on the demo data, either its own `--demo` (`api` is `None`: every run starts
/// afresh, with its own cache) or the long-running simulator at `api`, whose stored scans
/// last from one run to the next as a real account's do.
fn run_bbkeys(
    home: &tempfile::TempDir,
    api: Option<&str>,
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    let root = home.path();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bbkeys"));
    for var in [
        "BBKEYS_PROFILE",
        "BBKEYS_CONFIG",
        "BBKEYS_EMAIL",
        "BBKEYS_API_TOKEN",
        "BBKEYS_ACCESS_TOKEN",
        "BBKEYS_API_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HOME", root)
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("XDG_CACHE_HOME", root.join("cache"))
        .env("XDG_STATE_HOME", root.join("state"))
        .env("XDG_DATA_HOME", root.join("data"))
        .env("BBKEYS_KEYRING", "off");
    match api {
        Some(url) => {
            cmd.env("BBKEYS_API_URL", url)
                .env("BBKEYS_EMAIL", credentials::EMAIL)
                .env("BBKEYS_API_TOKEN", credentials::TOKEN);
        }
        None => {
            cmd.arg("--demo");
        }
    }
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let input = stdin.unwrap_or("");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_paste_a_key_and_see_every_repository_holding_it() {
    let sim = demo::start(SimOptions::default()).await.unwrap();
    let api = sim.api_url();
    tokio::task::spawn_blocking(move || paste_a_key_and_see_every_repository_holding_it(&api))
        .await
        .unwrap();
    sim.shutdown().await;
}

fn paste_a_key_and_see_every_repository_holding_it(api: &str) {
    let home = tempfile::tempdir().unwrap();
    let bbkeys = |home: &tempfile::TempDir, args: &[&str], stdin: Option<&str>| {
        run_bbkeys(home, Some(api), args, stdin)
    };
    let out = bbkeys(
        &home,
        &["keys", "find", "-", "--workspace", "acme"],
        Some(&format!("{}\n", demo_key(1))),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with(&fp(1)), "{stdout}");
    assert!(stdout.contains("acme/"), "{stdout}");
    // The scan was stored: the same question from the cache, by fingerprint, as JSON.
    let out = bbkeys(
        &home,
        &["keys", "find", &fp(1), "-w", "acme", "--cached", "--json"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["cached"], true);
    assert!(doc["holdings"].as_array().unwrap().len() > 5);
    assert!(
        doc["holdings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["label"] == "ci-deploy"),
        "{doc}"
    );
    // Line 30 is used nowhere in the demo.
    let out = bbkeys(
        &home,
        &["keys", "find", &fp(30), "-w", "acme", "--cached"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is on none of"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn demo_report_of_weak_and_unused_keys() {
    let home = tempfile::tempdir().unwrap();
    let out = bbkeys(&home, &["audit", "globex"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    for word in [
        "SEVERITY",
        "high",
        "dsa",
        "rsa_under_2048",
        "never_used",
        "unused",
    ] {
        assert!(table.contains(word), "{word}: {table}");
    }
    // Two of initech's projects are not the user's to administer: still exit 0, with them
    // as skipped places rather than unreadable ones.
    let out = bbkeys(&home, &["audit", "initech", "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["workspace"], "initech");
    assert_eq!(doc["skipped"].as_array().unwrap().len(), 2);
    assert_eq!(doc["unreadable"].as_array().unwrap().len(), 0);
    assert_eq!(doc["cached"], false);
    assert!(!doc["inventory"].as_array().unwrap().is_empty());
}
