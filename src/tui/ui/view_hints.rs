//! The hint bar of the full-screen views with keys of their own: only the keys that work there.

use crate::tui::action::Action;
use crate::tui::state::{FullView, State};

/// `K`: moving, selecting and the write actions; sorting and filtering.
const ALL_KEYS: &[(Action, &str)] = &[
    (Action::Down, "move"),
    (Action::ToggleSelect, "select"),
    (Action::SelectAll, "all"),
    (Action::DeleteKey, "delete"),
    (Action::EditLabel, "label"),
    (Action::Rotate, "rotate"),
    (Action::Filter, "filter"),
    (Action::FindKey, "where used"),
    (Action::SortColumn, "sort"),
    (Action::Cancel, "close"),
];

/// `f`: one key, so selecting it takes every place it is held.
const FIND: &[(Action, &str)] = &[
    (Action::Down, "scroll"),
    (Action::ToggleSelect, "select"),
    (Action::DeleteKey, "delete"),
    (Action::EditLabel, "label"),
    (Action::Rotate, "rotate"),
    (Action::Cancel, "back"),
];

/// `A`: Enter selects what a finding concerns, then the write actions.
const AUDIT: &[(Action, &str)] = &[
    (Action::Down, "move"),
    (Action::Open, "select its keys"),
    (Action::DeleteKey, "delete"),
    (Action::EditLabel, "label"),
    (Action::Rotate, "rotate"),
    (Action::Export, "export"),
    (Action::Cancel, "close"),
];

/// `L`: undo or finish the operation under the cursor.
const JOURNAL: &[(Action, &str)] = &[
    (Action::Down, "move"),
    (Action::RestoreSelection, "undo"),
    (Action::FinishEntry, "finish"),
    (Action::Reload, "refresh"),
    (Action::Cancel, "close"),
];

/// `D`: the plan scrolls; Enter applies it after a fresh read.
const DRIFT: &[(Action, &str)] = &[
    (Action::Down, "scroll"),
    (Action::Open, "apply"),
    (Action::Reload, "plan again"),
    (Action::Cancel, "close"),
];

/// `C`: a report to read; `r` asks the server again.
const CREDENTIALS: &[(Action, &str)] = &[
    (Action::Down, "scroll"),
    (Action::PageDown, "page"),
    (Action::Reload, "check again"),
    (Action::Cancel, "close"),
    (Action::Help, "help"),
    (Action::Quit, "quit"),
];

/// The hints of the view on screen, when it is one of these.
pub fn of(state: &State) -> Option<&'static [(Action, &'static str)]> {
    match state.views.top()? {
        FullView::AllKeys => Some(ALL_KEYS),
        FullView::Find => Some(FIND),
        FullView::Audit => Some(AUDIT),
        FullView::Journal => Some(JOURNAL),
        FullView::Drift => Some(DRIFT),
        FullView::Credentials => Some(CREDENTIALS),
        _ => None,
    }
}
