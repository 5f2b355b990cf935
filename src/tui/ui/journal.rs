//! The journal view (`L`): pending operations first, with short ids, and for a staged
//! rotation the places still waiting.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::action::Action;
use crate::tui::state::{Load, State};
use crate::tui::ui::text;
use crate::tui::ui::view_frame::view_block;

/// Draws the view over `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let v = &state.insight.journal;
    let block = view_block(
        state,
        " Journal ".to_string(),
        &[
            (Action::RestoreSelection, "undo"),
            (Action::FinishEntry, "finish"),
            (Action::Reload, "refresh"),
            (Action::Cancel, "close"),
        ],
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let rows = match &v.rows {
        Load::Ready(rows) => rows,
        Load::Failed(e) => {
            let line = Span::styled(format!(" {}", text::truncate(e, width)), theme.error);
            frame.render_widget(Paragraph::new(line), inner);
            return;
        }
        Load::Idle | Load::Loading(_) => {
            frame.render_widget(Paragraph::new(Span::styled(" Reading…", theme.dim)), inner);
            return;
        }
    };
    if rows.is_empty() {
        let line = Span::styled(" No operations journaled yet", theme.dim);
        frame.render_widget(Paragraph::new(line), inner);
        return;
    }
    let mut lines = Vec::new();
    let mut cursor_line = 0;
    for (i, r) in rows.iter().enumerate() {
        let state_word = match (r.pending, r.waiting.is_empty()) {
            (true, false) => "WAITING",
            (true, true) => "PENDING",
            (false, _) => "done",
        };
        let row = format!(
            " {}  {:<8} {}  {}",
            r.short_id(),
            state_word,
            r.started,
            r.what
        );
        let style = if r.pending { theme.key } else { theme.dim };
        let mut line = Line::from(Span::styled(text::fit(&row, width), style));
        if i == v.cursor {
            line = line.patch_style(theme.selected);
            cursor_line = lines.len();
        }
        lines.push(line);
        if !r.waiting.is_empty() {
            lines.push(Line::from(Span::styled(
                text::fit(&format!("     waiting: {}", r.waiting.join(", ")), width),
                theme.inherited,
            )));
        }
    }
    let height = usize::from(inner.height).max(1);
    let top = cursor_line.saturating_sub(height.saturating_sub(1));
    let shown: Vec<Line> = lines.into_iter().skip(top).take(height).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}
