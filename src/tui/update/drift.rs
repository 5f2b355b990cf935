//! `update()` for the Drift view (`D`): opening it, planning the keys file, and handing the
//! planned changes to the plan dialog.

use crate::tui::action::Action;
use crate::tui::state::FullView;
use crate::tui::state::State;
use crate::tui::state::dialog::{Dialog, PlanDialog, PlanStage};
use crate::tui::state::drift::{DriftCommand, DriftMsg, DriftStatus};
use crate::tui::state::msg::{Command, Msg, WorkerMsg};

/// Handles what belongs to the view. Returns the message when `update()` must still see it.
pub fn update(state: &mut State, msg: Msg, out: &mut Vec<Command>) -> Option<Msg> {
    match msg {
        Msg::Worker(WorkerMsg::Drift(m)) => {
            answer(state, m);
            None
        }
        Msg::Action(Action::DriftView)
            if state.dialog.is_none() && !state.views.is_open(FullView::Help) =>
        {
            if state.views.is_open(FullView::Drift) {
                state.views.close(FullView::Drift);
            } else {
                open(state, out);
            }
            None
        }
        Msg::Action(a)
            if state.views.is_open(FullView::Drift)
                && state.dialog.is_none()
                && !state.views.is_open(FullView::Help) =>
        {
            action(state, a, out).then_some(msg)
        }
        other => Some(other),
    }
}

/// Opens the view and plans the file again: the stored scan may have changed since.
fn open(state: &mut State, out: &mut Vec<Command>) {
    state.views.open(FullView::Drift);
    state.drift.scroll = 0;
    plan(state, out);
}

fn plan(state: &mut State, out: &mut Vec<Command>) {
    let Some(file) = state.drift.file.clone() else {
        state.drift.status = DriftStatus::Idle;
        return;
    };
    let req_id = state.req();
    state.drift.req_id = Some(req_id);
    state.drift.status = DriftStatus::Planning;
    out.push(Command::Drift(DriftCommand::Plan {
        req_id,
        file,
        cache_dir: state.insight.settings.cache_dir.clone(),
    }));
}

/// Returns whether `update()` must still see the action (quit, help, suspend, a scan).
fn action(state: &mut State, a: Action, out: &mut Vec<Command>) -> bool {
    match a {
        Action::Cancel => state.views.close(FullView::Drift),
        Action::Reload => plan(state, out),
        Action::Open => apply(state, out),
        Action::Down => state.drift.scroll = state.drift.scroll.saturating_add(1),
        Action::Up => state.drift.scroll = state.drift.scroll.saturating_sub(1),
        Action::Top => state.drift.scroll = 0,
        Action::PageDown | Action::HalfPageDown => {
            state.drift.scroll = state.drift.scroll.saturating_add(10)
        }
        Action::PageUp | Action::HalfPageUp => {
            state.drift.scroll = state.drift.scroll.saturating_sub(10)
        }
        Action::Help | Action::Quit | Action::Suspend | Action::Rescan => return true,
        _ => {}
    }
    false
}

/// Opens the plan dialog for the planned changes; the worker re-reads their places first.
fn apply(state: &mut State, out: &mut Vec<Command>) {
    let DriftStatus::Planned(plan) = &state.drift.status else {
        return;
    };
    if plan.changes.is_empty() {
        return;
    }
    let changes = plan.changes.clone();
    let req_id = state.req();
    out.push(Command::Drift(DriftCommand::Recheck {
        req_id,
        changes: changes.clone(),
    }));
    state.dialog = Some(Dialog::Plan(PlanDialog {
        req_id,
        title: "Apply the keys file".into(),
        request: None,
        desired: Some(changes),
        projects: Default::default(),
        stage: PlanStage::Reading,
        scroll: 0,
        typed: String::new(),
        note: None,
        staged: false,
    }));
}

fn answer(state: &mut State, m: DriftMsg) {
    match m {
        DriftMsg::Planned { req_id, status } if state.drift.req_id == Some(req_id) => {
            state.drift.req_id = None;
            state.drift.status = status;
        }
        DriftMsg::Planned { .. } => {}
        DriftMsg::Refused { req_id, sentence } => {
            if matches!(&state.dialog, Some(Dialog::Plan(d)) if d.req_id == req_id) {
                state.dialog = None;
                state.drift.status = DriftStatus::Refused(sentence);
            }
        }
    }
}
