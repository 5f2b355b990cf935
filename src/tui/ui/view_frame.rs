//! The frame every full-screen view is drawn in, shared by the views so none of them imports
//! another for it.

use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::tui::action::Action;
use crate::tui::state::State;

/// The framed block of a view: title on top, its keys at the bottom.
pub fn view_block<'a>(state: &State, title: String, keys: &[(Action, &'a str)]) -> Block<'a> {
    let theme = &state.theme;
    let mut hints = vec![Span::raw(" ")];
    for (action, what) in keys {
        if let Some(k) = state.keymap.first_key(*action) {
            hints.push(Span::styled(k, theme.key));
            hints.push(Span::raw(format!(" {what}  ")));
        }
    }
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(title)
        .title_bottom(Line::from(hints))
}
