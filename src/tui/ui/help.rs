//! The `?` overlay, generated from the keymap so it cannot drift from the real bindings.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::action::HelpGroup;
use crate::tui::state::State;
use crate::tui::ui::text;

/// Draws the help overlay centred over the screen.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    if state.insight.help_scopes {
        return crate::tui::ui::credentials::render_help_scopes(frame, area, state);
    }
    let theme = &state.theme;
    let groups = [
        (HelpGroup::Move, "Move"),
        (HelpGroup::Panes, "Panes"),
        (HelpGroup::Select, "Select"),
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
    // Three columns side by side from 100 columns on (Panes and Select share the middle
    // one), otherwise two; a column taller than the screen scrolls with j/k.
    let width = area.width.saturating_sub(4).min(120);
    let three = width >= 100;
    let mut iter = columns.into_iter();
    let (mv, panes, select, actions) = (
        iter.next().unwrap_or_default(),
        iter.next().unwrap_or_default(),
        iter.next().unwrap_or_default(),
        iter.next().unwrap_or_default(),
    );
    let stack = |mut a: Vec<Line<'static>>, b: Vec<Line<'static>>| {
        a.push(Line::raw(""));
        a.extend(b);
        a
    };
    let cols: Vec<Vec<Line>> = if three {
        vec![mv, stack(panes, select), actions]
    } else {
        vec![stack(mv, panes), stack(select, actions)]
    };
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0);
    let height = (rows as u16 + 2).min(area.height.saturating_sub(2));
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let max_scroll = rows.saturating_sub(usize::from(height.saturating_sub(2)));
    let scroll = state.help_scroll.min(max_scroll) as u16;
    frame.render_widget(Clear, popup);
    let mut bottom = vec![
        Span::styled(" Tab", theme.key),
        Span::raw(" scopes  "),
        Span::styled("Esc", theme.key),
        Span::raw(" or "),
        Span::styled("?", theme.key),
        Span::raw(" closes "),
    ];
    if max_scroll > 0 {
        bottom.extend([Span::styled("j/k", theme.key), Span::raw(" scroll ")]);
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(" Keys ")
        .title_bottom(Line::from(bottom));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let n = cols.len() as u32;
    let areas = Layout::horizontal(vec![Constraint::Ratio(1, n); cols.len()]).split(inner);
    for (col, lines) in areas.iter().zip(cols) {
        frame.render_widget(
            Paragraph::new(lines).scroll((scroll, 0)),
            col.inner(ratatui::layout::Margin::new(1, 0)),
        );
    }
}
