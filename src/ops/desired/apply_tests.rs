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

fn data_center() -> MemoryForge {
    MemoryForge::new(
        ForgeKind::DataCenter,
        Caps {
            permissions: true,
            expiry: true,
            project_keys: true,
            ..Caps::default()
        },
    )
    .with_repo("ACME", "api", Some("ACME"))
    .with_repo("ACME", "web", Some("ACME"))
}

fn dc_file(permission: &str) -> KeysFile {
    let text = format!(
        "[[key]]\nname = \"ci\"\npublic_key = \"{KEY}\"\nlabel = \"ci\"\nrepos = [\"ACME/api\"]\npermission = \"{permission}\"\nexpiry_days = 30\n"
    );
    parse_keys_file(
        std::path::Path::new("keys.toml"),
        &text,
        ForgeKind::DataCenter,
        &|_| Err(std::io::ErrorKind::NotFound.into()),
    )
    .unwrap()
}

async fn plan_on(forge: &dyn Forge, file: &KeysFile) -> DesiredPlan {
    let observed = observe_touched(forge, file).await.unwrap();
    plan_desired(file, &observed).unwrap()
}

#[tokio::test]
async fn data_center_permission_and_expiry_are_planned_and_applied_through_the_forge() {
    let forge = data_center();
    let api = Place::repository(ForgeKind::DataCenter, "ACME", "api");
    let plan = plan_on(&forge, &dc_file("write")).await;
    assert!(
        matches!(
            plan.changes.as_slice(),
            [DesiredChange::Add {
                permission: Permission::Write,
                expiry_days: Some(30),
                ..
            }]
        ),
        "{plan:?}"
    );
    let statuses = run(&forge, &plan.changes, EditStrategy::Replace).await;
    assert_eq!(statuses, [ItemStatus::Done]);
    let held = forge.keys(&api).await.unwrap();
    assert_eq!(
        (held[0].permission, held[0].expiry_days),
        (Permission::Write, Some(30))
    );

    // Declared read now: one permission change, and nothing else.
    let plan = plan_on(&forge, &dc_file("read")).await;
    assert!(
        matches!(
            plan.changes.as_slice(),
            [DesiredChange::SetPermission {
                from: Permission::Write,
                to: Permission::Read,
                ..
            }]
        ),
        "{plan:?}"
    );
    let applicable = to_applicable(&forge, &plan.changes).await.unwrap();
    assert!(applicable.bulk.changes.is_empty());
    assert_eq!(applicable.permissions.len(), 1);
    let done = set_permissions(&forge, &applicable.permissions).await;
    assert!(done.iter().all(|(_, r)| r.is_ok()), "{done:?}");
    assert_eq!(
        forge.keys(&api).await.unwrap()[0].permission,
        Permission::Read
    );
    assert!(plan_on(&forge, &dc_file("read")).await.changes.is_empty());
}

#[tokio::test]
async fn a_relabel_on_data_center_keeps_the_permission_and_the_expiry() {
    let forge = data_center();
    let api = Place::repository(ForgeKind::DataCenter, "ACME", "api");
    let new = NewAccessKey {
        key: KEY.into(),
        label: "old".into(),
        permission: Permission::Write,
        expiry_days: Some(30),
    };
    let before = forge.add_key(&api, &new).await.unwrap();
    let plan = plan_on(&forge, &dc_file("write")).await;
    assert!(
        matches!(plan.changes.as_slice(), [DesiredChange::Relabel { .. }]),
        "{plan:?}"
    );
    run(&forge, &plan.changes, EditStrategy::InPlace).await;
    let after = forge.keys(&api).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_ne!(after[0].id, before.id, "Data Center has no in-place edit");
    assert_eq!(
        (
            after[0].label.as_str(),
            after[0].permission,
            after[0].expiry_days
        ),
        ("ci", Permission::Write, Some(30))
    );
}

#[tokio::test]
async fn a_permission_change_is_refused_where_the_forge_has_none() {
    let forge = cloud(false);
    let place = Place::cloud_repo("acme", "api");
    let held = held(&forge, &place, "ci").await;
    let change = DesiredChange::SetPermission {
        place: place.clone(),
        id: held.id,
        fingerprint: PublicKey::parse(KEY).unwrap().fingerprint(),
        from: Permission::Read,
        to: Permission::Write,
    };
    let refused = to_applicable(&forge, &[change]).await.unwrap_err();
    assert!(
        refused.to_string().contains("permissions need Data Center"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_held_key_bitbucket_no_longer_takes_can_be_declared_but_not_added() {
    // An export writes what is held, legacy RSA-1024 keys included: planning it must not fail.
    let weak = include_str!("../../demo/keys.txt")
        .lines()
        .find(|l| {
            matches!(
                PublicKey::parse(l),
                Err(crate::sshkey::KeyError::RsaTooSmall { .. })
            )
        })
        .expect("the demo keys hold an RSA key under 2048 bits");
    let text = format!(
        "[[key]]\nname = \"legacy\"\npublic_key = \"{weak}\"\nlabel = \"legacy\"\nrepos = [\"acme/api\"]\n"
    );
    let file = parse_keys_file(
        std::path::Path::new("keys.toml"),
        &text,
        ForgeKind::Cloud,
        &|_| Err(std::io::ErrorKind::NotFound.into()),
    )
    .expect("a held weak key is a valid declaration");
    let forge = cloud(false);
    let plan = plan_on(&forge, &file).await;
    assert!(matches!(
        plan.changes.as_slice(),
        [DesiredChange::Add { .. }]
    ));
    let refused = to_applicable(&forge, &plan.changes).await.unwrap_err();
    assert!(matches!(refused, ApplyRefusal::BadKey(_)), "{refused}");
    assert!(refused.to_string().contains("2048 bits"), "{refused}");
    assert!(
        forge
            .keys(&Place::cloud_repo("acme", "api"))
            .await
            .unwrap()
            .is_empty()
    );
}
