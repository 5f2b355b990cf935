//! `update()` for the journal view (`L`): listing, moving, and `u` (undo) and `c` (finish),
//! each behind a confirmation. Outside the view `u` keeps restoring the last cleared selection.

use crate::tui::action::Action;
use crate::tui::state::dialog::{Confirm, Dialog};
use crate::tui::state::journal_view::JournalRow;
use crate::tui::state::msg::{Command, Msg, WorkerMsg};
use crate::tui::state::{FullView, Load, State};

/// Handles what belongs to the view. Returns the message when `update()` must still see it.
pub fn update(state: &mut State, msg: Msg, out: &mut Vec<Command>) -> Option<Msg> {
    let on_top = state.views.top() == Some(FullView::Journal) && state.dialog.is_none();
    match msg {
        Msg::Worker(WorkerMsg::JournalListed { req_id, result }) => {
            let v = &mut state.insight.journal;
            if v.req == req_id {
                v.rows = match result {
                    Ok(rows) => Load::Ready(rows),
                    Err(e) => Load::Failed(e),
                };
                let len = rows(state).len();
                let v = &mut state.insight.journal;
                v.cursor = v.cursor.min(len.saturating_sub(1));
            }
            None
        }
        // An undo or finish changed the journal: list it again.
        Msg::Worker(WorkerMsg::Recovered { .. }) if state.views.is_open(FullView::Journal) => {
            list(state, out);
            Some(msg)
        }
        Msg::Action(Action::JournalView)
            if state.dialog.is_none() && !state.views.is_open(FullView::Help) =>
        {
            if on_top {
                state.views.close(FullView::Journal);
            } else {
                state.insight.journal.cursor = 0;
                state.views.open(FullView::Journal);
                list(state, out);
            }
            None
        }
        Msg::Action(a) if on_top => action(state, a, out).then_some(msg),
        other => Some(other),
    }
}

/// The rows as last listed (none while loading).
pub fn rows(state: &State) -> &[JournalRow] {
    match &state.insight.journal.rows {
        Load::Ready(r) => r,
        _ => &[],
    }
}

fn list(state: &mut State, out: &mut Vec<Command>) {
    let req_id = state.req();
    let v = &mut state.insight.journal;
    v.req = req_id;
    if !matches!(v.rows, Load::Ready(_)) {
        v.rows = Load::Loading(req_id);
    }
    out.push(Command::ListJournal { req_id });
}

/// Returns whether `update()` must still see the action.
fn action(state: &mut State, a: Action, out: &mut Vec<Command>) -> bool {
    let len = rows(state).len();
    let row = rows(state).get(state.insight.journal.cursor).cloned();
    let v = &mut state.insight.journal;
    match a {
        Action::Up => v.cursor = v.cursor.saturating_sub(1),
        Action::Down => v.cursor = (v.cursor + 1).min(len.saturating_sub(1)),
        Action::Top => v.cursor = 0,
        Action::Bottom => v.cursor = len.saturating_sub(1),
        Action::Cancel => state.views.close(FullView::Journal),
        Action::Reload => list(state, out),
        Action::RestoreSelection => match row {
            Some(r) => confirm(
                state,
                "Undo",
                &r,
                "Put its places back as they were",
                |req_id, id| Command::UndoJournal { req_id, id },
            ),
            None => say(state, "Nothing to undo"),
        },
        Action::FinishEntry => match row {
            Some(r) if r.pending => confirm(
                state,
                "Finish",
                &r,
                "Carry out the rest of it now",
                |req_id, id| Command::Recover {
                    req_id,
                    ids: vec![id],
                },
            ),
            Some(r) => say(state, &format!("{} is finished already", r.short_id())),
            None => say(state, "Nothing to finish"),
        },
        Action::Help | Action::Quit | Action::Suspend => return true,
        _ => {}
    }
    false
}

fn say(state: &mut State, text: &str) {
    state.message = Some((text.to_string(), false));
}

fn confirm(
    state: &mut State,
    verb: &str,
    row: &JournalRow,
    effect: &str,
    command: impl Fn(crate::tui::state::ReqId, String) -> Command,
) {
    let req_id = state.req();
    let mut lines = vec![
        format!("{verb} {}?", row.short_id()),
        String::new(),
        row.what.clone(),
    ];
    if !row.waiting.is_empty() {
        lines.push(format!("Still waiting: {}", row.waiting.join(", ")));
    }
    lines.push(String::new());
    lines.push(format!("{effect}."));
    state.dialog = Some(Dialog::Confirm(Confirm {
        title: format!("{verb} a journaled operation"),
        lines,
        command: command(req_id, row.id.clone()),
    }));
}
