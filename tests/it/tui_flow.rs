//! Flow test (design.md §4, layer 4): the real event loop, keys injected, the simulator
//! behind the worker, the screen read from a `TestBackend` after every frame.

use super::tui_harness::{simulator, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_to_a_repository_see_its_keys_filter_and_quit() {
    let sim = simulator().await;
    let journal = tempfile::tempdir().unwrap();
    let ui = start(&sim, Some(journal.path()));

    ui.wait_for("the repositories", |s| {
        s.contains("Repositories (") && s.contains("DEMO")
    })
    .await;
    // Down into the repositories, one row further, and wait for that repository's keys.
    ui.send("2j");
    let screen = ui
        .wait_for("a focused key", |s| s.contains("Fingerprint: SHA256:"))
        .await;
    assert!(screen.contains("Access keys ("), "{screen}");

    // The filter narrows the key list as it is typed, and Esc brings everything back.
    ui.send("3/zz-no-such-key");
    ui.wait_for("the filter to empty the list", |s| {
        s.contains("Nothing matches /zz-no-such-key")
    })
    .await;
    ui.send("\u{1b}");
    ui.wait_for("the keys to come back", |s| {
        s.contains("Fingerprint: SHA256:")
    })
    .await;

    // y copies the focused key's fingerprint.
    ui.send("y");
    ui.wait_for("the copy message", |s| s.contains("Copied the fingerprint"))
        .await;
    assert!(
        ui.host
            .copied
            .lock()
            .unwrap()
            .first()
            .is_some_and(|c| c.starts_with("SHA256:"))
    );
    ui.quit().await;
    sim.shutdown().await;
}

/// Issue 14, item 9: one Esc never drops a selection, and `u` brings a cleared one back; the
/// messages saying so stay readable in the log (`m`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esc_asks_before_clearing_a_selection_and_u_restores_it() {
    let sim = simulator().await;
    let journal = tempfile::tempdir().unwrap();
    let ui = start(&sim, Some(journal.path()));
    ui.wait_for("the repositories", |s| {
        s.contains("Repositories (") && s.contains("DEMO")
    })
    .await;
    ui.send("2  ");
    ui.wait_for("two selected repositories", |s| {
        s.contains("2 repos selected")
    })
    .await;
    ui.send("\u{1b}");
    let screen = ui
        .wait_for("the question", |s| {
            s.contains("Esc again clears the selection of 2 repositories")
        })
        .await;
    assert!(screen.contains("2 repos selected"), "{screen}");
    ui.send("\u{1b}");
    let screen = ui
        .wait_for("the selection cleared", |s| {
            s.contains("Cleared the selection of 2 repositories")
        })
        .await;
    assert!(!screen.contains("repos selected"), "{screen}");
    ui.send("u");
    ui.wait_for("the selection back", |s| {
        s.contains("Restored the selection of 2 repositories") && s.contains("2 repos selected")
    })
    .await;
    ui.send("m");
    ui.wait_for("the message log", |s| {
        s.contains("Messages (") && s.contains("Esc again clears the selection of 2 repositories")
    })
    .await;
    ui.send("\u{1b}");
    ui.wait_for("the panes again", |s| s.contains("Repositories ("))
        .await;
    ui.quit().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cursor_follows_a_relabelled_key_to_its_new_id() {
    let sim = simulator().await;
    let journal = tempfile::tempdir().unwrap();
    for (n, label) in [(24, "flow-first"), (25, "flow-second")] {
        let line = bbkeys::demo::key_line(n).unwrap();
        sim.control()
            .add_key("acme", "admin-dashboard", line, label)
            .unwrap();
    }
    let ui = start(&sim, Some(journal.path()));
    ui.wait_for("the keys", |s| s.contains("Fingerprint: SHA256:"))
        .await;
    ui.send("3/flow-\n");
    ui.wait_for("the first planted key", |s| s.contains("Label: flow-first"))
        .await;
    // Relabelling deletes and re-adds the key: it comes back with a new id, listed last.
    ui.send("eX\ny");
    ui.wait_for("the relabel", |s| s.contains("Relabelled the key"))
        .await;
    ui.wait_for("the cursor on the relabelled key", |s| {
        s.contains("Label: flow-firstX")
    })
    .await;
    // So `d` acts on that key, not on the one that took its row.
    ui.send("d");
    let screen = ui
        .wait_for("the delete confirmation", |s| s.contains("Delete key"))
        .await;
    assert!(screen.contains("Label       flow-firstX"), "{screen}");
    ui.send("n");
    ui.quit().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_key_held_under_another_label_offers_to_relabel_it() {
    let sim = simulator().await;
    let journal = tempfile::tempdir().unwrap();
    let line = bbkeys::demo::key_line(24).unwrap();
    sim.control()
        .add_key("acme", "admin-dashboard", line, "flow-old")
        .unwrap();
    let ui = start(&sim, Some(journal.path()));
    ui.wait_for("the keys", |s| s.contains("Fingerprint: SHA256:"))
        .await;
    ui.send("3a");
    ui.wait_for("the add dialog", |s| s.contains("Add a key to"))
        .await;
    ui.paste(line);
    ui.send("\nflow-new\n");
    let screen = ui
        .wait_for("the offer to relabel", |s| {
            s.contains("Already there under another label")
        })
        .await;
    assert!(
        screen.contains("with the label 'flow-old'") && screen.contains("'flow-new'"),
        "{screen}"
    );
    ui.send("y");
    ui.wait_for("the relabel", |s| s.contains("Relabelled the key"))
        .await;
    let labels: Vec<String> = sim
        .control()
        .keys_of("acme", "admin-dashboard")
        .into_iter()
        .map(|k| k.label)
        .filter(|l| l.starts_with("flow-"))
        .collect();
    assert_eq!(labels, ["flow-new"]);
    ui.quit().await;
    sim.shutdown().await;
}
