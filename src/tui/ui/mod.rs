//! Rendering: `render(&State, &mut Frame)` is pure; one file per pane or overlay.

pub mod audit;
pub mod badges;
pub mod credentials;
pub mod detail;
pub mod dialog;
pub mod drift;
pub mod find_usage;
pub mod first_run;
pub mod grant;
pub mod help;
pub mod input_line;
pub mod insight;
pub mod journal;
pub mod keys;
pub mod layout;
pub mod list;
pub mod plan;
pub mod replace;
pub mod repos;
pub mod status;
pub mod text;
pub mod view_frame;
pub mod view_hints;
pub mod views;
pub mod workspaces;

use ratatui::Frame;
use ratatui::layout::Alignment;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::state::{FullView, Screen, State};

/// Draws the whole screen from the state.
pub fn render(state: &State, frame: &mut Frame) {
    let area = frame.area();
    if !layout::fits(area) {
        let (w, h) = layout::MIN_SIZE;
        let msg = vec![
            Line::raw("terminal too small"),
            Line::raw(format!(
                "{}×{}, needs at least {w}×{h}",
                area.width, area.height
            )),
        ];
        let y = area.height.saturating_sub(2) / 2;
        let rect = ratatui::layout::Rect::new(area.x, area.y + y, area.width, area.height - y);
        frame.render_widget(
            Paragraph::new(msg)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            rect,
        );
        return;
    }
    if state.screen == Screen::FirstRun {
        first_run::render(frame, area, state);
        return;
    }
    let a = layout::areas(area);
    // The jobs, selection and message views cover the panes and the detail; the bars stay.
    let body = ratatui::layout::Rect::new(
        area.x,
        area.y,
        area.width,
        a.detail.y + a.detail.height - area.y,
    );
    match state.views.base() {
        // An open All keys, find or Credentials view clears and covers this whole area, so
        // drawing the panes under it would be wasted work.
        _ if state.views.insight().is_some() || state.views.is_open(FullView::Drift) => {}
        None => {
            workspaces::render(frame, a.panes[0], state);
            repos::render(frame, a.panes[1], state);
            keys::render(frame, a.panes[2], state);
            detail::render(frame, a.detail, state);
        }
        Some(FullView::Jobs) => views::jobs(frame, body, state),
        Some(FullView::Selection) => views::selection(frame, body, state),
        Some(FullView::Messages) => views::messages(frame, body, state),
        Some(_) => {}
    }
    status::render_status(frame, a.status, state);
    status::render_hints(frame, a.hints, state);
    insight::render(frame, area, state);
    drift::render(frame, area, state);
    dialog::render(frame, area, state);
    if state.views.is_open(FullView::Help) {
        help::render(frame, area, state);
    }
}
