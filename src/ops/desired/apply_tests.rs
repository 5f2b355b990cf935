//! Applying a desired plan on the in-memory forge: how a relabel is made (`edit_strategy`), and
//! Data Center's permission and expiry.

use std::sync::atomic::AtomicBool;

use super::*;
use crate::config::EditStrategy;
use crate::forge::memory::MemoryForge;
use crate::forge::{Caps, Forge, ForgeKind, NewAccessKey, Permission, Place};
use crate::journal::Journal;
use crate::ops::bulk::{ItemStatus, apply};
use crate::ops::keyops::KeyOps;
use crate::sshkey::PublicKey;

const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua ci-1@demo.example";

fn cloud(in_place_label: bool) -> MemoryForge {
    MemoryForge::new(
        ForgeKind::Cloud,
        Caps {
            in_place_label,
            project_keys: true,
            ..Caps::default()
        },
    )
    .with_repo("acme", "api", Some("API"))
}

async fn held(forge: &dyn Forge, place: &Place, label: &str) -> crate::forge::AccessKey {
    let new = NewAccessKey {
        key: KEY.into(),
        label: label.into(),
        permission: Permission::Read,
        expiry_days: None,
    };
    forge.add_key(place, &new).await.unwrap()
}

fn relabel(place: &Place, id: u64, from: &str, to: &str) -> DesiredChange {
    DesiredChange::Relabel {
        place: place.clone(),
        id,
        name: "ci".into(),
        key: KEY.into(),
        fingerprint: PublicKey::parse(KEY).unwrap().fingerprint(),
        from: from.into(),
        to: to.into(),
    }
}

/// Plans and applies `changes` with `strategy`; the statuses of the items.
async fn run(
    forge: &dyn Forge,
    changes: &[DesiredChange],
    strategy: EditStrategy,
) -> Vec<ItemStatus> {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let ops = KeyOps {
        forge,
        journal: &journal,
        stop: None,
    };
    let mut bulk = to_bulk_plan(forge, changes).await.unwrap();
    bulk.edit_strategy = strategy;
    let results = apply(&ops, &bulk, 2, &AtomicBool::new(false), &|_, _| {}).await;
    assert!(journal.outstanding().unwrap().batches.is_empty());
    results.into_iter().map(|r| r.status).collect()
}

#[tokio::test]
async fn in_place_relabels_keep_the_grant_where_the_forge_can() {
    let place = Place::cloud_repo("acme", "api");
    let forge = cloud(true);
    let before = held(&forge, &place, "old").await;
    let change = relabel(&place, before.id, "old", "new");
    assert_eq!(
        change.relabel_method(forge.caps(), EditStrategy::InPlace),
        Some(RelabelMethod::InPlace)
    );
    let statuses = run(&forge, &[change], EditStrategy::InPlace).await;
    assert_eq!(statuses, [ItemStatus::Done]);
    let after = forge.keys(&place).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!((after[0].id, after[0].label.as_str()), (before.id, "new"));
}

#[tokio::test]
async fn without_an_in_place_edit_a_relabel_is_a_replace() {
    let place = Place::cloud_repo("acme", "api");
    let forge = cloud(false);
    let before = held(&forge, &place, "old").await;
    let change = relabel(&place, before.id, "old", "new");
    assert_eq!(
        change.relabel_method(forge.caps(), EditStrategy::InPlace),
        Some(RelabelMethod::Replace)
    );
    let statuses = run(&forge, &[change], EditStrategy::InPlace).await;
    assert_eq!(statuses, [ItemStatus::Done]);
    let after = forge.keys(&place).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].label, "new");
    assert_ne!(after[0].id, before.id, "deleted and added again");
}

#[tokio::test]
async fn the_default_strategy_replaces_even_where_a_put_exists() {
    let place = Place::cloud_repo("acme", "api");
    let forge = cloud(true);
    let before = held(&forge, &place, "old").await;
    let change = relabel(&place, before.id, "old", "new");
    assert_eq!(
        change.relabel_method(forge.caps(), EditStrategy::Replace),
        Some(RelabelMethod::Replace)
    );
    // A project key has no in-place edit, whatever the strategy.
    let project = Place::project(ForgeKind::Cloud, "acme", "API");
    assert_eq!(
        relabel(&project, 1, "a", "b").relabel_method(forge.caps(), EditStrategy::InPlace),
        Some(RelabelMethod::Replace)
    );
    run(&forge, &[change], EditStrategy::Replace).await;
    let after = forge.keys(&place).await.unwrap();
    assert_ne!(after[0].id, before.id);
}
