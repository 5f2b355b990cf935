//! `update()` for the workspace-wide views: keys, worker answers and the cache request.

use crate::ops::audit::{Direction, Inventory};
use crate::sshkey::Fingerprint;
use crate::tui::action::Action;
use crate::tui::state::insight::*;
use crate::tui::state::msg::{Command, Msg, TextInput, WorkerMsg};
use crate::tui::state::{FullView, Load, Pane, ReqId, ScanData, State};
use crate::tui::update::find_view::{self, open_find};
use crate::tui::update::{view_select, workspace_list};

/// Handles what belongs to these views. Returns the message untouched when `update()` must
/// handle it, `None` when it was consumed here.
pub fn update(state: &mut State, msg: Msg, out: &mut Vec<Command>) -> Option<Msg> {
    match msg {
        Msg::Worker(WorkerMsg::Workspaces { .. }) => workspace_list::live(state, msg, out),
        Msg::Worker(WorkerMsg::Insight(m)) => {
            answer(state, m);
            None
        }
        // A failed scan will not bring the key a find waits for: give up on it.
        Msg::Worker(WorkerMsg::Scanned {
            req_id,
            result: Err(_),
            ..
        }) if state.scan.as_ref().is_some_and(|s| s.req_id == req_id) => {
            state.insight.pending_find = None;
            Some(msg)
        }
        // An open dialog takes every key, over these views too.
        Msg::Action(_) | Msg::Input(_) if state.dialog.is_some() => Some(msg),
        Msg::Action(a) if state.views.is_open(FullView::Help) => {
            help_action(state, a).then_some(msg)
        }
        Msg::Action(a) => action(state, a, out).then_some(msg),
        Msg::Input(t) if state.views.insight() == Some(FullView::AllKeys) => {
            input(state, t);
            None
        }
        // The panes under an open view must not react to the mouse.
        Msg::Click(..) | Msg::Wheel(..) if state.views.insight().is_some() => None,
        other => Some(other),
    }
}

/// Runs after `update()` handled a message: asks the cache for a newly focused workspace.
pub fn after(state: &mut State, out: &mut Vec<Command>) {
    workspace_list::ask(state, out);
    if let Some(ws) = state.focused_workspace().map(|w| w.slug.clone()) {
        ask_cache(state, &ws, out);
    }
}

/// Asks for the cached scan of `ws` once per session. Returns whether it is being read, in
/// which case the live loads of `ws` wait for the answer.
pub fn ask_cache(state: &mut State, ws: &str, out: &mut Vec<Command>) -> bool {
    let Some(dir) = state.insight.settings.cache_dir.clone() else {
        return false;
    };
    if state.insight.cache.contains_key(ws) || state.insight.inventories.contains_key(ws) {
        return reading_cache(state, ws);
    }
    let req_id = state.req();
    state
        .insight
        .cache
        .insert(ws.to_string(), CacheStage::Reading(req_id));
    out.push(Command::Insight(InsightCommand::LoadCache {
        req_id,
        dir,
        ws: ws.to_string(),
        rules: state.insight.settings.rules,
        clock: state.insight.settings.clock,
    }));
    true
}

/// While help is open only Tab (scope page) and, on that page, movement are handled here.
/// Returns whether `update()` must still see the action.
fn help_action(state: &mut State, a: Action) -> bool {
    let i = &mut state.insight;
    match a {
        Action::NextPane | Action::PrevPane => {
            i.help_scopes = !i.help_scopes;
            i.scroll = 0;
            false
        }
        Action::Down | Action::Up | Action::Top if i.help_scopes => {
            scroll(&mut i.scroll, a);
            false
        }
        Action::Help | Action::Cancel => {
            i.help_scopes = false;
            true
        }
        _ => true,
    }
}

fn scroll(offset: &mut usize, a: Action) {
    match a {
        Action::Down => *offset = offset.saturating_add(1).min(200),
        Action::Up => *offset = offset.saturating_sub(1),
        Action::Top => *offset = 0,
        Action::PageDown | Action::HalfPageDown => *offset = offset.saturating_add(10).min(200),
        Action::PageUp | Action::HalfPageUp => *offset = offset.saturating_sub(10),
        _ => {}
    }
}

/// Returns whether `update()` must still see the action.
fn action(state: &mut State, a: Action, out: &mut Vec<Command>) -> bool {
    let passes = matches!(
        a,
        Action::Help | Action::Quit | Action::Suspend | Action::Rescan
    );
    match state.views.insight() {
        // `insight()` is only ever one of the three views below, or none.
        None
        | Some(
            FullView::Jobs
            | FullView::Selection
            | FullView::Messages
            | FullView::Drift
            | FullView::Help,
        ) => match a {
            Action::AllKeys => open_all_keys(state),
            Action::FindKey => find_focused_key(state, out),
            Action::Export => crate::tui::update::export::export(state, out),
            Action::Credentials => open_credentials(state, out),
            Action::AuditView => crate::tui::update::audit::open(state),
            // Only meaningful in the All keys view.
            Action::SortColumn | Action::SortReverse => {}
            _ => return true,
        },
        Some(FullView::AllKeys) => match a {
            Action::Cancel if state.insight.all_keys.visual.is_some() => {
                view_select::commit_all_keys_visual(state)
            }
            Action::Cancel if !state.insight.all_keys.filter.is_empty() => {
                set_filter(state, String::new())
            }
            Action::Cancel | Action::AllKeys => state.views.close(FullView::AllKeys),
            Action::Filter => state.typing = true,
            Action::SortColumn => {
                let sort = &mut state.insight.all_keys.sort;
                let i = COLUMNS.iter().position(|c| *c == sort.column).unwrap_or(0);
                sort.column = COLUMNS[(i + 1) % COLUMNS.len()];
            }
            Action::SortReverse => {
                let sort = &mut state.insight.all_keys.sort;
                sort.direction = match sort.direction {
                    Direction::Ascending => Direction::Descending,
                    Direction::Descending => Direction::Ascending,
                };
            }
            Action::FindKey => find_all_keys_row(state, out),
            Action::Export => crate::tui::update::export::export(state, out),
            Action::Credentials => open_credentials(state, out),
            _ if passes => return true,
            other if view_select::action(state, FullView::AllKeys, other, out) => {}
            other => crate::tui::update::cursor::move_all_keys(state, other),
        },
        Some(FullView::Find) => match a {
            Action::Cancel | Action::FindKey => {
                let back = state.insight.find.as_ref().is_some_and(|f| f.from_all_keys);
                if back {
                    state.views.open(FullView::AllKeys);
                } else {
                    state.views.close(FullView::Find);
                }
            }
            Action::Export => crate::tui::update::export::export(state, out),
            _ if passes => return true,
            other if view_select::action(state, FullView::Find, other, out) => {}
            other => scroll(&mut state.insight.scroll, other),
        },
        Some(FullView::Audit) => return crate::tui::update::audit::action(state, a, out),
        // `update::journal` sees its keys first.
        Some(FullView::Journal) => return true,
        Some(FullView::Credentials) => match a {
            Action::Cancel | Action::Credentials => state.views.close(FullView::Credentials),
            Action::Reload => open_credentials(state, out),
            _ if passes => return true,
            other => scroll(&mut state.insight.scroll, other),
        },
    }
    false
}

fn open_all_keys(state: &mut State) {
    let v = &mut state.insight.all_keys;
    v.cursor = 0;
    v.offset = 0;
    state.views.open(FullView::AllKeys);
}

fn input(state: &mut State, t: TextInput) {
    let mut f = state.insight.all_keys.filter.clone();
    match t {
        TextInput::Paste(text) => {
            let text: String = text.chars().filter(|c| !c.is_control()).collect();
            crate::tui::line_edit::edit(&mut f, &mut state.caret, &TextInput::Paste(text));
        }
        TextInput::Submit => state.typing = false,
        TextInput::Abort => {
            state.typing = false;
            f.clear();
        }
        // The editing keys; dialog movement means nothing in a filter.
        t => {
            crate::tui::line_edit::edit(&mut f, &mut state.caret, &t);
        }
    }
    set_filter(state, f);
}

fn set_filter(state: &mut State, f: String) {
    let v = &mut state.insight.all_keys;
    if v.filter != f {
        let previous = std::mem::replace(&mut v.filter, f);
        v.cursor = 0;
        v.offset = 0;
        let fallback =
            crate::tui::state::query_filter::check(&v.filter, previous, &mut v.filter_fallback);
        crate::tui::state::query_filter::report(&mut state.message, fallback);
    }
}

/// `f` in the keys pane: the focused key, found in the inventory, or after a scan.
fn find_focused_key(state: &mut State, out: &mut Vec<Command>) {
    let Some(ws) = state.focused_workspace().map(|w| w.slug.clone()) else {
        return;
    };
    let key = (state.focus == Pane::Keys)
        .then(|| state.focused_key())
        .flatten();
    let Some(key) = key else {
        state.message = Some((
            "Focus a key in the access keys pane to find it".into(),
            true,
        ));
        return;
    };
    let name = if key.label.is_empty() {
        format!("key {}", key.id)
    } else {
        key.label.clone()
    };
    let Some(fingerprint) = key.fingerprint().and_then(|f| Fingerprint::parse(f).ok()) else {
        state.message = Some((format!("{name} has no readable fingerprint"), true));
        return;
    };
    let target = FindTarget {
        ws: ws.clone(),
        fingerprint,
        name: name.clone(),
        from_all_keys: false,
    };
    if find_view::answers_itself(state) {
        return find_view::ask(state, target, key.id, out);
    }
    if state.insight.inventories.contains_key(&ws) {
        open_find(state, target);
        return;
    }
    if cache_indexing(state, &ws) {
        state.insight.pending_find = Some(target);
        state.message = Some((
            format!("Indexing the cached scan of {ws}; where {name} is used opens in a moment"),
            false,
        ));
        return;
    }
    // Finding needs every repository's keys: scan first, open the result when it arrives.
    state.insight.pending_find = Some(target);
    crate::tui::update::scan::rescan(state, out);
    state.message = Some((
        format!("Scanning {ws} to find where {name} is used; the result opens when it is done"),
        false,
    ));
}

fn find_all_keys_row(state: &mut State, out: &mut Vec<Command>) {
    let Some(ws) = state.focused_workspace().map(|w| w.slug.clone()) else {
        return;
    };
    let rows = all_keys_rows(state);
    let Some(entry) = rows.get(state.insight.all_keys.cursor) else {
        return;
    };
    let target = FindTarget {
        ws,
        fingerprint: entry.fingerprint.clone(),
        name: entry.labels_text(),
        from_all_keys: true,
    };
    // One id per key where the forge answers itself, so any holding's id asks for them all.
    let id = entry.holdings.first().map(|h| h.id);
    match id.filter(|_| find_view::answers_itself(state)) {
        Some(id) => find_view::ask(state, target, id, out),
        None => open_find(state, target),
    }
}

/// `C`: (re)runs the read-only probes; the last report stays on screen meanwhile.
fn open_credentials(state: &mut State, out: &mut Vec<Command>) {
    let req_id = state.req();
    if !matches!(state.insight.credentials, Load::Ready(_)) {
        state.insight.credentials = Load::Loading(req_id);
    }
    state.insight.cred_req = req_id;
    state.views.open(FullView::Credentials);
    state.insight.scroll = 0;
    out.push(Command::Insight(InsightCommand::Diagnose {
        req_id,
        source: state.insight.settings.credential_source.clone(),
        edit_strategy: state.insight.settings.edit_strategy,
    }));
}

fn answer(state: &mut State, msg: InsightMsg) {
    match msg {
        InsightMsg::Scanned { req_id, inventory } => {
            if state.scan.as_ref().is_none_or(|s| s.req_id != req_id) {
                return;
            }
            let ws = inventory.workspace.clone();
            state.insight.inventories.insert(
                ws.clone(),
                WorkspaceInventory::new(inventory, None, &state.insight.settings),
            );
            // A query in the keys pane judges rows against the inventory.
            state.key_rows_cache.touch();
            // A cache answer still in flight is older than this scan: drop it when it comes.
            state.insight.cache.insert(ws.clone(), CacheStage::Settled);
            // The scan read every place after the writes before it: nothing to replay.
            state.insight.edits.remove(&ws);
            clamp_all_keys(state);
            if let Some(target) = state.insight.pending_find.take_if(|t| t.ws == ws) {
                open_find(state, target);
            }
        }
        InsightMsg::Cache { req_id, ws, answer } => cache_answered(state, req_id, ws, answer),
        InsightMsg::CacheIndexed {
            req_id,
            ws,
            inventory,
            age,
            judgement,
        } => cache_indexed(state, req_id, ws, inventory, age, judgement),
        InsightMsg::WorkspaceList { req_id, list } => workspace_list::stored(state, req_id, list),
        InsightMsg::StoreFailed(e) => state.message = Some((e, true)),
        InsightMsg::Exported { req_id, result } => {
            crate::tui::update::export::exported(state, req_id, result)
        }
        InsightMsg::Usage { req_id, result } => find_view::answered(state, req_id, result),
        InsightMsg::Diagnosed { req_id, report } => {
            if state.insight.cred_req == req_id {
                state.insight.credentials = Load::Ready(report);
            }
        }
    }
}

/// A stored scan's panes (or its absence): fills what has not arrived live and says how old
/// it is.
fn cache_answered(state: &mut State, req_id: ReqId, ws: String, answer: CacheAnswer) {
    if !state
        .insight
        .cache
        .get(&ws)
        .is_some_and(|c| c.awaits(req_id))
        || state.insight.inventories.contains_key(&ws)
    {
        return;
    }
    // Whatever the answer, the live loads held back for it may go now (`update()` issues
    // them for what the cache did not fill).
    let whole = matches!(answer, CacheAnswer::Found { .. });
    let stage = match answer {
        CacheAnswer::Head { panes, age } | CacheAnswer::Found { panes, age } => {
            fill_panes(state, &ws, *panes);
            // The file may have been read before this session's writes were stored;
            // they are replayed once its keys are all in.
            let edits = state.insight.edits.get(&ws).filter(|_| whole);
            for e in edits.cloned().unwrap_or_default() {
                crate::tui::update::pane_edits::apply(state, &e);
            }
            state.message = Some((
                format!("{ws}: showing the scan cached {}; R rescans", ago(age)),
                false,
            ));
            if whole {
                CacheStage::Indexing(req_id, age)
            } else {
                CacheStage::Head(req_id, age)
            }
        }
        CacheAnswer::Missing => CacheStage::Settled,
        CacheAnswer::Ignored(warning) => {
            state.message = Some((warning, true));
            CacheStage::Settled
        }
    };
    state.insight.cache.insert(ws, stage);
}

/// A stored scan's inventory, indexed by the worker: kept unless a live scan came first.
fn cache_indexed(
    state: &mut State,
    req_id: ReqId,
    ws: String,
    mut inventory: Box<Inventory>,
    age: time::Duration,
    judgement: Option<Box<Judgement>>,
) {
    if state.insight.cache.get(&ws) != Some(&CacheStage::Indexing(req_id, age))
        || state.insight.inventories.contains_key(&ws)
    {
        return;
    }
    state.insight.cache.insert(ws.clone(), CacheStage::Settled);
    let edits = state.insight.edits.get(&ws).filter(|e| !e.is_empty());
    // The worker's audit holds unless this session's writes changed the inventory.
    let w = match (edits, judgement) {
        (None, Some(j)) => WorkspaceInventory::judged(inventory, Some(age), *j),
        (edits, _) => {
            if let Some(edits) = edits {
                inventory.apply(edits);
            }
            WorkspaceInventory::new(inventory, Some(age), &state.insight.settings)
        }
    };
    state.insight.inventories.insert(ws.clone(), w);
    state.key_rows_cache.touch();
    clamp_all_keys(state);
    if let Some(target) = state.insight.pending_find.take_if(|t| t.ws == ws) {
        open_find(state, target);
    }
}

/// Shows a cached scan in the panes. Only what has not arrived live yet is filled in: a live
/// answer is never replaced by older data. Requests still in flight for what is filled in are
/// then stale and dropped, which is the point: browsing a cached workspace costs no requests
/// until `R` or `r` asks for fresh data.
fn fill_panes(state: &mut State, ws: &str, mut data: ScanData) {
    let live_repos = matches!(state.repos.get(ws), Some(Load::Ready(_)));
    let live_projects = matches!(state.project_keys.get(ws), Some(Load::Ready(_)));
    let mut key = (ws.to_string(), String::new());
    data.repo_keys.retain(|(slug, _)| {
        slug.clone_into(&mut key.1);
        !matches!(state.keys.get(&key), Some(Load::Ready(_)))
    });
    // Live answers are taken out and put back after `apply_scan`, not copied.
    let repos = live_repos.then(|| state.repos.remove(ws)).flatten();
    let projects = live_projects
        .then(|| state.project_keys.remove(ws))
        .flatten();
    let message = state.message.take();
    crate::tui::update::read_answers::apply_scan(state, ws, data);
    state.message = message;
    if let Some(r) = repos {
        state.repos.insert(ws.to_string(), r);
    }
    if let Some(p) = projects {
        state.project_keys.insert(ws.to_string(), p);
    }
    state.key_rows_cache.touch();
}
