//! `update()` tests of every selection gesture and of the actions on the selection.

use crate::tui::action::Action;
use crate::tui::state::selection::{RowItem, row_items, row_selected};
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::update::{Command, Msg, TextInput, WorkerMsg, update};

fn act(s: &mut State, a: Action) -> Vec<Command> {
    update(s, Msg::Action(a))
}

fn key_fps(s: &State) -> Vec<(String, String)> {
    s.selection
        .keys
        .values()
        .map(|k| (k.scope.to_string(), k.label.clone()))
        .collect()
}

#[test]
fn space_toggles_the_focused_row_and_moves_down() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::ToggleSelect);
    assert_eq!(s.cursor[2], 1, "Space moves down");
    assert_eq!(
        key_fps(&s),
        [("acme/api".to_string(), "ci-deploy".to_string())]
    );
    act(&mut s, Action::Up);
    act(&mut s, Action::ToggleSelect);
    assert!(s.selection.is_empty(), "a second Space unselects");
    assert_eq!(s.selection.summary(), None);
}

#[test]
fn visual_range_is_live_and_esc_ends_it_then_clears_the_filter_then_asks_about_the_selection() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::VisualSelect);
    act(&mut s, Action::Down);
    // Rows 0 and 1 are in the range but not yet in the selection.
    let items = row_items(&s, Pane::Keys);
    assert!(row_selected(&s, Pane::Keys, 1, items[1].as_ref()));
    assert!(!row_selected(&s, Pane::Keys, 2, items[2].as_ref()));
    assert!(s.selection.is_empty());
    // First Esc: visual mode ends and keeps the range.
    act(&mut s, Action::Cancel);
    assert!(s.selection.visual.is_none());
    assert_eq!(s.selection.keys.len(), 2);
    // Second Esc: the filter goes, the selection stays (issue 14, item 9).
    s.filter[2] = "e".into();
    act(&mut s, Action::Cancel);
    assert_eq!(s.filter[2], "");
    assert_eq!(s.selection.keys.len(), 2);
    // Then one Esc asks, and the next clears.
    act(&mut s, Action::Cancel);
    assert_eq!(s.selection.keys.len(), 2);
    act(&mut s, Action::Cancel);
    assert!(s.selection.is_empty());
    // v twice also keeps the range.
    act(&mut s, Action::VisualSelect);
    act(&mut s, Action::VisualSelect);
    assert_eq!(s.selection.keys.len(), 1);
}

#[test]
fn a_single_esc_never_drops_a_selection() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::Top);
    for _ in 0..4 {
        act(&mut s, Action::ToggleSelect);
    }
    assert_eq!(s.selection.repos.len(), 3);
    act(&mut s, Action::Cancel);
    assert_eq!(s.selection.repos.len(), 3, "the first Esc only asks");
    assert_eq!(
        s.message,
        Some((
            "Esc again clears the selection of 3 repositories".to_string(),
            false
        ))
    );
    // Anything else in between disarms it: the next Esc asks again.
    act(&mut s, Action::Down);
    act(&mut s, Action::Cancel);
    assert_eq!(s.selection.repos.len(), 3);
    act(&mut s, Action::Cancel);
    assert!(s.selection.is_empty());
    let (text, _) = s.message.clone().unwrap();
    assert!(
        text.starts_with("Cleared the selection of 3 repositories"),
        "{text}"
    );
}

#[test]
fn u_brings_back_the_selection_esc_cleared() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::SelectAll);
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::ToggleSelect);
    let before = s.selection.clone();
    act(&mut s, Action::Cancel);
    assert_eq!(
        s.message.as_ref().map(|m| m.0.as_str()),
        Some("Esc again clears the selection of 3 keys and 1 repository")
    );
    act(&mut s, Action::Cancel);
    assert!(s.selection.is_empty());
    assert_eq!(
        s.message.as_ref().map(|m| m.0.as_str()),
        Some("Cleared the selection of 3 keys and 1 repository; u brings it back")
    );
    // Something selected meanwhile is kept; the cleared selection joins it.
    act(&mut s, Action::Down);
    act(&mut s, Action::ToggleSelect);
    act(&mut s, Action::RestoreSelection);
    assert_eq!(s.selection.keys, before.keys);
    assert_eq!(s.selection.repos.len(), 2);
    assert!(before.repos.is_subset(&s.selection.repos));
    // Once brought back, there is nothing more to restore.
    act(&mut s, Action::RestoreSelection);
    assert_eq!(
        s.message.as_ref().map(|m| m.0.as_str()),
        Some("No cleared selection to bring back")
    );
    assert_eq!(s.selection.repos.len(), 2);
}

#[test]
fn leaving_the_pane_keeps_the_visual_range() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::VisualSelect);
    act(&mut s, Action::Down);
    act(&mut s, Action::FocusKeys);
    assert!(s.selection.visual.is_none());
    let repos: Vec<&str> = s.selection.repos.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(repos, ["api", "web"]);
}

#[test]
fn ctrl_a_selects_the_visible_rows_and_ctrl_r_inverts_them() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusRepositories);
    s.filter[1] = "w".into(); // only "web" matches among repositories
    act(&mut s, Action::SelectAll);
    assert_eq!(
        s.selection.repos.iter().cloned().collect::<Vec<_>>(),
        [("acme".to_string(), "web".to_string())]
    );
    s.filter[1].clear();
    act(&mut s, Action::InvertSelection);
    let repos: Vec<&str> = s.selection.repos.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        repos,
        ["api", "ops-tools"],
        "the Project keys row is not selectable"
    );
}

#[test]
fn the_selection_spans_workspaces_and_the_status_bar_counts_it() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::ToggleSelect); // acme/api ci-deploy
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::Down); // web
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::ToggleSelect); // acme/web ci-deploy
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::ToggleSelect); // the repository web
    // Over to globex: the selection stays.
    act(&mut s, Action::FocusWorkspaces);
    act(&mut s, Action::Down);
    s.repos.insert(
        "globex".into(),
        Load::Ready(vec![repo("shop", None), repo("infra", None)]),
    );
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::Top);
    act(&mut s, Action::Down);
    act(&mut s, Action::ToggleSelect);
    assert_eq!(
        s.selection.repos.iter().cloned().collect::<Vec<_>>(),
        [
            ("acme".to_string(), "web".to_string()),
            ("globex".to_string(), "shop".to_string())
        ]
    );
    assert_eq!(
        s.selection.summary().as_deref(),
        Some("2 keys in 2 repos · 2 repos selected")
    );
    let screen = {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
        t.draw(|f| crate::tui::ui::render(&s, f)).unwrap();
        t.backend().to_string()
    };
    assert!(
        screen.contains("2 keys in 2 repos · 2 repos selected"),
        "{screen}"
    );
}

#[test]
fn s_selects_every_copy_of_a_scanned_key() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::SelectCopies);
    assert_eq!(
        key_fps(&s),
        [
            ("acme/api".to_string(), "ci-deploy".to_string()),
            ("acme/web".to_string(), "ci-deploy".to_string())
        ]
    );
}

#[test]
fn s_before_a_scan_scans_first_then_selects() {
    let mut s = loaded_real();
    s.scanned.clear();
    act(&mut s, Action::FocusKeys);
    let cmds = act(&mut s, Action::SelectCopies);
    let Some(Command::Rescan { req_id, ws, .. }) = cmds.first().cloned() else {
        panic!("{cmds:?}")
    };
    assert_eq!(ws, "acme");
    assert!(s.selection.is_empty());
    let data = ScanData {
        repos: vec![
            repo("api", Some("API")),
            repo("web", None),
            repo("cd", None),
        ],
        repo_keys: vec![
            (
                "api".into(),
                Ok(vec![real_key(1, "ci-deploy", 1, repo_scope("acme", "api"))]),
            ),
            (
                "web".into(),
                Ok(vec![real_key(5, "ci", 1, repo_scope("acme", "web"))]),
            ),
            (
                "cd".into(),
                Ok(vec![real_key(7, "ci", 1, repo_scope("acme", "cd"))]),
            ),
        ],
        projects: Ok(vec![]),
    };
    update(
        &mut s,
        Msg::Worker(WorkerMsg::Scanned {
            req_id,
            ws,
            result: Ok(Box::new(data)),
        }),
    );
    assert_eq!(s.selection.keys.len(), 3);
    assert!(
        s.message
            .as_ref()
            .is_some_and(|(m, _)| m.contains("3 copies"))
    );
}

#[test]
fn the_selection_view_groups_and_removes() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::SelectCopies);
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::ToggleSelect);
    act(&mut s, Action::SelectionView);
    assert_eq!(s.views.base(), Some(FullView::Selection));
    let rows = crate::tui::state::selection::view_rows(&s.selection);
    let texts: Vec<String> = rows
        .iter()
        .map(|r| format!("{}{}", "  ".repeat(r.depth.into()), r.text))
        .collect();
    assert_eq!(texts[0], "acme");
    assert!(texts[1].starts_with("  api"), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("(repository selected)")));
    // Down to the first key of api, x removes it.
    act(&mut s, Action::Down);
    act(&mut s, Action::Down);
    let before = s.selection.keys.len();
    act(&mut s, Action::CancelJob);
    assert_eq!(s.selection.keys.len(), before - 1);
    // Esc only closes the view.
    act(&mut s, Action::Cancel);
    assert_eq!(s.views.base(), None);
    assert!(!s.selection.is_empty());
}

#[test]
fn rows_without_a_fingerprint_cannot_be_selected() {
    let mut s = loaded_real();
    if let Some(Load::Ready(keys)) = s.keys.get_mut(&("acme".to_string(), "api".to_string())) {
        std::sync::Arc::make_mut(&mut keys[0].facts).fingerprint = None;
    }
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::ToggleSelect);
    assert!(s.selection.is_empty());
    assert!(matches!(
        row_items(&s, Pane::Keys)[1],
        Some(RowItem::Key(_))
    ));
}

#[test]
fn typing_in_a_dialog_never_reaches_the_panes() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::EditLabel);
    assert!(s.dialog.is_some());
    update(&mut s, Msg::Input(TextInput::Char('q')));
    assert_eq!(act(&mut s, Action::Down), vec![]);
    assert_eq!(s.cursor[2], 0);
}
