//! Render snapshots at fixed sizes (design.md §4, layer 2). Dates are fixed in the fixtures
//! and nothing reads the clock, so the snapshots are stable.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::tui::action::Action;
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::ui::render;
use crate::tui::update::{Command, Msg, WorkerMsg, init, update};

fn draw(s: &State, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(s, f)).unwrap();
    t.backend().to_string()
}

fn act(s: &mut State, a: Action) -> Vec<Command> {
    update(s, Msg::Action(a))
}

const FORBIDDEN: &str = "Listing the repositories you administer in acme was refused (403): you are probably not an administrator of acme. Ask a workspace administrator for admin permission on it.";

#[test]
fn main_screen_80x24() {
    let mut s = loaded();
    s.requests_last_hour = Some(7);
    act(&mut s, Action::FocusKeys);
    insta::assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn main_screen_160x48_with_inherited_key_and_demo_badge() {
    let mut s = loaded();
    s.demo = true;
    s.requests_last_hour = Some(7);
    s.size = (160, 48);
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::Bottom);
    insta::assert_snapshot!(draw(&s, 160, 48));
}

#[test]
fn workspaces_loading_empty_and_error() {
    let mut s = state();
    init(&mut s);
    insta::assert_snapshot!("workspaces_loading", draw(&s, 80, 24));
    let Load::Loading(req_id) = s.workspaces else {
        panic!()
    };
    let mut empty = s.clone();
    update(
        &mut empty,
        Msg::Worker(WorkerMsg::Workspaces {
            req_id,
            result: Ok(vec![]),
        }),
    );
    insta::assert_snapshot!("workspaces_empty", draw(&empty, 80, 24));
    let sentence = "Listing your workspaces failed: Bitbucket did not accept your credential (401). Check that the user name is your Atlassian account email.";
    update(
        &mut s,
        Msg::Worker(WorkerMsg::Workspaces {
            req_id,
            result: Err(crate::forge::ForgeError::new(
                crate::forge::ForgeErrorKind::Authentication,
                sentence,
            )
            .with_status(401)),
        }),
    );
    insta::assert_snapshot!("workspaces_error", draw(&s, 80, 24));
}

#[test]
fn repositories_loading_empty_and_error() {
    let mut s = state();
    let cmds = init(&mut s);
    let req_id = req_of(&cmds, |c| match c {
        Command::LoadWorkspaces { req_id } => Some(*req_id),
        _ => None,
    });
    let cmds = update(
        &mut s,
        Msg::Worker(WorkerMsg::Workspaces {
            req_id,
            result: Ok(vec![ws("acme", "Acme Corp")]),
        }),
    );
    insta::assert_snapshot!("repositories_loading", draw(&s, 80, 24));
    let repos_id = req_of(&cmds, |c| match c {
        Command::LoadRepos { req_id, .. } => Some(*req_id),
        _ => None,
    });
    let mut empty = s.clone();
    let msg = |result| {
        Msg::Worker(WorkerMsg::Repos {
            req_id: repos_id,
            ws: "acme".into(),
            result,
        })
    };
    update(&mut empty, msg(Ok(vec![])));
    insta::assert_snapshot!("repositories_empty", draw(&empty, 80, 24));
    update(
        &mut s,
        msg(Err(crate::forge::ForgeError::new(
            crate::forge::ForgeErrorKind::NotPermitted,
            FORBIDDEN,
        )
        .with_status(403))),
    );
    act(&mut s, Action::FocusRepositories);
    insta::assert_snapshot!("repositories_error", draw(&s, 80, 24));
}

#[test]
fn keys_loading_empty_and_error() {
    let mut s = loaded();
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::Down);
    insta::assert_snapshot!("keys_loading", draw(&s, 80, 24));
    let cmds: Vec<Command> = (0..3).flat_map(|_| update(&mut s, Msg::Tick)).collect();
    let req_id = req_of(&cmds, |c| match c {
        Command::LoadKeys { req_id, .. } => Some(*req_id),
        _ => None,
    });
    let msg = |result| {
        Msg::Worker(WorkerMsg::Keys {
            req_id,
            ws: "acme".into(),
            repo: "web".into(),
            result,
        })
    };
    let mut empty = s.clone();
    update(&mut empty, msg(Ok(vec![])));
    insta::assert_snapshot!("keys_empty", draw(&empty, 80, 24));
    let sentence = "Listing the access keys of acme/web needs the API-token scopes admin:repository:bitbucket; your token lacks admin:repository:bitbucket. Create a token with these scopes at https://id.atlassian.com/manage-profile/security/api-tokens.";
    update(
        &mut s,
        msg(Err(crate::forge::ForgeError::new(
            crate::forge::ForgeErrorKind::MissingPermission {
                needed: vec!["admin:repository:bitbucket".into()],
                granted: Vec::new(),
            },
            sentence,
        ))),
    );
    insta::assert_snapshot!("keys_error", draw(&s, 80, 24));
}

#[test]
fn help_overlay() {
    let mut s = loaded();
    act(&mut s, Action::Help);
    insta::assert_snapshot!("help_80x24", draw(&s, 80, 24));
    insta::assert_snapshot!("help_160x48", draw(&s, 160, 48));
}

#[test]
fn too_small() {
    let s = loaded();
    let screen = draw(&s, 79, 24);
    assert!(screen.contains("terminal too small"));
    insta::assert_snapshot!(screen);
}

#[test]
fn label_with_escape_sequences_renders_stripped() {
    let mut s = loaded();
    let hostile: crate::forge::AccessKey = serde_json::from_value(serde_json::json!({
        "id": 66,
        "key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua",
        "label": "\u{1b}[2J\u{1b}]0;pwned\u{7}evil\u{1b}[31m-red\u{9b}1m 日本語ラベルとても長い名前のキーです",
        "comment": "a\u{1b}]52;c;AAAA\u{1b}\\b\nsecond line",
        "created_on": "2024-03-01T09:15:00+00:00",
    }))
    .unwrap();
    let view = crate::tui::state::from_forge::key_view(hostile, repo_scope("acme", "api"));
    if let Some(Load::Ready(keys)) = s.keys.get_mut(&("acme".to_string(), "api".to_string())) {
        keys.insert(0, view);
    }
    act(&mut s, Action::FocusKeys);
    let screen = draw(&s, 80, 24);
    assert!(!screen.contains('\u{1b}') && !screen.contains('\u{9b}') && !screen.contains('\u{7}'));
    assert!(screen.contains("evil-red"));
    insta::assert_snapshot!(screen);
}

/// A key of acme/api whose label and comment are as the server sent them.
fn hostile_key(id: u64, label: &str, comment: &str) -> KeyView {
    let k: crate::forge::AccessKey = serde_json::from_value(serde_json::json!({
        "id": id,
        "key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua",
        "label": label,
        "comment": comment,
        "created_on": "2024-03-01T09:15:00+00:00",
    }))
    .unwrap();
    crate::tui::state::from_forge::key_view(k, repo_scope("acme", "api"))
}

#[test]
fn a_label_that_imitates_a_clean_one_is_marked_and_shown_escaped() {
    let mut s = loaded();
    if let Some(Load::Ready(keys)) = s.keys.get_mut(&("acme".to_string(), "api".to_string())) {
        keys.insert(
            0,
            hostile_key(66, "\u{1b}]0;title\u{7}ci-deploy", "ci@build"),
        );
        keys.insert(1, hostile_key(67, "jenkins\u{200b}", "\u{202e}dliub@ic"));
    }
    act(&mut s, Action::FocusKeys);
    let screen = draw(&s, 80, 24);
    let lines: Vec<&str> = screen.lines().collect();
    // The two imitations are marked; the clean keys they imitate are not.
    assert!(lines[1].contains("⚠ ci-deploy"), "{screen}");
    assert!(lines[2].contains("⚠ jenkins"), "{screen}");
    assert!(
        !lines[3].contains('⚠') && lines[3].contains("ci-deploy"),
        "{screen}"
    );
    assert!(
        !lines[4].contains('⚠') && lines[4].contains("jenkins"),
        "{screen}"
    );
    // The detail pane shows what the server sent, escaped.
    assert!(screen.contains(r"\x1b]0;title\x07ci-deploy"), "{screen}");
    assert!(!screen.contains('\u{1b}') && !screen.contains('\u{7}'));
    insta::assert_snapshot!(screen);
    act(&mut s, Action::Down);
    let screen = draw(&s, 80, 24);
    assert!(screen.contains(r"jenkins\u{200b}"), "{screen}");
    assert!(screen.contains(r"\u{202e}dliub@ic"), "{screen}");
    assert!(!screen.contains('\u{202e}') && !screen.contains('\u{200b}'));
}

#[test]
fn workspace_slug_dialog_when_workspaces_cannot_be_listed() {
    let mut s = state();
    init(&mut s);
    let Load::Loading(req_id) = s.workspaces else {
        panic!()
    };
    update(
        &mut s,
        Msg::Worker(WorkerMsg::Workspaces {
            req_id,
            result: Err(crate::forge::ForgeError::new(
                crate::forge::ForgeErrorKind::MissingPermission {
                    needed: vec!["account".into()],
                    granted: Vec::new(),
                },
                "Listing your workspaces needs the scopes account; your access token lacks account.",
            )),
        }),
    );
    act(&mut s, Action::Open);
    for c in "acme corp".chars() {
        update(&mut s, Msg::Input(crate::tui::update::TextInput::Char(c)));
    }
    let screen = draw(&s, 80, 24);
    assert!(screen.contains("not ' '"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn first_run_screen() {
    let s = State::new(
        false,
        false,
        Default::default(),
        crate::tui::theme::Theme::default_colours(),
    );
    insta::assert_snapshot!(draw(&s, 80, 24));
}

/// A keys pane with a used key and a never-used one, dated.
fn dated_keys() -> State {
    let mut s = loaded();
    if let Some(Load::Ready(keys)) = s.keys.get_mut(&("acme".to_string(), "api".to_string())) {
        keys[1].last_used = Some("2026-11-20T08:00:00+00:00".into());
        keys[1].created = Some("2019-05-02T10:00:00+00:00".into());
    }
    act(&mut s, Action::FocusKeys);
    s
}

#[test]
fn wide_keys_pane_adds_last_used_and_added_at_160_columns() {
    let mut s = dated_keys();
    s.size = (160, 48);
    let screen = draw(&s, 160, 48);
    assert!(screen.contains("used 2026-11-20"), "{screen}");
    assert!(screen.contains("added 2019-05-02"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn wider_keys_pane_adds_the_fingerprint_and_a_narrow_one_none() {
    let mut s = dated_keys();
    s.size = (280, 30);
    let screen = draw(&s, 280, 30);
    assert!(screen.contains("SHA256:jenk2"), "{screen}");
    insta::assert_snapshot!(screen);
    s.size = (80, 24);
    let narrow = draw(&s, 80, 24);
    assert!(
        !narrow.contains("used 2026") && !narrow.contains("never used"),
        "{narrow}"
    );
}
