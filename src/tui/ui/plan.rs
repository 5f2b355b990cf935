//! The plan dialog: every change of a bulk action, like `terraform plan`, with counts and the
//! request cost, scrollable, and the confirmation the plan calls for.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::ops::bulk::Plan;
use crate::tui::state::State;
use crate::tui::state::dialog::{PlanDialog, PlanStage};
use crate::tui::ui::list::spinner;
use crate::tui::ui::text;

/// Columns of the plan lines in a terminal `cols` wide: the dialog's margins, borders and
/// padding take 8.
pub fn body_width(cols: u16) -> usize {
    usize::from(cols.saturating_sub(8))
}

/// The plan's lines in `w` columns, each with the symbol of its change. A line longer than the
/// dialog is wrapped, never cut: its end holds the new label and "then delete".
pub fn body_rows(plan: &Plan, w: usize) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for line in plan.lines() {
        let symbol = line.split_whitespace().next().unwrap_or("").to_string();
        for part in text::wrap_hanging(&line, w, 4) {
            rows.push((part, symbol.clone()));
        }
    }
    rows
}

/// Draws the plan dialog over most of the screen.
pub fn render(frame: &mut Frame, area: Rect, state: &State, d: &PlanDialog) {
    let theme = &state.theme;
    let popup = area.inner(Margin::new(2, 1));
    frame.render_widget(Clear, popup);
    let plan = d.plan();
    let typed = plan.is_some_and(|p| p.needs_typed_confirmation() && !p.is_empty());
    let keys: Vec<(&str, &str)> = match (&d.stage, plan) {
        (PlanStage::Reading, _) => vec![("Esc", "cancel")],
        (PlanStage::Rechecking(_), _) => vec![("Esc", "cancel")],
        (_, Some(p)) if p.is_empty() => vec![("Enter", "close")],
        _ if typed => vec![
            ("↑/↓", "scroll"),
            ("Enter", "apply if typed"),
            ("Esc", "cancel"),
        ],
        _ => vec![("↑/↓", "scroll"), ("y", "apply"), ("n", "no (default)")],
    };
    let mut bottom = vec![Span::raw(" ")];
    for (k, what) in keys {
        bottom.push(Span::styled(k, theme.key));
        bottom.push(Span::raw(format!(" {what}  ")));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(format!(
            " Plan: {} ",
            text::truncate(&d.title, usize::from(popup.width.saturating_sub(12)))
        ))
        .title_bottom(Line::from(bottom));
    let inner = block.inner(popup).inner(Margin::new(1, 0));
    frame.render_widget(block, popup);
    let Some(plan) = plan else {
        frame.render_widget(
            Paragraph::new(format!(
                "{} Reading the keys of the places this touches…",
                spinner(state)
            ))
            .style(theme.dim),
            inner,
        );
        return;
    };
    let w = usize::from(inner.width);
    let mut head: Vec<Line> = Vec::new();
    if let Some((note, bad)) = &d.note {
        head.push(Line::from(Span::styled(
            note.clone(),
            if *bad { theme.error } else { Style::new() },
        )));
    }
    head.push(Line::from(Span::styled(plan.summary(), theme.label)));
    let head_h: usize = head
        .iter()
        .map(|l| l.width().max(1).div_ceil(w.max(1)))
        .sum();
    let foot = foot_lines(state, d, plan, typed, w);
    let [head_a, body_a, foot_a] = Layout::vertical([
        Constraint::Length(head_h as u16),
        Constraint::Min(1),
        Constraint::Length(foot.len() as u16 + 1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head).wrap(Wrap { trim: false }), head_a);
    let lines = body_rows(plan, w);
    let h = usize::from(body_a.height);
    let first = d.scroll.min(lines.len().saturating_sub(h));
    let body: Vec<Line> = lines
        .iter()
        .skip(first)
        .take(h)
        .map(|(l, symbol)| {
            let style = match symbol.as_str() {
                "-" => theme.error,
                "+" | "+-" => theme.key,
                "-/+" => theme.inherited,
                _ => theme.dim,
            };
            Line::from(Span::styled(l.clone(), style))
        })
        .collect();
    frame.render_widget(Paragraph::new(body), body_a);
    if lines.len() > h {
        let more = format!(
            " lines {}-{} of {} ",
            first + 1,
            (first + h).min(lines.len()),
            lines.len()
        );
        let x = popup.x + popup.width.saturating_sub(text::width(&more) as u16 + 2);
        frame.render_widget(
            Paragraph::new(Span::styled(more.clone(), theme.dim)),
            Rect::new(x, popup.y, text::width(&more) as u16, 1),
        );
    }
    let mut foot_lines = vec![Line::raw("")];
    foot_lines.extend(foot);
    frame.render_widget(Paragraph::new(foot_lines), foot_a);
}

/// What the plan asks of the user at its foot: nothing, a y/n question, or the typed count.
fn foot_lines(
    state: &State,
    d: &PlanDialog,
    plan: &Plan,
    typed: bool,
    w: usize,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    match &d.stage {
        PlanStage::Rechecking(_) => vec![Line::from(Span::styled(
            format!("{} Re-reading the keys before applying…", spinner(state)),
            theme.key,
        ))],
        _ if plan.is_empty() => vec![Line::raw("Nothing to do.")],
        _ if typed => vec![
            Line::from(Span::styled(
                format!(
                    "This plan removes {} {}{}.",
                    plan.removals(),
                    if plan.removals() == 1 { "key" } else { "keys" },
                    if plan.empties.is_empty() {
                        ""
                    } else {
                        " and leaves some places without any key"
                    }
                ),
                theme.error,
            )),
            {
                let prompt = format!(
                    "Type {} (the number of changes) and Enter to apply: ",
                    plan.confirmation_text()
                );
                let room = w.saturating_sub(text::width(&prompt)).max(2);
                Line::from(vec![
                    Span::raw(prompt),
                    Span::styled(
                        text::with_caret(&d.typed, Some(state.caret), room),
                        theme.key,
                    ),
                ])
            },
        ],
        _ => vec![Line::raw(
            "Apply this plan? y applies it, n or Esc cancels.",
        )],
    }
}
