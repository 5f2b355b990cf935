//! Reading journal text: lines folded into entries and batches. Reading never fails: a line
//! that a crash cut short, or that a person mangled, is skipped and reported.

use std::collections::BTreeMap;

use super::{Batch, Entry, Folded, Line, ReadReport, Step};

/// Folds journal text into entries. Never fails: a line that cannot be read is skipped.
pub fn parse_journal(text: &str) -> (Vec<Entry>, ReadReport) {
    let folded = fold(text);
    (folded.entries, folded.report)
}

/// Folds journal text into entries and batches. Never fails: a line that cannot be read is
/// skipped.
pub fn fold(text: &str) -> Folded {
    let mut report = ReadReport::default();
    let mut order: Vec<String> = Vec::new();
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let mut batch_order: Vec<String> = Vec::new();
    let mut batches: BTreeMap<String, Batch> = BTreeMap::new();
    for (i, raw) in text.split('\n').enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let Ok(line) = serde_json::from_str::<Line>(raw) else {
            report.skipped_lines.push(i + 1);
            continue;
        };
        match line.step {
            Step::Intent(record) => {
                if !entries.contains_key(&line.entry) {
                    order.push(line.entry.clone());
                }
                entries.insert(
                    line.entry.clone(),
                    Entry {
                        id: line.entry,
                        started: line.at,
                        record,
                        deleted: false,
                        added_id: None,
                        last_error: None,
                        finished: false,
                        outcome: None,
                    },
                );
            }
            Step::Plan(plan) => {
                if !batches.contains_key(&line.entry) {
                    batch_order.push(line.entry.clone());
                }
                batches.insert(
                    line.entry.clone(),
                    Batch {
                        id: line.entry,
                        started: line.at,
                        plan,
                        settled: BTreeMap::new(),
                        finished: false,
                        outcome: None,
                    },
                );
            }
            step => {
                if let Some(e) = entries.get_mut(&line.entry) {
                    apply_entry_step(e, step);
                } else if let Some(b) = batches.get_mut(&line.entry) {
                    apply_batch_step(b, step);
                } else {
                    // A step without its intent cannot be acted on.
                    report.skipped_lines.push(i + 1);
                }
            }
        }
    }
    Folded {
        entries: order
            .into_iter()
            .filter_map(|id| entries.remove(&id))
            .collect(),
        batches: batch_order
            .into_iter()
            .filter_map(|id| batches.remove(&id))
            .collect(),
        report,
    }
}

fn apply_entry_step(e: &mut Entry, step: Step) {
    match step {
        Step::Intent(_) | Step::Plan(_) | Step::Settled { .. } => {}
        Step::Deleted => e.deleted = true,
        Step::Added { id } => e.added_id = Some(id),
        Step::Failed { reason } => e.last_error = Some(reason),
        Step::Done => {
            e.finished = true;
            e.outcome = Some("done".into());
        }
        Step::Closed { reason } => {
            e.finished = true;
            e.outcome = Some(reason);
        }
    }
}

fn apply_batch_step(b: &mut Batch, step: Step) {
    match step {
        Step::Settled { item, outcome } => {
            b.settled.insert(item, outcome);
        }
        Step::Done => {
            b.finished = true;
            b.outcome = Some("done".into());
        }
        Step::Closed { reason } => {
            b.finished = true;
            b.outcome = Some(reason);
        }
        Step::Intent(_)
        | Step::Plan(_)
        | Step::Deleted
        | Step::Added { .. }
        | Step::Failed { .. } => {}
    }
}
