//! Flow test of issue 16: find every never-used key of a workspace with the `K` query
//! `used:never`, select them with Ctrl-A, delete them with `d`, and check the simulator.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use bbkeys::tui::runloop::Input;

use super::tui_harness::{simulator, start};

/// Never-used holdings of acme that the demo person administers: (place, fingerprint).
fn never_used(sim: &bbkeys::demo::Simulator) -> Vec<(String, String)> {
    let dump = sim.control().dump();
    let ws = dump.workspaces.iter().find(|w| w.slug == "acme").unwrap();
    let mut out = Vec::new();
    for r in ws.repositories.iter().filter(|r| r.administrator) {
        for k in r.keys.iter().filter(|k| k.last_used.is_none()) {
            out.push((format!("acme/{}", r.slug), k.fingerprint.clone()));
        }
    }
    for p in ws.projects.iter().filter(|p| p.administrator) {
        for k in p.keys.iter().filter(|k| k.last_used.is_none()) {
            out.push((format!("project {}", p.key), k.fingerprint.clone()));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_every_never_used_key_from_the_all_keys_query() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let before = never_used(&sim);
    assert!(!before.is_empty(), "the demo data has never-used keys");
    let ui = start(&sim, Some(dir.path()));
    ui.wait_for("the repositories", |s| s.contains("Repositories ("))
        .await;
    ui.send("R");
    ui.send("K");
    ui.wait_for("the scanned keys", |s| {
        s.contains("All keys of ") && s.contains("· scanned ")
    })
    .await;
    ui.send("/used:never\n");
    ui.wait_for("the filtered list", |s| s.contains("/used:never"))
        .await;
    ui.tx
        .send(Input::Term(Event::Key(KeyEvent::new(
            KeyCode::Char('a'),
            KeyModifiers::CONTROL,
        ))))
        .unwrap();
    ui.wait_for("the selection", |s| s.contains("selected"))
        .await;
    ui.send("d");
    let n = before.len();
    let plan = ui
        .wait_for("the plan", |s| s.contains("Plan: ") && s.contains("About "))
        .await;
    assert!(plan.contains(&format!("{n} to delete")), "{plan}");
    // Large plans ask for the number of changes to be typed.
    if n > 5 {
        ui.send(&format!("{n}\n"));
    } else {
        ui.send("y");
    }
    let done = format!("{n} done");
    let screen = ui
        .wait_for("the job to finish", |s| s.contains(&done))
        .await;
    // The edits reach `K` without a rescan: the query matches nothing any more.
    ui.wait_for("the emptied list", |s| {
        s.contains("Nothing matches /used:never")
    })
    .await;
    assert!(!screen.contains("failed"), "{screen}");
    assert_eq!(never_used(&sim), Vec::<(String, String)>::new());
    ui.quit().await;
    sim.shutdown().await;
}
