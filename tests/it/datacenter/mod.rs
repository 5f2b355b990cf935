//! The Data Center adapter and simulator against `shared/bitbucket-datacenter-api.md`: one
//! test per row of the §1 endpoint table and per error of §5, through the client
//! (`endpoints`, `errors`), through the `Forge` trait (`forge`), plus paging, rate limiting and
//! the simulator's own quirks (`quirks`).

mod bulk;
mod doctor;
mod endpoints;
mod errors;
mod forge;
mod quirks;
mod relabel;

use std::time::Duration;

use bbkeys::datacenter::{DcClient, DcCredential, DcOptions, Secret};
use bbkeys::demo::datacenter::{self, DcSimOptions, DcSimulator, credentials as cred};
use bbkeys::demo::{FRESH_KEY_LINES, key_line};
use bbkeys::forge::{ForgeKind, Place};

/// A simulator with the demo data.
pub async fn dc_sim() -> DcSimulator {
    datacenter::start(DcSimOptions::default()).await.unwrap()
}

/// A simulator started with `opts`.
pub async fn dc_sim_with(opts: DcSimOptions) -> DcSimulator {
    datacenter::start(opts).await.unwrap()
}

/// Millisecond timeouts and backoff, so retry tests stay fast.
pub fn options(sim: &DcSimulator, credential: DcCredential) -> DcOptions {
    let mut o = DcOptions::new(sim.api_url(), credential);
    o.connect_timeout = Duration::from_millis(500);
    o.request_timeout = Duration::from_millis(2000);
    o.backoff_base = Duration::from_millis(2);
    o.backoff_max = Duration::from_millis(20);
    o.max_tries = 4;
    o
}

/// Basic auth as `username` with `token`.
pub fn basic(username: &str, token: &str) -> DcCredential {
    DcCredential::Basic {
        username: username.into(),
        token: Secret::new(token),
    }
}

/// Bearer with `token`.
pub fn bearer(token: &str) -> DcCredential {
    DcCredential::Bearer {
        token: Secret::new(token),
    }
}

/// The demo admin, over Basic.
pub fn admin(sim: &DcSimulator) -> DcClient {
    DcClient::new(options(sim, basic(cred::ADMIN_USERNAME, cred::ADMIN_TOKEN))).unwrap()
}

/// A client with `credential`.
pub fn as_user(sim: &DcSimulator, credential: DcCredential) -> DcClient {
    DcClient::new(options(sim, credential)).unwrap()
}

/// A repository place.
pub fn repo(p: &str, r: &str) -> Place {
    Place::Repository {
        forge: ForgeKind::DataCenter,
        owner: p.into(),
        repo: r.into(),
    }
}

/// A project place.
pub fn project(p: &str) -> Place {
    Place::Project {
        forge: ForgeKind::DataCenter,
        owner: p.into(),
        project: p.into(),
    }
}

/// A demo key line no grant uses yet.
pub fn fresh(n: usize) -> String {
    key_line(FRESH_KEY_LINES[n]).unwrap().to_string()
}

/// The requests the simulator saw, as `METHOD path?query status`.
pub fn requests(sim: &DcSimulator) -> Vec<String> {
    sim.control()
        .log()
        .iter()
        .map(|e| {
            format!(
                "{} {}?{} {}",
                e.method,
                e.path,
                e.query.clone().unwrap_or_default(),
                e.status
            )
        })
        .collect()
}

/// A raw request to the simulator, for what the client never sends (a write without the XSRF
/// header, a bad query parameter).
pub async fn raw(
    sim: &DcSimulator,
    method: reqwest::Method,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{}", sim.api_url(), path_and_query))
        .basic_auth(cred::ADMIN_USERNAME, Some(cred::ADMIN_TOKEN));
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    if let Some(b) = body {
        req = req.body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}
