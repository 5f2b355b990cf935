//! The `?` overlay, generated from the keymap so it cannot drift from the real bindings.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::text;
use crate::tui::action::HelpGroup;
use crate::tui::state::State;

/// Draws the help overlay centred over the screen.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    if state.insight.help_scopes {
        return super::credentials::render_help_scopes(frame, area, state);
    }
    let theme = &state.theme;
    let groups = [
        (HelpGroup::Move, "Move"),
        (HelpGroup::Panes, "Panes"),
        (HelpGroup::Actions, "Actions"),
    ];
    let columns: Vec<Vec<Line>> = groups
        .iter()
        .map(|(group, title)| {
            let entries: Vec<(String, &str)> = state
                .keymap
                .entries()
                .filter(|(a, _)| a.group() == *group)
                .map(|(a, keys)| (keys, a.description()))
                .collect();
            let key_w = entries
                .iter()
                .map(|(k, _)| text::width(k))
                .max()
                .unwrap_or(0);
            let mut lines = vec![Line::from(Span::styled(*title, theme.label))];
            lines.extend(entries.into_iter().map(|(keys, what)| {
                Line::from(vec![
                    Span::styled(text::fit(&keys, key_w + 1), theme.key),
                    Span::raw(what),
                ])
            }));
            lines
        })
        .collect();
    let width = area.width.saturating_sub(4).min(120);
    // Tall enough for the longest column: three columns side by side from 100 columns on,
    // otherwise two, with Move and Panes stacked on the left.
    let three = width >= 100;
    let lens: Vec<usize> = columns.iter().map(Vec::len).collect();
    let rows = if three {
        lens.iter().copied().max().unwrap_or(0)
    } else {
        (lens.first().unwrap_or(&0) + 1 + lens.get(1).unwrap_or(&0)).max(*lens.get(2).unwrap_or(&0))
    };
    let height = (rows as u16 + 2).min(area.height.saturating_sub(2));
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(" Keys ")
        .title_bottom(Line::from(vec![
            Span::styled(" Tab", theme.key),
            Span::raw(" scopes  "),
            Span::styled("Esc", theme.key),
            Span::raw(" or "),
            Span::styled("?", theme.key),
            Span::raw(" closes "),
        ]));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    // Three columns when there is room; otherwise Move and Panes share the left column.
    if three {
        let cols = Layout::horizontal([Constraint::Ratio(1, 3); 3]).split(inner);
        for (col, lines) in cols.iter().zip(columns) {
            frame.render_widget(
                Paragraph::new(lines),
                col.inner(ratatui::layout::Margin::new(1, 0)),
            );
        }
    } else {
        let [l, r] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(inner);
        let mut iter = columns.into_iter();
        let mut left = iter.next().unwrap_or_default();
        left.push(Line::raw(""));
        left.extend(iter.next().unwrap_or_default());
        frame.render_widget(
            Paragraph::new(left),
            l.inner(ratatui::layout::Margin::new(1, 0)),
        );
        frame.render_widget(
            Paragraph::new(iter.next().unwrap_or_default()),
            r.inner(ratatui::layout::Margin::new(1, 0)),
        );
    }
}
