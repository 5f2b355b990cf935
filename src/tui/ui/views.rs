//! The full views over the panes: `J` jobs, `S` the selection and `m` the message log.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::ops::bulk::ItemStatus;
use crate::tui::state::State;
use crate::tui::state::jobs::{status_word, view_rows};
use crate::tui::state::selection;
use crate::tui::ui::text;

fn block<'a>(state: &State, title: String) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border_focused)
        .title(title)
}

/// The jobs view: each job, newest first, with every item's state and a failure's reason.
pub fn jobs(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let b = block(state, format!(" Jobs ({}) ", state.jobs.len()));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let rows = view_rows(&state.jobs, usize::from(inner.width));
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(
                " No jobs yet. Select keys or repositories (Space, s), then d, a, e or o.",
            )
            .style(theme.dim),
            inner,
        );
        return;
    }
    let w = usize::from(inner.width);
    let h = usize::from(inner.height);
    let first = state.view_cursor.min(rows.len().saturating_sub(h));
    let lines: Vec<Line> = rows
        .iter()
        .skip(first)
        .take(h)
        .map(|r| {
            if r.heading {
                return Line::from(Span::styled(
                    text::truncate(&format!(" {}", r.text), w),
                    theme.label,
                ));
            }
            let (word, style) = match &r.status {
                None => (String::new(), theme.error),
                Some(s) => (
                    status_word(s).to_string(),
                    match s {
                        ItemStatus::Failed(_) => theme.error,
                        ItemStatus::Running => theme.key,
                        ItemStatus::Queued | ItemStatus::Cancelled => theme.dim,
                        ItemStatus::Done | ItemStatus::AlreadyPresent => Style::new(),
                    },
                ),
            };
            let lead = format!("   {} ", text::fit(&word, 15));
            let rest = w.saturating_sub(text::width(&lead));
            Line::from(vec![
                Span::styled(lead, style),
                Span::styled(
                    text::truncate(&r.text, rest),
                    if r.status.is_none() && !r.continued {
                        theme.error
                    } else {
                        Style::new()
                    },
                ),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The selection view: grouped by workspace, then repository or project.
pub fn selection(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let summary = state
        .selection
        .summary()
        .unwrap_or_else(|| "nothing selected".into());
    let b = block(state, format!(" Selection: {summary} "));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let rows = selection::view_rows(&state.selection);
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(" Nothing selected. Space selects the focused row, s every copy of the focused key.")
                .style(theme.dim),
            inner,
        );
        return;
    }
    let w = usize::from(inner.width);
    let h = usize::from(inner.height);
    let cursor = state.view_cursor.min(rows.len() - 1);
    let first = cursor.saturating_sub(h.saturating_sub(1));
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(first)
        .take(h)
        .map(|(i, r)| {
            let indent = "  ".repeat(usize::from(r.depth));
            let style = match (i == cursor, r.depth) {
                (true, _) => theme.selected,
                (false, 0) => theme.label,
                (false, 1) if r.item.is_none() => theme.dim,
                _ => Style::new(),
            };
            Line::from(Span::styled(
                text::fit(&format!(" {indent}{}", r.text), w),
                style,
            ))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The message log's rows for `width` columns, newest message first, each in full over as
/// many rows as it takes: (text, whether it reports a failure).
pub fn log_rows(log: &[(String, bool)], width: usize) -> Vec<(String, bool)> {
    let mut rows = Vec::new();
    for (message, failed) in log.iter().rev() {
        for (n, line) in text::wrap(message, width.saturating_sub(3))
            .into_iter()
            .enumerate()
        {
            let lead = if n == 0 { " •" } else { "  " };
            rows.push((format!("{lead} {line}"), *failed));
        }
    }
    rows
}

/// The message log: every status message of the session, newest first, in full.
pub fn messages(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let b = block(state, format!(" Messages ({}) ", state.log.len()));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let rows = log_rows(&state.log, usize::from(inner.width));
    if rows.is_empty() {
        frame.render_widget(Paragraph::new(" No messages yet.").style(theme.dim), inner);
        return;
    }
    let h = usize::from(inner.height);
    let first = state.view_cursor.min(rows.len().saturating_sub(h));
    let lines: Vec<Line> = rows
        .into_iter()
        .skip(first)
        .take(h)
        .map(|(text, failed)| {
            Line::from(Span::styled(
                text,
                if failed { theme.error } else { Style::new() },
            ))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
