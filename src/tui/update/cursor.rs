//! The panes' cursors and scrolling: moving, clicking, the wheel, and keeping the cursor of a
//! list that changed on a row. Shared by the keys, the answers and the writes' updates.

use ratatui::layout::{Position, Rect};

use crate::tui::action::Action;
use crate::tui::state::{Pane, PaneStatus, RepoRow, State};
use crate::tui::ui::layout;

/// Ticks of quiet after cursor movement before the newly focused item is loaded, so holding
/// `j` through fifty repositories costs one request, not fifty.
pub const SETTLE_TICKS: u8 = 2;

/// Moves the focused pane's cursor by `delta` rows, within bounds.
pub(crate) fn move_cursor(state: &mut State, delta: isize) {
    let pane = state.focus;
    let i = pane.index();
    let len = state.row_count(pane);
    let before = state.cursor[i];
    let after = (before as isize)
        .saturating_add(delta)
        .clamp(0, len.saturating_sub(1) as isize) as usize;
    state.cursor[i] = after;
    scroll_to_cursor(state, pane);
    if after != before {
        children_changed(state, pane);
        state.settle = SETTLE_TICKS;
    }
}

/// The item of `pane` changed: the panes to its right start from their top.
pub(crate) fn children_changed(state: &mut State, pane: Pane) {
    if pane == Pane::Workspaces {
        state.cursor[1] = 0;
        state.offset[1] = 0;
        state.repo_cursor_default = true;
    }
    if pane != Pane::Keys {
        state.cursor[2] = 0;
        state.offset[2] = 0;
    }
}

/// New repository lists open on the first repository rather than on "Project keys", which
/// is one row above it.
pub(crate) fn fix_repo_cursor(state: &mut State) {
    if state.repo_cursor_default && state.pane_status(Pane::Repositories) == PaneStatus::Ready {
        state.repo_cursor_default = false;
        let rows = state.repo_rows();
        if state.cursor[1] == 0
            && matches!(rows.first(), Some(RepoRow::ProjectKeys))
            && rows.len() > 1
        {
            state.cursor[1] = 1;
        }
    }
}

pub(crate) fn pane_rect(state: &State, pane: Pane) -> Rect {
    layout::areas(Rect::new(0, 0, state.size.0, state.size.1)).panes[pane.index()]
}

pub(crate) fn scroll_to_cursor(state: &mut State, pane: Pane) {
    let i = pane.index();
    let h = layout::list_height(pane_rect(state, pane));
    let c = state.cursor[i];
    if c < state.offset[i] {
        state.offset[i] = c;
    } else if c >= state.offset[i] + h {
        state.offset[i] = c + 1 - h;
    }
}

pub(crate) fn click(state: &mut State, x: u16, y: u16) {
    for pane in Pane::ALL {
        let r = pane_rect(state, pane);
        if !r.contains(Position::new(x, y)) {
            continue;
        }
        state.focus = pane;
        if y > r.y && y < r.y + r.height - 1 {
            let row = state.offset[pane.index()] + usize::from(y - r.y - 1);
            if row < state.row_count(pane) && row != state.cursor[pane.index()] {
                state.cursor[pane.index()] = row;
                children_changed(state, pane);
            }
        }
    }
}

/// The wheel moves the view, not the cursor: the selection stays where the keyboard put it.
pub(crate) fn wheel(state: &mut State, x: u16, y: u16, down: bool) {
    for pane in Pane::ALL {
        if pane_rect(state, pane).contains(Position::new(x, y)) {
            let i = pane.index();
            let h = layout::list_height(pane_rect(state, pane));
            let max = state.row_count(pane).saturating_sub(h);
            state.offset[i] = if down {
                (state.offset[i] + 3).min(max)
            } else {
                state.offset[i].saturating_sub(3)
            };
        }
    }
}

/// Lists can shrink under the cursor (a reload, a scan); keep every cursor on a row.
pub(crate) fn clamp_cursors(state: &mut State) {
    fix_repo_cursor(state);
    for pane in Pane::ALL {
        let i = pane.index();
        let len = state.row_count(pane);
        if state.cursor[i] >= len {
            state.cursor[i] = len.saturating_sub(1);
        }
        scroll_to_cursor(state, pane);
    }
}

/// Moves the All keys view's cursor, keeping it on screen.
pub(crate) fn move_all_keys(state: &mut State, a: Action) {
    let len = crate::tui::state::insight::all_keys_rows(state).len();
    let page = crate::tui::state::insight::all_keys_page(state);
    let v = &mut state.insight.all_keys;
    let delta: isize = match a {
        Action::Up => -1,
        Action::Down => 1,
        Action::Top => isize::MIN / 2,
        Action::Bottom => isize::MAX / 2,
        Action::PageDown => page as isize,
        Action::PageUp => -(page as isize),
        Action::HalfPageDown => (page / 2).max(1) as isize,
        Action::HalfPageUp => -((page / 2).max(1) as isize),
        _ => return,
    };
    v.cursor = (v.cursor as isize)
        .saturating_add(delta)
        .clamp(0, len.saturating_sub(1) as isize) as usize;
    if v.cursor < v.offset {
        v.offset = v.cursor;
    } else if v.cursor >= v.offset + page {
        v.offset = v.cursor + 1 - page;
    }
}
