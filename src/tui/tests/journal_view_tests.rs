//! The journal view (`L`): listing, `u` undoes one and `c` finishes one after a confirmation;
//! outside it `u` still restores the last cleared selection.

use crate::tui::action::Action;
use crate::tui::state::dialog::Dialog;
use crate::tui::state::journal_view::JournalRow;
use crate::tui::state::{FullView, State};
use crate::tui::tests::fixtures::*;
use crate::tui::update::{Command, Msg, TextInput, WorkerMsg, update};

fn act(s: &mut State, a: Action) -> Vec<Command> {
    update(s, Msg::Action(a))
}

fn row(id: &str, pending: bool, waiting: &[&str]) -> JournalRow {
    JournalRow {
        id: id.into(),
        pending,
        started: "2026-12-01 10:00".into(),
        what: format!("operation {id}"),
        waiting: waiting.iter().map(|w| w.to_string()).collect(),
    }
}

/// `L` opened and answered with a staged rotation waiting on one place and a finished delete.
fn listed() -> State {
    let mut s = loaded();
    let cmds = act(&mut s, Action::JournalView);
    assert!(s.views.is_open(FullView::Journal));
    let req_id = req_of(&cmds, |c| match c {
        Command::ListJournal { req_id } => Some(*req_id),
        _ => None,
    });
    update(
        &mut s,
        Msg::Worker(WorkerMsg::JournalListed {
            req_id,
            result: Ok(vec![
                row("b-0123456789", true, &["acme/web"]),
                row("e-9876543210", false, &[]),
            ]),
        }),
    );
    s
}

#[test]
fn l_lists_the_journal_with_short_ids_and_waiting_places() {
    let s = listed();
    let screen = crate::tui::tests::insight_fixtures::draw(&s, 100, 24);
    assert!(
        screen.contains("b-012345 ") && screen.contains("WAITING"),
        "{screen}"
    );
    assert!(screen.contains("waiting: acme/web"), "{screen}");
    assert!(
        screen.contains("e-987654") && screen.contains("done"),
        "{screen}"
    );
}

#[test]
fn u_in_the_journal_asks_then_undoes_one() {
    let mut s = listed();
    assert!(act(&mut s, Action::RestoreSelection).is_empty());
    let Some(Dialog::Confirm(c)) = &s.dialog else {
        panic!("a confirmation: {:?}", s.dialog);
    };
    assert!(matches!(&c.command, Command::UndoJournal { id, .. } if id == "b-0123456789"));
    assert!(
        c.lines.iter().any(|l| l.contains("acme/web")),
        "{:?}",
        c.lines
    );
    let cmds = update(&mut s, Msg::Input(TextInput::Char('y')));
    assert!(
        matches!(cmds.as_slice(), [Command::UndoJournal { .. }]),
        "{cmds:?}"
    );
}

#[test]
fn c_finishes_a_pending_operation_and_refuses_a_finished_one() {
    let mut s = listed();
    act(&mut s, Action::FinishEntry);
    let Some(Dialog::Confirm(c)) = &s.dialog else {
        panic!("a confirmation");
    };
    assert!(matches!(&c.command, Command::Recover { ids, .. } if ids == &["b-0123456789"]));
    update(&mut s, Msg::Input(TextInput::Char('n')));
    assert!(s.dialog.is_none());
    act(&mut s, Action::Down);
    act(&mut s, Action::FinishEntry);
    assert!(s.dialog.is_none());
    assert!(s.message.as_ref().unwrap().0.contains("finished already"));
}

#[test]
fn an_answer_to_undo_or_finish_lists_the_journal_again() {
    let mut s = listed();
    let cmds = update(
        &mut s,
        Msg::Worker(WorkerMsg::Recovered {
            req_id: 1,
            outcomes: vec![Ok("undid b-0123456789".into())],
            scopes: Vec::new(),
            edits: Vec::new(),
        }),
    );
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::ListJournal { .. })),
        "{cmds:?}"
    );
}

#[test]
fn outside_the_journal_u_still_restores_the_cleared_selection() {
    let mut s = listed();
    act(&mut s, Action::Cancel);
    assert!(!s.views.is_open(FullView::Journal));
    let mut cleared = crate::tui::state::selection::Selection::default();
    cleared.repos.insert(("acme".into(), "api".into()));
    s.cleared_selection = Some(cleared);
    act(&mut s, Action::RestoreSelection);
    assert!(s.dialog.is_none());
    assert!(
        s.selection
            .repos
            .contains(&("acme".to_string(), "api".to_string()))
    );
}
