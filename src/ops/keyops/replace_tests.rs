//! Replace-everywhere on the in-memory forge shaped like Data Center (no in-place label,
//! permissions and expiry): each grant keeps its permission and expiry, a refusal changes
//! nothing, and the batch rolls back to the old label.

use super::*;
use crate::forge::memory::{Call, MemoryForge};
use crate::forge::{Caps, ForgeKind, NewAccessKey, Permission};
use crate::journal::Found;

const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua ci-1@demo.example";

fn dc() -> MemoryForge {
    MemoryForge::new(
        ForgeKind::DataCenter,
        Caps {
            permissions: true,
            expiry: true,
            usage_lookup: true,
            project_keys: true,
            ..Caps::default()
        },
    )
    .with_repo("ACME", "api", None)
    .with_repo("ACME", "web", None)
}

fn place(repo: &str) -> Place {
    Place::repository(ForgeKind::DataCenter, "ACME", repo)
}

/// The key granted write on api and read on web, expiring in 30 days; its grants as listed.
async fn granted(forge: &MemoryForge) -> (AccessKey, Vec<(Place, Grant)>) {
    let mut grants = Vec::new();
    let mut key = None;
    for (repo, permission) in [("api", Permission::Write), ("web", Permission::Read)] {
        let k = forge
            .add_key(
                &place(repo),
                &NewAccessKey {
                    key: KEY.into(),
                    label: "ci".into(),
                    permission,
                    expiry_days: Some(30),
                },
            )
            .await
            .unwrap();
        grants.push((place(repo), Grant::of(&k)));
        key = Some(k);
    }
    (key.unwrap(), grants)
}

/// `(label, permission, expiry)` of the one grant at `repo`.
fn at(forge: &MemoryForge, repo: &str) -> Vec<(String, Permission, Option<u32>)> {
    forge
        .grants(&place(repo))
        .iter()
        .map(|k| (k.label.clone(), k.permission, k.expiry_days))
        .collect()
}

fn ops<'a>(forge: &'a MemoryForge, journal: &'a Journal) -> KeyOps<'a> {
    KeyOps {
        forge,
        journal,
        stop: None,
    }
}

#[tokio::test]
async fn every_grant_comes_back_with_the_new_label_and_its_own_permission_and_expiry() {
    let forge = dc();
    let (key, grants) = granted(&forge).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let done = ops(&forge, &journal)
        .replace_everywhere(&key, &grants, "deploy")
        .await
        .unwrap();
    assert_eq!(done.places.len(), 2);
    assert_eq!(
        at(&forge, "api"),
        [("deploy".into(), Permission::Write, Some(30))]
    );
    assert_eq!(
        at(&forge, "web"),
        [("deploy".into(), Permission::Read, Some(30))]
    );
    // The plan carries each grant, so recovery can give it back as it was.
    let Found::Batch(batch) = journal.resolve(&done.batch).unwrap() else {
        panic!("not a batch");
    };
    assert!(!batch.pending());
    let journaled: Vec<_> = batch
        .plan
        .items
        .iter()
        .map(|i| (i.steps[0].permission, i.steps[0].expiry_days))
        .collect();
    assert_eq!(
        journaled,
        [(Some(Permission::Write), Some(30)), (None, Some(30))]
    );
    assert!(journal.outstanding().unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_revoke_changes_nothing_and_leaves_nothing_pending() {
    let forge = dc();
    let (key, grants) = granted(&forge).await;
    forge.fail_next(
        Call::Delete,
        ForgeError::new(ForgeErrorKind::NotPermitted, "not an admin").with_status(401),
    );
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let e = ops(&forge, &journal)
        .replace_everywhere(&key, &grants, "deploy")
        .await
        .unwrap_err();
    assert!(e.is_auth_problem(), "{e}");
    assert_eq!(
        at(&forge, "api"),
        [("ci".into(), Permission::Write, Some(30))]
    );
    assert_eq!(
        at(&forge, "web"),
        [("ci".into(), Permission::Read, Some(30))]
    );
    assert!(journal.outstanding().unwrap().is_empty());
}

#[tokio::test]
async fn rolling_the_batch_back_puts_the_old_label_on_every_grant() {
    let forge = dc();
    let (key, grants) = granted(&forge).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let ops = ops(&forge, &journal);
    let done = ops
        .replace_everywhere(&key, &grants, "deploy")
        .await
        .unwrap();
    let Found::Batch(batch) = journal.resolve(&done.batch).unwrap() else {
        panic!("not a batch");
    };
    let said = ops.settle_batch(&batch, Direction::RollBack).await.unwrap();
    assert!(said.contains("'ci'"), "{said}");
    assert_eq!(
        at(&forge, "api"),
        [("ci".into(), Permission::Write, Some(30))]
    );
    assert_eq!(
        at(&forge, "web"),
        [("ci".into(), Permission::Read, Some(30))]
    );
    assert!(journal.outstanding().unwrap().is_empty());
}
