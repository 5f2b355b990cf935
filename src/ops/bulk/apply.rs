//! Reading the remote state and applying a plan, item by item, with bounded concurrency.

use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use serde::Serialize;

use super::plan::{Change, Plan, Snapshot};
use crate::bitbucket::{ApiError, Client, DeployKey, KeyScope};
use crate::config::EditStrategy;
use crate::ops::edits::KeyEdit;
use crate::ops::keyops::{AddOutcome, KeyOps, OpError, RelabelOutcome, list_keys};
use crate::sshkey::PublicKey;

/// Reads the keys of `scopes` concurrently. Scopes that cannot be read are returned apart.
pub async fn snapshot(
    client: &Client,
    scopes: &[KeyScope],
) -> (Snapshot, Vec<(KeyScope, ApiError)>) {
    let results: Vec<(KeyScope, Result<Vec<DeployKey>, ApiError>)> =
        futures::stream::iter(scopes.iter().cloned())
            .map(|scope| async move {
                let keys = list_keys(client, &scope).await;
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

/// The state of one item while a plan is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "snake_case")]
pub enum ItemStatus {
    /// Not started.
    Queued,
    /// In flight.
    Running,
    /// Finished.
    Done,
    /// The key was already there.
    AlreadyPresent,
    /// Failed, with the sentence.
    Failed(String),
    /// Cancelled before it started.
    Cancelled,
}

/// The outcome of one item.
#[derive(Debug, Clone)]
pub struct ItemResult {
    /// The change.
    pub change: Change,
    /// How it ended.
    pub status: ItemStatus,
    /// Whether a failure was an authentication or permission refusal.
    pub auth_failure: bool,
    /// What the item did to the keys, as far as it got (a rotation that failed after adding
    /// the new key still added it).
    pub edits: Vec<KeyEdit>,
}

/// Applies `plan` with at most `concurrency` items in flight. `cancel` stops items that have
/// not started; items in flight finish their current step. `progress(index, status)` is
/// called on every change of an item's state.
pub async fn apply(
    ops: &KeyOps<'_>,
    plan: &Plan,
    batch: &str,
    concurrency: usize,
    cancel: &AtomicBool,
    progress: &(dyn Fn(usize, &ItemStatus) + Send + Sync),
) -> Vec<ItemResult> {
    let results: Vec<(usize, ItemResult)> =
        futures::stream::iter(plan.changes.iter().cloned().enumerate())
            .map(|(i, change)| async move {
                if cancel.load(Ordering::SeqCst) {
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
                let outcome = apply_one(ops, &change, batch, &mut edits).await;
                let (status, auth_failure) = match outcome {
                    Ok(s) => (s, false),
                    Err(e) => (ItemStatus::Failed(e.to_string()), e.is_auth_problem()),
                };
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
    for (i, r) in results {
        ordered[i] = Some(r);
    }
    ordered.into_iter().flatten().collect()
}

async fn apply_one(
    ops: &KeyOps<'_>,
    change: &Change,
    batch: &str,
    edits: &mut Vec<KeyEdit>,
) -> Result<ItemStatus, OpError> {
    let batch = Some(batch.to_string());
    match change {
        Change::Add { scope, key, label } => {
            let k =
                PublicKey::from_server(&key.text).map_err(|e| OpError::Invalid(e.to_string()))?;
            let (status, k) = match ops.add(scope, &k, label, batch).await? {
                AddOutcome::Added(k) => (ItemStatus::Done, k),
                AddOutcome::AlreadyPresent(k) => (ItemStatus::AlreadyPresent, k),
            };
            edits.push(KeyEdit::Added {
                scope: scope.clone(),
                key: k,
            });
            Ok(status)
        }
        Change::Delete { scope, key } => {
            ops.delete(scope, key, batch).await?;
            edits.push(KeyEdit::Removed {
                scope: scope.clone(),
                key: key.clone(),
            });
            Ok(ItemStatus::Done)
        }
        Change::Relabel {
            scope,
            key,
            new_label,
        } => {
            let outcome = ops
                .relabel(scope, key, new_label, EditStrategy::Replace, batch)
                .await?;
            if let RelabelOutcome::InPlace(new) | RelabelOutcome::Replaced(new) = outcome {
                edits.push(KeyEdit::Replaced {
                    scope: scope.clone(),
                    old: key.clone(),
                    new,
                });
            }
            Ok(ItemStatus::Done)
        }
        Change::Rotate {
            scope,
            old,
            new,
            label,
        } => {
            let k =
                PublicKey::from_server(&new.text).map_err(|e| OpError::Invalid(e.to_string()))?;
            let (AddOutcome::Added(added) | AddOutcome::AlreadyPresent(added)) =
                ops.add(scope, &k, label, batch.clone()).await?;
            edits.push(KeyEdit::Added {
                scope: scope.clone(),
                key: added.clone(),
            });
            // Verify the new key before the old one goes: a scope must never lose access.
            let keys = list_keys(ops.client, scope).await?;
            if crate::ops::keyops::find_fingerprint(&keys, new.fingerprint.as_str()).is_none() {
                return Err(OpError::Invalid(format!(
                    "the new key {} does not show on {scope} after adding it; the old key was kept",
                    new.fingerprint
                )));
            }
            ops.delete(scope, old, batch).await?;
            // The new key took the old one's place.
            edits.pop();
            edits.push(KeyEdit::Replaced {
                scope: scope.clone(),
                old: old.clone(),
                new: added,
            });
            Ok(ItemStatus::Done)
        }
    }
}
