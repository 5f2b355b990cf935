//! The fault suite (issue 9): a workspace scan against a simulator that misbehaves the way
//! gateways, networks and hostile admins do. What must hold every time:
//!
//! - the scan completes, and every repository or project reads exactly what a fault-free scan
//!   reads (itself checked against the simulator's own state), or carries an `ApiError` whose
//!   sentence names it;
//! - nothing panics;
//! - no request reaches another origin (a second simulator stands in for it and must log
//!   nothing);
//! - no escape sequence or control character from server text reaches a terminal: the CLI's
//!   bytes are checked here, the TUI's cells in `faults/hostile_text.rs`.
//!
//! Timeouts and backoff are milliseconds, and probabilistic faults draw from the simulator's
//! seeded generator, so the suite is fast and its faults repeat.

mod hostile_text;

use std::collections::BTreeMap;
use std::time::Duration;

use bbkeys::bitbucket::{ApiErrorKind, Client};
use bbkeys::demo::{self, Fault, FaultAction, SimOptions, Simulator, StateDump};
use bbkeys::forge::{AccessKey, ForgeError};
use bbkeys::ops::scan::{WorkspaceScan, scan_workspace};

use crate::common::*;

/// A key holding as the scan reports it: id, key text, label.
type Holding = (u64, String, Option<String>);

/// Per repository (`repo:<slug>`) and project (`project:<KEY>`): the keys, or the error kind.
type Outcomes = BTreeMap<String, Result<Vec<Holding>, ApiErrorKind>>;

fn holdings(keys: &[AccessKey]) -> Vec<Holding> {
    let mut out: Vec<Holding> = keys
        .iter()
        .map(|k| (k.id, k.key.to_string(), k.label().map(String::from)))
        .collect();
    out.sort();
    out
}

/// The Cloud error kind a forge error came from (its code is the wire kind's name).
fn kind_of(e: &ForgeError) -> ApiErrorKind {
    serde_json::from_value(serde_json::Value::from(e.code()))
        .unwrap_or_else(|_| panic!("{} is not a Cloud error kind", e.code()))
}

fn outcomes(scan: &WorkspaceScan) -> Outcomes {
    let one =
        |r: &Result<Vec<AccessKey>, ForgeError>| r.as_ref().map(|k| holdings(k)).map_err(kind_of);
    let repos = scan
        .repo_keys
        .iter()
        .map(|(s, r)| (format!("repo:{s}"), one(r)));
    let projects = scan
        .project_keys
        .iter()
        .map(|(p, r)| (format!("project:{p}"), one(r)));
    repos.chain(projects).collect()
}

/// What the simulator holds for `ws`, in the same shape (admin repositories and projects).
fn expected(dump: &StateDump, ws: &str) -> Outcomes {
    let w = dump.workspace(ws).unwrap();
    let one = |keys: &[demo::KeyDump]| {
        let mut v: Vec<Holding> = keys
            .iter()
            .map(|k| (k.id, k.key.clone(), Some(k.label.clone())))
            .collect();
        v.sort();
        v
    };
    let repos = w
        .repositories
        .iter()
        .filter(|r| r.administrator)
        .map(|r| (format!("repo:{}", r.slug), Ok(one(&r.keys))));
    let projects = w.projects.iter().map(|p| {
        let out = if p.administrator {
            Ok(one(&p.keys))
        } else {
            Err(ApiErrorKind::Forbidden)
        };
        (format!("project:{}", p.key), out)
    });
    repos.chain(projects).collect()
}

/// Options for a hostile server: short timeouts, millisecond backoff, more tries than the
/// default so a 20% failure rate rarely exhausts them.
fn options(sim: &Simulator, tries: u32, timeout_ms: u64) -> Client {
    let mut o = fast_options(sim, full());
    o.max_tries = tries;
    o.request_timeout = Duration::from_millis(timeout_ms);
    Client::new(o).unwrap()
}

async fn scan(client: &Client, ws: &str) -> Result<WorkspaceScan, ForgeError> {
    scan_workspace(client, ws, &|_| {}).await
}

/// The sentence says what could not be read, and is fit for a terminal.
fn assert_clear(e: &ForgeError, target: &str) {
    let s = e.to_string();
    assert!(s.contains(target), "the sentence must name {target}: {s}");
    assert!(s.len() > 40, "a sentence, not a code: {s}");
    hostile_text::assert_terminal_safe(s.as_bytes(), "an error sentence");
}

/// Every item the faulty scan read equals the fault-free result; every item it could not read
/// has an error of an expected kind and a clear sentence. Returns how many failed.
fn check_against(scan: &WorkspaceScan, want: &Outcomes, allowed: &[ApiErrorKind]) -> usize {
    let got = outcomes(scan);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "every repository and project is in the scan"
    );
    let mut failed = 0;
    for (name, outcome) in &got {
        match (outcome, &want[name]) {
            (Ok(keys), Ok(w)) => assert_eq!(keys, w, "{name} read wrong data"),
            (Err(kind), Ok(_)) => {
                assert!(allowed.contains(kind), "{name}: unexpected {kind:?}");
                failed += 1;
            }
            (o, w) => assert_eq!(o, w, "{name}"),
        }
    }
    for (slug, r) in &scan.repo_keys {
        if let Err(e) = r {
            assert_clear(e, &format!("{}/{slug}", scan.workspace));
        }
    }
    failed
}

#[tokio::test]
async fn a_fault_free_scan_matches_the_simulator() {
    let sim = sim().await;
    let c = client(&sim);
    for ws in ["acme", "globex"] {
        let s = scan(&c, ws).await.unwrap();
        assert_eq!(outcomes(&s), expected(&sim.control().dump(), ws), "{ws}");
    }
}

/// 20% of GETs get a gateway's HTML page: 429, 502 or 503 in equal parts.
fn flaky_gateways(sim: &Simulator) -> Vec<u64> {
    // Rules are tried in order, so each later rule sees only what the earlier ones let
    // through: 1/15, then 1/14, then 1/13 gives 1 - (14/15 · 13/14 · 12/13) = 20% in all,
    // a third of it for each status.
    [(429, 1.0 / 15.0), (502, 1.0 / 14.0), (503, 1.0 / 13.0)]
        .into_iter()
        .map(|(status, p)| {
            sim.control().add_fault(
                Fault::prefix("/2.0/", FaultAction::html(status))
                    .method("GET")
                    .probability(p),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_fifth_of_reads_failing_with_html_still_gives_correct_data() {
    let sim = demo::start(SimOptions {
        seed: 9,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let want = expected(&sim.control().dump(), "acme");
    let ids = flaky_gateways(&sim);
    let c = options(&sim, 6, 1500);
    let s = scan(&c, "acme").await.unwrap();
    let failed = check_against(
        &s,
        &want,
        &[ApiErrorKind::RateLimited, ApiErrorKind::Server],
    );
    // Six tries at 20% leave about one read in 15,000 unread: normally none.
    assert!(failed <= 1, "{failed} items unread");
    let fired: Vec<u64> = sim.control().faults().iter().map(|f| f.fired).collect();
    assert_eq!(ids.len(), 3);
    assert!(
        fired.iter().all(|n| *n > 0),
        "each status was served: {fired:?}"
    );
    let total = sim.control().log().len() as f64;
    let share = fired.iter().sum::<u64>() as f64 / total;
    assert!((0.1..0.3).contains(&share), "about 20% failed: {share}");
}

#[tokio::test]
async fn reads_that_never_succeed_are_reported_per_repository() {
    let sim = sim().await;
    let want = expected(&sim.control().dump(), "acme");
    for (repo, status) in [("api", 503), ("docs-site", 429), ("sandbox", 502)] {
        sim.control().add_fault(Fault::prefix(
            &format!("/2.0/repositories/acme/{repo}/deploy-keys"),
            FaultAction::html(status),
        ));
    }
    let s = scan(&options(&sim, 3, 1500), "acme").await.unwrap();
    let failed = check_against(
        &s,
        &want,
        &[ApiErrorKind::RateLimited, ApiErrorKind::Server],
    );
    assert_eq!(failed, 3);
    let sentence = s.repo_keys["api"].as_ref().unwrap_err().to_string();
    assert!(sentence.contains("server error (503)"), "{sentence}");
    assert!(
        !sentence.contains("<html"),
        "no HTML in the sentence: {sentence}"
    );
}

#[tokio::test]
async fn dropped_connections_and_stalls_are_retried_or_reported() {
    let sim = demo::start(SimOptions {
        seed: 17,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let want = expected(&sim.control().dump(), "acme");
    let keys = "/2.0/repositories/*/*/deploy-keys";
    let ctl = sim.control();
    // One repository never answers in time; three other reads stall once.
    ctl.add_fault(Fault::prefix(
        "/2.0/repositories/acme/etl-jobs/deploy-keys",
        FaultAction::Delay { ms: 60_000 },
    ));
    ctl.add_fault(Fault::glob(keys, FaultAction::Delay { ms: 60_000 }).times(3));
    ctl.add_fault(Fault::glob(keys, FaultAction::DropMidBody { bytes: 25 }).probability(0.25));
    ctl.add_fault(Fault::glob(keys, FaultAction::CloseBeforeHeaders).probability(0.15));
    let s = scan(&options(&sim, 6, 400), "acme").await.unwrap();
    let allowed = [
        ApiErrorKind::Network,
        ApiErrorKind::Timeout,
        ApiErrorKind::Decode,
    ];
    let failed = check_against(&s, &want, &allowed);
    assert!((1..=2).contains(&failed), "{failed} unread");
    let e = s.repo_keys["etl-jobs"].as_ref().unwrap_err();
    assert_eq!(kind_of(e), ApiErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("did not answer in time"), "{e}");
    assert!(
        ctl.faults().iter().all(|f| f.fired > 0),
        "{:?}",
        ctl.faults()
    );
}

#[tokio::test]
async fn malformed_and_truncated_json_fail_only_their_repository() {
    let sim = sim().await;
    let want = expected(&sim.control().dump(), "acme");
    let ctl = sim.control();
    ctl.add_fault(Fault::prefix(
        "/2.0/repositories/acme/api/deploy-keys",
        FaultAction::malformed_json(),
    ));
    // The 27 keys of platform-monorepo come in pages: the second page is cut in half.
    ctl.add_fault(Fault::prefix(
        "/2.0/repositories/acme/platform-monorepo/deploy-keys",
        FaultAction::TruncateJson,
    ));
    ctl.add_fault(Fault::prefix(
        "/2.0/workspaces/acme/projects/OPS/deploy-keys",
        FaultAction::TruncateJson,
    ));
    let s = scan(&client(&sim), "acme").await.unwrap();
    assert_eq!(check_against(&s, &want, &[ApiErrorKind::Decode]), 3);
    let e = s.repo_keys["api"].as_ref().unwrap_err();
    assert!(e.to_string().contains("could not be read"), "{e}");

    // When the repository listing itself is broken there is nothing to scan: one error.
    ctl.clear_faults();
    ctl.add_fault(Fault::prefix("/2.0/repositories/acme", FaultAction::TruncateJson).once());
    let e = scan(&client(&sim), "acme").await.unwrap_err();
    assert_eq!(kind_of(&e), ApiErrorKind::Decode);
    assert_clear(&e, "acme");
}

#[tokio::test]
async fn no_credential_follows_a_foreign_link_or_redirect() {
    let sim = sim().await;
    let foreign = demo::start(SimOptions::default()).await.unwrap();
    let want = expected(&sim.control().dump(), "acme");
    let ctl = sim.control();
    ctl.add_fault(Fault::prefix(
        "/2.0/repositories/acme/api/deploy-keys",
        FaultAction::ForeignNext {
            origin: foreign.base_url(),
        },
    ));
    // Same host and port, other scheme: still another origin.
    ctl.add_fault(Fault::prefix(
        "/2.0/repositories/acme/auth-service/deploy-keys",
        FaultAction::ForeignNext {
            origin: sim.base_url().replace("http://", "https://"),
        },
    ));
    for (repo, status) in [("docs-site", 302), ("sandbox", 307), ("etl-jobs", 308)] {
        ctl.add_fault(Fault::prefix(
            &format!("/2.0/repositories/acme/{repo}/deploy-keys"),
            FaultAction::Redirect {
                status,
                location: format!("{}/repositories/acme/{repo}/deploy-keys", foreign.api_url()),
            },
        ));
    }
    ctl.add_fault(Fault::prefix(
        "/2.0/workspaces/acme/projects",
        FaultAction::Redirect {
            status: 301,
            location: format!("{}/workspaces/acme/projects", foreign.api_url()),
        },
    ));
    let s = scan(&client(&sim), "acme").await.unwrap();
    // The project listing was redirected away, so no project was scanned.
    let e = s.projects_error.as_ref().unwrap();
    assert_eq!(kind_of(e), ApiErrorKind::Refused, "{e}");
    let want: Outcomes = want
        .into_iter()
        .filter(|(k, _)| k.starts_with("repo:"))
        .collect();
    assert_eq!(check_against(&s, &want, &[ApiErrorKind::Refused]), 5);
    assert!(
        s.repo_keys["api"]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("another origin"),
        "the sentence says why"
    );
    assert!(
        foreign.control().log().is_empty(),
        "the foreign origin saw requests: {:?}",
        foreign.control().log()
    );
    assert!(
        ctl.log().iter().all(|l| l.principal.is_some()),
        "only the API origin got requests, all with the credential"
    );
}
