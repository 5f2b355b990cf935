//! `e` on a selection of Data Center keys (issue 17): the holdings grouped by key, every
//! grant of each looked up, one typed confirmation listing them all, and the worker
//! replacing each key everywhere on the Data Center simulator.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::forge::{AccessKey, ForgeKind, Permission, Place};
use crate::ops::keyops::Grant;
use crate::tui::action::Action;
use crate::tui::state::State;
use crate::tui::state::dialog::Dialog;
use crate::tui::state::op_failure::OpFailure;
use crate::tui::state::replace::{KeyGrants, ReplaceCommand, ReplaceDialog, ReplaceGrants};
use crate::tui::tests::permission_tests::dc_loaded;
use crate::tui::ui::replace::lines;
use crate::tui::update::{Command, Msg, TextInput, WorkerMsg, update};

fn act(s: &mut State, a: Action) -> Vec<Command> {
    update(s, Msg::Action(a))
}

fn type_in(s: &mut State, text: &str) -> Vec<Command> {
    let mut cmds = Vec::new();
    for c in text.chars() {
        cmds.extend(update(s, Msg::Input(TextInput::Char(c))));
    }
    cmds
}

fn submit(s: &mut State) -> Vec<Command> {
    update(s, Msg::Input(TextInput::Submit))
}

fn dc(repo: &str) -> Place {
    Place::repository(ForgeKind::DataCenter, "ACME", repo)
}

fn key(id: u64, label: &str, n: usize) -> AccessKey {
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
        permission: Permission::Read,
        created: None,
        last_used: None,
        expiry_days: None,
    }
}

fn grant(permission: Permission, expiry_days: Option<u32>) -> Grant {
    Grant {
        permission,
        expiry_days,
    }
}

/// Two keys: `deploy-w` granted at three places, `release-bot` at two.
fn two_keys() -> Vec<KeyGrants> {
    vec![
        KeyGrants {
            key: key(1, "deploy-w", 1),
            grants: vec![
                (dc("web"), grant(Permission::Write, None)),
                (dc("api"), grant(Permission::Read, None)),
                (
                    Place::project(ForgeKind::DataCenter, "OPS", "OPS"),
                    grant(Permission::Write, Some(90)),
                ),
            ],
            label: "deploy-w-2027".into(),
        },
        KeyGrants {
            key: key(2, "release-bot", 2),
            grants: vec![
                (dc("web"), grant(Permission::Read, Some(65))),
                (dc("billing"), grant(Permission::Read, None)),
            ],
            label: "release-bot-2027".into(),
        },
    ]
}

/// `dc_loaded()` with the first two keys of ACME/web selected and `e` pressed.
fn label_form_on_two_selected() -> State {
    let mut s = dc_loaded();
    act(&mut s, Action::ToggleSelect);
    act(&mut s, Action::ToggleSelect);
    assert_eq!(s.selection.keys.len(), 2);
    act(&mut s, Action::EditLabel);
    assert!(matches!(s.dialog, Some(Dialog::Label(_))), "{:?}", s.dialog);
    s
}

fn lookup_of(cmds: &[Command]) -> (crate::tui::state::ReqId, Vec<(Place, String)>, String) {
    match cmds {
        [
            Command::Replace(ReplaceCommand::LookupSelection {
                req_id,
                holdings,
                template,
            }),
        ] => (*req_id, holdings.clone(), template.clone()),
        other => panic!("not one selection lookup: {other:?}"),
    }
}

#[test]
fn e_on_a_data_center_selection_looks_up_every_grant_of_each_key_once() {
    let mut s = label_form_on_two_selected();
    // A third holding of the first key, elsewhere: the same key entity, looked up once.
    let (first, fp) = s
        .selection
        .keys
        .values()
        .find(|k| k.label == "deploy-w")
        .map(|k| (k.clone(), k.fingerprint.clone()))
        .unwrap();
    let Some(Dialog::Label(f)) = &mut s.dialog else {
        unreachable!()
    };
    f.targets.push((dc("api"), fp.clone()));
    type_in(&mut s, "{label}-2027");
    let cmds = submit(&mut s);
    let (_, holdings, template) = lookup_of(&cmds);
    assert_eq!(template, "{label}-2027");
    assert_eq!(holdings.len(), 2, "{holdings:?}");
    assert!(
        holdings.contains(&(first.scope.clone(), fp)),
        "{holdings:?}"
    );
    assert!(s.dialog.is_none());
    let said = s.message.clone().unwrap().0;
    assert!(said.contains("every grant of 2 key(s)"), "{said}");
}

#[test]
fn a_template_naming_a_place_is_refused_on_data_center_and_nothing_is_sent() {
    for bad in ["{repo}-ci", "{workspace}", "ci-{project}"] {
        let mut s = label_form_on_two_selected();
        type_in(&mut s, bad);
        let cmds = submit(&mut s);
        assert!(cmds.is_empty(), "{bad}: {cmds:?}");
        assert!(matches!(s.dialog, Some(Dialog::Label(_))), "{bad}");
        let (said, error) = s.message.clone().unwrap();
        assert!(error && said.contains("shared by every grant"), "{said}");
    }
}

/// The selection's lookup answered with two keys of 3 and 2 grants.
fn answered() -> State {
    let mut s = label_form_on_two_selected();
    type_in(&mut s, "{label}-2027");
    let (req_id, _, _) = lookup_of(&submit(&mut s));
    update(
        &mut s,
        Msg::Worker(WorkerMsg::ReplaceGrants(Box::new(ReplaceGrants {
            req_id,
            found: two_keys(),
            failed: Vec::new(),
        }))),
    );
    s
}

fn dialog(s: &State) -> &ReplaceDialog {
    match &s.dialog {
        Some(Dialog::Replace(d)) => d,
        other => panic!("not the replace dialog: {other:?}"),
    }
}

#[test]
fn the_dialog_lists_every_grant_of_both_keys_and_asks_for_their_number() {
    let s = answered();
    let d = dialog(&s);
    assert_eq!(d.expected(), "5");
    let shown = lines(d).join("\n");
    for want in [
        "a label belongs to the key",
        "Each of these 2 keys",
        "(5 grants",
        "'deploy-w' → 'deploy-w-2027' (key 1, 3 grant(s)):",
        "  ACME/web  write  no expiry",
        "  ACME/api  read  no expiry",
        "write  90 days from the re-add",
        "'release-bot' → 'release-bot-2027' (key 2, 2 grant(s)):",
        "  ACME/web  read  65 days from the re-add",
        "  ACME/billing  read  no expiry",
        "Type 5 and Enter to go ahead",
    ] {
        assert!(shown.contains(want), "{want:?} missing from\n{shown}");
    }
    let grant_rows = shown
        .lines()
        .filter(|l| l.contains("  read  ") || l.contains("  write  "))
        .count();
    assert_eq!(grant_rows, 5, "{shown}");
}

#[test]
fn only_the_number_of_grants_sends_both_keys_in_one_run() {
    let mut s = answered();
    // y, the number of keys, or the number of one key's grants send nothing.
    for wrong in ["y", "2", "3"] {
        type_in(&mut s, wrong);
        assert!(submit(&mut s).is_empty(), "{wrong}");
        assert!(matches!(s.dialog, Some(Dialog::Replace(_))), "{wrong}");
        let (said, error) = s.message.clone().unwrap();
        assert!(error && said.contains("Type 5"), "{said}");
        update(&mut s, Msg::Input(TextInput::Backspace));
    }
    type_in(&mut s, "5");
    let cmds = submit(&mut s);
    match cmds.as_slice() {
        [Command::Replace(ReplaceCommand::Run { keys, .. })] => assert_eq!(*keys, two_keys()),
        other => panic!("not one run: {other:?}"),
    }
    assert!(s.dialog.is_none());
}

#[test]
fn esc_leaves_the_dialog_and_sends_nothing() {
    let mut s = answered();
    let cmds = update(&mut s, Msg::Input(TextInput::Abort));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(s.dialog.is_none());
    assert_eq!(s.message.clone().unwrap().0, "Nothing changed");
}

#[test]
fn keys_already_so_labelled_or_unreadable_are_left_out_and_said_so() {
    let mut s = label_form_on_two_selected();
    type_in(&mut s, "release-bot");
    let (req_id, _, _) = lookup_of(&submit(&mut s));
    let mut keys = two_keys();
    keys[1].label = "release-bot".into();
    keys[0].label = "release-bot".into();
    update(
        &mut s,
        Msg::Worker(WorkerMsg::ReplaceGrants(Box::new(ReplaceGrants {
            req_id,
            found: keys,
            failed: vec![(
                "SHA256:gone".into(),
                OpFailure::local("it is no longer on ACME/web"),
            )],
        }))),
    );
    let d = dialog(&s);
    assert_eq!(d.keys.len(), 1);
    assert_eq!(d.expected(), "3");
    let shown = lines(d).join("\n");
    assert!(
        shown.contains("'release-bot' (key 2) is already labelled so"),
        "{shown}"
    );
    assert!(
        shown.contains("SHA256:gone could not be read: it is no longer on ACME/web"),
        "{shown}"
    );
}

#[test]
fn with_every_key_left_out_nothing_opens_and_the_reason_is_said() {
    let mut s = label_form_on_two_selected();
    type_in(&mut s, "x");
    let (req_id, _, _) = lookup_of(&submit(&mut s));
    let mut keys = two_keys();
    for k in &mut keys {
        k.grants.clear();
    }
    update(
        &mut s,
        Msg::Worker(WorkerMsg::ReplaceGrants(Box::new(ReplaceGrants {
            req_id,
            found: keys,
            failed: Vec::new(),
        }))),
    );
    assert!(s.dialog.is_none(), "{:?}", s.dialog);
    let (said, error) = s.message.clone().unwrap();
    assert!(error && said.starts_with("Nothing changed"), "{said}");
    assert!(
        said.contains("granted nowhere this credential may see"),
        "{said}"
    );
}

#[test]
fn the_arrows_scroll_a_long_list_and_stop_at_its_end() {
    let mut s = answered();
    update(&mut s, Msg::Input(TextInput::Down));
    update(&mut s, Msg::Input(TextInput::Down));
    assert_eq!(dialog(&s).scroll, 2);
    update(&mut s, Msg::Input(TextInput::Up));
    assert_eq!(dialog(&s).scroll, 1);
    for _ in 0..20 {
        update(&mut s, Msg::Input(TextInput::PageDown));
    }
    let rows = crate::tui::ui::replace::body_rows(
        dialog(&s),
        crate::tui::ui::replace::body_width(s.size.0),
    )
    .len();
    assert_eq!(dialog(&s).scroll, rows - 1);
    // Scrolling types nothing.
    assert!(dialog(&s).typed.is_empty());
}

fn draw(s: &State, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| crate::tui::ui::render(s, f)).unwrap();
    t.backend().to_string()
}

#[test]
fn snapshot_the_replace_dialog_of_two_keys() {
    let mut s = answered();
    type_in(&mut s, "5");
    let small = draw(&s, 80, 24);
    assert!(small.contains("Relabel 2 keys at every grant"), "{small}");
    assert!(small.contains("Type 5 and Enter to go ahead: 5"), "{small}");
    insta::assert_snapshot!("dc_relabel_two_keys_80x24", small);
    s.size = (120, 40);
    let wide = draw(&s, 120, 40);
    for place in ["ACME/api", "ACME/billing", "OPS"] {
        assert!(wide.contains(place), "{place} missing from\n{wide}");
    }
    insta::assert_snapshot!("dc_relabel_two_keys_120x40", wide);
}

#[test]
fn a_list_longer_than_the_screen_scrolls_and_keeps_the_typed_count_in_view() {
    let mut s = answered();
    let Some(Dialog::Replace(d)) = &mut s.dialog else {
        unreachable!()
    };
    for n in 0..20 {
        d.keys[0]
            .grants
            .push((dc(&format!("repo-{n:02}")), grant(Permission::Read, None)));
    }
    let top = draw(&s, 80, 24);
    assert!(top.contains("↑/↓ scroll"), "{top}");
    assert!(top.contains(" lines 1-"), "{top}");
    assert!(top.contains("Type 25 and Enter to go ahead"), "{top}");
    assert!(!top.contains("ACME/billing"), "{top}");
    for _ in 0..5 {
        update(&mut s, Msg::Input(TextInput::PageDown));
    }
    let bottom = draw(&s, 80, 24);
    assert!(bottom.contains("ACME/billing"), "{bottom}");
    assert!(bottom.contains("keeps the old label"), "{bottom}");
    assert!(bottom.contains("Type 25 and Enter to go ahead"), "{bottom}");
}

#[test]
fn the_label_form_of_a_data_center_selection_offers_only_the_key_s_own_label() {
    let mut s = label_form_on_two_selected();
    let empty = draw(&s, 100, 30);
    assert!(
        empty.contains("Relabel 2 selected keys at every grant"),
        "{empty}"
    );
    assert!(
        empty.contains("template with {label} (one label per key"),
        "{empty}"
    );
    assert!(empty.contains("such as {label}-2027"), "{empty}");
    assert!(!empty.contains("{repo}"), "{empty}");
    type_in(&mut s, "{label}-2027");
    let typed = draw(&s, 100, 30);
    assert!(typed.contains("'deploy-w' → 'deploy-w-2027'"), "{typed}");
}

fn grants_of_two_keys(req_id: crate::tui::state::ReqId, suffix: &str) -> Msg {
    let mut keys = two_keys();
    for k in &mut keys {
        k.label = format!("{}{suffix}", k.key.label);
    }
    Msg::Worker(WorkerMsg::ReplaceGrants(Box::new(ReplaceGrants {
        req_id,
        found: keys,
        failed: Vec::new(),
    })))
}

/// The selection's lookup for `{label}-2027` sent, then `e` pressed again before its answer
/// and `again` typed into the new form.
fn e_again_while_looking_up(again: &str) -> (State, crate::tui::state::ReqId) {
    let mut s = label_form_on_two_selected();
    type_in(&mut s, "{label}-2027");
    let (first, _, _) = lookup_of(&submit(&mut s));
    act(&mut s, Action::EditLabel);
    type_in(&mut s, again);
    (s, first)
}

#[test]
fn the_answer_of_a_lookup_a_later_one_replaced_is_dropped() {
    // The person thinks again before the grants arrive: e, another label.
    let (mut s, first) = e_again_while_looking_up("{label}-2028");
    let (second, _, _) = lookup_of(&submit(&mut s));
    assert_ne!(first, second);
    update(&mut s, grants_of_two_keys(first, "-2027"));
    assert!(s.dialog.is_none(), "{:?}", s.dialog);
    update(&mut s, grants_of_two_keys(second, "-2028"));
    let d = dialog(&s);
    assert!(
        d.keys.iter().all(|k| k.label.ends_with("-2028")),
        "{:?}",
        d.keys
    );
}

#[test]
fn grants_that_arrive_while_another_dialog_is_open_leave_it_as_it_is() {
    // Another dialog is open, half typed, when the grants come.
    let (mut s, req_id) = e_again_while_looking_up("half");
    update(&mut s, grants_of_two_keys(req_id, "-2027"));
    match &s.dialog {
        Some(Dialog::Label(f)) => assert_eq!(f.text, "half"),
        other => panic!("the open form was replaced: {other:?}"),
    }
    let (said, error) = s.message.clone().unwrap();
    assert!(error && said.contains("press e again"), "{said}");
    // Nothing is left waiting: a late copy of the same answer opens nothing either.
    update(&mut s, Msg::Input(TextInput::Abort));
    update(&mut s, grants_of_two_keys(req_id, "-2027"));
    assert!(s.dialog.is_none(), "{:?}", s.dialog);
}
