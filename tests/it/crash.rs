//! Crash and recovery: bbkeys is killed (SIGKILL) at each step boundary of a relabel, then
//! `journal recover` runs; the key must exist exactly once, with the intended label. The
//! simulator lives in the test process, so it survives the killed bbkeys.

use std::time::Duration;

use bbkeys::demo::{Fault, FaultAction, Simulator};

use crate::common::*;

const REPO: &str = "/2.0/repositories/acme/api/deploy-keys";

struct Target {
    fingerprint: String,
    id: u64,
}

fn target(sim: &Simulator) -> Target {
    let k = sim
        .control()
        .keys_of("acme", "api")
        .into_iter()
        .next()
        .unwrap();
    Target {
        fingerprint: k.fingerprint,
        id: k.id,
    }
}

fn copies(sim: &Simulator, fp: &str) -> Vec<bbkeys::demo::KeyDump> {
    sim.control()
        .keys_of("acme", "api")
        .into_iter()
        .filter(|k| k.fingerprint == fp)
        .collect()
}

/// bbkeys against `sim` with the full-scope account and fast retries.
fn command(home: &std::path::Path, sim: &Simulator, args: &[&str]) -> tokio::process::Command {
    let env = env_full(sim);
    let cfg = fast_config(home);
    let mut all = vec!["--config", cfg.to_str().unwrap()];
    all.extend_from_slice(args);
    crate::common::command(home, &env_ref(&env), &all)
}

/// Runs bbkeys (see [`command`]) to the end.
async fn run(home: &std::path::Path, sim: &Simulator, args: &[&str]) -> std::process::Output {
    command(home, sim, args).output().await.unwrap()
}

/// Relabels the first key of acme/api to `label` while the re-add (the POST) is answered by
/// `fault`.
async fn relabel_with_readd(
    home: &std::path::Path,
    sim: &Simulator,
    t: &Target,
    label: &str,
    fault: Fault,
) -> std::process::Output {
    sim.control().add_fault(fault.method("POST"));
    run(
        home,
        sim,
        &[
            "keys",
            "relabel",
            "acme/api",
            &t.fingerprint,
            label,
            "--yes",
        ],
    )
    .await
}

/// The re-add path, answered with `action`.
fn readd(action: FaultAction) -> Fault {
    Fault::new(bbkeys::demo::PathPattern::Exact(REPO.into()), action)
}

#[derive(Debug, Clone, Copy)]
enum KillPoint {
    /// The DELETE never reached the server.
    BeforeDelete,
    /// The DELETE was applied; its answer never arrived.
    AfterDelete,
    /// The key is deleted; the POST never reached the server.
    BeforePost,
    /// The POST was applied; its answer never arrived.
    AfterPost,
    /// Re-added; the verifying listing never answered.
    DuringVerify,
}

async fn kill_and_recover(point: KillPoint) {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let t = target(&sim);
    let c = sim.control();
    let key_path = format!("{REPO}/{}", t.id);
    match point {
        KillPoint::BeforeDelete => {
            c.add_fault(Fault::prefix(&key_path, FaultAction::Hang).method("DELETE"))
        }
        KillPoint::AfterDelete => c.add_fault(
            Fault::prefix(&key_path, FaultAction::Hang)
                .method("DELETE")
                .after(),
        ),
        KillPoint::BeforePost => c.add_fault(
            Fault::new(
                bbkeys::demo::PathPattern::Exact(REPO.into()),
                FaultAction::Hang,
            )
            .method("POST"),
        ),
        KillPoint::AfterPost => c.add_fault(
            Fault::new(
                bbkeys::demo::PathPattern::Exact(REPO.into()),
                FaultAction::Hang,
            )
            .method("POST")
            .after(),
        ),
        // Hold the POST's answer briefly, and hang the listing that follows it.
        KillPoint::DuringVerify => c.add_fault(
            Fault::new(
                bbkeys::demo::PathPattern::Exact(REPO.into()),
                FaultAction::Delay { ms: 400 },
            )
            .method("POST")
            .after(),
        ),
    };
    let mut child = command(
        home.path(),
        &sim,
        &[
            "keys",
            "relabel",
            "acme/api",
            &t.fingerprint,
            "relabelled",
            "--yes",
        ],
    )
    .spawn()
    .unwrap();
    if let KillPoint::DuringVerify = point {
        // Wait until the re-add has landed, then make the next listing hang.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !copies(&sim, &t.fingerprint)
            .iter()
            .any(|k| k.label == "relabelled")
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the re-add never landed"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        c.add_fault(
            Fault::new(
                bbkeys::demo::PathPattern::Exact(REPO.into()),
                FaultAction::Hang,
            )
            .method("GET"),
        );
    }
    assert!(
        c.wait_hung(1, Duration::from_secs(20)).await,
        "{point:?}: no request hung"
    );
    child.kill().await.unwrap();
    let _ = child.wait().await;
    c.clear_faults();
    c.release_all();
    // Let a released request finish (or be dropped with its closed connection).
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while c.hung() > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;

    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert_eq!(list.status.code(), Some(0), "{point:?}: {}", stderr(&list));
    assert!(
        stdout(&list).contains("PENDING"),
        "{point:?}: the entry must be pending after the kill: {}",
        stdout(&list)
    );

    let warn = run(home.path(), &sim, &["workspaces"]).await;
    assert!(
        stderr(&warn).contains("journal recover"),
        "{point:?}: every start warns: {}",
        stderr(&warn)
    );

    let rec = run(home.path(), &sim, &["journal", "recover", "--yes"]).await;
    assert_eq!(
        rec.status.code(),
        Some(0),
        "{point:?}: {}{}",
        stdout(&rec),
        stderr(&rec)
    );
    let now = copies(&sim, &t.fingerprint);
    assert_eq!(now.len(), 1, "{point:?}: exactly one copy, got {now:?}");
    assert_eq!(now[0].label, "relabelled", "{point:?}");

    // Recovery is idempotent.
    let again = run(home.path(), &sim, &["journal", "recover", "--yes"]).await;
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stdout(&again).contains("Nothing to recover"),
        "{point:?}: {}",
        stdout(&again)
    );
    assert_eq!(copies(&sim, &t.fingerprint).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_before_the_delete_arrives() {
    kill_and_recover(KillPoint::BeforeDelete).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_the_delete_landed() {
    kill_and_recover(KillPoint::AfterDelete).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_before_the_readd_arrives() {
    kill_and_recover(KillPoint::BeforePost).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_the_readd_landed() {
    kill_and_recover(KillPoint::AfterPost).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_verifying() {
    kill_and_recover(KillPoint::DuringVerify).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readd_refused_with_5xx_stays_pending_until_recovered() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let t = target(&sim);
    let out = relabel_with_readd(
        home.path(),
        &sim,
        &t,
        "new-label",
        readd(FaultAction::html(503)),
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stays pending") && stderr(&out).contains("journal recover"),
        "{}",
        stderr(&out)
    );
    assert!(
        copies(&sim, &t.fingerprint).is_empty(),
        "the key is deleted and not back yet"
    );
    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(stdout(&list).contains("PENDING"));
    sim.control().clear_faults();
    let rec = run(home.path(), &sim, &["journal", "recover", "--yes"]).await;
    assert_eq!(rec.status.code(), Some(0), "{}", stderr(&rec));
    let now = copies(&sim, &t.fingerprint);
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].label, "new-label");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readd_refused_because_the_key_is_on_a_user_account_stays_pending() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let t = target(&sim);
    let out = relabel_with_readd(
        home.path(),
        &sim,
        &t,
        "new-label",
        readd(FaultAction::json_error(
            400,
            "Someone has already registered that SSH key.",
        )),
    )
    .await;
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("user account"), "{}", stderr(&out));
    assert_eq!(
        sim.control()
            .log()
            .iter()
            .filter(|l| l.method == "POST")
            .count(),
        1,
        "a permanent refusal is not retried"
    );
    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(stdout(&list).contains("PENDING"), "{}", stdout(&list));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_already_there_refusal_closes_the_entry_once_verified() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let t = target(&sim);
    // The POST lands, but the answer claims the key is already there.
    let out = relabel_with_readd(
        home.path(),
        &sim,
        &t,
        "new-label",
        readd(FaultAction::json_error(
            400,
            "Someone has already added that access key to this repository.",
        ))
        .after(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(stdout(&list).contains("No pending"), "{}", stdout(&list));
    assert_eq!(copies(&sim, &t.fingerprint).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_journal_is_reported_and_skipped() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let t = target(&sim);
    let _ = relabel_with_readd(
        home.path(),
        &sim,
        &t,
        "x-label",
        readd(FaultAction::html(503)),
    )
    .await;
    sim.control().clear_faults();
    let journal = walk_for(home.path(), "journal.jsonl").unwrap();
    let mut text = std::fs::read_to_string(&journal).unwrap();
    text.push_str("{\"entry\":\"broken\",\"at\":\"2026-11-");
    std::fs::write(&journal, text).unwrap();
    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert_eq!(list.status.code(), Some(0));
    assert!(
        stderr(&list).contains("unreadable line"),
        "{}",
        stderr(&list)
    );
    assert!(stdout(&list).contains("PENDING"));
    let rec = run(home.path(), &sim, &["journal", "recover", "--yes"]).await;
    assert_eq!(rec.status.code(), Some(0), "{}", stderr(&rec));
    assert_eq!(copies(&sim, &t.fingerprint)[0].label, "x-label");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_reverses_a_relabel_and_a_delete() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let t = target(&sim);
    let old_label = copies(&sim, &t.fingerprint)[0].label.clone();
    let out = command(
        home.path(),
        &sim,
        &[
            "keys",
            "relabel",
            "acme/api",
            &t.fingerprint,
            "temporary",
            "--yes",
        ],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json = run(home.path(), &sim, &["--json", "journal", "list", "--all"]).await;
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let id = entries.last().unwrap()["id"].as_str().unwrap().to_string();
    let undo = run(home.path(), &sim, &["journal", "undo", &id, "--yes"]).await;
    assert_eq!(undo.status.code(), Some(0), "{}", stderr(&undo));
    assert_eq!(copies(&sim, &t.fingerprint)[0].label, old_label);

    let rm = command(
        home.path(),
        &sim,
        &["keys", "rm", "acme/api", &t.fingerprint, "--yes"],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(rm.status.code(), Some(0), "{}", stderr(&rm));
    assert!(copies(&sim, &t.fingerprint).is_empty());
    let json = run(home.path(), &sim, &["--json", "journal", "list", "--all"]).await;
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let del = entries
        .iter()
        .rev()
        .find(|e| e["record"]["intent"] == "delete")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let undo = run(home.path(), &sim, &["journal", "undo", &del, "--yes"]).await;
    assert_eq!(undo.status.code(), Some(0), "{}", stderr(&undo));
    assert_eq!(
        copies(&sim, &t.fingerprint).len(),
        1,
        "the deleted key is back"
    );
}

fn walk_for(dir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p.is_dir() {
            if let Some(f) = walk_for(&p, name) {
                return Some(f);
            }
        } else if p.file_name().is_some_and(|f| f == name) {
            return Some(p);
        }
    }
    None
}
