//! The keys pane's rows and the detail's "also on" are kept between frames (issue 21): what a
//! frame shows after the keys, the filter or the focus changed is computed afresh, never what
//! an earlier frame remembered.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::forge::AccessKey;
use crate::ops::edits::KeyEdit;
use crate::tui::action::Action;
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::ui::render;
use crate::tui::update::{Command, Msg, SETTLE_TICKS, TextInput, WorkerMsg, update};

/// Draws a frame, as the event loop does after every message: it fills what is kept.
fn draw(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(100, 24)).unwrap();
    t.draw(|f| render(s, f)).unwrap();
    t.backend().to_string()
}

fn act(s: &mut State, a: Action) -> String {
    update(s, Msg::Action(a));
    draw(s)
}

fn labels(s: &State) -> Vec<String> {
    s.key_rows()
        .iter()
        .map(|r| match r {
            KeyRow::Key { key, .. } => key.label.clone(),
            KeyRow::Problem(p, _) => format!("problem {p}"),
        })
        .collect()
}

fn access_key(id: u64, label: &str) -> AccessKey {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua",
        "label": label,
    }))
    .unwrap()
}

#[test]
fn a_key_relabelled_in_place_leaves_the_filtered_list_it_no_longer_matches() {
    let mut s = loaded();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::Filter);
    update(&mut s, Msg::Input(TextInput::Paste("jenkins".into())));
    let screen = draw(&s);
    assert_eq!(labels(&s), ["jenkins"], "{screen}");
    // The relabel replaces the key where it stood: the list keeps its length and its place.
    let edit = KeyEdit::Replaced {
        scope: repo_scope("acme", "api"),
        old: access_key(2, "jenkins"),
        new: access_key(3, "ci-release"),
    };
    update(
        &mut s,
        Msg::Worker(WorkerMsg::OpDone {
            req_id: 1,
            scopes: vec![repo_scope("acme", "api")],
            result: Ok("done".into()),
            edits: vec![edit],
        }),
    );
    let screen = draw(&s);
    assert!(labels(&s).is_empty(), "{:?}", labels(&s));
    assert_eq!(s.row_count(Pane::Keys), 0);
    assert!(screen.contains("Nothing matches /jenkins"), "{screen}");
    // A new filter text is a new list.
    update(&mut s, Msg::Input(TextInput::Paste(" ".into())));
    for _ in 0.." jenkins".len() {
        update(&mut s, Msg::Input(TextInput::Backspace));
    }
    update(&mut s, Msg::Input(TextInput::Paste("ci-".into())));
    draw(&s);
    assert_eq!(labels(&s), ["ci-deploy", "ci-release"]);
}

#[test]
fn the_rows_follow_the_focus_and_a_reload() {
    let mut s = loaded();
    act(&mut s, Action::FocusKeys);
    assert_eq!(labels(&s), ["ci-deploy", "jenkins", "release-signing"]);
    // "Project keys", one row up in the repositories pane.
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::Up);
    assert_eq!(labels(&s), ["release-signing"]);
    act(&mut s, Action::Down);
    assert_eq!(labels(&s), ["ci-deploy", "jenkins", "release-signing"]);
    // `r` on the keys pane reads the keys again; the answer is what the pane shows.
    act(&mut s, Action::FocusKeys);
    let cmds = update(&mut s, Msg::Action(Action::Reload));
    draw(&s);
    let cmds: Vec<Command> = cmds
        .into_iter()
        .chain((0..SETTLE_TICKS).flat_map(|_| update(&mut s, Msg::Tick)))
        .collect();
    let req_id = req_of(&cmds, |c| match c {
        Command::LoadKeys { req_id, .. } => Some(*req_id),
        _ => None,
    });
    draw(&s);
    update(
        &mut s,
        Msg::Worker(WorkerMsg::Keys {
            req_id,
            ws: "acme".into(),
            repo: "api".into(),
            result: Ok(vec![
                key(1, "ci-deploy", "shared1", repo_scope("acme", "api")),
                key(7, "nightly", "night7", repo_scope("acme", "api")),
            ]),
        }),
    );
    draw(&s);
    assert_eq!(labels(&s), ["ci-deploy", "nightly", "release-signing"]);
}

#[test]
fn also_on_sees_keys_loaded_after_it_was_last_asked() {
    let mut s = loaded();
    act(&mut s, Action::FocusKeys);
    let ci = s.focused_key().cloned().unwrap();
    assert_eq!(ci.label, "ci-deploy");
    assert!(s.also_on(&ci).is_empty());
    // web holds the same key; its keys load once the cursor settles on it.
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::Down);
    let mut cmds = Vec::new();
    for _ in 0..SETTLE_TICKS {
        cmds.extend(update(&mut s, Msg::Tick));
        draw(&s);
    }
    assert!(s.also_on(&ci).is_empty());
    let req_id = req_of(&cmds, |c| match c {
        Command::LoadKeys { req_id, .. } => Some(*req_id),
        _ => None,
    });
    update(
        &mut s,
        Msg::Worker(WorkerMsg::Keys {
            req_id,
            ws: "acme".into(),
            repo: "web".into(),
            result: Ok(vec![key(5, "web-ci", "shared1", repo_scope("acme", "web"))]),
        }),
    );
    draw(&s);
    assert_eq!(s.also_on(&ci), ["acme/web"]);
    act(&mut s, Action::Up);
    let screen = act(&mut s, Action::FocusKeys);
    assert!(screen.contains("acme/web"), "{screen}");
}

/// A query that asks for findings judges the rows against the scan's inventory: rows kept
/// before the scan arrived are judged again once it has.
#[test]
fn a_finding_query_is_judged_again_when_the_scan_arrives() {
    use crate::tui::state::insight::InsightMsg;
    use crate::tui::tests::insight_fixtures::{dk, insight_msg, inventory};
    let mut s = loaded();
    let api = repo_scope("acme", "api");
    let view = |id, n, label: &str, created, used| {
        crate::tui::state::from_forge::key_view(dk(id, n, label, created, used), api.clone())
    };
    // The very keys the fixtures' scan holds, so its findings apply to them.
    s.keys.insert(
        ("acme".into(), "api".into()),
        Load::Ready(vec![
            view(1, 1, "ci-deploy", "2024-03-01T09:15:00+00:00", None),
            view(
                3,
                93,
                "legacy-rsa",
                "2019-05-02T10:00:00+00:00",
                Some("2026-11-20T08:00:00+00:00"),
            ),
        ]),
    );
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::Filter);
    update(
        &mut s,
        Msg::Input(TextInput::Paste("finding:rsa_2048".into())),
    );
    draw(&s);
    // No scan, no findings: nothing matches yet.
    assert!(labels(&s).is_empty(), "{:?}", labels(&s));
    let cmds = update(&mut s, Msg::Action(Action::Rescan));
    let req_id = req_of(&cmds, |c| match c {
        Command::Rescan { req_id, .. } => Some(*req_id),
        _ => None,
    });
    draw(&s);
    insight_msg(
        &mut s,
        InsightMsg::Scanned {
            req_id,
            inventory: inventory(),
        },
    );
    let screen = draw(&s);
    assert_eq!(labels(&s), ["legacy-rsa"], "{screen}");
}
