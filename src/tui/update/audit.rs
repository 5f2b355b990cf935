//! `update()` for the audit view (`A`): moving over the findings, Enter selecting the holdings
//! a finding concerns, and `d`, `e`, `o` on them through the usual plans.

use crate::tui::action::Action;
use crate::tui::state::audit_view::{self, concerned};
use crate::tui::state::msg::Command;
use crate::tui::state::{FullView, State};
use crate::tui::update::bulk_actions;

/// `A`: opens the view on the first finding.
pub fn open(state: &mut State) {
    state.insight.audit = Default::default();
    state.views.open(FullView::Audit);
    if crate::tui::state::insight::focused_inventory(state).is_none() {
        let rescan = state
            .keymap
            .first_key(Action::Rescan)
            .unwrap_or_else(|| "R".into());
        bulk_actions::say(
            state,
            format!("The audit needs a scan of the workspace: press {rescan}"),
            false,
        );
    }
}

/// Rows the view shows at once: the screen less status, hints, borders and a header.
fn page(state: &State) -> usize {
    usize::from(state.size.1.saturating_sub(6)).max(1)
}

/// The keys of the audit view. Returns whether `update()` must still see the action.
pub fn action(state: &mut State, a: Action, out: &mut Vec<Command>) -> bool {
    let len = audit_view::findings(state).len();
    let page = page(state);
    let chosen = audit_view::findings(state)
        .get(state.insight.audit.cursor)
        .cloned();
    let items = chosen
        .as_ref()
        .map(|f| concerned(state, f))
        .unwrap_or_default();
    let delta: isize = match a {
        Action::Up => -1,
        Action::Down => 1,
        Action::Top => isize::MIN / 2,
        Action::Bottom => isize::MAX / 2,
        Action::PageDown => page as isize,
        Action::PageUp => -(page as isize),
        Action::HalfPageDown => (page / 2).max(1) as isize,
        Action::HalfPageUp => -((page / 2).max(1) as isize),
        Action::Cancel | Action::AuditView => {
            state.views.close(FullView::Audit);
            return false;
        }
        Action::Open | Action::Right | Action::ToggleSelect | Action::SelectCopies => {
            select(state, items);
            return false;
        }
        Action::DeleteKey | Action::EditLabel | Action::Rotate => {
            if state.selection.keys.is_empty() {
                items.into_iter().for_each(|i| state.selection.insert(i));
            }
            bulk_actions::action(state, a, out);
            return false;
        }
        Action::Export => {
            crate::tui::update::export::export(state, out);
            return false;
        }
        Action::Help | Action::Quit | Action::Suspend | Action::Rescan => {
            return true;
        }
        _ => return false,
    };
    let v = &mut state.insight.audit;
    v.cursor = (v.cursor as isize)
        .saturating_add(delta)
        .clamp(0, len.saturating_sub(1) as isize) as usize;
    false
}

fn select(state: &mut State, items: Vec<crate::tui::state::selection::RowItem>) {
    if items.is_empty() {
        bulk_actions::say(
            state,
            "This finding is about a place, not a key: nothing to select",
            false,
        );
        return;
    }
    let n = items.len();
    items.into_iter().for_each(|i| state.selection.insert(i));
    let word = if n == 1 { "key" } else { "keys" };
    bulk_actions::say(
        state,
        format!("Selected {n} {word}; d deletes, e relabels, o rotates"),
        false,
    );
}
