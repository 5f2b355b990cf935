//! The built-in Bitbucket simulator, driven over HTTP with reqwest like a client would.

mod api;
mod control;
mod data;
mod faults;
mod writes;

use std::time::Duration;

use bbkeys::demo::{self, SimOptions, Simulator, credentials as cred};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;

/// A started simulator and an HTTP client that does not follow redirects.
pub struct Harness {
    pub sim: Simulator,
    pub http: reqwest::Client,
}

pub async fn harness() -> Harness {
    harness_with(SimOptions::default()).await
}

pub async fn harness_with(opts: SimOptions) -> Harness {
    let sim = demo::start(opts).await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    Harness { sim, http }
}

impl Harness {
    /// A request to `/2.0{path}` (or to an absolute URL) without credentials.
    pub fn anon(&self, method: Method, path: &str) -> RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.sim.api_url())
        };
        self.http.request(method, url)
    }

    /// With the full-scope API token.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.anon(method, path)
            .basic_auth(cred::EMAIL, Some(cred::TOKEN))
    }

    pub async fn get(&self, path: &str) -> Response {
        self.req(Method::GET, path).send().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    /// POST a JSON body with the proper Content-Type.
    pub async fn post_key(&self, path: &str, key: &str, label: &str) -> Response {
        self.req(Method::POST, path)
            .json(&serde_json::json!({ "key": key, "label": label }))
            .send()
            .await
            .unwrap()
    }

    /// Follows `next` from `path` and returns every page.
    pub async fn all_pages(&self, path: &str) -> Vec<Value> {
        let mut pages = vec![self.get_json(path).await];
        while let Some(next) = pages
            .last()
            .and_then(|p| p["next"].as_str())
            .map(str::to_string)
        {
            assert!(next.starts_with(&self.sim.base_url()), "{next}");
            pages.push(self.get_json(&next).await);
            assert!(pages.len() < 200, "runaway paging");
        }
        pages
    }
}

/// Line `n` (1-based) of the demo key set.
pub fn key_line(n: usize) -> String {
    bbkeys_keys().lines().nth(n - 1).unwrap().to_string()
}

pub fn bbkeys_keys() -> &'static str {
    include_str!("../../src/demo/keys.txt")
}

/// `SHA256:...` of line `n`, as ssh-keygen printed it.
pub fn fingerprint(n: usize) -> String {
    include_str!("../fixtures/demo-key-fingerprints.txt")
        .lines()
        .nth(n - 1)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

/// The error message of a §4 envelope.
pub fn message(v: &Value) -> &str {
    v["error"]["message"].as_str().unwrap_or_default()
}
