//! The CLI's fan-out forms against the simulator: plan, dry run, partial failure, rotate,
//! and a crash mid-rotate recovered with nothing lost.

use std::time::Duration;

use bbkeys::demo::{FRESH_KEY_LINES, Fault, FaultAction, Simulator, key_line};
use bbkeys::sshkey::PublicKey;

use crate::common::*;

fn fp_of_line(n: usize) -> String {
    PublicKey::from_server(key_line(n).unwrap())
        .unwrap()
        .fingerprint()
        .to_string()
}

/// Every repository and project of `ws` holding `fp`.
fn holders(sim: &Simulator, ws: &str, fp: &str) -> Vec<String> {
    let dump = sim.control().dump();
    let w = dump.workspace(ws).unwrap();
    let mut out: Vec<String> = w
        .repositories
        .iter()
        .filter(|r| r.keys.iter().any(|k| k.fingerprint == fp))
        .map(|r| r.slug.clone())
        .collect();
    out.extend(
        w.projects
            .iter()
            .filter(|p| p.keys.iter().any(|k| k.fingerprint == fp))
            .map(|p| format!("project {}", p.key)),
    );
    out
}

fn writes(sim: &Simulator) -> usize {
    sim.control()
        .log()
        .iter()
        .filter(|l| l.method != "GET")
        .count()
}

/// `keys rotate --from old --to <file> --workspace acme --yes`, checked to succeed on a
/// workspace nobody else changes: the re-read before the first write finds the plan unchanged.
async fn rotate_in_acme(
    home: &std::path::Path,
    env: &[(&str, &str)],
    old: &str,
    to: &std::path::Path,
) {
    let out = bbkeys(
        home,
        env,
        &[
            "keys",
            "rotate",
            "--from",
            old,
            "--to",
            to.to_str().unwrap(),
            "--workspace",
            "acme",
            "--yes",
        ],
        "",
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        !stdout(&out).contains("changed since the plan"),
        "nothing changed between the plan and the re-read: {}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_plan_and_writes_nothing() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let fp = fp_of_line(1);
    let before = holders(&sim, "acme", &fp);
    assert!(before.len() > 5);
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &[
            "keys",
            "rm",
            "--fingerprint",
            &fp,
            "--workspace",
            "acme",
            "--dry-run",
        ],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("{} to delete", before.len())),
        "{text}"
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.trim_start().starts_with("- "))
            .count(),
        before.len(),
        "{text}"
    );
    assert_eq!(writes(&sim), 0, "a dry run writes nothing");
    let json = bbkeys(
        home.path(),
        &env_ref(&env),
        &[
            "--json",
            "keys",
            "rm",
            "--fingerprint",
            &fp,
            "--workspace",
            "acme",
            "--dry-run",
        ],
        "",
    )
    .await;
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(plan["changes"].as_array().unwrap().len(), before.len());
    assert_eq!(plan["needs_typed_confirmation"], true);
    assert_eq!(writes(&sim), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_a_terminal_without_yes_nothing_changes() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &[
            "keys",
            "rm",
            "--fingerprint",
            &fp_of_line(2),
            "--workspace",
            "acme",
        ],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).contains("Plan:"));
    assert!(stderr(&out).contains("--yes"));
    assert_eq!(writes(&sim), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_everywhere_with_some_failures_finishes_the_rest_and_exits_4() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let fp = fp_of_line(1);
    let before = holders(&sim, "acme", &fp);
    let failing: Vec<String> = before
        .iter()
        .filter(|h| !h.starts_with("project"))
        .take(2)
        .cloned()
        .collect();
    for repo in &failing {
        sim.control().add_fault(
            Fault::prefix(
                &format!("/2.0/repositories/acme/{repo}/deploy-keys/"),
                FaultAction::html(503),
            )
            .method("DELETE"),
        );
    }
    let cfg = fast_config(home.path());
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--json",
            "keys",
            "rm",
            "--fingerprint",
            &fp,
            "--workspace",
            "acme",
            "--yes",
        ],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(items.len(), before.len());
    let failed: Vec<&serde_json::Value> =
        items.iter().filter(|i| i["status"] == "failed").collect();
    assert_eq!(failed.len(), 2, "{items:?}");
    assert!(
        failed
            .iter()
            .all(|i| i["reason"].as_str().unwrap().contains("server error"))
    );
    let mut after = holders(&sim, "acme", &fp);
    after.sort();
    let mut want = failing.clone();
    want.sort();
    assert_eq!(
        after, want,
        "only the failed repositories still hold the key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_found_nowhere_is_exit_1() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let fp = fp_of_line(FRESH_KEY_LINES[0]);
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &[
            "keys",
            "rm",
            "--fingerprint",
            &fp,
            "--workspace",
            "acme",
            "--yes",
        ],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not on any repository or project of acme"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_to_many_reports_already_present() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let line = key_line(FRESH_KEY_LINES[2]).unwrap();
    let key = home.path().join("k.pub");
    std::fs::write(&key, line).unwrap();
    sim.control().add_key("acme", "api", line, "pre").unwrap();
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &[
            "--json",
            "keys",
            "add",
            "acme/api",
            "acme/web-frontend",
            "acme/sandbox",
            "--key",
            key.to_str().unwrap(),
            "--label",
            "many",
            "--yes",
        ],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fp = fp_of_line(FRESH_KEY_LINES[2]);
    let mut h = holders(&sim, "acme", &fp);
    h.sort();
    assert_eq!(h, ["api", "sandbox", "web-frontend"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relabel_everywhere_with_a_template() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let fp = fp_of_line(2);
    let before = holders(&sim, "acme", &fp);
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &[
            "keys",
            "relabel",
            "--fingerprint",
            &fp,
            "--workspace",
            "acme",
            "--label",
            "{repo}-deploy",
            "--yes",
        ],
        "",
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let dump = sim.control().dump();
    for repo in before.iter().filter(|h| !h.starts_with("project")) {
        let keys = &dump.repo("acme", repo).unwrap().keys;
        let k: Vec<_> = keys.iter().filter(|k| k.fingerprint == fp).collect();
        assert_eq!(k.len(), 1, "{repo}");
        assert_eq!(k[0].label, format!("{repo}-deploy"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_replaces_a_key_everywhere() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let old = fp_of_line(2);
    let new_line = key_line(FRESH_KEY_LINES[3]).unwrap();
    let new_fp = fp_of_line(FRESH_KEY_LINES[3]);
    let to = home.path().join("new.pub");
    std::fs::write(&to, new_line).unwrap();
    let before = holders(&sim, "acme", &old);
    assert!(!before.is_empty());
    rotate_in_acme(home.path(), &env_ref(&env), &old, &to).await;
    assert!(holders(&sim, "acme", &old).is_empty());
    assert_eq!(holders(&sim, "acme", &new_fp), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_rotate_loses_nothing() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let old = fp_of_line(2);
    let new_fp = fp_of_line(FRESH_KEY_LINES[4]);
    let to = home.path().join("new.pub");
    std::fs::write(&to, key_line(FRESH_KEY_LINES[4]).unwrap()).unwrap();
    let before = holders(&sim, "acme", &old);
    // The first add of the rotation lands but its answer hangs; bbkeys is killed there.
    sim.control().add_fault(
        Fault::glob("/2.0/repositories/acme/*/deploy-keys", FaultAction::Hang)
            .method("POST")
            .after()
            .times(1),
    );
    let args = [
        "--concurrency",
        "1",
        "keys",
        "rotate",
        "--from",
        &old,
        "--to",
        to.to_str().unwrap(),
        "--workspace",
        "acme",
        "--yes",
    ];
    let mut cmd = command(home.path(), &env_ref(&env), &args);
    let mut child = cmd.spawn().unwrap();
    assert!(sim.control().wait_hung(1, Duration::from_secs(20)).await);
    child.kill().await.unwrap();
    let _ = child.wait().await;
    sim.control().clear_faults();
    sim.control().release_all();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // Nowhere is left without access: every place holds the old key, the new one, or both.
    for place in &before {
        let dump = sim.control().dump();
        let w = dump.workspace("acme").unwrap();
        let keys: Vec<String> = match place.strip_prefix("project ") {
            Some(p) => w
                .projects
                .iter()
                .find(|x| x.key == p)
                .unwrap()
                .keys
                .iter()
                .map(|k| k.fingerprint.clone())
                .collect(),
            None => w
                .repositories
                .iter()
                .find(|r| &r.slug == place)
                .unwrap()
                .keys
                .iter()
                .map(|k| k.fingerprint.clone())
                .collect(),
        };
        assert!(
            keys.contains(&old) || keys.contains(&new_fp),
            "{place} lost access"
        );
    }
    let rec = bbkeys(
        home.path(),
        &env_ref(&env),
        &["journal", "recover", "--yes"],
        "",
    )
    .await;
    assert_eq!(rec.status.code(), Some(0), "{}", stderr(&rec));
    // Recovery finishes the rotation from its journaled plan: the old key is gone everywhere.
    assert!(holders(&sim, "acme", &old).is_empty());
    assert_eq!(holders(&sim, "acme", &new_fp), before);
}

/// The labels of key `fp` on each repository of acme holding it.
fn labels_of(sim: &Simulator, fp: &str) -> Vec<(String, String)> {
    let dump = sim.control().dump();
    let mut out: Vec<(String, String)> = dump
        .workspace("acme")
        .unwrap()
        .repositories
        .iter()
        .flat_map(|r| {
            r.keys
                .iter()
                .filter(|k| k.fingerprint == fp)
                .map(|k| (r.slug.clone(), k.label.clone()))
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_renders_label_templates_like_relabel() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let line = key_line(FRESH_KEY_LINES[3]).unwrap();
    let key = home.path().join("k.pub");
    std::fs::write(&key, line).unwrap();
    let fp = fp_of_line(FRESH_KEY_LINES[3]);
    let add = |targets: &'static [&'static str], label: &'static str| {
        let mut args = vec!["keys", "add"];
        args.extend_from_slice(targets);
        args.extend_from_slice(&["--key", key.to_str().unwrap(), "--label", label, "--yes"]);
        let args: Vec<String> = args.into_iter().map(String::from).collect();
        let home = home.path().to_path_buf();
        let env = env.clone();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            bbkeys(&home, &env_ref(&env), &args, "").await
        }
    };
    // A placeholder bbkeys does not know is refused before anything is sent.
    let out = add(&["acme/api", "acme/sandbox"], "ci-{reop}").await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("{reop}")
            && stderr(&out).contains("{repo}")
            && stderr(&out).contains("{workspace}")
            && stderr(&out).contains("{project}"),
        "{}",
        stderr(&out)
    );
    assert!(labels_of(&sim, &fp).is_empty());
    // Fan-out: each repository gets its own label; `{{` and `}}` are literal braces.
    let out = add(&["acme/api", "acme/sandbox"], "ci-{repo}-{{x}}").await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        labels_of(&sim, &fp),
        [
            ("api".to_string(), "ci-api-{x}".to_string()),
            ("sandbox".to_string(), "ci-sandbox-{x}".to_string())
        ]
    );
    // A single target renders the same way.
    let out = add(&["acme/web-frontend"], "{workspace}/{repo}").await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        labels_of(&sim, &fp)
            .contains(&("web-frontend".to_string(), "acme/web-frontend".to_string())),
        "{:?}",
        labels_of(&sim, &fp)
    );
    // And so does a single relabel, with `{label}` for the old label.
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &[
            "keys",
            "relabel",
            "acme/api",
            &fp,
            "{label}-{repo}",
            "--yes",
        ],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        labels_of(&sim, &fp).contains(&("api".to_string(), "ci-api-{x}-api".to_string())),
        "{:?}",
        labels_of(&sim, &fp)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repository_that_inherits_a_project_key_is_not_left_without_keys() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    // docs-site (project WEB, which holds a key) keeps one key of its own.
    for k in sim.control().keys_of("acme", "docs-site") {
        sim.control().remove_key("acme", "docs-site", k.id).unwrap();
    }
    let line = key_line(FRESH_KEY_LINES[4]).unwrap();
    sim.control()
        .add_key("acme", "docs-site", line, "only-own")
        .unwrap();
    let fp = fp_of_line(FRESH_KEY_LINES[4]);
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &[
            "keys",
            "rm",
            "--fingerprint",
            &fp,
            "--workspace",
            "acme",
            "--dry-run",
        ],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("1 to delete"), "{text}");
    assert!(!text.contains("without any key"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stored_scan_follows_the_cli_s_own_writes() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let line = key_line(FRESH_KEY_LINES[4]).unwrap();
    for repo in ["api", "web-frontend"] {
        sim.control().add_key("acme", repo, line, "cached").unwrap();
    }
    let fp = fp_of_line(FRESH_KEY_LINES[4]);
    let run = |args: Vec<&'static str>| {
        let home = home.path().to_path_buf();
        let env = env.clone();
        let fp = fp.clone();
        async move {
            let args: Vec<&str> = args
                .into_iter()
                .map(|a| if a == "FP" { fp.as_str() } else { a })
                .collect();
            bbkeys(&home, &env_ref(&env), &args, "").await
        }
    };
    // `keys find` scans acme and stores the scan.
    let out = run(vec!["keys", "find", "FP", "--workspace", "acme"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(vec![
        "keys",
        "rm",
        "--fingerprint",
        "FP",
        "--workspace",
        "acme",
        "--yes",
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Without a new scan, the stored one no longer holds the key anywhere.
    let out = run(vec![
        "keys",
        "find",
        "FP",
        "--workspace",
        "acme",
        "--cached",
    ])
    .await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}
