//! `update()` and render tests of the Drift view (`D`): the keys file planned by the worker,
//! the differences shown, and apply through the plan dialog with a fresh re-read.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::forge::Permission;
use crate::ops::bulk::{Change, Plan};
use crate::ops::desired::{DesiredChange, DesiredPlan};
use crate::sshkey::Fingerprint;
use crate::tui::action::Action;
use crate::tui::state::dialog::*;
use crate::tui::state::drift::{DriftCommand, DriftMsg, DriftStatus};
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::update::{Command, Msg, TextInput, WorkerMsg, update};

fn act(s: &mut State, a: Action) -> Vec<Command> {
    update(s, Msg::Action(a))
}

fn worker(s: &mut State, w: WorkerMsg) -> Vec<Command> {
    update(s, Msg::Worker(w))
}

fn fingerprint(n: usize) -> Fingerprint {
    Fingerprint::parse(&fp(n)).unwrap()
}

fn plan() -> DesiredPlan {
    DesiredPlan {
        changes: vec![
            DesiredChange::Add {
                place: repo_scope("acme", "ops-tools"),
                name: "ci-deploy".into(),
                key: crate::demo::key_line(1).unwrap().to_string(),
                fingerprint: fingerprint(1),
                label: "ci-ops-tools".into(),
                permission: Permission::Read,
                expiry_days: None,
            },
            DesiredChange::Delete {
                place: repo_scope("acme", "api"),
                id: 2,
                fingerprint: fingerprint(2),
                label: "deploy-bot".into(),
            },
            DesiredChange::Relabel {
                place: repo_scope("acme", "web"),
                id: 5,
                name: "ci-deploy".into(),
                key: crate::demo::key_line(1).unwrap().to_string(),
                fingerprint: fingerprint(1),
                from: "ci-deploy".into(),
                to: "ci-web".into(),
            },
        ],
        warnings: vec!["keys.toml:9:10: acme/legacy-* matches no repository".into()],
        unreadable: vec![],
        not_permitted: vec![repo_scope("acme", "secret")],
    }
}

/// The view open on `keys.toml`, with `plan()` as the worker's answer.
fn planned() -> State {
    let mut s = loaded_real();
    s.drift.file = Some("keys.toml".into());
    let cmds = act(&mut s, Action::DriftView);
    let [Command::Drift(DriftCommand::Plan { req_id, file, .. })] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(file.to_str(), Some("keys.toml"));
    let req_id = *req_id;
    worker(
        &mut s,
        WorkerMsg::Drift(DriftMsg::Planned {
            req_id,
            status: DriftStatus::Planned(plan()),
        }),
    );
    s
}

#[test]
fn d_without_a_keys_file_opens_the_view_and_asks_for_one() {
    let mut s = loaded_real();
    let cmds = act(&mut s, Action::DriftView);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(s.views.is_open(FullView::Drift));
    let text = crate::tui::ui::drift::lines(&s).join("\n");
    assert!(text.contains("--desired keys.toml"), "{text}");
    act(&mut s, Action::Cancel);
    assert!(!s.views.is_open(FullView::Drift));
}

#[test]
fn d_plans_the_file_and_shows_the_worker_answer() {
    let s = planned();
    assert!(s.views.is_open(FullView::Drift));
    assert_eq!(s.drift.status, DriftStatus::Planned(plan()));
    let text = crate::tui::ui::drift::lines(&s).join("\n");
    assert!(text.contains("+   acme/ops-tools"), "{text}");
    assert!(text.contains("-   acme/api"), "{text}");
    assert!(text.contains("-/+ acme/web"), "{text}");
    assert!(text.contains("warning: keys.toml:9:10"), "{text}");
    assert!(text.contains("skipped: acme/secret"), "{text}");
}

#[test]
fn an_answer_to_an_older_planning_is_ignored() {
    let mut s = planned();
    let cmds = act(&mut s, Action::Reload);
    assert!(matches!(
        cmds.as_slice(),
        [Command::Drift(DriftCommand::Plan { .. })]
    ));
    assert_eq!(s.drift.status, DriftStatus::Planning);
    worker(
        &mut s,
        WorkerMsg::Drift(DriftMsg::Planned {
            req_id: 0,
            status: DriftStatus::NeedsScan(vec!["acme".into()]),
        }),
    );
    assert_eq!(s.drift.status, DriftStatus::Planning);
}

#[test]
fn file_errors_are_listed_as_file_line_column() {
    let mut s = planned();
    let cmds = act(&mut s, Action::Reload);
    let [Command::Drift(DriftCommand::Plan { req_id, .. })] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    let req_id = *req_id;
    worker(
        &mut s,
        WorkerMsg::Drift(DriftMsg::Planned {
            req_id,
            status: DriftStatus::FileErrors(vec!["keys.toml:3:1: unknown field `colour`".into()]),
        }),
    );
    let text = crate::tui::ui::drift::lines(&s).join("\n");
    assert!(
        text.contains("  keys.toml:3:1: unknown field `colour`"),
        "{text}"
    );
    // Nothing to apply from a file with errors.
    assert!(act(&mut s, Action::Open).is_empty());
    assert!(s.dialog.is_none());
}

#[test]
fn apply_rechecks_then_confirms_and_the_apply_carries_the_changes_for_a_second_read() {
    let mut s = planned();
    let cmds = act(&mut s, Action::Open);
    let [Command::Drift(DriftCommand::Recheck { req_id, changes })] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(*changes, plan().changes);
    let req_id = *req_id;
    let Some(Dialog::Plan(d)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    assert_eq!(d.stage, PlanStage::Reading);
    // Nothing is written before the confirmation.
    let held = real_key(2, "deploy-bot", 2, repo_scope("acme", "api"));
    let bulk = Plan {
        changes: vec![Change::Delete {
            scope: repo_scope("acme", "api"),
            key: crate::tui::update::bulk_actions::deploy_key(&held),
        }],
        ..Plan::default()
    };
    worker(
        &mut s,
        WorkerMsg::Planned {
            req_id,
            plan: Box::new(bulk.clone()),
            unreadable: vec![],
        },
    );
    let cmds = update(&mut s, Msg::Input(TextInput::Char('y')));
    assert!(
        matches!(cmds.as_slice(), [Command::ApplyBulk { job_id, request: None, desired: Some(c), .. }] if *job_id == req_id && *c == plan().changes),
        "{cmds:?}"
    );
}

#[test]
fn a_refused_recheck_closes_the_dialog_and_says_why_in_the_view() {
    let mut s = planned();
    let cmds = act(&mut s, Action::Open);
    let [Command::Drift(DriftCommand::Recheck { req_id, .. })] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    let req_id = *req_id;
    worker(
        &mut s,
        WorkerMsg::Drift(DriftMsg::Refused {
            req_id,
            sentence: "acme/api: SHA256:x (id 2) is no longer there".into(),
        }),
    );
    assert!(s.dialog.is_none());
    let text = crate::tui::ui::drift::lines(&s).join("\n");
    assert!(text.contains("Nothing was applied"), "{text}");
    assert!(text.contains("no longer there"), "{text}");
}

#[test]
fn drift_view_100x30() {
    let s = planned();
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    t.draw(|f| crate::tui::ui::render(&s, f)).unwrap();
    insta::assert_snapshot!(t.backend().to_string());
}

/// At 80 columns the hint bar names the Drift view's own keys, all of them, on its one line.
#[test]
fn drift_view_80x24() {
    let s = planned();
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| crate::tui::ui::render(&s, f)).unwrap();
    let screen = t.backend().to_string();
    let hints = screen.lines().last().unwrap_or_default();
    for wanted in ["scroll", "apply", "plan again", "close"] {
        assert!(hints.contains(wanted), "{wanted} missing: {hints}");
    }
    insta::assert_snapshot!(screen);
}

/// The worker's planning, on a real keys file and a stored scan.
mod worker_plan {
    use crate::ops::desired::DesiredChange;
    use crate::tui::state::drift::DriftStatus;
    use crate::tui::tests::insight_fixtures::{pubkey, snapshot};
    use crate::tui::worker::drift::plan;

    fn keys_file(dir: &std::path::Path, body: &str) -> std::path::PathBuf {
        let path = dir.join("keys.toml");
        std::fs::write(&path, body).unwrap();
        path
    }

    #[test]
    fn file_errors_come_back_as_file_line_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = keys_file(
            dir.path(),
            &format!(
                "[[key]]\nname = \"ci\"\npublic_key = \"{}\"\nlabel = \"ci\"\ncolour = \"red\"\n",
                pubkey(1)
            ),
        );
        let DriftStatus::FileErrors(errors) = plan(&path, Some(dir.path())) else {
            panic!()
        };
        let want = format!("{}:5:1: ", path.display());
        assert!(errors.iter().any(|e| e.starts_with(&want)), "{errors:?}");
    }

    #[test]
    fn without_a_stored_scan_it_asks_for_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = keys_file(
            dir.path(),
            &format!(
                "[[key]]\nname = \"ci\"\npublic_key = \"{}\"\nlabel = \"ci\"\nrepos = [\"acme/api\"]\n",
                pubkey(1)
            ),
        );
        assert_eq!(
            plan(&path, Some(dir.path())),
            DriftStatus::NeedsScan(vec!["acme".into()])
        );
    }

    #[test]
    fn it_plans_against_the_stored_scan() {
        let dir = tempfile::tempdir().unwrap();
        let mut snap = snapshot();
        crate::store::store_snapshot(dir.path(), &mut snap).unwrap();
        // Key 1 is on acme/api as "ci-deploy" and on acme/web as "web-deploy".
        let path = keys_file(
            dir.path(),
            &format!(
                "[[key]]\nname = \"ci\"\npublic_key = \"{}\"\nlabel = \"ci-{{repo}}\"\nrepos = [\"acme/api\", \"acme/web\"]\n",
                pubkey(1)
            ),
        );
        let DriftStatus::Planned(p) = plan(&path, Some(dir.path())) else {
            panic!("{:?}", plan(&path, Some(dir.path())))
        };
        let relabels: Vec<(String, String)> = p
            .changes
            .iter()
            .filter_map(|c| match c {
                DesiredChange::Relabel { from, to, .. } => Some((from.clone(), to.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            relabels,
            vec![
                ("ci-deploy".to_string(), "ci-api".to_string()),
                ("web-deploy".to_string(), "ci-web".to_string())
            ]
        );
        assert_eq!(p.changes.len(), 2, "{:?}", p.changes);
    }
}

/// The views stack as the separate flags did: Drift opened from All keys, which was opened
/// from the jobs view, closes back to All keys and then to the jobs view; the help goes over
/// all of them.
#[test]
fn views_opened_over_others_close_back_to_them() {
    let mut s = loaded_real();
    act(&mut s, Action::Jobs);
    act(&mut s, Action::AllKeys);
    act(&mut s, Action::DriftView);
    act(&mut s, Action::Help);
    assert_eq!(s.views.top(), Some(FullView::Help));
    act(&mut s, Action::Cancel);
    assert_eq!(s.views.top(), Some(FullView::Drift));
    act(&mut s, Action::Cancel);
    assert_eq!(s.views.top(), Some(FullView::AllKeys));
    act(&mut s, Action::Cancel);
    assert_eq!(s.views.top(), Some(FullView::Jobs));
    act(&mut s, Action::Cancel);
    assert_eq!(s.views.top(), None);
}
