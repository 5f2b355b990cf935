//! The built-in Bitbucket Data Center simulator: an axum server on 127.0.0.1 that speaks the
//! `api/1.0`, `ssh/1.0` and `keys/1.0` calls of `shared/bitbucket-datacenter-api.md`, quirks
//! included: one key entity shared by its grants, a global label, 409 for a duplicate and for
//! a personal key, DELETE answering 204 when nothing matched, usage lookups filtered to the
//! projects the user administers, paging with a server-side maximum, 401 for a permission
//! denial, the XSRF 403, and a per-user token bucket answering 429 with `Retry-After`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use bbkeys::demo::datacenter::{self, DcSimOptions, credentials};
//! let sim = datacenter::start(DcSimOptions::default()).await?;
//! println!("{} as {}", sim.api_url(), credentials::ADMIN_USERNAME);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod api;
mod bulk;
mod call;
mod control;
pub mod credentials;
mod data;
mod keys;
mod render;
mod server;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::task::JoinHandle;

pub use control::DcControl;
pub use state::{DcGrantDump, DcKeyDump, DcProjectDump, DcStateDump};

use super::conn;

/// How `createdDate` is written: the spec says date-time, a live client reads numbers (§3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CreatedDateForm {
    /// `"2024-10-27T03:33:20Z"`, as the 10.2 spec.
    #[default]
    DateTime,
    /// `1730000000000`.
    EpochMillis,
}

/// How the usage lookups answer (§3: a page, or a bare array, UNVERIFIED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UsageForm {
    /// A page, as the fixtures of a live server show.
    #[default]
    Page,
    /// A bare JSON array.
    BareArray,
}

/// The token bucket of §6: `capacity` requests at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenBucket {
    /// Bucket size.
    pub capacity: u32,
    /// Tokens added per second.
    pub per_second: f64,
}

/// How to start a Data Center simulator.
#[derive(Debug, Clone)]
pub struct DcSimOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The context path the server lives under, such as `/bitbucket` (default: none).
    pub context_path: String,
    /// Added to every request.
    pub latency: Duration,
    /// Seed of probabilistic faults.
    pub seed: u64,
    /// The largest page served (default 1000, §3).
    pub max_page_limit: u32,
    /// Rate limiting, off by default as on a real server (§6).
    pub rate_limit: Option<TokenBucket>,
    /// How `createdDate` is written.
    pub created_date: CreatedDateForm,
    /// How usage lookups answer.
    pub usage_form: UsageForm,
    /// The instant every seeded date is relative to; `None` is [`crate::demo::DEMO_NOW`], so
    /// tests see fixed dates. `--demo` passes today.
    pub now: Option<time::OffsetDateTime>,
}

impl Default for DcSimOptions {
    fn default() -> Self {
        DcSimOptions {
            port: 0,
            context_path: String::new(),
            latency: Duration::ZERO,
            seed: 42,
            max_page_limit: 1000,
            rate_limit: None,
            created_date: CreatedDateForm::default(),
            usage_form: UsageForm::default(),
            now: None,
        }
    }
}

/// A running Data Center simulator; dropping it stops the server.
#[derive(Debug)]
pub struct DcSimulator {
    addr: SocketAddr,
    context_path: String,
    control: DcControl,
    task: Option<JoinHandle<()>>,
}

/// Starts a Data Center simulator on 127.0.0.1 in the current tokio runtime.
pub async fn start(opts: DcSimOptions) -> std::io::Result<DcSimulator> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await?;
    let addr = listener.local_addr()?;
    let registry = Arc::new(conn::Registry::default());
    let now = opts.now.unwrap_or(super::DEMO_NOW);
    let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    let shared = Arc::new(server::DcShared::new(&opts, now_ms, Arc::clone(&registry)));
    let app = Router::new()
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
    Ok(DcSimulator {
        addr,
        context_path: shared.context_path.clone(),
        control: DcControl { shared },
        task: Some(task),
    })
}

impl DcSimulator {
    /// The server root to give the client: `http://127.0.0.1:PORT[/context]` (bbkeys appends
    /// `/rest/...`).
    pub fn api_url(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.addr.port(), self.context_path)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The control handle.
    pub fn control(&self) -> &DcControl {
        &self.control
    }

    /// Stops the server, cuts open connections and waits briefly for the task to end.
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
    }

    fn stop(&self) {
        self.control.shared.shutdown.send_replace(true);
        self.control.shared.registry.kill_all();
    }
}

impl Drop for DcSimulator {
    fn drop(&mut self) {
        self.stop();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
