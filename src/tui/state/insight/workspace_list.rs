//! Where the stored workspace list stands this session (issue 21); `update/workspace_list.rs`
//! reads it at start and replaces it with the live list.

use crate::tui::state::ReqId;

/// Where the stored workspace list stands this session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListStage {
    /// Whether it was asked for: once per session, with the first live request.
    pub asked: bool,
    /// The read in flight.
    pub reading: Option<ReqId>,
    /// The live request whose answer replaces the stored list now shown.
    pub refreshing: Option<ReqId>,
}
