//! Files written by the release before the forge-neutral core still load: a format 3 scan
//! cache, and a journal holding a bulk relabel cut off by a crash plus a single relabel cut
//! off between its delete and its re-add. Both fixtures were written by that release's binary
//! against `bbkeys demo-server`, killed part-way.

use bbkeys::journal::Journal;
use bbkeys::ops::keyops::KeyOps;

use crate::common::*;

const CACHE: &str = include_str!("../fixtures/compat/cache-format3-globex.json");
/// The same workspace as written by the release before format 5 (`bbkeys audit globex`
/// against `bbkeys demo-server`).
const CACHE_4: &str = include_str!("../fixtures/compat/cache-format4-globex.json");
const JOURNAL: &str = include_str!("../fixtures/compat/journal-pending-batch.jsonl");
const CI_DEPLOY: &str = "SHA256:WVwdVcjLeHrHKjCq+r0SGHiqW850qEBPr5+1wwMdG6M";

#[test]
fn a_format_3_cache_of_the_previous_release_loads_whole() {
    loads_whole(CACHE);
}

#[test]
fn a_format_4_cache_of_the_previous_release_loads_whole() {
    assert!(CACHE_4.starts_with("{\"format\":4,"));
    loads_whole(CACHE_4);
    // Its first part, which the TUI shows first, has its project keys' texts restored.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scan-globex.json"), CACHE_4).unwrap();
    let bbkeys::store::HeadLoad::Found(head) = bbkeys::store::load_head(dir.path(), "globex")
    else {
        panic!("the fixture's head was not read");
    };
    let keys: Vec<_> = head
        .snapshot
        .project_keys
        .values()
        .filter_map(|l| match l {
            bbkeys::ops::audit::Listing::Keys(k) => Some(k),
            bbkeys::ops::audit::Listing::Failed(_) => None,
        })
        .flatten()
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(
        keys.iter()
            .all(|k| !k.key.starts_with('#') && k.key.contains(" AAAA")),
        "{keys:?}"
    );
}

/// A stored scan of the demo's globex, in any format this version reads.
fn loads_whole(file: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scan-globex.json"), file).unwrap();
    let bbkeys::store::CacheLoad::Found(cached) = bbkeys::store::load(dir.path(), "globex") else {
        panic!("the fixture was not loaded");
    };
    let s = &cached.snapshot;
    assert_eq!(s.workspace, "globex");
    assert_eq!(s.repositories.len(), 20);
    assert_eq!(
        s.project_keys.keys().cloned().collect::<Vec<_>>(),
        ["CORE", "INFRA", "MOB"]
    );
    let inventory = bbkeys::ops::audit::Inventory::build(s);
    let holdings: usize = inventory
        .keys
        .iter()
        .map(|k| k.holdings.len())
        .sum::<usize>()
        + inventory.unparsable.len();
    assert_eq!(holdings, 48 + 3, "every repository and project key is read");
    assert!(
        inventory.unparsable.is_empty(),
        "the key texts behind `#<n>` were restored"
    );
    let nightly = inventory
        .keys
        .iter()
        .find(|k| k.labels.contains("nightly"))
        .expect("android-app's nightly key");
    assert!(nightly.repositories.contains("android-app"));
    assert_eq!(nightly.key_type, "ssh-rsa");
}

fn labels(sim: &bbkeys::demo::Simulator, repo: &str) -> Vec<String> {
    sim.control()
        .keys_of("acme", repo)
        .into_iter()
        .filter(|k| k.fingerprint == CI_DEPLOY)
        .map(|k| k.label)
        .collect()
}

#[test]
fn a_journal_of_the_previous_release_reads_as_read_only_grants_without_expiry() {
    // Written before the journal kept permission and expiry: recovery re-adds read-only keys
    // without expiry, as that release did.
    let folded = bbkeys::journal::fold(JOURNAL);
    assert!(folded.report.skipped_lines.is_empty());
    let records: Vec<_> = folded
        .batches
        .iter()
        .flat_map(|b| b.plan.items.iter().flat_map(|i| i.steps.iter()))
        .chain(folded.entries.iter().map(|e| &e.record))
        .collect();
    assert!(!records.is_empty());
    for r in records {
        assert_eq!((r.permission, r.expiry_days), (None, None), "{r:?}");
        let grant = bbkeys::ops::keyops::Grant::of_record(r);
        assert_eq!(grant, bbkeys::ops::keyops::Grant::default());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_of_the_previous_release_with_a_pending_batch_recovers() {
    let sim = sim().await;
    // The server as the crash left it: the single relabel had deleted its key.
    let gone = sim
        .control()
        .keys_of("acme", "web-frontend")
        .into_iter()
        .find(|k| k.fingerprint == CI_DEPLOY)
        .unwrap();
    sim.control()
        .remove_key("acme", "web-frontend", gone.id)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("journal.jsonl"), JOURNAL).unwrap();
    let journal = Journal::in_dir(dir.path());

    let out = journal.outstanding().unwrap();
    assert!(out.report.skipped_lines.is_empty(), "{:?}", out.report);
    assert_eq!(out.batches.len(), 1);
    assert_eq!(out.batches[0].unsettled().len(), 17);
    assert_eq!(
        out.batches[0].staged_at(),
        None,
        "a plan without staged_at is an ordinary bulk change"
    );
    assert!(out.staged.is_empty());
    let single: Vec<&str> = out.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(single, ["20261207-005730-baf578"]);
    assert!(out.entries[0].deleted && out.entries[0].added_id.is_none());

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
        labels(&sim, "api"),
        ["fixture-ci"],
        "an unsettled place is finished"
    );
    assert_eq!(
        labels(&sim, "admin-dashboard"),
        ["ci-deploy"],
        "a place the batch had settled is not touched again"
    );
    assert_eq!(
        labels(&sim, "web-frontend").len(),
        1,
        "the deleted key is back, once: {:?}",
        labels(&sim, "web-frontend")
    );
}
