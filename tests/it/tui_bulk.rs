//! Flow tests of bulk delete, add, relabel and rotate, and of the recovery dialog, on the
//! real loop against the simulator. Faults refuse some repositories: the others succeed and
//! the failures are reported in the jobs view.

use bbkeys::demo::{Fault, FaultAction, Simulator};
use bbkeys::forge::{ForgeKind, Place};
use bbkeys::journal::{Intent, IntentRecord, Journal, Step};
use bbkeys::sshkey::PublicKey;

use super::tui_harness::{Ui, simulator, start};

/// The first three repositories of acme, in the order the pane lists them.
const REPOS: [&str; 3] = ["admin-dashboard", "analytics-dbt", "ansible-playbooks"];

fn line(n: usize) -> &'static str {
    bbkeys::demo::key_line(n).unwrap()
}

fn fp(n: usize) -> String {
    PublicKey::from_server(line(n))
        .unwrap()
        .fingerprint()
        .to_string()
}

/// The label of key `n` on acme/`repo`, if it is there.
fn label_on(sim: &Simulator, repo: &str, n: usize) -> Option<String> {
    sim.control()
        .keys_of("acme", repo)
        .into_iter()
        .find(|k| k.fingerprint == fp(n))
        .map(|k| k.label)
}

fn refuse(sim: &Simulator, method: &str, repo: &str) {
    sim.control().add_fault(
        Fault::prefix(
            &format!("/2.0/repositories/acme/{repo}/deploy-keys"),
            FaultAction::json_error(403, "You do not have admin access to this repository"),
        )
        .method(method),
    );
}

/// Plants key `n` as `label` on the three repositories, opens the UI, focuses the key on
/// acme/admin-dashboard and selects every copy with `s` (which scans acme first).
async fn select_planted(sim: &Simulator, dir: &std::path::Path, n: usize, label: &str) -> Ui {
    for repo in REPOS {
        sim.control().add_key("acme", repo, line(n), label).unwrap();
    }
    let ui = start(sim, Some(dir));
    ui.wait_for("acme/api's keys", |s| s.contains("Fingerprint: SHA256:"))
        .await;
    ui.send(&format!("3/{label}\n"));
    ui.wait_for("the planted key", |s| {
        s.contains(&format!("Label: {label}"))
    })
    .await;
    ui.send("s");
    ui.wait_for("the copies", |s| s.contains("3 keys in 3 repos selected"))
        .await;
    ui
}

async fn apply_and_finish(ui: &Ui, answer: &str) -> String {
    ui.wait_for("the plan", |s| s.contains("Plan: ") && s.contains("About "))
        .await;
    ui.send(answer);
    ui.wait_for("the job to finish", |s| s.contains("finished · "))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_reports_the_refused_repository_and_retries_it() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let ui = select_planted(&sim, dir.path(), 24, "flow-delete").await;
    refuse(&sim, "DELETE", "ansible-playbooks");
    ui.send("d");
    let screen = apply_and_finish(&ui, "y").await;
    assert!(screen.contains("2 done, 1 failed"), "{screen}");
    assert!(
        screen.contains("failed") && screen.contains("acme/ansible-playbooks"),
        "{screen}"
    );
    assert_eq!(label_on(&sim, "admin-dashboard", 24), None);
    assert_eq!(label_on(&sim, "analytics-dbt", 24), None);
    assert_eq!(
        label_on(&sim, "ansible-playbooks", 24).as_deref(),
        Some("flow-delete")
    );
    // Retry only the failure once the refusal is gone.
    sim.control().clear_faults();
    ui.send("r");
    ui.wait_for("the retry plan", |s| s.contains("Plan: 1 to delete"))
        .await;
    ui.send("y");
    ui.wait_for("the retry to finish", |s| s.contains("1/1 · 1 done"))
        .await;
    assert_eq!(label_on(&sim, "ansible-playbooks", 24), None);
    ui.quit().await;
    sim.shutdown().await;
}

/// A delete whose outcome is unknown (503 on every try) leaves its entry pending; once `r`
/// retries it successfully, nothing of it is pending any more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_that_succeeds_closes_the_failed_entry() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let ui = select_planted(&sim, dir.path(), 27, "flow-unknown").await;
    sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme/ansible-playbooks/deploy-keys/",
            FaultAction::html(503),
        )
        .method("DELETE"),
    );
    ui.send("d");
    let screen = apply_and_finish(&ui, "y").await;
    assert!(screen.contains("2 done, 1 failed"), "{screen}");
    let journal = Journal::in_dir(dir.path());
    assert!(
        !journal.outstanding().unwrap().is_empty(),
        "the unknown outcome is pending"
    );
    sim.control().clear_faults();
    ui.send("r");
    ui.wait_for("the retry plan", |s| s.contains("Plan: 1 to delete"))
        .await;
    ui.send("y");
    ui.wait_for("the retry to finish", |s| s.contains("1/1 · 1 done"))
        .await;
    assert_eq!(label_on(&sim, "ansible-playbooks", 27), None);
    let left = journal.outstanding().unwrap();
    assert!(
        left.is_empty(),
        "still pending after a successful retry: {:?}",
        left.all().iter().map(|f| f.describe()).collect::<Vec<_>>()
    );
    ui.quit().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_reads_the_keys_again_and_applies_nothing_already_settled() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let ui = select_planted(&sim, dir.path(), 26, "flow-retry").await;
    refuse(&sim, "DELETE", "analytics-dbt");
    ui.send("d");
    let screen = apply_and_finish(&ui, "y").await;
    assert!(screen.contains("2 done, 1 failed"), "{screen}");
    // Someone removes the refused copy by hand before the retry.
    sim.control().clear_faults();
    let id = sim
        .control()
        .keys_of("acme", "analytics-dbt")
        .into_iter()
        .find(|k| k.fingerprint == fp(26))
        .map(|k| k.id)
        .unwrap();
    sim.control()
        .remove_key("acme", "analytics-dbt", id)
        .unwrap();
    sim.control().clear_log();
    ui.send("r");
    let screen = ui
        .wait_for("the retry plan read afresh", |s| {
            s.contains("Plan: no changes") && s.contains("not found (nothing to do)")
        })
        .await;
    assert!(screen.contains("acme/analytics-dbt"), "{screen}");
    // It read the keys of that one repository, and changed nothing.
    let log = sim.control().log();
    assert!(
        log.iter()
            .any(|e| e.method == "GET" && e.path.ends_with("/analytics-dbt/deploy-keys")),
        "{log:?}"
    );
    assert!(log.iter().all(|e| e.method == "GET"), "{log:?}");
    ui.quit().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_add_to_selected_repositories_with_one_already_present_and_one_refused() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    sim.control()
        .add_key("acme", "analytics-dbt", line(25), "there-already")
        .unwrap();
    refuse(&sim, "POST", "ansible-playbooks");
    let ui = start(&sim, Some(dir.path()));
    ui.wait_for("acme/api's keys", |s| s.contains("Fingerprint: SHA256:"))
        .await;
    // The repositories cursor opens on the first repository: select it and the next two.
    ui.send("2   ");
    ui.wait_for("three repositories", |s| s.contains("3 repos selected"))
        .await;
    ui.send("a");
    ui.wait_for("the add dialog", |s| s.contains("Add a key to 3 selected"))
        .await;
    ui.paste(line(25));
    ui.wait_for("the fingerprint", |s| s.contains(&fp(25)))
        .await;
    ui.send("\nflow-add\n");
    let screen = apply_and_finish(&ui, "y").await;
    assert!(screen.contains("1 done, 1 failed"), "{screen}");
    assert_eq!(
        label_on(&sim, "admin-dashboard", 25).as_deref(),
        Some("flow-add")
    );
    assert_eq!(
        label_on(&sim, "analytics-dbt", 25).as_deref(),
        Some("there-already")
    );
    assert_eq!(label_on(&sim, "ansible-playbooks", 25), None);
    ui.quit().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_relabel_with_a_template_skips_a_refused_repository() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let ui = select_planted(&sim, dir.path(), 26, "flow-relabel").await;
    // The delete step is refused on auth-service: nothing changes there.
    refuse(&sim, "DELETE", "ansible-playbooks");
    ui.send("e");
    ui.send("{repo}-deploy\n");
    let screen = apply_and_finish(&ui, "y").await;
    assert!(screen.contains("2 done, 1 failed"), "{screen}");
    assert_eq!(
        label_on(&sim, "admin-dashboard", 26).as_deref(),
        Some("admin-dashboard-deploy")
    );
    assert_eq!(
        label_on(&sim, "analytics-dbt", 26).as_deref(),
        Some("analytics-dbt-deploy")
    );
    assert_eq!(
        label_on(&sim, "ansible-playbooks", 26).as_deref(),
        Some("flow-relabel")
    );
    ui.quit().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_replaces_the_key_where_the_new_one_can_be_added() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let ui = select_planted(&sim, dir.path(), 27, "flow-rotate").await;
    refuse(&sim, "POST", "ansible-playbooks");
    ui.send("o");
    ui.wait_for("the rotate dialog", |s| s.contains("Rotate a selected key"))
        .await;
    ui.paste(line(28));
    ui.wait_for("the new fingerprint", |s| s.contains(&fp(28)))
        .await;
    ui.send("\n");
    let screen = apply_and_finish(&ui, "y").await;
    assert!(screen.contains("2 done, 1 failed"), "{screen}");
    for repo in ["admin-dashboard", "analytics-dbt"] {
        assert_eq!(label_on(&sim, repo, 27), None, "{repo}");
        assert_eq!(
            label_on(&sim, repo, 28).as_deref(),
            Some("flow-rotate"),
            "{repo}"
        );
    }
    // Where the new key was refused, the old one stays: access is never lost.
    assert_eq!(
        label_on(&sim, "ansible-playbooks", 27).as_deref(),
        Some("flow-rotate")
    );
    assert_eq!(label_on(&sim, "ansible-playbooks", 28), None);
    ui.quit().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_dialog_on_start_re_adds_the_deleted_key() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    // An earlier run deleted key 29 from acme/api for a relabel, then died.
    let journal = Journal::in_dir(dir.path());
    let key = PublicKey::from_server(line(29)).unwrap();
    let entry = journal
        .begin(IntentRecord {
            intent: Intent::Relabel,
            scope: Place::repository(ForgeKind::Cloud, "acme", "api"),
            key: key.to_openssh(),
            fingerprint: fp(29),
            comment: key.comment().map(String::from),
            old_label: Some("old-ci".into()),
            new_label: Some("new-ci".into()),
            old_id: Some(999_999),
            batch: None,
            permission: None,
            expiry_days: None,
        })
        .unwrap();
    journal.append(&entry, Step::Deleted).unwrap();
    let ui = start(&sim, Some(dir.path()));
    let screen = ui
        .wait_for("the recovery dialog", |s| s.contains("Re-add it now?"))
        .await;
    assert!(
        screen.contains("1 key was deleted from acme/api but not re-added. Re-add it now?"),
        "{screen}"
    );
    assert!(
        screen.contains(&fp(29)) && screen.contains("'new-ci'"),
        "{screen}"
    );
    ui.send("y");
    ui.wait_for("the recovery", |s| s.contains("Recovered"))
        .await;
    assert_eq!(label_on(&sim, "api", 29).as_deref(), Some("new-ci"));
    assert!(journal.pending().unwrap().0.is_empty());
    ui.quit().await;
    sim.shutdown().await;
}
