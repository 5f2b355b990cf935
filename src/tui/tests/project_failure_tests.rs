//! Listings that failed reach `update()` and the panes as the forge's error, so a place the
//! account does not administer (skipped, as the CLI says) reads differently from a read that
//! failed and may succeed on a retry.

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use time::macros::datetime;

use crate::forge::memory::MemoryForge;
use crate::forge::{Caps, ForgeError, ForgeErrorKind, ForgeKind, Place, Project, Repository};
use crate::ops::audit::{Listing, ListingFailure, Snapshot, Timestamp};
use crate::tui::Services;
use crate::tui::action::Action;
use crate::tui::state::msg::Command;
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::ui::render;
use crate::tui::update::{Msg, WorkerMsg, update};

fn draw(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(100, 24)).unwrap();
    t.draw(|f| render(s, f)).unwrap();
    t.backend().to_string()
}

fn not_permitted(place: &str) -> ForgeError {
    ForgeError::new(
        ForgeErrorKind::NotPermitted,
        format!("Listing the access keys of {place} was refused (403): you are probably not an administrator of {place}."),
    )
    .with_status(403)
}

fn server_failure(place: &str) -> ForgeError {
    ForgeError::new(
        ForgeErrorKind::Server,
        format!("Listing the access keys of {place} failed: Bitbucket failed (502). Try again."),
    )
    .with_status(502)
}

/// A scan of acme where project SEC and repository `legacy` are not administered, and
/// project OPS and repository `web` failed on the server's side.
fn scan_with_failures() -> ScanData {
    ScanData {
        repos: vec![
            repo("api", Some("API")),
            repo("web", Some("OPS")),
            repo("legacy", Some("SEC")),
        ],
        repo_keys: vec![
            (
                "api".into(),
                Ok(vec![key(
                    1,
                    "ci-deploy",
                    "shared1",
                    repo_scope("acme", "api"),
                )]),
            ),
            ("web".into(), Err(server_failure("acme/web"))),
            ("legacy".into(), Err(not_permitted("acme/legacy"))),
        ],
        projects: Ok(vec![
            ProjectGroup {
                key: "OPS".into(),
                name: "Operations".into(),
                keys: Err(server_failure("project OPS")),
            },
            ProjectGroup {
                key: "SEC".into(),
                name: "Security".into(),
                keys: Err(not_permitted("project SEC")),
            },
        ]),
    }
}

fn scanned(s: &mut State, data: ScanData) {
    let cmds = update(s, Msg::Action(Action::Rescan));
    let Some(Command::Rescan { req_id, .. }) = cmds.first().cloned() else {
        panic!("{cmds:?}")
    };
    update(
        s,
        Msg::Worker(WorkerMsg::Scanned {
            req_id,
            ws: "acme".into(),
            result: Ok(Box::new(data)),
        }),
    );
}

#[test]
fn a_scan_counts_places_not_administered_apart_from_failed_reads() {
    let mut s = loaded();
    scanned(&mut s, scan_with_failures());
    let (message, failed) = s.message.clone().unwrap_or_default();
    assert_eq!(
        message,
        "Scanned acme: 3 repositories, 1 repository keys, 1 not administered (skipped), 1 could not be read"
    );
    assert!(failed, "a read that failed is a failure");

    // Places the account does not administer alone are not a failure of the scan.
    let mut s = loaded();
    let mut data = scan_with_failures();
    data.repo_keys.retain(|(slug, _)| slug != "web");
    scanned(&mut s, data);
    let (message, failed) = s.message.clone().unwrap_or_default();
    assert_eq!(
        message,
        "Scanned acme: 3 repositories, 1 repository keys, 1 not administered (skipped)"
    );
    assert!(!failed, "{message}");
}

#[test]
fn a_project_not_administered_shows_as_skipped_and_a_failed_one_as_unread() {
    let mut s = loaded();
    scanned(&mut s, scan_with_failures());
    update(&mut s, Msg::Action(Action::FocusRepositories));
    update(&mut s, Msg::Action(Action::Top));
    update(&mut s, Msg::Action(Action::FocusKeys));
    let rows: Vec<(String, ForgeErrorKind)> = s
        .key_rows()
        .iter()
        .filter_map(|r| match r {
            KeyRow::Problem(p, e) => Some((p.to_string(), e.kind.clone())),
            KeyRow::Key { .. } => None,
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("OPS".to_string(), ForgeErrorKind::Server),
            ("SEC".to_string(), ForgeErrorKind::NotPermitted)
        ]
    );
    let screen = draw(&s);
    let ops = screen.lines().find(|l| l.contains("project OPS"));
    let sec = screen.lines().find(|l| l.contains("project SEC"));
    assert!(
        ops.is_some_and(|l| l.contains("keys could not be read")),
        "{screen}"
    );
    assert!(
        sec.is_some_and(|l| l.contains("skipped, not administered")),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

/// A scan read back from the cache keeps the kind of each failure, including the codes of
/// files written before the forge's kinds existed (`forbidden` is Cloud's bare 403).
#[test]
fn a_cached_scan_keeps_what_kind_of_failure_each_listing_was() {
    let failure = |kind: &str, reason: &str| {
        Listing::Failed(ListingFailure {
            kind: kind.into(),
            status: Some(403),
            reason: reason.into(),
        })
    };
    let mut snap = Snapshot {
        forge: ForgeKind::Cloud,
        workspace: "acme".into(),
        scanned_at: Timestamp(datetime!(2026-11-28 09:30 UTC)),
        repositories: vec![Repository {
            slug: "legacy".into(),
            name: "legacy".into(),
            project: None,
        }],
        projects: vec![
            Project {
                key: "OPS".into(),
                name: None,
            },
            Project {
                key: "SEC".into(),
                name: None,
            },
        ],
        repo_keys: Default::default(),
        project_keys: Default::default(),
        projects_error: None,
    };
    snap.repo_keys
        .insert("legacy".into(), failure("not_permitted", "not yours"));
    snap.project_keys
        .insert("SEC".into(), failure("forbidden", "not yours either"));
    snap.project_keys
        .insert("OPS".into(), failure("server", "Bitbucket failed"));
    let data = crate::tui::worker::insight::scan_data(snap);
    let kinds: Vec<(String, Option<ForgeErrorKind>)> = data
        .projects
        .iter()
        .flatten()
        .map(|g| (g.key.clone(), g.keys.as_ref().err().map(|e| e.kind.clone())))
        .collect();
    assert_eq!(
        kinds,
        [
            ("OPS".to_string(), Some(ForgeErrorKind::Server)),
            ("SEC".to_string(), Some(ForgeErrorKind::NotPermitted))
        ]
    );
    let repo = data.repo_keys.first().and_then(|(_, r)| r.as_ref().err());
    assert_eq!(repo.map(|e| &e.kind), Some(&ForgeErrorKind::NotPermitted));
    assert_eq!(repo.map(|e| e.advice.as_str()), Some("not yours"));
}

#[tokio::test]
async fn the_worker_hands_on_a_project_listing_failure_as_the_forge_error() {
    let forge = Arc::new(
        MemoryForge::new(ForgeKind::Cloud, Caps::default())
            .with_repo("acme", "api", Some("API"))
            .with_repo("acme", "vault", Some("SEC"))
            .deny(Place::project(ForgeKind::Cloud, "acme", "SEC")),
    );
    let services = Services {
        forge,
        journal: None,
        concurrency: 1,
    };
    let (cmd_tx, cmd_rx) = tokio::sync::mpsc::unbounded_channel();
    let (msg_tx, mut msg_rx) = tokio::sync::mpsc::unbounded_channel();
    let running = tokio::spawn(crate::tui::worker::run(services, cmd_rx, msg_tx));
    cmd_tx
        .send(Command::LoadProjectKeys {
            req_id: 3,
            ws: "acme".into(),
        })
        .unwrap();
    let Some(WorkerMsg::ProjectKeys { result, .. }) = msg_rx.recv().await else {
        panic!("no project keys answer");
    };
    let kinds: Vec<(String, Option<ForgeErrorKind>)> = result
        .unwrap()
        .into_iter()
        .map(|g| (g.key, g.keys.err().map(|e| e.kind)))
        .collect();
    assert_eq!(
        kinds,
        [
            ("API".to_string(), None),
            ("SEC".to_string(), Some(ForgeErrorKind::NotPermitted))
        ]
    );
    drop(cmd_tx);
    running.await.unwrap();
}
