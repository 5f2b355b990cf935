//! The Drift view (`D`), drawn over the panes. Labels come from the server and the file, so
//! each is cleaned here.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::ops::desired::{DesiredChange, DesiredPlan};
use crate::sanitize::clean_line;
use crate::tui::action::Action;
use crate::tui::state::FullView;
use crate::tui::state::State;
use crate::tui::state::drift::DriftStatus;
use crate::tui::ui::view_frame::view_block;

/// Draws the view when it is open; the status and hint bars stay visible.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    if !state.views.is_open(FullView::Drift) {
        return;
    }
    let body = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(2));
    frame.render_widget(Clear, body);
    let title = match &state.drift.file {
        Some(f) => format!(" Drift: {} ", clean_line(&f.display().to_string())),
        None => " Drift ".to_string(),
    };
    let block = view_block(
        state,
        title,
        &[
            (Action::Open, "apply"),
            (Action::Reload, "plan again"),
            (Action::Cancel, "close"),
        ],
    );
    let text: Vec<Line> = lines(state).into_iter().map(Line::from).collect();
    let scroll = u16::try_from(state.drift.scroll).unwrap_or(u16::MAX);
    frame.render_widget(
        Paragraph::new(text)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        body,
    );
}

/// The view's text, one line each.
pub fn lines(state: &State) -> Vec<String> {
    if state.drift.file.is_none() {
        return vec![
            "No keys file: start bbkeys with --desired keys.toml, or set".into(),
            "desired_state = \"keys.toml\" in the profile.".into(),
        ];
    }
    match &state.drift.status {
        DriftStatus::Idle | DriftStatus::Planning => vec!["Planning the keys file…".into()],
        DriftStatus::NeedsScan(ws) => vec![
            format!("No stored scan of {}.", clean_line(&ws.join(", "))),
            "Focus the workspace and press R to scan it, then D again.".into(),
        ],
        DriftStatus::FileErrors(errors) => {
            let mut out = vec!["The keys file has errors; nothing was planned:".to_string()];
            out.extend(errors.iter().map(|e| format!("  {}", clean_line(e))));
            out
        }
        DriftStatus::Planned(plan) => plan_lines(plan),
        DriftStatus::Refused(sentence) => {
            let mut out = vec!["Nothing was applied:".to_string()];
            out.extend(sentence.lines().map(|l| format!("  {}", clean_line(l))));
            out.push("Press r to plan again.".into());
            out
        }
    }
}

fn plan_lines(plan: &DesiredPlan) -> Vec<String> {
    let mut out = Vec::new();
    let n = plan.changes.len();
    if n == 0 {
        out.push("No drift: the workspaces hold what the file declares.".into());
    } else {
        out.push(format!(
            "{n} change{} from the stored scan; Enter applies (after a fresh read):",
            if n == 1 { "" } else { "s" }
        ));
    }
    for c in &plan.changes {
        out.push(format!(
            "{:<3} {}  {}",
            c.symbol(),
            clean_line(&c.place().to_string()),
            what(c)
        ));
    }
    for w in &plan.warnings {
        out.push(format!("warning: {}", clean_line(w)));
    }
    for p in &plan.not_permitted {
        out.push(format!(
            "skipped: {} (not administered)",
            clean_line(&p.to_string())
        ));
    }
    for p in &plan.unreadable {
        out.push(format!(
            "not read: {} (the plan is incomplete)",
            clean_line(&p.to_string())
        ));
    }
    out
}

fn what(c: &DesiredChange) -> String {
    match c {
        DesiredChange::Add { name, label, .. } => {
            format!("add {} as {:?}", clean_line(name), clean_line(label))
        }
        DesiredChange::Delete {
            fingerprint, label, ..
        } => format!("delete {:?} {fingerprint}", clean_line(label)),
        DesiredChange::Relabel { name, from, to, .. } => format!(
            "relabel {} {:?} → {:?}",
            clean_line(name),
            clean_line(from),
            clean_line(to)
        ),
        DesiredChange::SetPermission { from, to, .. } => {
            format!("permission {from:?} → {to:?}")
        }
    }
}
