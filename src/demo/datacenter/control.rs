//! `DcControl`: the in-process handle tests use to look at and steer the simulated server.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::super::faults::{Fault, FaultStatus};
use super::super::server::{LogEntry, lock};
use super::server::DcShared;
use super::state::DcStateDump;
use super::{CreatedDateForm, TokenBucket, UsageForm};

/// Handle on a running Data Center simulator (cheap to clone).
#[derive(Debug, Clone)]
pub struct DcControl {
    pub(crate) shared: Arc<DcShared>,
}

impl DcControl {
    /// Every project, key entity and grant.
    pub fn dump(&self) -> DcStateDump {
        lock(&self.shared.state).dump()
    }

    /// Puts the data back to how it started (faults, log and settings are kept).
    pub fn reset_data(&self) {
        *lock(&self.shared.state) = super::data::build(self.shared.now_ms);
    }

    /// The simulated "now", epoch milliseconds: every seeded date is relative to it.
    pub fn now_ms(&self) -> i64 {
        self.shared.now_ms
    }

    /// Installs a fault (paths include the context path and `/rest`); returns its id.
    pub fn add_fault(&self, fault: Fault) -> u64 {
        lock(&self.shared.faults).add(fault)
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The installed faults and how often each fired.
    pub fn faults(&self) -> Vec<FaultStatus> {
        lock(&self.shared.faults).list()
    }

    /// Every request so far, in order of arrival.
    pub fn log(&self) -> Vec<LogEntry> {
        lock(&self.shared.log).clone()
    }

    /// Forgets the request log.
    pub fn clear_log(&self) {
        lock(&self.shared.log).clear();
    }

    /// Latency added to every request.
    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.shared.latency_ms.store(ms, Ordering::Relaxed);
    }

    /// Turns the per-user token bucket on (or off with `None`), as an admin would (§6).
    pub fn set_rate_limit(&self, limit: Option<TokenBucket>) {
        lock(&self.shared.settings).rate_limit = limit;
    }

    /// The largest page the server serves, whatever `limit` asks (§3: admin-configurable).
    pub fn set_max_page_limit(&self, max: u32) {
        lock(&self.shared.settings).max_limit = max.max(1);
    }

    /// How `createdDate` is written.
    pub fn set_created_date_form(&self, form: CreatedDateForm) {
        lock(&self.shared.settings).created = form;
    }

    /// How usage lookups answer.
    pub fn set_usage_form(&self, form: UsageForm) {
        lock(&self.shared.settings).usage = form;
    }

    /// The 8.8 project setting: repository admins of `project` may not manage access keys.
    /// Returns whether the project exists.
    pub fn restrict_repo_admins(&self, project: &str, restrict: bool) -> bool {
        let mut st = lock(&self.shared.state);
        match st.projects.get_mut(project) {
            Some(p) => {
                p.restrict_repo_admins = restrict;
                true
            }
            None => false,
        }
    }

    /// Adds project `key` with `repos` repositories (`r0000`, `r0001`, ...), each holding
    /// `keys_per_repo` keys of its own and one key shared by all: a large project for the
    /// benchmark, which the admin administers. Returns false when the project exists.
    pub fn add_large_project(&self, key: &str, repos: usize, keys_per_repo: usize) -> bool {
        let mut st = lock(&self.shared.state);
        if st.projects.contains_key(key) {
            return false;
        }
        let now_ms = self.shared.now_ms;
        super::data::add_large_project(&mut st, key, repos, keys_per_repo, now_ms);
        true
    }
}
