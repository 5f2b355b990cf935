//! Reading the remote state and applying a plan, item by item, with bounded concurrency.

use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;

use super::item::{ItemResult, ItemStatus};
use super::journaled::batch_plan;
use super::plan::{Change, NewKey, Plan, Snapshot};
use crate::config::EditStrategy;
use crate::forge::Place;
use crate::forge::{AccessKey, Forge, ForgeError};
use crate::journal::Step;
use crate::ops::edits::KeyEdit;
use crate::ops::keyops::{AddOutcome, Grant, KeyOps, OpError, RelabelOutcome, list_keys};
use crate::sshkey::PublicKey;

/// Reads the keys of `scopes` concurrently. Scopes that cannot be read are returned apart.
pub async fn snapshot(forge: &dyn Forge, scopes: &[Place]) -> (Snapshot, Vec<(Place, ForgeError)>) {
    let results: Vec<(Place, Result<Vec<AccessKey>, ForgeError>)> =
        futures::stream::iter(scopes.iter().cloned())
            .map(|scope| async move {
                let keys = list_keys(forge, &scope).await;
                (scope, keys)
            })
            .buffer_unordered(64)
            .collect()
            .await;
    let mut snap = Snapshot::new();
    let mut failed = Vec::new();
    for (scope, r) in results {
        match r {
            Ok(keys) => {
                snap.insert(scope, keys);
            }
            Err(e) => failed.push((scope, e)),
        }
    }
    failed.sort_by(|a, b| a.0.cmp(&b.0));
    (snap, failed)
}

/// Applies `plan` with at most `concurrency` items in flight. `cancel` stops items that have
/// not started; items in flight finish their current step. `progress(index, status)` is
/// called on every change of an item's state.
///
/// The whole plan is journaled as one batch before the first write; each item is marked
/// settled when it ends, and the batch is closed once all are. A crash, or an item left
/// half-done (such as a rotation whose old key could not be removed), leaves the batch
/// pending for `journal recover`.
pub async fn apply(
    ops: &KeyOps<'_>,
    plan: &Plan,
    concurrency: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(usize, &ItemStatus) + Send + Sync),
) -> Vec<ItemResult> {
    apply_batch(ops, plan, None, concurrency, cancel, progress)
        .await
        .1
}

/// Step one of a staged rotation, as the batch's journal records it.
#[derive(Debug, Clone)]
pub struct Staged {
    /// The batch id, to name in `journal advance|finish|undo`; `None` when nothing was
    /// journaled (an empty plan, or a journal that could not be written: then nothing was sent).
    pub batch: Option<String>,
    /// Each place: `Done` once the new key is on it and verified; the old key stays.
    pub results: Vec<ItemResult>,
}

/// Step one of a staged rotation: on every place of `plan` (rotations only), adds the new key
/// and verifies it, leaving the old key where it is. The plan is journaled as one batch marked
/// staged before the first write; its places stay open until `KeyOps::advance_batch` sees the
/// new key used there, or the rotation is finished or undone.
pub async fn stage(
    ops: &KeyOps<'_>,
    plan: &Plan,
    concurrency: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(usize, &ItemStatus) + Send + Sync),
) -> Result<Staged, OpError> {
    if let Some(c) = plan
        .changes
        .iter()
        .find(|c| !matches!(c, Change::Rotate { .. }))
    {
        return Err(OpError::Invalid(format!(
            "only a rotation can be staged, and the plan also changes {}",
            c.scope()
        )));
    }
    let at = Some(crate::journal::now_rfc3339());
    let (batch, results) = apply_batch(ops, plan, at, concurrency, cancel, progress).await;
    Ok(Staged { batch, results })
}

/// Journals `plan` as one batch (staged at `staged_at`, if given) and applies it.
async fn apply_batch(
    ops: &KeyOps<'_>,
    plan: &Plan,
    staged_at: Option<String>,
    concurrency: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(usize, &ItemStatus) + Send + Sync),
) -> (Option<String>, Vec<ItemResult>) {
    if plan.changes.is_empty() {
        return (None, Vec::new());
    }
    let staging = staged_at.is_some();
    let mut record = batch_plan(plan);
    record.staged_at = staged_at;
    let batch = match ops.journal.begin_batch(record.clone()) {
        Ok(b) => b,
        Err(e) => {
            return (
                None,
                refused_without_journal(plan, &e.to_string(), progress),
            );
        }
    };
    let (batch, record) = (&batch, &record);
    let in_bulk = super::revoke::revoke_shared_keys(ops, plan, batch).await;
    for (i, r) in &in_bulk {
        let settled = r.status == ItemStatus::Done || !has_pending(ops, batch, r.change.scope());
        if settled {
            settle(ops, batch, *i, &describe(&r.status));
        }
        progress(*i, &r.status);
    }
    let done_in_bulk: std::collections::BTreeSet<usize> = in_bulk.iter().map(|(i, _)| *i).collect();
    let strategy = plan.edit_strategy;
    let results: Vec<(usize, ItemResult)> =
        futures::stream::iter(plan.changes.iter().cloned().enumerate())
            .filter(|(i, _)| std::future::ready(!done_in_bulk.contains(i)))
            .map(|(i, change)| async move {
                if cancel.load(Ordering::SeqCst) {
                    settle(ops, batch, i, "cancelled before it started");
                    progress(i, &ItemStatus::Cancelled);
                    return (
                        i,
                        ItemResult {
                            change,
                            status: ItemStatus::Cancelled,
                            auth_failure: false,
                            edits: Vec::new(),
                        },
                    );
                }
                progress(i, &ItemStatus::Running);
                let mut edits = Vec::new();
                let (outcome, half_done) =
                    apply_one(ops, &change, strategy, batch, staging, &mut edits).await;
                let settled = match &outcome {
                    // A staged place waits for its second step.
                    Ok(_) => !staging,
                    Err(_) => !half_done && !has_pending(ops, batch, change.scope()),
                };
                let (status, auth_failure) = match outcome {
                    Ok(s) => (s, false),
                    Err(e) => (ItemStatus::Failed(e.to_string()), e.is_auth_problem()),
                };
                if settled {
                    settle(ops, batch, i, &describe(&status));
                }
                if settled && matches!(status, ItemStatus::Done | ItemStatus::AlreadyPresent) {
                    // A retry that succeeds settles what the failed attempt left open.
                    let _ = ops.journal.settle_superseded(&record.items[i], batch);
                }
                progress(i, &status);
                (
                    i,
                    ItemResult {
                        change,
                        status,
                        auth_failure,
                        edits,
                    },
                )
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
    let mut ordered: Vec<Option<ItemResult>> = vec![None; plan.changes.len()];
    for (i, r) in results.into_iter().chain(in_bulk) {
        ordered[i] = Some(r);
    }
    let ordered: Vec<ItemResult> = ordered.into_iter().flatten().collect();
    close_if_settled(ops, batch, &ordered);
    (Some(batch.clone()), ordered)
}

/// Every change of `plan` failed with `why`: nothing is sent without a journal.
fn refused_without_journal(
    plan: &Plan,
    why: &str,
    progress: &(dyn Fn(usize, &ItemStatus) + Send + Sync),
) -> Vec<ItemResult> {
    let status = ItemStatus::Failed(why.to_string());
    plan.changes
        .iter()
        .enumerate()
        .map(|(i, change)| {
            progress(i, &status);
            ItemResult {
                change: change.clone(),
                status: status.clone(),
                auth_failure: false,
                edits: Vec::new(),
            }
        })
        .collect()
}

fn describe(status: &ItemStatus) -> String {
    match status {
        ItemStatus::Done => "done".into(),
        ItemStatus::AlreadyPresent => "already present".into(),
        ItemStatus::Failed(why) => format!("failed with nothing changed: {why}"),
        ItemStatus::Cancelled => "cancelled".into(),
        ItemStatus::Queued | ItemStatus::Running => "unknown".into(),
    }
}

/// Marks an item settled. A failure to write leaves it open, which recovery handles.
fn settle(ops: &KeyOps<'_>, batch: &str, item: usize, outcome: &str) {
    let _ = ops.journal.append(
        batch,
        Step::Settled {
            item,
            outcome: outcome.to_string(),
        },
    );
}

/// Whether an entry of `batch` on `scope` is still pending.
fn has_pending(ops: &KeyOps<'_>, batch: &str, scope: &Place) -> bool {
    match ops.journal.read() {
        Ok((entries, _)) => entries.iter().any(|e| {
            e.pending() && e.record.batch.as_deref() == Some(batch) && &e.record.scope == scope
        }),
        // Unknown counts as pending: recovery will look.
        Err(_) => true,
    }
}

/// Closes the batch once every item is settled.
fn close_if_settled(ops: &KeyOps<'_>, batch: &str, results: &[ItemResult]) {
    let Ok(found) = ops.journal.resolve(batch) else {
        return;
    };
    let crate::journal::Found::Batch(b) = found else {
        return;
    };
    if !b.pending() || !b.unsettled().is_empty() {
        return;
    }
    let ok = results
        .iter()
        .all(|r| matches!(r.status, ItemStatus::Done | ItemStatus::AlreadyPresent));
    let step = if ok {
        Step::Done
    } else {
        let failed = results
            .iter()
            .filter(|r| matches!(r.status, ItemStatus::Failed(_)))
            .count();
        let cancelled = results
            .iter()
            .filter(|r| r.status == ItemStatus::Cancelled)
            .count();
        Step::Closed {
            reason: format!(
                "ended with {failed} place(s) refused and {cancelled} cancelled, each left unchanged"
            ),
        }
    };
    let _ = ops.journal.append(batch, step);
}

fn grant_of(key: &NewKey) -> Grant {
    Grant {
        permission: key.permission,
        expiry_days: key.expiry_days,
    }
}

/// Runs one change; the flag says whether it stopped half-done (a rotation whose new key is
/// on the place while the old one may still be there).
async fn apply_one(
    ops: &KeyOps<'_>,
    change: &Change,
    strategy: EditStrategy,
    batch: &str,
    staging: bool,
    edits: &mut Vec<KeyEdit>,
) -> (Result<ItemStatus, OpError>, bool) {
    let batch = Some(batch.to_string());
    let result = match change {
        Change::Add { scope, key, label } => {
            let k = match PublicKey::from_server(&key.text) {
                Ok(k) => k,
                Err(e) => return (Err(OpError::Invalid(e.to_string())), false),
            };
            ops.add_granted(scope, &k, label, grant_of(key), batch)
                .await
                .map(|o| {
                    let (status, k) = match o {
                        AddOutcome::Added(k) => (ItemStatus::Done, k),
                        AddOutcome::AlreadyPresent(k) => (ItemStatus::AlreadyPresent, k),
                    };
                    edits.push(KeyEdit::Added {
                        scope: scope.clone(),
                        key: k,
                    });
                    status
                })
        }
        Change::Delete { scope, key } => ops.delete(scope, key, batch).await.map(|()| {
            edits.push(KeyEdit::Removed {
                scope: scope.clone(),
                key: key.clone(),
            });
            ItemStatus::Done
        }),
        Change::Relabel {
            scope,
            key,
            new_label,
        } => ops
            .relabel(scope, key, new_label, strategy, batch)
            .await
            .map(|outcome| {
                if let RelabelOutcome::InPlace(new) | RelabelOutcome::Replaced(new) = outcome {
                    edits.push(KeyEdit::Replaced {
                        scope: scope.clone(),
                        old: key.clone(),
                        new,
                    });
                }
                ItemStatus::Done
            }),
        Change::Rotate {
            scope,
            old,
            new,
            label,
        } => {
            let k = match PublicKey::from_server(&new.text) {
                Ok(k) => k,
                Err(e) => return (Err(OpError::Invalid(e.to_string())), false),
            };
            let added = match ops
                .add_granted(scope, &k, label, grant_of(new), batch.clone())
                .await
            {
                Ok(AddOutcome::Added(a) | AddOutcome::AlreadyPresent(a)) => a,
                Err(e) => return (Err(e), false),
            };
            edits.push(KeyEdit::Added {
                scope: scope.clone(),
                key: added.clone(),
            });
            if staging {
                let verified = verify_new(ops, scope, new).await.map(|()| ItemStatus::Done);
                return (verified, true);
            }
            let rest = rotate_rest(ops, scope, old, new, batch).await;
            if rest.is_ok() {
                // The new key took the old one's place.
                edits.pop();
                edits.push(KeyEdit::Replaced {
                    scope: scope.clone(),
                    old: old.clone(),
                    new: added,
                });
            }
            return (rest, true);
        }
    };
    (result, false)
}

/// A rotation once the new key is added: verify it, then delete the old key.
async fn rotate_rest(
    ops: &KeyOps<'_>,
    scope: &Place,
    old: &AccessKey,
    new: &NewKey,
    batch: Option<String>,
) -> Result<ItemStatus, OpError> {
    // Verify the new key before the old one goes: a scope must never lose access.
    verify_new(ops, scope, new).await?;
    ops.delete(scope, old, batch).await?;
    Ok(ItemStatus::Done)
}

/// Checks that the new key of a rotation shows on `scope`.
async fn verify_new(ops: &KeyOps<'_>, scope: &Place, new: &NewKey) -> Result<(), OpError> {
    let keys = list_keys(ops.forge, scope).await?;
    if crate::ops::keyops::find_fingerprint(&keys, new.fingerprint.as_str()).is_none() {
        return Err(OpError::Invalid(format!(
            "the new key {} does not show on {scope} after adding it; the old key was kept",
            new.fingerprint
        )));
    }
    Ok(())
}
