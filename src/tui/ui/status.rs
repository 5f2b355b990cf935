//! The status bar and the hint bar.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::action::Action;
use crate::tui::state::{FullView, State};
use crate::tui::ui::list::spinner;
use crate::tui::ui::text;

/// Draws the status bar: last message on the left; scan progress, request count and the
/// DEMO badge on the right. The request count steps aside for a message that needs its room.
pub fn render_status(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let mut right: Vec<Span> = Vec::new();
    for job in state.jobs.iter().filter(|j| !j.finished) {
        right.push(Span::styled(
            format!(
                "{} applying {}/{} ",
                spinner(state),
                job.done(),
                job.items.len()
            ),
            theme.key,
        ));
    }
    if let Some(sel) = state.selection.summary() {
        right.push(Span::styled(format!("{sel} "), theme.key));
    }
    if let Some(scan) = &state.scan {
        right.push(Span::styled(
            format!(
                "{} scanning {} {}/{} ",
                spinner(state),
                scan.ws,
                scan.done,
                scan.total
            ),
            theme.key,
        ));
    } else if state.is_loading() && state.jobs.iter().all(|j| j.finished) {
        right.push(Span::styled(format!("{} ", spinner(state)), theme.key));
    }
    if state.insight.list.refreshing.is_some() {
        right.push(Span::styled(
            format!("{} refreshing the workspace list ", spinner(state)),
            theme.key,
        ));
    }
    if let Some(age) = crate::tui::state::insight::focused_cache_age(state) {
        right.push(Span::styled(
            format!("cached {} ", crate::tui::state::insight::ago(age)),
            theme.key,
        ));
    }
    let (msg, style) = match &state.message {
        Some((m, true)) => (m.as_str(), theme.error),
        Some((m, false)) => (m.as_str(), Style::new()),
        None => ("", Style::new()),
    };
    let used: usize = right.iter().map(|s| text::width(&s.content)).sum::<usize>()
        + if state.demo { 6 } else { 0 };
    // The request count gives way to a message that would be cut without its room: a
    // message may ask something ("Esc again clears…"), and the count is back with the next.
    if let Some(n) = state.requests_last_hour {
        let count = format!("{n} req/h ");
        let fits_with =
            used + text::width(&count) + text::width(msg) + 2 <= usize::from(area.width);
        let fits_without = used + text::width(msg) + 2 <= usize::from(area.width);
        if fits_with || !fits_without {
            right.push(Span::styled(count, theme.dim));
        }
    }
    if state.demo {
        right.push(Span::styled(" DEMO ", theme.badge));
    }
    let right_w: usize = right.iter().map(|s| text::width(&s.content)).sum();
    let [left_area, right_area] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(right_w as u16)]).areas(area);
    let room = usize::from(left_area.width.saturating_sub(2));
    let mut line = vec![Span::styled(
        format!(" {}", text::truncate(msg, room)),
        style,
    )];
    // A message cut short says where it can be read in full.
    if text::width(msg) > room
        && let Some(key) = state.keymap.first_key(Action::Messages)
    {
        let hint = format!(" {key}: all of it");
        let cut = text::truncate(msg, room.saturating_sub(text::width(&hint)));
        line = vec![
            Span::styled(format!(" {cut}"), style),
            Span::styled(hint, theme.key),
        ];
    }
    frame.render_widget(Paragraph::new(Line::from(line)), left_area);
    frame.render_widget(Paragraph::new(Line::from(right)), right_area);
}

/// The hint bar: the most useful actions with their first key, from the keymap.
pub fn render_hints(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let actions: &[(Action, &str)] = if state.typing || state.dialog.is_some() {
        &[]
    } else if let Some(hints) = crate::tui::ui::view_hints::of(state) {
        hints
    } else if state.views.base() == Some(FullView::Jobs) {
        &[
            (Action::Down, "scroll"),
            (Action::CancelJob, "cancel"),
            (Action::Reload, "retry failed"),
            (Action::Cancel, "close"),
        ]
    } else if state.views.base() == Some(FullView::Selection) {
        &[
            (Action::Down, "move"),
            (Action::CancelJob, "remove"),
            (Action::RestoreSelection, "restore cleared"),
            (Action::Cancel, "close"),
        ]
    } else if state.views.base() == Some(FullView::Messages) {
        &[(Action::Down, "scroll"), (Action::Cancel, "close")]
    } else {
        &[
            (Action::Down, "move"),
            (Action::NextPane, "pane"),
            (Action::ToggleSelect, "select"),
            (Action::AddKey, "add"),
            (Action::DeleteKey, "delete"),
            (Action::EditLabel, "label"),
            (Action::Help, "help"),
            (Action::Quit, "quit"),
            (Action::Filter, "filter"),
            (Action::Jobs, "jobs"),
            (Action::Rescan, "rescan"),
        ]
    };
    let mut spans = vec![Span::raw(" ")];
    if state.typing {
        spans.push(Span::raw("type to filter  "));
        spans.push(Span::styled("Enter", theme.key));
        spans.push(Span::raw(" keep  "));
        spans.push(Span::styled("Esc", theme.key));
        spans.push(Span::raw(" clear"));
    }
    let mut used = 1;
    for (action, what) in actions {
        let Some(key) = state.keymap.first_key(*action) else {
            continue;
        };
        // "j/k move" reads better than "j move".
        let key = if *action == Action::Down {
            format!(
                "{key}/{}",
                state.keymap.first_key(Action::Up).unwrap_or_default()
            )
        } else {
            key
        };
        let w = text::width(&key) + text::width(what) + 3;
        if used + w > usize::from(area.width) {
            break;
        }
        used += w;
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(format!(" {what}  "), theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
