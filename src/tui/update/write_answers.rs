//! How the worker's answers to writes change the state: single operations, recovery,
//! plans, drift and job progress. Pure, like the rest of `update()`.

use crate::forge::AccessKey;
use crate::forge::Place;
use crate::ops::bulk::Plan;
use crate::ops::edits::KeyEdit;
use crate::sanitize::clean_line;

use crate::tui::state::dialog::*;
use crate::tui::state::jobs::Job;
use crate::tui::state::msg::{Command, OpFailure, WorkerMsg};
use crate::tui::state::*;

fn say(state: &mut State, text: impl Into<String>, error: bool) {
    state.message = Some((text.into(), error));
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Worker answers to writes.
pub fn worker(state: &mut State, msg: WorkerMsg, out: &mut Vec<Command>) {
    match msg {
        WorkerMsg::JournalPending { entries, warning } => {
            if let Some(w) = warning {
                say(state, w, true);
            }
            if !entries.is_empty() && state.dialog.is_none() {
                state.dialog = Some(Dialog::Recovery(entries));
            }
        }
        WorkerMsg::KeyFile {
            req_id,
            path,
            result,
        } => {
            let field = match &mut state.dialog {
                Some(Dialog::Add(f)) => Some(&mut f.key),
                Some(Dialog::Rotate(f)) => Some(&mut f.key),
                _ => None,
            };
            if let Some(k) = field.filter(|k| k.reading == Some(req_id)) {
                k.reading = None;
                k.file = Some((path, result));
            }
            if let Some(Dialog::Add(f)) = &mut state.dialog {
                f.suggest_label();
            }
        }
        WorkerMsg::OpDone {
            scopes,
            result,
            edits,
            ..
        } => {
            crate::tui::update::own_writes::apply(state, &scopes, edits, out);
            match result {
                Ok(s) => say(state, s, false),
                Err(f) => {
                    say(state, f.sentence.clone(), true);
                    let title = if f.pending {
                        "Not finished: the journal entry stays pending"
                    } else {
                        "The change failed"
                    };
                    state.dialog = Some(Dialog::Notice {
                        title: title.into(),
                        lines: vec![f.sentence],
                    });
                }
            }
        }
        WorkerMsg::Recovered {
            outcomes,
            scopes,
            edits,
            ..
        } => recovered(state, outcomes, scopes, edits, out),
        WorkerMsg::Planned {
            req_id,
            plan,
            unreadable,
        } => planned(state, req_id, plan, unreadable),
        WorkerMsg::Drifted { job_id, plan } => {
            if let Some(Dialog::Plan(d)) = &mut state.dialog
                && d.req_id == job_id
            {
                d.stage = PlanStage::Ready(plan);
                d.typed.clear();
                d.scroll = 0;
                d.note = Some((
                    "The keys changed since the plan was made, so nothing was applied. This is the new plan."
                        .into(),
                    true,
                ));
            }
        }
        WorkerMsg::JobStarted { job_id, plan } => job_started(state, job_id, *plan),
        WorkerMsg::JobItem {
            job_id,
            index,
            status,
        } => {
            if let Some(item) = state
                .jobs
                .iter_mut()
                .find(|j| j.id == job_id)
                .and_then(|j| j.items.get_mut(index))
            {
                item.status = status;
            }
        }
        WorkerMsg::JobFinished { job_id, edits } => job_finished(state, job_id, edits, out),
        WorkerMsg::LabelDiffers { scope, key, wanted } => offer_relabel(state, scope, *key, wanted),
        _ => {}
    }
}

fn recovered(
    state: &mut State,
    outcomes: Vec<Result<String, OpFailure>>,
    scopes: Vec<Place>,
    edits: Vec<KeyEdit>,
    out: &mut Vec<Command>,
) {
    crate::tui::update::own_writes::apply(state, &scopes, edits, out);
    let failed = outcomes.iter().filter(|o| o.is_err()).count();
    let lines: Vec<String> = outcomes
        .into_iter()
        .map(|o| match o {
            Ok(s) => format!("✓ {s}"),
            Err(e) => format!("✗ {e}"),
        })
        .collect();
    if failed == 0 {
        say(state, format!("Recovered: {}", lines.join("; ")), false);
    } else {
        say(
            state,
            format!(
                "{} could not be recovered",
                count(failed, "entry", "entries")
            ),
            true,
        );
        state.dialog = Some(Dialog::Notice {
            title: "Recovery".into(),
            lines,
        });
    }
}

fn planned(state: &mut State, req_id: ReqId, plan: Box<Plan>, unreadable: Vec<OpFailure>) {
    if let Some(Dialog::Plan(d)) = &mut state.dialog
        && d.req_id == req_id
        && d.stage == PlanStage::Reading
    {
        d.stage = PlanStage::Ready(plan);
        if !unreadable.is_empty() {
            d.note = Some((
                format!(
                    "{} could not be read and {} left out: {}",
                    count(unreadable.len(), "place", "places"),
                    if unreadable.len() == 1 { "is" } else { "are" },
                    unreadable
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                true,
            ));
        }
    }
}

fn job_started(state: &mut State, job_id: ReqId, plan: Plan) {
    let (title, request) = match state.dialog.take() {
        Some(Dialog::Plan(d)) if d.req_id == job_id => (d.title, d.request),
        other => {
            state.dialog = other;
            ("Bulk change".to_string(), None)
        }
    };
    say(
        state,
        format!(
            "{title}: applying {}",
            count(plan.changes.len(), "change", "changes")
        ),
        false,
    );
    let mut job = Job::new(job_id, title, plan);
    job.request = request;
    state.jobs.push(job);
    state.views.open(FullView::Jobs);
    state.view_cursor = 0;
}

fn job_finished(state: &mut State, job_id: ReqId, edits: Vec<KeyEdit>, out: &mut Vec<Command>) {
    if let Some(Dialog::Plan(d)) = &state.dialog
        && d.req_id == job_id
    {
        state.dialog = None;
    }
    let mut scopes = Vec::new();
    if let Some(job) = state.jobs.iter_mut().find(|j| j.id == job_id) {
        job.finished = true;
        let failed = !job.failed().is_empty();
        let text = format!("{}: {}", job.title, job.tally());
        scopes = job.items.iter().map(|i| i.change.scope().clone()).collect();
        say(state, text, failed);
    }
    // What the items did is true whether or not the job is still listed.
    crate::tui::update::own_writes::apply(state, &scopes, edits, out);
}

/// An add found the key already there under another label: offer to relabel it, as data
/// released by `y` like every confirmation.
fn offer_relabel(state: &mut State, scope: Place, key: AccessKey, wanted: String) {
    if state.dialog.is_some() {
        return;
    }
    let in_place = state.edit_strategy == crate::config::EditStrategy::InPlace;
    let mut lines = vec![
        format!(
            "This key is already on {scope} with the label '{}' (id {}), so nothing was added.",
            clean_line(key.label.as_str()),
            key.id
        ),
        format!(
            "Relabel it to '{}'? y relabels, n keeps the label.",
            clean_line(&wanted)
        ),
        String::new(),
    ];
    lines.extend(crate::tui::update::bulk_actions::edit_sentence(
        &scope,
        &clean_line(&wanted),
        in_place,
    ));
    let req_id = state.req();
    state.dialog = Some(Dialog::Confirm(Confirm {
        title: "Already there under another label".into(),
        lines,
        command: Command::RelabelKey {
            req_id,
            scope,
            key,
            label: wanted,
            strategy: state.edit_strategy,
        },
    }));
}
