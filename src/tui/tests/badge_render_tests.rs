//! Findings on screen: badges in the keys pane, `K` and `f`, sentences in the detail pane.

use crate::tui::action::Action;
use crate::tui::state::{FullView, Pane};
use crate::tui::tests::fixtures::*;
use crate::tui::tests::insight_fixtures::*;
use crate::tui::theme::Theme;

/// acme scanned, its panes filled from the same scan, the keys pane focused on `api`.
fn api_keys() -> crate::tui::state::State {
    let mut s = scanned();
    crate::tui::update::read_answers::apply_scan(&mut s, "acme", *panes());
    s.message = None;
    let api = s
        .repo_rows()
        .iter()
        .position(|r| matches!(r, crate::tui::state::RepoRow::Repo(r) if r.slug == "api"))
        .unwrap();
    s.cursor[1] = api;
    s.focus = Pane::Keys;
    s
}

#[test]
fn keys_pane_shows_badges_and_detail_sentences() {
    let mut s = api_keys();
    let narrow = draw(&s, 80, 24);
    assert!(narrow.contains("[never]"), "{narrow}");
    insta::assert_snapshot!("badges_keys_80x24", narrow);
    s.size = (160, 40);
    let wide = draw(&s, 160, 40);
    // The detail pane says it in a sentence.
    assert!(
        wide.contains("High (") || wide.contains("Medium ("),
        "{wide}"
    );
    insta::assert_snapshot!("badges_keys_160x40", wide);
}

#[test]
fn badges_stay_readable_without_colour() {
    let mut s = api_keys();
    s.theme = Theme::monochrome();
    let screen = draw(&s, 80, 24);
    assert!(
        screen.contains("[never]") && screen.contains("[legacy]"),
        "{screen}"
    );
}

#[test]
fn badges_are_built_with_the_inventory() {
    let s = scanned();
    let w = &s.insight.inventories["acme"];
    assert!(!w.findings.is_empty());
    let api = repo_scope("acme", "api");
    let texts: Vec<&str> = w
        .badges
        .of(&api, 3)
        .iter()
        .map(|b| b.text.as_str())
        .collect();
    assert_eq!(texts, ["legacy"]);
}

#[test]
fn find_and_all_keys_show_badges() {
    let mut s = scanned();
    act(&mut s, Action::AllKeys);
    assert!(s.views.is_open(FullView::AllKeys));
    let k = draw(&s, 160, 40);
    assert!(k.contains("[legacy]") && k.contains("[never]"), "{k}");
}
