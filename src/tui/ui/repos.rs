//! The repositories pane, headed by the workspace's "Project keys" entry.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::list::{self, Row};
use crate::tui::selection::{row_items, row_selected};
use crate::tui::state::{Pane, RepoRow, State};

/// Draws the repositories pane.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let items = row_items(state, Pane::Repositories);
    let rows: Vec<Row> = state
        .repo_rows()
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            (
                row_selected(
                    state,
                    Pane::Repositories,
                    i,
                    items.get(i).and_then(Option::as_ref),
                ),
                r,
            )
        })
        .map(|(marked, r)| match r {
            RepoRow::ProjectKeys => Row {
                text: "◆ Project keys".into(),
                style: theme.inherited,
                note: String::new(),
                note_style: theme.dim,
                marked,
            },
            RepoRow::Repo(repo) => Row {
                text: repo.name.clone(),
                style: Style::new(),
                note: repo.project.clone().unwrap_or_default(),
                note_style: theme.dim,
                marked,
            },
        })
        .collect();
    list::render(
        frame,
        area,
        state,
        Pane::Repositories,
        &rows,
        "No repositories you administer here",
    );
}
