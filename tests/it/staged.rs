//! Staged rotation through the CLI on the Cloud simulator: `keys rotate --stage` adds the new
//! key everywhere and keeps the old one; `journal advance` removes the old key where the new
//! one was used since; `journal finish` removes it everywhere; `journal undo` keeps the old key.
//! And a kill at any write, of either step, loses no key.

use std::collections::BTreeMap;
use std::time::Duration;

use bbkeys::demo::{FRESH_KEY_LINES, Fault, FaultAction, Home, Simulator, key_line};
use bbkeys::sshkey::PublicKey;

use crate::bulk_crash::{command, places, run};
use crate::common::*;

/// The demo key spread over several repositories of acme.
const OLD_LINE: usize = 2;

type Places = BTreeMap<String, Vec<(String, String)>>;

fn fp_of_line(n: usize) -> String {
    PublicKey::from_server(key_line(n).unwrap())
        .unwrap()
        .fingerprint()
        .to_string()
}

struct Rotation {
    old: String,
    new: String,
    args: Vec<String>,
}

impl Rotation {
    fn new(home: &std::path::Path) -> Rotation {
        let file = home.join("new.pub");
        std::fs::write(&file, key_line(FRESH_KEY_LINES[5]).unwrap()).unwrap();
        let old = fp_of_line(OLD_LINE);
        let args = [
            "keys",
            "rotate",
            "--from",
            &old,
            "--to",
            file.to_str().unwrap(),
            "--workspace",
            "acme",
            "--stage",
            "--yes",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        Rotation {
            old,
            new: fp_of_line(FRESH_KEY_LINES[5]),
            args,
        }
    }

    fn args(&self) -> Vec<&str> {
        self.args.iter().map(String::as_str).collect()
    }

    /// The places that held the old key before.
    fn holders<'a>(&self, before: &'a Places) -> Vec<&'a String> {
        before
            .iter()
            .filter(|(_, ks)| count(ks, &self.old) > 0)
            .map(|(p, _)| p)
            .collect()
    }

    /// Every place that held the old key holds `(old, new)` copies; the others are unchanged.
    fn assert_places(&self, before: &Places, now: &Places, old: usize, new: usize, at: &str) {
        for (place, was) in before {
            let is = &now[place];
            if count(was, &self.old) == 0 {
                assert_eq!(
                    was, is,
                    "{at}: {place} did not hold the key and must not change"
                );
                continue;
            }
            assert_eq!(
                count(is, &self.old),
                old,
                "{at}: old key on {place}: {is:?}"
            );
            assert_eq!(
                count(is, &self.new),
                new,
                "{at}: new key on {place}: {is:?}"
            );
        }
    }
}

fn count(keys: &[(String, String)], fp: &str) -> usize {
    keys.iter().filter(|(f, _)| f == fp).count()
}

/// Marks the new key used at `at` on the places whose name `pick` accepts.
fn use_new_key(sim: &Simulator, fp: &str, at: &str, pick: impl Fn(&str) -> bool) -> usize {
    let c = sim.control();
    let dump = c.dump();
    let w = dump.workspace("acme").unwrap();
    let mut n = 0;
    for r in &w.repositories {
        for k in r.keys.iter().filter(|k| k.fingerprint == fp) {
            if pick(&r.slug) {
                c.set_last_used_at(Home::Repo("acme", &r.slug), k.id, Some(at))
                    .unwrap();
                n += 1;
            }
        }
    }
    for p in &w.projects {
        for k in p.keys.iter().filter(|k| k.fingerprint == fp) {
            if pick(&format!("project {}", p.key)) {
                c.set_last_used_at(Home::Project("acme", &p.key), k.id, Some(at))
                    .unwrap();
                n += 1;
            }
        }
    }
    n
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn later() -> String {
    rfc3339(time::OffsetDateTime::now_utc() + time::Duration::minutes(5))
}

/// The id of the one staged rotation.
async fn staged_id(home: &std::path::Path, sim: &Simulator) -> String {
    let json = run(home, sim, &["--json", "journal", "list"]).await;
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let staged: Vec<&serde_json::Value> = listed
        .iter()
        .filter(|v| v["kind"] == "batch" && v["plan"]["staged_at"].is_string())
        .collect();
    assert_eq!(staged.len(), 1, "{listed:?}");
    staged[0]["id"].as_str().unwrap().to_string()
}

fn ok(out: &std::process::Output, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: {}{}",
        stdout(out),
        stderr(out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staged_rotation_waits_for_use_place_by_place_and_finishes_on_demand() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let rot = Rotation::new(home.path());
    let before = places(&sim);
    let holders = rot.holders(&before);
    assert!(holders.len() >= 3, "the demo key must be on several places");

    let out = run(home.path(), &sim, &rot.args()).await;
    ok(&out, "stage");
    assert!(stdout(&out).contains("Staged as"), "{}", stdout(&out));
    rot.assert_places(&before, &places(&sim), 1, 1, "staged");

    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(stdout(&list).contains("WAITING"), "{}", stdout(&list));
    assert!(
        stdout(&list).contains(&format!(
            "{} of {} place(s) wait",
            holders.len(),
            holders.len()
        )),
        "{}",
        stdout(&list)
    );

    // Recovering everything leaves a staged rotation alone.
    let rec = run(home.path(), &sim, &["journal", "recover", "--yes"]).await;
    ok(&rec, "recover");
    assert!(stderr(&rec).contains("left as it is"), "{}", stderr(&rec));
    rot.assert_places(&before, &places(&sim), 1, 1, "after recover");

    let adv = run(home.path(), &sim, &["journal", "advance"]).await;
    ok(&adv, "advance with nothing used");
    assert!(stdout(&adv).contains("still wait"), "{}", stdout(&adv));
    rot.assert_places(&before, &places(&sim), 1, 1, "nothing used");

    // The new key used on one repository since staging, and on another only before it.
    let first = holders
        .iter()
        .find(|p| !p.starts_with("project "))
        .unwrap()
        .to_string();
    let second = holders
        .iter()
        .find(|p| !p.starts_with("project ") && ***p != first)
        .unwrap()
        .to_string();
    assert_eq!(use_new_key(&sim, &rot.new, &later(), |p| p == first), 1);
    let earlier = rfc3339(time::OffsetDateTime::now_utc() - time::Duration::days(2));
    assert_eq!(use_new_key(&sim, &rot.new, &earlier, |p| p == second), 1);
    let adv = run(home.path(), &sim, &["journal", "advance"]).await;
    ok(&adv, "advance");
    let now = places(&sim);
    assert_eq!(count(&now[&first], &rot.old), 0, "{:?}", now[&first]);
    assert_eq!(count(&now[&first], &rot.new), 1);
    assert_eq!(
        count(&now[&second], &rot.old),
        1,
        "a use before staging does not count"
    );
    let id = staged_id(home.path(), &sim).await;
    let show = run(home.path(), &sim, &["journal", "show", &id]).await;
    assert!(
        stdout(&show).contains("waiting for the new key's first use"),
        "{}",
        stdout(&show)
    );

    let fin = run(home.path(), &sim, &["journal", "finish", &id, "--yes"]).await;
    ok(&fin, "finish");
    rot.assert_places(&before, &places(&sim), 0, 1, "finished");
    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(stdout(&list).contains("No pending"), "{}", stdout(&list));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advance_finishes_the_rotation_once_the_new_key_was_used_everywhere() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let rot = Rotation::new(home.path());
    // A project holds the key too: its new key's use is read from the project's key list.
    let dump = sim.control().dump();
    let project = dump.workspace("acme").unwrap().projects[0].key.clone();
    sim.control()
        .add_key_to(
            Home::Project("acme", &project),
            key_line(OLD_LINE).unwrap(),
            "ci",
        )
        .unwrap();
    let before = places(&sim);
    assert!(
        rot.holders(&before)
            .contains(&&format!("project {project}"))
    );
    ok(&run(home.path(), &sim, &rot.args()).await, "stage");
    let marked = use_new_key(&sim, &rot.new, &later(), |_| true);
    assert_eq!(marked, rot.holders(&before).len(), "projects included");
    let adv = run(home.path(), &sim, &["--json", "journal", "advance"]).await;
    ok(&adv, "advance");
    let report: Vec<serde_json::Value> = serde_json::from_slice(&adv.stdout).unwrap();
    assert_eq!(report.len(), 1, "{report:?}");
    assert_eq!(report[0]["finished"], true, "{report:?}");
    assert_eq!(
        report[0]["done"].as_array().unwrap().len(),
        rot.holders(&before).len(),
        "{report:?}"
    );
    assert!(report[0]["waiting"].as_array().unwrap().is_empty());
    rot.assert_places(&before, &places(&sim), 0, 1, "advanced");
    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(stdout(&list).contains("No pending"), "{}", stdout(&list));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undoing_a_staged_rotation_removes_the_new_key_and_keeps_the_old() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let rot = Rotation::new(home.path());
    let before = places(&sim);
    ok(&run(home.path(), &sim, &rot.args()).await, "stage");
    let id = staged_id(home.path(), &sim).await;
    let undo = run(home.path(), &sim, &["journal", "undo", &id, "--yes"]).await;
    ok(&undo, "undo");
    rot.assert_places(&before, &places(&sim), 1, 0, "undone");
    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(stdout(&list).contains("No pending"), "{}", stdout(&list));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advance_names_only_staged_rotations() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let adv = run(home.path(), &sim, &["journal", "advance"]).await;
    ok(&adv, "advance with an empty journal");
    assert!(
        stdout(&adv).contains("No staged rotation"),
        "{}",
        stdout(&adv)
    );
    let adv = run(home.path(), &sim, &["--json", "journal", "advance"]).await;
    ok(&adv, "advance --json with an empty journal");
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&adv.stdout).unwrap();
    assert!(listed.is_empty());
    let file = home.path().join("k.pub");
    std::fs::write(&file, key_line(FRESH_KEY_LINES[4]).unwrap()).unwrap();
    let add = run(
        home.path(),
        &sim,
        &[
            "keys",
            "add",
            "acme/api",
            "--key",
            file.to_str().unwrap(),
            "--label",
            "x",
        ],
    )
    .await;
    ok(&add, "add");
    let json = run(home.path(), &sim, &["--json", "journal", "list", "--all"]).await;
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let id = listed[0]["id"].as_str().unwrap();
    let adv = run(home.path(), &sim, &["journal", "advance", id]).await;
    assert_eq!(adv.status.code(), Some(2), "{}", stderr(&adv));
    assert!(
        stderr(&adv).contains("not a staged rotation"),
        "{}",
        stderr(&adv)
    );
}

/// Kills bbkeys at the write after `skip` writes (before it arrives, or after it landed) while
/// it runs `args`, then checks that no place lost a key.
async fn kill_at(
    sim: &Simulator,
    home: &std::path::Path,
    args: &[&str],
    skip: u64,
    landed: bool,
    label: &str,
) {
    let c = sim.control();
    let mut fault = Fault::prefix("/2.0/", FaultAction::Hang)
        .method("POST|DELETE|PUT")
        .skip(skip)
        .once();
    if landed {
        fault = fault.after();
    }
    c.add_fault(fault);
    let mut child = command(home, sim, args).spawn().unwrap();
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
}

/// Each place that held the old key still holds the old or the new key.
fn assert_no_key_lost(rot: &Rotation, before: &Places, now: &Places, at: &str) {
    for place in rot.holders(before) {
        let is = &now[place];
        assert!(
            count(is, &rot.old) + count(is, &rot.new) >= 1,
            "{at}: {place} lost its key: {is:?}"
        );
        assert!(count(is, &rot.new) <= 1, "{at}: {place} doubled: {is:?}");
    }
}

async fn writes(args: &[&str], prepare: bool) -> u64 {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let rot = Rotation::new(home.path());
    if prepare {
        ok(&run(home.path(), &sim, &rot.args()).await, "stage");
        use_new_key(&sim, &rot.new, &later(), |_| true);
    }
    let n0 = sim
        .control()
        .log()
        .iter()
        .filter(|l| l.method != "GET")
        .count();
    let args: Vec<&str> = if args.is_empty() {
        rot.args()
    } else {
        args.to_vec()
    };
    ok(&run(home.path(), &sim, &args).await, "uninterrupted");
    (sim.control()
        .log()
        .iter()
        .filter(|l| l.method != "GET")
        .count()
        - n0) as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staging_killed_at_every_write_loses_no_key_and_advance_completes_it() {
    let total = writes(&[], false).await;
    assert!(total >= 3, "{total}");
    for skip in 0..total {
        for landed in [false, true] {
            let sim = sim().await;
            let home = tempfile::tempdir().unwrap();
            let rot = Rotation::new(home.path());
            let before = places(&sim);
            let label = format!("staging killed at write {skip}, landed {landed}");
            kill_at(&sim, home.path(), &rot.args(), skip, landed, &label).await;
            assert_no_key_lost(&rot, &before, &places(&sim), &label);
            let now = places(&sim);
            for place in rot.holders(&before) {
                assert_eq!(
                    count(&now[place], &rot.old),
                    1,
                    "{label}: staging removes nothing"
                );
            }

            let adv = run(home.path(), &sim, &["journal", "advance"]).await;
            ok(&adv, &label);
            rot.assert_places(&before, &places(&sim), 1, 1, &format!("{label}, advanced"));
            use_new_key(&sim, &rot.new, &later(), |_| true);
            ok(
                &run(home.path(), &sim, &["journal", "advance"]).await,
                &label,
            );
            rot.assert_places(&before, &places(&sim), 0, 1, &format!("{label}, used"));
            let list = run(home.path(), &sim, &["journal", "list"]).await;
            assert!(
                stdout(&list).contains("No pending"),
                "{label}: {}",
                stdout(&list)
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advance_killed_at_every_write_loses_no_key_and_a_rerun_finishes() {
    let total = writes(&["journal", "advance"], true).await;
    assert!(total >= 3, "{total}");
    for skip in 0..total {
        for landed in [false, true] {
            let sim = sim().await;
            let home = tempfile::tempdir().unwrap();
            let rot = Rotation::new(home.path());
            let before = places(&sim);
            ok(&run(home.path(), &sim, &rot.args()).await, "stage");
            use_new_key(&sim, &rot.new, &later(), |_| true);
            let label = format!("advance killed at write {skip}, landed {landed}");
            kill_at(
                &sim,
                home.path(),
                &["journal", "advance"],
                skip,
                landed,
                &label,
            )
            .await;
            assert_no_key_lost(&rot, &before, &places(&sim), &label);
            let now = places(&sim);
            for place in rot.holders(&before) {
                assert_eq!(count(&now[place], &rot.new), 1, "{label}: {place}");
            }
            ok(
                &run(home.path(), &sim, &["journal", "advance"]).await,
                &label,
            );
            rot.assert_places(&before, &places(&sim), 0, 1, &format!("{label}, rerun"));
            let list = run(home.path(), &sim, &["journal", "list"]).await;
            assert!(
                stdout(&list).contains("No pending"),
                "{label}: {}",
                stdout(&list)
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_repository_can_be_staged_with_repo() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let rot = Rotation::new(home.path());
    let before = places(&sim);
    let one = rot.holders(&before)[0].clone();
    let mut args = rot.args();
    args.extend(["--repo", one.as_str()]);
    ok(&run(home.path(), &sim, &args).await, "stage one");
    let now = places(&sim);
    for (place, was) in &before {
        if *place == one {
            assert_eq!(count(&now[place], &rot.old), 1, "{:?}", now[place]);
            assert_eq!(count(&now[place], &rot.new), 1, "{:?}", now[place]);
        } else {
            assert_eq!(&now[place], was, "{place} was not named");
        }
    }
    let json = run(home.path(), &sim, &["--json", "journal", "list"]).await;
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let batch = listed.iter().find(|v| v["kind"] == "batch").unwrap();
    assert_eq!(
        batch["waiting"],
        serde_json::json!([format!("acme/{one}")]),
        "{batch}"
    );
}
