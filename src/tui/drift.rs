//! The Drift view (`D`): the keys file of `--desired` (or the profile's `desired_state`)
//! planned against the stored scan of the workspaces it names, and applied through the usual
//! plan dialog, whose confirmation re-reads every touched place before the first write.

use std::path::PathBuf;

use super::action::Action;
use super::dialog::{Dialog, PlanDialog, PlanStage};
use super::msg::{Command, Msg, WorkerMsg};
use super::state::{ReqId, State};
use crate::ops::desired::{DesiredChange, DesiredPlan};

/// The view's state.
#[derive(Debug, Clone, Default)]
pub struct Drift {
    /// The keys file; `None` when neither `--desired` nor `desired_state` names one.
    pub file: Option<PathBuf>,
    /// Whether the view is shown.
    pub open: bool,
    /// The planning in flight, whose answer is awaited.
    pub req_id: Option<ReqId>,
    /// What the view shows.
    pub status: DriftStatus,
    /// First visible line.
    pub scroll: usize,
}

/// What the Drift view shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DriftStatus {
    /// Nothing asked yet.
    #[default]
    Idle,
    /// The file is being read and planned.
    Planning,
    /// These workspaces have no stored scan: `R` scans them.
    NeedsScan(Vec<String>),
    /// The file is wrong, one `file:line:column: sentence` per error.
    FileErrors(Vec<String>),
    /// The differences.
    Planned(DesiredPlan),
    /// Apply was refused before any write.
    Refused(String),
}

/// Work for the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriftCommand {
    /// Read and check the keys file, then plan it against the stored scans in `cache_dir`.
    Plan {
        /// Request id.
        req_id: ReqId,
        /// The keys file.
        file: PathBuf,
        /// Where the stored scans are.
        cache_dir: Option<PathBuf>,
    },
    /// Read every touched place again and turn the changes into a bulk plan for the dialog.
    Recheck {
        /// Request id (the plan dialog's).
        req_id: ReqId,
        /// The changes the view showed.
        changes: Vec<DesiredChange>,
    },
}

/// The worker's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriftMsg {
    /// The planning's outcome.
    Planned {
        /// Request id.
        req_id: ReqId,
        /// What to show.
        status: DriftStatus,
    },
    /// The re-read refused the changes; nothing was written.
    Refused {
        /// Request id (the plan dialog's).
        req_id: ReqId,
        /// Why.
        sentence: String,
    },
}

/// Handles what belongs to the view. Returns the message when `app` must still see it.
pub fn update(state: &mut State, msg: Msg, out: &mut Vec<Command>) -> Option<Msg> {
    match msg {
        Msg::Worker(WorkerMsg::Drift(m)) => {
            answer(state, m);
            None
        }
        Msg::Action(Action::DriftView) if state.dialog.is_none() && !state.help => {
            if state.drift.open {
                state.drift.open = false;
            } else {
                open(state, out);
            }
            None
        }
        Msg::Action(a) if state.drift.open && state.dialog.is_none() && !state.help => {
            action(state, a, out).then_some(msg)
        }
        other => Some(other),
    }
}

/// Opens the view and plans the file again: the stored scan may have changed since.
fn open(state: &mut State, out: &mut Vec<Command>) {
    state.drift.open = true;
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

/// Returns whether `app` must still see the action (quit, help, suspend, a scan).
fn action(state: &mut State, a: Action, out: &mut Vec<Command>) -> bool {
    match a {
        Action::Cancel => state.drift.open = false,
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
