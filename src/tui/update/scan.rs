//! `R`: scanning the focused workspace.

use crate::tui::state::msg::Command;
use crate::tui::state::{ScanState, State};

/// `R`: scans the focused workspace, unless a scan is running.
pub(crate) fn rescan(state: &mut State, out: &mut Vec<Command>) {
    if let Some(scan) = &state.scan {
        state.message = Some((format!("A scan of {} is already running", scan.ws), false));
        return;
    }
    let Some(ws) = state.focused_workspace().map(|w| w.slug.clone()) else {
        return;
    };
    let req_id = state.req();
    state.scan = Some(ScanState {
        req_id,
        ws: ws.clone(),
        done: 0,
        total: 0,
    });
    state.message = Some((format!("Scanning every repository of {ws}"), false));
    out.push(Command::Rescan {
        req_id,
        ws,
        cache_dir: state.insight.settings.cache_dir.clone(),
    });
}
