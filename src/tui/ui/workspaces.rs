//! The workspaces pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::tui::state::{Pane, State};
use crate::tui::ui::list::{self, Row};

/// Draws the workspaces pane.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let rows = state.workspace_rows();
    let row = |i: usize| {
        let w = rows[i];
        Row {
            text: w.name.clone(),
            style: Style::new(),
            // The slug is what the CLI takes; show it when the name differs.
            note: if w.name == w.slug {
                String::new()
            } else {
                w.slug.clone()
            },
            note_style: state.theme.dim,
            marked: false,
            badges: Vec::new(),
        }
    };
    list::render(
        frame,
        area,
        state,
        Pane::Workspaces,
        rows.len(),
        row,
        "No workspaces",
    );
}
