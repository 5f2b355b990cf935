//! Flow test of the TUI on Data Center (issue 17): the real event loop on the Data Center
//! simulator, browsing a project and changing a grant's permission with `p` and `y`.

use std::sync::Arc;
use std::time::Duration;

use bbkeys::datacenter::{DcClient, DcCredential, DcOptions, Secret};
use bbkeys::demo::datacenter::{self, DcSimOptions, credentials as cred};
use bbkeys::forge::{ForgeKind, Place};
use bbkeys::tui::Services;

use super::tui_harness::{start_services, start_with};

fn dana(sim: &datacenter::DcSimulator) -> DcClient {
    let mut o = DcOptions::new(
        sim.api_url(),
        DcCredential::Basic {
            username: cred::ADMIN_USERNAME.into(),
            token: Secret::new(cred::ADMIN_TOKEN),
        },
    );
    o.backoff_base = Duration::from_millis(2);
    o.backoff_max = Duration::from_millis(20);
    DcClient::new(o).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_a_project_and_change_a_permission_with_p_and_y() {
    let sim = datacenter::start(DcSimOptions::default()).await.unwrap();
    let journal = tempfile::tempdir().unwrap();
    let ui = start_services(Services {
        forge: Arc::new(dana(&sim)),
        journal: Some(bbkeys::journal::Journal::in_dir(journal.path())),
        concurrency: 4,
    });
    let api = Place::repository(ForgeKind::DataCenter, "ACME", "api");
    let grant = |sim: &datacenter::DcSimulator| {
        sim.control()
            .dump()
            .grants_at(&api)
            .iter()
            .find(|g| g.key_id == 1)
            .map(|g| g.permission.clone())
    };
    assert_eq!(grant(&sim).as_deref(), Some("REPO_WRITE"));

    // Projects on top, ACME's repositories in the middle, api's grants with their permission.
    // The project's key shows on the repository as inherited once the project's keys arrive.
    let screen = ui
        .wait_for("ACME/api's keys", |s| {
            s.contains("Projects (") && s.contains("W ci-deploy") && s.contains("R backup-reader")
        })
        .await;
    assert!(!screen.contains("Workspaces ("), "{screen}");

    ui.send("3");
    ui.wait_for("ci-deploy focused", |s| s.contains("Label: ci-deploy"))
        .await;
    ui.send("p");
    ui.wait_for("the confirmation", |s| {
        s.contains("Change permission") && s.contains("from write to read")
    })
    .await;
    ui.send("y");
    ui.wait_for("the answer in the pane", |s| {
        s.contains("R ci-deploy") && s.contains("is now read")
    })
    .await;
    assert_eq!(grant(&sim).as_deref(), Some("REPO_READ"));
    // One request changed it: the other grants of the same key kept theirs.
    let web = Place::repository(ForgeKind::DataCenter, "ACME", "web");
    let dump = sim.control().dump();
    assert_eq!(dump.grants_at(&web)[0].permission, "REPO_READ");
    ui.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_adds_a_write_key_that_expires_in_30_days() {
    let sim = datacenter::start(DcSimOptions::default()).await.unwrap();
    let journal = tempfile::tempdir().unwrap();
    let ui = start_services(Services {
        forge: Arc::new(dana(&sim)),
        journal: Some(bbkeys::journal::Journal::in_dir(journal.path())),
        concurrency: 4,
    });
    let api = Place::repository(ForgeKind::DataCenter, "ACME", "api");
    ui.wait_for("ACME/api's keys", |s| {
        s.contains("Projects (") && s.contains("R backup-reader")
    })
    .await;
    ui.send("3a");
    ui.wait_for("the add dialog", |s| {
        s.contains("Add a key to ACME/api") && s.contains("Permission:")
    })
    .await;
    ui.paste(bbkeys::demo::key_line(30).unwrap());
    // Enter to the label, typed over the suggestion; Tab to the permission, Space for write;
    // Tab to the expiry.
    ui.send("\ndc-flow\t \t30");
    ui.wait_for("write and 30 days in the dialog", |s| {
        s.contains("(•) write") && s.contains("> 30")
    })
    .await;
    ui.send("\n");
    ui.wait_for("the key in the pane", |s| {
        s.contains("Added") && s.contains("W dc-flow")
    })
    .await;
    let dump = sim.control().dump();
    let key = dump
        .keys
        .iter()
        .find(|k| k.label == "dc-flow")
        .expect("the key entity");
    assert_eq!(key.expiry_days, Some(30));
    let grants: Vec<_> = dump
        .grants_at(&api)
        .into_iter()
        .filter(|g| g.key_id == key.id)
        .collect();
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!(grants[0].permission, "REPO_WRITE");
    ui.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p_upper_picks_another_profile_and_the_loop_ends_with_its_name() {
    use bbkeys::tui::state::profiles::ProfileChoice;
    let sim = datacenter::start(DcSimOptions::default()).await.unwrap();
    let mut state = bbkeys::tui::state::State::new(
        true,
        true,
        bbkeys::tui::keymap::Keymap::default(),
        bbkeys::tui::theme::Theme::default_colours(),
    );
    state.profiles = vec![
        ProfileChoice {
            name: "onprem".into(),
            forge: ForgeKind::DataCenter,
            current: true,
        },
        ProfileChoice {
            name: "work".into(),
            forge: ForgeKind::Cloud,
            current: false,
        },
    ];
    let ui = start_with(
        state,
        Services {
            forge: Arc::new(dana(&sim)),
            journal: None,
            concurrency: 4,
        },
    );
    ui.wait_for("the projects", |s| s.contains("Projects ("))
        .await;
    ui.send("P");
    ui.wait_for("the picker", |s| {
        s.contains("Switch profile") && s.contains("work") && s.contains("(in use)")
    })
    .await;
    ui.send("j\n");
    let outcome = tokio::time::timeout(Duration::from_secs(30), ui.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        outcome,
        bbkeys::tui::TuiOutcome::SwitchProfile("work".into())
    );
}
