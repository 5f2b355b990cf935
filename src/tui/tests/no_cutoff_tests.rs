//! Nothing that decides a change is cut off at 80×24 (issue 14, item 10): plan and job rows,
//! error sentences in the detail pane, and status messages longer than the status bar.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::ops::bulk::{Change, ItemStatus, NewKey, Plan};
use crate::sshkey::PublicKey;
use crate::tui::action::Action;
use crate::tui::state::dialog::*;
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::ui::render;
use crate::tui::update::{Msg, update};

fn draw(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| render(s, f)).unwrap();
    t.backend().to_string()
}

/// The screen's text with borders dropped and rows joined, so a sentence wrapped over rows
/// reads as one: what is cut off is missing here, what is wrapped is not.
fn rows(screen: &str) -> String {
    let text: String = screen
        .lines()
        .flat_map(|l| l.chars().chain(['\n']))
        .map(|c| {
            if "\"│┌┐└┘─\n".contains(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn dk(id: u64, label: &str, n: usize, repo: &str) -> crate::forge::AccessKey {
    crate::tui::update::bulk_actions::deploy_key(&real_key(id, label, n, repo_scope("acme", repo)))
}

/// A rotation of two places to demo key 30, labelled `ci-2027`, and a relabel.
fn rotation() -> Plan {
    let new = NewKey::from(&PublicKey::parse(crate::demo::key_line(30).unwrap()).unwrap());
    let mut plan = Plan::default();
    for (id, repo) in [(1, "api"), (5, "web")] {
        plan.changes.push(Change::Rotate {
            scope: repo_scope("acme", repo),
            old: dk(id, "ci-deploy", 1, repo),
            new: new.clone(),
            label: "ci-2027".into(),
        });
    }
    plan.changes.push(Change::Relabel {
        scope: repo_scope("acme", "ops-tools"),
        key: dk(7, "ci-deploy", 1, "ops-tools"),
        new_label: "ops-tools-deploy".into(),
    });
    plan
}

#[test]
fn plan_rows_show_the_new_label_and_then_delete_at_80x24() {
    let mut s = loaded_real();
    s.dialog = Some(Dialog::Plan(PlanDialog {
        req_id: 9,
        title: "Rotate SHA256:… to SHA256:…".into(),
        request: None,
        desired: None,
        projects: Default::default(),
        stage: PlanStage::Ready(Box::new(rotation())),
        scroll: 0,
        typed: String::new(),
        note: None,
        staged: false,
    }));
    let screen = draw(&s);
    let text = rows(&screen);
    assert_eq!(text.matches("then delete").count(), 2, "{text}");
    assert_eq!(text.matches("'ci-2027'").count(), 2, "{text}");
    assert!(text.contains("'ops-tools-deploy'"), "{text}");
    // The old key's id ends each rotation line: nothing after it was cut either.
    assert!(text.contains("(id 1)") && text.contains("(id 5)"), "{text}");
    insta::assert_snapshot!(screen);
}

#[test]
fn job_rows_show_the_new_label_and_then_delete_at_80x24() {
    let mut s = loaded_real();
    s.jobs.push(crate::tui::state::jobs::Job::new(
        4,
        "Rotate".into(),
        rotation(),
    ));
    s.jobs[0].items[0].status = ItemStatus::Done;
    s.views.open(FullView::Jobs);
    let screen = draw(&s);
    let text = rows(&screen);
    assert_eq!(text.matches("then delete").count(), 2, "{text}");
    assert_eq!(text.matches("'ci-2027'").count(), 2, "{text}");
    assert!(text.contains("'ops-tools-deploy'"), "{text}");
    insta::assert_snapshot!(screen);
}

#[test]
fn the_detail_pane_wraps_an_error_sentence() {
    let mut s = loaded();
    let sentence = "Listing the access keys of project SEC needs the API-token scopes admin:project:bitbucket; your token lacks admin:project:bitbucket. Create a token with these scopes.";
    s.project_keys.insert(
        "acme".into(),
        Load::Ready(vec![ProjectGroup {
            key: "SEC".into(),
            name: "Security".into(),
            keys: Err(crate::forge::ForgeError::new(
                crate::forge::ForgeErrorKind::MissingPermission {
                    needed: vec!["admin:project:bitbucket".into()],
                    granted: Vec::new(),
                },
                sentence,
            )),
        }]),
    );
    update(&mut s, Msg::Action(Action::FocusRepositories));
    update(&mut s, Msg::Action(Action::Top));
    update(&mut s, Msg::Action(Action::FocusKeys));
    let screen = draw(&s);
    let text = rows(&screen);
    assert!(text.contains("Create a token with these scopes."), "{text}");
    insta::assert_snapshot!(screen);
}

#[test]
fn a_message_cut_off_in_the_status_bar_is_read_in_full_in_the_log() {
    let mut s = loaded();
    let long = "Deleting the access key 'ci-deploy' from acme/api was refused (403): you are probably not an administrator of acme/api. Ask a workspace administrator for admin permission on it.";
    update(&mut s, Msg::Action(Action::FocusKeys));
    s.message = Some((long.into(), true));
    update(&mut s, Msg::Action(Action::Down));
    let screen = draw(&s);
    assert!(!rows(&screen).contains("admin permission on it."));
    assert!(rows(&screen).contains("m: all of it"), "{screen}");
    update(&mut s, Msg::Action(Action::Messages));
    assert_eq!(s.views.base(), Some(FullView::Messages));
    let screen = draw(&s);
    assert!(rows(&screen).contains(long), "{screen}");
    insta::assert_snapshot!(screen);
    // Esc closes the log and nothing else.
    update(&mut s, Msg::Action(Action::Cancel));
    assert_eq!(s.views.base(), None);
    assert_eq!(s.focus, Pane::Keys);
    // Every message is kept, newest first in the log.
    update(&mut s, Msg::Action(Action::CopyFingerprint));
    let last = s.log.last().map(|m| m.0.clone()).unwrap_or_default();
    assert!(last.starts_with("Copied the fingerprint"), "{last}");
    assert_eq!(s.log.iter().filter(|m| m.0 == long).count(), 1);
}

#[test]
fn the_question_of_a_first_esc_is_not_cut_at_80x24() {
    let mut s = loaded_real();
    s.requests_last_hour = Some(12);
    s.demo = true;
    update(&mut s, Msg::Action(Action::FocusRepositories));
    update(&mut s, Msg::Action(Action::Top));
    for _ in 0..4 {
        update(&mut s, Msg::Action(Action::ToggleSelect));
    }
    let screen = draw(&s);
    assert!(screen.contains("12 req/h"), "{screen}");
    update(&mut s, Msg::Action(Action::Cancel));
    let screen = draw(&s);
    let status = screen.lines().nth(22).unwrap_or_default();
    assert!(
        status.contains("Esc again clears the selection of 3 repositories"),
        "{screen}"
    );
    // The selection count stays; the request count steps aside while the question is shown.
    assert!(status.contains("3 repos selected"), "{status}");
}
