//! The worker's writes: single-key operations, journal recovery, bulk planning and applying.
//! Everything goes through `ops`, exactly as the CLI does, so the two cannot disagree.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc::UnboundedSender;

use std::collections::BTreeMap;

use crate::forge::{Forge, Place};
use crate::journal::{Batch, Entry, Found, Intent, Journal};
use crate::ops::bulk::{BulkRequest, ItemStatus, Plan, apply, snapshot, stage};
use crate::ops::desired::DesiredChange;
use crate::ops::keyops::{Direction, KeyOps};
use crate::sanitize::clean_line;
use crate::tui::Services;
use crate::tui::state::ReqId;
use crate::tui::state::dialog::{PendingEntry, expand_home};
use crate::tui::state::msg::OpFailure;
use crate::tui::state::msg::{Command, WorkerMsg};
use crate::tui::worker::CancelFlags;
use crate::tui::worker::single::{self, failure};

/// Sets a job's cancel flag: items not started become cancelled, items in flight finish
/// their current step.
pub fn cancel(flags: &CancelFlags, job_id: ReqId) {
    let flags = flags.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(f) = flags.get(&job_id) {
        f.store(true, Ordering::SeqCst);
    }
}

const NO_JOURNAL: &str = "bbkeys has no state directory for its journal here, so it changes no key (a relabel without a journal could lose one)";

/// Reads a `.pub` file for the add dialog.
pub async fn read_key_file(req_id: ReqId, path: String) -> WorkerMsg {
    let home = std::env::var("HOME").ok();
    let full = expand_home(path.trim(), home.as_deref());
    let result = tokio::fs::read_to_string(&full)
        .await
        .map_err(|e| format!("cannot read {full}: {e}"));
    WorkerMsg::KeyFile {
        req_id,
        path,
        result,
    }
}

/// Runs one command that needs the journal and returns its answer.
pub async fn execute(
    services: &Services,
    flags: &CancelFlags,
    cmd: Command,
    answers: &UnboundedSender<WorkerMsg>,
) -> Option<WorkerMsg> {
    let client = &*services.forge;
    let Some(journal) = services.journal.as_ref() else {
        return Some(refused(cmd));
    };
    let ops = KeyOps {
        forge: client,
        journal,
        stop: None,
    };
    Some(match cmd {
        Command::CheckJournal => check_journal(journal),
        Command::AddKey {
            req_id,
            scope,
            key,
            label,
            grant,
        } => single::add_key(&ops, req_id, scope, key, label, grant, answers).await,
        Command::DeleteKey { req_id, scope, key } => {
            single::delete_key(&ops, req_id, scope, key).await
        }
        Command::RelabelKey {
            req_id,
            scope,
            key,
            label,
            strategy,
        } => single::relabel_key(&ops, req_id, scope, key, label, strategy).await,
        Command::ChangePermission {
            req_id,
            scope,
            key,
            permission,
        } => single::change_permission(client, req_id, scope, key, permission).await,
        Command::Replace(cmd) => super::replace::execute(&ops, cmd).await,
        Command::Recover { req_id, ids } => recover(&ops, journal, req_id, ids).await,
        Command::ListJournal { req_id } => crate::tui::worker::journal::list(journal, req_id),
        Command::UndoJournal { req_id, id } => {
            crate::tui::worker::journal::undo(&ops, journal, req_id, id).await
        }
        Command::PlanBulk {
            req_id,
            request,
            projects,
        } => {
            let (snap, unreadable) =
                snapshot(client, &request.scopes_with_projects(&projects)).await;
            WorkerMsg::Planned {
                req_id,
                plan: Box::new(request.plan(&snap, &projects)),
                unreadable: unreadable
                    .iter()
                    .map(|(_, e)| OpFailure::of_forge(e))
                    .collect(),
            }
        }
        Command::ApplyBulk {
            job_id,
            request,
            desired,
            projects,
            plan,
            staged,
        } => {
            let stale = recheck(client, job_id, request, desired, &projects, &plan).await;
            match stale {
                Some(answer) => answer,
                None => run_job(services, journal, flags, (job_id, staged), plan, answers).await,
            }
        }
        // `worker::execute` sends only the commands above here.
        other @ (Command::LoadWorkspaces { .. }
        | Command::LoadRepos { .. }
        | Command::LoadKeys { .. }
        | Command::LoadProjectKeys { .. }
        | Command::Rescan { .. }
        | Command::ReadKeyFile { .. }
        | Command::CancelJob { .. }
        | Command::CopyToClipboard(_)
        | Command::Suspend
        | Command::Quit
        | Command::OpenDemo
        | Command::SwitchProfile(_)
        | Command::Insight(_)
        | Command::Drift(_)) => refused(other),
    })
}

/// Reads the places of a confirmed plan again just before applying it: the answer when the
/// plan is stale (or the keys file can no longer be planned), `None` when it stands.
async fn recheck(
    client: &dyn Forge,
    job_id: ReqId,
    request: Option<BulkRequest>,
    desired: Option<Vec<DesiredChange>>,
    projects: &BTreeMap<Place, String>,
    plan: &Plan,
) -> Option<WorkerMsg> {
    // The Drift view's changes: the same re-read as `bbkeys apply`.
    if let Some(changes) = &desired {
        match crate::ops::desired::to_bulk_plan(client, changes).await {
            Ok(replanned) if replanned != *plan => {
                return Some(WorkerMsg::Drifted {
                    job_id,
                    plan: Box::new(replanned),
                });
            }
            Ok(_) => {}
            Err(e) => {
                return Some(WorkerMsg::Drift(
                    crate::tui::state::drift::DriftMsg::Refused {
                        req_id: job_id,
                        sentence: crate::tui::worker::drift::clean_lines(&e.to_string()),
                    },
                ));
            }
        }
    }
    // Just before applying, read the remote state again (as the CLI does): a plan
    // made from stale keys is shown again instead of applied.
    if let Some(request) = &request {
        let (fresh, _) = snapshot(client, &request.scopes_with_projects(projects)).await;
        let replanned = request.plan(&fresh, projects);
        if replanned != *plan {
            return Some(WorkerMsg::Drifted {
                job_id,
                plan: Box::new(replanned),
            });
        }
    }
    None
}

/// Applies a confirmed plan as job `job_id`, saying each item's progress, until done or
/// cancelled by `x`.
async fn run_job(
    services: &Services,
    journal: &Journal,
    flags: &CancelFlags,
    (job_id, staged): (ReqId, bool),
    plan: Box<Plan>,
    answers: &UnboundedSender<WorkerMsg>,
) -> WorkerMsg {
    let client = &*services.forge;
    let cancel = Arc::new(AtomicBool::new(false));
    flags
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(job_id, cancel.clone());
    let _ = answers.send(WorkerMsg::JobStarted {
        job_id,
        plan: plan.clone(),
    });
    let to = answers.clone();
    let progress = move |index: usize, status: &ItemStatus| {
        let _ = to.send(WorkerMsg::JobItem {
            job_id,
            index,
            status: status.clone(),
        });
    };
    let ops = KeyOps {
        forge: client,
        journal,
        stop: Some(&cancel),
    };
    let results = if staged {
        // Step one only: the old key stays until `journal advance` or the journal view
        // finishes the rotation.
        match stage(&ops, &plan, services.concurrency, &cancel, &progress).await {
            Ok(s) => s.results,
            Err(e) => {
                let _ = answers.send(WorkerMsg::JobItem {
                    job_id,
                    index: 0,
                    status: ItemStatus::Failed(clean_line(&e.to_string())),
                });
                Vec::new()
            }
        }
    } else {
        apply(&ops, &plan, services.concurrency, &cancel, &progress).await
    };
    flags
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&job_id);
    WorkerMsg::JobFinished {
        job_id,
        edits: results.into_iter().flat_map(|r| r.edits).collect(),
    }
}

/// Finishes the journal entries and bulk changes `ids`, one after the other. An entry answers
/// with the keys it left at its place; a bulk change's places are named so they are read again.
async fn recover(
    ops: &KeyOps<'_>,
    journal: &Journal,
    req_id: ReqId,
    ids: Vec<String>,
) -> WorkerMsg {
    let mut outcomes = Vec::new();
    let mut scopes = Vec::new();
    let mut edits = Vec::new();
    for id in ids {
        let outcome = match journal.resolve(&id) {
            Ok(Found::Entry(entry)) => {
                scopes.push(entry.record.scope.clone());
                match ops.recover_listed(&entry).await {
                    Ok((said, listed)) => {
                        edits.extend(listed);
                        Ok(said)
                    }
                    Err(e) => Err(failure(e)),
                }
            }
            Ok(Found::Batch(batch)) => {
                scopes.extend(batch.scopes());
                ops.settle_batch(&batch, Direction::Finish)
                    .await
                    .map_err(failure)
            }
            Err(e) => Err(OpFailure::local(e.to_string())),
        };
        outcomes.push(outcome);
    }
    WorkerMsg::Recovered {
        req_id,
        outcomes,
        scopes,
        edits,
    }
}

/// The answer to a write when there is no journal: refused, nothing sent.
fn refused(cmd: Command) -> WorkerMsg {
    let fail = || OpFailure {
        sentence: NO_JOURNAL.to_string(),
        pending: false,
        cause: None,
    };
    match cmd {
        Command::AddKey { req_id, .. }
        | Command::DeleteKey { req_id, .. }
        | Command::RelabelKey { req_id, .. }
        | Command::ChangePermission { req_id, .. } => WorkerMsg::OpDone {
            req_id,
            scopes: Vec::new(),
            result: Err(fail()),
            edits: Vec::new(),
        },
        Command::Replace(c) => WorkerMsg::OpDone {
            req_id: super::replace::req_id(&c),
            scopes: Vec::new(),
            result: Err(fail()),
            edits: Vec::new(),
        },
        Command::Recover { req_id, ids } => WorkerMsg::Recovered {
            req_id,
            outcomes: ids.iter().map(|_| Err(fail())).collect(),
            scopes: Vec::new(),
            edits: Vec::new(),
        },
        Command::UndoJournal { req_id, .. } => WorkerMsg::Recovered {
            req_id,
            outcomes: vec![Err(fail())],
            scopes: Vec::new(),
            edits: Vec::new(),
        },
        Command::ListJournal { req_id } => WorkerMsg::JournalListed {
            req_id,
            result: Err(NO_JOURNAL.to_string()),
        },
        Command::PlanBulk { req_id, .. } => WorkerMsg::Planned {
            req_id,
            plan: Box::default(),
            unreadable: vec![fail()],
        },
        Command::ApplyBulk { job_id, .. } => WorkerMsg::JobFinished {
            job_id,
            edits: Vec::new(),
        },
        // Without a journal there is nothing pending to report.
        Command::CheckJournal
        | Command::LoadWorkspaces { .. }
        | Command::LoadRepos { .. }
        | Command::LoadKeys { .. }
        | Command::LoadProjectKeys { .. }
        | Command::Rescan { .. }
        | Command::ReadKeyFile { .. }
        | Command::CancelJob { .. }
        | Command::CopyToClipboard(_)
        | Command::Suspend
        | Command::Quit
        | Command::OpenDemo
        | Command::SwitchProfile(_)
        | Command::Insight(_)
        | Command::Drift(_) => WorkerMsg::JournalPending {
            entries: Vec::new(),
            warning: None,
        },
    }
}

fn check_journal(journal: &Journal) -> WorkerMsg {
    match journal.outstanding() {
        Ok(outstanding) => WorkerMsg::JournalPending {
            entries: outstanding
                .batches
                .iter()
                .map(pending_batch)
                .chain(outstanding.entries.iter().map(pending_entry))
                .collect(),
            warning: outstanding.report.warning(journal.path()),
        },
        Err(e) => WorkerMsg::JournalPending {
            entries: Vec::new(),
            warning: Some(e.to_string()),
        },
    }
}

fn pending_batch(b: &Batch) -> PendingEntry {
    let places = b.plan.items.len();
    PendingEntry {
        id: b.id.clone(),
        scope: format!("{places} place{}", if places == 1 { "" } else { "s" }),
        deleted_not_readded: false,
        sentence: clean_line(&b.describe()),
    }
}

fn pending_entry(e: &Entry) -> PendingEntry {
    PendingEntry {
        id: e.id.clone(),
        scope: clean_line(&e.record.scope.to_string()),
        deleted_not_readded: e.record.intent == Intent::Relabel
            && e.deleted
            && e.added_id.is_none(),
        sentence: clean_line(&e.describe()),
    }
}
