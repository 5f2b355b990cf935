//! A workspace typed by hand. Workspace, project and repository access tokens are bound to
//! one workspace and may be unable to list workspaces at all; the user then types the slug
//! instead of ending at an error.

use crate::tui::line_edit;
use crate::tui::state::dialog::Dialog;
use crate::tui::state::msg::TextInput;
pub use crate::tui::state::typed_workspace::{check_slug, offered};
use crate::tui::state::{Load, Pane, State, WorkspaceView};

/// Opens the slug dialog.
pub fn open(state: &mut State) {
    state.dialog = Some(Dialog::Workspace(String::new()));
}

/// A key typed into the slug dialog; returns the dialog while it stays open.
pub fn input(state: &mut State, mut text: String, t: TextInput) -> Option<Dialog> {
    match t {
        TextInput::Abort => {
            state.message = Some(("No workspace typed".into(), false));
            None
        }
        TextInput::Submit => {
            let slug = text.trim().to_string();
            if check_slug(&slug).is_err() {
                return Some(Dialog::Workspace(text));
            }
            add(state, slug);
            None
        }
        TextInput::Paste(p) => {
            let p: String = p.chars().filter(|c| !c.is_control()).collect();
            line_edit::edit(&mut text, &mut state.caret, &TextInput::Paste(p));
            Some(Dialog::Workspace(text))
        }
        t => {
            line_edit::edit(&mut text, &mut state.caret, &t);
            Some(Dialog::Workspace(text))
        }
    }
}

/// Shows the typed workspace in the workspaces pane and focuses it; its repositories load as
/// any focused workspace's do.
fn add(state: &mut State, slug: String) {
    let mut list = match (&state.workspaces, state.workspace_typed) {
        (Load::Ready(list), true) => list.clone(),
        _ => Vec::new(),
    };
    let at = match list.iter().position(|w| w.slug == slug) {
        Some(at) => at,
        None => {
            list.push(WorkspaceView {
                name: slug.clone(),
                slug: slug.clone(),
            });
            list.len() - 1
        }
    };
    state.workspaces = Load::Ready(list);
    state.workspace_typed = true;
    state.filter[0].clear();
    state.cursor = [at, 0, 0];
    state.offset = [0; 3];
    crate::tui::update::cursor::scroll_to_cursor(state, Pane::Workspaces);
    state.repo_cursor_default = true;
    state.settle = 0;
    state.message = Some((format!("Opening workspace {slug}"), false));
}
