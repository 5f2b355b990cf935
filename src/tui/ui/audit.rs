//! The audit view (`A`): the findings of the focused workspace under a heading per severity,
//! with counts. Reasons quote labels from the server, so each is cleaned here.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ops::audit::{Finding, Severity};
use crate::sanitize::clean_line;
use crate::tui::action::Action;
use crate::tui::state::State;
use crate::tui::state::audit_view::{self, counts};
use crate::tui::state::insight::focused_inventory;
use crate::tui::ui::view_frame::view_block;
use crate::tui::ui::{badges, text};

fn heading(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

/// Draws the view over `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let ws = state
        .focused_workspace()
        .map(|w| clean_line(&w.slug))
        .unwrap_or_default();
    let all = audit_view::findings(state);
    let summary: Vec<String> = counts(all)
        .iter()
        .map(|(s, n)| format!("{} {n}", heading(*s).to_lowercase()))
        .collect();
    let title = if summary.is_empty() {
        format!(" Audit of {ws} ")
    } else {
        format!(" Audit of {ws}: {} ", summary.join(", "))
    };
    let block = view_block(
        state,
        title,
        &[
            (Action::Open, "select its keys"),
            (Action::DeleteKey, "delete"),
            (Action::EditLabel, "label"),
            (Action::Rotate, "rotate"),
            (Action::Export, "export"),
            (Action::Cancel, "close"),
        ],
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if focused_inventory(state).is_none() {
        let line = format!(" No scan of {ws} yet: press R to scan the workspace");
        frame.render_widget(Paragraph::new(Span::styled(line, theme.dim)), inner);
        return;
    }
    if all.is_empty() {
        let line = format!(" No findings in {ws}");
        frame.render_widget(Paragraph::new(Span::styled(line, theme.dim)), inner);
        return;
    }
    let width = usize::from(inner.width);
    let (lines, cursor_line) = lines(state, all, width);
    // Keep the cursor's line on screen.
    let height = usize::from(inner.height).max(1);
    let top = cursor_line.saturating_sub(height.saturating_sub(1));
    let shown: Vec<Line> = lines.into_iter().skip(top).take(height).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// The lines of the view, and which of them holds the cursor.
fn lines(state: &State, all: &[Finding], width: usize) -> (Vec<Line<'static>>, usize) {
    let theme = &state.theme;
    let cursor = state.insight.audit.cursor;
    let mut out = Vec::new();
    let mut cursor_line = 0;
    let mut current = None;
    let group_sizes = counts(all);
    for (i, f) in all.iter().enumerate() {
        if current != Some(f.severity) {
            current = Some(f.severity);
            let n = group_sizes
                .iter()
                .find(|(s, _)| *s == f.severity)
                .map_or(0, |(_, n)| *n);
            let word = if n == 1 { "finding" } else { "findings" };
            out.push(Line::from(Span::styled(
                format!(" {} · {n} {word}", heading(f.severity)),
                badges::style(theme, f.severity),
            )));
        }
        let place = f
            .location
            .as_ref()
            .map(|p| clean_line(&p.to_string()))
            .unwrap_or_else(|| "everywhere".into());
        let row = format!(
            "   {}{}{}",
            text::fit(f.code.as_str(), 16),
            text::fit(&place, 24),
            clean_line(&f.reason)
        );
        let mut line = Line::from(Span::raw(text::fit(&row, width)));
        if i == cursor {
            line = line.patch_style(theme.selected);
            cursor_line = out.len();
        }
        out.push(line);
    }
    (out, cursor_line)
}
