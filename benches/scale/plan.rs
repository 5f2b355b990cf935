//! (i): keys as code at 1,000 repositories (issue 18): `plan` of a freshly exported file reads
//! only the places the file touches, so it costs the requests of a scan of them, within 1.2× of
//! the latency-bound ideal; `plan --cached` plans from the stored scan with zero requests.

use std::path::Path;
use std::time::{Duration, Instant};

use bbkeys::bitbucket::Client;
use bbkeys::bitbucket::client::{ClientOptions, Credential, Secret};
use bbkeys::demo::{self, DataSet, SimOptions, credentials};
use bbkeys::forge::ForgeKind;
use bbkeys::ops::audit::Snapshot;
use bbkeys::ops::desired::{
    Observed, export_keys_file, observe_touched, parse_keys_file, plan_desired,
};
use bbkeys::ops::scan::scan_workspace;

pub struct PlanFigures {
    pub scan_requests: usize,
    pub plan_requests: usize,
    pub plan_wall: Duration,
    pub plan_changes: usize,
    pub listing_pages: usize,
    pub concurrency: usize,
    pub cached_requests: usize,
    pub cached_wall: Duration,
    pub cached_changes: usize,
}

pub async fn measure(repos: usize, latency: Duration) -> Result<PlanFigures, String> {
    let sim = demo::start(SimOptions {
        latency,
        dataset: DataSet::Scale {
            repos,
            keys_per_repo: 3,
        },
        ..SimOptions::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let o = ClientOptions::new(
        sim.api_url(),
        Credential::ApiToken {
            email: credentials::EMAIL.into(),
            token: Secret::new(credentials::TOKEN),
        },
    );
    let concurrency = o.concurrency;
    let client = Client::new(o).map_err(|e| e.to_string())?;
    // The stored scan `plan --cached` reads, and the file `export` writes from it.
    let scan = scan_workspace(&client, "scale", &|_| {})
        .await
        .map_err(|e| e.to_string())?;
    let scan_requests = sim.control().log().len();
    let snapshot = Snapshot::from_scan(&scan, time::OffsetDateTime::now_utc());
    let mut stored = Observed::default();
    stored.add_snapshot(&snapshot);
    let (text, _) = export_keys_file(&stored, ForgeKind::Cloud);
    let path = Path::new("keys.toml");
    let file = parse_keys_file(path, &text, ForgeKind::Cloud, &|p| {
        std::fs::read_to_string(p)
    })
    .map_err(|e| format!("the exported file does not parse: {e:?}"))?;

    sim.control().clear_log();
    let start = Instant::now();
    let observed = observe_touched(&client, &file)
        .await
        .map_err(|e| e.to_string())?;
    let plan = plan_desired(&file, &observed).map_err(|e| e.join("; "))?;
    let plan_wall = start.elapsed();
    let log = sim.control().log();
    let plan_requests = log.iter().filter(|e| e.path.starts_with("/2.0/")).count();
    let listing_pages = log
        .iter()
        .filter(|e| e.path == "/2.0/repositories/scale")
        .count();

    sim.control().clear_log();
    let start = Instant::now();
    let cached = plan_desired(&file, &stored).map_err(|e| e.join("; "))?;
    let cached_wall = start.elapsed();
    let cached_requests = sim.control().log().len();
    sim.shutdown().await;
    Ok(PlanFigures {
        scan_requests,
        plan_requests,
        plan_wall,
        plan_changes: plan.changes.len(),
        listing_pages,
        concurrency,
        cached_requests,
        cached_wall,
        cached_changes: cached.changes.len(),
    })
}
