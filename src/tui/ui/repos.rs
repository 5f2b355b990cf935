//! The repositories pane, headed by the workspace's "Project keys" entry.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::tui::state::selection::{repo_item, row_selected};
use crate::tui::state::{Pane, RepoRow, State};
use crate::tui::ui::list::{self, Row};

/// Draws the repositories pane. Rows are built only for the lines on screen: a scanned
/// workspace can hold 10,000 repositories.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let ws = state
        .focused_workspace()
        .map(|w| w.slug.as_str())
        .unwrap_or_default();
    let rows = state.repo_rows();
    let row = |i: usize| {
        let r = rows[i];
        let marked = row_selected(state, Pane::Repositories, i, repo_item(ws, r).as_ref());
        match r {
            RepoRow::ProjectKeys => Row {
                text: "◆ Project keys".into(),
                style: theme.inherited,
                note: String::new(),
                note_style: theme.dim,
                marked,
                badges: Vec::new(),
            },
            RepoRow::Repo(repo) => Row {
                text: repo.name.clone(),
                style: Style::new(),
                note: repo.project.clone().unwrap_or_default(),
                note_style: theme.dim,
                marked,
                badges: Vec::new(),
            },
        }
    };
    list::render(
        frame,
        area,
        state,
        Pane::Repositories,
        rows.len(),
        row,
        "No repositories you administer here",
    );
}
