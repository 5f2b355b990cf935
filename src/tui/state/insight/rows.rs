//! The All keys rows of one inventory, remembered between frames.
//!
//! Filtering and sorting 10,000 keys takes about a millisecond, and the view draws ~50 of them;
//! doing it on every frame (and on every cursor step) would spend the whole frame budget. The
//! rows only change with the filter or the sort, and the inventory they index does not change
//! under them: a new scan or cache load replaces the whole [`WorkspaceInventory`], and this
//! cache with it, and the edits of a finished write replace this cache when they change the
//! inventory. So the last answer is kept here, keyed by filter and sort.
//!
//! [`WorkspaceInventory`]: crate::tui::state::insight::WorkspaceInventory

use std::sync::Mutex;

use time::OffsetDateTime;

use crate::config::AuditConfig;
use crate::ops::audit::{Inventory, KeyEntry, SortOrder};
use crate::ops::query::{Filter, InventoryQuery, read_filter};

/// The indices of the last filtered, sorted view, and what they were computed for.
#[derive(Default)]
pub struct RowsCache {
    // A mutex rather than a `RefCell` so `State` stays `Sync`; nobody else ever holds it.
    last: Mutex<Option<(String, SortOrder, Vec<usize>)>>,
}

impl RowsCache {
    /// The rows of `inventory` matching `filter`, in `order`: the same rows, in the same order,
    /// as [`Inventory::view`] for plain words (a query is judged per holding), computed only when the filter or the order changed.
    pub fn rows<'a>(
        &self,
        inventory: &'a Inventory,
        filter: &str,
        order: SortOrder,
        rules: &AuditConfig,
    ) -> Vec<&'a KeyEntry> {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let fresh = matches!(&*last, Some((f, o, _)) if f == filter && *o == order);
        if !fresh {
            let keys = &inventory.keys;
            let mut idx: Vec<usize> = match read_filter(filter) {
                Ok(Filter::Query(q)) => {
                    let q = InventoryQuery::new(&q, inventory, rules, OffsetDateTime::now_utc());
                    (0..keys.len()).filter(|&i| q.matches(&keys[i])).collect()
                }
                // A malformed text never gets here (the update keeps the last good one), but if
                // it did, plain words are the safe reading.
                Ok(Filter::Words(_)) | Err(_) => inventory.matching(filter),
            };
            // Stable, like `Inventory::view`, so equal keys keep the inventory's order.
            idx.sort_by(|&a, &b| order.compare(&keys[a], &keys[b]));
            *last = Some((filter.to_string(), order, idx));
        }
        match &*last {
            Some((_, _, idx)) => idx.iter().filter_map(|&i| inventory.keys.get(i)).collect(),
            None => Vec::new(),
        }
    }
}

/// A copy starts empty: the rows are cheap to compute again, and copies are rare (tests).
impl Clone for RowsCache {
    fn clone(&self) -> Self {
        RowsCache::default()
    }
}

/// Two caches are always equal: what they hold follows from the inventory they sit next to.
impl PartialEq for RowsCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for RowsCache {}

impl std::fmt::Debug for RowsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RowsCache")
    }
}
