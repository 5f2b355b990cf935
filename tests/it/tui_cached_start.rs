//! Flow test of issue 21: a start with a stored scan shows it without waiting for the server.
//! The server here holds every request until it is released, the limit of a slow server, so
//! what is on screen before the release came from the cache and nothing else.

use bbkeys::demo::{Fault, FaultAction};

use super::tui_harness::{simulator, start_cached};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_start_shows_the_stored_scan_before_the_server_answers() {
    let sim = simulator().await;
    let journal = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();

    // The first session lists the workspaces and scans acme, which stores both.
    let ui = start_cached(&sim, Some(journal.path()), Some(cache.path()));
    ui.wait_for("the repositories", |s| s.contains("Repositories ("))
        .await;
    ui.send("R");
    ui.wait_for("the scan", |s| s.contains("Scanned acme"))
        .await;
    ui.quit().await;

    // The next start meets a server that answers nothing yet.
    let hold = sim
        .control()
        .add_fault(Fault::prefix("/2.0/", FaultAction::Hang));
    let ui = start_cached(&sim, Some(journal.path()), Some(cache.path()));
    let screen = ui
        .wait_for("the cached workspaces, repositories and keys", |s| {
            s.contains("admin-dashboard") && s.contains("Fingerprint: SHA256:")
        })
        .await;
    assert!(screen.contains("Workspaces ("), "{screen}");
    assert!(screen.contains("refreshing the workspace list"), "{screen}");
    assert!(
        sim.control().hung() >= 1,
        "the live answer is still held: what is shown came from the cache"
    );

    // The live answer then refreshes the list in place; the cached rows stay.
    sim.control().remove_fault(hold);
    sim.control().release_all();
    let screen = ui
        .wait_for("the refresh to finish", |s| {
            !s.contains("refreshing the workspace list")
        })
        .await;
    assert!(screen.contains("admin-dashboard"), "{screen}");
    assert!(screen.contains("Fingerprint: SHA256:"), "{screen}");
    ui.quit().await;
    sim.shutdown().await;
}
