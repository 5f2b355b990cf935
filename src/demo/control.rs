//! `Control`: the in-process handle on the simulator's state, faults, log and budget. The
//! HTTP API under `/_sim` (see `control_http.rs`) calls the same methods.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::faults::{Fault, FaultStatus};
use super::keys;
use super::server::{LogEntry, Shared, lock};
use super::state::{Key, KeyDump, StateDump};

/// Handle on a running simulator (cheap to clone).
#[derive(Debug, Clone)]
pub struct Control {
    pub(crate) shared: Arc<Shared>,
}

/// Why a direct state change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlError {
    /// No such workspace, repository, project or key.
    NotFound(String),
    /// The key line is not a well-formed public key.
    InvalidKey,
    /// The key is already on that repository or project.
    Duplicate,
}

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ControlError::NotFound(what) => write!(f, "{what} not found"),
            ControlError::InvalidKey => f.write_str("not a well-formed OpenSSH public key line"),
            ControlError::Duplicate => f.write_str("the key is already there"),
        }
    }
}

impl std::error::Error for ControlError {}

/// Where a key goes in [`Control::add_key_to`].
#[derive(Debug, Clone, Copy)]
pub enum Home<'a> {
    /// Repository `ws/slug`.
    Repo(&'a str, &'a str),
    /// Project `ws/KEY`.
    Project(&'a str, &'a str),
}

impl Control {
    // ---- state ----

    /// Snapshot of every workspace, project, repository and key.
    pub fn dump(&self) -> StateDump {
        lock(&self.shared.state).dump()
    }

    /// Puts the data set back to how it started (faults, log and budget are kept).
    pub fn reset_data(&self) {
        *lock(&self.shared.state) = super::dataset::build_at(&self.shared.dataset, self.shared.now);
    }

    /// Keys of repository `ws/repo`, oldest first (empty if there is no such repository).
    pub fn keys_of(&self, ws: &str, repo: &str) -> Vec<KeyDump> {
        let state = lock(&self.shared.state);
        let repo = state.workspaces.get(ws).and_then(|w| w.repos.get(repo));
        repo.map(|r| r.keys.iter().map(Key::dump).collect())
            .unwrap_or_default()
    }

    /// Keys of project `ws/project`, oldest first.
    pub fn project_keys_of(&self, ws: &str, project: &str) -> Vec<KeyDump> {
        let state = lock(&self.shared.state);
        let p = state
            .workspaces
            .get(ws)
            .and_then(|w| w.projects.get(project));
        p.map(|p| p.keys.iter().map(Key::dump).collect())
            .unwrap_or_default()
    }

    /// Adds a key to repository `ws/repo` directly (no auth, no size policy, so weak keys
    /// can be planted). `key_line` is `<type> <base64> [comment]`.
    pub fn add_key(
        &self,
        ws: &str,
        repo: &str,
        key_line: &str,
        label: &str,
    ) -> Result<KeyDump, ControlError> {
        self.add_key_to(Home::Repo(ws, repo), key_line, label)
    }

    /// Adds a key to a repository or project directly.
    pub fn add_key_to(
        &self,
        home: Home<'_>,
        key_line: &str,
        label: &str,
    ) -> Result<KeyDump, ControlError> {
        let submitted = keys::parse_line(key_line).map_err(|_| ControlError::InvalidKey)?;
        let mut state = lock(&self.shared.state);
        let id = state.alloc_id();
        let created_on = state.tick();
        let (ws, name) = match home {
            Home::Repo(ws, name) | Home::Project(ws, name) => (ws, name),
        };
        let w = state
            .workspaces
            .get_mut(ws)
            .ok_or_else(|| ControlError::NotFound(format!("workspace {ws}")))?;
        let list = match home {
            Home::Repo(..) => w.repos.get_mut(name).map(|r| &mut r.keys),
            Home::Project(..) => w.projects.get_mut(name).map(|p| &mut p.keys),
        }
        .ok_or_else(|| ControlError::NotFound(format!("{ws}/{name}")))?;
        if list
            .iter()
            .any(|k| k.material.blob == submitted.material.blob)
        {
            return Err(ControlError::Duplicate);
        }
        let key = Key {
            id,
            material: Arc::new(submitted.material),
            comment: submitted.comment,
            label: label.to_string(),
            created_on,
            last_used: None,
        };
        let dump = key.dump();
        list.push(key);
        Ok(dump)
    }

    /// Sets `last_used` of repository key `id` (`None` for never used).
    pub fn set_last_used(
        &self,
        ws: &str,
        repo: &str,
        id: u64,
        last_used: Option<&str>,
    ) -> Result<(), ControlError> {
        self.set_last_used_at(Home::Repo(ws, repo), id, last_used)
    }

    /// Sets `last_used` of key `id` of a repository or project (`None` for never used), as
    /// Bitbucket does when a clone or fetch uses the key there.
    pub fn set_last_used_at(
        &self,
        home: Home<'_>,
        id: u64,
        last_used: Option<&str>,
    ) -> Result<(), ControlError> {
        let mut state = lock(&self.shared.state);
        let (ws, name) = match home {
            Home::Repo(ws, name) | Home::Project(ws, name) => (ws, name),
        };
        let w = state.workspaces.get_mut(ws);
        let keys = match home {
            Home::Repo(..) => w.and_then(|w| w.repos.get_mut(name)).map(|r| &mut r.keys),
            Home::Project(..) => w
                .and_then(|w| w.projects.get_mut(name))
                .map(|p| &mut p.keys),
        };
        let key = keys
            .and_then(|keys| keys.iter_mut().find(|k| k.id == id))
            .ok_or_else(|| ControlError::NotFound(format!("key {id} of {ws}/{name}")))?;
        key.last_used = last_used.map(str::to_string);
        Ok(())
    }

    /// Removes repository key `id` directly (as if someone else deleted it).
    pub fn remove_key(&self, ws: &str, repo: &str, id: u64) -> Result<(), ControlError> {
        let mut state = lock(&self.shared.state);
        let r = state
            .workspaces
            .get_mut(ws)
            .and_then(|w| w.repos.get_mut(repo))
            .ok_or_else(|| ControlError::NotFound(format!("{ws}/{repo}")))?;
        let before = r.keys.len();
        r.keys.retain(|k| k.id != id);
        if r.keys.len() == before {
            return Err(ControlError::NotFound(format!("key {id} of {ws}/{repo}")));
        }
        Ok(())
    }

    // ---- faults ----

    /// Installs a fault; returns its id.
    pub fn add_fault(&self, fault: Fault) -> u64 {
        lock(&self.shared.faults).add(fault)
    }

    /// Removes fault `id`; `false` if there was none.
    pub fn remove_fault(&self, id: u64) -> bool {
        lock(&self.shared.faults).remove(id)
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The installed faults with their fire counts.
    pub fn faults(&self) -> Vec<FaultStatus> {
        lock(&self.shared.faults).list()
    }

    /// Lets every hung request go on; returns how many were waiting.
    pub fn release_all(&self) -> usize {
        let waiting = self.hung();
        self.shared
            .release
            .send_modify(|generation| *generation += 1);
        waiting
    }

    /// How many requests are hanging right now.
    pub fn hung(&self) -> usize {
        self.shared.hung.load(Ordering::SeqCst)
    }

    /// Waits (polling every few milliseconds) until at least `n` requests hang, for at most
    /// `timeout`; returns whether they did.
    pub async fn wait_hung(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.hung() < n {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        true
    }

    // ---- log ----

    /// The request log, oldest first.
    pub fn log(&self) -> Vec<LogEntry> {
        lock(&self.shared.log).clone()
    }

    /// Empties the request log.
    pub fn clear_log(&self) {
        lock(&self.shared.log).clear();
    }

    // ---- budget and latency ----

    /// Forgets the requests counted in the current window.
    pub fn reset_budget(&self) {
        let mut budget = lock(&self.shared.budget);
        budget.hits.clear();
        budget.refusals = 0;
    }

    /// Changes the request budget (`None`: unlimited).
    pub fn set_budget(&self, limit: Option<u64>) {
        lock(&self.shared.budget).limit = limit;
    }

    /// `(used in the current window, limit)`.
    pub fn budget(&self) -> (u64, Option<u64>) {
        let mut budget = lock(&self.shared.budget);
        (budget.used(Instant::now()), budget.limit)
    }

    /// Changes the latency added to every API request.
    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.shared.latency_ms.store(ms, Ordering::Relaxed);
    }

    /// The latency added to every API request.
    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.shared.latency_ms.load(Ordering::Relaxed))
    }
}
