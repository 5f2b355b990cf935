//! The Credentials view (`C`): the `doctor` report, and the scope table that the help overlay
//! shows too. The table is generated from `Operation::ALL`, so it cannot drift from the code.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::bitbucket::Operation;
use crate::bitbucket::error::AuthKind;
use crate::ops::doctor::{CheckStatus, DoctorReport, ProbeResult};
use crate::sanitize::clean_line;
use crate::tui::action::Action;
use crate::tui::state::{Load, State};
use crate::tui::theme::Theme;
use crate::tui::ui::list::spinner;
use crate::tui::ui::text;
use crate::tui::ui::view_frame::view_block;

/// From this width on each operation takes one line; below it, two.
const ONE_LINE: usize = 112;

/// The scope table, laid out for `width` columns.
pub fn scope_lines(theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if width >= ONE_LINE {
        lines.push(Line::from(Span::styled(
            format!(
                " {}{}{}",
                text::fit("Operation", 34),
                text::fit("API-token scopes", 52),
                "Classic scopes"
            ),
            theme.label,
        )));
        for op in Operation::ALL {
            lines.push(Line::raw(format!(
                " {}{}{}",
                text::fit(op.title(), 34),
                text::fit(&op.api_token_scopes().join(" "), 52),
                op.classic_scopes().join(" ")
            )));
        }
    } else {
        lines.push(Line::from(vec![
            Span::styled(format!(" {}", text::fit("Operation", 34)), theme.label),
            Span::styled("Classic scopes", theme.label),
        ]));
        lines.push(Line::from(Span::styled(
            "     API-token scopes",
            theme.label,
        )));
        for op in Operation::ALL {
            lines.push(Line::from(vec![
                Span::raw(format!(" {}", text::fit(op.title(), 34))),
                Span::styled(op.classic_scopes().join(" "), theme.dim),
            ]));
            lines.push(Line::raw(format!(
                "     {}",
                op.api_token_scopes().join(" ")
            )));
        }
    }
    lines
}

/// The help overlay's second page: the scope table.
pub fn render_help_scopes(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let width = area.width.saturating_sub(4).min(120);
    let height = area.height.saturating_sub(2);
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
        .title(" Scopes each operation needs ")
        .title_bottom(Line::from(vec![
            Span::styled(" Tab", theme.key),
            Span::raw(" keys  "),
            Span::styled("j/k", theme.key),
            Span::raw(" scroll  "),
            Span::styled("Esc", theme.key),
            Span::raw(" closes "),
        ]));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let lines = scope_lines(theme, usize::from(inner.width));
    let scroll = state.insight.scroll.min(lines.len().saturating_sub(1));
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
}

fn auth_kind(k: AuthKind) -> &'static str {
    match k {
        AuthKind::ApiToken => "API token",
        AuthKind::AccessToken => "access token",
        AuthKind::None => "no credential",
    }
}

fn mark(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Ok => "ok  ",
        CheckStatus::Warning => "warn",
        CheckStatus::Failed => "FAIL",
        CheckStatus::Skipped => "skip",
    }
}

/// The report as lines. Account names, workspace slugs and error sentences come from the
/// server, so every one is cleaned.
pub fn report_lines(theme: &Theme, r: &DoctorReport, width: usize) -> Vec<Line<'static>> {
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!(" {name:<12}"), theme.label),
            Span::raw(value),
        ])
    };
    let heading = |t: &str| Line::from(Span::styled(format!(" {t}"), theme.label));
    let mut lines = vec![
        field(
            "Credential",
            format!(
                "{} ({})",
                clean_line(&r.credential_source),
                auth_kind(r.auth_kind)
            ),
        ),
        field(
            "Account",
            r.account_line()
                .map(|a| clean_line(&a))
                .unwrap_or_else(|| "unknown".into()),
        ),
        field("API", clean_line(&r.api_url)),
        field(
            "Workspaces",
            if r.workspaces.is_empty() {
                "none seen".into()
            } else {
                r.workspaces
                    .iter()
                    .map(|w| clean_line(w))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ),
        Line::raw(""),
    ];
    let checks: Vec<_> = r.local.iter().chain(&r.connection).collect();
    if !checks.is_empty() {
        lines.push(heading("Checks"));
        for c in checks {
            let style = match c.status {
                CheckStatus::Failed => theme.error,
                _ => ratatui::style::Style::new(),
            };
            lines.push(Line::from(Span::styled(
                text::truncate(
                    &format!(
                        "  {}  {}  {}",
                        mark(c.status),
                        text::fit(&clean_line(&c.name), 14),
                        clean_line(&c.detail)
                    ),
                    width,
                ),
                style,
            )));
        }
        lines.push(Line::raw(""));
    }
    push_probes(&mut lines, theme, r, width);
    lines.push(heading("Operations"));
    for row in &r.operations {
        let verdict = row.verdict.to_string();
        let style = if verdict.starts_with("denied") {
            theme.error
        } else if verdict == "works" {
            ratatui::style::Style::new()
        } else {
            theme.dim
        };
        lines.push(Line::from(vec![
            Span::raw(format!("  {}", text::fit(&row.title(), 26))),
            Span::styled(verdict, style),
        ]));
    }
    if !r.notes.is_empty() {
        lines.push(Line::raw(""));
        lines.push(heading("Notes"));
        for n in &r.notes {
            lines.push(Line::raw(format!("  {}", clean_line(n))));
        }
    }
    lines
}

/// The read probes doctor made, one line each, when it made any.
fn push_probes(lines: &mut Vec<Line<'static>>, theme: &Theme, r: &DoctorReport, width: usize) {
    if !r.probes.is_empty() {
        lines.push(Line::from(Span::styled(
            " Read probes (nothing is written)",
            theme.label,
        )));
        for p in &r.probes {
            let what = if p.target.is_empty() {
                p.operation.title().to_string()
            } else {
                format!("{} {}", p.operation.title(), clean_line(&p.target))
            };
            let (m, result, style) = match &p.result {
                ProbeResult::Ok { summary } => {
                    ("ok  ", clean_line(summary), ratatui::style::Style::new())
                }
                ProbeResult::Failed { message, .. } => ("FAIL", clean_line(message), theme.error),
            };
            lines.push(Line::from(Span::styled(
                text::truncate(&format!("  {m}  {}  {result}", text::fit(&what, 36)), width),
                style,
            )));
        }
        lines.push(Line::raw(""));
    }
}

/// Draws the Credentials view.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let block = view_block(
        state,
        " Credentials ".into(),
        &[
            (Action::Down, "scroll"),
            (Action::Reload, "check again"),
            (Action::Cancel, "close"),
        ],
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines = match &state.insight.credentials {
        Load::Ready(d) => report_lines(theme, &d.0, width),
        Load::Failed(e) => vec![Line::from(Span::styled(format!(" {e}"), theme.error))],
        Load::Idle | Load::Loading(_) => vec![Line::from(Span::styled(
            format!(
                " {} Checking the credential (read-only requests)…",
                spinner(state)
            ),
            theme.dim,
        ))],
    };
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        " Scopes each operation needs",
        theme.label,
    )));
    lines.extend(scope_lines(theme, width));
    let scroll = state.insight.scroll.min(lines.len().saturating_sub(1));
    // Wrapped, so long notes and error sentences are read in full.
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll as u16, 0)),
        inner,
    );
}
