//! A 403 on a place the credential does not administer is a fact about the account, not a
//! failed read (issue 14, item 6). The demo's initech workspace has two projects, TPS and LEG,
//! whose keys the demo person may not manage: the simulator answers their key listings with
//! Bitbucket's bare "Forbidden".

use std::path::Path;

use bbkeys::demo::{FRESH_KEY_LINES, Fault, FaultAction, key_line};
use bbkeys::sshkey::PublicKey;
use serde_json::Value;

use crate::common::*;

const NOTE: &str = "skipped 2 projects you do not administer: LEG, TPS";

/// The fingerprint of line `n` of the demo keys; line 3 (the jenkins key) sits on
/// initech/tps-api, a repository the demo person administers.
fn demo_fp(n: usize) -> String {
    let keys =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/keys.txt"))
            .unwrap();
    PublicKey::from_server(keys.lines().nth(n - 1).unwrap())
        .unwrap()
        .fingerprint()
        .to_string()
}

async fn demo(home: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--demo"];
    all.extend_from_slice(args);
    bbkeys(home, &[], &all, "").await
}

/// A new key's `.pub` file, for rotations.
fn fresh_key_file(home: &Path) -> String {
    let path = home.join("new.pub");
    std::fs::write(
        &path,
        format!("{}\n", key_line(FRESH_KEY_LINES[0]).unwrap()),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// Every workspace-wide command, reading initech.
fn fan_out_commands(home: &Path) -> Vec<Vec<String>> {
    let fp = demo_fp(3);
    let to = fresh_key_file(home);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        s(&["keys", "list", "initech"]),
        s(&["keys", "find", &fp, "--workspace", "initech"]),
        s(&["audit", "initech"]),
        s(&[
            "keys",
            "rm",
            "--fingerprint",
            &fp,
            "--workspace",
            "initech",
            "--dry-run",
        ]),
        s(&[
            "keys",
            "relabel",
            "--fingerprint",
            &fp,
            "--workspace",
            "initech",
            "--label",
            "jenkins",
            "--dry-run",
        ]),
        s(&[
            "keys",
            "rotate",
            "--from",
            &fp,
            "--to",
            &to,
            "--workspace",
            "initech",
            "--dry-run",
        ]),
    ]
}

#[tokio::test]
async fn places_you_do_not_administer_are_named_once_and_exit_0() {
    let home = tempfile::tempdir().unwrap();
    for args in fan_out_commands(home.path()) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = demo(home.path(), &args).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert_eq!(err.matches(NOTE).count(), 1, "{args:?}: {err}");
        assert!(!err.contains("403"), "{args:?} repeats the 403: {err}");
        assert!(!stdout(&out).is_empty(), "{args:?} printed nothing");
    }
}

#[tokio::test]
async fn strict_makes_skipped_places_exit_4() {
    let home = tempfile::tempdir().unwrap();
    for mut args in fan_out_commands(home.path()) {
        args.push("--strict".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = demo(home.path(), &args).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {err}");
        assert!(err.contains(NOTE), "{args:?}: {err}");
    }
}

fn assert_skipped(list: &Value, what: &str) {
    let list = list
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no skipped list"));
    let projects: Vec<&str> = list
        .iter()
        .map(|p| p["project"].as_str().unwrap())
        .collect();
    assert_eq!(projects, ["LEG", "TPS"], "{what}: {list:?}");
    for p in list {
        assert_eq!(p["reason"], "not_permitted", "{what}: {p}");
        assert_eq!(p["scope"], "project", "{what}: {p}");
        assert_eq!(p["workspace"], "initech", "{what}: {p}");
    }
}

#[tokio::test]
async fn json_lists_skipped_places_with_reason_not_permitted() {
    let home = tempfile::tempdir().unwrap();
    let fp = demo_fp(3);

    // A key listing is an array of keys on stdout; the skipped places go to stderr as one
    // JSON object, like errors do under --json.
    let out = demo(home.path(), &["--json", "keys", "list", "initech"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.iter().any(|r| r["repo"] == "tps-api"));
    let note: Value = serde_json::from_str(stderr(&out).trim()).unwrap();
    assert_skipped(&note["skipped"], "keys list");

    let out = demo(home.path(), &["--json", "audit", "initech"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_skipped(&doc["skipped"], "audit");
    assert_eq!(doc["unreadable"].as_array().unwrap().len(), 0, "{doc}");
    let findings = doc["findings"].as_array().unwrap();
    assert!(!findings.iter().any(|f| f["code"] == "unreadable"), "{doc}");
    let np: Vec<&Value> = findings
        .iter()
        .filter(|f| f["code"] == "not_permitted")
        .collect();
    assert_eq!(np.len(), 2, "{doc}");
    assert!(np.iter().all(|f| f["severity"] == "info"), "{np:?}");

    let out = demo(
        home.path(),
        &["--json", "keys", "find", &fp, "--workspace", "initech"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_skipped(&doc["skipped"], "keys find");
    assert_eq!(doc["unreadable"].as_array().unwrap().len(), 0, "{doc}");

    let out = demo(
        home.path(),
        &[
            "--json",
            "keys",
            "rm",
            "--fingerprint",
            &fp,
            "--workspace",
            "initech",
            "--dry-run",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["dry_run"], true);
    assert_skipped(&doc["skipped"], "keys rm --dry-run");
}

#[tokio::test]
async fn a_server_error_next_to_skipped_places_still_exits_4() {
    let sim = sim().await;
    sim.control().add_fault(Fault::prefix(
        "/2.0/repositories/initech/tps-api/deploy-keys",
        FaultAction::json_error(500, "Internal Server Error"),
    ));
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let cfg = fast_config(home.path());
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &["--config", cfg.to_str().unwrap(), "keys", "list", "initech"],
        "",
    )
    .await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("initech/tps-api"), "{err}");
    assert!(err.contains(NOTE), "{err}");
}

#[tokio::test]
async fn a_403_for_a_missing_scope_is_not_skipped() {
    let sim = sim().await;
    sim.control().add_fault(Fault::prefix(
        "/2.0/workspaces/acme/projects/",
        FaultAction::respond(
            403,
            "application/json",
            r#"{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["admin:project:bitbucket"],"granted":["read:user:bitbucket"]}}}"#,
        ),
    ));
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let out = bbkeys(home.path(), &env_ref(&env), &["keys", "list", "acme"], "").await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("admin:project:bitbucket"), "{err}");
    assert!(!err.contains("skipped"), "{err}");
}

#[tokio::test]
async fn a_repository_listing_skips_the_project_it_may_not_read() {
    let home = tempfile::tempdir().unwrap();
    // tps-api is the user's; its project TPS is not, so the inherited keys cannot be listed.
    let out = demo(home.path(), &["keys", "list", "initech/tps-api"]).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("skipped 1 project you do not administer: TPS"),
        "{err}"
    );
    assert!(stdout(&out).contains("initech/tps-api"), "{}", stdout(&out));
    let out = demo(
        home.path(),
        &["keys", "list", "initech/tps-api", "--strict"],
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    // A repository named on its own is still refused as before: it is what was asked for.
    let out = demo(home.path(), &["keys", "list", "initech/tps-reports"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[tokio::test]
async fn strict_belongs_to_the_fan_out_forms_only() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["keys", "rm", "initech/tps-api", "1", "--strict", "--yes"],
        vec![
            "keys",
            "relabel",
            "initech/tps-api",
            "1",
            "x",
            "--strict",
            "--yes",
        ],
    ] {
        let out = demo(home.path(), &args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("--strict"), "{}", stderr(&out));
    }
}
