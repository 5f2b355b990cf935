//! Staged rotation on the in-memory forge: step one adds the new key everywhere, step two
//! removes the old key place by place once the new one is used there, or all at once when the
//! user finishes it; undo keeps the old key.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use time::format_description::well_known::Rfc3339;

use super::*;
use crate::forge::memory::{Call, MemoryForge};
use crate::forge::{Caps, ForgeKind};
use crate::journal::{Batch, Found};
use crate::ops::bulk::{BulkRequest, ItemStatus, NewKey, Plan, snapshot, stage};

const OLD: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua ci-1@demo.example";
const NEW: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEGvsv8A3jdgaivNMZ92HtN/7jPPOkHrkk6ak71dmKGp deploy-2@demo.example";

fn api() -> Place {
    Place::cloud_repo("acme", "api")
}

fn web() -> Place {
    Place::cloud_repo("acme", "web")
}

fn key(text: &str) -> PublicKey {
    PublicKey::parse(text).unwrap()
}

/// api and web each hold the old key.
async fn setup(dir: &std::path::Path) -> (MemoryForge, Journal) {
    let forge = MemoryForge::new(
        ForgeKind::Cloud,
        Caps {
            project_keys: true,
            ..Caps::default()
        },
    )
    .with_repo("acme", "api", Some("API"))
    .with_repo("acme", "web", Some("API"));
    let journal = Journal::in_dir(dir);
    {
        let ops = KeyOps {
            forge: &forge,
            journal: &journal,
            stop: None,
        };
        for place in [api(), web()] {
            ops.add(&place, &key(OLD), "ci", None).await.unwrap();
        }
    }
    (forge, journal)
}

async fn plan(forge: &MemoryForge) -> Plan {
    let (snap, _) = snapshot(forge, &[api(), web()]).await;
    BulkRequest::Rotate {
        from: key(OLD).fingerprint(),
        to: NewKey::from(&key(NEW)),
        label: None,
        scopes: vec![api(), web()],
    }
    .plan(&snap, &BTreeMap::new())
}

/// The fingerprints at `place`, old first.
fn held(forge: &MemoryForge, place: &Place) -> Vec<&'static str> {
    let old = key(OLD).fingerprint().to_string();
    let new = key(NEW).fingerprint().to_string();
    let fps: Vec<String> = forge
        .grants(place)
        .iter()
        .filter_map(|k| fingerprint_of(k).map(|f| f.to_string()))
        .collect();
    let mut out = Vec::new();
    for f in &fps {
        if *f == old {
            out.push("old");
        } else if *f == new {
            out.push("new");
        } else {
            out.push("other");
        }
    }
    out.sort();
    out
}

fn batch(journal: &Journal, id: &str) -> Batch {
    match journal.resolve(id).unwrap() {
        Found::Batch(b) => b,
        Found::Entry(e) => panic!("not a batch: {e:?}"),
    }
}

/// Marks the new key used at `place` at `at`.
fn use_new_key(forge: &MemoryForge, place: &Place, at: time::OffsetDateTime) {
    let new = key(NEW).fingerprint().to_string();
    let id = forge
        .grants(place)
        .iter()
        .find(|k| fingerprint_of(k).is_some_and(|f| f.to_string() == new))
        .unwrap()
        .id;
    assert!(forge.mark_used(place, id, &at.format(&Rfc3339).unwrap()));
}

async fn staged(forge: &MemoryForge, journal: &Journal) -> String {
    let ops = KeyOps {
        forge,
        journal,
        stop: None,
    };
    let plan = plan(forge).await;
    let staged = stage(&ops, &plan, 2, &AtomicBool::new(false), &|_, _| {})
        .await
        .unwrap();
    assert!(
        staged.results.iter().all(|r| r.status == ItemStatus::Done),
        "{:?}",
        staged.results
    );
    staged.batch.unwrap()
}

#[tokio::test]
async fn step_one_adds_the_new_key_everywhere_and_keeps_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let (forge, journal) = setup(dir.path()).await;
    let id = staged(&forge, &journal).await;
    for place in [api(), web()] {
        assert_eq!(held(&forge, &place), ["new", "old"], "{place}");
    }
    let out = journal.outstanding().unwrap();
    assert!(
        out.is_empty(),
        "a staged rotation is not unfinished work for `recover`: {out:?}"
    );
    assert_eq!(out.staged.len(), 1);
    let b = batch(&journal, &id);
    assert!(b.pending());
    assert_eq!(b.waiting(), [api(), web()]);
    let said = b.describe();
    assert!(
        said.contains("staged rotation") && said.contains("2 of 2 place(s) wait"),
        "{said}"
    );
    assert!(
        said.contains("acme/api") && said.contains("acme/web"),
        "{said}"
    );
}

#[tokio::test]
async fn step_two_removes_the_old_key_only_where_the_new_one_was_used_since_staging() {
    let dir = tempfile::tempdir().unwrap();
    let (forge, journal) = setup(dir.path()).await;
    let id = staged(&forge, &journal).await;
    let ops = KeyOps {
        forge: &forge,
        journal: &journal,
        stop: None,
    };
    let waited = ops.advance_batch(&batch(&journal, &id)).await.unwrap();
    assert_eq!(waited.waiting, [api(), web()], "nothing used yet");
    assert!(waited.done.is_empty() && !waited.closed);

    let now = time::OffsetDateTime::now_utc();
    use_new_key(&forge, &api(), now + time::Duration::minutes(1));
    // A use before the staging time says nothing about the rotation.
    use_new_key(&forge, &web(), now - time::Duration::days(1));
    let step = ops.advance_batch(&batch(&journal, &id)).await.unwrap();
    assert_eq!(step.done.len(), 1, "{step:?}");
    assert_eq!(step.waiting, [web()]);
    assert_eq!(held(&forge, &api()), ["new"]);
    assert_eq!(held(&forge, &web()), ["new", "old"]);
    assert_eq!(batch(&journal, &id).waiting(), [web()]);

    use_new_key(&forge, &web(), now + time::Duration::minutes(2));
    let last = ops.advance_batch(&batch(&journal, &id)).await.unwrap();
    assert!(last.closed && last.waiting.is_empty(), "{last:?}");
    assert_eq!(held(&forge, &web()), ["new"]);
    let out = journal.outstanding().unwrap();
    assert!(out.is_empty() && out.staged.is_empty(), "{out:?}");
    assert!(!batch(&journal, &id).pending());
}

#[tokio::test]
async fn finishing_removes_the_old_key_everywhere_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let (forge, journal) = setup(dir.path()).await;
    let id = staged(&forge, &journal).await;
    let ops = KeyOps {
        forge: &forge,
        journal: &journal,
        stop: None,
    };
    ops.settle_batch(&batch(&journal, &id), Direction::Finish)
        .await
        .unwrap();
    for place in [api(), web()] {
        assert_eq!(held(&forge, &place), ["new"], "{place}");
    }
    assert!(!batch(&journal, &id).pending());
    assert!(journal.outstanding().unwrap().staged.is_empty());
}

#[tokio::test]
async fn undo_removes_the_new_keys_and_keeps_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let (forge, journal) = setup(dir.path()).await;
    let id = staged(&forge, &journal).await;
    let ops = KeyOps {
        forge: &forge,
        journal: &journal,
        stop: None,
    };
    // One place already took its second step.
    use_new_key(
        &forge,
        &api(),
        time::OffsetDateTime::now_utc() + time::Duration::minutes(1),
    );
    ops.advance_batch(&batch(&journal, &id)).await.unwrap();
    ops.settle_batch(&batch(&journal, &id), Direction::RollBack)
        .await
        .unwrap();
    for place in [api(), web()] {
        assert_eq!(held(&forge, &place), ["old"], "{place}");
    }
    let out = journal.outstanding().unwrap();
    assert!(out.is_empty() && out.staged.is_empty(), "{out:?}");
}

#[tokio::test]
async fn advancing_gives_the_new_key_to_a_place_staging_did_not_reach() {
    let dir = tempfile::tempdir().unwrap();
    let (forge, journal) = setup(dir.path()).await;
    let ops = KeyOps {
        forge: &forge,
        journal: &journal,
        stop: None,
    };
    let plan = plan(&forge).await;
    forge.fail_next(
        Call::Add,
        ForgeError::new(ForgeErrorKind::Network, "connection reset"),
    );
    let staged = stage(&ops, &plan, 1, &AtomicBool::new(false), &|_, _| {})
        .await
        .unwrap();
    let id = staged.batch.unwrap();
    let missing: Vec<Place> = [api(), web()]
        .into_iter()
        .filter(|p| held(&forge, p) == ["old"])
        .collect();
    assert_eq!(missing.len(), 1, "one add failed");
    assert_eq!(batch(&journal, &id).waiting().len(), 2);

    let step = ops.advance_batch(&batch(&journal, &id)).await.unwrap();
    assert!(step.failed.is_empty(), "{step:?}");
    assert_eq!(step.waiting.len(), 2);
    for place in [api(), web()] {
        assert_eq!(held(&forge, &place), ["new", "old"], "{place}");
    }
}

#[tokio::test]
async fn only_rotations_can_be_staged_or_advanced() {
    let dir = tempfile::tempdir().unwrap();
    let (forge, journal) = setup(dir.path()).await;
    let ops = KeyOps {
        forge: &forge,
        journal: &journal,
        stop: None,
    };
    let (snap, _) = snapshot(&forge, &[api()]).await;
    let delete = BulkRequest::Delete {
        targets: vec![(api(), key(OLD).fingerprint())],
    }
    .plan(&snap, &BTreeMap::new());
    let err = stage(&ops, &delete, 1, &AtomicBool::new(false), &|_, _| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("only a rotation"), "{err}");
    assert_eq!(held(&forge, &api()), ["old"], "nothing was sent");

    let plan = plan(&forge).await;
    crate::ops::bulk::apply(&ops, &plan, 1, &AtomicBool::new(true), &|_, _| {}).await;
    let folded = journal.read_all().unwrap();
    let plain = folded.batches.last().unwrap();
    let err = ops.advance_batch(plain).await.unwrap_err();
    assert!(err.to_string().contains("not a staged rotation"), "{err}");
}
