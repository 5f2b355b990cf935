//! Findings beside the keys: `[weak]`, `[unused 2y]`, `[shared 20]`, in the severity's colour.
//! The brackets keep a badge readable as text where there is no colour (`NO_COLOR`).

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::forge::Place;
use crate::ops::audit::{Badge, Finding, Severity, sentence};
use crate::tui::state::State;
use crate::tui::state::insight::WorkspaceInventory;
use crate::tui::theme::Theme;
use crate::tui::ui::text;

/// The style of a finding of `severity`.
pub fn style(theme: &Theme, severity: Severity) -> Style {
    theme.severity[severity_index(severity)]
}

fn severity_index(severity: Severity) -> usize {
    match severity {
        Severity::High => 0,
        Severity::Medium => 1,
        Severity::Low => 2,
        Severity::Info => 3,
    }
}

/// The badges of key `id` on `place`, from the inventory of its workspace (none before a scan).
pub fn of<'a>(state: &'a State, place: &Place, id: u64) -> &'a [Badge] {
    state
        .insight
        .inventories
        .get(place.owner())
        .map_or(&[], |w| w.badges.of(place, id))
}

/// One badge as text: `[weak]`.
pub fn label(b: &Badge) -> String {
    format!("[{}]", b.text)
}

/// The badges as spans, separated by a space, within `width` columns: the most severe come
/// first, and those that do not fit are counted (`+2`) rather than cut in the middle.
pub fn spans(theme: &Theme, badges: &[Badge], width: usize) -> Vec<Span<'static>> {
    let labels: Vec<String> = badges.iter().map(label).collect();
    // Widths of the first `n` badges with their separators.
    let shown_w = |n: usize| -> usize {
        labels[..n].iter().map(|l| text::width(l)).sum::<usize>() + n.saturating_sub(1)
    };
    let more_w = |n: usize| -> usize {
        let left = badges.len() - n;
        if left == 0 {
            0
        } else {
            format!("+{left}").len() + usize::from(n > 0)
        }
    };
    let mut n = badges.len();
    while n > 0 && shown_w(n) + more_w(n) > width {
        n -= 1;
    }
    if n == 0 && more_w(0) > width {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, b) in badges.iter().take(n).enumerate() {
        if i > 0 {
            out.push(Span::raw(" "));
        }
        out.push(Span::styled(labels[i].clone(), style(theme, b.severity)));
    }
    if n < badges.len() {
        let sep = if n > 0 { " " } else { "" };
        out.push(Span::styled(
            format!("{sep}+{}", badges.len() - n),
            theme.dim,
        ));
    }
    out
}

/// The columns `spans` takes.
pub fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| text::width(&s.content)).sum()
}

/// The findings about key `id` on `place` (and about its key everywhere), most severe first.
pub fn findings_of<'a>(
    w: &'a WorkspaceInventory,
    place: &Place,
    id: u64,
    fingerprint: Option<&str>,
) -> Vec<&'a Finding> {
    w.findings
        .iter()
        .filter(|f| match (&f.location, f.key_id) {
            (Some(at), Some(key)) => at == place && key == id,
            (None, _) => f
                .fingerprint
                .as_ref()
                .is_some_and(|fp| Some(fp.to_string().as_str()) == fingerprint),
            (Some(_), None) => false,
        })
        .collect()
}

/// The findings as full sentences, one line each, in their severity's style.
pub fn sentence_lines(theme: &Theme, findings: &[&Finding], width: usize) -> Vec<Line<'static>> {
    findings
        .iter()
        .map(|f| {
            Line::from(Span::styled(
                format!(" {}", text::truncate(&sentence(f), width.saturating_sub(1))),
                style(theme, f.severity),
            ))
        })
        .collect()
}
