//! `P`: switching profiles (issue 17), as `update()` sees it: the picker, and the command
//! that ends the run loop with the profile chosen.

use crate::forge::ForgeKind;
use crate::tui::action::Action;
use crate::tui::state::dialog::Dialog;
use crate::tui::state::profiles::ProfileChoice;
use crate::tui::tests::fixtures::*;
use crate::tui::update::profiles::NO_PROFILES;
use crate::tui::update::{Command, Msg, TextInput, update};

fn choice(name: &str, forge: ForgeKind, current: bool) -> ProfileChoice {
    ProfileChoice {
        name: name.into(),
        forge,
        current,
    }
}

#[test]
fn p_upper_lists_the_profiles_and_enter_switches_to_the_one_chosen() {
    let mut s = loaded();
    s.profiles = vec![
        choice("cloud", ForgeKind::Cloud, true),
        choice("onprem", ForgeKind::DataCenter, false),
    ];
    assert!(update(&mut s, Msg::Action(Action::SwitchProfile)).is_empty());
    let Some(Dialog::Profiles(p)) = &s.dialog else {
        panic!("no picker: {:?}", s.dialog)
    };
    assert_eq!(p.cursor, 0, "the picker opens on the profile in use");
    assert_eq!(p.choices, s.profiles);
    update(&mut s, Msg::Input(TextInput::Down));
    let out = update(&mut s, Msg::Input(TextInput::Submit));
    assert_eq!(out, vec![Command::SwitchProfile("onprem".into())]);
    assert!(s.dialog.is_none());
}

#[test]
fn the_profile_in_use_or_esc_switches_nothing() {
    let mut s = loaded();
    s.profiles = vec![
        choice("cloud", ForgeKind::Cloud, true),
        choice("onprem", ForgeKind::DataCenter, false),
    ];
    let mut esc = s.clone();
    update(&mut esc, Msg::Action(Action::SwitchProfile));
    assert!(update(&mut esc, Msg::Input(TextInput::Abort)).is_empty());
    assert!(esc.dialog.is_none());
    update(&mut s, Msg::Action(Action::SwitchProfile));
    assert!(update(&mut s, Msg::Input(TextInput::Submit)).is_empty());
    let (text, _) = s.message.clone().unwrap();
    assert!(text.contains("already in use"), "{text}");
}

#[test]
fn p_upper_without_profiles_says_how_to_add_them() {
    let mut s = loaded();
    s.profiles = vec![choice("only", ForgeKind::Cloud, true)];
    assert!(update(&mut s, Msg::Action(Action::SwitchProfile)).is_empty());
    assert!(s.dialog.is_none());
    assert_eq!(s.message.clone().unwrap(), (NO_PROFILES.to_string(), true));
}
