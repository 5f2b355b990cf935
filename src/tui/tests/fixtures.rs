//! Test data: a small account with fixed dates, so screens never depend on the clock.

use crate::forge::{ForgeKind, Place};
use crate::tui::keymap::Keymap;
use crate::tui::state::*;
use crate::tui::theme::Theme;
use crate::tui::update::{Command, Msg, WorkerMsg, update};

pub fn state() -> State {
    let mut s = State::new(true, false, Keymap::default(), Theme::default_colours());
    s.size = (80, 24);
    // Findings are judged at the fixtures' scan time, never at the day the test runs.
    s.insight.settings.clock = Some(crate::tui::tests::insight_fixtures::SCANNED);
    s
}

pub fn ws(slug: &str, name: &str) -> WorkspaceView {
    WorkspaceView {
        slug: slug.into(),
        name: name.into(),
    }
}

pub fn repo(slug: &str, project: Option<&str>) -> RepoView {
    RepoView {
        slug: slug.into(),
        name: slug.into(),
        project: project.map(Into::into),
    }
}

pub fn key(id: u64, label: &str, fp: &str, scope: Place) -> KeyView {
    KeyView {
        id,
        label: label.into(),
        comment: format!("{label}@build"),
        facts: std::sync::Arc::new(KeyFacts {
            public_key: format!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{fp}"),
            fingerprint: Some(format!("SHA256:{fp}")),
            key_type: "ssh-ed25519".into(),
            short_type: "ED25519".into(),
            bits: Some(256),
        }),
        created: Some("2024-03-01T09:15:00.000000+00:00".into()),
        last_used: None,
        scope,
        permission: crate::forge::Permission::Read,
        expires: None,
        escaped: None,
    }
}

pub fn repo_scope(ws: &str, repo: &str) -> Place {
    Place::repository(ForgeKind::Cloud, ws, repo)
}

pub fn project_scope(ws: &str, project: &str) -> Place {
    Place::project(ForgeKind::Cloud, ws, project)
}

/// Finds the request id of the first command matching `pick`.
pub fn req_of(cmds: &[Command], pick: impl Fn(&Command) -> Option<ReqId>) -> ReqId {
    cmds.iter()
        .find_map(pick)
        .unwrap_or_else(|| panic!("no such command in {cmds:?}"))
}

/// A state with workspaces, acme's repositories, project keys and the keys of `api`,
/// loaded through `update` exactly as the worker would answer.
pub fn loaded() -> State {
    let mut s = state();
    let cmds = crate::tui::update::init(&mut s);
    let id = req_of(&cmds, |c| match c {
        Command::LoadWorkspaces { req_id } => Some(*req_id),
        _ => None,
    });
    let cmds = update(
        &mut s,
        Msg::Worker(WorkerMsg::Workspaces {
            req_id: id,
            result: Ok(vec![ws("acme", "Acme Corp"), ws("globex", "Globex")]),
        }),
    );
    let repos_id = req_of(&cmds, |c| match c {
        Command::LoadRepos { req_id, .. } => Some(*req_id),
        _ => None,
    });
    let pk_id = req_of(&cmds, |c| match c {
        Command::LoadProjectKeys { req_id, .. } => Some(*req_id),
        _ => None,
    });
    update(
        &mut s,
        Msg::Worker(WorkerMsg::ProjectKeys {
            req_id: pk_id,
            ws: "acme".into(),
            result: Ok(vec![ProjectGroup {
                key: "API".into(),
                name: "API services".into(),
                keys: Ok(vec![key(
                    90,
                    "release-signing",
                    "projAPI",
                    project_scope("acme", "API"),
                )]),
            }]),
        }),
    );
    let cmds = update(
        &mut s,
        Msg::Worker(WorkerMsg::Repos {
            req_id: repos_id,
            ws: "acme".into(),
            result: Ok(vec![
                repo("api", Some("API")),
                repo("web", Some("WEB")),
                repo("ops-tools", None),
            ]),
        }),
    );
    let keys_id = req_of(&cmds, |c| match c {
        Command::LoadKeys { req_id, .. } => Some(*req_id),
        _ => None,
    });
    update(
        &mut s,
        Msg::Worker(WorkerMsg::Keys {
            req_id: keys_id,
            ws: "acme".into(),
            repo: "api".into(),
            result: Ok(vec![
                key(1, "ci-deploy", "shared1", repo_scope("acme", "api")),
                key(2, "jenkins", "jenk2", repo_scope("acme", "api")),
            ]),
        }),
    );
    s
}

/// A key made from line `n` of the demo keys, so its fingerprint is real (bulk plans parse
/// fingerprints).
pub fn real_key(id: u64, label: &str, n: usize, scope: Place) -> KeyView {
    let line = crate::demo::key_line(n).unwrap();
    let blob: Vec<&str> = line.split_whitespace().take(2).collect();
    let k: crate::forge::AccessKey = serde_json::from_value(
        serde_json::json!({"id": id, "key": blob.join(" "), "label": label, "comment": "ci@build"}),
    )
    .unwrap();
    crate::tui::state::from_forge::key_view(k, scope)
}

/// `loaded()` with real keys: acme/api holds demo keys 1 and 2, acme/web holds key 1, and
/// the whole of acme counts as scanned.
pub fn loaded_real() -> State {
    let mut s = loaded();
    s.keys.insert(
        ("acme".into(), "api".into()),
        Load::Ready(vec![
            real_key(1, "ci-deploy", 1, repo_scope("acme", "api")),
            real_key(2, "deploy-bot", 2, repo_scope("acme", "api")),
        ]),
    );
    s.keys.insert(
        ("acme".into(), "web".into()),
        Load::Ready(vec![real_key(5, "ci-deploy", 1, repo_scope("acme", "web"))]),
    );
    s.keys
        .insert(("acme".into(), "ops-tools".into()), Load::Ready(vec![]));
    s.scanned.insert("acme".into());
    s
}

/// The fingerprint of demo key `n`.
pub fn fp(n: usize) -> String {
    crate::sshkey::PublicKey::from_server(crate::demo::key_line(n).unwrap())
        .unwrap()
        .fingerprint()
        .to_string()
}
