//! `f` in the TUI on Data Center (issue 17; issue 21: "where used" costs at most 2 requests):
//! the worker answers from the usage lookups on the simulator, and the real event loop shows
//! the answer without scanning the project.

use std::sync::Arc;
use std::time::Duration;

use bbkeys::datacenter::{DcClient, DcCredential, DcOptions, Secret};
use bbkeys::demo::datacenter::{self, DcSimOptions, credentials as cred};
use bbkeys::forge::{ForgeKind, Place, UsageSource};
use bbkeys::tui::Services;
use bbkeys::tui::state::insight::{InsightCommand, InsightMsg};
use bbkeys::tui::state::msg::WorkerMsg;

use super::tui_harness::start_services;

fn client(sim: &datacenter::DcSimulator, credential: DcCredential) -> DcClient {
    let mut o = DcOptions::new(sim.api_url(), credential);
    o.backoff_base = Duration::from_millis(2);
    o.backoff_max = Duration::from_millis(20);
    DcClient::new(o).unwrap()
}

fn dana(sim: &datacenter::DcSimulator) -> DcClient {
    client(
        sim,
        DcCredential::Basic {
            username: cred::ADMIN_USERNAME.into(),
            token: Secret::new(cred::ADMIN_TOKEN),
        },
    )
}

fn repo(p: &str, r: &str) -> Place {
    Place::repository(ForgeKind::DataCenter, p, r)
}

/// What the worker answers to `InsightCommand::Usage` for key `id`.
async fn worker_usage(forge: &DcClient, id: u64) -> InsightMsg {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let cmd = InsightCommand::Usage { req_id: 9, id };
    match bbkeys::tui::worker::insight::execute(forge, cmd, &tx).await {
        Some(WorkerMsg::Insight(m)) => m,
        other => panic!("not an insight answer: {other:?}"),
    }
}

#[tokio::test]
async fn the_worker_answers_f_with_the_two_usage_lookups() {
    let sim = datacenter::start(DcSimOptions::default()).await.unwrap();
    let forge = dana(&sim);
    sim.control().clear_log();
    let InsightMsg::Usage { req_id, result } = worker_usage(&forge, 1).await else {
        panic!("not a usage answer")
    };
    assert_eq!(req_id, 9);
    let usage = result.unwrap();
    assert_eq!(usage.source, UsageSource::Lookups);
    assert_eq!(
        usage.places,
        [
            repo("ACME", "api"),
            repo("ACME", "web"),
            Place::project(ForgeKind::DataCenter, "OPS", "OPS")
        ]
    );
    let mut sent: Vec<String> = sim.control().log().iter().map(|e| e.path.clone()).collect();
    sent.sort();
    assert_eq!(
        sent,
        [
            "/rest/keys/1.0/ssh/1/projects",
            "/rest/keys/1.0/ssh/1/repos"
        ]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_worker_falls_back_for_a_repository_admin_and_reports_a_refusal_typed() {
    let sim = datacenter::start(DcSimOptions::default()).await.unwrap();
    let rita = client(
        &sim,
        DcCredential::Bearer {
            token: Secret::new(cred::REPO_ADMIN_TOKEN),
        },
    );
    let InsightMsg::Usage { result, .. } = worker_usage(&rita, 1).await else {
        panic!("not a usage answer")
    };
    let usage = result.unwrap();
    assert_eq!(usage.source, UsageSource::Fallback);
    assert_eq!(usage.places, [repo("ACME", "web")]);
    let InsightMsg::Usage { result, .. } = worker_usage(&dana(&sim), 4242).await else {
        panic!("not a usage answer")
    };
    let failure = result.unwrap_err();
    assert_eq!(
        failure.cause.map(|e| e.kind),
        Some(bbkeys::forge::ForgeErrorKind::NotFound)
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f_shows_where_the_key_is_used_without_scanning_the_project() {
    let sim = datacenter::start(DcSimOptions::default()).await.unwrap();
    let journal = tempfile::tempdir().unwrap();
    let ui = start_services(Services {
        forge: Arc::new(dana(&sim)),
        journal: Some(bbkeys::journal::Journal::in_dir(journal.path())),
        concurrency: 4,
    });
    ui.wait_for("ACME/api's keys", |s| {
        s.contains("Projects (") && s.contains("W ci-deploy")
    })
    .await;
    ui.send("3");
    ui.wait_for("ci-deploy focused", |s| s.contains("Label: ci-deploy"))
        .await;
    sim.control().clear_log();
    ui.send("f");
    let screen = ui
        .wait_for("the places", |s| {
            s.contains("Where is ci-deploy used?") && s.contains("project OPS")
        })
        .await;
    assert!(screen.contains("ACME/web"), "{screen}");
    assert!(
        screen.contains("limited to what this credential may see"),
        "{screen}"
    );
    let sent: Vec<String> = sim.control().log().iter().map(|e| e.path.clone()).collect();
    let lookups = sent
        .iter()
        .filter(|p| p.starts_with("/rest/keys/1.0/ssh/1/"))
        .count();
    assert_eq!(lookups, 2, "{sent:?}");
    // A scan would list the keys of the repositories not browsed yet; the panes' own loads
    // of what is on screen may still be in flight, so only those are checked.
    for unbrowsed in ["billing", "legacy"] {
        let listing = format!("/rest/keys/1.0/projects/ACME/repos/{unbrowsed}/ssh");
        assert!(!sent.contains(&listing), "a scan ran: {sent:?}");
    }
    ui.quit().await;
}
