//! Flow test of the workspace-wide views (issues 6 and 7): the real event loop against the
//! simulator. `R` scans, `K` lists every key, `f` shows where the focused one is held, `C`
//! shows what the credential can do.

use super::tui_harness::{simulator, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_list_all_keys_find_holders_and_check_credentials() {
    let sim = simulator().await;
    let ui = start(&sim, None);

    ui.wait_for("the repositories", |s| s.contains("Repositories ("))
        .await;
    // Before a scan the view says how to get one.
    ui.send("K");
    ui.wait_for("the hint to scan", |s| {
        s.contains("press R to scan the workspace")
    })
    .await;
    ui.send("R");
    let screen = ui
        .wait_for("the scanned keys", |s| {
            s.contains("All keys of ") && s.contains("· scanned ") && s.contains("SHA256:")
        })
        .await;
    assert!(screen.contains("Last used"), "{screen}");

    // `f` on the first row lists every place holding that key.
    ui.send("f");
    let screen = ui
        .wait_for("the holders", |s| {
            s.contains("Where is ") && s.contains("times, reaching")
        })
        .await;
    assert!(
        screen.contains("Where ") && screen.contains("Label"),
        "{screen}"
    );
    // Esc goes back to the list, a second Esc closes it.
    ui.send("\u{1b}");
    ui.wait_for("the list again", |s| s.contains("All keys of "))
        .await;
    ui.send("\u{1b}");
    ui.wait_for("the panes again", |s| !s.contains("All keys of "))
        .await;

    // `C` runs the read-only probes and shows the verdicts and the scope table.
    ui.send("C");
    let screen = ui
        .wait_for("the doctor report", |s| {
            s.contains("Operations") && s.contains("list repository keys")
        })
        .await;
    assert!(screen.contains("Credential "), "{screen}");

    ui.send("\u{1b}");
    ui.quit().await;
    sim.shutdown().await;
}
