//! The frame shared by the three list panes: border, title, filter, spinner, error, rows.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::tui::state::FullView;
use crate::tui::state::{Pane, PaneStatus, State};
use crate::tui::ui::{badges, text};

/// Braille spinner frames.
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The spinner frame for the current tick.
pub fn spinner(state: &State) -> &'static str {
    SPINNER[state.spinner % SPINNER.len()]
}

/// One row: the main text on the left and an optional note right-aligned in `note_style`.
pub struct Row {
    /// Main text, already cleaned.
    pub text: String,
    /// Style of the main text.
    pub style: Style,
    /// Right-aligned note ("inherited from project API").
    pub note: String,
    /// Style of the note.
    pub note_style: Style,
    /// In the selection (or in the visual range): drawn with a mark in the first column.
    pub marked: bool,
    /// Findings, drawn after the text; the text is cut before them, and they before the note.
    pub badges: Vec<crate::ops::audit::Badge>,
}

/// Lays out a row in `width` columns: the note keeps its place and the text is cut first.
/// The first column holds the selection mark.
fn row_line(row: &Row, width: usize, theme: &crate::tui::theme::Theme) -> Line<'static> {
    let mark = if row.marked {
        Span::styled("●", theme.key)
    } else {
        Span::raw(" ")
    };
    let width = width.saturating_sub(1);
    let note_w = text::width(&row.note);
    let with_note = !(note_w + 3 > width || row.note.is_empty());
    let rest = if with_note { width - note_w - 2 } else { width };
    // The label keeps a few columns before any badge: a row of badges alone names no key.
    let badges = badges::spans(
        theme,
        &row.badges,
        rest.saturating_sub(BADGE_LABEL_ROOM + 1),
    );
    let badges_w = badges::spans_width(&badges);
    let text_w = if badges_w > 0 {
        rest - badges_w - 1
    } else {
        rest
    };
    let mut spans = vec![mark, Span::styled(text::fit(&row.text, text_w), row.style)];
    if badges_w > 0 {
        spans.push(Span::raw(" "));
        spans.extend(badges);
    }
    if with_note {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(row.note.clone(), row.note_style));
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

/// Columns of label a row keeps before its badges.
const BADGE_LABEL_ROOM: usize = 10;

/// Draws a list pane of `total` rows. `row(i)` builds row `i`; it is only called for the rows
/// on screen, so a frame costs the same with 50 rows or 10,000. `empty` is said when there are
/// no rows.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    pane: Pane,
    total: usize,
    row: impl Fn(usize) -> Row,
    empty: &str,
) {
    let focused = state.focus == pane && !state.views.is_open(FullView::Help);
    let theme = &state.theme;
    let border = if focused {
        theme.border_focused
    } else {
        theme.border
    };
    let count = if state.pane_status(pane) == PaneStatus::Ready {
        format!(" ({total})")
    } else {
        String::new()
    };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Line::from(vec![
            Span::styled(format!(" {} ", pane.index() + 1), theme.key),
            Span::styled(
                format!("{}{} ", pane.title(state.forge.kind), count),
                border,
            ),
        ]));
    let filter = &state.filter[pane.index()];
    let typing_here = state.typing && state.focus == pane;
    if typing_here || !filter.is_empty() {
        let max = usize::from(area.width.saturating_sub(8));
        let caret = typing_here.then_some(state.caret);
        block = block.title_bottom(Line::from(Span::styled(
            format!(" /{} ", text::with_caret(filter, caret, max)),
            theme.key,
        )));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let lines: Vec<Line> = match state.pane_status(pane) {
        PaneStatus::Waiting => vec![Line::from(Span::styled(" …", theme.dim))],
        PaneStatus::Loading => vec![Line::from(Span::styled(
            format!(" {} Loading…", spinner(state)),
            theme.dim,
        ))],
        PaneStatus::Failed(e) => {
            // The way out first: a small pane would hide it under a long sentence.
            let mut text = Vec::new();
            if let Some(hint) = workspace_hint(state, pane) {
                text.push(Line::from(Span::styled(hint, theme.key)));
            }
            text.push(Line::from(Span::styled(e.to_string(), theme.error)));
            let p = Paragraph::new(text).wrap(Wrap { trim: true });
            frame.render_widget(p, inner.inner(ratatui::layout::Margin::new(1, 0)));
            return;
        }
        PaneStatus::Ready if total == 0 => {
            let msg = if filter.is_empty() {
                empty.to_string()
            } else {
                format!("Nothing matches /{filter}")
            };
            let mut lines = vec![Line::from(Span::styled(
                format!(" {}", text::truncate(&msg, width.saturating_sub(1))),
                theme.dim,
            ))];
            if let (true, Some(hint)) = (filter.is_empty(), workspace_hint(state, pane)) {
                lines.push(Line::from(Span::styled(
                    format!(" {}", text::truncate(&hint, width.saturating_sub(1))),
                    theme.key,
                )));
            }
            lines
        }
        PaneStatus::Ready => {
            let cursor = state.cursor[pane.index()];
            let h = usize::from(inner.height);
            let offset = state.offset[pane.index()].min(total.saturating_sub(h));
            (offset..total.min(offset + h))
                .map(|i| {
                    let line = row_line(&row(i), width, theme);
                    if i != cursor {
                        line
                    } else if focused {
                        line.patch_style(theme.selected)
                    } else {
                        line.patch_style(theme.selected_unfocused)
                    }
                })
                .collect()
        }
    };
    frame.render_widget(Paragraph::new(lines), inner);
}

/// On a workspaces pane that could not list any: how to type one instead.
fn workspace_hint(state: &State, pane: Pane) -> Option<String> {
    if pane != Pane::Workspaces || !crate::tui::state::typed_workspace::offered(state) {
        return None;
    }
    let key = state.keymap.first_key(crate::tui::action::Action::Open)?;
    Some(format!("{key}: type a workspace slug"))
}
