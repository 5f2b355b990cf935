//! Data for the workspace-wide view tests: a small scan of acme with fixed dates, and a
//! doctor report, so nothing depends on the clock.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use time::OffsetDateTime;
use time::macros::datetime;

use crate::bitbucket::error::AuthKind;
use crate::bitbucket::{ApiError, ApiErrorKind, Operation, User};
use crate::forge::{AccessKey, Project, Repository};
use crate::ops::audit::{Inventory, Snapshot};
use crate::ops::doctor::{
    Check, CheckStatus, DenialReason, DoctorReport, KeyAction, KeyOwner, Outcome, Probe,
    ProbeResult, Verdict, WRITE_NOT_VERIFIED,
};
use crate::ops::scan::WorkspaceScan;
use crate::sshkey::PublicKey;
use crate::tui::action::Action;
use crate::tui::state::insight::*;
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::ui::render;
use crate::tui::update::{Command, Msg, WorkerMsg, update};

pub(crate) const SCANNED: OffsetDateTime = datetime!(2026-11-28 09:00 UTC);
pub(crate) const KEYS: &str = include_str!("../../demo/keys.txt");

pub(crate) fn pubkey(n: usize) -> String {
    let line = KEYS.lines().nth(n - 1).unwrap();
    PublicKey::from_server(line).unwrap().to_openssh()
}

pub(crate) fn dk(id: u64, n: usize, label: &str, created: &str, used: Option<&str>) -> AccessKey {
    AccessKey {
        id,
        key: pubkey(n).into(),
        label: label.into(),
        comment: None,
        permission: crate::forge::Permission::Read,
        created: Some(created.into()),
        last_used: used.map(String::from),
        expiry_days: None,
    }
}

pub(crate) fn repo_model(slug: &str, project: &str) -> Repository {
    Repository {
        slug: slug.into(),
        name: slug.into(),
        project: Some(project.into()),
    }
}

/// acme: key 1 on api and web (two labels), key 93 (RSA 2048) on api, key 2 as project key
/// of API, and `locked` refused.
pub(crate) fn scan() -> WorkspaceScan {
    let mut repo_keys = BTreeMap::new();
    repo_keys.insert(
        "api".to_string(),
        Ok(vec![
            dk(1, 1, "ci-deploy", "2024-03-01T09:15:00+00:00", None),
            dk(
                3,
                93,
                "legacy-rsa",
                "2019-05-02T10:00:00+00:00",
                Some("2026-11-20T08:00:00+00:00"),
            ),
        ]),
    );
    repo_keys.insert(
        "web".to_string(),
        Ok(vec![dk(
            2,
            1,
            "web-deploy",
            "2025-01-10T12:00:00+00:00",
            Some("2026-10-01T08:00:00+00:00"),
        )]),
    );
    repo_keys.insert(
        "locked".to_string(),
        Err(ApiError::new(
            ApiErrorKind::Forbidden,
            Operation::ListRepoKeys,
            "acme/locked",
        )
        .into()),
    );
    let mut project_keys = BTreeMap::new();
    project_keys.insert(
        "API".to_string(),
        Ok(vec![dk(
            90,
            2,
            "release-signing",
            "2023-06-01T00:00:00+00:00",
            None,
        )]),
    );
    WorkspaceScan {
        workspace: "acme".into(),
        repositories: vec![
            repo_model("api", "API"),
            repo_model("web", "WEB"),
            repo_model("locked", "API"),
        ],
        projects: vec![Project {
            key: "API".into(),
            name: None,
        }],
        repo_keys,
        project_keys,
        projects_error: None,
    }
}

pub(crate) fn snapshot() -> Snapshot {
    Snapshot::from_scan(&scan(), SCANNED)
}

pub(crate) fn panes() -> Box<ScanData> {
    Box::new(crate::tui::worker::insight::scan_data(snapshot()))
}

pub(crate) fn inventory() -> Box<Inventory> {
    Box::new(Inventory::build(&snapshot()))
}

pub(crate) fn act(s: &mut State, a: Action) -> Vec<Command> {
    update(s, Msg::Action(a))
}

pub(crate) fn insight_msg(s: &mut State, m: InsightMsg) -> Vec<Command> {
    update(s, Msg::Worker(WorkerMsg::Insight(m)))
}

/// `loaded()` with settings, and an `R` scan of acme answered by the worker.
pub(crate) fn scanned() -> State {
    let mut s = loaded();
    s.insight.settings.cache_dir = Some(PathBuf::from("/cache"));
    s.insight.settings.export_dir = PathBuf::from("/out");
    let cmds = act(&mut s, Action::Rescan);
    let req_id = req_of(&cmds, |c| match c {
        Command::Rescan { req_id, .. } => Some(*req_id),
        _ => None,
    });
    assert!(
        cmds.iter().any(|c| matches!(
            c,
            Command::Rescan { cache_dir: Some(dir), .. } if dir == &PathBuf::from("/cache")
        )),
        "a fresh scan is stored in the cache: {cmds:?}"
    );
    insight_msg(
        &mut s,
        InsightMsg::Scanned {
            req_id,
            inventory: inventory(),
        },
    );
    // The fixture skips the panes' `Scanned` answer: end the scan as it would.
    s.scan = None;
    s.message = None;
    s
}

pub(crate) fn labels(s: &State) -> Vec<String> {
    all_keys_rows(s).iter().map(|e| e.labels_text()).collect()
}
pub(crate) fn report() -> DoctorReport {
    let mut r = DoctorReport::not_configured(Vec::new(), "environment variables", "https://api");
    r.auth_kind = AuthKind::ApiToken;
    r.outcome = Outcome::Ready;
    r.connection = vec![Check::new(
        "reachability",
        CheckStatus::Ok,
        "https://api answered",
    )];
    r.account = Some(User {
        uuid: None,
        display_name: Some("Dana Demo".into()),
        nickname: Some("dana".into()),
        account_id: None,
    });
    r.workspaces = vec!["acme".into(), "globex".into()];
    r.probes = vec![Probe {
        operation: Operation::ListRepoKeys,
        target: "acme/api".into(),
        result: ProbeResult::Ok {
            summary: "2 keys".into(),
        },
    }];
    r.notes = vec!["Write scopes cannot be tested without writing.".into()];
    for row in &mut r.operations {
        row.verdict = match (row.action, row.owner) {
            (KeyAction::List, _) => Verdict::Works,
            (KeyAction::Delete, KeyOwner::Project) => Verdict::Denied {
                needs: vec!["delete:ssh-key:bitbucket".into()],
                reason: DenialReason::MissingScopes,
            },
            _ => Verdict::NotVerified {
                why: WRITE_NOT_VERIFIED.into(),
            },
        };
    }
    r
}

pub(crate) fn draw(s: &State, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(s, f)).unwrap();
    t.backend().to_string()
}
