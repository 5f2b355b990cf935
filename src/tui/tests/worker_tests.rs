//! The worker runs on whichever forge the caller hands it: the Cloud client, the Data Center
//! adapter, or, here, the in-memory forge, with no HTTP at all.

use std::sync::Arc;

use crate::forge::memory::MemoryForge;
use crate::forge::{Caps, ForgeKind};
use crate::tui::Services;
use crate::tui::state::msg::{Command, WorkerMsg};
use crate::tui::worker;

#[tokio::test]
async fn the_worker_answers_from_the_forge_it_is_given_and_counts_its_budget() {
    let forge = Arc::new(
        MemoryForge::new(ForgeKind::DataCenter, Caps::default()).with_repo("acme", "api", None),
    );
    let services = Services {
        forge: forge.clone(),
        journal: None,
        concurrency: 1,
    };
    let (cmd_tx, cmd_rx) = tokio::sync::mpsc::unbounded_channel();
    let (msg_tx, mut msg_rx) = tokio::sync::mpsc::unbounded_channel();
    let running = tokio::spawn(worker::run(services, cmd_rx, msg_tx));
    cmd_tx
        .send(Command::LoadRepos {
            req_id: 7,
            ws: "acme".into(),
        })
        .unwrap();
    let Some(WorkerMsg::Repos { req_id, ws, result }) = msg_rx.recv().await else {
        panic!("no repositories answer");
    };
    assert_eq!((req_id, ws.as_str()), (7, "acme"));
    let slugs: Vec<String> = result.unwrap().into_iter().map(|r| r.slug).collect();
    assert_eq!(slugs, ["api"]);
    // The request count comes from the forge's budget, whatever the forge.
    assert_eq!(
        msg_rx.recv().await,
        Some(WorkerMsg::RequestCount(forge.requests()))
    );
    assert!(forge.requests() > 0);
    drop(cmd_tx);
    running.await.unwrap();
}
