//! The replace-everywhere dialog of `e` on Data Center: every grant of every key, scrollable
//! when the list is longer than the screen, with the typed confirmation kept in view below.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::sanitize::clean_line;
use crate::tui::state::State;
use crate::tui::state::replace::{KeyGrants, ReplaceDialog};
use crate::tui::ui::text;

/// The widest the dialog gets, so lines stay readable on a wide terminal.
const MAX_WIDTH: u16 = 100;

fn popup_width(cols: u16) -> u16 {
    cols.saturating_sub(4).min(MAX_WIDTH)
}

/// Columns of the list in a terminal `cols` wide: borders and padding take 4.
pub fn body_width(cols: u16) -> usize {
    usize::from(popup_width(cols).saturating_sub(4)).max(1)
}

/// The list's screen rows in `w` columns. A grant line that wraps is indented under its
/// place, so the places stay in one column; sentences wrap flush.
pub fn body_rows(d: &ReplaceDialog, w: usize) -> Vec<String> {
    body_lines(d)
        .iter()
        .flat_map(|l| {
            let indent = l.len() - l.trim_start_matches(' ').len();
            let hang = if indent == 0 { 0 } else { indent + 2 };
            text::wrap_hanging(l, w, hang)
        })
        .collect()
}

/// Draws the dialog centred, as tall as its list up to the screen's height.
pub fn render(frame: &mut Frame, area: Rect, state: &State, d: &ReplaceDialog) {
    let theme = &state.theme;
    let w = body_width(area.width);
    let rows = body_rows(d, w);
    // The prompt and the blank line above it.
    let foot_h: u16 = 2;
    let want_h = (rows.len() as u16).saturating_add(foot_h + 2);
    let h = want_h.min(area.height.saturating_sub(2));
    let pw = popup_width(area.width);
    let popup = Rect::new(
        area.x + (area.width - pw) / 2,
        area.y + (area.height - h) / 2,
        pw,
        h,
    );
    frame.render_widget(Clear, popup);
    let body_h = usize::from(h.saturating_sub(foot_h + 2));
    let scrolls = rows.len() > body_h;
    let mut keys: Vec<(&str, &str)> = Vec::new();
    if scrolls {
        keys.push(("↑/↓", "scroll"));
    }
    keys.push(("Enter", "go ahead once typed"));
    keys.push(("Esc", "leave"));
    let mut bottom = vec![Span::raw(" ")];
    for (k, what) in keys {
        bottom.push(Span::styled(k, theme.key));
        bottom.push(Span::raw(format!(" {what}  ")));
    }
    let title = match d.keys.len() {
        1 => "Relabel at every grant".to_string(),
        n => format!("Relabel {n} keys at every grant"),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(format!(" {title} "))
        .title_bottom(Line::from(bottom));
    let inner = block.inner(popup).inner(Margin::new(1, 0));
    frame.render_widget(block, popup);
    let [body_a, foot_a] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(foot_h)]).areas(inner);
    let first = d.scroll.min(rows.len().saturating_sub(body_h));
    let body: Vec<Line> = rows
        .iter()
        .skip(first)
        .take(body_h)
        .map(|r| {
            if r.ends_with("grant(s):") && !r.starts_with(' ') {
                Line::from(Span::styled(r.clone(), theme.label))
            } else {
                Line::raw(r.clone())
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(body), body_a);
    if scrolls {
        let more = format!(
            " lines {}-{} of {} ",
            first + 1,
            (first + body_h).min(rows.len()),
            rows.len()
        );
        let mw = text::width(&more) as u16;
        let x = popup.x + popup.width.saturating_sub(mw + 2);
        frame.render_widget(
            Paragraph::new(Span::styled(more, theme.dim)),
            Rect::new(x, popup.y, mw, 1),
        );
    }
    let ask = prompt(&ReplaceDialog {
        typed: String::new(),
        ..d.clone()
    });
    let room = w.saturating_sub(text::width(&ask)).max(2);
    let foot = vec![
        Line::raw(""),
        Line::from(vec![
            Span::raw(ask),
            Span::styled(
                text::with_caret(&d.typed, Some(state.caret), room),
                theme.key,
            ),
        ]),
    ];
    frame.render_widget(Paragraph::new(foot), foot_a);
}

/// The whole dialog as text, for the tests: what happens, every grant, the costs, then the
/// typed confirmation.
#[cfg(test)]
pub(crate) fn lines(d: &ReplaceDialog) -> Vec<String> {
    let mut lines = body_lines(d);
    lines.push(String::new());
    lines.push(prompt(d));
    lines
}

/// The typed confirmation's line.
pub fn prompt(d: &ReplaceDialog) -> String {
    format!("Type {} and Enter to go ahead: {}", d.expected(), d.typed)
}

/// What happens and every grant: the part of the dialog that scrolls.
pub fn body_lines(d: &ReplaceDialog) -> Vec<String> {
    let mut lines = Vec::new();
    match d.keys.as_slice() {
        [one] => {
            lines.push(format!(
                "On Bitbucket Data Center a label belongs to the key and is shared by every grant, and no REST call changes it. To label it '{}', the key is revoked at each of its {} grant(s), then added again with the same permission and expiry (journaled):",
                clean_line(&one.label),
                one.grants.len()
            ));
            lines.push(String::new());
            grant_lines(&mut lines, one);
        }
        keys => {
            lines.push(format!(
                "On Bitbucket Data Center a label belongs to the key and is shared by every grant, and no REST call changes it. Each of these {} keys is revoked at every grant, then added again with its new label and the same permission and expiry ({} grants, journaled key by key; a key that fails does not stop the others):",
                keys.len(),
                d.grant_count()
            ));
            for k in keys {
                lines.push(String::new());
                lines.push(format!(
                    "'{}' → '{}' (key {}, {} grant(s)):",
                    clean_line(&k.key.label),
                    clean_line(&k.label),
                    k.key.id,
                    k.grants.len()
                ));
                grant_lines(&mut lines, k);
            }
        }
    }
    if !d.left_out.is_empty() {
        lines.push(String::new());
        lines.push("Left out:".into());
        for why in &d.left_out {
            lines.push(format!("  {}", clean_line(why)));
        }
    }
    lines.push(String::new());
    lines.push("Meanwhile these places do not accept the key; each expiry starts again, the last-used date is lost and the id may change. A grant this credential cannot see keeps the old label.".into());
    lines
}

fn grant_lines(lines: &mut Vec<String>, k: &KeyGrants) {
    for (place, g) in &k.grants {
        lines.push(format!(
            "  {}  {}  {}",
            clean_line(&place.to_string()),
            g.permission.as_str(),
            g.expiry_days.map_or_else(
                || "no expiry".into(),
                |n| format!("{n} days from the re-add")
            )
        ));
    }
}
