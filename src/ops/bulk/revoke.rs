//! The deletes of a plan that remove one key from several places, on a forge that revokes in
//! bulk (Data Center): one request per key instead of one per place, each place still journaled
//! and read back.

use std::collections::BTreeMap;

use super::item::{ItemResult, ItemStatus};
use super::plan::{Change, Plan};
use crate::ops::edits::KeyEdit;
use crate::ops::keyops::KeyOps;

/// The plan's deletes, done with one bulk revoke per key, as results by index; the other items
/// are left to the item-by-item path.
/// Nothing is taken unless the forge revokes in bulk.
pub(super) async fn revoke_shared_keys(
    ops: &KeyOps<'_>,
    plan: &Plan,
    batch: &str,
) -> Vec<(usize, ItemResult)> {
    if !ops.forge.revokes_in_bulk() {
        return Vec::new();
    }
    let mut by_key: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, change) in plan.changes.iter().enumerate() {
        if let Change::Delete { key, .. } = change {
            by_key.entry(key.id).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for indexes in by_key.into_values() {
        let Change::Delete { key, .. } = &plan.changes[indexes[0]] else {
            continue;
        };
        let scopes: Vec<_> = indexes
            .iter()
            .map(|&i| plan.changes[i].scope().clone())
            .collect();
        let results = ops
            .delete_everywhere(&scopes, key, Some(batch.to_string()))
            .await;
        for (&i, result) in indexes.iter().zip(results) {
            let change = plan.changes[i].clone();
            let (status, auth_failure, edits) = match result {
                Ok(()) => (
                    ItemStatus::Done,
                    false,
                    vec![KeyEdit::Removed {
                        scope: change.scope().clone(),
                        key: key.clone(),
                    }],
                ),
                Err(e) => (
                    ItemStatus::Failed(e.to_string()),
                    e.is_auth_problem(),
                    Vec::new(),
                ),
            };
            out.push((
                i,
                ItemResult {
                    change,
                    status,
                    auth_failure,
                    edits,
                },
            ));
        }
    }
    out
}
