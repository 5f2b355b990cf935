//! Text fields behave like a shell prompt (issue 14, item 11): the keys go through the real
//! key translation (`runloop::to_msg`) and then `update()`, as in the running program.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use crate::tui::runloop::to_msg;
use crate::tui::state::dialog::Dialog;
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::update::{Command, Msg, TextInput, update};

fn press(s: &mut State, code: KeyCode, mods: KeyModifiers) -> Vec<Command> {
    match to_msg(s, Event::Key(KeyEvent::new(code, mods))) {
        Some(m) => update(s, m),
        None => Vec::new(),
    }
}

fn key(s: &mut State, code: KeyCode) -> Vec<Command> {
    press(s, code, KeyModifiers::NONE)
}

fn ctrl(s: &mut State, c: char) -> Vec<Command> {
    press(s, KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

#[test]
fn the_filter_edits_like_a_shell_prompt() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('/'));
    assert!(s.typing);
    typed(&mut s, "wb");
    key(&mut s, KeyCode::Left);
    typed(&mut s, "e");
    assert_eq!(s.filter[1], "web");
    ctrl(&mut s, 'a');
    typed(&mut s, "x");
    ctrl(&mut s, 'e');
    typed(&mut s, "y");
    assert_eq!(s.filter[1], "xweby");
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Home);
    key(&mut s, KeyCode::Delete);
    assert_eq!(s.filter[1], "web");
    key(&mut s, KeyCode::End);
    typed(&mut s, " api");
    ctrl(&mut s, 'w');
    assert_eq!(s.filter[1], "web ");
    ctrl(&mut s, 'u');
    assert_eq!(s.filter[1], "");
    assert!(s.typing, "editing keys do not end typing");
    typed(&mut s, "web");
    key(&mut s, KeyCode::Right);
    key(&mut s, KeyCode::Enter);
    assert!(!s.typing);
    assert_eq!(s.filter[1], "web");
    // Once the filter is committed, Ctrl-A selects every visible row again.
    ctrl(&mut s, 'a');
    assert_eq!(
        s.selection.repos.iter().cloned().collect::<Vec<_>>(),
        [("acme".to_string(), "web".to_string())]
    );
}

#[test]
fn a_label_is_edited_where_the_caret_is() {
    let mut s = loaded_real();
    key(&mut s, KeyCode::Char('3'));
    key(&mut s, KeyCode::Char('e'));
    assert!(matches!(s.dialog, Some(Dialog::Label(_))));
    key(&mut s, KeyCode::Home);
    typed(&mut s, "x-");
    key(&mut s, KeyCode::End);
    for _ in 0.."deploy".len() {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "prod");
    key(&mut s, KeyCode::Enter);
    let Some(Dialog::Confirm(c)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    assert!(
        matches!(&c.command, Command::RelabelKey { label, .. } if label == "x-ci-prod"),
        "{:?}",
        c.command
    );
}

/// Demo key 30, broken inside its base64 the way a narrow terminal or a mail client wraps it.
fn wrapped_key() -> String {
    let line = crate::demo::key_line(30).unwrap();
    let (head, tail) = line.split_at(40);
    let (mid, end) = tail.split_at(20);
    format!("{head}\n{mid}\r\n{end}\n")
}

#[test]
fn a_wrapped_key_is_joined_and_its_comment_suggested_as_the_label() {
    let mut s = loaded_real();
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('a'));
    update(&mut s, Msg::Input(TextInput::Paste(wrapped_key())));
    let Some(Dialog::Add(f)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    assert!(
        matches!(f.key.parsed(), Some(Ok(_))),
        "{:?}",
        f.key.parsed()
    );
    assert_eq!(f.label, "deploy-30@demo.example");
    key(&mut s, KeyCode::Enter);
    let cmds = key(&mut s, KeyCode::Enter);
    assert!(
        matches!(cmds.as_slice(), [Command::AddKey { label, key, .. }] if label == "deploy-30@demo.example" && key.fingerprint().to_string() == fp(30)),
        "{cmds:?}"
    );
}

#[test]
fn a_label_typed_first_is_not_replaced_by_the_comment() {
    let mut s = loaded_real();
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('a'));
    key(&mut s, KeyCode::Tab);
    typed(&mut s, "ci");
    key(&mut s, KeyCode::Tab);
    update(
        &mut s,
        Msg::Input(TextInput::Paste(crate::demo::key_line(30).unwrap().into())),
    );
    let Some(Dialog::Add(f)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    assert!(matches!(f.key.parsed(), Some(Ok(_))));
    assert_eq!(f.label, "ci");
}

#[test]
fn two_keys_pasted_together_are_still_refused() {
    let mut s = loaded_real();
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('a'));
    let two = format!(
        "{}\n{}\n",
        crate::demo::key_line(30).unwrap(),
        crate::demo::key_line(31).unwrap()
    );
    update(&mut s, Msg::Input(TextInput::Paste(two)));
    let Some(Dialog::Add(f)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    assert!(
        matches!(f.key.parsed(), Some(Err(_))),
        "{:?}",
        f.key.parsed()
    );
    // Nothing is suggested from a key that is refused.
    assert_eq!(f.label, "");
}

#[test]
fn typing_replaces_a_suggested_label_and_editing_keys_keep_it() {
    let open = |s: &mut State| {
        key(s, KeyCode::Char('2'));
        key(s, KeyCode::Char('a'));
        update(
            s,
            Msg::Input(TextInput::Paste(crate::demo::key_line(30).unwrap().into())),
        );
        key(s, KeyCode::Enter);
    };
    let label = |s: &State| match &s.dialog {
        Some(Dialog::Add(f)) => f.label.clone(),
        other => panic!("{other:?}"),
    };
    let mut s = loaded_real();
    open(&mut s);
    typed(&mut s, "ci");
    assert_eq!(label(&s), "ci");
    let mut s = loaded_real();
    open(&mut s);
    key(&mut s, KeyCode::Left);
    key(&mut s, KeyCode::Left);
    typed(&mut s, "x");
    assert_eq!(label(&s), "deploy-30@demo.exampxle");
}
