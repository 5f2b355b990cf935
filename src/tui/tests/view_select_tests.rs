//! `K` and `f` act like the panes: the selection gestures, and `d`, `e`, `o` through the plans.

use crate::forge::Place;
use crate::ops::bulk::BulkRequest;
use crate::tui::action::Action;
use crate::tui::state::dialog::Dialog;
use crate::tui::state::insight::all_keys_rows;
use crate::tui::state::{FullView, State};
use crate::tui::tests::fixtures::*;
use crate::tui::tests::insight_fixtures::*;
use crate::tui::update::{Command, Msg, TextInput, update};

/// acme scanned, `K` open, sorted by label: ci-deploy/web-deploy (api, web), legacy-rsa (api),
/// release-signing (project API).
fn all_keys() -> State {
    let mut s = scanned();
    act(&mut s, Action::AllKeys);
    s.insight.all_keys.sort = crate::ops::audit::SortOrder {
        column: crate::ops::audit::KeyColumn::Labels,
        direction: crate::ops::audit::Direction::Ascending,
    };
    assert_eq!(
        labels(&s),
        ["ci-deploy, web-deploy", "legacy-rsa", "release-signing"]
    );
    s
}

fn selected(s: &State) -> Vec<(String, String)> {
    s.selection
        .keys
        .values()
        .map(|k| (k.scope.to_string(), k.label.clone()))
        .collect()
}

fn type_filter(s: &mut State, text: &str) {
    act(s, Action::Filter);
    for c in text.chars() {
        update(s, Msg::Input(TextInput::Char(c)));
    }
    update(s, Msg::Input(TextInput::Submit));
}

#[test]
fn space_on_a_row_of_all_keys_selects_every_holding_of_the_key() {
    let mut s = all_keys();
    act(&mut s, Action::ToggleSelect);
    assert_eq!(
        selected(&s),
        [
            ("acme/api".to_string(), "ci-deploy".to_string()),
            ("acme/web".to_string(), "web-deploy".to_string())
        ]
    );
    assert_eq!(
        s.insight.all_keys.cursor, 1,
        "Space moves down, as in a pane"
    );
    act(&mut s, Action::Up);
    act(&mut s, Action::ToggleSelect);
    assert!(s.selection.keys.is_empty(), "a second Space takes it back");
}

#[test]
fn ctrl_a_on_a_filtered_all_keys_selects_only_the_matching_holdings() {
    let mut s = all_keys();
    type_filter(&mut s, "used:never");
    assert_eq!(labels(&s), ["ci-deploy, web-deploy", "release-signing"]);
    act(&mut s, Action::SelectAll);
    // web-deploy on web was used: the query judges each holding.
    let scopes: Vec<Place> = s.selection.keys.values().map(|k| k.scope.clone()).collect();
    assert_eq!(
        scopes,
        [repo_scope("acme", "api"), project_scope("acme", "API")]
    );
}

#[test]
fn v_selects_a_range_of_rows_and_ctrl_r_inverts() {
    let mut s = all_keys();
    act(&mut s, Action::VisualSelect);
    act(&mut s, Action::Down);
    act(&mut s, Action::VisualSelect);
    assert_eq!(s.selection.keys.len(), 3, "{:?}", selected(&s));
    act(&mut s, Action::InvertSelection);
    assert_eq!(selected(&s).len(), 1);
    assert_eq!(selected(&s)[0].1, "release-signing");
}

#[test]
fn d_in_all_keys_plans_the_deletion_of_the_selected_holdings() {
    let mut s = all_keys();
    type_filter(&mut s, "used:never");
    act(&mut s, Action::SelectAll);
    let cmds = act(&mut s, Action::DeleteKey);
    let Some(Command::PlanBulk {
        request: BulkRequest::Delete { targets },
        ..
    }) = cmds.first()
    else {
        panic!("a delete plan: {cmds:?}");
    };
    assert_eq!(targets.len(), 2);
    assert!(matches!(s.dialog, Some(Dialog::Plan(_))));
    // The dialog takes the keys typed over `K`: they do not land in its filter.
    update(&mut s, Msg::Input(TextInput::Char('n')));
    assert_eq!(s.insight.all_keys.filter, "used:never");
}

#[test]
fn d_and_e_with_nothing_selected_take_the_key_on_the_cursor_everywhere() {
    let mut s = all_keys();
    let cmds = act(&mut s, Action::DeleteKey);
    assert!(
        matches!(cmds.first(), Some(Command::PlanBulk { request: BulkRequest::Delete { targets }, .. }) if targets.len() == 2),
        "{cmds:?}"
    );
    let mut s = all_keys();
    act(&mut s, Action::EditLabel);
    assert!(matches!(&s.dialog, Some(Dialog::Label(f)) if f.targets.len() == 2));
    let mut s = all_keys();
    act(&mut s, Action::Down);
    act(&mut s, Action::Rotate);
    assert!(matches!(&s.dialog, Some(Dialog::Rotate(f)) if f.choices.len() == 1));
}

#[test]
fn s_and_space_in_find_select_every_place_of_the_key() {
    let mut s = all_keys();
    act(&mut s, Action::FindKey);
    assert!(s.views.is_open(FullView::Find));
    act(&mut s, Action::SelectCopies);
    assert_eq!(s.selection.keys.len(), 2);
    act(&mut s, Action::ToggleSelect);
    assert!(
        s.selection.keys.is_empty(),
        "Space toggles the key back out"
    );
    act(&mut s, Action::DeleteKey);
    assert!(matches!(s.dialog, Some(Dialog::Plan(_))));
}

#[test]
fn the_hint_line_of_all_keys_offers_only_what_works_there() {
    let s = all_keys();
    let screen = draw(&s, 160, 30);
    let hints = screen.lines().last().unwrap();
    assert!(
        hints.contains("select") && hints.contains("delete"),
        "{hints}"
    );
    assert!(!hints.contains(" add "), "{hints}");
    assert!(!hints.contains("Tab pane"), "{hints}");
}

#[test]
fn snapshot_all_keys_with_a_selection() {
    let mut s = all_keys();
    act(&mut s, Action::ToggleSelect);
    act(&mut s, Action::Down);
    let rows = all_keys_rows(&s).len();
    assert_eq!(rows, 3);
    insta::assert_snapshot!("all_keys_selection_100x24", draw(&s, 100, 24));
}

#[test]
fn recipe_rotate_every_rsa_2048_key_from_all_keys() {
    let mut s = all_keys();
    type_filter(&mut s, "type:rsa bits:2048");
    assert_eq!(labels(&s), ["legacy-rsa"]);
    act(&mut s, Action::SelectAll);
    act(&mut s, Action::Rotate);
    let Some(Dialog::Rotate(f)) = &s.dialog else {
        panic!("the rotate dialog: {:?}", s.message);
    };
    assert_eq!(f.choices.len(), 1);
}

#[test]
fn recipe_relabel_every_matching_key_from_all_keys() {
    let mut s = all_keys();
    type_filter(&mut s, "label:*deploy");
    act(&mut s, Action::SelectAll);
    act(&mut s, Action::EditLabel);
    let Some(Dialog::Label(f)) = &s.dialog else {
        panic!("the label dialog: {:?}", s.message);
    };
    assert_eq!(f.targets.len(), 2, "ci-deploy on api and web-deploy on web");
}
