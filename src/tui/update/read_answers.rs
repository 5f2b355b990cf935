//! How the worker's answers to reads change the state: workspaces, repositories, keys, project
//! keys, scans and the request count. Pure, like the rest of `update()`; answers to writes are
//! handed on to `write_answers`.

use crate::forge::ForgeErrorKind;
use crate::tui::state::msg::{Command, WorkerMsg};
use crate::tui::state::*;
use crate::tui::update::cursor::clamp_cursors;

/// Worker answers to reads; the rest go on to `write_answers`.
pub(crate) fn worker(state: &mut State, msg: WorkerMsg, out: &mut Vec<Command>) {
    match msg {
        WorkerMsg::Workspaces { req_id, result } => {
            if state.workspaces.awaits(req_id) {
                state.workspaces = into_load(result);
                clamp_cursors(state);
            }
        }
        WorkerMsg::Repos { req_id, ws, result } => {
            if state.repos.get(&ws).is_some_and(|l| l.awaits(req_id)) {
                state.repos.insert(ws, into_load(result));
                clamp_cursors(state);
            }
        }
        WorkerMsg::Keys {
            req_id,
            ws,
            repo,
            result,
        } => {
            let k = (ws, repo);
            if state.keys.get(&k).is_some_and(|l| l.awaits(req_id)) {
                state.keys.insert(k, into_load(result));
                state.key_rows_cache.touch();
                clamp_cursors(state);
            }
        }
        WorkerMsg::ProjectKeys { req_id, ws, result } => {
            if state
                .project_keys
                .get(&ws)
                .is_some_and(|l| l.awaits(req_id))
            {
                state.project_keys.insert(ws, into_load(result));
                state.key_rows_cache.touch();
                clamp_cursors(state);
            }
        }
        WorkerMsg::ScanProgress {
            req_id,
            done,
            total,
        } => {
            if let Some(scan) = state.scan.as_mut().filter(|s| s.req_id == req_id) {
                scan.done = done;
                scan.total = total;
            }
        }
        WorkerMsg::Scanned { req_id, ws, result } => {
            if state.scan.as_ref().is_none_or(|s| s.req_id != req_id) {
                return;
            }
            state.scan = None;
            match result {
                Ok(data) => apply_scan(state, &ws, *data),
                Err(e) => state.message = Some((e.to_string(), true)),
            }
            clamp_cursors(state);
        }
        WorkerMsg::RequestCount(n) => state.requests_last_hour = Some(n),
        // Handled by `insight::update` before it gets here.
        WorkerMsg::Insight(_) => {}
        WorkerMsg::ReplaceGrants(g) => crate::tui::update::dc_label::grants(state, *g),
        other => crate::tui::update::write_answers::worker(state, other, out),
    }
}

/// A finished scan replaces what was loaded for the workspace; answers still in flight for
/// it become stale and are dropped.
pub(crate) fn apply_scan(state: &mut State, ws: &str, data: ScanData) {
    let repos = data.repos.len();
    let mut keys = 0;
    let mut skipped = 0;
    let mut failed = 0;
    for (slug, result) in data.repo_keys {
        match &result {
            Ok(list) => keys += list.len(),
            // Not administering a repository is a fact about the account, not a failed read
            // (as in the CLI's scans): counted apart, and no reason to show the message red.
            Err(e) if e.kind == ForgeErrorKind::NotPermitted => skipped += 1,
            Err(_) => failed += 1,
        }
        state.keys.insert((ws.to_string(), slug), into_load(result));
    }
    state.repos.insert(ws.to_string(), Load::Ready(data.repos));
    state
        .project_keys
        .insert(ws.to_string(), into_load(data.projects));
    state.key_rows_cache.touch();
    let mut tail = String::new();
    if skipped > 0 {
        tail.push_str(&format!(", {skipped} not administered (skipped)"));
    }
    if failed > 0 {
        tail.push_str(&format!(", {failed} could not be read"));
    }
    state.message = Some((
        format!("Scanned {ws}: {repos} repositories, {keys} repository keys{tail}"),
        failed > 0,
    ));
    state.scanned.insert(ws.to_string());
    if let Some((want_ws, fp)) = state.select_after_scan.take() {
        if want_ws == ws {
            crate::tui::state::selection::select_copies(state, ws, &fp);
        } else {
            state.select_after_scan = Some((want_ws, fp));
        }
    }
}

/// The state keeps the sentence to show; `update()` got the typed error.
fn into_load<T, E: ToString>(r: Result<T, E>) -> Load<T> {
    match r {
        Ok(v) => Load::Ready(v),
        Err(e) => Load::Failed(e.to_string()),
    }
}
