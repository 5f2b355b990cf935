//! The stored workspace list at start, and its live replacement (issue 21).

use crate::tui::state::insight::{InsightCommand, InsightMsg, reading_cache};
use crate::tui::state::msg::{Command, Msg, WorkerMsg};
use crate::tui::state::{ReqId, State};
use crate::tui::tests::fixtures::{req_of, state, ws};
use crate::tui::update::{init, update};

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
