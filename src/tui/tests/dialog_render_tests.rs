//! Snapshots of the dialogs and views of issues 4 and 5, at 100×30.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::ops::bulk::{Change, ItemStatus, Plan};
use crate::tui::action::Action;
use crate::tui::state::dialog::*;
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::ui::render;
use crate::tui::update::{Msg, TextInput, WorkerMsg, update};

fn draw(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    t.draw(|f| render(s, f)).unwrap();
    t.backend().to_string()
}

fn base() -> State {
    let mut s = loaded_real();
    s.size = (100, 30);
    update(&mut s, Msg::Action(Action::FocusKeys));
    s
}

fn add_with(text: &str) -> String {
    let mut s = base();
    update(&mut s, Msg::Action(Action::AddKey));
    update(&mut s, Msg::Input(TextInput::Paste(text.into())));
    draw(&s)
}

#[test]
fn add_dialog_valid_key() {
    let screen = add_with(crate::demo::key_line(30).unwrap());
    assert!(screen.contains(&fp(30)) && screen.contains("ED25519 256 bits"));
    insta::assert_snapshot!(screen);
}

#[test]
fn add_dialog_invalid_keys() {
    // One of each kind of mistake, each with its own sentence from the parser.
    let cases = [
        (
            "private",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
        ),
        (
            "truncated",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBs2KvYGTdcJ",
        ),
        ("unknown_type", "ssh-foo AAAAB3NzaC1yc2E="),
        (
            "options",
            "command=\"ls\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBs2KvYGTdcJGsPkdQY+lkvX3pYqXbFz4nSH3B3eUDsT",
        ),
        ("small_rsa", crate::demo::key_line(103).unwrap()),
        (
            "two_keys",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBs2KvYGTdcJGsPkdQY+lkvX3pYqXbFz4nSH3B3eUDsT\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBs2KvYGTdcJGsPkdQY+lkvX3pYqXbFz4nSH3B3eUDsT",
        ),
    ];
    for (name, text) in cases {
        let screen = add_with(text);
        assert!(screen.contains('✗'), "{name}: {screen}");
        assert!(
            !screen.contains("b3BlbnNzaC1rZXkt") || name != "private" || screen.contains("…"),
            "{name}"
        );
        insta::assert_snapshot!(format!("add_dialog_invalid_{name}"), screen);
    }
}

#[test]
fn delete_confirmation() {
    let mut s = base();
    update(&mut s, Msg::Action(Action::DeleteKey));
    insta::assert_snapshot!(draw(&s));
}

#[test]
fn edit_confirmation() {
    let mut s = base();
    update(&mut s, Msg::Action(Action::EditLabel));
    insta::assert_snapshot!("edit_input", draw(&s));
    update(&mut s, Msg::Input(TextInput::Char('2')));
    update(&mut s, Msg::Input(TextInput::Submit));
    insta::assert_snapshot!("edit_confirmation", draw(&s));
}

#[test]
fn recovery_dialog() {
    let mut s = base();
    update(
        &mut s,
        Msg::Worker(WorkerMsg::JournalPending {
            entries: vec![PendingEntry {
                id: "20240301-1".into(),
                scope: "acme/api".into(),
                deleted_not_readded: true,
                sentence: format!(
                    "key {} ('ci-deploy') was deleted from acme/api but not re-added as 'ci'",
                    fp(1)
                ),
            }],
            warning: None,
        }),
    );
    let screen = draw(&s);
    assert!(screen.contains("1 key was deleted from acme/api but not re-added. Re-add it now?"));
    insta::assert_snapshot!(screen);
}

fn plan_dialog(plan: Plan, title: &str) -> State {
    let mut s = base();
    s.dialog = Some(Dialog::Plan(PlanDialog {
        req_id: 9,
        title: title.into(),
        request: None,
        desired: None,
        projects: Default::default(),
        stage: PlanStage::Ready(Box::new(plan)),
        scroll: 0,
        typed: String::new(),
        note: None,
        staged: false,
    }));
    s
}

fn dk(id: u64, label: &str, n: usize, repo: &str) -> crate::forge::AccessKey {
    crate::tui::update::bulk_actions::deploy_key(&real_key(id, label, n, repo_scope("acme", repo)))
}

#[test]
fn plan_dialog_normal() {
    let mut plan = Plan::default();
    plan.changes.push(Change::Relabel {
        scope: repo_scope("acme", "api"),
        key: dk(1, "ci-deploy", 1, "api"),
        new_label: "api-deploy".into(),
    });
    plan.changes.push(Change::Relabel {
        scope: repo_scope("acme", "web"),
        key: dk(5, "ci-deploy", 1, "web"),
        new_label: "web-deploy".into(),
    });
    insta::assert_snapshot!(draw(&plan_dialog(
        plan,
        "Relabel 2 selected keys as '{repo}-deploy'"
    )));
}

#[test]
fn plan_dialog_typed_confirmation() {
    let mut plan = Plan::default();
    for i in 0..8 {
        plan.changes.push(Change::Delete {
            scope: repo_scope("acme", &format!("service-{i}")),
            key: dk(10 + i, "jenkins", 3, "api"),
        });
    }
    plan.empties.push(repo_scope("acme", "service-0"));
    let mut s = plan_dialog(plan, "Delete 8 selected keys");
    update(&mut s, Msg::Input(TextInput::Char('8')));
    let screen = draw(&s);
    assert!(screen.contains("Type 8"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn jobs_view_with_mixed_statuses() {
    let mut s = base();
    let mut plan = Plan::default();
    for (i, repo) in ["api", "web", "docs", "shop", "infra"].iter().enumerate() {
        plan.changes.push(Change::Delete {
            scope: repo_scope("acme", repo),
            key: dk(i as u64, "jenkins", 3, repo),
        });
    }
    s.jobs.push(crate::tui::state::jobs::Job::new(
        4,
        "Delete 5 selected keys".into(),
        plan,
    ));
    let statuses = [
        ItemStatus::Done,
        ItemStatus::AlreadyPresent,
        ItemStatus::Failed("Deleting an access key of acme/docs was refused (403): you are probably not an administrator of acme/docs.".into()),
        ItemStatus::Running,
        ItemStatus::Queued,
    ];
    for (item, st) in s.jobs[0].items.iter_mut().zip(statuses) {
        item.status = st;
    }
    s.views.open(FullView::Jobs);
    let screen = draw(&s);
    assert!(
        screen.contains("applying 2/5") || screen.contains("3/5"),
        "{screen}"
    );
    // The failure's reason is shown whole, over as many lines as it takes.
    assert!(screen.contains("administrator of acme/docs."), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn selection_view() {
    let mut s = base();
    update(&mut s, Msg::Action(Action::SelectCopies));
    update(&mut s, Msg::Action(Action::FocusRepositories));
    update(&mut s, Msg::Action(Action::ToggleSelect));
    update(&mut s, Msg::Action(Action::SelectionView));
    insta::assert_snapshot!(draw(&s));
}
