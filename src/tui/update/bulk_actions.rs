//! What `a`, `d`, `e`, `o`, the selection gestures and the jobs and selection views do, and
//! how the worker's answers to writes change the state. Pure, like the rest of `update()`.

use std::collections::BTreeMap;

use crate::forge::AccessKey;
use crate::forge::Place;
use crate::ops::bulk::BulkRequest;
use crate::sshkey::Fingerprint;

use crate::tui::action::Action;
use crate::tui::state::dialog::*;
use crate::tui::state::msg::Command;
use crate::tui::state::selection;
use crate::tui::state::*;
use crate::tui::ui::keys::display_name;

pub(crate) fn say(state: &mut State, text: impl Into<String>, error: bool) {
    state.message = Some((text.into(), error));
}

/// The selection gestures and the write actions on the panes. Returns `false` for actions
/// this module does not own.
pub fn action(state: &mut State, a: Action, out: &mut Vec<Command>) -> bool {
    match a {
        Action::ToggleSelect => {
            selection::toggle_focused(state);
            crate::tui::update::cursor::move_cursor(state, 1);
        }
        Action::VisualSelect => selection::visual(state),
        Action::SelectAll => selection::select_all(state),
        Action::InvertSelection => selection::invert(state),
        Action::SelectCopies => select_copies(state, out),
        Action::SelectionView => open_view(state, FullView::Selection),
        Action::Jobs => open_view(state, FullView::Jobs),
        Action::CancelJob => say(state, "x cancels a job in the jobs view (J)", false),
        Action::AddKey => add(state, out),
        Action::DeleteKey => delete(state, out),
        Action::EditLabel => edit(state, out),
        Action::Rotate => rotate(state),
        _ => return false,
    }
    true
}

pub(crate) fn open_view(state: &mut State, view: FullView) {
    selection::commit_visual(state);
    state.views.open(view);
    state.view_cursor = 0;
}

fn select_copies(state: &mut State, out: &mut Vec<Command>) {
    let Some(fp) = state
        .focused_key()
        .and_then(|k| k.fingerprint().map(String::from))
    else {
        say(
            state,
            "Focus a key first (its fingerprint finds the copies)",
            true,
        );
        return;
    };
    let Some(ws) = state.focused_workspace().map(|w| w.slug.clone()) else {
        return;
    };
    if state.scanned.contains(&ws) {
        selection::select_copies(state, &ws, &fp);
        return;
    }
    // Copies can be anywhere in the workspace: scan it first, then select.
    state.select_after_scan = Some((ws.clone(), fp));
    if state.scan.as_ref().is_none_or(|s| s.ws != ws) {
        crate::tui::update::scan::rescan(state, out);
    }
    say(
        state,
        format!("Scanning {ws} to find every copy of the key"),
        false,
    );
}

/// The key as the server listed it, rebuilt from its view for `KeyOps`.
pub fn deploy_key(k: &KeyView) -> AccessKey {
    AccessKey {
        id: k.id,
        key: k.public_key().into(),
        label: k.label.clone(),
        comment: (!k.comment.is_empty()).then(|| k.comment.clone()),
        permission: k.permission,
        created: k.created.clone(),
        last_used: k.last_used.clone(),
        expiry_days: None,
    }
}

/// Repository → project key for every loaded repository, for `{project}` in templates.
fn projects(state: &State) -> BTreeMap<Place, String> {
    let mut out = BTreeMap::new();
    for (ws, load) in &state.repos {
        if let Load::Ready(repos) = load {
            for r in repos {
                if let Some(p) = &r.project {
                    out.insert(
                        Place::repository(state.forge.kind, ws.clone(), r.slug.clone()),
                        p.clone(),
                    );
                }
            }
        }
    }
    out
}

/// The project of a loaded repository, for `{project}` in a label.
pub fn project_of(state: &State, scope: &Place) -> Option<String> {
    let Place::Repository {
        owner: workspace,
        repo,
        ..
    } = scope
    else {
        return None;
    };
    match state.repos.get(workspace) {
        Some(Load::Ready(repos)) => repos.iter().find(|r| &r.slug == repo)?.project.clone(),
        _ => None,
    }
}

/// Opens the plan dialog and asks the worker to read the keys and plan.
pub fn open_plan(state: &mut State, title: String, request: BulkRequest, out: &mut Vec<Command>) {
    let req_id = state.req();
    let projects = projects(state);
    out.push(Command::PlanBulk {
        req_id,
        request: request.clone(),
        projects: projects.clone(),
    });
    state.dialog = Some(Dialog::Plan(PlanDialog {
        req_id,
        title,
        request: Some(request),
        desired: None,
        projects,
        stage: PlanStage::Reading,
        scroll: 0,
        typed: String::new(),
        note: None,
        staged: false,
    }));
}

fn selected_targets(state: &State) -> Vec<(Place, Fingerprint)> {
    state
        .selection
        .keys
        .values()
        .filter_map(|k| Some((k.scope.clone(), Fingerprint::parse(&k.fingerprint).ok()?)))
        .collect()
}

pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn add(state: &mut State, out: &mut Vec<Command>) {
    let _ = out;
    selection::commit_visual(state);
    let mut projects = Vec::new();
    let target = if !state.selection.repos.is_empty() {
        AddTarget::Many(
            state
                .selection
                .repos
                .iter()
                .map(|(ws, repo)| Place::repository(state.forge.kind, ws.clone(), repo.clone()))
                .collect(),
        )
    } else {
        let ws = state.focused_workspace().map(|w| w.slug.clone());
        match (state.focused_repo_row(), ws) {
            (Some(RepoRow::Repo(r)), Some(ws)) => {
                AddTarget::One(Place::repository(state.forge.kind, ws, r.slug.clone()))
            }
            (Some(RepoRow::ProjectKeys), Some(ws)) => {
                // The project of the focused key, else the workspace's first; ↑/↓ in the
                // dialog choose another.
                let focused = state
                    .focused_key()
                    .map(|k| k.scope.clone())
                    .filter(|s| matches!(s, Place::Project { .. }));
                if let Some(Load::Ready(groups)) = state.project_keys.get(&ws) {
                    projects = groups.iter().map(|g| g.key.clone()).collect();
                }
                let first = projects
                    .first()
                    .map(|p| Place::project(state.forge.kind, ws.clone(), p.clone()));
                match focused.or(first) {
                    Some(scope) => AddTarget::One(scope),
                    None => {
                        say(state, format!("{ws} has no project to add a key to"), true);
                        return;
                    }
                }
            }
            _ => {
                say(
                    state,
                    "Focus a repository, or select repositories, to add a key",
                    true,
                );
                return;
            }
        }
    };
    state.dialog = Some(Dialog::Add(AddForm {
        target,
        key: KeyField::default(),
        label: String::new(),
        field: 0,
        projects,
        label_suggested: false,
        grants: state.forge.caps.permissions || state.forge.caps.expiry,
        permission: crate::forge::Permission::Read,
        expiry: String::new(),
    }));
}

fn delete(state: &mut State, out: &mut Vec<Command>) {
    selection::commit_visual(state);
    if !state.selection.keys.is_empty() {
        let targets = selected_targets(state);
        let title = format!(
            "Delete {}",
            count(targets.len(), "selected key", "selected keys")
        );
        open_plan(state, title, BulkRequest::Delete { targets }, out);
        return;
    }
    let Some(key) = focused_key_in_pane(state) else {
        return;
    };
    let req_id = state.req();
    let mut lines = vec![
        format!("Delete this access key from {}?", place(&key.scope)),
        String::new(),
    ];
    lines.push(format!(
        "{:<12}{}",
        where_word(&key.scope),
        where_name(&key.scope)
    ));
    lines.push(format!("{:<12}{}", "Label", display_name(&key)));
    lines.push(format!(
        "{:<12}{}",
        "Fingerprint",
        key.fingerprint().unwrap_or("(unreadable key)")
    ));
    if let Place::Project { project, .. } = &key.scope {
        lines.push(String::new());
        lines.push(format!(
            "This is a project key: every repository of project {project} loses it."
        ));
    }
    state.dialog = Some(Dialog::Confirm(Confirm {
        title: "Delete key".into(),
        lines,
        command: Command::DeleteKey {
            req_id,
            scope: key.scope.clone(),
            key: deploy_key(&key),
        },
    }));
}

fn where_word(scope: &Place) -> &'static str {
    match scope {
        Place::Repository { .. } => "Repository",
        Place::Project { .. } => "Project",
    }
}

fn where_name(scope: &Place) -> String {
    match scope {
        Place::Repository {
            owner: workspace,
            repo,
            ..
        } => format!("{workspace}/{repo}"),
        Place::Project {
            owner: workspace,
            project,
            ..
        } => format!("{project} (workspace {workspace})"),
    }
}

fn place(scope: &Place) -> String {
    match scope {
        Place::Repository {
            owner: workspace,
            repo,
            ..
        } => format!("{workspace}/{repo}"),
        Place::Project {
            owner: workspace,
            project,
            ..
        } => format!("project {project} of {workspace}"),
    }
}

/// The focused key, when the keys pane has focus; says why not otherwise.
pub(crate) fn focused_key_in_pane(state: &mut State) -> Option<KeyView> {
    let key = match state.focus {
        Pane::Keys => state.focused_key().cloned(),
        _ => None,
    };
    if key.is_none() {
        say(
            state,
            "Focus a key in the access keys pane (3), or select keys first",
            true,
        );
    }
    key
}

fn edit(state: &mut State, _out: &mut [Command]) {
    selection::commit_visual(state);
    if !state.selection.keys.is_empty() {
        state.dialog = Some(Dialog::Label(LabelForm {
            single: None,
            targets: state
                .selection
                .keys
                .values()
                .map(|k| (k.scope.clone(), k.fingerprint.clone()))
                .collect(),
            text: String::new(),
        }));
        return;
    }
    let Some(key) = focused_key_in_pane(state) else {
        return;
    };
    state.dialog = Some(Dialog::Label(LabelForm {
        text: key.label.clone(),
        single: Some((key.scope.clone(), deploy_key(&key))),
        targets: Vec::new(),
    }));
}

fn rotate(state: &mut State) {
    selection::commit_visual(state);
    let choices = state.selection.fingerprints();
    if choices.is_empty() {
        say(
            state,
            "Select the key to replace first (s selects every copy of the focused key)",
            true,
        );
        return;
    }
    let focused = state
        .focused_key()
        .and_then(|k| k.fingerprint().map(String::from));
    let chosen = choices
        .iter()
        .position(|(fp, _, _)| Some(fp) == focused.as_ref())
        .unwrap_or(0);
    state.dialog = Some(Dialog::Rotate(RotateForm {
        choices,
        chosen,
        key: KeyField::default(),
        label: String::new(),
        field: 0,
        staged: false,
    }));
}

/// The confirmation of a label edit says exactly what will happen.
pub fn edit_sentence(scope: &Place, label: &str, in_place: bool) -> Vec<String> {
    let who = match scope {
        Place::Repository { .. } => "the repository",
        Place::Project { .. } => "the project's repositories",
    };
    if in_place && matches!(scope, Place::Repository { .. }) {
        vec![
            format!(
                "The label will be changed in place to '{label}': the id and the last-used date stay."
            ),
            format!(
                "If Bitbucket refuses, the key will be deleted and re-added instead: its id will change, its last-used date will reset, and for a moment {who} will not accept this key."
            ),
        ]
    } else {
        vec![format!(
            "The key will be deleted and re-added with the label '{label}'. Its id will change and its last-used date will reset. For a moment {who} will not accept this key."
        )]
    }
}
