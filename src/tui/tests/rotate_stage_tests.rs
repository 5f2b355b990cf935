//! The rotate dialog offers immediate (the default) or staged rotation; staged applies step one
//! only.

use crate::ops::bulk::Plan;
use crate::tui::action::Action;
use crate::tui::state::State;
use crate::tui::state::dialog::*;
use crate::tui::tests::fixtures::*;
use crate::tui::update::{Command, Msg, TextInput, update};

fn key(s: &mut State, t: TextInput) -> Vec<Command> {
    update(s, Msg::Input(t))
}

/// The rotate dialog for key 1 of acme/api, the new key pasted.
fn rotate_dialog() -> State {
    let mut s = loaded_real();
    update(&mut s, Msg::Action(Action::FocusKeys));
    update(&mut s, Msg::Action(Action::SelectCopies));
    update(&mut s, Msg::Action(Action::Rotate));
    key(
        &mut s,
        TextInput::Paste(crate::demo::key_line(33).unwrap().into()),
    );
    s
}

fn plan_ready_and_confirm(s: &mut State) -> Vec<Command> {
    let Some(Dialog::Plan(d)) = &mut s.dialog else {
        panic!("the plan dialog");
    };
    // One change is enough to be confirmed with `y`; what it is does not matter here.
    let plan = Plan {
        changes: vec![crate::ops::bulk::Change::Add {
            scope: repo_scope("acme", "api"),
            key: crate::ops::bulk::NewKey::from(
                &crate::sshkey::PublicKey::from_server(crate::demo::key_line(33).unwrap()).unwrap(),
            ),
            label: "new".into(),
        }],
        ..Plan::default()
    };
    d.stage = PlanStage::Ready(Box::new(plan));
    key(s, TextInput::Char('y'))
}

#[test]
fn rotation_is_immediate_by_default() {
    let mut s = rotate_dialog();
    assert!(matches!(&s.dialog, Some(Dialog::Rotate(f)) if !f.staged));
    key(&mut s, TextInput::Submit);
    let cmds = plan_ready_and_confirm(&mut s);
    assert!(
        matches!(cmds.as_slice(), [Command::ApplyBulk { staged: false, .. }]),
        "{cmds:?}"
    );
}

#[test]
fn the_third_field_switches_to_a_staged_rotation() {
    let mut s = rotate_dialog();
    key(&mut s, TextInput::NextField);
    key(&mut s, TextInput::NextField);
    key(&mut s, TextInput::Char(' '));
    assert!(matches!(&s.dialog, Some(Dialog::Rotate(f)) if f.staged && f.field == 2));
    // ← and → switch back and forth too; the label stays untouched.
    key(&mut s, TextInput::Right);
    key(&mut s, TextInput::Left);
    assert!(matches!(&s.dialog, Some(Dialog::Rotate(f)) if f.staged && f.label.is_empty()));
    key(&mut s, TextInput::Submit);
    assert!(matches!(&s.dialog, Some(Dialog::Plan(d)) if d.staged && d.title.ends_with("staged")));
    let cmds = plan_ready_and_confirm(&mut s);
    assert!(
        matches!(cmds.as_slice(), [Command::ApplyBulk { staged: true, .. }]),
        "{cmds:?}"
    );
}

#[test]
fn the_rotate_dialog_shows_the_mode() {
    let s = rotate_dialog();
    let screen = crate::tui::tests::insight_fixtures::draw(&s, 100, 30);
    assert!(
        screen.contains("(•) immediate") && screen.contains("( ) staged"),
        "{screen}"
    );
}
