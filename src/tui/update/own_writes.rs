//! How bbkeys' own finished writes reach every view, from the writes' answers alone: the
//! panes and "Also on", the cursor, the selection (and with it the selection view and the
//! rotate and plan dialogs), the inventory behind `K`, `f` and `E`, and the scan cache on
//! disk. A place is read again only when its edit is unknown (a write that failed or stopped
//! part-way). Pure, like the rest of `update()`.

use std::collections::BTreeSet;

use crate::forge::AccessKey;
use crate::forge::Place;
use crate::ops::edits::KeyEdit;
use crate::ops::keyops::fingerprint_of;
use crate::sanitize::clean_line;

use crate::tui::state::insight::InsightCommand;
use crate::tui::state::msg::Command;
use crate::tui::state::{KeyRow, Load, Pane, State};

/// Applies the edits of one answer; `scopes` are the places the write touched.
pub fn apply(state: &mut State, scopes: &[Place], edits: Vec<KeyEdit>, out: &mut Vec<Command>) {
    let focused = state.focused_key().map(|k| (k.scope.clone(), k.id));
    // A place whose list is on its way may be answered with keys read before the write.
    let unknown: Vec<Place> = scopes
        .iter()
        .filter(|s| !edits.iter().any(|e| e.scope() == *s) || in_flight(state, s))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for e in &edits {
        crate::tui::update::pane_edits::apply(state, e);
    }
    if let Some((scope, id)) = focused {
        // Follow the focused key to its new id, so the next `d` or `e` acts on it.
        let id = edits
            .iter()
            .filter(|e| e.scope() == &scope)
            .fold(id, |id, e| match e.moved() {
                Some((old, new)) if old == id => new,
                _ => id,
            });
        follow(state, &scope, id);
    }
    crate::tui::update::cursor::clamp_cursors(state);
    selection(state, &edits);
    inventories(state, &edits);
    reload_scopes(state, &unknown, out);
    if let Some(dir) = state.insight.settings.cache_dir.clone()
        && !edits.is_empty()
    {
        out.push(Command::Insight(InsightCommand::StoreEdits { dir, edits }));
    }
}

fn in_flight(state: &State, scope: &Place) -> bool {
    match scope {
        Place::Repository {
            owner: workspace,
            repo,
            ..
        } => matches!(
            state.keys.get(&(workspace.clone(), repo.clone())),
            Some(Load::Loading(_))
        ),
        Place::Project {
            owner: workspace, ..
        } => {
            matches!(state.project_keys.get(workspace), Some(Load::Loading(_)))
        }
    }
}

/// Puts the keys pane's cursor on key `id` of `scope`, if the pane shows it.
fn follow(state: &mut State, scope: &Place, id: u64) {
    let row = state
        .key_rows()
        .iter()
        .position(|r| matches!(r, KeyRow::Key { key, .. } if &key.scope == scope && key.id == id));
    if let Some(row) = row {
        state.cursor[Pane::Keys.index()] = row;
        crate::tui::update::cursor::scroll_to_cursor(state, Pane::Keys);
    }
}

/// Selected keys that are gone leave the selection; those still there show their new label.
fn selection(state: &mut State, edits: &[KeyEdit]) {
    type Selected = (Place, String);
    let fp = |k: &AccessKey| fingerprint_of(k).map(|f| f.to_string());
    let label = |k: &AccessKey| clean_line(k.label.as_str());
    let mut gone: Vec<Selected> = Vec::new();
    let mut labels: Vec<(Selected, String)> = Vec::new();
    for e in edits {
        let mut still = |scope: &Place, k: &AccessKey| {
            labels.extend(fp(k).map(|f| ((scope.clone(), f), label(k))));
        };
        match e {
            KeyEdit::Added { scope, key } => still(scope, key),
            KeyEdit::Removed { scope, key } => gone.extend(fp(key).map(|f| (scope.clone(), f))),
            KeyEdit::Replaced { scope, old, new } => {
                still(scope, new);
                if fp(old) != fp(new) {
                    gone.extend(fp(old).map(|f| (scope.clone(), f)));
                }
            }
            KeyEdit::Listed { scope, keys } => {
                let held: BTreeSet<String> = keys.iter().filter_map(fp).collect();
                keys.iter().for_each(|k| still(scope, k));
                gone.extend(
                    state
                        .selection
                        .keys
                        .keys()
                        .filter(|(s, f)| s == scope && !held.contains(f))
                        .cloned(),
                );
            }
        }
    }
    for k in gone {
        state.selection.keys.remove(&k);
    }
    for (k, l) in labels {
        if let Some(sel) = state.selection.keys.get_mut(&k) {
            sel.label = l;
        }
    }
}

/// The inventories (and with them `K`, `f` and `E`) take the edits; they are also kept, to be
/// replayed over a cached scan of the workspace that arrives later.
fn inventories(state: &mut State, edits: &[KeyEdit]) {
    let workspaces: BTreeSet<&str> = edits.iter().map(|e| e.scope().owner()).collect();
    for ws in workspaces {
        let mine: Vec<KeyEdit> = edits
            .iter()
            .filter(|e| e.scope().owner() == ws)
            .cloned()
            .collect();
        if let Some(w) = state.insight.inventories.get_mut(ws) {
            w.inventory.apply(&mine);
            w.rows = Default::default();
            w.audit(&state.insight.settings);
            state.key_rows_cache.touch();
        }
        state
            .insight
            .edits
            .entry(ws.to_string())
            .or_default()
            .extend(mine);
    }
    crate::tui::state::insight::clamp_all_keys(state);
}

/// Fetches the keys of places again whose state a write left unknown, so the panes show what
/// the server now holds.
fn reload_scopes(state: &mut State, scopes: &[Place], out: &mut Vec<Command>) {
    let mut project_ws = std::collections::BTreeSet::new();
    let mut repos = std::collections::BTreeSet::new();
    for s in scopes {
        match s {
            Place::Repository {
                owner: workspace,
                repo,
                ..
            } => {
                repos.insert((workspace.clone(), repo.clone()));
            }
            Place::Project {
                owner: workspace, ..
            } => {
                project_ws.insert(workspace.clone());
            }
        }
    }
    for (ws, repo) in repos {
        let req_id = state.req();
        state
            .keys
            .insert((ws.clone(), repo.clone()), Load::Loading(req_id));
        state.key_rows_cache.touch();
        out.push(Command::LoadKeys { req_id, ws, repo });
    }
    for ws in project_ws {
        let req_id = state.req();
        state.project_keys.insert(ws.clone(), Load::Loading(req_id));
        state.key_rows_cache.touch();
        out.push(Command::LoadProjectKeys { req_id, ws });
    }
}
