//! One request and its answer: sending, the 401 token refresh, retries of reads with backoff,
//! and turning transport failures and bodies into `ApiError`s or values.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use super::{Client, Credential};
use crate::bitbucket::error::{ApiError, ApiErrorKind, AuthKind};
use crate::bitbucket::scopes::Operation;

impl Client {
    /// One HTTP exchange; on a 401 with a token refresher, the token is refreshed and the
    /// request sent once more (a 401 means nothing was applied, so even a write may repeat).
    /// Returns status, `Retry-After` and the body text.
    pub(super) async fn exchange(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        op: Operation,
        target: &str,
    ) -> Result<(StatusCode, Option<Duration>, String), ApiError> {
        let (credential, generation) = self.credential();
        let first = self
            .exchange_once(&credential, method.clone(), url.clone(), body, op, target)
            .await?;
        if first.0 != StatusCode::UNAUTHORIZED || self.inner.refresher.is_none() {
            return Ok(first);
        }
        match self.refresh_token(generation).await {
            Ok(true) => {
                let (credential, _) = self.credential();
                self.exchange_once(&credential, method, url, body, op, target)
                    .await
            }
            Ok(false) => Ok(first),
            Err(why) => {
                // The 401 sentence already says the token may have expired; the log keeps why
                // no new one could be had.
                tracing::warn!(%why, "token refresh after a 401 failed");
                Ok(first)
            }
        }
    }

    /// One HTTP exchange with `credential`, no retries.
    async fn exchange_once(
        &self,
        credential: &Credential,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        op: Operation,
        target: &str,
    ) -> Result<(StatusCode, Option<Duration>, String), ApiError> {
        let auth = self.auth_kind();
        let _permit = self.inner.permits.acquire().await.map_err(|_| {
            ApiError::new(ApiErrorKind::Refused, op, target)
                .with_message("the client is shutting down")
        })?;
        self.wait_for_cool_down().await;
        let mut req = self.inner.http.request(method.clone(), url.clone());
        req = match credential {
            Credential::ApiToken { email, token } => req.basic_auth(email, Some(token.expose())),
            Credential::Bearer { token } => req.bearer_auth(token.expose()),
            Credential::None => req,
        };
        req = req.header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = body {
            // Without this header Bitbucket answers "That access key is invalid." (§4).
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        self.count_request();
        tracing::debug!(%method, path = url.path(), "request");
        let resp = req
            .send()
            .await
            .map_err(|e| transport_error(e, op, target, auth))?;
        let status = resp.status();
        if status.is_redirection() {
            let location = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .unwrap_or("another host")
                .to_string();
            return Err(ApiError::new(ApiErrorKind::Refused, op, target).with_message(format!(
                "Bitbucket redirected the request to {location}, another origin than the API's; bbkeys does not send your credential there"
            )));
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.slow_down(self.backoff(0, retry_after));
        }
        let text = resp.text().await.map_err(|e| {
            // reqwest calls any failure while the body arrives a decode error, but JSON is
            // decoded later (`decode`): here it is the connection breaking mid-answer, which is
            // transient like any network error, so a GET is retried (found by the fault suite).
            let mut err = transport_error(e, op, target, auth);
            if err.kind == ApiErrorKind::Decode {
                err.kind = ApiErrorKind::Network;
            }
            err
        })?;
        tracing::debug!(status = status.as_u16(), path = url.path(), "response");
        Ok((status, retry_after, text))
    }

    /// A GET with retries on 429, 502, 503, 504 and connection errors (exponential backoff with
    /// jitter, `Retry-After` honoured). Returns the body of a 2xx answer.
    pub(super) async fn get_text(
        &self,
        url: Url,
        op: Operation,
        target: &str,
    ) -> Result<String, ApiError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self
                .exchange(Method::GET, url.clone(), None, op, target)
                .await;
            let err = match outcome {
                Ok((status, _, text)) if status.is_success() => return Ok(text),
                Ok((status, retry_after, text)) => ApiError::from_response(
                    status.as_u16(),
                    &text,
                    retry_after,
                    op,
                    target,
                    self.auth_kind(),
                ),
                Err(e) => e,
            };
            if attempt >= self.inner.max_tries || !err.is_transient() {
                return Err(err);
            }
            let wait = self.backoff(attempt - 1, err.retry_after);
            if err.kind == ApiErrorKind::RateLimited {
                self.slow_down(wait);
            }
            tracing::info!(attempt, wait_ms = wait.as_millis() as u64, kind = ?err.kind, "retrying GET");
            tokio::time::sleep(wait).await;
        }
    }

    pub(super) async fn get_json<T: DeserializeOwned>(
        &self,
        url: Url,
        op: Operation,
        target: &str,
    ) -> Result<T, ApiError> {
        let text = self.get_text(url, op, target).await?;
        decode(&text, op, target)
    }

    /// A write: never retried blindly. Returns the 2xx body.
    pub(super) async fn write(
        &self,
        method: Method,
        url: Url,
        body: Option<serde_json::Value>,
        op: Operation,
        target: &str,
    ) -> Result<String, ApiError> {
        let (status, retry_after, text) = self
            .exchange(method, url, body.as_ref(), op, target)
            .await?;
        if status.is_success() {
            Ok(text)
        } else {
            Err(ApiError::from_response(
                status.as_u16(),
                &text,
                retry_after,
                op,
                target,
                self.auth_kind(),
            ))
        }
    }
}

pub(super) fn decode<T: DeserializeOwned>(
    text: &str,
    op: Operation,
    target: &str,
) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| {
        ApiError::new(ApiErrorKind::Decode, op, target)
            .with_message(format!("unexpected JSON: {e}"))
    })
}

fn transport_error(e: reqwest::Error, op: Operation, target: &str, auth: AuthKind) -> ApiError {
    let kind = if e.is_timeout() {
        ApiErrorKind::Timeout
    } else if e.is_decode() {
        ApiErrorKind::Decode
    } else {
        ApiErrorKind::Network
    };
    // reqwest's message names the URL but never the Authorization header.
    let mut chain = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    let mut err = ApiError::new(kind, op, target).with_message(chain);
    err.auth = auth;
    err
}
