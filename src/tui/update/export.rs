//! `E`: asking the worker to audit the focused workspace and write the files, and its answer.

use std::path::PathBuf;

use crate::tui::state::insight::{InsightCommand, cache_indexing};
use crate::tui::state::msg::Command;
use crate::tui::state::{ReqId, State};

/// `E`: the worker audits the focused workspace's inventory and writes the files.
pub(crate) fn export(state: &mut State, out: &mut Vec<Command>) {
    let Some(ws) = state.focused_workspace().map(|w| w.slug.clone()) else {
        return;
    };
    let Some(inv) = state.insight.inventories.get(&ws) else {
        let why = if cache_indexing(state, &ws) {
            format!("The cached scan of {ws} is still being indexed: press E again in a moment")
        } else {
            format!("Nothing to export yet: press R to scan {ws}")
        };
        state.message = Some((why, true));
        return;
    };
    let (inventory, cached) = (inv.inventory.clone(), inv.cached.is_some());
    let req_id = state.req();
    let cmd = InsightCommand::Export {
        req_id,
        dir: state.insight.settings.export_dir.clone(),
        inventory,
        rules: state.insight.settings.rules,
        cached,
    };
    state.insight.export_req = Some(req_id);
    state.message = Some((format!("Writing the audit of {ws}"), false));
    out.push(Command::Insight(cmd));
}

/// `E` finished: where the audit went, or why it did not.
pub(crate) fn exported(
    state: &mut State,
    req_id: ReqId,
    result: Result<(PathBuf, PathBuf), String>,
) {
    if state.insight.export_req != Some(req_id) {
        return;
    }
    state.insight.export_req = None;
    state.message = Some(match result {
        // The CSV sits beside the JSON: naming the directory once keeps the path
        // readable in the status bar.
        Ok((json, csv)) => (
            format!(
                "Audit written to {} and {}",
                json.display(),
                csv.file_name().unwrap_or_default().to_string_lossy()
            ),
            false,
        ),
        Err(e) => (e, true),
    });
}
