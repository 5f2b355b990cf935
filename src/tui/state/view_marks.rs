//! Which holdings a row of `K` stands for, and whether it shows as selected: shared by the
//! update code that selects and the renderer that marks.

use crate::ops::audit::{KeyEntry, KeyHolding};
use crate::tui::state::State;
use crate::tui::state::selection::{RowItem, SelectedKey};

/// The selection identity of one holding of `entry`.
pub fn holding_item(entry: &KeyEntry, h: &KeyHolding) -> RowItem {
    RowItem::Key(SelectedKey {
        scope: h.scope.clone(),
        fingerprint: entry.fingerprint.to_string(),
        label: crate::sanitize::clean_line(&h.label),
    })
}

/// Every holding of `entry`.
pub fn every_holding(entry: &KeyEntry) -> Vec<RowItem> {
    entry
        .holdings
        .iter()
        .map(|h| holding_item(entry, h))
        .collect()
}

/// Whether a `K` row shows as selected: one of its holdings is, or it is in the visual range.
pub fn all_keys_row_marked(state: &State, row: usize, entry: &KeyEntry) -> bool {
    let v = &state.insight.all_keys;
    if let Some(anchor) = v.visual
        && (anchor.min(v.cursor)..=anchor.max(v.cursor)).contains(&row)
    {
        return true;
    }
    every_holding(entry)
        .iter()
        .any(|i| state.selection.contains(i))
}
