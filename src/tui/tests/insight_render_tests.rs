//! Render snapshots of the All keys, find and Credentials views and of the help's scope
//! table, at fixed sizes, with injected times.

use crate::bitbucket::Operation;
use crate::tui::action::Action;
use crate::tui::state::FullView;
use crate::tui::state::insight::*;
use crate::tui::tests::fixtures::*;
use crate::tui::tests::insight_fixtures::*;

#[test]
fn snapshot_all_keys() {
    let mut s = scanned();
    act(&mut s, Action::AllKeys);
    act(&mut s, Action::SortColumn);
    act(&mut s, Action::Down);
    insta::assert_snapshot!("all_keys_80x24", draw(&s, 80, 24));
    s.size = (160, 48);
    insta::assert_snapshot!("all_keys_160x48", draw(&s, 160, 48));
}

#[test]
fn snapshot_find_result() {
    let mut s = scanned();
    act(&mut s, Action::AllKeys);
    act(&mut s, Action::SortColumn);
    act(&mut s, Action::FindKey);
    insta::assert_snapshot!("find_result_100x30", draw(&s, 100, 30));
}

#[test]
fn snapshot_credentials() {
    let mut s = loaded();
    act(&mut s, Action::Credentials);
    let req_id = s.insight.cred_req;
    insight_msg(
        &mut s,
        InsightMsg::Diagnosed {
            req_id,
            report: Diagnosis(Box::new(report())),
        },
    );
    s.size = (120, 48);
    insta::assert_snapshot!("credentials_120x48", draw(&s, 120, 48));
}

/// The hint bar under the Credentials view names the keys that work there, not the main
/// screen's, and fits 80 columns.
#[test]
fn snapshot_credentials_hint_bar_80x24() {
    let mut s = loaded();
    act(&mut s, Action::Credentials);
    let req_id = s.insight.cred_req;
    insight_msg(
        &mut s,
        InsightMsg::Diagnosed {
            req_id,
            report: Diagnosis(Box::new(report())),
        },
    );
    s.size = (80, 24);
    let screen = draw(&s, 80, 24);
    let hints = screen.lines().last().unwrap_or_default();
    for wrong in ["a add", "d delete", "Tab pane", "Space select"] {
        assert!(!hints.contains(wrong), "{hints}");
    }
    for right in ["j/k scroll", "r check again", "Esc close"] {
        assert!(hints.contains(right), "{hints}");
    }
    insta::assert_snapshot!("credentials_80x24", screen);
}

#[test]
fn snapshot_help_scope_table() {
    let mut s = loaded();
    act(&mut s, Action::Help);
    act(&mut s, Action::NextPane);
    assert!(s.insight.help_scopes);
    let wide = draw(&s, 160, 48);
    for op in Operation::ALL {
        assert!(wide.contains(op.title()), "{} missing", op.title());
    }
    insta::assert_snapshot!("help_scopes_160x48", wide);
    insta::assert_snapshot!("help_scopes_80x24", draw(&s, 80, 24));
    act(&mut s, Action::Cancel);
    assert!(!s.views.is_open(FullView::Help) && !s.insight.help_scopes);
}
