//! The stored workspace list (issue 21): read at start beside the live request, shown while
//! the server has not answered, so the focused workspace's stored scan can be read at once;
//! the live list then replaces it in place. Every live list is stored for the next start.

use crate::tui::state::insight::InsightCommand;
use crate::tui::state::insight::workspace_list::ListStage;
use crate::tui::state::msg::{Command, Msg, WorkerMsg};
use crate::tui::state::{Load, ReqId, State, WorkspaceView};

/// Asks for the stored list while the first live one is on its way.
pub fn ask(state: &mut State, out: &mut Vec<Command>) {
    let Some(dir) = state.insight.settings.cache_dir.clone() else {
        return;
    };
    if state.insight.list.asked || !matches!(state.workspaces, Load::Loading(_)) {
        return;
    }
    let req_id = state.req();
    state.insight.list = ListStage {
        asked: true,
        reading: Some(req_id),
        refreshing: None,
    };
    out.push(Command::Insight(InsightCommand::LoadWorkspaceList {
        req_id,
        dir,
    }));
}

/// The stored list arrived: shown if the live one has not.
pub fn stored(state: &mut State, req_id: ReqId, list: Vec<WorkspaceView>) {
    if state.insight.list.reading != Some(req_id) {
        return;
    }
    state.insight.list.reading = None;
    let Load::Loading(live) = state.workspaces else {
        return;
    };
    if list.is_empty() {
        return;
    }
    state.workspaces = Load::Ready(list);
    state.insight.list.refreshing = Some(live);
}

/// A live workspace list: stored for the next start, and when it refreshes the stored list
/// shown, put in its place with the cursor kept on the same workspace. Returns the message
/// when `app` must still handle it.
pub fn live(state: &mut State, msg: Msg, out: &mut Vec<Command>) -> Option<Msg> {
    let Msg::Worker(WorkerMsg::Workspaces { req_id, result }) = &msg else {
        return Some(msg);
    };
    let refresh = state.insight.list.refreshing == Some(*req_id);
    if !refresh && !state.workspaces.awaits(*req_id) {
        return Some(msg);
    }
    if let (Some(dir), Ok(list)) = (&state.insight.settings.cache_dir, result) {
        out.push(Command::Insight(InsightCommand::StoreWorkspaceList {
            dir: dir.clone(),
            list: list.clone(),
        }));
    }
    if !refresh {
        return Some(msg);
    }
    state.insight.list.refreshing = None;
    let Msg::Worker(WorkerMsg::Workspaces { result, .. }) = msg else {
        return None;
    };
    match result {
        Ok(list) => {
            let focused = state.focused_workspace().map(|w| w.slug.clone());
            state.workspaces = Load::Ready(list);
            let rows = state.workspace_rows();
            let at = focused.and_then(|f| rows.iter().position(|w| w.slug == f));
            let last = rows.len().saturating_sub(1);
            state.cursor[0] = at.unwrap_or(state.cursor[0].min(last));
        }
        Err(e) => {
            state.message = Some((
                format!("The workspace list could not be refreshed ({e}); it is the stored one"),
                true,
            ));
        }
    }
    None
}
