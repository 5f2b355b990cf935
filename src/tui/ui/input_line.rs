//! The one-line text field of the dialogs.

use ratatui::text::{Line, Span};

use crate::tui::state::State;
use crate::tui::ui::text;

/// An input line. A focused one shows the caret where editing happens; an unfocused one
/// shows the end of its text, where a pasted key's comment is.
pub(crate) fn input_line(value: &str, focused: bool, width: usize, state: &State) -> Line<'static> {
    let theme = &state.theme;
    let shown = value.replace(['\n', '\r', '\t'], " ");
    let caret = if focused { state.caret } else { 0 };
    let (before, after) = text::around_caret(&shown, caret, width.saturating_sub(2));
    let marker = if focused { "> " } else { "  " };
    let mut spans = vec![Span::styled(marker, theme.key), Span::raw(before)];
    if focused {
        spans.push(Span::styled("▏", theme.key));
    }
    spans.push(Span::raw(after));
    Line::from(spans)
}
