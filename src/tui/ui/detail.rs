//! The detail area: everything known about the focused key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::forge::{ForgeErrorKind, Place};
use crate::tui::state::{KeyRow, KeyView, State};
use crate::tui::theme::Theme;
use crate::tui::ui::keys::{DECEPTIVE, display_name};
use crate::tui::ui::{badges, grant, text};

/// Draws the detail area.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(" Key ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width.saturating_sub(1));
    let lines: Vec<Line> = match state.focused_key_row() {
        None => vec![Line::from(Span::styled(" No key focused", theme.dim))],
        Some(KeyRow::Problem(project, e)) => {
            let style = if e.kind == ForgeErrorKind::NotPermitted {
                theme.dim
            } else {
                theme.error
            };
            // The sentence says what to do: it is wrapped, never cut.
            let mut lines = vec![Line::from(field(
                theme,
                "Project",
                project.to_string(),
                Style::new(),
            ))];
            lines.extend(
                text::wrap(&e.advice, width.saturating_sub(1))
                    .into_iter()
                    .map(|l| Line::from(Span::styled(format!(" {l}"), style))),
            );
            lines
        }
        Some(KeyRow::Key { key, inherited }) => key_lines(state, key, inherited, width),
    };
    frame.render_widget(Paragraph::new(lines), inner);
}

/// One field: its name, then its value in `style`.
fn field(theme: &Theme, name: &str, value: String, style: Style) -> Vec<Span<'static>> {
    vec![
        Span::styled(format!(" {name}: "), theme.label),
        Span::styled(value, style),
        Span::raw(" "),
    ]
}

/// The key's label and comment, a deceptive one shown escaped as the server sent it.
fn label_fields(state: &State, key: &KeyView, half: usize) -> Vec<Span<'static>> {
    let theme = &state.theme;
    // A deceptive label or comment is shown as the server sent it, escaped.
    let escaped = key.escaped.as_deref();
    let label = match escaped.and_then(|e| e.label.as_deref()) {
        Some(raw) => format!("{DECEPTIVE} {raw}"),
        None => display_name(key),
    };
    let comment = match escaped.and_then(|e| e.comment.as_deref()) {
        Some(raw) => format!("{DECEPTIVE} {raw}"),
        None => key.comment.clone(),
    };
    let label_style = if escaped.is_some() {
        theme.error
    } else {
        Style::new()
    };
    let mut first = field(
        theme,
        "Label",
        text::truncate(&label, half.saturating_sub(9)),
        label_style,
    );
    if !comment.is_empty() {
        first.extend(field(
            theme,
            "Comment",
            text::truncate(&comment, half.saturating_sub(11)),
            label_style,
        ));
    }
    first
}

/// The key's type and id, and its permission and expiry where the forge has them.
fn grant_fields(state: &State, key: &KeyView) -> Vec<Span<'static>> {
    let theme = &state.theme;
    let kind = match key.bits() {
        Some(bits) => format!("{} {bits} bits", key.key_type()),
        None => key.key_type().to_string(),
    };
    let mut third = field(theme, "Type", kind, Style::new());
    third.extend(field(theme, "Id", key.id.to_string(), Style::new()));
    if state.forge.caps.permissions {
        third.extend(field(
            theme,
            "Permission",
            key.permission.as_str().to_string(),
            Style::new(),
        ));
    }
    if state.forge.caps.expiry {
        let (text, style) = match grant::expiry(&state.forge, key) {
            Some(t) if grant::expired(&state.forge, key) => (t, theme.error),
            Some(t) => (t, Style::new()),
            None => ("never expires".to_string(), theme.dim),
        };
        third.extend(field(theme, "Expiry", text, style));
    }
    third
}

/// Everything known about `key`, in lines `width` wide.
fn key_lines(
    state: &State,
    key: &KeyView,
    inherited: Option<&str>,
    width: usize,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let half = width / 2;
    let first = label_fields(state, key, half);
    let fingerprint = key
        .fingerprint()
        .unwrap_or("(the key could not be parsed)")
        .to_string();
    let third = grant_fields(state, key);
    let mut fourth = field(
        theme,
        "Created",
        key.created
            .as_deref()
            .map(text::short_time)
            .unwrap_or_else(|| "unknown".into()),
        Style::new(),
    );
    fourth.extend(field(
        theme,
        "Last used",
        key.last_used
            .as_deref()
            .map(text::short_time)
            .unwrap_or_else(|| "never".into()),
        Style::new(),
    ));
    let scope = scope_sentence(&key.scope, inherited);
    let also = state.also_on(key);
    let also_text = if also.is_empty() {
        "nowhere else among the repositories loaded so far (R scans the workspace)".to_string()
    } else {
        let places = if also.len() == 1 { "place" } else { "places" };
        format!("{} other {places}: {}", also.len(), also.join(", "))
    };
    let mut lines = vec![
        Line::from(first),
        Line::from(field(theme, "Fingerprint", fingerprint, Style::new())),
        Line::from(third),
        Line::from(fourth),
        Line::from(field(
            theme,
            "Scope",
            text::truncate(&scope, width.saturating_sub(8)),
            Style::new(),
        )),
        Line::from(field(
            theme,
            "Also on",
            text::truncate(&also_text, width.saturating_sub(10)),
            if also.is_empty() {
                theme.dim
            } else {
                Style::new()
            },
        )),
    ];
    // The findings come before where the key sits: a short area cuts the last lines, and
    // what is wrong with a key matters more than a list of its other places.
    if let Some(w) = state.insight.inventories.get(key.scope.owner()) {
        let found = badges::findings_of(w, &key.scope, key.id, key.fingerprint());
        let at = lines.len() - 2;
        lines.splice(at..at, badges::sentence_lines(theme, &found, width));
    }
    lines
}

/// Where the key is granted, and for an inherited project key, how the repository gets it.
fn scope_sentence(scope: &Place, inherited: Option<&str>) -> String {
    match (scope, inherited) {
        (
            Place::Project {
                project,
                owner: workspace,
                ..
            },
            Some(_),
        ) => {
            format!(
                "project {project} of {workspace}, inherited from project {project} by this repository"
            )
        }
        (
            Place::Project {
                project,
                owner: workspace,
                ..
            },
            None,
        ) => {
            format!("project {project} of {workspace} (read access to all its repositories)")
        }
        (
            Place::Repository {
                owner: workspace,
                repo,
                ..
            },
            _,
        ) => {
            format!("repository {workspace}/{repo}")
        }
    }
}
