//! The request pipeline of the simulated Data Center: latency, faults before, credential
//! check, the per-user token bucket (§6), the XSRF check on writes (§2), the endpoint, faults
//! after, and the request log. Faults, replies, the log entry and the cuttable connections are
//! the Cloud simulator's own pieces, shared.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State as AxumState};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tokio::sync::watch;

use super::super::AuthKind;
use super::super::conn::{ConnHandle, Registry};
use super::super::faults::{self, FaultAction, FaultSet};
use super::super::render::Query;
use super::super::reply::Reply;
use super::super::server::{LogEntry, lock};
use super::api;
use super::call::Call;
use super::render;
use super::state::{DcState, User};
use super::{CreatedDateForm, TokenBucket, UsageForm};

/// Settings the control API can change while the server runs.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub max_limit: u32,
    pub created: CreatedDateForm,
    pub usage: UsageForm,
    pub rate_limit: Option<TokenBucket>,
}

/// One user's bucket: tokens left, and when it was last refilled.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Everything the server and the control handle share.
#[derive(Debug)]
pub(crate) struct DcShared {
    pub context_path: String,
    pub now_ms: i64,
    pub state: Mutex<DcState>,
    pub settings: Mutex<Settings>,
    pub faults: Mutex<FaultSet>,
    pub log: Mutex<Vec<LogEntry>>,
    pub latency_ms: AtomicU64,
    buckets: Mutex<HashMap<String, Bucket>>,
    refusals: AtomicU64,
    seq: AtomicU64,
    started: Instant,
    pub registry: Arc<Registry>,
    pub shutdown: watch::Sender<bool>,
}

impl DcShared {
    pub(crate) fn new(
        opts: &super::DcSimOptions,
        now_ms: i64,
        registry: Arc<Registry>,
    ) -> DcShared {
        DcShared {
            context_path: opts.context_path.trim_end_matches('/').to_string(),
            now_ms,
            state: Mutex::new(super::data::build(now_ms)),
            settings: Mutex::new(Settings {
                max_limit: opts.max_page_limit,
                created: opts.created_date,
                usage: opts.usage_form,
                rate_limit: opts.rate_limit,
            }),
            faults: Mutex::new(FaultSet::new(opts.seed)),
            log: Mutex::new(Vec::new()),
            latency_ms: AtomicU64::new(u64::try_from(opts.latency.as_millis()).unwrap_or(u64::MAX)),
            buckets: Mutex::new(HashMap::new()),
            refusals: AtomicU64::new(0),
            seq: AtomicU64::new(0),
            started: Instant::now(),
            registry,
            shutdown: watch::Sender::new(false),
        }
    }

    /// Takes a token from `user`'s bucket, or answers how many seconds until one is back.
    fn take_token(&self, user: &str) -> Result<(), u64> {
        let Some(limit) = lock(&self.settings).rate_limit else {
            return Ok(());
        };
        let mut buckets = lock(&self.buckets);
        let now = Instant::now();
        let b = buckets.entry(user.to_string()).or_insert(Bucket {
            tokens: f64::from(limit.capacity),
            at: now,
        });
        let refill = now.duration_since(b.at).as_secs_f64() * limit.per_second;
        b.tokens = (b.tokens + refill).min(f64::from(limit.capacity));
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - b.tokens) / limit.per_second.max(0.001);
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

/// Who a request's `Authorization` header names: `Ok(None)` for none, `Err` for a credential
/// the server does not accept.
fn authenticate(st: &DcState, headers: &HeaderMap) -> (AuthKind, Result<Option<User>, ()>) {
    let Some(value) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return (AuthKind::None, Ok(None));
    };
    if let Some(token) = value.strip_prefix("Bearer ") {
        let user = st.users.iter().find(|u| u.token == token.trim()).cloned();
        return (AuthKind::Bearer, user.map(Some).ok_or(()));
    }
    if let Some(encoded) = value.strip_prefix("Basic ") {
        let decoded = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let user = decoded.and_then(|pair| {
            let (name, token) = pair.split_once(':')?;
            st.users
                .iter()
                .find(|u| u.name == name && u.token == token)
                .cloned()
        });
        return (AuthKind::Basic, user.map(Some).ok_or(()));
    }
    (AuthKind::Other, Err(()))
}

fn bad_credential() -> Reply {
    render::error(
        401,
        "Authentication failed. Please check your credentials and try again.",
        "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException",
    )
}

/// Writes without `X-Atlassian-Token: no-check`, or with a body that is not JSON, fail the
/// XSRF check (§2), in plain text.
fn fails_xsrf(method: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    if method == "GET" || method == "HEAD" {
        return false;
    }
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    header("x-atlassian-token") != "no-check"
        || (!body.is_empty() && !header("content-type").starts_with("application/json"))
}

/// The simulated server proper, without faults.
fn answer(
    sh: &DcShared,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
) -> (Reply, Option<String>) {
    let Some(rest) = path.strip_prefix(&format!("{}/rest/", sh.context_path)) else {
        return (
            Reply::text(404, "text/html", "<html><body>Page not found</body></html>"),
            None,
        );
    };
    let (_, who) = authenticate(&lock(&sh.state), headers);
    let user = match who {
        Ok(u) => u,
        Err(()) => return (bad_credential(), None),
    };
    let name = user.as_ref().map(|u| u.name.to_string());
    if let Some(n) = &name
        && let Err(wait) = sh.take_token(n)
    {
        // The body is UNVERIFIED (§5): empty and plain text alternate.
        let k = sh.refusals.fetch_add(1, Ordering::SeqCst);
        let reply = if k.is_multiple_of(2) {
            Reply::empty(429)
        } else {
            Reply::text(429, "text/plain", "Too many requests")
        };
        return (reply.header("retry-after", &wait.to_string()), name);
    }
    if fails_xsrf(method, headers, body) {
        return (
            Reply::text(403, "text/plain;charset=UTF-8", "XSRF check failed"),
            name,
        );
    }
    let settings = lock(&sh.settings).clone();
    let q = Query::parse(query);
    let call = Call {
        user,
        query: &q,
        body,
        max_limit: settings.max_limit,
        created: settings.created,
        usage: settings.usage,
    };
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let mut reply = api::handle(&mut lock(&sh.state), method, &segs, &call);
    if let Some(n) = &name {
        reply = reply.header("x-ausername", n);
    }
    (reply, name)
}

/// Applies a fault action that replaces or rewrites the answer; `None` lets it through.
fn act(
    action: FaultAction,
    reply: Option<Reply>,
    conn: &ConnHandle,
    path: &str,
) -> Result<Option<Reply>, ()> {
    match action {
        FaultAction::Respond {
            status,
            body,
            content_type,
            headers,
        } => {
            let mut r = Reply::text(status, &content_type, body);
            for (n, v) in headers {
                r = r.header(&n, &v);
            }
            Ok(Some(r))
        }
        FaultAction::Redirect { status, location } => {
            Ok(Some(Reply::empty(status).header("location", &location)))
        }
        FaultAction::CloseBeforeHeaders => {
            conn.0.kill();
            Err(())
        }
        t @ (FaultAction::TruncateJson
        | FaultAction::SetField { .. }
        | FaultAction::ForeignNext { .. }) => Ok(reply.map(|r| faults::transform(&t, r, path))),
        // Delays and hangs are served by the caller; mid-body drops are the Cloud
        // simulator's alone.
        _ => Ok(reply),
    }
}

/// Holds a request until the simulator shuts down, as a server that stopped answering would.
async fn hang(sh: &DcShared) {
    let mut down = sh.shutdown.subscribe();
    let _ = down.wait_for(|d| *d).await;
}

/// The handler for everything.
pub(crate) async fn entry(
    AxumState(sh): AxumState<Arc<DcShared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    let arrived = Instant::now();
    let seq = sh.seq.fetch_add(1, Ordering::SeqCst) + 1;
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let (method, path) = (
        parts.method.as_str().to_string(),
        parts.uri.path().to_string(),
    );
    let auth = authenticate(&lock(&sh.state), &parts.headers).0;
    let latency = sh.latency_ms.load(Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let mut fired = Vec::new();
    let mut outcome: Result<Option<Reply>, ()> = Ok(None);
    let mut principal = None;
    let before = lock(&sh.faults).take(&method, &path, false);
    if let Some((id, action)) = before {
        fired.push(id);
        if let FaultAction::Delay { ms } = action {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        } else if let FaultAction::Hang = action {
            // The request never arrives: nothing is applied, and no answer comes.
            hang(&sh).await;
            outcome = Err(());
        } else {
            outcome = act(action, None, &conn, &path);
        }
    }
    if let Ok(None) = outcome {
        let (reply, who) = answer(
            &sh,
            &method,
            &path,
            parts.uri.query(),
            &parts.headers,
            &body,
        );
        principal = who;
        outcome = Ok(Some(reply));
        let after = lock(&sh.faults).take(&method, &path, true);
        if let Some((id, action)) = after {
            fired.push(id);
            if let FaultAction::Delay { ms } = action {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            } else if let FaultAction::Hang = action {
                // Applied, but the answer never leaves: the client cannot tell it landed.
                hang(&sh).await;
                outcome = Err(());
            } else {
                outcome = act(action, outcome.ok().flatten(), &conn, &path);
            }
        }
    }
    let (status, response) = match outcome {
        Ok(Some(reply)) => (reply.status, reply.into_response()),
        Ok(None) | Err(()) => (0, Reply::empty(500).into_response()),
    };
    lock(&sh.log).push(LogEntry {
        seq,
        method,
        path,
        query: parts.uri.query().map(str::to_string),
        auth,
        principal,
        status,
        faults: fired,
        at_ms: u64::try_from(arrived.duration_since(sh.started).as_millis()).unwrap_or(u64::MAX),
        duration_ms: u64::try_from(arrived.elapsed().as_millis()).unwrap_or(u64::MAX),
    });
    response
}
