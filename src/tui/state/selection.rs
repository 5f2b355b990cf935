//! The selection: keys and repositories picked for bulk actions. It lives in `State` because
//! it spans repositories and workspaces (design.md §1), and every gesture here is pure.

use std::collections::{BTreeMap, BTreeSet};

use crate::forge::Place;

use crate::tui::action::Action;
use crate::tui::state::{KeyRow, KeyView, Load, Pane, RepoRow, State};

/// A selected key: enough to plan a bulk action and to show it in the selection view even
/// when its repository is no longer on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedKey {
    /// Where it lives.
    pub scope: Place,
    /// `SHA256:...`: bulk plans find keys by fingerprint, never by id, since a relabel
    /// changes the id.
    pub fingerprint: String,
    /// Label as last seen (cleaned).
    pub label: String,
}

/// One row of a pane, as the selection identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowItem {
    /// A repository `(workspace, slug)`.
    Repo(String, String),
    /// A key.
    Key(SelectedKey),
}

/// A visual range in progress: from `anchor` to the cursor of `pane`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visual {
    /// The pane the range is in.
    pub pane: Pane,
    /// Row where `v` was pressed.
    pub anchor: usize,
}

/// Everything selected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Keys by (scope, fingerprint).
    pub keys: BTreeMap<(Place, String), SelectedKey>,
    /// Repositories as (workspace, slug).
    pub repos: BTreeSet<(String, String)>,
    /// The range being drawn with `v`, not yet part of `keys`/`repos`.
    pub visual: Option<Visual>,
}

impl Selection {
    /// Whether nothing is selected (the visual range aside).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.repos.is_empty()
    }

    /// Whether `item` is in the selection.
    pub fn contains(&self, item: &RowItem) -> bool {
        match item {
            RowItem::Repo(ws, r) => self.repos.contains(&(ws.clone(), r.clone())),
            RowItem::Key(k) => self
                .keys
                .contains_key(&(k.scope.clone(), k.fingerprint.clone())),
        }
    }

    /// Adds `item`.
    pub fn insert(&mut self, item: RowItem) {
        match item {
            RowItem::Repo(ws, r) => {
                self.repos.insert((ws, r));
            }
            RowItem::Key(k) => {
                self.keys
                    .insert((k.scope.clone(), k.fingerprint.clone()), k);
            }
        }
    }

    /// Removes `item`.
    pub fn remove(&mut self, item: &RowItem) {
        match item {
            RowItem::Repo(ws, r) => {
                self.repos.remove(&(ws.clone(), r.clone()));
            }
            RowItem::Key(k) => {
                self.keys.remove(&(k.scope.clone(), k.fingerprint.clone()));
            }
        }
    }

    /// Adds `item` if absent, removes it if present.
    pub fn toggle(&mut self, item: RowItem) {
        if self.contains(&item) {
            self.remove(&item);
        } else {
            self.insert(item);
        }
    }

    /// "7 keys in 4 repos · 12 repos selected", or `None` when nothing is selected.
    pub fn summary(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        if !self.keys.is_empty() {
            let places: BTreeSet<&Place> = self.keys.keys().map(|(s, _)| s).collect();
            let any_project = places.iter().any(|s| matches!(s, Place::Project { .. }));
            let unit = match (any_project, places.len()) {
                (true, 1) => "place",
                (true, _) => "places",
                (false, 1) => "repo",
                (false, _) => "repos",
            };
            parts.push(format!(
                "{} {} in {} {unit}",
                self.keys.len(),
                plural(self.keys.len(), "key", "keys"),
                places.len()
            ));
        }
        if !self.repos.is_empty() {
            parts.push(format!(
                "{} {}",
                self.repos.len(),
                plural(self.repos.len(), "repo", "repos")
            ));
        }
        Some(format!("{} selected", parts.join(" · ")))
    }

    /// "6 repositories", "3 keys", "1 key and 2 repositories": what a selection holds, in
    /// a sentence.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.keys.is_empty() {
            let n = self.keys.len();
            parts.push(format!("{n} {}", plural(n, "key", "keys")));
        }
        if !self.repos.is_empty() {
            let n = self.repos.len();
            parts.push(format!("{n} {}", plural(n, "repository", "repositories")));
        }
        parts.join(" and ")
    }

    /// Distinct fingerprints among the selected keys, with a label and how many places hold
    /// it, for choosing the key a rotation replaces.
    pub fn fingerprints(&self) -> Vec<(String, String, usize)> {
        let mut by_fp: BTreeMap<&str, (String, usize)> = BTreeMap::new();
        for k in self.keys.values() {
            let e = by_fp
                .entry(k.fingerprint.as_str())
                .or_insert_with(|| (k.label.clone(), 0));
            e.1 += 1;
        }
        by_fp
            .into_iter()
            .map(|(fp, (label, n))| (fp.to_string(), label, n))
            .collect()
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The selection identity of a key row; keys without a readable fingerprint cannot be acted
/// on in bulk, so they have none.
pub fn key_item(key: &KeyView) -> Option<RowItem> {
    Some(RowItem::Key(SelectedKey {
        scope: key.scope.clone(),
        fingerprint: key.fingerprint()?.to_string(),
        label: key.label.clone(),
    }))
}

/// The selection identity of a repository row in workspace `ws`; the "Project keys" entry
/// has none.
pub fn repo_item(ws: &str, row: RepoRow<'_>) -> Option<RowItem> {
    match row {
        RepoRow::ProjectKeys => None,
        RepoRow::Repo(repo) => Some(RowItem::Repo(ws.to_string(), repo.slug.clone())),
    }
}

/// What each visible row of `pane` is, in row order (`None` for rows that cannot be selected:
/// workspaces, the "Project keys" entry, unreadable keys).
pub fn row_items(state: &State, pane: Pane) -> Vec<Option<RowItem>> {
    match pane {
        Pane::Workspaces => vec![None; state.row_count(pane)],
        Pane::Repositories => {
            let ws = state
                .focused_workspace()
                .map(|w| w.slug.clone())
                .unwrap_or_default();
            state
                .repo_rows()
                .into_iter()
                .map(|r| repo_item(&ws, r))
                .collect()
        }
        Pane::Keys => state
            .key_rows()
            .into_iter()
            .map(|r| match r {
                KeyRow::Key { key, .. } => key_item(key),
                KeyRow::Problem(..) => None,
            })
            .collect(),
    }
}

/// Whether a row shows as selected: in the selection, or inside the visual range.
pub fn row_selected(state: &State, pane: Pane, row: usize, item: Option<&RowItem>) -> bool {
    let Some(item) = item else { return false };
    if state.selection.contains(item) {
        return true;
    }
    match state.selection.visual {
        Some(v) if v.pane == pane => {
            let c = state.cursor[pane.index()];
            (v.anchor.min(c)..=v.anchor.max(c)).contains(&row)
        }
        _ => false,
    }
}

fn say(state: &mut State, text: impl Into<String>) {
    state.message = Some((text.into(), false));
}

/// Space: toggles the focused row. The caller moves the cursor down.
pub fn toggle_focused(state: &mut State) {
    let pane = state.focus;
    let items = row_items(state, pane);
    match items.get(state.cursor[pane.index()]).cloned().flatten() {
        Some(item) => state.selection.toggle(item),
        None if pane == Pane::Workspaces => say(
            state,
            "Select repositories or keys; workspaces are not selectable",
        ),
        None => say(state, "This row cannot be selected"),
    }
}

/// `v`: starts a range at the cursor, or ends the one in progress, keeping what it covers.
pub fn visual(state: &mut State) {
    if state.selection.visual.is_some() {
        commit_visual(state);
        return;
    }
    if state.focus == Pane::Workspaces {
        say(
            state,
            "Select repositories or keys; workspaces are not selectable",
        );
        return;
    }
    state.selection.visual = Some(Visual {
        pane: state.focus,
        anchor: state.cursor[state.focus.index()],
    });
    say(
        state,
        "Visual selection: move to extend it, v or Esc to keep it",
    );
}

/// Puts the rows of the visual range into the selection and leaves visual mode.
pub fn commit_visual(state: &mut State) {
    let Some(v) = state.selection.visual.take() else {
        return;
    };
    let c = state.cursor[v.pane.index()];
    let items = row_items(state, v.pane);
    for item in items
        .into_iter()
        .skip(v.anchor.min(c))
        .take(v.anchor.max(c) + 1 - v.anchor.min(c))
        .flatten()
    {
        state.selection.insert(item);
    }
}

/// Ctrl-A: every visible (filtered) row of the focused pane.
pub fn select_all(state: &mut State) {
    commit_visual(state);
    let items: Vec<RowItem> = row_items(state, state.focus)
        .into_iter()
        .flatten()
        .collect();
    if items.is_empty() {
        say(state, "Nothing here can be selected");
    }
    for item in items {
        state.selection.insert(item);
    }
}

/// Ctrl-R: inverts the selection over the visible rows of the focused pane.
pub fn invert(state: &mut State) {
    commit_visual(state);
    for item in row_items(state, state.focus).into_iter().flatten() {
        state.selection.toggle(item);
    }
}

/// Esc with nothing else left to close: a selection is never dropped silently. The first Esc
/// says what a second would clear; the second clears it, and `u` brings it back.
pub fn escape_selection(state: &mut State) {
    if state.selection.is_empty() {
        return;
    }
    let what = state.selection.describe();
    if state.esc_armed {
        state.esc_armed = false;
        let old = std::mem::take(&mut state.selection);
        state.cleared_selection = Some(old);
        let restore = state
            .keymap
            .first_key(Action::RestoreSelection)
            .unwrap_or_default();
        say(
            state,
            format!("Cleared the selection of {what}; {restore} brings it back"),
        );
    } else {
        state.esc_armed = true;
        let esc = state.keymap.first_key(Action::Cancel).unwrap_or_default();
        say(state, format!("{esc} again clears the selection of {what}"));
    }
}

/// `u`: adds the selection last cleared back to the selection.
pub fn restore(state: &mut State) {
    let Some(old) = state.cleared_selection.take() else {
        say(state, "No cleared selection to bring back");
        return;
    };
    let what = old.describe();
    for (_, k) in old.keys {
        state.selection.insert(RowItem::Key(k));
    }
    for (ws, repo) in old.repos {
        state.selection.insert(RowItem::Repo(ws, repo));
    }
    say(state, format!("Restored the selection of {what}"));
}

/// Every loaded copy of the key `fp` in workspace `ws`, repository and project keys alike.
pub fn copies(state: &State, ws: &str, fp: &str) -> Vec<RowItem> {
    let mut out = Vec::new();
    let mut visit = |k: &KeyView| {
        if k.fingerprint() == Some(fp) {
            out.extend(key_item(k));
        }
    };
    for ((w, _), load) in &state.keys {
        if let (true, Load::Ready(keys)) = (w == ws, load) {
            keys.iter().for_each(&mut visit);
        }
    }
    if let Some(Load::Ready(groups)) = state.project_keys.get(ws) {
        groups
            .iter()
            .filter_map(|g| g.keys.as_ref().ok())
            .flatten()
            .for_each(&mut visit);
    }
    out
}

/// Selects every copy of `fp` in `ws` and says how many.
pub fn select_copies(state: &mut State, ws: &str, fp: &str) {
    let found = copies(state, ws, fp);
    let n = found.len();
    for item in found {
        state.selection.insert(item);
    }
    say(
        state,
        format!(
            "Selected {n} {} of {fp} in {ws}",
            plural(n, "copy", "copies")
        ),
    );
}

/// One line of the selection view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewRow {
    /// 0: workspace, 1: repository or project, 2: key.
    pub depth: u8,
    /// The text.
    pub text: String,
    /// What removing this row removes; `None` for headings.
    pub item: Option<RowItem>,
}

/// The selection grouped by workspace, then repository or project.
pub fn view_rows(sel: &Selection) -> Vec<ViewRow> {
    // workspace → place name → (the repository itself, if selected; its selected keys).
    type Branch<'a> = (Option<RowItem>, Vec<&'a SelectedKey>);
    let mut tree: BTreeMap<String, BTreeMap<String, Branch>> = BTreeMap::new();
    for (ws, repo) in &sel.repos {
        tree.entry(ws.clone())
            .or_default()
            .entry(repo.clone())
            .or_default()
            .0 = Some(RowItem::Repo(ws.clone(), repo.clone()));
    }
    for k in sel.keys.values() {
        let name = match &k.scope {
            Place::Repository { repo, .. } => repo.clone(),
            Place::Project { project, .. } => format!("project {project}"),
        };
        tree.entry(k.scope.owner().to_string())
            .or_default()
            .entry(name)
            .or_default()
            .1
            .push(k);
    }
    let mut rows = Vec::new();
    for (ws, places) in tree {
        rows.push(ViewRow {
            depth: 0,
            text: ws,
            item: None,
        });
        for (name, (repo, keys)) in places {
            let text = match (&repo, keys.len()) {
                (Some(_), _) => format!("{name}  (repository selected)"),
                (None, _) => name,
            };
            rows.push(ViewRow {
                depth: 1,
                text,
                item: repo,
            });
            for k in keys {
                let label = if k.label.is_empty() {
                    "(no label)"
                } else {
                    k.label.as_str()
                };
                rows.push(ViewRow {
                    depth: 2,
                    text: format!("{label}  {}", k.fingerprint),
                    item: Some(RowItem::Key(k.clone())),
                });
            }
        }
    }
    rows
}
