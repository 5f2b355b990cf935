//! The async Bitbucket client: auth, paging, retries, concurrency limit, request counting.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use url::Url;

use super::budget::RequestLog;
use super::error::{ApiError, ApiErrorKind, AuthKind};
use super::models::*;
use super::scopes::Operation;
use crate::sshkey::PublicKey;

mod credential;
mod endpoints;
mod exchange;
mod paging;
pub use credential::{Credential, Secret, TokenRefresher};
use exchange::decode;
pub use paging::Pages;

/// The public Bitbucket Cloud API, version path included.
pub const DEFAULT_API_URL: &str = "https://api.bitbucket.org/2.0";

/// Everything the client needs to know; tests shorten every duration to milliseconds.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Base URL including the version path, such as `https://api.bitbucket.org/2.0`.
    pub base_url: String,
    /// The credential.
    pub credential: Credential,
    /// TCP connect timeout (default 10 s).
    pub connect_timeout: Duration,
    /// Whole-request timeout (default 30 s).
    pub request_timeout: Duration,
    /// Maximum requests in flight (default 8).
    pub concurrency: usize,
    /// Tries for a GET (default 5).
    pub max_tries: u32,
    /// First backoff delay (default 500 ms); doubles each try, with jitter.
    pub backoff_base: Duration,
    /// Longest backoff delay (default 30 s).
    pub backoff_max: Duration,
    /// Extra PEM CA bundle, added to the system store.
    pub ca_file: Option<std::path::PathBuf>,
    /// Called once when a request gets 401; the request is then retried once with the new
    /// token. `None` (the default): a 401 is reported as it is.
    pub token_refresher: Option<TokenRefresher>,
    /// The file that keeps the account's rolling-hour request count across runs (in its state
    /// directory, see [`RequestLog`]); `None` (the default) counts in memory only.
    pub request_log: Option<std::path::PathBuf>,
}

impl ClientOptions {
    /// Defaults for `base_url` and `credential`.
    pub fn new(base_url: impl Into<String>, credential: Credential) -> Self {
        ClientOptions {
            base_url: base_url.into(),
            credential,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            concurrency: 8,
            max_tries: 5,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            ca_file: None,
            token_refresher: None,
            request_log: None,
        }
    }
}

/// The Bitbucket client. Cheap to clone; clones share the connection pool, the concurrency
/// limit and the request count.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    base_str: String,
    /// The credential and its generation, bumped by every refresh so that requests which got
    /// a 401 together refresh only once.
    credential: Mutex<(Credential, u64)>,
    auth_kind: AuthKind,
    refresher: Option<TokenRefresher>,
    refreshing: tokio::sync::Mutex<()>,
    permits: Semaphore,
    concurrency: usize,
    max_tries: u32,
    backoff: crate::forge::backoff::Backoff,
    requests: RequestLog,
    /// After a 429 no request is sent before this instant: the whole client slows down, not
    /// only the request that was refused (§5: bursts are throttled below the hourly cap).
    cool_down: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_str)
            .field("auth", &self.inner.auth_kind)
            .finish_non_exhaustive()
    }
}

/// Whether `host` is this machine, where plain http cannot leak a credential.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses and checks a base URL: http(s), no query or credentials, version path kept,
/// a trailing slash tolerated.
pub fn parse_base_url(raw: &str) -> Result<Url, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url =
        Url::parse(trimmed).map_err(|e| format!("the API URL {trimmed:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("the API URL {trimmed:?} must start with https://"));
    }
    if url.host().is_none() {
        return Err(format!("the API URL {trimmed:?} has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "the API URL must not carry a user name or password; use the credential settings"
                .into(),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "the API URL {trimmed:?} must not have a query or fragment"
        ));
    }
    Ok(url)
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

impl Client {
    /// Builds a client. Fails when the base URL is unusable or would send a credential over
    /// plain http to a non-loopback host.
    pub fn new(options: ClientOptions) -> Result<Client, ApiError> {
        let refuse = |msg: String| {
            ApiError::new(ApiErrorKind::Refused, Operation::CurrentUser, "").with_message(msg)
        };
        let base = parse_base_url(&options.base_url).map_err(refuse)?;
        if base.scheme() == "http" && !is_loopback(&base) && options.credential != Credential::None
        {
            return Err(refuse(format!(
                "the API URL {} uses plain http to a remote host, which would expose your credential; use https",
                base
            )));
        }
        let redirect_base = base.clone();
        // Follow redirects only within the API's own origin: a credential must never travel to
        // another host. A cross-origin redirect stops here and is reported as refused.
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 || !same_origin(attempt.url(), &redirect_base) {
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
            let pem = std::fs::read(path)
                .map_err(|e| refuse(format!("cannot read ca_file {}: {e}", path.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                refuse(format!(
                    "ca_file {} holds no usable PEM certificate: {e}",
                    path.display()
                ))
            })?;
            if certs.is_empty() {
                return Err(refuse(format!(
                    "ca_file {} holds no PEM certificate",
                    path.display()
                )));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| refuse(format!("the HTTP client could not be set up: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_str: base.as_str().trim_end_matches('/').to_string(),
                base,
                auth_kind: options.credential.auth_kind(),
                credential: Mutex::new((options.credential, 0)),
                refresher: options.token_refresher,
                refreshing: tokio::sync::Mutex::new(()),
                permits: Semaphore::new(options.concurrency.max(1)),
                concurrency: options.concurrency.max(1),
                max_tries: options.max_tries.max(1),
                backoff: crate::forge::backoff::Backoff::new(
                    options.backoff_base,
                    options.backoff_max,
                ),
                requests: match &options.request_log {
                    Some(path) => RequestLog::at(path),
                    None => RequestLog::in_memory(),
                },
                cool_down: Mutex::new(None),
            }),
        })
    }

    /// The base URL in use, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_str
    }

    /// How many times a request is tried before giving up.
    pub fn max_tries(&self) -> u32 {
        self.inner.max_tries
    }

    /// The kind of credential in use.
    pub fn auth_kind(&self) -> AuthKind {
        self.inner.auth_kind
    }

    fn credential(&self) -> (Credential, u64) {
        self.inner
            .credential
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the token after a 401, unless another request already did since `seen`.
    /// Returns whether a retry can use a different token than the one refused.
    async fn refresh_token(&self, seen: u64) -> Result<bool, String> {
        let Some(refresher) = self.inner.refresher.clone() else {
            return Ok(false);
        };
        let _one_at_a_time = self.inner.refreshing.lock().await;
        if self.credential().1 != seen {
            return Ok(true);
        }
        let fresh = tokio::task::spawn_blocking(move || refresher.refresh())
            .await
            .map_err(|e| format!("the token refresh stopped: {e}"))??;
        let mut guard = self
            .inner
            .credential
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let (credential, generation) = &mut *guard;
        match credential {
            Credential::ApiToken { token, .. } | Credential::Bearer { token } => *token = fresh,
            Credential::None => return Ok(false),
        }
        *generation += 1;
        tracing::info!(generation = *generation, "token refreshed after a 401");
        Ok(true)
    }

    /// Requests made in the last hour by this client.
    pub fn requests_last_hour(&self) -> usize {
        self.inner.requests.last_hour()
    }

    /// The account's request count, for estimates against the hourly budget.
    pub fn request_log(&self) -> &RequestLog {
        &self.inner.requests
    }

    /// Requests in flight at most.
    pub fn concurrency(&self) -> usize {
        self.inner.concurrency
    }

    fn count_request(&self) {
        self.inner.requests.record();
    }

    /// Makes every request wait until `wait` from now has passed (or longer, if another 429
    /// asked for longer).
    fn slow_down(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut cool = self
            .inner
            .cool_down
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if cool.is_none_or(|c| c < until) {
            *cool = Some(until);
        }
    }

    /// Sleeps out a cool-down set by a 429, if one is running.
    async fn wait_for_cool_down(&self) {
        let until = *self
            .inner
            .cool_down
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                tokio::time::sleep(until - now).await;
            }
        }
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// The delay before retry number `attempt` (0-based): see [`crate::forge::backoff`].
    /// Shared with `ops` so every retry loop backs off alike.
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        self.inner.backoff.delay(attempt, retry_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert!(parse_base_url("https://api.bitbucket.org/2.0/").is_ok());
        assert!(parse_base_url("ftp://x/2.0").is_err());
        assert!(parse_base_url("https://u:p@x/2.0").is_err());
        assert!(parse_base_url("not a url").is_err());
        let cred = Credential::Bearer {
            token: Secret::new("t"),
        };
        assert!(Client::new(ClientOptions::new("http://example.com/2.0", cred.clone())).is_err());
        assert!(Client::new(ClientOptions::new("http://127.0.0.1:9/2.0", cred.clone())).is_ok());
        assert!(Client::new(ClientOptions::new("http://localhost:9/2.0", cred)).is_ok());
    }

    #[test]
    fn urls_keep_the_version_path_and_escape_segments() {
        let c = Client::new(ClientOptions::new(
            "https://api.bitbucket.org/2.0/",
            Credential::None,
        ))
        .unwrap();
        assert_eq!(
            c.url(&["repositories", "acme", "a b"]).as_str(),
            "https://api.bitbucket.org/2.0/repositories/acme/a%20b"
        );
        assert_eq!(c.base_url(), "https://api.bitbucket.org/2.0");
    }

    #[test]
    fn secret_debug_is_redacted() {
        let c = Credential::ApiToken {
            email: "a@b".into(),
            token: Secret::new("hunter2"),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let mut o = ClientOptions::new("https://x/2.0", Credential::None);
        o.backoff_base = Duration::from_millis(100);
        o.backoff_max = Duration::from_millis(1000);
        let c = Client::new(o).unwrap();
        for attempt in 0..10 {
            let d = c.backoff(attempt, None);
            let cap = Duration::from_millis((100u64 << attempt.min(16)).min(1000));
            assert!(d <= cap && d >= cap / 2, "{attempt}: {d:?}");
        }
        assert_eq!(
            c.backoff(0, Some(Duration::from_secs(60))),
            Duration::from_millis(1000)
        );
    }
}
