//! Crash and recovery of bulk changes: a rotation, a fan-out relabel and a fan-out delete are
//! killed (SIGKILL) at every write, before it arrives and after it landed, at concurrency 1 and
//! at the default, then `journal recover` runs. Every place must end in the state the plan
//! asked for, with no key lost or doubled, and nothing left pending.
//!
//! The kill points are chosen by write index: the simulator lets the first N writes through
//! and holds the next one, so no test waits on a clock.

use std::collections::BTreeMap;
use std::time::Duration;

use bbkeys::demo::{FRESH_KEY_LINES, Fault, FaultAction, PathPattern, Simulator, key_line};
use bbkeys::sshkey::PublicKey;

use crate::common::*;

/// The demo key spread over several places of acme.
const OLD_LINE: usize = 2;

fn fp_of_line(n: usize) -> String {
    PublicKey::from_server(key_line(n).unwrap())
        .unwrap()
        .fingerprint()
        .to_string()
}

/// Every place of acme with its keys as `(fingerprint, label)`.
pub(crate) fn places(sim: &Simulator) -> BTreeMap<String, Vec<(String, String)>> {
    let dump = sim.control().dump();
    let w = dump.workspace("acme").unwrap();
    let keys = |ks: &[bbkeys::demo::KeyDump]| {
        ks.iter()
            .map(|k| (k.fingerprint.clone(), k.label.clone()))
            .collect::<Vec<_>>()
    };
    let mut out: BTreeMap<String, Vec<(String, String)>> = w
        .repositories
        .iter()
        .map(|r| (r.slug.clone(), keys(&r.keys)))
        .collect();
    for p in &w.projects {
        out.insert(format!("project {}", p.key), keys(&p.keys));
    }
    out
}

fn count(keys: &[(String, String)], fp: &str) -> usize {
    keys.iter().filter(|(f, _)| f == fp).count()
}

/// bbkeys against `sim` with the full-scope account and fast retries.
pub(crate) fn command(
    home: &std::path::Path,
    sim: &Simulator,
    args: &[&str],
) -> tokio::process::Command {
    let env = env_full(sim);
    let cfg = fast_config(home);
    let mut all = vec!["--config", cfg.to_str().unwrap()];
    all.extend_from_slice(args);
    crate::common::command(home, &env_ref(&env), &all)
}

pub(crate) async fn run(
    home: &std::path::Path,
    sim: &Simulator,
    args: &[&str],
) -> std::process::Output {
    let out = command(home, sim, args).output();
    tokio::time::timeout(Duration::from_secs(60), out)
        .await
        .expect("bbkeys hung")
        .unwrap()
}

/// The bulk operations of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bulk {
    Rotate,
    Relabel,
    Delete,
}

/// One bulk run: its arguments (after `--concurrency`) and the key it starts from.
struct Scenario {
    bulk: Bulk,
    old: String,
    new: String,
    new_file: std::path::PathBuf,
}

impl Scenario {
    fn new(bulk: Bulk, home: &std::path::Path) -> Scenario {
        let new_file = home.join("new.pub");
        std::fs::write(&new_file, key_line(FRESH_KEY_LINES[5]).unwrap()).unwrap();
        Scenario {
            bulk,
            old: fp_of_line(OLD_LINE),
            new: fp_of_line(FRESH_KEY_LINES[5]),
            new_file,
        }
    }

    fn args(&self) -> Vec<String> {
        let s = |x: &str| x.to_string();
        match self.bulk {
            Bulk::Rotate => vec![
                s("keys"),
                s("rotate"),
                s("--from"),
                self.old.clone(),
                s("--to"),
                self.new_file.to_str().unwrap().to_string(),
                s("--workspace"),
                s("acme"),
                s("--yes"),
            ],
            Bulk::Relabel => vec![
                s("keys"),
                s("relabel"),
                s("--fingerprint"),
                self.old.clone(),
                s("--workspace"),
                s("acme"),
                s("--label"),
                s("relabelled"),
                s("--yes"),
            ],
            Bulk::Delete => vec![
                s("keys"),
                s("rm"),
                s("--fingerprint"),
                self.old.clone(),
                s("--workspace"),
                s("acme"),
                s("--yes"),
            ],
        }
    }

    /// Checks that every place is as the finished operation leaves it: `before` is the state
    /// before the run.
    fn assert_finished(
        &self,
        before: &BTreeMap<String, Vec<(String, String)>>,
        after: &BTreeMap<String, Vec<(String, String)>>,
        point: &str,
    ) {
        for (place, was) in before {
            let now = &after[place];
            let held = count(was, &self.old) > 0;
            match self.bulk {
                Bulk::Rotate => {
                    assert_eq!(
                        count(now, &self.old),
                        0,
                        "{point}: {place} still holds the old key: {now:?}"
                    );
                    assert_eq!(
                        count(now, &self.new),
                        usize::from(held),
                        "{point}: {place} must hold the new key once exactly where the old one was: {now:?}"
                    );
                }
                Bulk::Relabel => {
                    assert_eq!(
                        count(now, &self.old),
                        usize::from(held),
                        "{point}: {place}: the key lost or doubled: {now:?}"
                    );
                    if held {
                        assert!(
                            now.iter().any(|(f, l)| f == &self.old && l == "relabelled"),
                            "{point}: {place} not relabelled: {now:?}"
                        );
                    }
                }
                Bulk::Delete => assert_eq!(
                    count(now, &self.old),
                    0,
                    "{point}: {place} still holds the key: {now:?}"
                ),
            }
            // Nothing else on the place changed.
            let others = |ks: &[(String, String)]| {
                let mut v: Vec<String> = ks
                    .iter()
                    .filter(|(f, _)| f != &self.old && f != &self.new)
                    .map(|(f, _)| f.clone())
                    .collect();
                v.sort();
                v
            };
            assert_eq!(others(was), others(now), "{point}: {place}: other keys");
        }
    }
}

/// Where the run is stopped: the write after `skip` writes is held before it reaches the
/// simulator, or applied with its answer held.
#[derive(Debug, Clone, Copy)]
struct KillPoint {
    skip: u64,
    landed: bool,
}

/// `--concurrency N`, or nothing for the default.
fn concurrency_args(concurrency: &str) -> Vec<String> {
    if concurrency == DEFAULT {
        Vec::new()
    } else {
        vec!["--concurrency".to_string(), concurrency.to_string()]
    }
}

const DEFAULT: &str = "default";

/// Writes of one uninterrupted run of `bulk` on fresh demo data.
async fn writes_of(bulk: Bulk, concurrency: &str) -> u64 {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let sc = Scenario::new(bulk, home.path());
    let mut args = concurrency_args(concurrency);
    args.extend(sc.args());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let before = places(&sim);
    let out = run(home.path(), &sim, &args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    sc.assert_finished(&before, &places(&sim), "uninterrupted");
    sim.control()
        .log()
        .iter()
        .filter(|l| l.method != "GET")
        .count() as u64
}

/// Runs `bulk`, kills bbkeys at `point`, recovers, and checks the places.
async fn kill_and_recover(bulk: Bulk, concurrency: &str, point: KillPoint) {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let sc = Scenario::new(bulk, home.path());
    let c = sim.control();
    let before = places(&sim);
    let mut fault = Fault::prefix("/2.0/", FaultAction::Hang)
        .method("POST|DELETE|PUT")
        .skip(point.skip)
        .once();
    if point.landed {
        fault = fault.after();
    }
    c.add_fault(fault);
    let mut args = concurrency_args(concurrency);
    args.extend(sc.args());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = command(home.path(), &sim, &args).spawn().unwrap();
    let label = format!("{bulk:?} at concurrency {concurrency}, {point:?}");
    assert!(
        c.wait_hung(1, Duration::from_secs(20)).await,
        "{label}: no write hung"
    );
    child.kill().await.unwrap();
    let _ = child.wait().await;
    c.clear_faults();
    c.release_all();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while c.hung() > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(30)).await;

    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(
        stdout(&list).contains("PENDING"),
        "{label}: the operation must be pending after the kill: {}",
        stdout(&list)
    );
    let rec = run(home.path(), &sim, &["journal", "recover", "--yes"]).await;
    assert_eq!(
        rec.status.code(),
        Some(0),
        "{label}: {}{}",
        stdout(&rec),
        stderr(&rec)
    );
    sc.assert_finished(&before, &places(&sim), &label);
    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(
        stdout(&list).contains("No pending"),
        "{label}: {}",
        stdout(&list)
    );
}

/// Every kill point of `bulk` at `concurrency`.
async fn matrix(bulk: Bulk, concurrency: &str) {
    let writes = writes_of(bulk, concurrency).await;
    assert!(
        writes >= 3,
        "{bulk:?}: the demo data must give several writes"
    );
    for skip in 0..writes {
        for landed in [false, true] {
            kill_and_recover(bulk, concurrency, KillPoint { skip, landed }).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_killed_at_every_write_one_at_a_time() {
    matrix(Bulk::Rotate, "1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_killed_at_every_write_at_the_default_concurrency() {
    matrix(Bulk::Rotate, DEFAULT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relabel_killed_at_every_write_one_at_a_time() {
    matrix(Bulk::Relabel, "1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relabel_killed_at_every_write_at_the_default_concurrency() {
    matrix(Bulk::Relabel, DEFAULT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_killed_at_every_write_one_at_a_time() {
    matrix(Bulk::Delete, "1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_killed_at_every_write_at_the_default_concurrency() {
    matrix(Bulk::Delete, DEFAULT).await;
}

/// Kills `bulk` after its fourth write landed, then rolls the batch back with `journal undo`:
/// every place must hold exactly the keys and labels it had before.
async fn kill_and_roll_back(bulk: Bulk) {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let sc = Scenario::new(bulk, home.path());
    let c = sim.control();
    let before = places(&sim);
    c.add_fault(
        Fault::prefix("/2.0/", FaultAction::Hang)
            .method("POST|DELETE|PUT")
            .skip(3)
            .once()
            .after(),
    );
    let mut args = concurrency_args("1");
    args.extend(sc.args());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = command(home.path(), &sim, &args).spawn().unwrap();
    assert!(c.wait_hung(1, Duration::from_secs(20)).await, "{bulk:?}");
    child.kill().await.unwrap();
    let _ = child.wait().await;
    c.clear_faults();
    c.release_all();
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_ne!(
        places(&sim),
        before,
        "{bulk:?}: the kill must come after some change"
    );

    let json = run(home.path(), &sim, &["--json", "journal", "list"]).await;
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let batch = listed
        .iter()
        .find(|v| v["kind"] == "batch")
        .unwrap_or_else(|| panic!("{bulk:?}: no pending batch in {listed:?}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The last characters of the id are enough.
    let suffix = &batch[batch.len() - 6..];
    let undo = run(home.path(), &sim, &["journal", "undo", suffix, "--yes"]).await;
    assert_eq!(
        undo.status.code(),
        Some(0),
        "{bulk:?}: {}{}",
        stdout(&undo),
        stderr(&undo)
    );
    let sorted = |m: BTreeMap<String, Vec<(String, String)>>| {
        m.into_iter()
            .map(|(p, mut ks)| {
                ks.sort();
                (p, ks)
            })
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        sorted(places(&sim)),
        sorted(before),
        "{bulk:?}: rolled back"
    );
    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(
        stdout(&list).contains("No pending"),
        "{bulk:?}: {}",
        stdout(&list)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_rotation_rolls_back_with_undo() {
    kill_and_roll_back(Bulk::Rotate).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_relabel_rolls_back_with_undo() {
    kill_and_roll_back(Bulk::Relabel).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_delete_rolls_back_with_undo() {
    kill_and_roll_back(Bulk::Delete).await;
}

/// The reproduction: SIGKILL after the first POST of a rotation, then recover.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_killed_after_its_first_add_is_finished_by_recover() {
    kill_and_recover(
        Bulk::Rotate,
        "1",
        KillPoint {
            skip: 0,
            landed: true,
        },
    )
    .await;
}

/// No kill at all: one add lands but its answer is lost, and so is the listing that would
/// have found it. The rotation stops on that place with both keys there: it must say so, and
/// recovery must remove the old key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_add_whose_answer_is_lost_is_finished_by_recover() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let sc = Scenario::new(Bulk::Rotate, home.path());
    let before = places(&sim);
    let c = sim.control();
    c.add_fault(
        Fault::prefix("/2.0/", FaultAction::Hang)
            .method("POST")
            .after()
            .once(),
    );
    let mut args = concurrency_args("1");
    args.extend(sc.args());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let child = command(home.path(), &sim, &args).spawn().unwrap();
    assert!(c.wait_hung(1, Duration::from_secs(20)).await);
    // One at a time, in the plan's order: the first repository holding the old key.
    let first = before
        .iter()
        .find(|(p, ks)| !p.starts_with("project") && count(ks, &sc.old) > 0)
        .map(|(p, _)| p.clone())
        .unwrap();
    let path = format!("/2.0/repositories/acme/{first}/deploy-keys");
    // The client gives up on the held answer and lists the keys: that fails too.
    let listing = c.add_fault(
        Fault::new(PathPattern::Exact(path.clone()), FaultAction::html(503)).method("GET"),
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !c
        .log()
        .iter()
        .any(|l| l.method == "GET" && l.path == path && l.status == 503)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no listing after the lost answer"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    c.remove_fault(listing);
    c.release_all();
    let both: Vec<String> = places(&sim)
        .into_iter()
        .filter(|(_, ks)| count(ks, &sc.old) > 0 && count(ks, &sc.new) > 0)
        .map(|(p, _)| p)
        .collect();
    assert!(
        !both.is_empty(),
        "the scenario must leave a place with both keys"
    );
    assert_ne!(
        out.status.code(),
        Some(0),
        "a rotation that leaves both keys on {both:?} must not succeed: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("journal recover"),
        "the run says what finishes it: {}",
        stderr(&out)
    );
    let rec = run(home.path(), &sim, &["journal", "recover", "--yes"]).await;
    assert_eq!(
        rec.status.code(),
        Some(0),
        "{}{}",
        stdout(&rec),
        stderr(&rec)
    );
    sc.assert_finished(&before, &places(&sim), "lost answer");
    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(stdout(&list).contains("No pending"), "{}", stdout(&list));
}

/// A failed place, then the same command again: once it succeeds there, the failed entry is
/// closed and later runs stop warning about it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_that_succeeds_closes_the_failed_entry() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let sc = Scenario::new(Bulk::Relabel, home.path());
    let before = places(&sim);
    let victim = before
        .iter()
        .find(|(p, ks)| !p.starts_with("project") && count(ks, &sc.old) > 0)
        .map(|(p, _)| p.clone())
        .unwrap();
    // Every try of the victim's delete answers 503: its outcome stays unknown.
    sim.control().add_fault(
        Fault::prefix(
            &format!("/2.0/repositories/acme/{victim}/deploy-keys/"),
            FaultAction::html(503),
        )
        .method("DELETE"),
    );
    let mut args = vec!["--concurrency".to_string(), "1".to_string()];
    args.extend(sc.args());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let first = run(home.path(), &sim, &args).await;
    assert_ne!(first.status.code(), Some(0), "{}", stderr(&first));
    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(stdout(&list).contains("PENDING"), "{}", stdout(&list));
    sim.control().clear_faults();
    let again = run(home.path(), &sim, &args).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    sc.assert_finished(&before, &places(&sim), "rerun");
    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(
        stdout(&list).contains("No pending"),
        "the successful rerun must close the failed entry: {}",
        stdout(&list)
    );
    let warn = run(home.path(), &sim, &["workspaces"]).await;
    assert!(
        !stderr(&warn).contains("journal recover"),
        "no more warning: {}",
        stderr(&warn)
    );
}
