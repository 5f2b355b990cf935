//! The find view (`f`) when the forge answered "where is this key used" itself (Data Center's
//! usage lookups): the places, what the answer rests on, and that it is limited to what the
//! credential may see. Place names come from the server, so each is cleaned here.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::forge::{Usage, UsageSource};
use crate::sanitize::clean_line;
use crate::tui::state::State;
use crate::tui::state::insight::{FindTarget, UsageFind};
use crate::tui::ui::text;

/// Draws the answer (or the wait for it) into `area`, the inside of the view's frame.
pub fn render(frame: &mut Frame, area: Rect, state: &State, target: &FindTarget, u: &UsageFind) {
    let theme = &state.theme;
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<12}"), theme.label),
            Span::raw(value),
        ])
    };
    let mut lines = vec![
        field("Fingerprint", target.fingerprint.to_string()),
        field("Key", format!("id {}", u.id)),
    ];
    match &u.answer {
        None => {
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(
                "Asking the server's usage lookups…",
                theme.dim,
            )));
        }
        Some(Err(f)) => {
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(
                clean_line(&f.sentence),
                theme.error,
            )));
        }
        Some(Ok(usage)) => answer_lines(&mut lines, state, usage, u.id, area.width),
    }
    let scroll = state.insight.scroll.min(lines.len().saturating_sub(1));
    // A margin of one column, kept by wrapped lines too.
    let area = Rect {
        x: area.x.saturating_add(1),
        width: area.width.saturating_sub(2),
        ..area
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll as u16, 0)),
        area,
    );
}

fn answer_lines(lines: &mut Vec<Line<'static>>, state: &State, usage: &Usage, id: u64, width: u16) {
    let theme = &state.theme;
    let source = match usage.source {
        UsageSource::Lookups => "the server's usage lookups (2 requests, no scan)",
        UsageSource::Fallback => {
            "the usage lookups, then the places this credential administers, read one by one"
        }
        UsageSource::Thorough => "the usage lookups and every place this credential administers",
    };
    lines.push(Line::from(vec![
        Span::styled(format!("{:<12}", "Answered by"), theme.label),
        Span::raw(source),
    ]));
    lines.push(Line::raw(""));
    let names: Vec<String> = usage
        .places
        .iter()
        .map(|p| clean_line(&p.to_string()))
        .collect();
    let longest = names.iter().map(|n| text::width(n)).max().unwrap_or(0);
    let place_w = (longest + 3).clamp(12, (usize::from(width) / 2).max(12));
    if usage.places.is_empty() {
        lines.push(Line::from(Span::styled(
            "Granted nowhere this credential may see.",
            theme.error,
        )));
    } else {
        lines.push(Line::from(Span::styled(
            format!("{}Scope", text::fit("Where", place_w)),
            theme.label,
        )));
        for (place, name) in usage.places.iter().zip(&names) {
            lines.push(Line::raw(format!(
                "{}{}",
                text::fit(name, place_w),
                place.kind()
            )));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        usage.reach_sentence(),
        theme.label,
    )));
    if usage.source == UsageSource::Lookups {
        lines.push(Line::from(Span::styled(
            format!("`bbkeys keys find {id} --thorough` reads them one by one."),
            theme.dim,
        )));
    }
}
