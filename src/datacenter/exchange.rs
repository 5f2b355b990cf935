//! One request and its answer: authentication, the headers writes need, retries of reads
//! (and of writes the rate limiter refused), and the pacing after a 429.

use std::time::Duration;

use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use super::client::DcClient;
use super::credential::DcCredential;
use super::errors::{self, Context};
use crate::forge::{ForgeError, ForgeErrorKind};

/// A response as the client keeps it.
#[derive(Debug)]
pub(crate) struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After` in seconds, when sent.
    pub retry_after: Option<Duration>,
    /// `X-AUSERNAME`: who the server thinks is signed in (§2, UNVERIFIED as a contract).
    pub username: Option<String>,
    /// The body.
    pub text: String,
}

impl DcClient {
    /// Sends one request, no retries.
    async fn send_once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&serde_json::Value>,
        what: &str,
    ) -> Result<Answer, ForgeError> {
        let _permit = self.inner.permits.acquire().await.map_err(|_| {
            ForgeError::new(
                ForgeErrorKind::Network,
                format!("Could not {what}: the client is shutting down."),
            )
        })?;
        self.wait_for_cool_down().await;
        let mut req = self.inner.http.request(method.clone(), url.clone());
        req = match &self.inner.credential {
            DcCredential::Bearer { token } => req.bearer_auth(token.expose()),
            DcCredential::Basic { username, token } => {
                req.basic_auth(username, Some(token.expose()))
            }
            DcCredential::None => req,
        };
        req = req.header(reqwest::header::ACCEPT, "application/json");
        if *method != Method::GET {
            // Without both, writes get `403 XSRF check failed` (§2).
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header("X-Atlassian-Token", "no-check");
        }
        if let Some(body) = body {
            req = req.body(body.to_string());
        }
        self.count_request();
        tracing::debug!(%method, path = url.path(), "request");
        let resp = req.send().await.map_err(|e| errors::transport(&e, what))?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            return Err(ForgeError::new(
                ForgeErrorKind::InvalidInput,
                format!("Could not {what}: the server redirected to another origin; bbkeys does not send your credential there. Check the server URL."),
            )
            .with_status(status));
        }
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_string())
        };
        let retry_after = header("retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_secs);
        let username = header("x-ausername").map(|u| crate::sanitize::clean_line(&u));
        if status == 429 {
            self.slow_down(self.backoff(0, retry_after));
        }
        let text = resp.text().await.map_err(|e| errors::transport(&e, what))?;
        tracing::debug!(status, path = url.path(), "response");
        Ok(Answer {
            status,
            retry_after,
            username,
            text,
        })
    }

    fn context<'a>(&'a self, what: &'a str) -> Context<'a> {
        Context {
            what,
            credential: &self.inner.credential,
        }
    }

    /// The error for a non-2xx answer.
    pub(crate) fn error_of(&self, answer: &Answer, what: &str) -> ForgeError {
        errors::classify(
            answer.status,
            &answer.text,
            answer.retry_after,
            &self.context(what),
        )
    }

    /// Sends with retries: reads on 429, 502-504 and transport errors; writes only on 429,
    /// because the rate limiter refuses before anything is applied (§6). Returns the last
    /// answer, successful or not.
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        what: &str,
    ) -> Result<Answer, ForgeError> {
        let read = method == Method::GET;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.send_once(&method, &url, body, what).await;
            let (retry, retry_after) = match &outcome {
                Ok(a) if a.status == 429 => (true, a.retry_after),
                Ok(a) => (read && matches!(a.status, 502..=504), None),
                Err(e) => (read && e.kind == ForgeErrorKind::Network, None),
            };
            if !retry || attempt >= self.inner.max_tries {
                return outcome;
            }
            let wait = self.backoff(attempt - 1, retry_after);
            if retry_after.is_some() || outcome.as_ref().is_ok_and(|a| a.status == 429) {
                self.slow_down(wait);
            }
            tracing::info!(attempt, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// A GET whose answer must be 2xx.
    pub(crate) async fn get(&self, url: Url, what: &str) -> Result<Answer, ForgeError> {
        let answer = self.send(Method::GET, url, None, what).await?;
        if (200..300).contains(&answer.status) {
            Ok(answer)
        } else {
            Err(self.error_of(&answer, what))
        }
    }

    /// A GET decoded as `T`.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        url: Url,
        what: &str,
    ) -> Result<T, ForgeError> {
        let answer = self.get(url, what).await?;
        decode(&answer.text, what)
    }

    /// A POST, PUT or DELETE; the answer is returned whatever its status, so callers can
    /// tell the statuses the contract gives meaning to (200 vs 201, 204).
    pub(crate) async fn write(
        &self,
        method: Method,
        url: Url,
        body: Option<serde_json::Value>,
        what: &str,
    ) -> Result<Answer, ForgeError> {
        self.send(method, url, body.as_ref(), what).await
    }
}

/// Decodes a JSON body, with a sentence naming the operation when it does not fit.
pub(crate) fn decode<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, ForgeError> {
    serde_json::from_str(text).map_err(|e| errors::decode(what, &e.to_string()))
}
