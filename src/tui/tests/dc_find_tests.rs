//! `f` on Data Center (issue 17): the find view asks the forge's usage lookups instead of
//! scanning the project, drops stale answers, and says the answer is limited to what the
//! credential may see. Cloud's scan-based find is covered by `insight_tests`.

use crate::forge::{ForgeError, ForgeErrorKind, ForgeKind, Place, Usage, UsageSource};
use crate::tui::action::Action;
use crate::tui::state::insight::*;
use crate::tui::state::op_failure::OpFailure;
use crate::tui::state::*;
use crate::tui::tests::insight_fixtures::{act, draw, insight_msg};
use crate::tui::tests::permission_tests::dc_loaded;
use crate::tui::update::Command;

fn usage_asked(cmds: &[Command]) -> Vec<(ReqId, u64)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Insight(InsightCommand::Usage { req_id, id }) => Some((*req_id, *id)),
            _ => None,
        })
        .collect()
}

fn answer() -> Usage {
    Usage::from_lookups(vec![
        Place::repository(ForgeKind::DataCenter, "ACME", "api"),
        Place::repository(ForgeKind::DataCenter, "ACME", "web"),
        Place::project(ForgeKind::DataCenter, "OPS", "OPS"),
    ])
}

#[test]
fn f_on_data_center_asks_the_usage_lookups_instead_of_scanning() {
    let mut s = dc_loaded();
    let id = s.focused_key().unwrap().id;
    let cmds = act(&mut s, Action::FindKey);
    let asked = usage_asked(&cmds);
    assert_eq!(asked.len(), 1, "{cmds:?}");
    assert_eq!(asked[0].1, id);
    assert!(
        !cmds.iter().any(|c| matches!(c, Command::Rescan { .. })),
        "no scan: {cmds:?}"
    );
    assert!(s.insight.pending_find.is_none());
    // The view opens at once and says it is asking.
    assert_eq!(s.views.insight(), Some(FullView::Find));
    let screen = draw(&s, 100, 30);
    assert!(
        screen.contains("Asking the server's usage lookups"),
        "{screen}"
    );
    let req_id = asked[0].0;
    // An answer to an earlier `f` is dropped.
    insight_msg(
        &mut s,
        InsightMsg::Usage {
            req_id: req_id + 100,
            result: Ok(Usage::from_lookups(Vec::new())),
        },
    );
    assert_eq!(s.insight.usage.as_ref().unwrap().answer, None);
    insight_msg(
        &mut s,
        InsightMsg::Usage {
            req_id,
            result: Ok(answer()),
        },
    );
    assert_eq!(s.insight.usage.as_ref().unwrap().answer, Some(Ok(answer())));
    let screen = draw(&s, 100, 30);
    for want in [
        "ACME/api",
        "ACME/web",
        "project OPS",
        "limited to what this credential may see",
        "--thorough",
    ] {
        assert!(screen.contains(want), "{want} missing: {screen}");
    }
    act(&mut s, Action::Cancel);
    assert_eq!(s.views.insight(), None);
}

#[test]
fn a_refused_lookup_is_shown_as_the_forge_said_it() {
    let mut s = dc_loaded();
    let cmds = act(&mut s, Action::FindKey);
    let (req_id, _) = usage_asked(&cmds)[0];
    let e = ForgeError::new(
        ForgeErrorKind::NotFound,
        "Key 7 is not known to the server.",
    );
    insight_msg(
        &mut s,
        InsightMsg::Usage {
            req_id,
            result: Err(OpFailure::of_forge(&e)),
        },
    );
    let failure = s.insight.usage.as_ref().unwrap().answer.clone().unwrap();
    assert_eq!(
        failure.unwrap_err().cause.map(|c| c.kind),
        Some(ForgeErrorKind::NotFound)
    );
    assert!(s.message.as_ref().is_some_and(|(_, error)| *error));
    let screen = draw(&s, 100, 30);
    assert!(screen.contains("not known to the server"), "{screen}");
}

#[test]
fn a_fallback_answer_says_it_is_partial() {
    let mut s = dc_loaded();
    let cmds = act(&mut s, Action::FindKey);
    let (req_id, _) = usage_asked(&cmds)[0];
    let usage = Usage {
        places: vec![Place::repository(ForgeKind::DataCenter, "ACME", "web")],
        source: UsageSource::Fallback,
        lookups_refused: false,
        read_one_by_one: 1,
    };
    insight_msg(
        &mut s,
        InsightMsg::Usage {
            req_id,
            result: Ok(usage),
        },
    );
    let screen = draw(&s, 100, 30);
    assert!(screen.contains("partial"), "{screen}");
    assert!(!screen.contains("--thorough"), "{screen}");
}

#[test]
fn snapshot_find_on_data_center() {
    let mut s = dc_loaded();
    let cmds = act(&mut s, Action::FindKey);
    let (req_id, _) = usage_asked(&cmds)[0];
    insight_msg(
        &mut s,
        InsightMsg::Usage {
            req_id,
            result: Ok(answer()),
        },
    );
    insta::assert_snapshot!("find_usage_100x30", draw(&s, 100, 30));
}

#[test]
fn f_in_all_keys_on_data_center_asks_for_the_row_s_key_and_esc_returns_to_all_keys() {
    let mut s = crate::tui::tests::insight_fixtures::scanned();
    s.forge.kind = ForgeKind::DataCenter;
    s.forge.caps.usage_lookup = true;
    act(&mut s, Action::AllKeys);
    let row_id = all_keys_rows(&s)[0].holdings[0].id;
    let cmds = act(&mut s, Action::FindKey);
    assert_eq!(usage_asked(&cmds).len(), 1, "{cmds:?}");
    assert_eq!(usage_asked(&cmds)[0].1, row_id);
    assert_eq!(s.views.insight(), Some(FullView::Find));
    act(&mut s, Action::Cancel);
    assert_eq!(s.views.insight(), Some(FullView::AllKeys));
    // On Cloud the same `f` finds the row in the scan and asks nothing.
    let mut cloud = crate::tui::tests::insight_fixtures::scanned();
    act(&mut cloud, Action::AllKeys);
    let cmds = act(&mut cloud, Action::FindKey);
    assert!(usage_asked(&cmds).is_empty(), "{cmds:?}");
    assert!(cloud.insight.usage.is_none());
}
