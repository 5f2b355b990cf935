//! The request pipeline of the simulated API: latency, faults before, the rate budget,
//! routing, authentication, the operation, faults after, and the request log.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State as AxumState};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::watch;

use super::api::{self, Call};
use super::auth::{self, AuthKind, Principal};
use super::conn::{ConnHandle, Registry};
use super::faults::{self, FaultAction, FaultSet};
use super::render::Query;
use super::reply::Reply;
use super::routes::{self, Route};
use super::state::State;
use super::{DataSet, SimOptions};

/// One line of the request log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// 1-based order of arrival.
    pub seq: u64,
    /// HTTP method.
    pub method: String,
    /// Path, with the `/2.0` prefix.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// How the request authenticated.
    pub auth: AuthKind,
    /// Which demo credential it was, when valid.
    pub principal: Option<String>,
    /// Status sent; 0 when the connection was closed without an answer.
    pub status: u16,
    /// Ids of the faults that acted on the request.
    pub faults: Vec<u64>,
    /// Milliseconds since the simulator started, at arrival.
    pub at_ms: u64,
    /// Milliseconds until the answer was ready.
    pub duration_ms: u64,
}

/// The sliding-window request budget (`bitbucket-api.md` §5).
#[derive(Debug)]
pub(crate) struct Budget {
    pub limit: Option<u64>,
    pub window: Duration,
    pub hits: VecDeque<Instant>,
    /// How many 429s were sent, to alternate their shapes.
    pub refusals: u64,
}

impl Budget {
    /// Counts a request, or returns the index of this refusal when the budget is spent.
    fn admit(&mut self, now: Instant) -> Result<(), u64> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        while self
            .hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            self.hits.pop_front();
        }
        if (self.hits.len() as u64) < limit {
            self.hits.push_back(now);
            Ok(())
        } else {
            self.refusals += 1;
            Err(self.refusals - 1)
        }
    }

    /// Requests counted in the current window.
    pub(crate) fn used(&mut self, now: Instant) -> u64 {
        while self
            .hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            self.hits.pop_front();
        }
        self.hits.len() as u64
    }
}

/// Everything the server and `Control` share.
#[derive(Debug)]
pub(crate) struct Shared {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    pub dataset: DataSet,
    /// See [`SimOptions::now`]; a reset builds the data at the same instant.
    pub now: Option<time::OffsetDateTime>,
    pub state: Mutex<State>,
    pub faults: Mutex<FaultSet>,
    pub log: Mutex<Vec<LogEntry>>,
    pub budget: Mutex<Budget>,
    pub latency_ms: AtomicU64,
    /// Bumped by `release_all`; hung requests wait for a change.
    pub release: watch::Sender<u64>,
    /// `true` once the simulator stops.
    pub shutdown: watch::Sender<bool>,
    /// Requests currently hanging.
    pub hung: AtomicUsize,
    pub seq: AtomicU64,
    pub started: Instant,
    pub registry: Arc<Registry>,
}

/// Locks a mutex, shrugging off poisoning: the simulator's state stays usable even if a
/// test panicked while holding it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(origin: String, opts: &SimOptions, registry: Arc<Registry>) -> Shared {
        Shared {
            origin,
            dataset: opts.dataset.clone(),
            now: opts.now,
            state: Mutex::new(super::dataset::build_at(&opts.dataset, opts.now)),
            faults: Mutex::new(FaultSet::new(opts.seed)),
            log: Mutex::new(Vec::new()),
            budget: Mutex::new(Budget {
                limit: opts.request_budget,
                window: opts.budget_window,
                hits: VecDeque::new(),
                refusals: 0,
            }),
            latency_ms: AtomicU64::new(u64::try_from(opts.latency.as_millis()).unwrap_or(u64::MAX)),
            release: watch::Sender::new(0),
            shutdown: watch::Sender::new(false),
            hung: AtomicUsize::new(0),
            seq: AtomicU64::new(0),
            started: Instant::now(),
            registry,
        }
    }

    /// Waits for `release_all` or shutdown.
    async fn hang(&self) {
        let mut release = self.release.subscribe();
        let mut down = self.shutdown.subscribe();
        self.hung.fetch_add(1, Ordering::SeqCst);
        let _guard = HungGuard(&self.hung);
        tokio::select! {
            _ = release.changed() => {}
            _ = down.wait_for(|d| *d) => {}
        }
    }
}

struct HungGuard<'a>(&'a AtomicUsize);

impl Drop for HungGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The request as the pipeline sees it.
struct Incoming {
    method: String,
    path: String,
    raw_query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
    principal: Option<Principal>,
}

/// What went out, for the log.
struct Outcome {
    response: Response,
    status: u16,
    faults: Vec<u64>,
}

impl Outcome {
    fn reply(reply: Reply, faults: Vec<u64>) -> Outcome {
        Outcome {
            status: reply.status,
            response: reply.into_response(),
            faults,
        }
    }
}

/// The handler for everything outside `/_sim`.
pub(crate) async fn entry(
    AxumState(sh): AxumState<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    let arrived = Instant::now();
    let seq = sh.seq.fetch_add(1, Ordering::SeqCst) + 1;
    let (parts, body) = req.into_parts();
    let (auth_kind, principal) = auth::authenticate(&parts.headers);
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let incoming = Incoming {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        raw_query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
        principal,
    };
    let latency = sh.latency_ms.load(Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let outcome = process(&sh, &conn, &incoming).await;
    let entry = LogEntry {
        seq,
        method: incoming.method,
        path: incoming.path,
        query: incoming.raw_query,
        auth: auth_kind,
        principal: principal.map(|p| p.name().to_string()),
        status: outcome.status,
        faults: outcome.faults,
        at_ms: u64::try_from(arrived.duration_since(sh.started).as_millis()).unwrap_or(u64::MAX),
        duration_ms: u64::try_from(arrived.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    lock(&sh.log).push(entry);
    outcome.response
}

async fn process(sh: &Shared, conn: &ConnHandle, req: &Incoming) -> Outcome {
    let mut fired = Vec::new();
    let before = lock(&sh.faults).take(&req.method, &req.path, false);
    if let Some((id, action)) = before {
        fired.push(id);
        match action {
            FaultAction::Delay { ms } => tokio::time::sleep(Duration::from_millis(ms)).await,
            FaultAction::Hang => sh.hang().await,
            FaultAction::DropMidBody { bytes } => {
                // Nothing was processed; send the start of a plausible listing.
                let filler = Bytes::from_static(
                    b"{\"pagelen\": 10, \"size\": 27, \"page\": 1, \"values\": [{\"id\": 18204118, \
                      \"key\": \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnR",
                );
                let reply = Reply::text(200, "application/json", filler);
                return drop_mid_body(reply, bytes, fired);
            }
            FaultAction::CloseBeforeHeaders => return close(conn, fired),
            other => return Outcome::reply(standalone(&other), fired),
        }
    }
    let reply = answer(sh, req);
    let after = lock(&sh.faults).take(&req.method, &req.path, true);
    let Some((id, action)) = after else {
        return Outcome::reply(reply, fired);
    };
    fired.push(id);
    match action {
        FaultAction::Delay { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Outcome::reply(reply, fired)
        }
        FaultAction::Hang => {
            sh.hang().await;
            Outcome::reply(reply, fired)
        }
        FaultAction::DropMidBody { bytes } => drop_mid_body(reply, bytes, fired),
        FaultAction::CloseBeforeHeaders => close(conn, fired),
        t @ (FaultAction::TruncateJson
        | FaultAction::ForeignNext { .. }
        | FaultAction::SetField { .. }) => {
            // The response is rebuilt from the rewritten body, so `Content-Length` matches it:
            // for TruncateJson the transfer is complete and only the JSON is broken.
            Outcome::reply(faults::transform(&t, reply, &req.path), fired)
        }
        other => Outcome::reply(standalone(&other), fired),
    }
}

/// Answers of actions that replace the response entirely.
fn standalone(action: &FaultAction) -> Reply {
    match action {
        FaultAction::Respond {
            status,
            body,
            content_type,
            headers,
        } => {
            let mut reply = Reply::text(*status, content_type, body.clone());
            for (name, value) in headers {
                reply = reply.header(name, value);
            }
            reply
        }
        FaultAction::Redirect { status, location } => {
            Reply::empty(*status).header("location", location)
        }
        _ => Reply::error(500, "fault action without a standalone answer"),
    }
}

/// Cuts the connection: the client sees it closed before any header arrives.
fn close(conn: &ConnHandle, faults: Vec<u64>) -> Outcome {
    conn.0.kill();
    Outcome {
        response: Reply::empty(500).into_response(),
        status: 0,
        faults,
    }
}

/// Sends the status, headers and the first `bytes` of the body, then fails the body stream
/// so hyper aborts the connection mid-response.
fn drop_mid_body(reply: Reply, bytes: usize, faults: Vec<u64>) -> Outcome {
    let prefix = reply.body.slice(..bytes.min(reply.body.len()));
    let stream = futures::stream::iter([Ok::<Bytes, std::io::Error>(prefix)]).chain(
        futures::stream::once(async {
            // Give the prefix time to leave before the abort.
            tokio::time::sleep(Duration::from_millis(20)).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "dropped by fault",
            ))
        }),
    );
    let status = reply.status;
    let mut response = Reply {
        body: Bytes::new(),
        ..reply
    }
    .into_response();
    response
        .headers_mut()
        .remove(axum::http::header::CONTENT_LENGTH);
    *response.body_mut() = Body::from_stream(stream);
    Outcome {
        response,
        status,
        faults,
    }
}

/// The simulated Bitbucket proper, without faults.
fn answer(sh: &Shared, req: &Incoming) -> Reply {
    let route = routes::route(&req.method, &req.path);
    // Unknown and removed endpoints answer whoever asks; everything under /2.0 counts
    // against the budget (§5).
    if req.path.starts_with("/2.0/") || req.path == "/2.0" {
        let refused = lock(&sh.budget).admit(Instant::now());
        if let Err(n) = refused {
            return rate_limited(n);
        }
    }
    match route {
        Route::NotFound => Reply::not_found(&format!("No endpoint {} {}", req.method, req.path)),
        Route::Gone => Reply::error_object(
            410,
            json!({
                "message": "CHANGE-2770 - Functionality has been deprecated",
                "data": {
                    "announcement_url": "https://developer.atlassian.com/cloud/bitbucket/changelog/#CHANGE-2770"
                },
            }),
        ),
        Route::MethodNotAllowed { allow } => {
            Reply::error(405, "Method Not Allowed").header("allow", allow)
        }
        Route::Op(op, params) => {
            let Some(principal) = req.principal else {
                return auth::unauthorized();
            };
            if let Err(refusal) = auth::authorize(&principal, op) {
                return refusal;
            }
            let query = Query::parse(req.raw_query.as_deref());
            let call = Call {
                path: &req.path,
                query: &query,
                headers: &req.headers,
                body: &req.body,
                origin: &sh.origin,
            };
            api::handle(&mut lock(&sh.state), &principal, op, &params, &call)
        }
    }
}

/// 429 in both shapes the service uses (§4, §5): plain text and the JSON envelope
/// alternate, and `Retry-After: 1` comes with two refusals out of four.
fn rate_limited(n: u64) -> Reply {
    const TEXT: &str = "Rate limit for this resource has been exceeded";
    let reply = if n.is_multiple_of(2) {
        Reply::text(429, "text/plain; charset=utf-8", TEXT)
    } else {
        Reply::error(429, TEXT)
    };
    if n % 4 < 2 {
        reply.header("retry-after", "1")
    } else {
        reply
    }
}
