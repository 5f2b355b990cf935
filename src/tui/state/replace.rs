//! The replace-everywhere relabel offered by `e` where a label belongs to the key (Data
//! Center): what the worker is asked, what it answers, and the typed confirmation between.

use crate::forge::{AccessKey, Place};
use crate::ops::keyops::Grant;
use crate::tui::state::ReqId;
use crate::tui::state::op_failure::OpFailure;

/// What the worker is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplaceCommand {
    /// Find every grant of `key` the credential can see, with its permission and expiry.
    Lookup {
        /// Request id.
        req_id: ReqId,
        /// The key, as listed at the focused place.
        key: AccessKey,
        /// The new label.
        label: String,
    },
    /// Revoke `key` at every grant, then re-add it with `label` (journaled).
    Run {
        /// Request id.
        req_id: ReqId,
        /// The key.
        key: AccessKey,
        /// Every grant, as confirmed.
        grants: Vec<(Place, Grant)>,
        /// The new label.
        label: String,
    },
}

/// The grants a lookup found.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplaceGrants {
    /// Request id of the lookup.
    pub req_id: ReqId,
    /// The key.
    pub key: AccessKey,
    /// The new label.
    pub label: String,
    /// Every grant, or why they could not be read.
    pub result: Result<Vec<(Place, Grant)>, OpFailure>,
}

/// The typed confirmation: every grant listed, the number of grants typed back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplaceDialog {
    /// The key.
    pub key: AccessKey,
    /// Every grant.
    pub grants: Vec<(Place, Grant)>,
    /// The new label.
    pub label: String,
    /// What was typed so far.
    pub typed: String,
}

impl ReplaceDialog {
    /// What must be typed: the number of grants.
    pub fn expected(&self) -> String {
        self.grants.len().to_string()
    }
}
