//! The audit view (`A`): findings by severity, Enter selecting what a finding concerns, and
//! the write actions on it.

use crate::ops::audit::{FindingCode, Severity};
use crate::ops::bulk::BulkRequest;
use crate::tui::action::Action;
use crate::tui::state::FullView;
use crate::tui::state::audit_view::{counts, findings};
use crate::tui::state::dialog::Dialog;
use crate::tui::tests::fixtures::*;
use crate::tui::tests::insight_fixtures::*;
use crate::tui::update::Command;

#[test]
fn a_opens_the_findings_grouped_by_severity() {
    let mut s = scanned();
    act(&mut s, Action::AuditView);
    assert!(s.views.is_open(FullView::Audit));
    let all = findings(&s);
    assert!(!all.is_empty());
    let sev: Vec<Severity> = all.iter().map(|f| f.severity).collect();
    let mut sorted = sev.clone();
    sorted.sort();
    assert_eq!(sev, sorted, "most severe first");
    let total: usize = counts(all).iter().map(|(_, n)| n).sum();
    assert_eq!(total, all.len());
    act(&mut s, Action::Cancel);
    assert!(!s.views.is_open(FullView::Audit));
}

#[test]
fn a_before_a_scan_says_to_scan() {
    let mut s = loaded();
    act(&mut s, Action::AuditView);
    assert!(s.views.is_open(FullView::Audit));
    let (text, _) = s.message.clone().unwrap();
    assert!(text.contains("scan"), "{text}");
}

#[test]
fn enter_on_a_finding_selects_every_holding_it_concerns() {
    let mut s = scanned();
    act(&mut s, Action::AuditView);
    // A finding about one holding selects that holding.
    let never = findings(&s)
        .iter()
        .position(|f| f.code == FindingCode::NeverUsed)
        .unwrap();
    s.insight.audit.cursor = never;
    act(&mut s, Action::Open);
    assert_eq!(s.selection.keys.len(), 1);
    // A finding about a key everywhere selects all its holdings.
    let labels = findings(&s)
        .iter()
        .position(|f| f.code == FindingCode::ManyLabels)
        .unwrap();
    s.selection = Default::default();
    s.insight.audit.cursor = labels;
    act(&mut s, Action::Open);
    assert_eq!(s.selection.keys.len(), 2);
}

#[test]
fn d_on_a_finding_plans_the_deletion_of_its_holdings() {
    let mut s = scanned();
    act(&mut s, Action::AuditView);
    let labels = findings(&s)
        .iter()
        .position(|f| f.code == FindingCode::ManyLabels)
        .unwrap();
    s.insight.audit.cursor = labels;
    act(&mut s, Action::Open);
    let cmds = act(&mut s, Action::DeleteKey);
    assert!(
        matches!(cmds.first(), Some(Command::PlanBulk { request: BulkRequest::Delete { targets }, .. }) if targets.len() == 2),
        "{cmds:?}"
    );
    assert!(matches!(s.dialog, Some(Dialog::Plan(_))));
}

#[test]
fn e_and_o_on_a_finding_open_their_dialogs() {
    let mut s = scanned();
    act(&mut s, Action::AuditView);
    act(&mut s, Action::EditLabel);
    assert!(
        matches!(s.dialog, Some(Dialog::Label(_))),
        "{:?}",
        s.message
    );
    let mut s = scanned();
    act(&mut s, Action::AuditView);
    act(&mut s, Action::Rotate);
    assert!(
        matches!(s.dialog, Some(Dialog::Rotate(_))),
        "{:?}",
        s.message
    );
}

#[test]
fn down_moves_over_findings_and_stops_at_the_last() {
    let mut s = scanned();
    act(&mut s, Action::AuditView);
    let n = findings(&s).len();
    for _ in 0..n + 3 {
        act(&mut s, Action::Down);
    }
    assert_eq!(s.insight.audit.cursor, n - 1);
    act(&mut s, Action::Top);
    assert_eq!(s.insight.audit.cursor, 0);
}

#[test]
fn snapshot_audit_view() {
    let mut s = scanned();
    act(&mut s, Action::AuditView);
    act(&mut s, Action::Down);
    insta::assert_snapshot!("audit_view_100x24", draw(&s, 100, 24));
}
