//! `f` where the forge answers "where is this key used" itself (Data Center): the answer of
//! its usage lookups, shown by the find view instead of a scan's inventory.

use crate::forge::Usage;
use crate::tui::state::ReqId;
use crate::tui::state::op_failure::OpFailure;

/// The usage lookup the find view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageFind {
    /// The request that asks; answers to any other are stale.
    pub req_id: ReqId,
    /// The key's id, one per key on Data Center, the same at every grant.
    pub id: u64,
    /// `None` while the server is asked.
    pub answer: Option<Result<Usage, OpFailure>>,
}
