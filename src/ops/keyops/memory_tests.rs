//! The single-key operations and a bulk change on the in-memory forge: the seam works without
//! HTTP, and each run takes microseconds. The simulator-backed tests in `tests/it` stay the
//! reference for Bitbucket's wire behaviour.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use super::*;
use crate::forge::memory::{Call, MemoryForge};
use crate::forge::{Caps, ForgeKind};
use crate::ops::bulk::{BulkRequest, ItemStatus, NewKey, apply, snapshot};

const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua ci-1@demo.example";
const OTHER: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEGvsv8A3jdgaivNMZ92HtN/7jPPOkHrkk6ak71dmKGp deploy-2@demo.example";

fn forge(in_place_label: bool) -> MemoryForge {
    MemoryForge::new(
        ForgeKind::Cloud,
        Caps {
            in_place_label,
            project_keys: true,
            ..Caps::default()
        },
    )
    .with_repo("acme", "api", Some("API"))
    .with_repo("acme", "web", Some("API"))
}

fn api() -> Place {
    Place::cloud_repo("acme", "api")
}

fn key(text: &str) -> PublicKey {
    PublicKey::parse(text).unwrap()
}

fn ops<'a>(forge: &'a MemoryForge, journal: &'a Journal) -> KeyOps<'a> {
    KeyOps {
        forge,
        journal,
        stop: None,
    }
}

fn pending(journal: &Journal) -> usize {
    let out = journal.outstanding().unwrap();
    out.entries.len() + out.batches.len()
}

#[tokio::test]
async fn an_add_is_journaled_and_a_second_add_finds_the_key_present() {
    let (forge, dir) = (forge(false), tempfile::tempdir().unwrap());
    let journal = Journal::in_dir(dir.path());
    let ops = ops(&forge, &journal);

    let AddOutcome::Added(added) = ops.add(&api(), &key(KEY), "ci", None).await.unwrap() else {
        panic!("not added");
    };
    assert_eq!(added.label, "ci");
    assert_eq!(added.comment.as_deref(), Some("ci-1@demo.example"));
    let again = ops.add(&api(), &key(KEY), "ci", None).await.unwrap();
    assert!(matches!(again, AddOutcome::AlreadyPresent(k) if k.id == added.id));
    assert_eq!(forge.grants(&api()).len(), 1);
    let (entries, _) = journal.read().unwrap();
    assert_eq!(entries.len(), 2, "both adds were journaled");
    assert_eq!(pending(&journal), 0);
}

#[tokio::test]
async fn a_delete_is_journaled_and_done() {
    let (forge, dir) = (forge(false), tempfile::tempdir().unwrap());
    let journal = Journal::in_dir(dir.path());
    let ops = ops(&forge, &journal);
    let AddOutcome::Added(k) = ops.add(&api(), &key(KEY), "ci", None).await.unwrap() else {
        panic!("not added");
    };
    ops.delete(&api(), &k, None).await.unwrap();
    assert!(forge.grants(&api()).is_empty());
    let (entries, _) = journal.read().unwrap();
    let last = entries.last().unwrap();
    assert_eq!(last.record.intent, Intent::Delete);
    assert_eq!(last.record.old_label.as_deref(), Some("ci"));
    assert!(last.finished && last.deleted);
}

#[tokio::test]
async fn a_relabel_replaces_the_key_or_edits_it_in_place_where_the_forge_can() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());

    let replacing = forge(false);
    let ops1 = ops(&replacing, &journal);
    let AddOutcome::Added(k) = ops1.add(&api(), &key(KEY), "ci", None).await.unwrap() else {
        panic!("not added");
    };
    let out = ops1
        .relabel(&api(), &k, "build", EditStrategy::InPlace, None)
        .await
        .unwrap();
    let RelabelOutcome::Replaced(new) = out else {
        panic!("{out:?}: a forge without in-place edits deletes and re-adds");
    };
    assert_ne!(new.id, k.id);
    assert_eq!(new.label, "build");
    assert_eq!(
        new.comment.as_deref(),
        Some("ci-1@demo.example"),
        "the comment survives"
    );
    assert_eq!(pending(&journal), 0);

    let editing = forge(true);
    let ops2 = ops(&editing, &journal);
    let AddOutcome::Added(k) = ops2.add(&api(), &key(KEY), "ci", None).await.unwrap() else {
        panic!("not added");
    };
    let before = journal.read().unwrap().0.len();
    let out = ops2
        .relabel(&api(), &k, "build", EditStrategy::InPlace, None)
        .await
        .unwrap();
    assert!(matches!(&out, RelabelOutcome::InPlace(n) if n.id == k.id && n.label == "build"));
    assert_eq!(
        journal.read().unwrap().0.len(),
        before,
        "an in-place edit needs no entry"
    );
    let same = ops2
        .relabel(
            &api(),
            &editing.grants(&api())[0],
            "build",
            EditStrategy::InPlace,
            None,
        )
        .await
        .unwrap();
    assert!(matches!(same, RelabelOutcome::Unchanged(_)));
}

#[tokio::test]
async fn a_refused_re_add_leaves_the_relabel_pending_and_recovery_finishes_it() {
    let (forge, dir) = (forge(false), tempfile::tempdir().unwrap());
    let journal = Journal::in_dir(dir.path());
    let ops = ops(&forge, &journal);
    let AddOutcome::Added(k) = ops.add(&api(), &key(KEY), "ci", None).await.unwrap() else {
        panic!("not added");
    };
    forge.fail_next(
        Call::Add,
        ForgeError::new(ForgeErrorKind::InvalidInput, "refused for the test.").with_status(400),
    );
    let err = ops
        .relabel(&api(), &k, "build", EditStrategy::Replace, None)
        .await
        .unwrap_err();
    let OpError::Pending { entry, cause, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        cause.as_ref().map(|c| &c.kind),
        Some(&ForgeErrorKind::InvalidInput)
    );
    assert!(forge.grants(&api()).is_empty(), "deleted, not re-added");
    assert_eq!(pending(&journal), 1);

    let found = journal.resolve(entry).unwrap();
    ops.recover_found(&found).await.unwrap();
    let grants = forge.grants(&api());
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].label, "build");
    assert_eq!(pending(&journal), 0);
}

#[tokio::test]
async fn a_lost_answer_to_an_add_is_pending_not_refused() {
    let (forge, dir) = (forge(false), tempfile::tempdir().unwrap());
    let journal = Journal::in_dir(dir.path());
    forge.fail_next(
        Call::Add,
        ForgeError::new(ForgeErrorKind::Network, "no answer."),
    );
    let err = ops(&forge, &journal)
        .add(&api(), &key(KEY), "ci", None)
        .await
        .unwrap_err();
    assert!(matches!(err, OpError::Pending { .. }), "{err:?}");
    assert_eq!(pending(&journal), 1);
}

#[tokio::test]
async fn a_bulk_rotation_is_planned_from_a_snapshot_and_applied_as_one_batch() {
    let (forge, dir) = (forge(false), tempfile::tempdir().unwrap());
    let journal = Journal::in_dir(dir.path());
    let ops = ops(&forge, &journal);
    let web = Place::cloud_repo("acme", "web");
    for place in [api(), web.clone()] {
        ops.add(&place, &key(KEY), "ci", None).await.unwrap();
    }
    let places = vec![api(), web.clone(), Place::cloud_repo("acme", "gone")];
    let (snap, unreadable) = snapshot(&forge, &places).await;
    assert_eq!(snap.len(), 2);
    assert_eq!(unreadable.len(), 1);
    assert_eq!(unreadable[0].1.kind, ForgeErrorKind::NotFound);

    let old = key(KEY).fingerprint();
    let request = BulkRequest::Rotate {
        from: old.clone(),
        to: NewKey::from(&key(OTHER)),
        label: None,
        scopes: vec![api(), web.clone()],
    };
    let plan = request.plan(&snap, &BTreeMap::new());
    assert_eq!(plan.changes.len(), 2, "{plan:?}");
    let results = apply(&ops, &plan, 2, &AtomicBool::new(false), &|_, _| {}).await;
    assert!(
        results.iter().all(|r| r.status == ItemStatus::Done),
        "{results:?}"
    );
    for place in [api(), web] {
        let fps: Vec<String> = forge
            .grants(&place)
            .iter()
            .filter_map(|k| fingerprint_of(k).map(|f| f.to_string()))
            .collect();
        assert_eq!(fps, [key(OTHER).fingerprint().to_string()], "{place}");
        assert_eq!(
            forge.grants(&place)[0].label,
            "ci",
            "the label carries over"
        );
    }
    assert_eq!(pending(&journal), 0, "the batch is closed");
}

#[tokio::test]
async fn a_key_deleted_everywhere_journals_each_place_and_leaves_nothing_pending() {
    let (forge, dir) = (forge(false), tempfile::tempdir().unwrap());
    let journal = Journal::in_dir(dir.path());
    let ops = ops(&forge, &journal);
    let web = Place::cloud_repo("acme", "web");
    let AddOutcome::Added(k) = ops.add(&api(), &key(KEY), "ci", None).await.unwrap() else {
        panic!("not added");
    };
    let AddOutcome::Added(on_web) = ops.add(&web, &key(KEY), "ci", None).await.unwrap() else {
        panic!("not added");
    };
    // The in-memory forge gives each grant its own id; the call names one, as Data Center's
    // single key entity would, so only the grant with that id goes at each place.
    let results = ops.delete_everywhere(&[api(), web.clone()], &k, None).await;
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert!(forge.keys(&api()).await.unwrap().is_empty());
    assert_eq!(
        forge.keys(&web).await.unwrap(),
        vec![on_web],
        "another id is another key"
    );
    assert_eq!(pending(&journal), 0);
    let deletes = journal
        .read()
        .unwrap()
        .0
        .iter()
        .filter(|e| e.record.intent == crate::journal::Intent::Delete)
        .count();
    assert_eq!(deletes, 2, "one journal entry per place");
}
