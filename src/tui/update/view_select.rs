//! The selection gestures and the write actions in `K` (All keys) and `f` (where used): the
//! same keys as in the panes, through the same selection and bulk plans. A row of `K` is a key
//! with all its holdings, so selecting it selects every holding; a filtered `K` judges a query
//! per holding, so Ctrl-A takes only the holdings that match.

use time::OffsetDateTime;

use crate::ops::audit::KeyEntry;
use crate::ops::query::{Filter, InventoryQuery, read_filter};
use crate::tui::action::Action;
use crate::tui::state::insight::{all_keys_rows, focused_inventory};
use crate::tui::state::msg::Command;
use crate::tui::state::selection::RowItem;
use crate::tui::state::view_marks::{every_holding, holding_item};
use crate::tui::state::{FullView, State};
use crate::tui::update::bulk_actions;

/// The holdings of the rows of `K` that its filter matches: all of them for plain words (a
/// word matches the key), only the matching places for a query.
fn matching_holdings(state: &State) -> Vec<RowItem> {
    let Some(w) = focused_inventory(state) else {
        return Vec::new();
    };
    let v = &state.insight.all_keys;
    let text = v.filter_fallback.as_deref().unwrap_or(&v.filter);
    let rows = all_keys_rows(state);
    match read_filter(text) {
        Ok(Filter::Query(q)) => {
            let now = state
                .insight
                .settings
                .clock
                .unwrap_or_else(OffsetDateTime::now_utc);
            let q = InventoryQuery::new(&q, &w.inventory, &state.insight.settings.rules, now);
            rows.iter()
                .flat_map(|e| {
                    e.holdings
                        .iter()
                        .filter(|h| q.matches_holding(e, h))
                        .map(|h| holding_item(e, h))
                        .collect::<Vec<_>>()
                })
                .collect()
        }
        Ok(Filter::Words(_)) | Err(_) => rows.iter().flat_map(|e| every_holding(e)).collect(),
    }
}

/// The holdings of the `K` rows from `from` to `to`, both included, in either order.
fn rows_holdings(state: &State, from: usize, to: usize) -> Vec<RowItem> {
    let (lo, hi) = (from.min(to), from.max(to));
    all_keys_rows(state)
        .iter()
        .skip(lo)
        .take(hi + 1 - lo)
        .flat_map(|e| every_holding(e))
        .collect()
}

/// Ends a `K` visual range, keeping what it covers.
pub fn commit_all_keys_visual(state: &mut State) {
    if let Some(anchor) = state.insight.all_keys.visual.take() {
        let cursor = state.insight.all_keys.cursor;
        for item in rows_holdings(state, anchor, cursor) {
            state.selection.insert(item);
        }
    }
}

/// Selects every item, or removes them all when they all were selected already.
fn toggle_all(state: &mut State, items: Vec<RowItem>) {
    if items.is_empty() {
        bulk_actions::say(state, "Nothing here can be selected", false);
        return;
    }
    if items.iter().all(|i| state.selection.contains(i)) {
        items.iter().for_each(|i| state.selection.remove(i));
    } else {
        items.into_iter().for_each(|i| state.selection.insert(i));
    }
}

fn select(state: &mut State, items: Vec<RowItem>) {
    let n = items.len();
    items.into_iter().for_each(|i| state.selection.insert(i));
    let word = if n == 1 { "place" } else { "places" };
    bulk_actions::say(state, format!("Selected the key in {n} {word}"), false);
}

/// The key the view shows on its cursor (`K`) or looks up (`f`).
fn focused_entry(state: &State, view: FullView) -> Option<KeyEntry> {
    match view {
        FullView::AllKeys => all_keys_rows(state)
            .get(state.insight.all_keys.cursor)
            .map(|e| (*e).clone()),
        _ => {
            let target = state.insight.find.as_ref()?;
            let w = state.insight.inventories.get(&target.ws)?;
            w.inventory.get(&target.fingerprint).cloned()
        }
    }
}

/// Space, `v`, Ctrl-A, Ctrl-R, `s`, `d`, `e` and `o` in `K` or `f`. Returns `false` for
/// other actions.
pub fn action(state: &mut State, view: FullView, a: Action, out: &mut Vec<Command>) -> bool {
    let entry = focused_entry(state, view);
    let row = entry.as_ref().map(every_holding).unwrap_or_default();
    match a {
        Action::ToggleSelect => {
            toggle_all(state, row);
            if view == FullView::AllKeys {
                crate::tui::update::cursor::move_all_keys(state, Action::Down);
            }
        }
        Action::SelectCopies => select(state, row),
        Action::VisualSelect if view == FullView::AllKeys => {
            if state.insight.all_keys.visual.is_some() {
                commit_all_keys_visual(state);
            } else {
                state.insight.all_keys.visual = Some(state.insight.all_keys.cursor);
                bulk_actions::say(
                    state,
                    "Visual selection: move to extend it, v or Esc to keep it",
                    false,
                );
            }
        }
        // `f` shows one key: its only row.
        Action::VisualSelect => toggle_all(state, row),
        Action::SelectAll => {
            commit_all_keys_visual(state);
            let items = if view == FullView::AllKeys {
                matching_holdings(state)
            } else {
                row
            };
            select(state, items);
        }
        Action::InvertSelection => {
            commit_all_keys_visual(state);
            let items = if view == FullView::AllKeys {
                rows_holdings(state, 0, usize::MAX / 2)
            } else {
                row
            };
            items.into_iter().for_each(|i| state.selection.toggle(i));
        }
        Action::DeleteKey | Action::EditLabel | Action::Rotate => {
            commit_all_keys_visual(state);
            // Nothing selected: the key on the cursor, every place it is held.
            if state.selection.keys.is_empty() {
                row.into_iter().for_each(|i| state.selection.insert(i));
            }
            bulk_actions::action(state, a, out);
        }
        _ => return false,
    }
    true
}
