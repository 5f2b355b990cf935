//! Journals written before bulk changes had journaled plans still load and recover, and ids
//! are found by any unique prefix or suffix.

use bbkeys::journal::Journal;
use bbkeys::ops::keyops::KeyOps;

use crate::common::*;

const FIXTURE: &str = include_str!("../fixtures/journal-before-batches.jsonl");

fn labels_of(sim: &bbkeys::demo::Simulator, fp: &str) -> Vec<String> {
    sim.control()
        .keys_of("acme", "api")
        .into_iter()
        .filter(|k| k.fingerprint == fp)
        .map(|k| k.label)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_written_before_batches_loads_and_recovers() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("journal.jsonl"), FIXTURE).unwrap();
    let journal = Journal::in_dir(dir.path());

    let out = journal.outstanding().unwrap();
    assert!(out.report.skipped_lines.is_empty(), "{:?}", out.report);
    assert!(out.batches.is_empty());
    let ids: Vec<&str> = out.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "20261130-101500-a1b2c3",
            "20261130-101600-d4e5f6",
            "20261130-101700-0789ab"
        ]
    );
    assert!(out.entries[0].deleted && out.entries[0].added_id.is_none());
    assert_eq!(
        out.entries[1].record.batch.as_deref(),
        Some("2026-11-30T10:16:00Z"),
        "a bulk entry of the old format keeps its batch"
    );
    assert_eq!(
        out.entries[2].record.batch, None,
        "a missing batch field reads as none"
    );
    assert_eq!(
        journal.resolve("d4e5f6").unwrap().id(),
        "20261130-101600-d4e5f6"
    );

    let client = client(&sim);
    let ops = KeyOps {
        forge: &client,
        journal: &journal,
        stop: None,
    };
    for f in out.all() {
        ops.recover_found(&f).await.unwrap();
    }
    assert!(journal.outstanding().unwrap().is_empty());
    assert_eq!(
        labels_of(&sim, "SHA256:XayIB0tdkcVscII02txUndLoj3RnrCLtJSbhj2dnbWI"),
        ["fixture-relabelled"],
        "the key deleted but not re-added is back, once"
    );
    assert_eq!(
        labels_of(&sim, "SHA256:wXL8QjHGzH4PEezUUIv8DHhz2GHBMzkoz70RcumCACU"),
        ["fixture-added"]
    );
    assert!(labels_of(&sim, "SHA256:NU6y3JN97EmEU3a/bnc8W7lxXk3QIsngTAn0LJ1UTqI").is_empty());
}

/// `journal show`, `journal recover <id>` and `journal undo` take a unique prefix or suffix;
/// an ambiguous one is refused with its candidates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journal_commands_take_a_prefix_or_suffix_and_list_candidates_when_ambiguous() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let env = env_ref(&env);
    // Put the fixture where bbkeys keeps this account's journal: find the directory by
    // letting bbkeys write its own journal first.
    let fp = sim.control().keys_of("acme", "api")[0].fingerprint.clone();
    let out = bbkeys(
        home.path(),
        &env,
        &["keys", "relabel", "acme/api", &fp, "probe", "--yes"],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = find_file(home.path(), "journal.jsonl").unwrap();
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(FIXTURE);
    std::fs::write(&path, text).unwrap();

    let show = bbkeys(home.path(), &env, &["journal", "show", "a1b2c3"], "").await;
    assert_eq!(show.status.code(), Some(0), "{}", stderr(&show));
    assert!(
        stdout(&show).contains("20261130-101500-a1b2c3") && stdout(&show).contains("PENDING"),
        "{}",
        stdout(&show)
    );

    let ambiguous = bbkeys(
        home.path(),
        &env,
        &["journal", "undo", "20261130-10", "--yes"],
        "",
    )
    .await;
    assert_eq!(ambiguous.status.code(), Some(2), "{}", stderr(&ambiguous));
    let err = stderr(&ambiguous);
    assert!(err.contains("more than one"), "{err}");
    for id in [
        "20261130-101500-a1b2c3",
        "20261130-101600-d4e5f6",
        "20261130-101700-0789ab",
        "20261130-101800-cdef01",
    ] {
        assert!(err.contains(id), "{id} missing from {err}");
    }

    let one = bbkeys(
        home.path(),
        &env,
        &["journal", "recover", "20261130-1016", "--yes"],
        "",
    )
    .await;
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    assert!(
        stdout(&one).contains("20261130-101600-d4e5f6"),
        "{}",
        stdout(&one)
    );
    let list = bbkeys(home.path(), &env, &["journal", "list"], "").await;
    assert!(
        !stdout(&list).contains("d4e5f6") && stdout(&list).contains("a1b2c3"),
        "only the named entry was recovered: {}",
        stdout(&list)
    );
}

fn find_file(dir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p.is_dir() {
            if let Some(f) = find_file(&p, name) {
                return Some(f);
            }
        } else if p.file_name().is_some_and(|f| f == name) {
            return Some(p);
        }
    }
    None
}
