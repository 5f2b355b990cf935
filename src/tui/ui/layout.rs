//! Where everything goes. Pure and shared by the renderer and `update()` (which needs pane
//! heights for paging and pane rectangles for mouse clicks), so both always agree.

use ratatui::layout::{Constraint, Layout, Rect};

/// The smallest terminal the layout supports.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// From this width on, the three panes stand side by side.
const WIDE: u16 = 110;

/// Lines of the detail area, borders included.
const DETAIL_HEIGHT: u16 = 8;

/// The rectangles of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Workspaces, repositories, keys (borders included).
    pub panes: [Rect; 3],
    /// Details of the focused key.
    pub detail: Rect,
    /// Status bar.
    pub status: Rect,
    /// Key hints.
    pub hints: Rect,
}

/// Whether the terminal is large enough.
pub fn fits(area: Rect) -> bool {
    area.width >= MIN_SIZE.0 && area.height >= MIN_SIZE.1
}

/// Splits the screen. Wide terminals get three columns; narrower ones stack workspaces over
/// repositories on the left so the keys keep a readable width.
pub fn areas(area: Rect) -> Areas {
    let [body, detail, status, hints] = Layout::vertical([
        Constraint::Min(6),
        Constraint::Length(DETAIL_HEIGHT),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let panes = if area.width >= WIDE {
        Layout::horizontal([
            Constraint::Percentage(20),
            Constraint::Percentage(30),
            Constraint::Percentage(50),
        ])
        .areas(body)
    } else {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(body);
        let ws_height = (body.height / 3 + 1).max(4);
        let [ws, repos] =
            Layout::vertical([Constraint::Length(ws_height), Constraint::Min(3)]).areas(left);
        [ws, repos, right]
    };
    Areas {
        panes,
        detail,
        status,
        hints,
    }
}

/// Rows of a pane's list: its height less the two borders.
pub fn list_height(pane: Rect) -> usize {
    usize::from(pane.height.saturating_sub(2)).max(1)
}
