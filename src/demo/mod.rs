//! The built-in Bitbucket Cloud simulator: an axum server on 127.0.0.1 that speaks the
//! subset of REST 2.0 bbkeys uses, with its quirks and errors (`shared/bitbucket-api.md`),
//! a seeded demo data set, injectable faults and a control API.
//!
//! Tests and `bbkeys --demo` run against it; the real service is never reachable from
//! them. Start one with [`start`], point the client at [`Simulator::api_url`] with the
//! [`credentials`], and steer it through [`Simulator::control`] (or `/_sim/...` over HTTP).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use bbkeys::demo::{self, SimOptions, credentials};
//! let sim = demo::start(SimOptions::default()).await?;
//! println!("{}", demo::export_line(&sim));
//! assert_eq!(credentials::EMAIL, "demo@bbkeys.example");
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod api;
mod auth;
mod conn;
mod control;
mod control_http;
pub mod credentials;
mod data;
pub mod datacenter;
mod dataset;
mod demo_data;
mod faults;
mod keys;
mod render;
mod reply;
mod rng;
mod routes;
mod server;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::task::JoinHandle;

pub use auth::AuthKind;
pub use control::{Control, ControlError, Home};
pub use data::DEMO_NOW;
pub use faults::{Fault, FaultAction, FaultStatus, PathPattern, When};
pub use server::LogEntry;
pub use state::{
    AccountKeyDump, KeyDump, ProjectDump, RepoDump, StateDump, UserDump, WorkspaceDump,
};

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Added to every API request (not to `/_sim`); change it later with
    /// [`Control::set_latency`].
    pub latency: Duration,
    /// Seed of every random choice at run time (probabilistic faults). The demo data set
    /// does not depend on it: it is the same for every seed.
    pub seed: u64,
    /// Answer 429 once this many `/2.0` requests were made within [`Self::budget_window`]
    /// (`bitbucket-api.md` §5); `None` for no limit.
    pub request_budget: Option<u64>,
    /// The sliding window of the budget; one hour like the real service.
    pub budget_window: Duration,
    /// What the server holds at start.
    pub dataset: DataSet,
    /// Moves every date of the data set so that [`DEMO_NOW`] falls on this instant, keeping
    /// every age ("last used 3 days ago") as seeded. `--demo` and `demo-server` pass today, so
    /// a key seeded as "used yesterday" is not shown as used weeks ago; tests leave it `None`
    /// so their dates stay fixed.
    pub now: Option<time::OffsetDateTime>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            port: 0,
            latency: Duration::ZERO,
            seed: 42,
            request_budget: None,
            budget_window: Duration::from_secs(3600),
            dataset: DataSet::Demo,
            now: None,
        }
    }
}

/// The starting data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSet {
    /// Three workspaces, 60 repositories, about 150 key holdings (see `demo_data.rs`).
    Demo,
    /// The demo user and their account keys, but no workspace at all.
    Empty,
    /// One workspace `scale` with `repos` repositories (`repo-00001`...) of `keys_per_repo`
    /// keys each, for benchmarks; 10,000 × 3 builds in milliseconds.
    Scale {
        /// Number of repositories.
        repos: usize,
        /// Keys on each repository (at most the 104 distinct demo keys).
        keys_per_repo: usize,
    },
}

/// A running simulator. Dropping it (or [`Simulator::shutdown`]) stops the server and cuts
/// its open connections.
#[derive(Debug)]
pub struct Simulator {
    addr: SocketAddr,
    control: Control,
    task: Option<JoinHandle<()>>,
}

/// Starts a simulator on 127.0.0.1 in the current tokio runtime.
pub async fn start(opts: SimOptions) -> std::io::Result<Simulator> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await?;
    let addr = listener.local_addr()?;
    let registry = Arc::new(conn::Registry::default());
    let origin = format!("http://127.0.0.1:{}", addr.port());
    let shared = Arc::new(server::Shared::new(origin, &opts, Arc::clone(&registry)));
    let app = Router::new()
        .nest("/_sim", control_http::router())
        .fallback(server::entry)
        .with_state(Arc::clone(&shared));
    let listener = conn::SimListener {
        inner: listener,
        registry,
    };
    let mut down = shared.shutdown.subscribe();
    let task = tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<conn::ConnHandle>();
        let _ = axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                let _ = down.wait_for(|stopped| *stopped).await;
            })
            .await;
    });
    Ok(Simulator {
        addr,
        control: Control { shared },
        task: Some(task),
    })
}

impl Simulator {
    /// `http://127.0.0.1:PORT/2.0`: the API base URL to give the client.
    pub fn api_url(&self) -> String {
        format!("{}/2.0", self.base_url())
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The in-process control handle (same state as `/_sim`).
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// Stops accepting, releases hung requests, cuts open connections and waits (briefly)
    /// for the server task to end.
    pub async fn shutdown(mut self) {
        self.stop();
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        self.control.shared.registry.kill_all();
    }

    fn stop(&self) {
        self.control.shared.shutdown.send_replace(true);
        self.control.shared.registry.kill_all();
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Lines of `keys.txt` (1-based) that the demo data set uses nowhere: not on a repository,
/// a project or the demo user's account. Tests and demos add these as fresh keys.
pub const FRESH_KEY_LINES: [usize; 21] = [
    24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 44, 58, 64, 84,
];

/// Lines of `keys.txt` registered on the demo user's own account: adding one as an access
/// key gets `Someone has already registered that SSH key.` (§4).
pub const ACCOUNT_KEY_LINES: [usize; 3] = [41, 42, 43];

/// Line `n` (1-based) of the 107 demo keys, `<type> <base64> <comment>`. Lines 1-44 are
/// ed25519, 45-58 ECDSA-256, 59-64 ECDSA-384, 65-68 ECDSA-521, 69-84 RSA-3072, 85-92
/// RSA-4096, 93-102 RSA-2048, 103-105 RSA-1024, 106-107 DSA.
pub fn key_line(n: usize) -> Option<&'static str> {
    keys::KEYS_TXT.lines().nth(n.checked_sub(1)?)
}

/// `export BBKEYS_API_URL=... BBKEYS_EMAIL=... BBKEYS_API_TOKEN=...`, ready to paste into a
/// shell so a second terminal can talk to this simulator.
pub fn export_line(sim: &Simulator) -> String {
    format!(
        "export BBKEYS_API_URL={} BBKEYS_EMAIL={} BBKEYS_API_TOKEN={}",
        sim.api_url(),
        credentials::EMAIL,
        credentials::TOKEN
    )
}
