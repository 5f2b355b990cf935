//! The stored workspace list (issue 21): read at start beside the live request, shown while
//! the server has not answered, so the focused workspace's stored scan can be read at once;
//! the live list then replaces it in place. Every live list is stored for the next start.

use crate::tui::msg::{Command, Msg, WorkerMsg};
use crate::tui::state::{Load, ReqId, State, WorkspaceView};

use super::InsightCommand;

/// Where the stored workspace list stands this session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListStage {
    /// Whether it was asked for: once per session, with the first live request.
    pub asked: bool,
    /// The read in flight.
    pub reading: Option<ReqId>,
    /// The live request whose answer replaces the stored list now shown.
    pub refreshing: Option<ReqId>,
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::{init, update};
    use crate::tui::fixtures::{req_of, state, ws};
    use crate::tui::insight::{InsightMsg, reading_cache};

    /// A start with a cache directory: the live list and the stored one are both asked for.
    fn started() -> (State, ReqId, ReqId) {
        let mut s = state();
        s.insight.settings.cache_dir = Some("/nonexistent/cache".into());
        let cmds = init(&mut s);
        let live = req_of(&cmds, |c| match c {
            Command::LoadWorkspaces { req_id } => Some(*req_id),
            _ => None,
        });
        let stored = req_of(&cmds, |c| match c {
            Command::Insight(InsightCommand::LoadWorkspaceList { req_id, .. }) => Some(*req_id),
            _ => None,
        });
        (s, live, stored)
    }

    fn stored_list(s: &mut State, req_id: ReqId) -> Vec<Command> {
        let list = vec![ws("acme", "Acme Corp"), ws("globex", "Globex")];
        update(
            s,
            Msg::Worker(WorkerMsg::Insight(InsightMsg::WorkspaceList {
                req_id,
                list,
            })),
        )
    }

    #[test]
    fn the_stored_list_is_shown_and_its_focused_scan_read_before_the_live_list() {
        let (mut s, live, stored) = started();
        let cmds = stored_list(&mut s, stored);
        assert_eq!(s.focused_workspace().map(|w| w.slug.as_str()), Some("acme"));
        assert_eq!(s.insight.list.refreshing, Some(live));
        assert!(
            cmds.iter().any(|c| matches!(
                c,
                Command::Insight(InsightCommand::LoadCache { ws, .. }) if ws == "acme"
            )),
            "{cmds:?}"
        );
        assert!(reading_cache(&s, "acme"));
        // The live list replaces it, the cursor stays on globex, and it is stored.
        s.cursor[0] = 1;
        let cmds = update(
            &mut s,
            Msg::Worker(WorkerMsg::Workspaces {
                req_id: live,
                result: Ok(vec![
                    ws("initech", "Initech"),
                    ws("acme", "Acme Corp"),
                    ws("globex", "Globex"),
                ]),
            }),
        );
        assert_eq!(s.insight.list.refreshing, None);
        assert_eq!(
            s.focused_workspace().map(|w| w.slug.as_str()),
            Some("globex")
        );
        assert!(cmds.iter().any(|c| matches!(
            c,
            Command::Insight(InsightCommand::StoreWorkspaceList { list, .. }) if list.len() == 3
        )));
    }

    #[test]
    fn a_failed_refresh_keeps_the_stored_list_and_says_so() {
        let (mut s, live, stored) = started();
        stored_list(&mut s, stored);
        update(
            &mut s,
            Msg::Worker(WorkerMsg::Workspaces {
                req_id: live,
                result: Err(crate::forge::ForgeError::new(
                    crate::forge::ForgeErrorKind::Network,
                    "timed out",
                )),
            }),
        );
        assert_eq!(s.workspace_rows().len(), 2);
        let (text, error) = s.message.clone().unwrap();
        assert!(error && text.contains("could not be refreshed"), "{text}");
    }

    #[test]
    fn a_live_list_first_wins_and_the_stored_one_is_dropped() {
        let (mut s, live, stored) = started();
        let cmds = update(
            &mut s,
            Msg::Worker(WorkerMsg::Workspaces {
                req_id: live,
                result: Ok(vec![ws("globex", "Globex")]),
            }),
        );
        assert!(cmds.iter().any(|c| matches!(
            c,
            Command::Insight(InsightCommand::StoreWorkspaceList { .. })
        )));
        stored_list(&mut s, stored);
        assert_eq!(s.workspace_rows().len(), 1);
        assert_eq!(s.insight.list.refreshing, None);
    }
}
