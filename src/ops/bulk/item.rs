//! How one item of a bulk plan ends: what `apply` reports, and what the bulk revoke of shared
//! keys reports in the same shape.

use serde::Serialize;

use super::plan::Change;
use crate::ops::edits::KeyEdit;

/// The state of one item while a plan is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "snake_case")]
pub enum ItemStatus {
    /// Not started.
    Queued,
    /// In flight.
    Running,
    /// Finished.
    Done,
    /// The key was already there.
    AlreadyPresent,
    /// Failed, with the sentence.
    Failed(String),
    /// Cancelled before it started.
    Cancelled,
}

/// The outcome of one item.
#[derive(Debug, Clone)]
pub struct ItemResult {
    /// The change.
    pub change: Change,
    /// How it ended.
    pub status: ItemStatus,
    /// Whether a failure was an authentication or permission refusal.
    pub auth_failure: bool,
    /// What the item did to the keys, as far as it got (a rotation that failed after adding
    /// the new key still added it).
    pub edits: Vec<KeyEdit>,
}
