//! What the keys work in the full-screen jobs and selection views: cancel a job, retry its
//! failed items. Split from `bulk_actions`, which plans the changes themselves.

use crate::tui::action::Action;
use crate::tui::state::msg::Command;
use std::collections::BTreeMap;

use crate::tui::state::dialog::*;
use crate::tui::state::selection;
use crate::tui::state::*;
use crate::tui::update::bulk_actions::{count, open_plan, open_view, say};

/// Actions while the jobs, selection or message view is open. Esc only closes the view.
pub fn view_action(state: &mut State, a: Action, out: &mut Vec<Command>) {
    let rows = match state.views.base() {
        // The view spans the screen inside its border.
        Some(FullView::Jobs) => crate::tui::state::jobs::view_rows(
            &state.jobs,
            usize::from(state.size.0.saturating_sub(2)),
        )
        .len(),
        Some(FullView::Selection) => selection::view_rows(&state.selection).len(),
        Some(FullView::Messages) => {
            crate::tui::ui::views::log_rows(&state.log, usize::from(state.size.0.saturating_sub(2)))
                .len()
        }
        _ => 0,
    };
    let last = rows.saturating_sub(1);
    match a {
        Action::Quit => out.push(Command::Quit),
        Action::Suspend => out.push(Command::Suspend),
        Action::Help => state.views.open(FullView::Help),
        Action::Cancel | Action::Left => state.views.close_base(),
        Action::Jobs if state.views.base() == Some(FullView::Jobs) => state.views.close_base(),
        Action::SelectionView if state.views.base() == Some(FullView::Selection) => {
            state.views.close_base()
        }
        Action::Jobs => open_view(state, FullView::Jobs),
        Action::SelectionView => open_view(state, FullView::Selection),
        Action::Messages if state.views.base() == Some(FullView::Messages) => {
            state.views.close_base()
        }
        Action::Messages => open_view(state, FullView::Messages),
        Action::RestoreSelection => selection::restore(state),
        Action::Up => state.view_cursor = state.view_cursor.saturating_sub(1),
        Action::Down => state.view_cursor = (state.view_cursor + 1).min(last),
        Action::Top => state.view_cursor = 0,
        Action::Bottom => state.view_cursor = last,
        Action::PageDown | Action::HalfPageDown => {
            state.view_cursor = (state.view_cursor + 10).min(last)
        }
        Action::PageUp | Action::HalfPageUp => {
            state.view_cursor = state.view_cursor.saturating_sub(10)
        }
        Action::CancelJob if state.views.base() == Some(FullView::Jobs) => cancel_jobs(state, out),
        Action::Reload if state.views.base() == Some(FullView::Jobs) => retry_failed(state, out),
        Action::CancelJob | Action::ToggleSelect | Action::DeleteKey
            if state.views.base() == Some(FullView::Selection) =>
        {
            let rows = selection::view_rows(&state.selection);
            if let Some(item) = rows.get(state.view_cursor).and_then(|r| r.item.clone()) {
                state.selection.remove(&item);
                let n = selection::view_rows(&state.selection).len();
                state.view_cursor = state.view_cursor.min(n.saturating_sub(1));
            }
        }
        _ => {}
    }
}

fn cancel_jobs(state: &mut State, out: &mut Vec<Command>) {
    let mut n = 0;
    for job in state.jobs.iter_mut().filter(|j| !j.finished) {
        if !job.cancel_requested {
            job.cancel_requested = true;
            out.push(Command::CancelJob { job_id: job.id });
            n += 1;
        }
    }
    let text = if n == 0 {
        "No job is running".to_string()
    } else {
        "Cancelling: items not started will not run; those in flight finish their step".into()
    };
    say(state, text, false);
}

/// `r` in the jobs view: the failures of the last job that had any, planned again on keys
/// read afresh (a failure may have half-happened, or someone may have fixed it meanwhile), then
/// confirmed and re-checked like any bulk change.
fn retry_failed(state: &mut State, out: &mut Vec<Command>) {
    let Some(job) = state
        .jobs
        .iter()
        .rev()
        .find(|j| j.finished && !j.failed().is_empty())
    else {
        say(state, "No finished job has failed items", false);
        return;
    };
    let failed = job.failed();
    let plan = job.plan.only(&failed);
    let title = format!(
        "Retry {} of {}",
        count(failed.len(), "failed item", "failed items"),
        job.title
    );
    if let Some(request) = &job.request {
        let request = request.narrowed(&plan.changes);
        open_plan(state, title, request, out);
        return;
    }
    // A job started without a dialog has no request to plan again: its failures are shown as
    // they are, and applied as they are once confirmed.
    let req_id = state.req();
    state.dialog = Some(Dialog::Plan(PlanDialog {
        req_id,
        title,
        request: None,
        desired: None,
        projects: BTreeMap::new(),
        stage: PlanStage::Ready(Box::new(plan)),
        scroll: 0,
        typed: String::new(),
        note: None,
        staged: false,
    }));
}
