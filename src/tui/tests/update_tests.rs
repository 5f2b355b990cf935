//! `update()` unit tests: messages in, state and commands out (design.md §4, layer 1).

use crate::tui::action::Action;
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::update::{Command, Msg, SETTLE_TICKS, TextInput, WorkerMsg, init, update};

fn act(s: &mut State, a: Action) -> Vec<Command> {
    update(s, Msg::Action(a))
}

fn settle(s: &mut State) -> Vec<Command> {
    let mut out = Vec::new();
    for _ in 0..SETTLE_TICKS {
        out.extend(update(s, Msg::Tick));
    }
    out
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, Msg::Input(TextInput::Char(c)));
    }
}

#[test]
fn start_loads_workspaces_then_the_first_workspace_and_repository() {
    let mut s = state();
    let cmds = init(&mut s);
    // The journal is read first: an earlier run may have left a key deleted and not re-added.
    assert!(matches!(
        cmds.as_slice(),
        [Command::CheckJournal, Command::LoadWorkspaces { .. }]
    ));
    assert_eq!(s.pane_status(Pane::Workspaces), PaneStatus::Loading);
    let s = loaded();
    assert_eq!(s.focused_workspace().map(|w| w.slug.as_str()), Some("acme"));
    // The cursor opens on the first repository, one row under "Project keys".
    assert_eq!(s.focused_repo_row(), s.repo_rows().get(1).copied());
    let labels: Vec<String> = s
        .key_rows()
        .iter()
        .map(|r| match r {
            KeyRow::Key { key, inherited } => format!("{} {:?}", key.label, inherited),
            KeyRow::Problem(p, _) => p.to_string(),
        })
        .collect();
    assert_eq!(
        labels,
        [
            "ci-deploy None",
            "jenkins None",
            "release-signing Some(\"API\")"
        ]
    );
}

#[test]
fn moving_to_a_repository_loads_its_keys_after_the_cursor_settles() {
    let mut s = loaded();
    act(&mut s, Action::FocusRepositories);
    let cmds = act(&mut s, Action::Down);
    assert!(
        cmds.is_empty(),
        "no request while the cursor is moving: {cmds:?}"
    );
    assert_eq!(s.pane_status(Pane::Keys), PaneStatus::Loading);
    let cmds = settle(&mut s);
    match cmds.as_slice() {
        [Command::LoadKeys { ws, repo, .. }] => {
            assert_eq!((ws.as_str(), repo.as_str()), ("acme", "web"))
        }
        other => panic!("expected one LoadKeys, got {other:?}"),
    }
    // Already loaded repositories are not fetched again.
    act(&mut s, Action::Up);
    assert!(settle(&mut s).is_empty());
}

#[test]
fn stale_answers_are_dropped() {
    let mut s = loaded();
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::Down);
    let first = settle(&mut s);
    let Some(Command::LoadKeys { req_id: old, .. }) = first.first().cloned() else {
        panic!("{first:?}")
    };
    // Reload web's keys: a second request supersedes the first.
    act(&mut s, Action::FocusKeys);
    let again = act(&mut s, Action::Reload);
    let new = match again.as_slice() {
        [Command::LoadKeys { req_id, .. }] => *req_id,
        other => panic!("{other:?}"),
    };
    assert_ne!(old, new);
    let answer = |req_id, label: &str| {
        Msg::Worker(WorkerMsg::Keys {
            req_id,
            ws: "acme".into(),
            repo: "web".into(),
            result: Ok(vec![key(7, label, label, repo_scope("acme", "web"))]),
        })
    };
    update(&mut s, answer(new, "fresh"));
    update(&mut s, answer(old, "stale"));
    assert_eq!(s.focused_key().map(|k| k.label.as_str()), Some("fresh"));
    // An answer for a repository nobody asked about is dropped as well.
    update(
        &mut s,
        Msg::Worker(WorkerMsg::Keys {
            req_id: 999,
            ws: "acme".into(),
            repo: "ops-tools".into(),
            result: Ok(vec![]),
        }),
    );
    assert!(
        !s.keys
            .contains_key(&("acme".to_string(), "ops-tools".to_string()))
    );
}

#[test]
fn navigation_keys_move_within_bounds_and_between_panes() {
    let mut s = loaded();
    assert_eq!(s.focus, Pane::Workspaces);
    act(&mut s, Action::Up);
    assert_eq!(s.cursor[0], 0);
    act(&mut s, Action::Bottom);
    assert_eq!(s.cursor[0], 1);
    act(&mut s, Action::Top);
    assert_eq!(s.cursor[0], 0);
    act(&mut s, Action::Right);
    assert_eq!(s.focus, Pane::Repositories);
    act(&mut s, Action::Open);
    assert_eq!(s.focus, Pane::Keys);
    act(&mut s, Action::Right);
    assert_eq!(s.focus, Pane::Keys);
    act(&mut s, Action::NextPane);
    assert_eq!(s.focus, Pane::Workspaces);
    act(&mut s, Action::PrevPane);
    assert_eq!(s.focus, Pane::Keys);
    act(&mut s, Action::Left);
    assert_eq!(s.focus, Pane::Repositories);
    act(&mut s, Action::FocusWorkspaces);
    assert_eq!(s.focus, Pane::Workspaces);
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::PageDown);
    assert_eq!(s.cursor[2], 2, "paging stops on the last row");
    act(&mut s, Action::HalfPageUp);
    assert_eq!(s.cursor[2], 0);
}

#[test]
fn changing_workspace_resets_the_panes_to_its_right() {
    let mut s = loaded();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::Down);
    act(&mut s, Action::FocusWorkspaces);
    act(&mut s, Action::Down);
    assert_eq!((s.cursor[1], s.cursor[2]), (0, 0));
    assert_eq!(s.pane_status(Pane::Repositories), PaneStatus::Loading);
    let cmds = settle(&mut s);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadRepos { ws, .. } if ws == "globex")),
        "{cmds:?}"
    );
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadProjectKeys { ws, .. } if ws == "globex"))
    );
}

#[test]
fn filter_narrows_live_and_esc_clears_it() {
    let mut s = loaded();
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::Filter);
    assert!(s.typing);
    typed(&mut s, "o");
    // "Project keys", "ops-tools" (and no other repository) contain an "o".
    assert_eq!(s.row_count(Pane::Repositories), 2);
    typed(&mut s, "ps");
    assert_eq!(s.row_count(Pane::Repositories), 1);
    assert!(matches!(s.focused_repo_row(), Some(RepoRow::Repo(r)) if r.slug == "ops-tools"));
    // `q` while typing is text, not quit.
    assert!(update(&mut s, Msg::Input(TextInput::Char('q'))).is_empty());
    assert_eq!(s.filter[1], "opsq");
    assert_eq!(s.row_count(Pane::Repositories), 0);
    update(&mut s, Msg::Input(TextInput::Backspace));
    update(&mut s, Msg::Input(TextInput::Submit));
    assert!(!s.typing);
    assert_eq!(s.filter[1], "ops");
    act(&mut s, Action::Cancel);
    assert_eq!(s.filter[1], "");
    assert_eq!(s.row_count(Pane::Repositories), 4);
}

#[test]
fn errors_are_shown_in_the_pane_not_raised() {
    let mut s = loaded();
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::Down);
    let cmds = settle(&mut s);
    let Some(Command::LoadKeys { req_id, .. }) = cmds.first().cloned() else {
        panic!()
    };
    let sentence = "Listing the access keys of acme/web was refused (403): you are probably not an administrator of acme/web.";
    update(
        &mut s,
        Msg::Worker(WorkerMsg::Keys {
            req_id,
            ws: "acme".into(),
            repo: "web".into(),
            result: Err(crate::forge::ForgeError::new(
                crate::forge::ForgeErrorKind::NotPermitted,
                sentence,
            )
            .with_status(403)),
        }),
    );
    assert_eq!(s.pane_status(Pane::Keys), PaneStatus::Failed(sentence));
    // Reload retries.
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::Reload);
    assert_eq!(s.pane_status(Pane::Keys), PaneStatus::Loading);
}

#[test]
fn project_keys_entry_lists_every_project_key() {
    let mut s = loaded();
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::Top);
    assert_eq!(s.focused_repo_row(), Some(RepoRow::ProjectKeys));
    assert_eq!(
        s.focused_key().map(|k| k.label.as_str()),
        Some("release-signing")
    );
    // ops-tools has no project: nothing inherited.
    act(&mut s, Action::Bottom);
    settle(&mut s);
    assert_eq!(s.pane_status(Pane::Keys), PaneStatus::Loading);
}

#[test]
fn rescan_reports_progress_and_replaces_the_workspace_data() {
    let mut s = loaded();
    let cmds = act(&mut s, Action::Rescan);
    let Some(Command::Rescan { req_id, ws, .. }) = cmds.first().cloned() else {
        panic!("{cmds:?}")
    };
    assert_eq!(ws, "acme");
    assert!(act(&mut s, Action::Rescan).is_empty(), "one scan at a time");
    update(
        &mut s,
        Msg::Worker(WorkerMsg::ScanProgress {
            req_id,
            done: 2,
            total: 5,
        }),
    );
    assert_eq!(s.scan.as_ref().map(|x| (x.done, x.total)), Some((2, 5)));
    // Input keeps working during the scan.
    act(&mut s, Action::FocusKeys);
    assert_eq!(s.focus, Pane::Keys);
    let data = ScanData {
        repos: vec![repo("api", Some("API")), repo("web", Some("WEB"))],
        repo_keys: vec![
            (
                "api".into(),
                Ok(vec![key(
                    1,
                    "ci-deploy",
                    "shared1",
                    repo_scope("acme", "api"),
                )]),
            ),
            (
                "web".into(),
                Ok(vec![key(
                    5,
                    "ci-deploy",
                    "shared1",
                    repo_scope("acme", "web"),
                )]),
            ),
        ],
        projects: Ok(vec![]),
    };
    update(
        &mut s,
        Msg::Worker(WorkerMsg::Scanned {
            req_id,
            ws: "acme".into(),
            result: Ok(Box::new(data)),
        }),
    );
    assert!(s.scan.is_none());
    let focused = s.focused_key().cloned();
    assert_eq!(
        focused.as_ref().map(|k| k.label.as_str()),
        Some("ci-deploy")
    );
    // The same key on another repository is found by fingerprint.
    assert_eq!(
        focused.map(|k| s.also_on(&k)),
        Some(vec!["acme/web".to_string()])
    );
    assert!(
        s.message
            .as_ref()
            .is_some_and(|(m, _)| m.contains("2 repositories"))
    );
}

#[test]
fn copy_and_quit_are_commands() {
    let mut s = loaded();
    act(&mut s, Action::FocusKeys);
    assert_eq!(
        act(&mut s, Action::CopyFingerprint),
        vec![Command::CopyToClipboard("SHA256:shared1".into())]
    );
    assert!(
        matches!(act(&mut s, Action::CopyPublicKey).as_slice(), [Command::CopyToClipboard(k)] if k.starts_with("ssh-ed25519 "))
    );
    assert_eq!(act(&mut s, Action::Quit), vec![Command::Quit]);
    act(&mut s, Action::Help);
    assert!(s.views.is_open(FullView::Help));
    assert!(act(&mut s, Action::Down).is_empty());
    assert_eq!(s.cursor[2], 0, "help is modal");
    act(&mut s, Action::Cancel);
    assert!(!s.views.is_open(FullView::Help));
}

#[test]
fn first_run_offers_the_demo() {
    let mut s = State::new(
        false,
        false,
        Default::default(),
        crate::tui::theme::Theme::monochrome(),
    );
    assert!(init(&mut s).is_empty(), "no credentials, no requests");
    assert_eq!(act(&mut s, Action::OpenDemo), vec![Command::OpenDemo]);
    assert_eq!(act(&mut s, Action::Quit), vec![Command::Quit]);
}

#[test]
fn mouse_click_focuses_pane_and_row_and_wheel_keeps_the_selection() {
    let mut s = loaded();
    let areas = crate::tui::ui::layout::areas(ratatui::layout::Rect::new(0, 0, 80, 24));
    let keys = areas.panes[2];
    update(&mut s, Msg::Click(keys.x + 3, keys.y + 2));
    assert_eq!((s.focus, s.cursor[2]), (Pane::Keys, 1));
    update(&mut s, Msg::Wheel(keys.x + 3, keys.y + 2, true));
    assert_eq!(s.cursor[2], 1);
}

#[test]
fn spinner_turns_only_while_loading() {
    let mut s = loaded();
    s.dirty = false;
    update(&mut s, Msg::Tick);
    assert!(!s.dirty, "idle ticks must not redraw");
    act(&mut s, Action::Reload);
    s.dirty = false;
    update(&mut s, Msg::Tick);
    assert!(s.dirty);
}

#[test]
fn worker_conversion_fingerprints_server_keys() {
    let line = include_str!("../../demo/keys.txt").lines().next().unwrap();
    let blob: Vec<&str> = line.split_whitespace().take(2).collect();
    let k: crate::forge::AccessKey =
        serde_json::from_value(serde_json::json!({"id": 3, "key": blob.join(" "), "label": "ci"}))
            .unwrap();
    let v = crate::tui::state::from_forge::key_view(k, repo_scope("acme", "api"));
    let expected = crate::sshkey::PublicKey::from_server(line)
        .unwrap()
        .fingerprint()
        .to_string();
    assert_eq!(v.fingerprint(), Some(expected.as_str()));
    assert_eq!((v.short_type(), v.bits()), ("ED25519", Some(256)));
    // A key that does not parse is still listed, without a fingerprint.
    let bad: crate::forge::AccessKey =
        serde_json::from_value(serde_json::json!({"id": 4, "key": "ssh-foo AAAA"})).unwrap();
    assert_eq!(
        crate::tui::state::from_forge::key_view(bad, repo_scope("acme", "api")).fingerprint(),
        None
    );
}

#[test]
fn a_credential_that_cannot_list_workspaces_types_a_workspace_slug() {
    let mut s = state();
    let cmds = init(&mut s);
    let req_id = req_of(&cmds, |c| match c {
        Command::LoadWorkspaces { req_id } => Some(*req_id),
        _ => None,
    });
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
    assert!(matches!(
        s.pane_status(Pane::Workspaces),
        PaneStatus::Failed(_)
    ));
    // Enter on the failed list asks for the slug instead of ending there.
    act(&mut s, Action::Open);
    typed(&mut s, "acme corp");
    let cmds = update(&mut s, Msg::Input(TextInput::Submit));
    assert!(cmds.is_empty(), "a slug has no space: {cmds:?}");
    for _ in 0.." corp".len() {
        update(&mut s, Msg::Input(TextInput::Backspace));
    }
    let cmds = update(&mut s, Msg::Input(TextInput::Submit));
    assert_eq!(s.focused_workspace().map(|w| w.slug.as_str()), Some("acme"));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadRepos { ws, .. } if ws == "acme")),
        "{cmds:?}"
    );
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadProjectKeys { ws, .. } if ws == "acme"))
    );
    // Another slug can be typed the same way; it joins the list.
    act(&mut s, Action::FocusWorkspaces);
    act(&mut s, Action::Open);
    typed(&mut s, "globex");
    update(&mut s, Msg::Input(TextInput::Submit));
    let slugs: Vec<&str> = s.workspace_rows().iter().map(|w| w.slug.as_str()).collect();
    assert_eq!(slugs, ["acme", "globex"]);
    assert_eq!(
        s.focused_workspace().map(|w| w.slug.as_str()),
        Some("globex")
    );
}
