//! Reading the journal as a whole: finding an entry or batch by part of its id, what is still
//! outstanding, starting a batch, and closing what a later success made moot.

use super::{
    Batch, BatchPlan, EndState, Entry, IntentRecord, Journal, JournalError, PlannedItem,
    ReadReport, Step, new_entry_id, reaches,
};

/// Everything a journal holds.
#[derive(Debug, Clone, Default)]
pub struct Folded {
    /// Single-key entries, oldest first.
    pub entries: Vec<Entry>,
    /// Bulk changes, oldest first.
    pub batches: Vec<Batch>,
    /// Lines that could not be read.
    pub report: ReadReport,
}

/// An entry or a batch, found by id.
#[derive(Debug, Clone)]
pub enum Found {
    /// A single-key entry.
    Entry(Box<Entry>),
    /// A bulk change.
    Batch(Batch),
}

impl Found {
    /// Its id.
    pub fn id(&self) -> &str {
        match self {
            Found::Entry(e) => &e.id,
            Found::Batch(b) => &b.id,
        }
    }

    /// Whether it still needs attention.
    pub fn pending(&self) -> bool {
        match self {
            Found::Entry(e) => e.pending(),
            Found::Batch(b) => b.pending(),
        }
    }

    /// One sentence on where it stands.
    pub fn describe(&self) -> String {
        match self {
            Found::Entry(e) => e.describe(),
            Found::Batch(b) => b.describe(),
        }
    }
}

/// What recovery has to look at: pending batches, and pending entries that no pending batch
/// covers (single-key operations, and bulk entries written before batches had plans).
///
/// A staged rotation waiting for its second step is not unfinished work but a rotation in
/// progress: it is listed apart, in `staged`, so that recovering "everything" never removes an
/// old key before the new one was used; `journal advance` and `journal finish` take it on.
#[derive(Debug, Clone, Default)]
pub struct Outstanding {
    /// Pending batches, staged rotations excepted.
    pub batches: Vec<Batch>,
    /// Staged rotations still waiting for their second step on some place.
    pub staged: Vec<Batch>,
    /// Pending entries outside them.
    pub entries: Vec<Entry>,
    /// Lines that could not be read.
    pub report: ReadReport,
}

impl Outstanding {
    /// Whether nothing is outstanding (staged rotations aside).
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty() && self.entries.is_empty()
    }

    /// Batches first, then entries; staged rotations aside.
    pub fn all(&self) -> Vec<Found> {
        self.batches
            .iter()
            .cloned()
            .map(Found::Batch)
            .chain(
                self.entries
                    .iter()
                    .cloned()
                    .map(|e| Found::Entry(Box::new(e))),
            )
            .collect()
    }
}

/// The one item whose id is `id`, or starts or ends with it.
pub(super) fn pick<T>(
    id: &str,
    items: Vec<T>,
    id_of: impl Fn(&T) -> &str,
) -> Result<T, JournalError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(JournalError::NoSuchEntry("(empty)".into()));
    }
    let mut matches: Vec<T> = Vec::new();
    for item in items {
        let candidate = id_of(&item);
        if candidate == id {
            return Ok(item);
        }
        if candidate.starts_with(id) || candidate.ends_with(id) {
            matches.push(item);
        }
    }
    match matches.len() {
        0 => Err(JournalError::NoSuchEntry(crate::sanitize::clean_line(id))),
        1 => matches
            .pop()
            .ok_or_else(|| JournalError::NoSuchEntry(id.to_string())),
        _ => Err(JournalError::Ambiguous {
            id: crate::sanitize::clean_line(id),
            candidates: matches
                .iter()
                .map(|m| crate::sanitize::clean_line(id_of(m)))
                .collect(),
        }),
    }
}

impl Journal {
    /// Reads every entry and batch, oldest first. Unreadable lines are skipped and reported.
    pub fn read_all(&self) -> Result<Folded, JournalError> {
        let text = match std::fs::read(&self.path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Folded::default()),
            Err(e) => return Err(self.io("read")(e)),
        };
        Ok(super::fold(&text))
    }

    /// Finds an entry or a batch by its id, or by a unique prefix or suffix of it.
    pub fn resolve(&self, id: &str) -> Result<Found, JournalError> {
        let folded = self.read_all()?;
        let all: Vec<Found> = folded
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
        pick(id, all, |f| f.id())
    }

    /// What is still pending; see [`Outstanding`].
    pub fn outstanding(&self) -> Result<Outstanding, JournalError> {
        let folded = self.read_all()?;
        let (staged, batches): (Vec<Batch>, Vec<Batch>) = folded
            .batches
            .into_iter()
            .filter(Batch::pending)
            .partition(|b| b.staged_at().is_some());
        let entries = folded
            .entries
            .into_iter()
            .filter(|e| e.pending() && !batches.iter().chain(&staged).any(|b| b.owns(e)))
            .collect();
        Ok(Outstanding {
            batches,
            staged,
            entries,
            report: folded.report,
        })
    }

    /// Writes the plan of a bulk change and returns its batch id.
    pub fn begin_batch(&self, plan: BatchPlan) -> Result<String, JournalError> {
        let id = new_entry_id();
        self.append(&id, Step::Plan(plan))?;
        Ok(id)
    }

    /// Closes every pending entry other than `by` that aimed for the same end as `done`, which
    /// just reached it: a retry that succeeds finishes what the failed attempt started.
    pub fn close_superseded(&self, done: &IntentRecord, by: &str) -> Result<(), JournalError> {
        let end = EndState::of(done);
        let (entries, _) = self.read()?;
        for e in entries.iter().filter(|e| e.pending() && e.id != by) {
            if EndState::of(&e.record) == end {
                self.append(
                    &e.id,
                    Step::Closed {
                        reason: format!("superseded: finished by {by}"),
                    },
                )?;
            }
        }
        Ok(())
    }

    /// Settles the open items of other pending batches that `item`, just finished by batch
    /// `by`, also finished; closes a batch once nothing of it is open.
    pub fn settle_superseded(&self, item: &PlannedItem, by: &str) -> Result<(), JournalError> {
        let folded = self.read_all()?;
        for b in folded.batches.iter().filter(|b| b.pending() && b.id != by) {
            let open = b.unsettled();
            let reached: Vec<usize> = open
                .iter()
                .copied()
                .filter(|&i| reaches(item, &b.plan.items[i]))
                .collect();
            for &i in &reached {
                self.append(
                    &b.id,
                    Step::Settled {
                        item: i,
                        outcome: format!("done by {by}"),
                    },
                )?;
            }
            if !reached.is_empty() && reached.len() == open.len() {
                self.append(
                    &b.id,
                    Step::Closed {
                        reason: format!("finished; the last place(s) by {by}"),
                    },
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::{ForgeKind, Place};
    use crate::journal::{BatchKind, Intent};

    fn record(intent: Intent, repo: &str, fp: &str, label: Option<&str>) -> IntentRecord {
        IntentRecord {
            intent,
            scope: Place::repository(ForgeKind::Cloud, "acme", repo),
            key: "ssh-ed25519 AAAA".into(),
            fingerprint: fp.into(),
            comment: None,
            old_label: Some("old".into()),
            new_label: label.map(String::from),
            old_id: Some(1),
            batch: None,
            permission: None,
            expiry_days: None,
        }
    }

    fn rotation(repos: &[&str]) -> BatchPlan {
        BatchPlan {
            kind: BatchKind::Rotate,
            items: repos
                .iter()
                .map(|r| PlannedItem {
                    steps: vec![
                        record(Intent::Add, r, "SHA256:new", Some("ci")),
                        record(Intent::Delete, r, "SHA256:old", None),
                    ],
                })
                .collect(),
            staged_at: None,
        }
    }

    #[test]
    fn a_batch_folds_from_its_plan_and_settled_items_and_owns_its_entries() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::in_dir(dir.path());
        let b = j.begin_batch(rotation(&["a", "b"])).unwrap();
        let mut add = record(Intent::Add, "a", "SHA256:new", Some("ci"));
        add.batch = Some(b.clone());
        let e = j.begin(add).unwrap();
        j.append(
            &b,
            Step::Settled {
                item: 0,
                outcome: "done".into(),
            },
        )
        .unwrap();
        let out = j.outstanding().unwrap();
        assert_eq!(out.batches.len(), 1);
        assert_eq!(out.batches[0].unsettled(), vec![1]);
        assert!(
            out.entries.is_empty(),
            "the pending entry {e} belongs to the pending batch and is recovered with it"
        );
        assert!(
            out.batches[0]
                .describe()
                .contains("rotation of key SHA256:old to SHA256:new")
        );
        assert!(matches!(j.resolve(&b).unwrap(), Found::Batch(_)));
        j.append(&b, Step::Done).unwrap();
        let out = j.outstanding().unwrap();
        assert!(out.batches.is_empty());
        assert_eq!(
            out.entries.len(),
            1,
            "once the batch is closed its open entry shows"
        );
    }

    #[test]
    fn only_a_staged_plan_carries_its_staging_time_and_old_plans_read_as_ordinary() {
        let plain = serde_json::to_string(&Step::Plan(rotation(&["a"]))).unwrap();
        assert!(
            !plain.contains("staged_at"),
            "an ordinary plan is written as before: {plain}"
        );
        let mut staged = rotation(&["a", "b"]);
        staged.staged_at = Some("2026-12-07T03:00:00Z".into());
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::in_dir(dir.path());
        let b = j.begin_batch(staged).unwrap();
        let plain_id = j.begin_batch(rotation(&["c"])).unwrap();
        let out = j.outstanding().unwrap();
        assert_eq!(out.staged.len(), 1);
        assert_eq!(out.staged[0].id, b);
        assert_eq!(out.staged[0].staged_at(), Some("2026-12-07T03:00:00Z"));
        assert_eq!(out.staged[0].waiting().len(), 2);
        let ids: Vec<String> = out.all().iter().map(|f| f.id().to_string()).collect();
        assert_eq!(
            ids,
            [plain_id],
            "a staged rotation is not recovered with the rest"
        );
    }

    #[test]
    fn a_finished_retry_settles_the_items_it_reached_and_closes_their_batch() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::in_dir(dir.path());
        let first = j.begin_batch(rotation(&["a", "b"])).unwrap();
        j.append(
            &first,
            Step::Settled {
                item: 0,
                outcome: "done".into(),
            },
        )
        .unwrap();
        let retry = rotation(&["b"]);
        // A different change on b does not reach the rotation's item.
        let other = PlannedItem {
            steps: vec![record(Intent::Delete, "b", "SHA256:new", None)],
        };
        j.settle_superseded(&other, "x").unwrap();
        assert_eq!(j.outstanding().unwrap().batches.len(), 1);
        j.settle_superseded(&retry.items[0], "retry").unwrap();
        assert!(j.outstanding().unwrap().is_empty());
    }

    #[test]
    fn a_success_closes_earlier_attempts_at_the_same_end_only() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::in_dir(dir.path());
        let same = j
            .begin(record(Intent::Relabel, "a", "SHA256:k", Some("new")))
            .unwrap();
        let other_label = j
            .begin(record(Intent::Relabel, "a", "SHA256:k", Some("other")))
            .unwrap();
        let elsewhere = j
            .begin(record(Intent::Relabel, "b", "SHA256:k", Some("new")))
            .unwrap();
        let done = record(Intent::Relabel, "a", "SHA256:k", Some("new"));
        let by = j.begin(done.clone()).unwrap();
        j.append(&by, Step::Done).unwrap();
        j.close_superseded(&done, &by).unwrap();
        let (pending, _) = j.pending().unwrap();
        let ids: Vec<&str> = pending.iter().map(|e| e.id.as_str()).collect();
        assert!(!ids.contains(&same.as_str()));
        assert!(ids.contains(&other_label.as_str()) && ids.contains(&elsewhere.as_str()));
    }
}
