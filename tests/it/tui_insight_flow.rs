//! Flow test of the workspace-wide views (issues 6 and 7): the real event loop against the
//! simulator. `R` scans, `K` lists every key, `f` shows where the focused one is held, `C`
//! shows what the credential can do.

use super::tui_harness::{simulator, start, start_cached};

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

/// The first three repositories of acme, in the order the pane lists them.
const REPOS: [&str; 3] = ["admin-dashboard", "analytics-dbt", "ansible-playbooks"];

/// Opens `K` on the focused workspace, filters it by `label`, and waits for `what`.
async fn all_keys_filtered(ui: &super::tui_harness::Ui, label: &str, what: &str) -> String {
    ui.send(&format!("K/{label}\n"));
    ui.wait_for(what, |s| {
        s.contains("All keys of ") && s.contains(&format!("/{label}"))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_delete_updates_find_all_keys_and_the_cached_scan_without_a_rescan() {
    let sim = simulator().await;
    let journal = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let line = bbkeys::demo::key_line(24).unwrap();
    for repo in REPOS {
        sim.control()
            .add_key("acme", repo, line, "flow-stale")
            .unwrap();
    }
    let ui = start_cached(&sim, Some(journal.path()), Some(cache.path()));
    ui.wait_for("the keys", |s| s.contains("Fingerprint: SHA256:"))
        .await;
    ui.send("3/flow-stale\n");
    ui.wait_for("the planted key", |s| s.contains("Label: flow-stale"))
        .await;
    // `s` scans acme and selects every copy; `f` then shows all three.
    ui.send("s");
    ui.wait_for("the copies", |s| s.contains("3 keys in 3 repos selected"))
        .await;
    ui.send("f");
    ui.wait_for("three holders", |s| {
        s.contains("3 times, reaching 3 repositories")
    })
    .await;
    ui.send("\u{1b}d");
    ui.wait_for("the plan", |s| s.contains("Plan: 3 to delete"))
        .await;
    ui.send("y");
    ui.wait_for("the job to finish", |s| {
        s.contains("finished · ") && s.contains("3 done")
    })
    .await;
    ui.send("\u{1b}");
    // Without `R`, the All keys view no longer lists the deleted key.
    all_keys_filtered(&ui, "flow-stale", "the filtered list").await;
    ui.wait_for("no row left", |s| s.contains("Nothing matches /flow-stale"))
        .await;
    ui.send("\u{1b}\u{1b}");
    ui.quit().await;

    // A restart reads the cached scan: the deleted key is not in it either.
    let ui = start_cached(&sim, Some(journal.path()), Some(cache.path()));
    ui.wait_for("the keys", |s| s.contains("Fingerprint: SHA256:"))
        .await;
    all_keys_filtered(&ui, "flow-stale", "the filtered list").await;
    ui.wait_for("the cached scan, filtered", |s| {
        s.contains("· cached ") && s.contains("Nothing matches /flow-stale")
    })
    .await;
    ui.send("\u{1b}\u{1b}");
    ui.quit().await;
    sim.shutdown().await;
}
