//! `update()`: every input and every worker answer goes through here. It is synchronous and
//! does no I/O; what should happen outside is returned as `Command`s (design.md §1).

pub(crate) mod audit;
pub(crate) mod bulk_actions;
pub(crate) mod cursor;
pub(crate) mod dc_label;
pub(crate) mod dialog_input;
pub(crate) mod drift;
pub(crate) mod export;
pub(crate) mod find_view;
pub(crate) mod insight;
pub(crate) mod journal;
pub(crate) mod own_writes;
pub(crate) mod pane_edits;
pub(crate) mod permission;
pub(crate) mod profiles;
pub(crate) mod read_answers;
pub(crate) mod scan;
pub(crate) mod view_actions;
pub(crate) mod view_select;
pub(crate) mod workspace_entry;
pub(crate) mod workspace_list;
pub(crate) mod write_answers;

use crate::tui::action::Action;
pub use crate::tui::state::msg::{Command, Msg, TextInput, WorkerMsg};
use crate::tui::state::*;
use crate::tui::ui::layout;
pub use cursor::SETTLE_TICKS;
use cursor::{children_changed, click, pane_rect, wheel};
pub(crate) use cursor::{fix_repo_cursor, move_cursor, scroll_to_cursor};
pub(crate) use scan::rescan;

/// Commands to run at start: the workspaces, and a look at the journal for operations an
/// earlier run left unfinished.
pub fn init(state: &mut State) -> Vec<Command> {
    let mut out = Vec::new();
    if state.screen == Screen::Main {
        out.push(Command::CheckJournal);
        ensure_loaded(state, &mut out);
        workspace_list::ask(state, &mut out);
    }
    out
}

/// Applies one message. Marks the state dirty when the screen must change.
pub fn update(state: &mut State, msg: Msg) -> Vec<Command> {
    let mut out = Vec::new();
    if msg == Msg::Tick {
        if state.settle > 0 {
            state.settle -= 1;
            if state.settle == 0 {
                ensure_loaded(state, &mut out);
            }
        }
        if state.is_loading() {
            state.spinner = state.spinner.wrapping_add(1);
            state.dirty = true;
        }
        return out;
    }
    state.dirty = true;
    // Only the Esc that directly follows the one that asked clears the selection.
    if !matches!(
        msg,
        Msg::Action(Action::Cancel) | Msg::Worker(_) | Msg::Resize(..)
    ) {
        state.esc_armed = false;
    }
    if state.screen == Screen::FirstRun {
        match msg {
            Msg::Action(Action::Quit) => out.push(Command::Quit),
            Msg::Action(Action::OpenDemo) => out.push(Command::OpenDemo),
            Msg::Action(Action::Suspend) => out.push(Command::Suspend),
            Msg::Resize(w, h) => state.size = (w, h),
            _ => {}
        }
        return out;
    }
    let field = edited_field(state);
    // A message the workspace-wide views consumed becomes a no-op `Tick` for the match below,
    // so the tail (cursor fix, loading what is focused) still runs.
    let msg = drift::update(state, msg, &mut out).unwrap_or(Msg::Tick);
    let msg = journal::update(state, msg, &mut out).unwrap_or(Msg::Tick);
    let msg = insight::update(state, msg, &mut out).unwrap_or(Msg::Tick);
    match msg {
        // Ctrl-C quits even from a dialog; other actions cannot reach an open dialog.
        Msg::Action(Action::Quit) if state.dialog.is_some() => out.push(Command::Quit),
        Msg::Action(_) if state.dialog.is_some() => {}
        Msg::Action(a) if state.views.base().is_some() && !state.views.is_open(FullView::Help) => {
            crate::tui::update::view_actions::view_action(state, a, &mut out)
        }
        Msg::Action(a) => action(state, a, &mut out),
        Msg::Input(t) if state.dialog.is_some() => {
            crate::tui::update::dialog_input::input(state, t, &mut out)
        }
        Msg::Input(t) => input(state, t),
        Msg::Worker(w) => crate::tui::update::read_answers::worker(state, w, &mut out),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            for p in Pane::ALL {
                scroll_to_cursor(state, p);
            }
        }
        Msg::Click(x, y) => click(state, x, y),
        Msg::Wheel(x, y, down) => wheel(state, x, y, down),
        Msg::Tick => {}
    }
    // A visual range belongs to one pane: leaving the pane keeps what it covered.
    if state
        .selection
        .visual
        .is_some_and(|v| v.pane != state.focus)
    {
        crate::tui::state::selection::commit_visual(state);
    }
    fix_repo_cursor(state);
    if state.settle == 0 {
        ensure_loaded(state, &mut out);
    }
    insight::after(state, &mut out);
    if edited_field(state) != field {
        state.caret = 0;
    }
    log_message(state);
    out
}

/// Which text field keys are typed into, if any: the caret belongs to one field and starts at
/// the end of the next one.
fn edited_field(state: &State) -> Option<(u8, usize)> {
    use crate::tui::state::dialog::Dialog;
    match &state.dialog {
        Some(Dialog::Add(f)) => Some((0, f.field)),
        Some(Dialog::Rotate(f)) => Some((1, f.field)),
        Some(Dialog::Label(_)) => Some((2, 0)),
        Some(Dialog::Plan(_)) => Some((3, 0)),
        Some(Dialog::Workspace(_)) => Some((4, 0)),
        Some(_) => None,
        None if state.typing && state.views.insight().is_some() => Some((5, 0)),
        None if state.typing => Some((6, state.focus.index())),
        None => None,
    }
}

/// How many messages the log keeps.
const LOG_LEN: usize = 500;

/// Keeps every new status message in the log, so one cut off in the status bar can be read.
fn log_message(state: &mut State) {
    let Some(m) = &state.message else { return };
    if state.log.last() != Some(m) {
        state.log.push(m.clone());
        if state.log.len() > LOG_LEN {
            state.log.remove(0);
        }
    }
}

fn action(state: &mut State, a: Action, out: &mut Vec<Command>) {
    if state.views.is_open(FullView::Help) {
        match a {
            Action::Help | Action::Cancel => {
                state.views.close(FullView::Help);
                state.help_scroll = 0;
            }
            Action::Down => state.help_scroll += 1,
            Action::Up => state.help_scroll = state.help_scroll.saturating_sub(1),
            Action::Quit => out.push(Command::Quit),
            Action::Suspend => out.push(Command::Suspend),
            _ => {}
        }
        return;
    }
    let focus = state.focus;
    let page = layout::list_height(pane_rect(state, focus));
    match a {
        Action::Up => move_cursor(state, -1),
        Action::Down => move_cursor(state, 1),
        Action::Top => move_cursor(state, isize::MIN / 2),
        Action::Bottom => move_cursor(state, isize::MAX / 2),
        Action::HalfPageDown => move_cursor(state, (page / 2).max(1) as isize),
        Action::HalfPageUp => move_cursor(state, -((page / 2).max(1) as isize)),
        Action::PageDown => move_cursor(state, page as isize),
        Action::PageUp => move_cursor(state, -(page as isize)),
        Action::NextPane => state.focus = Pane::ALL[(focus.index() + 1) % 3],
        Action::PrevPane => state.focus = Pane::ALL[(focus.index() + 2) % 3],
        Action::Left => state.focus = Pane::ALL[focus.index().saturating_sub(1)],
        // A credential that cannot list workspaces types one instead.
        Action::Open | Action::Right
            if focus == Pane::Workspaces && crate::tui::update::workspace_entry::offered(state) =>
        {
            crate::tui::update::workspace_entry::open(state)
        }
        Action::Right | Action::Open => state.focus = Pane::ALL[(focus.index() + 1).min(2)],
        Action::FocusWorkspaces => state.focus = Pane::Workspaces,
        Action::FocusRepositories => state.focus = Pane::Repositories,
        Action::FocusKeys => state.focus = Pane::Keys,
        Action::Filter => state.typing = true,
        Action::Cancel => {
            // Esc closes the topmost thing: visual mode, then the filter; a selection is only
            // cleared by a second Esc, and `u` brings it back.
            if state.selection.visual.is_some() {
                crate::tui::state::selection::commit_visual(state);
            } else if !state.filter[focus.index()].is_empty() {
                set_filter(state, String::new());
            } else {
                crate::tui::state::selection::escape_selection(state);
            }
        }
        Action::RestoreSelection => crate::tui::state::selection::restore(state),
        Action::Messages => {
            state.views.open(FullView::Messages);
            state.view_cursor = 0;
        }

        Action::Help => state.views.open(FullView::Help),
        Action::Quit => out.push(Command::Quit),
        Action::Suspend => out.push(Command::Suspend),
        Action::Reload => reload(state),
        Action::Rescan => rescan(state, out),
        Action::CopyFingerprint | Action::CopyPublicKey => copy(state, a, out),
        Action::OpenDemo => {}
        Action::ChangePermission => permission::ask(state),
        Action::SwitchProfile => profiles::open(state),
        // Handled by `insight::update` before they get here.
        Action::AllKeys
        | Action::FindKey
        | Action::Export
        | Action::Credentials
        | Action::DriftView
        | Action::AuditView
        | Action::JournalView
        | Action::FinishEntry
        | Action::SortColumn
        | Action::SortReverse => {}
        other => {
            crate::tui::update::bulk_actions::action(state, other, out);
        }
    }
}

fn input(state: &mut State, t: TextInput) {
    let mut f = state.filter[state.focus.index()].clone();
    match t {
        TextInput::Paste(p) => {
            let p: String = p.chars().filter(|c| !c.is_control()).collect();
            crate::tui::line_edit::edit(&mut f, &mut state.caret, &TextInput::Paste(p));
        }
        TextInput::Submit => state.typing = false,
        TextInput::Abort => {
            state.typing = false;
            f.clear();
        }
        t => {
            crate::tui::line_edit::edit(&mut f, &mut state.caret, &t);
        }
    }
    set_filter(state, f);
}

/// Changing a filter moves the cursor to the first match, so narrowing is visible at once.
fn set_filter(state: &mut State, f: String) {
    let i = state.focus.index();
    if state.filter[i] != f {
        let previous = std::mem::replace(&mut state.filter[i], f);
        // Only the keys pane reads queries; workspaces and repositories match plain text.
        if state.focus == Pane::Keys {
            let checked = crate::tui::state::query_filter::check(
                &state.filter[i],
                previous,
                &mut state.filter_fallback[i],
            );
            crate::tui::state::query_filter::report(&mut state.message, checked);
        }
        state.cursor[i] = 0;
        state.offset[i] = 0;
        children_changed(state, state.focus);
        state.settle = SETTLE_TICKS;
    }
}

/// Issues requests for whatever the focused items need and nobody asked for yet.
fn ensure_loaded(state: &mut State, out: &mut Vec<Command>) {
    if state.workspaces == Load::Idle {
        let req_id = state.req();
        state.workspaces = Load::Loading(req_id);
        out.push(Command::LoadWorkspaces { req_id });
    }
    let Some(ws) = state.focused_workspace().map(|w| w.slug.clone()) else {
        return;
    };
    // A cached scan usually holds everything below; what it lacks is loaded once it answers.
    if insight::ask_cache(state, &ws, out) {
        fix_repo_cursor(state);
        return;
    }
    if matches!(state.repos.get(&ws), None | Some(Load::Idle)) {
        let req_id = state.req();
        state.repos.insert(ws.clone(), Load::Loading(req_id));
        out.push(Command::LoadRepos {
            req_id,
            ws: ws.clone(),
        });
    }
    // Project keys are needed both for the "Project keys" entry and for the keys each
    // repository inherits, so they load together with the repositories.
    if matches!(state.project_keys.get(&ws), None | Some(Load::Idle)) {
        let req_id = state.req();
        state.project_keys.insert(ws.clone(), Load::Loading(req_id));
        state.key_rows_cache.touch();
        out.push(Command::LoadProjectKeys {
            req_id,
            ws: ws.clone(),
        });
    }
    fix_repo_cursor(state);
    if let Some(RepoRow::Repo(r)) = state.focused_repo_row() {
        let k = (ws.clone(), r.slug.clone());
        if matches!(state.keys.get(&k), None | Some(Load::Idle)) {
            let req_id = state.req();
            state.keys.insert(k.clone(), Load::Loading(req_id));
            state.key_rows_cache.touch();
            out.push(Command::LoadKeys {
                req_id,
                ws,
                repo: k.1,
            });
        }
    }
}

/// `r`: forget the focused item's data; `ensure_loaded` fetches it again.
fn reload(state: &mut State) {
    state.key_rows_cache.touch();
    let ws = state.focused_workspace().map(|w| w.slug.clone());
    match (state.focus, ws) {
        (Pane::Workspaces, _) | (_, None) => {
            state.workspaces = Load::Idle;
            state.message = Some(("Reloading workspaces".into(), false));
        }
        (Pane::Repositories, Some(ws)) => {
            state.repos.insert(ws.clone(), Load::Idle);
            state.project_keys.insert(ws.clone(), Load::Idle);
            state.message = Some((format!("Reloading the repositories of {ws}"), false));
        }
        (Pane::Keys, Some(ws)) => match state.focused_repo_row() {
            Some(RepoRow::Repo(r)) => {
                let slug = r.slug.clone();
                state.message = Some((format!("Reloading the keys of {ws}/{slug}"), false));
                state.keys.insert((ws, slug), Load::Idle);
            }
            Some(RepoRow::ProjectKeys) => {
                state.project_keys.insert(ws.clone(), Load::Idle);
                state.message = Some((format!("Reloading the project keys of {ws}"), false));
            }
            None => {}
        },
    }
    state.settle = 0;
}

fn copy(state: &mut State, a: Action, out: &mut Vec<Command>) {
    let Some(key) = state.focused_key() else {
        state.message = Some(("No key is focused".into(), true));
        return;
    };
    let name = if key.label.is_empty() {
        format!("key {}", key.id)
    } else {
        key.label.clone()
    };
    let (text, what) = if a == Action::CopyFingerprint {
        match key.fingerprint() {
            Some(fp) => (fp.to_string(), "fingerprint"),
            None => {
                state.message = Some((format!("{name} has no readable fingerprint"), true));
                return;
            }
        }
    } else {
        (key.public_key().to_string(), "public key")
    };
    state.message = Some((
        format!("Copied the {what} of {name} to the clipboard"),
        false,
    ));
    out.push(Command::CopyToClipboard(text));
}
