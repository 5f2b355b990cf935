//! The Drift view (`D`): the keys file of `--desired` (or the profile's `desired_state`)
//! planned against the stored scan of the workspaces it names, and applied through the usual
//! plan dialog, whose confirmation re-reads every touched place before the first write.

use std::path::PathBuf;

use crate::ops::desired::{DesiredChange, DesiredPlan};
use crate::tui::state::ReqId;

/// The view's state.
#[derive(Debug, Clone, Default)]
pub struct Drift {
    /// The keys file; `None` when neither `--desired` nor `desired_state` names one.
    pub file: Option<PathBuf>,
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
