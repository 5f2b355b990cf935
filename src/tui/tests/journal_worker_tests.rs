//! The journal view's worker side on the Cloud simulator: `L` lists what the journal holds,
//! `u` undoes an operation and `c` finishes a pending one, and the simulator's keys and the
//! journal both show it.

use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::bitbucket::client::Secret;
use crate::bitbucket::{Client, ClientOptions, Credential};
use crate::demo::{FRESH_KEY_LINES, SimOptions, Simulator, key_line};
use crate::forge::{ForgeKind, Place};
use crate::journal::{BatchKind, BatchPlan, Intent, IntentRecord, Journal, PlannedItem, Step};
use crate::ops::keyops::Grant;
use crate::sshkey::PublicKey;
use crate::tui::Services;
use crate::tui::state::journal_view::JournalRow;
use crate::tui::state::msg::{Command, WorkerMsg};
use crate::tui::worker;

/// The simulator, a journal in a directory of its own, and a worker between them.
struct Rig {
    sim: Simulator,
    _dir: tempfile::TempDir,
    journal: Journal,
    commands: UnboundedSender<Command>,
    answers: UnboundedReceiver<WorkerMsg>,
}

impl Rig {
    async fn start() -> Rig {
        let sim = crate::demo::start(SimOptions::default()).await.unwrap();
        let credential = Credential::ApiToken {
            email: crate::demo::credentials::EMAIL.to_string(),
            token: Secret::new(crate::demo::credentials::TOKEN),
        };
        let mut options = ClientOptions::new(sim.api_url(), credential);
        options.backoff_base = Duration::from_millis(1);
        let dir = tempfile::tempdir().unwrap();
        let services = Services {
            journal: Some(Journal::in_dir(dir.path())),
            ..Services::from(Client::new(options).unwrap())
        };
        let (commands, rx) = unbounded_channel();
        let (tx, answers) = unbounded_channel();
        tokio::spawn(worker::run(services, rx, tx));
        Rig {
            sim,
            journal: Journal::in_dir(dir.path()),
            _dir: dir,
            commands,
            answers,
        }
    }

    /// Sends `cmd` and waits for its answer; the request counts in between are not answers.
    async fn ask(&mut self, cmd: Command) -> WorkerMsg {
        self.commands.send(cmd).unwrap();
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(20), self.answers.recv())
                .await
                .expect("the worker answers")
                .expect("the worker is running");
            if !matches!(msg, WorkerMsg::RequestCount(_)) {
                return msg;
            }
        }
    }

    async fn list(&mut self) -> Vec<JournalRow> {
        match self.ask(Command::ListJournal { req_id: 1 }).await {
            WorkerMsg::JournalListed { req_id: 1, result } => result.unwrap(),
            other => panic!("not a listing: {other:?}"),
        }
    }

    /// Each listed operation's id, and whether it is pending.
    async fn pending_by_id(&mut self) -> Vec<(String, bool)> {
        self.list()
            .await
            .into_iter()
            .map(|r| (r.id, r.pending))
            .collect()
    }

    /// `(outcomes, scopes)` of an undo or a recovery.
    async fn recovered(&mut self, cmd: Command) -> (Vec<Result<String, String>>, Vec<Place>) {
        match self.ask(cmd).await {
            WorkerMsg::Recovered {
                req_id: 2,
                outcomes,
                scopes,
                ..
            } => (
                outcomes
                    .into_iter()
                    .map(|o| o.map_err(|f| format!("{f:?}")))
                    .collect(),
                scopes,
            ),
            other => panic!("not a recovery: {other:?}"),
        }
    }

    /// `u` on operation `id`.
    async fn undo(&mut self, id: &str) -> (Vec<Result<String, String>>, Vec<Place>) {
        self.recovered(Command::UndoJournal {
            req_id: 2,
            id: id.to_string(),
        })
        .await
    }

    /// [`Rig::undo`] that succeeded: what it says it did, and where.
    async fn undone(&mut self, id: &str) -> (String, Vec<Place>) {
        let (outcomes, scopes) = self.undo(id).await;
        match outcomes.as_slice() {
            [Ok(said)] => (said.clone(), scopes),
            _ => panic!("one undo that worked: {outcomes:?}"),
        }
    }

    /// The labels the simulator holds on `acme/web-frontend`.
    fn labels_on_frontend(&self) -> Vec<String> {
        self.sim
            .control()
            .keys_of("acme", "web-frontend")
            .into_iter()
            .map(|k| k.label)
            .collect()
    }
}

fn frontend() -> Place {
    Place::repository(ForgeKind::Cloud, "acme", "web-frontend")
}

fn fresh_key() -> PublicKey {
    PublicKey::parse(key_line(FRESH_KEY_LINES[0]).unwrap()).unwrap()
}

/// The intent to add the fresh key to `scope` as `label`.
fn add_record(scope: Place, label: &str) -> IntentRecord {
    let key = fresh_key();
    IntentRecord {
        intent: Intent::Add,
        scope,
        key: key.to_openssh(),
        fingerprint: key.fingerprint().to_string(),
        comment: None,
        old_label: None,
        new_label: Some(label.into()),
        old_id: None,
        batch: None,
        permission: None,
        expiry_days: None,
    }
}

/// An add on `acme/web-frontend` begun in the journal and never finished, as a killed run
/// leaves it.
fn pending_add(journal: &Journal, label: &str) -> String {
    journal.begin(add_record(frontend(), label)).unwrap()
}

/// A bulk add of the fresh key to `places`, planned in the journal before any write; a
/// staged one when `staged`.
fn planned_batch(journal: &Journal, places: &[Place], staged: bool) -> String {
    journal
        .begin_batch(BatchPlan {
            kind: BatchKind::Add,
            items: places
                .iter()
                .map(|p| PlannedItem {
                    steps: vec![add_record(p.clone(), "bulk")],
                })
                .collect(),
            staged_at: staged.then(|| "2026-12-01T10:00:00Z".to_string()),
        })
        .unwrap()
}

#[tokio::test]
async fn undo_through_the_worker_deletes_the_added_key_and_the_journal_lists_the_undo() {
    let mut rig = Rig::start().await;
    let added = rig
        .ask(Command::AddKey {
            req_id: 9,
            scope: frontend(),
            key: fresh_key(),
            label: "ci-frontend-new".into(),
            grant: Grant::default(),
        })
        .await;
    assert!(
        rig.labels_on_frontend()
            .contains(&"ci-frontend-new".to_string()),
        "{added:?}"
    );
    let rows = rig.list().await;
    let [row] = rows.as_slice() else {
        panic!("one operation: {rows:?}")
    };
    assert!(!row.pending, "{row:?}");
    assert!(row.what.contains("acme/web-frontend"), "{row:?}");
    let id = row.id.clone();

    let (said, scopes) = rig.undone(&id).await;
    assert!(
        said.starts_with(&format!("undid {id}: deleted key")),
        "{said}"
    );
    assert_eq!(scopes, [frontend()]);
    assert!(
        !rig.labels_on_frontend()
            .contains(&"ci-frontend-new".to_string()),
        "{:?}",
        rig.labels_on_frontend()
    );
    // The undo is an operation of its own, listed before the add it undid.
    let rows = rig.list().await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_ne!(rows[0].id, id, "{rows:?}");
    assert_eq!(rows[1].id, id, "{rows:?}");
    assert!(rows.iter().all(|r| !r.pending), "{rows:?}");
}

#[tokio::test]
async fn finishing_a_pending_add_through_the_worker_adds_the_key_and_settles_the_entry() {
    let mut rig = Rig::start().await;
    let id = pending_add(&rig.journal, "half-done");
    assert_eq!(rig.pending_by_id().await, [(id.clone(), true)]);
    assert!(!rig.labels_on_frontend().contains(&"half-done".to_string()));

    let (outcomes, scopes) = rig
        .recovered(Command::Recover {
            req_id: 2,
            ids: vec![id.clone()],
        })
        .await;
    assert!(matches!(outcomes.as_slice(), [Ok(_)]), "{outcomes:?}");
    assert_eq!(scopes, [frontend()]);
    assert!(
        rig.labels_on_frontend().contains(&"half-done".to_string()),
        "{:?}",
        rig.labels_on_frontend()
    );
    let rows = rig.list().await;
    assert!(
        rows.iter().any(|r| r.id == id && !r.pending),
        "the entry is finished: {rows:?}"
    );
}

#[tokio::test]
async fn the_listing_puts_pending_operations_first_and_keeps_fifty_finished_ones() {
    let mut rig = Rig::start().await;
    let pending = pending_add(&rig.journal, "waiting");
    let mut finished = Vec::new();
    for n in 0..55 {
        let id = pending_add(&rig.journal, &format!("done-{n}"));
        rig.journal.append(&id, Step::Done).unwrap();
        finished.push(id);
    }
    let rows = rig.list().await;
    assert_eq!(
        rows.len(),
        1 + 50,
        "the pending one and the 50 newest finished"
    );
    assert_eq!(
        (rows[0].id.as_str(), rows[0].pending),
        (pending.as_str(), true)
    );
    assert!(rows[1..].iter().all(|r| !r.pending), "{rows:?}");
    // Nothing was sent to the server to list the journal.
    assert!(rig.sim.control().log().is_empty());
}

#[tokio::test]
async fn undoing_an_id_the_journal_does_not_hold_changes_nothing_and_says_so() {
    let mut rig = Rig::start().await;
    let before = rig.labels_on_frontend();
    let (outcomes, scopes) = rig.undo("e-nothing").await;
    assert!(matches!(outcomes.as_slice(), [Err(_)]), "{outcomes:?}");
    assert!(scopes.is_empty(), "{scopes:?}");
    assert_eq!(rig.labels_on_frontend(), before);
    assert!(rig.list().await.is_empty());
}

#[tokio::test]
async fn undoing_a_bulk_add_that_never_wrote_rolls_it_back_without_adding_anything() {
    let mut rig = Rig::start().await;
    let api = Place::repository(ForgeKind::Cloud, "acme", "api");
    let id = planned_batch(&rig.journal, &[frontend(), api.clone()], false);
    assert_eq!(rig.pending_by_id().await, [(id.clone(), true)]);
    let (said, scopes) = rig.undone(&id).await;
    assert!(
        said.starts_with(&format!("undid {id}: rolled back")),
        "{said}"
    );
    assert_eq!(scopes, [frontend(), api]);
    // Rolled back, not finished: the key the plan meant to add is on neither place.
    assert!(!rig.labels_on_frontend().contains(&"bulk".to_string()));
    let on_api = rig.sim.control().keys_of("acme", "api");
    assert!(on_api.iter().all(|k| k.label != "bulk"), "{on_api:?}");
    let rows = rig.list().await;
    assert!(
        rows.iter().all(|r| !r.pending),
        "the batch is closed: {rows:?}"
    );
}

#[tokio::test]
async fn a_staged_change_is_listed_with_the_places_still_waiting() {
    let mut rig = Rig::start().await;
    let api = Place::repository(ForgeKind::Cloud, "acme", "api");
    let staged = planned_batch(&rig.journal, &[frontend(), api.clone()], true);
    let plain = planned_batch(&rig.journal, &[api], false);
    let rows = rig.list().await;
    let waiting = |id: &str| {
        rows.iter()
            .find(|r| r.id == id)
            .map(|r| r.waiting.clone())
            .unwrap_or_else(|| panic!("{id} missing: {rows:?}"))
    };
    assert_eq!(waiting(&staged), ["acme/web-frontend", "acme/api"]);
    assert!(waiting(&plain).is_empty(), "{rows:?}");
}
