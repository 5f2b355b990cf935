//! The journal view (`L`): recent operations, pending first, with short ids; `u` undoes one
//! and `c` finishes one, each after a confirmation.

use crate::tui::state::{Load, ReqId};

/// One operation of the journal, as the view lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRow {
    /// The full id, for the commands.
    pub id: String,
    /// Still to be finished (or, for a staged rotation, waiting).
    pub pending: bool,
    /// When it started, `YYYY-MM-DD HH:MM`.
    pub started: String,
    /// What it did (cleaned).
    pub what: String,
    /// For a staged rotation: the places where the old key still waits.
    pub waiting: Vec<String>,
}

impl JournalRow {
    /// The first eight characters of the id: enough to tell operations apart on screen.
    pub fn short_id(&self) -> &str {
        self.id.get(..8).unwrap_or(&self.id)
    }
}

/// The view's rows and cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalView {
    /// The rows, as last listed.
    pub rows: Load<Vec<JournalRow>>,
    /// The newest listing asked for.
    pub req: ReqId,
    /// Index into the rows.
    pub cursor: usize,
}

impl Default for JournalView {
    fn default() -> Self {
        JournalView {
            rows: Load::Idle,
            req: 0,
            cursor: 0,
        }
    }
}
