//! The access keys pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::list::{self, Row};
use crate::forge::Place;
use crate::tui::selection::{key_item, row_selected};
use crate::tui::state::{KeyRow, KeyView, Pane, RepoRow, State};

/// Marks a label or comment that held control, escape, bidi or zero-width characters.
pub const DECEPTIVE: &str = "⚠";

/// The label, or something to recognise an unlabelled key by; marked when the label or the
/// comment was deceptive, since cleaned it looks like the clean label it imitates.
pub fn display_name(key: &KeyView) -> String {
    let name = if !key.label.is_empty() {
        key.label.clone()
    } else if !key.comment.is_empty() {
        key.comment.clone()
    } else {
        format!("(no label, id {})", key.id)
    };
    if key.escaped.is_some() {
        format!("{DECEPTIVE} {name}")
    } else {
        name
    }
}

/// Draws the access keys pane.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let in_project_list = matches!(state.focused_repo_row(), Some(RepoRow::ProjectKeys));
    // Only the rows on screen are built: the filtered rows are references, cheap to list, but
    // their selection identity and text cost allocations.
    let rows = state.key_rows();
    let row = |i: usize| {
        let r = rows[i];
        let item = match r {
            KeyRow::Key { key, .. } => key_item(key),
            KeyRow::Problem(..) => None,
        };
        let marked = row_selected(state, Pane::Keys, i, item.as_ref());
        match r {
            KeyRow::Key { key, inherited } => {
                let (note, note_style) = match (inherited, &key.scope) {
                    (Some(p), _) => (format!("inherited from project {p}"), theme.inherited),
                    (None, Place::Project { project, .. }) if in_project_list => {
                        (format!("project {project}"), theme.inherited)
                    }
                    _ => (key.short_type().to_string(), theme.dim),
                };
                Row {
                    text: display_name(key),
                    style: Style::new(),
                    note,
                    note_style,
                    marked,
                }
            }
            KeyRow::Problem(project, _) => Row {
                text: format!("project {project}: keys could not be read"),
                style: theme.error,
                note: String::new(),
                note_style: theme.dim,
                marked,
            },
        }
    };
    let empty = if in_project_list {
        "No project keys in this workspace"
    } else {
        "No access keys"
    };
    list::render(frame, area, state, Pane::Keys, rows.len(), row, empty);
}
