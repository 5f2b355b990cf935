//! (h): Data Center, the figures of issue 21: a scan of a 1,000-repository project on the
//! simulator at 50 ms per request, with pages of the largest size the server allows, and the
//! requests one "where used" (`Forge::usage` with `UsageSearch::Lookups`, what `keys find` and
//! the TUI's `f` send) costs, and what the full walk (`--thorough`) would.

use std::time::{Duration, Instant};

use bbkeys::datacenter::{DcClient, DcCredential, DcOptions, Secret};
use bbkeys::demo::datacenter::{self, DcSimOptions, credentials as cred};
use bbkeys::forge::{Forge, UsageSearch, UsageSource};
use bbkeys::ops::scan::scan_workspace;

pub struct DcFigures {
    pub scan_wall: Duration,
    pub scan_requests: usize,
    pub listing_pages: usize,
    pub usage_requests: usize,
    pub usage_places: usize,
    pub usage_source: UsageSource,
    pub thorough_requests: usize,
    pub page_limit: u32,
}

const PROJECT: &str = "BIG";
const REPOS: usize = 1_000;

pub async fn measure(latency: Duration) -> Result<DcFigures, String> {
    let sim = datacenter::start(DcSimOptions {
        latency,
        ..DcSimOptions::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let page_limit = DcSimOptions::default().max_page_limit;
    if !sim.control().add_large_project(PROJECT, REPOS, 3) {
        return Err(format!("the simulator already has a project {PROJECT}"));
    }
    let mut o = DcOptions::new(
        sim.api_url(),
        DcCredential::Basic {
            username: cred::ADMIN_USERNAME.into(),
            token: Secret::new(cred::ADMIN_TOKEN),
        },
    );
    o.page_limit = page_limit;
    let client = DcClient::new(o).map_err(|e| e.to_string())?;
    let control = sim.control().clone();
    control.clear_log();
    let start = Instant::now();
    let scan = scan_workspace(&client, PROJECT, &|_| {})
        .await
        .map_err(|e| e.to_string())?;
    let scan_wall = start.elapsed();
    if scan.repositories.len() != REPOS {
        return Err(format!("{} repositories scanned", scan.repositories.len()));
    }
    let log = control.log();
    let scan_requests = log.len();
    let listing_pages = log
        .iter()
        .filter(|e| e.path.ends_with("/api/1.0/repos"))
        .count();
    let shared = scan
        .repo_keys
        .values()
        .filter_map(|l| l.as_ref().ok())
        .flatten()
        .find(|k| k.label == "shared-deploy")
        .map(|k| k.id)
        .ok_or("the shared key was not scanned")?;
    control.clear_log();
    let usage = client
        .usage(shared, UsageSearch::Lookups)
        .await
        .map_err(|e| e.to_string())?;
    let usage_requests = control.log().len();
    control.clear_log();
    client
        .usage(shared, UsageSearch::Thorough)
        .await
        .map_err(|e| e.to_string())?;
    let thorough_requests = control.log().len();
    sim.shutdown().await;
    Ok(DcFigures {
        scan_wall,
        scan_requests,
        listing_pages,
        usage_requests,
        usage_places: usage.places.len(),
        usage_source: usage.source,
        thorough_requests,
        page_limit,
    })
}
