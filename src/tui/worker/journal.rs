//! The journal view's reads and undo, on the worker.

use crate::journal::{Found, Journal};
use crate::ops::keyops::{Direction, KeyOps};
use crate::sanitize::clean_line;
use crate::tui::state::ReqId;
use crate::tui::state::journal_view::JournalRow;
use crate::tui::state::msg::{OpFailure, WorkerMsg};

/// How many finished operations the view lists after the pending ones.
const RECENT: usize = 50;

fn started(f: &Found) -> &str {
    match f {
        Found::Entry(e) => &e.started,
        Found::Batch(b) => &b.started,
    }
}

/// The journal's operations, pending first, then the most recent finished ones.
pub fn list(journal: &Journal, req_id: ReqId) -> WorkerMsg {
    let result = journal
        .read_all()
        .map_err(|e| clean_line(&e.to_string()))
        .map(|folded| {
            let mut all: Vec<Found> = folded
                .batches
                .into_iter()
                .map(Found::Batch)
                .chain(
                    folded
                        .entries
                        .into_iter()
                        .map(|e| Found::Entry(Box::new(e))),
                )
                .collect();
            // Pending first, newest first within each group.
            all.sort_by(|a, b| {
                b.pending()
                    .cmp(&a.pending())
                    .then_with(|| started(b).cmp(started(a)))
            });
            let pending = all.iter().filter(|f| f.pending()).count();
            all.truncate(pending + RECENT);
            all.iter()
                .map(|f| {
                    let s = started(f);
                    JournalRow {
                        id: f.id().to_string(),
                        pending: f.pending(),
                        started: s.get(..16).unwrap_or(s).replace('T', " "),
                        what: clean_line(&f.describe()),
                        waiting: match f {
                            Found::Batch(b) if b.staged_at().is_some() => b
                                .waiting()
                                .iter()
                                .map(|p| clean_line(&p.to_string()))
                                .collect(),
                            _ => Vec::new(),
                        },
                    }
                })
                .collect()
        });
    WorkerMsg::JournalListed { req_id, result }
}

/// Undoes entry or batch `id`: the places go back to how they were before it.
pub async fn undo(ops: &KeyOps<'_>, journal: &Journal, req_id: ReqId, id: String) -> WorkerMsg {
    let (outcome, scopes) = match journal.resolve(&id) {
        Ok(Found::Entry(e)) => {
            let scopes = vec![e.record.scope.clone()];
            (ops.undo(&e).await, scopes)
        }
        Ok(Found::Batch(b)) => {
            let scopes = b.scopes();
            (ops.settle_batch(&b, Direction::RollBack).await, scopes)
        }
        Err(e) => (Err(e.into()), Vec::new()),
    };
    WorkerMsg::Recovered {
        req_id,
        outcomes: vec![
            outcome
                .map(|said| format!("undid {id}: {said}"))
                .map_err(|e| OpFailure::local(e.to_string())),
        ],
        scopes,
        edits: Vec::new(),
    }
}
