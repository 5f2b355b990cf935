//! The TUI on Data Center (issue 17): places of the forge's kind, the permission column and
//! expiry, and `p` changing a grant's permission behind a confirmation.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::forge::{AccessKey, Caps, ForgeKind, Permission, Place};
use crate::ops::edits::KeyEdit;
use crate::tui::action::Action;
use crate::tui::state::dialog::Dialog;
use crate::tui::state::from_forge::{project_group, repo_key_views};
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::update::permission::NO_PERMISSION_LEVEL;
use crate::tui::update::{Command, Msg, TextInput, WorkerMsg, init, update};

const NOW: time::OffsetDateTime = time::macros::datetime!(2026-03-10 12:00:00 UTC);

fn dc_facts() -> ForgeFacts {
    ForgeFacts {
        kind: ForgeKind::DataCenter,
        caps: Caps {
            in_place_label: false,
            permissions: true,
            expiry: true,
            usage_lookup: true,
            project_keys: true,
        },
        now: NOW,
    }
}

fn dc_key(
    id: u64,
    label: &str,
    n: usize,
    permission: Permission,
    created: &str,
    days: Option<u32>,
) -> AccessKey {
    let line = crate::demo::key_line(n).unwrap();
    AccessKey {
        id,
        key: line
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
            .into(),
        label: label.into(),
        comment: None,
        permission,
        created: Some(created.into()),
        last_used: None,
        expiry_days: days,
    }
}

/// Projects ACME and OPS; ACME/web holds a write key that never expires, one expiring in 6
/// days and an expired one; project ACME grants `ci-deploy` read. Loaded through `update()`
/// as the worker answers on Data Center.
pub(crate) fn dc_loaded() -> State {
    let mut s = state();
    s.forge = dc_facts();
    let cmds = init(&mut s);
    let id = req_of(&cmds, |c| match c {
        Command::LoadWorkspaces { req_id } => Some(*req_id),
        _ => None,
    });
    let cmds = update(
        &mut s,
        Msg::Worker(WorkerMsg::Workspaces {
            req_id: id,
            result: Ok(vec![ws("ACME", "Acme"), ws("OPS", "Operations")]),
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
    let project = crate::forge::Project {
        key: "ACME".into(),
        name: Some("Acme".into()),
    };
    let shared = dc_key(
        7,
        "ci-deploy",
        4,
        Permission::Read,
        "2025-06-01T00:00:00Z",
        None,
    );
    update(
        &mut s,
        Msg::Worker(WorkerMsg::ProjectKeys {
            req_id: pk_id,
            ws: "ACME".into(),
            result: Ok(vec![project_group(
                ForgeKind::DataCenter,
                "ACME",
                project,
                Ok(vec![shared]),
            )]),
        }),
    );
    let cmds = update(
        &mut s,
        Msg::Worker(WorkerMsg::Repos {
            req_id: repos_id,
            ws: "ACME".into(),
            result: Ok(vec![repo("web", Some("ACME"))]),
        }),
    );
    let keys_id = req_of(&cmds, |c| match c {
        Command::LoadKeys { req_id, .. } => Some(*req_id),
        _ => None,
    });
    let keys = vec![
        dc_key(
            1,
            "deploy-w",
            1,
            Permission::Write,
            "2025-01-01T00:00:00Z",
            None,
        ),
        dc_key(
            2,
            "release-bot",
            2,
            Permission::Read,
            "2026-01-10T11:00:00Z",
            Some(65),
        ),
        dc_key(
            3,
            "backup-reader",
            3,
            Permission::Read,
            "2026-01-01T00:00:00Z",
            Some(59),
        ),
    ];
    update(
        &mut s,
        Msg::Worker(WorkerMsg::Keys {
            req_id: keys_id,
            ws: "ACME".into(),
            repo: "web".into(),
            result: Ok(repo_key_views(ForgeKind::DataCenter, "ACME", "web", keys)),
        }),
    );
    update(&mut s, Msg::Action(Action::FocusKeys));
    s
}

fn draw(s: &State, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| crate::tui::ui::render(s, f)).unwrap();
    t.backend().to_string()
}

#[test]
fn keys_the_worker_converts_on_data_center_carry_its_places_permission_and_expiry() {
    let k = dc_key(
        2,
        "release-bot",
        2,
        Permission::Write,
        "2026-01-10T11:00:00Z",
        Some(65),
    );
    let views = repo_key_views(ForgeKind::DataCenter, "ACME", "web", vec![k]);
    assert_eq!(
        views[0].scope,
        Place::repository(ForgeKind::DataCenter, "ACME", "web")
    );
    assert_eq!(views[0].permission, Permission::Write);
    assert_eq!(
        views[0].expires,
        Some(time::macros::datetime!(2026-03-16 11:00:00 UTC))
    );
    let s = dc_loaded();
    let Load::Ready(groups) = &s.project_keys["ACME"] else {
        panic!("project keys not loaded")
    };
    let project_key = &groups[0].keys.as_ref().unwrap()[0];
    assert_eq!(
        project_key.scope,
        Place::project(ForgeKind::DataCenter, "ACME", "ACME")
    );
}

#[test]
fn p_on_data_center_asks_first_and_y_sends_one_permission_change() {
    let mut s = dc_loaded();
    let focused = s.focused_key().unwrap().clone();
    assert_eq!((focused.id, focused.permission), (1, Permission::Write));
    let out = update(&mut s, Msg::Action(Action::ChangePermission));
    assert!(out.is_empty(), "nothing is sent before the answer: {out:?}");
    let Some(Dialog::Confirm(c)) = &s.dialog else {
        panic!("no confirmation: {:?}", s.dialog)
    };
    assert!(c.lines[0].contains("from write to read"), "{:?}", c.lines);
    // The default answer is No: Enter and n drop the change.
    let mut declined = s.clone();
    assert!(update(&mut declined, Msg::Input(TextInput::Submit)).is_empty());
    assert!(declined.dialog.is_none());
    let mut refused = s.clone();
    assert!(update(&mut refused, Msg::Input(TextInput::Char('n'))).is_empty());
    let out = update(&mut s, Msg::Input(TextInput::Char('y')));
    let [
        Command::ChangePermission {
            scope,
            key,
            permission,
            ..
        },
    ] = out.as_slice()
    else {
        panic!("expected one permission change: {out:?}")
    };
    assert_eq!(
        *scope,
        Place::repository(ForgeKind::DataCenter, "ACME", "web")
    );
    assert_eq!((key.id, *permission), (1, Permission::Read));
}

#[test]
fn p_on_a_read_key_asks_for_write_and_warns_that_it_can_push() {
    let mut s = dc_loaded();
    update(&mut s, Msg::Action(Action::Down));
    update(&mut s, Msg::Action(Action::ChangePermission));
    let Some(Dialog::Confirm(c)) = &s.dialog else {
        panic!("no confirmation")
    };
    assert!(c.lines[0].contains("from read to write"), "{:?}", c.lines);
    assert!(
        c.lines.iter().any(|l| l.contains("can push")),
        "{:?}",
        c.lines
    );
}

#[test]
fn p_on_cloud_says_its_keys_have_no_permission_level() {
    let mut s = loaded();
    update(&mut s, Msg::Action(Action::FocusKeys));
    let out = update(&mut s, Msg::Action(Action::ChangePermission));
    assert!(out.is_empty(), "{out:?}");
    assert!(s.dialog.is_none());
    let (text, error) = s.message.clone().unwrap();
    assert_eq!(text, NO_PERMISSION_LEVEL);
    assert!(error);
}

#[test]
fn the_answer_of_a_permission_change_replaces_the_key_in_the_pane() {
    let mut s = dc_loaded();
    let scope = Place::repository(ForgeKind::DataCenter, "ACME", "web");
    let old = crate::tui::update::bulk_actions::deploy_key(s.focused_key().unwrap());
    let new = AccessKey {
        permission: Permission::Read,
        ..old.clone()
    };
    update(
        &mut s,
        Msg::Worker(WorkerMsg::OpDone {
            req_id: 99,
            scopes: vec![scope.clone()],
            result: Ok("'deploy-w' (id 1) at ACME/web is now read".into()),
            edits: vec![KeyEdit::Replaced { scope, old, new }],
        }),
    );
    let k = s.focused_key().unwrap();
    assert_eq!((k.id, k.permission), (1, Permission::Read));
}

#[test]
fn data_center_keys_pane_shows_projects_permission_and_expiry() {
    let s = dc_loaded();
    let screen = draw(&s, 120, 24);
    assert!(screen.contains("Projects"), "{screen}");
    assert!(!screen.contains("Workspaces"), "{screen}");
    insta::assert_snapshot!("dc_keys_pane_120x24", screen);
}

#[test]
fn the_detail_of_a_data_center_key_names_its_permission_and_expiry() {
    let mut s = dc_loaded();
    update(&mut s, Msg::Action(Action::Down));
    let screen = draw(&s, 120, 30);
    assert!(screen.contains("Permission: read"), "{screen}");
    assert!(screen.contains("expires in 6 days"), "{screen}");
}

/// `a` on ACME/web with key 30 pasted; its comment is suggested as the label.
fn dc_add_open() -> State {
    let mut s = dc_loaded();
    update(&mut s, Msg::Action(Action::AddKey));
    update(
        &mut s,
        Msg::Input(TextInput::Paste(crate::demo::key_line(30).unwrap().into())),
    );
    s
}

fn add_form(s: &State) -> &crate::tui::state::dialog::AddForm {
    match &s.dialog {
        Some(Dialog::Add(f)) => f,
        other => panic!("no add dialog: {other:?}"),
    }
}

fn type_in(s: &mut State, text: &str) -> Vec<Command> {
    text.chars()
        .flat_map(|c| update(s, Msg::Input(TextInput::Char(c))))
        .collect()
}

/// Tabs from the key field to the expiry field (key → label → permission → expiry).
fn to_expiry(s: &mut State) {
    for _ in 0..3 {
        update(s, Msg::Input(TextInput::NextField));
    }
    assert_eq!(add_form(s).field, 3);
}

#[test]
fn add_on_data_center_tabs_to_the_permission_and_space_or_arrows_toggle_it() {
    let mut s = dc_add_open();
    assert_eq!(add_form(&s).permission, Permission::Read, "read by default");
    update(&mut s, Msg::Input(TextInput::NextField));
    update(&mut s, Msg::Input(TextInput::NextField));
    assert_eq!(add_form(&s).field, 2);
    update(&mut s, Msg::Input(TextInput::Char(' ')));
    assert_eq!(add_form(&s).permission, Permission::Write);
    update(&mut s, Msg::Input(TextInput::Left));
    assert_eq!(add_form(&s).permission, Permission::Read);
    update(&mut s, Msg::Input(TextInput::Right));
    assert_eq!(add_form(&s).permission, Permission::Write);
    // Other characters on the permission line change nothing.
    let label = add_form(&s).label.clone();
    type_in(&mut s, "x");
    assert_eq!(
        (
            add_form(&s).permission,
            &add_form(&s).label,
            add_form(&s).expiry.as_str()
        ),
        (Permission::Write, &label, "")
    );
    update(&mut s, Msg::Input(TextInput::NextField));
    assert_eq!(add_form(&s).field, 3);
    update(&mut s, Msg::Input(TextInput::NextField));
    assert_eq!(add_form(&s).field, 0, "Tab wraps round to the key");
}

#[test]
fn add_on_data_center_refuses_an_expiry_that_is_not_a_number_or_is_zero() {
    for (typed, why) in [("soon", "whole number of days"), ("0", "at least 1 day")] {
        let mut s = dc_add_open();
        to_expiry(&mut s);
        type_in(&mut s, typed);
        let out = update(&mut s, Msg::Input(TextInput::Submit));
        assert!(out.is_empty(), "{typed}: nothing is sent: {out:?}");
        assert_eq!(
            add_form(&s).field,
            3,
            "{typed}: the dialog stays on the expiry"
        );
        let (text, error) = s.message.clone().unwrap();
        assert!(error && text.contains(why), "{typed}: {text}");
        let screen = draw(&s, 100, 30);
        assert!(
            screen.contains(why),
            "{typed}: said in the dialog\n{screen}"
        );
    }
}

#[test]
fn add_on_data_center_sends_the_permission_and_expiry_asked_for() {
    let mut s = dc_add_open();
    to_expiry(&mut s);
    type_in(&mut s, "30");
    update(&mut s, Msg::Input(TextInput::Up));
    update(&mut s, Msg::Input(TextInput::Char(' ')));
    let out = update(&mut s, Msg::Input(TextInput::Submit));
    let [Command::AddKey { scope, grant, .. }] = out.as_slice() else {
        panic!("expected one add: {out:?}")
    };
    assert_eq!(
        *scope,
        Place::repository(ForgeKind::DataCenter, "ACME", "web")
    );
    assert_eq!(
        *grant,
        crate::ops::keyops::Grant {
            permission: Permission::Write,
            expiry_days: Some(30),
        }
    );
    // Left blank and read, the add asks for read that never expires.
    let mut s = dc_add_open();
    update(&mut s, Msg::Input(TextInput::Submit));
    let out = update(&mut s, Msg::Input(TextInput::Submit));
    let [Command::AddKey { grant, .. }] = out.as_slice() else {
        panic!("expected one add: {out:?}")
    };
    assert_eq!(*grant, crate::ops::keyops::Grant::default());
}

#[test]
fn add_on_cloud_keeps_two_fields_and_sends_read_without_expiry() {
    let mut s = loaded_real();
    update(&mut s, Msg::Action(Action::FocusKeys));
    update(&mut s, Msg::Action(Action::AddKey));
    update(
        &mut s,
        Msg::Input(TextInput::Paste(crate::demo::key_line(30).unwrap().into())),
    );
    update(&mut s, Msg::Input(TextInput::NextField));
    update(&mut s, Msg::Input(TextInput::NextField));
    assert_eq!(add_form(&s).field, 0, "key and label only");
    update(&mut s, Msg::Input(TextInput::Submit));
    let out = update(&mut s, Msg::Input(TextInput::Submit));
    let [Command::AddKey { grant, .. }] = out.as_slice() else {
        panic!("expected one add: {out:?}")
    };
    assert_eq!(*grant, crate::ops::keyops::Grant::default());
}

#[test]
fn data_center_add_dialog_with_write_and_an_expiry() {
    let mut s = dc_add_open();
    s.size = (100, 30);
    to_expiry(&mut s);
    type_in(&mut s, "30");
    update(&mut s, Msg::Input(TextInput::Up));
    update(&mut s, Msg::Input(TextInput::Right));
    let screen = draw(&s, 100, 30);
    assert!(
        screen.contains("( ) read  (•) write") && screen.contains("Expires in days"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn a_bulk_add_on_data_center_says_it_grants_read_without_expiry() {
    use crate::tui::state::dialog::{AddForm, AddTarget, KeyField};
    let mut s = dc_loaded();
    s.dialog = Some(Dialog::Add(AddForm {
        target: AddTarget::Many(vec![
            Place::repository(ForgeKind::DataCenter, "ACME", "web"),
            Place::repository(ForgeKind::DataCenter, "ACME", "api"),
        ]),
        key: KeyField::default(),
        label: String::new(),
        field: 0,
        projects: Vec::new(),
        label_suggested: false,
        grants: true,
        permission: Permission::Read,
        expiry: String::new(),
    }));
    let screen = draw(&s, 100, 30);
    assert!(
        screen.contains("grants read access that never expires") && !screen.contains("(•) read"),
        "{screen}"
    );
    update(&mut s, Msg::Input(TextInput::NextField));
    update(&mut s, Msg::Input(TextInput::NextField));
    assert_eq!(add_form(&s).field, 0, "key and label only");
}
