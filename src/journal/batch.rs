//! Bulk changes in the journal. The whole plan of a bulk change is written (and fsynced) as
//! one line before its first write, so a crash at any point leaves a record of every place it
//! meant to change, not only of those it had reached. Each place then runs as ordinary
//! journaled entries tagged with the batch id, and is marked settled when it ends; the batch
//! is closed once every place is settled.
//!
//! Lines of this kind were added after the first journal format: a journal without them is
//! read exactly as before.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Entry, Intent, IntentRecord};
use crate::forge::Place;

/// The kind of bulk change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchKind {
    /// Add one key to many places.
    Add,
    /// Delete keys.
    Delete,
    /// Relabel keys (delete and re-add).
    Relabel,
    /// Add a new key, then delete the old one, on every place that holds the old one.
    Rotate,
    /// Changes of several kinds (a keys file applied): each item says what it does.
    Mixed,
    /// A new label for a key whose label is shared by all its grants (Data Center): every
    /// grant is revoked, then the key is added again at each with the new label and the
    /// grant's own permission and expiry. Each item is one grant, as a relabel step.
    #[serde(rename = "replace_everywhere")]
    Replace,
}

/// One place of a bulk change: its writes, in the order they are made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedItem {
    /// The intents, in order. A rotation has two: add the new key, then delete the old one.
    pub steps: Vec<IntentRecord>,
}

impl PlannedItem {
    /// Where the item happens (every step of an item is on one place).
    pub fn scope(&self) -> Option<&Place> {
        self.steps.first().map(|s| &s.scope)
    }

    /// The step with this intent.
    pub fn step(&self, intent: Intent) -> Option<&IntentRecord> {
        self.steps.iter().find(|s| s.intent == intent)
    }
}

/// The plan of a bulk change, written before its first write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchPlan {
    /// What kind of change.
    pub kind: BatchKind,
    /// Every place, in the plan's order.
    pub items: Vec<PlannedItem>,
    /// For a staged rotation, when it was staged (RFC 3339): the new key is added everywhere
    /// first, and the old key goes from a place only once the new one has been used there
    /// after this time, or when the user finishes the rotation. Added after the first batch
    /// format: a plan without it is an ordinary bulk change, and an ordinary plan is written
    /// without it, byte for byte as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staged_at: Option<String>,
}

/// The state of a bulk change, folded from its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Batch {
    /// Batch id (the `batch` of its entries).
    pub id: String,
    /// When the plan was written.
    pub started: String,
    /// The plan.
    pub plan: BatchPlan,
    /// Items that reached an end (done, refused with nothing changed, cancelled before they
    /// started), by index, with how.
    pub settled: BTreeMap<usize, String>,
    /// Closed: every item settled, or the batch recovered or rolled back.
    pub finished: bool,
    /// How it finished.
    pub outcome: Option<String>,
}

impl Batch {
    /// Whether the batch still needs attention.
    pub fn pending(&self) -> bool {
        !self.finished
    }

    /// Indexes of the items that have not reached an end.
    pub fn unsettled(&self) -> Vec<usize> {
        (0..self.plan.items.len())
            .filter(|i| !self.settled.contains_key(i))
            .collect()
    }

    /// When the batch was staged, for a staged rotation.
    pub fn staged_at(&self) -> Option<&str> {
        self.plan.staged_at.as_deref()
    }

    /// For a pending staged rotation, the places still waiting for their second step (the old
    /// key's removal); empty for any other batch.
    pub fn waiting(&self) -> Vec<Place> {
        if self.finished || self.staged_at().is_none() {
            return Vec::new();
        }
        self.unsettled()
            .into_iter()
            .filter_map(|i| self.plan.items[i].scope().cloned())
            .collect()
    }

    /// Every place of the batch.
    pub fn scopes(&self) -> Vec<Place> {
        self.plan
            .items
            .iter()
            .filter_map(|i| i.scope().cloned())
            .collect()
    }

    /// One sentence on where the batch stands, cleaned for a terminal.
    pub fn describe(&self) -> String {
        crate::sanitize::clean_line(&self.describe_raw())
    }

    fn describe_raw(&self) -> String {
        let places = self.plan.items.len();
        let open = self.unsettled().len();
        let what = match (self.plan.kind, self.plan.items.first()) {
            (BatchKind::Rotate, Some(item)) => format!(
                "rotation of key {} to {}",
                item.step(Intent::Delete)
                    .map_or("?", |s| s.fingerprint.as_str()),
                item.step(Intent::Add)
                    .map_or("?", |s| s.fingerprint.as_str())
            ),
            (BatchKind::Mixed, Some(_)) => "applied keys file".to_string(),
            (kind, Some(item)) => format!(
                "{} of key {}",
                match kind {
                    BatchKind::Add => "bulk add",
                    BatchKind::Delete => "bulk delete",
                    BatchKind::Relabel => "bulk relabel",
                    BatchKind::Replace => "relabel everywhere",
                    BatchKind::Rotate | BatchKind::Mixed => "rotation",
                },
                item.steps.first().map_or("?", |s| s.fingerprint.as_str())
            ),
            (_, None) => "empty bulk change".to_string(),
        };
        if self.staged_at().is_some() && !self.finished {
            let waiting: Vec<String> = self.waiting().iter().map(|p| p.to_string()).collect();
            let shown = match waiting.len() {
                0..=3 => waiting.join(", "),
                n => format!("{} and {} more", waiting[..3].join(", "), n - 3),
            };
            return format!(
                "staged {what}: {open} of {places} place(s) wait for the new key's first use ({shown})"
            );
        }
        if self.finished {
            format!(
                "{what} on {places} place(s): {}",
                self.outcome.clone().unwrap_or_default()
            )
        } else {
            format!("{what} on {places} place(s) did not finish: {open} place(s) not settled")
        }
    }

    /// Whether `entry` is one of this batch's writes.
    pub fn owns(&self, entry: &Entry) -> bool {
        entry.record.batch.as_deref() == Some(self.id.as_str())
    }
}

/// Where a key should be once a write is finished: on `scope` with `label`, or gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndState {
    /// The place.
    pub scope: Place,
    /// The key.
    pub fingerprint: String,
    /// `Some(label)` when the key should be there, `None` when it should be gone.
    pub label: Option<String>,
}

impl EndState {
    /// The end state an intent aims for.
    pub fn of(r: &IntentRecord) -> EndState {
        EndState {
            scope: r.scope.clone(),
            fingerprint: r.fingerprint.clone(),
            label: match r.intent {
                Intent::Add | Intent::Relabel => Some(r.new_label.clone().unwrap_or_default()),
                Intent::Delete => None,
            },
        }
    }
}

/// Whether finishing `later` also reaches everything `earlier` set out to do.
pub fn reaches(later: &PlannedItem, earlier: &PlannedItem) -> bool {
    let ends: Vec<EndState> = later.steps.iter().map(EndState::of).collect();
    !earlier.steps.is_empty()
        && earlier
            .steps
            .iter()
            .all(|s| ends.contains(&EndState::of(s)))
}
