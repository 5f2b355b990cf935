//! The replace-everywhere relabel offered by `e` where a label belongs to the key (Data
//! Center): what the worker is asked, what it answers, and the typed confirmation between.
//! One focused key or a selection of several take the same path: the dialog lists every
//! grant of every key, and the total number of grants typed back sends them.

use crate::forge::{AccessKey, Place};
use crate::ops::keyops::Grant;
use crate::tui::state::ReqId;
use crate::tui::state::op_failure::OpFailure;

/// One key to relabel at every grant: the key, where it is granted, the label it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyGrants {
    /// The key, as the server lists it.
    pub key: AccessKey,
    /// Every grant the credential can see, with its permission and expiry.
    pub grants: Vec<(Place, Grant)>,
    /// The new label.
    pub label: String,
}

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
    /// Find every grant of each selected key. A key is one entity with one label wherever
    /// it is granted, so one selected place per key is enough to read it.
    LookupSelection {
        /// Request id.
        req_id: ReqId,
        /// One selected place of each key, with the key's fingerprint.
        holdings: Vec<(Place, String)>,
        /// The new label, which may use `{label}` (the key's own label).
        template: String,
    },
    /// Revoke each key at every grant, then re-add it with its new label (journaled key by
    /// key).
    Run {
        /// Request id.
        req_id: ReqId,
        /// Every key with every grant, as confirmed.
        keys: Vec<KeyGrants>,
    },
}

/// The grants a lookup found.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplaceGrants {
    /// Request id of the lookup.
    pub req_id: ReqId,
    /// Each key read, with its grants and new label.
    pub found: Vec<KeyGrants>,
    /// Keys that could not be read, each named, with why.
    pub failed: Vec<(String, OpFailure)>,
}

/// The typed confirmation: every grant of every key listed, their number typed back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplaceDialog {
    /// The keys, each with every grant.
    pub keys: Vec<KeyGrants>,
    /// Keys left out (already so labelled, or unreadable), as sentences.
    pub left_out: Vec<String>,
    /// What was typed so far.
    pub typed: String,
    /// The first row of the list on screen.
    pub scroll: usize,
}

impl ReplaceDialog {
    /// A dialog over `keys`, nothing typed.
    pub fn new(keys: Vec<KeyGrants>, left_out: Vec<String>) -> ReplaceDialog {
        ReplaceDialog {
            keys,
            left_out,
            typed: String::new(),
            scroll: 0,
        }
    }

    /// How many grants are revoked and re-added.
    pub fn grant_count(&self) -> usize {
        self.keys.iter().map(|k| k.grants.len()).sum()
    }

    /// What must be typed: the number of grants.
    pub fn expected(&self) -> String {
        self.grant_count().to_string()
    }
}
