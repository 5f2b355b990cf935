//! The Data Center client: options, the shared connection state, URLs and backoff.
//!
//! Shaped like the Cloud client (`bitbucket::client`): one reqwest pool, a semaphore bounding
//! requests in flight, jittered exponential backoff, and a client-wide cool-down after a 429.
//! Data Center limits by a token bucket and has no hourly budget (§6), so the request count
//! kept here is only for display.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use url::Url;

use super::credential::DcCredential;
use crate::forge::{ForgeError, ForgeErrorKind};

/// The largest page bbkeys asks for: the documented default maximum (§3). A server configured
/// lower answers its own `limit`, which the pager then uses.
pub const DEFAULT_PAGE_LIMIT: u32 = 1000;

/// Everything the client needs; tests shorten every duration to milliseconds.
#[derive(Debug, Clone)]
pub struct DcOptions {
    /// The server root, context path included (`https://host/bitbucket`); `/rest/...` is
    /// appended (§ Base URL).
    pub root_url: String,
    /// The credential.
    pub credential: DcCredential,
    /// TCP connect timeout (default 10 s).
    pub connect_timeout: Duration,
    /// Whole-request timeout (default 30 s).
    pub request_timeout: Duration,
    /// Maximum requests in flight (default 8).
    pub concurrency: usize,
    /// Tries for a read, and for a write refused with 429 (default 5).
    pub max_tries: u32,
    /// First backoff delay (default 500 ms), doubled each try, with jitter.
    pub backoff_base: Duration,
    /// Longest backoff delay (default 30 s).
    pub backoff_max: Duration,
    /// The page size asked for (default [`DEFAULT_PAGE_LIMIT`]).
    pub page_limit: u32,
    /// Extra PEM CA bundle, added to the system store: self-hosted servers often carry a
    /// certificate from a company CA.
    pub ca_file: Option<std::path::PathBuf>,
}

impl DcOptions {
    /// Defaults for `root_url` and `credential`.
    pub fn new(root_url: impl Into<String>, credential: DcCredential) -> Self {
        DcOptions {
            root_url: root_url.into(),
            credential,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            concurrency: 8,
            max_tries: 5,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            page_limit: DEFAULT_PAGE_LIMIT,
            ca_file: None,
        }
    }
}

/// The Bitbucket Data Center client. Cheap to clone; clones share the pool, the concurrency
/// limit, the cool-down and the request count.
#[derive(Clone)]
pub struct DcClient {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) http: reqwest::Client,
    pub(super) root: Url,
    pub(super) credential: DcCredential,
    pub(super) permits: Semaphore,
    /// The permits' number: how many key listings a scan keeps in flight.
    pub(super) concurrency: usize,
    pub(super) max_tries: u32,
    pub(super) backoff: crate::forge::backoff::Backoff,
    pub(super) page_limit: u32,
    /// After a 429 nothing is sent before this instant: the bucket is per user (§6), so every
    /// request of this client drains the same bucket.
    pub(super) cool_down: Mutex<Option<Instant>>,
    pub(super) sent: Mutex<VecDeque<Instant>>,
}

impl std::fmt::Debug for DcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth = match self.inner.credential {
            DcCredential::Bearer { .. } => "bearer",
            DcCredential::Basic { .. } => "basic",
            DcCredential::None => "none",
        };
        f.debug_struct("DcClient")
            .field("root", &self.inner.root.as_str())
            .field("auth", &auth)
            .finish_non_exhaustive()
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses and checks a server root: http(s), a host, no credentials, query or fragment; the
/// context path is kept and a trailing slash tolerated.
pub fn parse_root_url(raw: &str) -> Result<Url, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = Url::parse(trimmed)
        .map_err(|e| format!("the server URL {trimmed:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "the server URL {trimmed:?} must be https://host[/context]"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the server URL must not carry a user name or password".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "the server URL {trimmed:?} must not have a query or fragment"
        ));
    }
    Ok(url)
}

/// The certificates of a PEM bundle; an unreadable or empty file is an error, not a silent
/// fallback to the system store.
fn read_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem =
        std::fs::read(path).map_err(|e| format!("cannot read ca_file {}: {e}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        format!(
            "ca_file {} holds no usable PEM certificate: {e}",
            path.display()
        )
    })?;
    if certs.is_empty() {
        return Err(format!(
            "ca_file {} holds no PEM certificate",
            path.display()
        ));
    }
    Ok(certs)
}

pub(super) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

impl DcClient {
    /// Builds a client. Refuses an unusable URL, and plain http to another host than this one
    /// when a credential would travel over it.
    pub fn new(options: DcOptions) -> Result<DcClient, ForgeError> {
        let refuse = |m: String| ForgeError::new(ForgeErrorKind::InvalidInput, m);
        let root = parse_root_url(&options.root_url).map_err(refuse)?;
        if root.scheme() == "http"
            && !is_loopback(&root)
            && options.credential != DcCredential::None
        {
            return Err(refuse(format!(
                "the server URL {root} uses plain http to a remote host, which would expose your credential; use https"
            )));
        }
        let origin = root.clone();
        // A credential never follows a redirect to another origin.
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 || !same_origin(attempt.url(), &origin) {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let mut builder = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .redirect(policy)
            .user_agent(concat!("bbkeys/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &options.ca_file {
            for cert in read_ca_file(path).map_err(refuse)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| refuse(format!("the HTTP client could not be set up: {e}")))?;
        Ok(DcClient {
            inner: Arc::new(Inner {
                http,
                root,
                credential: options.credential,
                permits: Semaphore::new(options.concurrency.max(1)),
                concurrency: options.concurrency.max(1),
                max_tries: options.max_tries.max(1),
                backoff: crate::forge::backoff::Backoff::new(
                    options.backoff_base,
                    options.backoff_max,
                ),
                page_limit: options.page_limit.max(1),
                cool_down: Mutex::new(None),
                sent: Mutex::new(VecDeque::new()),
            }),
        })
    }

    /// The credential requests carry (its kind decides what doctor says).
    pub(crate) fn credential(&self) -> &DcCredential {
        &self.inner.credential
    }

    /// The server root in use, without a trailing slash.
    pub fn root_url(&self) -> String {
        self.inner.root.as_str().trim_end_matches('/').to_string()
    }

    /// `{root}/rest/{segments...}`, each segment escaped.
    pub(super) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.root.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push("rest").extend(segments);
        }
        url
    }

    /// Requests sent in the last hour (shown, never enforced: Data Center has no hourly cap).
    pub fn requests_last_hour(&self) -> usize {
        let mut sent = lock(&self.inner.sent);
        let now = Instant::now();
        while sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(3600))
        {
            sent.pop_front();
        }
        sent.len()
    }

    pub(super) fn count_request(&self) {
        lock(&self.inner.sent).push_back(Instant::now());
    }

    /// Holds every request of this client back until `wait` from now has passed.
    pub(super) fn slow_down(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut cool = lock(&self.inner.cool_down);
        if cool.is_none_or(|c| c < until) {
            *cool = Some(until);
        }
    }

    pub(super) async fn wait_for_cool_down(&self) {
        let until = *lock(&self.inner.cool_down);
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                tokio::time::sleep(until - now).await;
            }
        }
    }

    /// The delay before retry `attempt` (0-based): the server's `Retry-After` when it gave one
    /// (capped), else exponential with jitter (§6).
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        self.inner.backoff.delay(attempt, retry_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datacenter::Secret;

    #[test]
    fn the_root_keeps_its_context_path_and_rest_is_appended() {
        let c = DcClient::new(DcOptions::new(
            "https://bitbucket.example.com/bitbucket/",
            DcCredential::None,
        ))
        .unwrap();
        assert_eq!(c.root_url(), "https://bitbucket.example.com/bitbucket");
        assert_eq!(
            c.url(&["keys", "1.0", "projects", "A B", "ssh"]).as_str(),
            "https://bitbucket.example.com/bitbucket/rest/keys/1.0/projects/A%20B/ssh"
        );
    }

    #[test]
    fn a_scan_keeps_as_many_listings_in_flight_as_the_options_allow() {
        use crate::forge::Forge;
        let mut o = DcOptions::new("https://x", DcCredential::None);
        assert_eq!(Forge::concurrency(&DcClient::new(o.clone()).unwrap()), 8);
        o.concurrency = 3;
        assert_eq!(Forge::concurrency(&DcClient::new(o.clone()).unwrap()), 3);
        // Zero would stall a scan: one at a time is the least.
        o.concurrency = 0;
        assert_eq!(Forge::concurrency(&DcClient::new(o).unwrap()), 1);
    }

    #[test]
    fn plain_http_to_a_remote_host_is_refused_with_a_credential() {
        let bearer = DcCredential::Bearer {
            token: Secret::new("t"),
        };
        assert!(
            DcClient::new(DcOptions::new(
                "http://bitbucket.example.com",
                bearer.clone()
            ))
            .is_err()
        );
        assert!(DcClient::new(DcOptions::new("http://127.0.0.1:7990", bearer)).is_ok());
        assert!(parse_root_url("ftp://x").is_err());
        assert!(parse_root_url("https://u:p@x").is_err());
        assert!(parse_root_url("https://x/?a=b").is_err());
    }

    #[test]
    fn a_ca_file_that_cannot_be_used_is_refused_by_name() {
        let mut o = DcOptions::new("https://x", DcCredential::None);
        o.ca_file = Some("/nonexistent/bbkeys-ca.pem".into());
        let e = DcClient::new(o).unwrap_err();
        assert!(e.advice.contains("bbkeys-ca.pem"), "{}", e.advice);
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate").unwrap();
        let mut o = DcOptions::new("https://x", DcCredential::None);
        o.ca_file = Some(empty);
        assert!(DcClient::new(o).is_err());
    }

    #[test]
    fn retry_after_wins_over_the_exponential_delay() {
        let mut o = DcOptions::new("https://x", DcCredential::None);
        o.backoff_base = Duration::from_millis(100);
        o.backoff_max = Duration::from_secs(5);
        let c = DcClient::new(o).unwrap();
        assert_eq!(
            c.backoff(3, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            c.backoff(0, Some(Duration::from_secs(60))),
            Duration::from_secs(5)
        );
        let d = c.backoff(2, None);
        assert!(
            d >= Duration::from_millis(200) && d <= Duration::from_millis(400),
            "{d:?}"
        );
    }
}
