//! The Drift view on the simulator: a keys file, `R` to store a scan, `D` to see the drift,
//! Enter to apply through the plan dialog, and the simulator holding what the file declares.

use super::tui_harness::{simulator, start_desired};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d_shows_the_drift_of_an_edited_keys_file_and_applies_it() {
    let sim = simulator().await;
    let journal = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let old = bbkeys::demo::key_line(24).unwrap();
    let new = bbkeys::demo::key_line(25).unwrap();
    sim.control()
        .add_key("acme", "admin-dashboard", old, "drift-old")
        .unwrap();
    let file = dir.path().join("keys.toml");
    let write = |label: &str| {
        let text = format!(
            "[[key]]\nname = \"old\"\npublic_key = \"{old}\"\nlabel = \"{label}\"\nrepos = [\"acme/admin-dashboard\"]\n\n[[key]]\nname = \"new\"\npublic_key = \"{new}\"\nlabel = \"drift-new\"\nrepos = [\"acme/admin-dashboard\"]\n"
        );
        std::fs::write(&file, text).unwrap();
    };
    // The file as it was: the old key under its label, so only the new key is missing.
    write("drift-old");
    let ui = start_desired(
        &sim,
        Some(journal.path()),
        Some(cache.path()),
        Some(file.as_path()),
    );
    ui.wait_for("the repositories", |s| s.contains("Repositories ("))
        .await;
    // Without a stored scan the view asks for one.
    ui.send("D");
    ui.wait_for("the hint to scan", |s| s.contains("No stored scan of acme"))
        .await;
    ui.send("\u{1b}R");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_dir(cache.path()).unwrap().next().is_none() {
        assert!(std::time::Instant::now() < deadline, "no scan was stored");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The edit: the old key gets a new label.
    write("drift-renamed");
    ui.send("D");
    // A file in the cache folder may still be the scan being written: plan again until the
    // stored scan is there.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let screen = loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let screen = ui.host.screen.lock().unwrap().clone();
        if screen.contains("2 changes from the stored scan") {
            break screen;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no drift shown:\n{screen}"
        );
        ui.send("r");
    };
    assert!(
        screen.contains("+   acme/admin-dashboard  add new as \"drift-new\""),
        "{screen}"
    );
    assert!(
        screen.contains("-/+ acme/admin-dashboard  relabel old \"drift-old\" → \"drift-renamed\""),
        "{screen}"
    );
    ui.send("\n");
    ui.wait_for("the plan", |s| s.contains("Plan:")).await;
    ui.send("y");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while sim.control().keys_of("acme", "admin-dashboard").len() < 2 {
        let screen = ui.host.screen.lock().unwrap().clone();
        assert!(
            std::time::Instant::now() < deadline,
            "not applied:\n{screen}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    ui.wait_for("the job to finish", |s| s.contains("2 done"))
        .await;
    let held = sim.control().keys_of("acme", "admin-dashboard");
    let label_of = |line: &str| {
        let blob: Vec<&str> = line.split_whitespace().take(2).collect();
        let blob = blob.join(" ");
        held.iter()
            .filter(|k| k.key == blob)
            .map(|k| k.label.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(label_of(old), vec!["drift-renamed".to_string()]);
    assert_eq!(label_of(new), vec!["drift-new".to_string()]);
    // The stored scan took the job's edits: planning again shows no drift.
    // The cache is updated by a worker task of its own, so plan again until it has been.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        ui.send("r");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let screen = ui.host.screen.lock().unwrap().clone();
        if screen.contains("No drift") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still drifting:\n{screen}"
        );
    }
    ui.quit().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_place_changed_since_the_scan_is_read_again_and_nothing_is_written() {
    let sim = simulator().await;
    let journal = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let old = bbkeys::demo::key_line(26).unwrap();
    let new = bbkeys::demo::key_line(27).unwrap();
    let planted = sim
        .control()
        .add_key("acme", "admin-dashboard", old, "drift-old")
        .unwrap();
    let before = sim.control().keys_of("acme", "admin-dashboard");
    let file = dir.path().join("keys.toml");
    std::fs::write(
        &file,
        format!(
            "[[key]]\nname = \"old\"\npublic_key = \"{old}\"\nlabel = \"drift-renamed\"\nrepos = [\"acme/admin-dashboard\"]\n\n[[key]]\nname = \"new\"\npublic_key = \"{new}\"\nlabel = \"drift-new\"\nrepos = [\"acme/admin-dashboard\"]\n"
        ),
    )
    .unwrap();
    let ui = start_desired(
        &sim,
        Some(journal.path()),
        Some(cache.path()),
        Some(file.as_path()),
    );
    ui.wait_for("the repositories", |s| s.contains("Repositories ("))
        .await;
    ui.send("R");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_dir(cache.path()).unwrap().next().is_none() {
        assert!(std::time::Instant::now() < deadline, "no scan was stored");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    ui.send("D");
    // As above: plan again until the stored scan is complete.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let screen = ui.host.screen.lock().unwrap().clone();
        if screen.contains("2 changes from the stored scan") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no drift shown:\n{screen}"
        );
        ui.send("r");
    }
    // Someone removes the key to relabel after the scan: the stored scan no longer holds.
    sim.control()
        .remove_key("acme", "admin-dashboard", planted.id)
        .unwrap();
    ui.send("\n");
    let screen = ui
        .wait_for("the refusal", |s| s.contains("Nothing was applied"))
        .await;
    assert!(screen.contains("no longer there"), "{screen}");
    // Nothing was added: the re-read came before any write.
    let after = sim.control().keys_of("acme", "admin-dashboard");
    assert_eq!(after.len(), before.len() - 1, "{after:?}");
    assert!(after.iter().all(|k| k.label != "drift-new"), "{after:?}");
    ui.quit().await;
    sim.shutdown().await;
}
