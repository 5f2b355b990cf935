//! `update()` tests of add, delete, edit, recovery, plans and jobs: keys in, dialogs and
//! commands out. Nothing is sent before the answer that releases it.

use crate::ops::bulk::{ItemStatus, Plan};
use crate::tui::action::Action;
use crate::tui::state::dialog::*;
use crate::tui::state::msg::OpFailure;
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::update::{Command, Msg, TextInput, WorkerMsg, update};

fn act(s: &mut State, a: Action) -> Vec<Command> {
    update(s, Msg::Action(a))
}

fn key(s: &mut State, t: TextInput) -> Vec<Command> {
    update(s, Msg::Input(t))
}

fn typed(s: &mut State, text: &str) -> Vec<Command> {
    text.chars()
        .flat_map(|c| key(s, TextInput::Char(c)))
        .collect()
}

fn worker(s: &mut State, w: WorkerMsg) -> Vec<Command> {
    update(s, Msg::Worker(w))
}

#[test]
fn delete_asks_first_and_no_is_the_default() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    assert!(
        act(&mut s, Action::DeleteKey).is_empty(),
        "nothing is sent yet"
    );
    let Some(Dialog::Confirm(c)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    let text = c.lines.join("\n");
    assert!(text.contains("acme/api") && text.contains("ci-deploy") && text.contains(&fp(1)));
    // Enter answers the default: No.
    assert!(key(&mut s, TextInput::Submit).is_empty());
    assert!(s.dialog.is_none());
    act(&mut s, Action::DeleteKey);
    let cmds = key(&mut s, TextInput::Char('y'));
    assert!(
        matches!(cmds.as_slice(), [Command::DeleteKey { scope, key, .. }] if scope.to_string() == "acme/api" && key.id == 1),
        "{cmds:?}"
    );
}

#[test]
fn edit_label_confirmation_says_exactly_what_happens() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::EditLabel);
    for _ in 0.."ci-deploy".len() {
        key(&mut s, TextInput::Backspace);
    }
    typed(&mut s, "X");
    assert!(key(&mut s, TextInput::Submit).is_empty());
    let Some(Dialog::Confirm(c)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    assert_eq!(
        c.lines[0],
        "The key will be deleted and re-added with the label 'X'. Its id will change and its last-used date will reset. For a moment the repository will not accept this key."
    );
    let cmds = key(&mut s, TextInput::Char('y'));
    assert!(matches!(cmds.as_slice(), [Command::RelabelKey { label, .. }] if label == "X"));
    // A pending outcome shows its sentence and stays until dismissed.
    let sentence = "The key was deleted but could not be re-added. The journal entry 7 stays pending; run `bbkeys journal recover` to finish it.";
    let cmds = worker(
        &mut s,
        WorkerMsg::OpDone {
            req_id: 1,
            scopes: vec![repo_scope("acme", "api")],
            result: Err(OpFailure {
                sentence: sentence.into(),
                pending: true,
                cause: None,
            }),
            edits: Vec::new(),
        },
    );
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadKeys { repo, .. } if repo == "api"))
    );
    assert!(matches!(&s.dialog, Some(Dialog::Notice { lines, .. }) if lines[0] == sentence));
    update(&mut s, Msg::Tick);
    assert!(s.dialog.is_some(), "the notice does not time out");
}

#[test]
fn in_place_strategy_says_so() {
    let mut s = loaded_real();
    s.edit_strategy = crate::config::EditStrategy::InPlace;
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::EditLabel);
    typed(&mut s, "-2");
    key(&mut s, TextInput::Submit);
    let Some(Dialog::Confirm(c)) = &s.dialog else {
        panic!()
    };
    assert!(c.lines[0].contains("changed in place"), "{:?}", c.lines);
    assert!(c.lines[1].contains("deleted and re-added instead"));
}

#[test]
fn add_validates_live_and_sends_only_a_valid_key() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::AddKey);
    let Some(Dialog::Add(f)) = &s.dialog else {
        panic!()
    };
    assert_eq!(f.target, AddTarget::One(repo_scope("acme", "api")));
    typed(&mut s, "ssh-ed25519 AAAA");
    let Some(Dialog::Add(f)) = &s.dialog else {
        panic!()
    };
    assert!(matches!(f.key.parsed(), Some(Err(_))));
    // Enter on an invalid key stays in the key field.
    assert!(key(&mut s, TextInput::Submit).is_empty());
    for _ in 0.."ssh-ed25519 AAAA".len() {
        key(&mut s, TextInput::Backspace);
    }
    key(
        &mut s,
        TextInput::Paste(crate::demo::key_line(30).unwrap().to_string() + "\n"),
    );
    key(&mut s, TextInput::Submit);
    let Some(Dialog::Add(f)) = &s.dialog else {
        panic!()
    };
    assert_eq!(f.field, 1, "a valid key moves on to the label");
    // The label suggested from the key's comment (issue 14, item 11), cleared.
    assert_eq!(f.label, "deploy-30@demo.example");
    key(&mut s, TextInput::KillToStart);
    assert!(
        key(&mut s, TextInput::Submit).is_empty(),
        "an empty label is refused"
    );
    typed(&mut s, "new-ci");
    let cmds = key(&mut s, TextInput::Submit);
    assert!(
        matches!(cmds.as_slice(), [Command::AddKey { label, key, .. }] if label == "new-ci" && key.fingerprint().to_string() == fp(30)),
        "{cmds:?}"
    );
}

#[test]
fn a_path_is_read_by_the_worker() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::AddKey);
    let cmds = typed(&mut s, "~/k.pub");
    let Some(Command::ReadKeyFile { req_id, path }) = cmds.last().cloned() else {
        panic!("{cmds:?}")
    };
    assert_eq!(path, "~/k.pub");
    worker(
        &mut s,
        WorkerMsg::KeyFile {
            req_id,
            path,
            result: Ok(crate::demo::key_line(31).unwrap().to_string()),
        },
    );
    let Some(Dialog::Add(f)) = &s.dialog else {
        panic!()
    };
    assert_eq!(
        f.key
            .parsed()
            .map(|k| k.map(|k| k.fingerprint().to_string())),
        Some(Ok(fp(31)))
    );
}

/// A state with both copies of demo key 1 selected and a plan dialog open for deleting them.
fn planned_delete() -> (State, u64, Plan) {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::SelectCopies);
    let cmds = act(&mut s, Action::DeleteKey);
    let Some(Command::PlanBulk {
        req_id, request, ..
    }) = cmds.first().cloned()
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(request.scopes().len(), 2);
    let mut snap = crate::ops::bulk::Snapshot::new();
    for (repo, id) in [("api", 1), ("web", 5)] {
        let k = real_key(id, "ci-deploy", 1, repo_scope("acme", repo));
        snap.insert(
            repo_scope("acme", repo),
            vec![
                crate::tui::update::bulk_actions::deploy_key(&k),
                crate::tui::update::bulk_actions::deploy_key(&real_key(
                    9,
                    "x",
                    2,
                    repo_scope("acme", repo),
                )),
            ],
        );
    }
    let plan = request.plan(&snap, &Default::default());
    worker(
        &mut s,
        WorkerMsg::Planned {
            req_id,
            plan: Box::new(plan.clone()),
            unreadable: vec![],
        },
    );
    (s, req_id, plan)
}

#[test]
fn bulk_delete_plans_rechecks_and_shows_a_drifted_plan_instead_of_applying() {
    let (mut s, req_id, plan) = planned_delete();
    assert_eq!(plan.changes.len(), 2);
    assert!(!plan.needs_typed_confirmation());
    let cmds = key(&mut s, TextInput::Char('y'));
    assert!(
        matches!(cmds.as_slice(), [Command::ApplyBulk { job_id, request: Some(_), .. }] if *job_id == req_id),
        "{cmds:?}"
    );
    // The worker's re-check found something else: the new plan is shown, nothing applied.
    let drifted = plan.only(&[0]);
    worker(
        &mut s,
        WorkerMsg::Drifted {
            job_id: req_id,
            plan: Box::new(drifted.clone()),
        },
    );
    let Some(Dialog::Plan(d)) = &s.dialog else {
        panic!()
    };
    assert_eq!(d.plan(), Some(&drifted));
    assert!(d.note.as_ref().is_some_and(|(n, _)| n.contains("changed")));
    assert!(s.jobs.is_empty());
    let cmds = key(&mut s, TextInput::Char('y'));
    assert!(matches!(cmds.as_slice(), [Command::ApplyBulk { .. }]));
}

#[test]
fn a_job_reports_each_item_cancels_and_retries_only_the_failures() {
    let (mut s, job_id, plan) = planned_delete();
    key(&mut s, TextInput::Char('y'));
    worker(
        &mut s,
        WorkerMsg::JobStarted {
            job_id,
            plan: Box::new(plan.clone()),
        },
    );
    assert!(s.dialog.is_none());
    assert_eq!(s.views.base(), Some(FullView::Jobs));
    worker(
        &mut s,
        WorkerMsg::JobItem {
            job_id,
            index: 0,
            status: ItemStatus::Running,
        },
    );
    assert_eq!(
        act(&mut s, Action::CancelJob),
        vec![Command::CancelJob { job_id }]
    );
    worker(
        &mut s,
        WorkerMsg::JobItem {
            job_id,
            index: 0,
            status: ItemStatus::Done,
        },
    );
    worker(
        &mut s,
        WorkerMsg::JobItem {
            job_id,
            index: 1,
            status: ItemStatus::Failed("refused (403)".into()),
        },
    );
    let crate::ops::bulk::Change::Delete { scope, key: gone } = plan.changes[0].clone() else {
        panic!("{:?}", plan.changes[0])
    };
    let edits = vec![crate::ops::edits::KeyEdit::Removed { scope, key: gone }];
    let cmds = worker(&mut s, WorkerMsg::JobFinished { job_id, edits });
    assert_eq!(s.jobs[0].tally(), "1 done, 1 failed");
    assert!(
        s.message
            .as_ref()
            .is_some_and(|(m, err)| m.contains("1 failed") && *err)
    );
    // The deleted copy leaves the selection, the failed one stays. Only the failed place is
    // read again: what the done item did is known from its answer.
    assert_eq!(s.selection.keys.len(), 1);
    assert_eq!(
        cmds.iter()
            .filter(|c| matches!(c, Command::LoadKeys { .. }))
            .count(),
        1
    );
    // r retries only the failure: planned again on keys read afresh, then confirmed and
    // re-checked like any bulk change.
    let failed = plan_failed(&plan_of(&s));
    let cmds = act(&mut s, Action::Reload);
    let Some(Dialog::Plan(d)) = &s.dialog else {
        panic!()
    };
    assert_eq!(d.stage, PlanStage::Reading);
    let narrowed = d.request.clone().expect("a retry plans its request again");
    let retry_id = d.req_id;
    assert!(
        matches!(cmds.as_slice(), [Command::PlanBulk { request, .. }] if *request == narrowed),
        "{cmds:?}"
    );
    // Only the failed target is asked for again.
    assert_eq!(narrowed.scopes(), vec![failed[0].scope().clone()]);
    let fresh = plan_of(&s).only(&[1]);
    worker(
        &mut s,
        WorkerMsg::Planned {
            req_id: retry_id,
            plan: Box::new(fresh),
            unreadable: vec![],
        },
    );
    let cmds = key(&mut s, TextInput::Char('y'));
    assert!(
        matches!(cmds.as_slice(), [Command::ApplyBulk { request: Some(r), plan, .. }] if *r == narrowed && plan.changes == failed),
        "{cmds:?}"
    );
}

fn plan_of(s: &State) -> Plan {
    s.jobs[0].plan.clone()
}

fn plan_failed(p: &Plan) -> Vec<crate::ops::bulk::Change> {
    vec![p.changes[1].clone()]
}

#[test]
fn more_than_five_removals_need_the_number_typed() {
    let mut s = loaded_real();
    let mut plan = Plan::default();
    let k = crate::tui::update::bulk_actions::deploy_key(&real_key(
        1,
        "ci",
        1,
        repo_scope("acme", "api"),
    ));
    for i in 0..6 {
        plan.changes.push(crate::ops::bulk::Change::Delete {
            scope: repo_scope("acme", &format!("r{i}")),
            key: k.clone(),
        });
    }
    s.dialog = Some(Dialog::Plan(PlanDialog {
        req_id: 77,
        title: "Delete 6 selected keys".into(),
        request: None,
        desired: None,
        projects: Default::default(),
        stage: PlanStage::Ready(Box::new(plan)),
        scroll: 0,
        typed: String::new(),
        note: None,
        staged: false,
    }));
    assert!(
        key(&mut s, TextInput::Char('y')).is_empty(),
        "y is not enough"
    );
    assert!(s.dialog.is_some());
    typed(&mut s, "5");
    assert!(
        key(&mut s, TextInput::Submit).is_empty(),
        "a wrong number applies nothing"
    );
    typed(&mut s, "6");
    let cmds = key(&mut s, TextInput::Submit);
    assert!(matches!(
        cmds.as_slice(),
        [Command::ApplyBulk { job_id: 77, .. }]
    ));
}

#[test]
fn bulk_add_goes_to_every_selected_repository() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::SelectAll);
    act(&mut s, Action::AddKey);
    key(
        &mut s,
        TextInput::Paste(crate::demo::key_line(32).unwrap().into()),
    );
    key(&mut s, TextInput::Submit);
    typed(&mut s, "deploy");
    let cmds = key(&mut s, TextInput::Submit);
    let Some(Command::PlanBulk {
        request: crate::ops::bulk::BulkRequest::Add { scopes, label, .. },
        ..
    }) = cmds.first()
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(scopes.len(), 3);
    assert_eq!(label, "deploy");
    assert!(matches!(&s.dialog, Some(Dialog::Plan(d)) if d.stage == PlanStage::Reading));
}

#[test]
fn bulk_relabel_takes_a_validated_template() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::SelectCopies);
    act(&mut s, Action::EditLabel);
    typed(&mut s, "{nope}");
    assert!(
        key(&mut s, TextInput::Submit).is_empty(),
        "an unknown placeholder is refused"
    );
    for _ in 0..6 {
        key(&mut s, TextInput::Backspace);
    }
    typed(&mut s, "{repo}-deploy");
    let cmds = key(&mut s, TextInput::Submit);
    assert!(matches!(
        cmds.first(),
        Some(Command::PlanBulk { request: crate::ops::bulk::BulkRequest::Relabel { template, targets }, .. })
            if template == "{repo}-deploy" && targets.len() == 2
    ));
}

#[test]
fn rotate_replaces_the_chosen_key_where_it_is_selected() {
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    assert!(act(&mut s, Action::Rotate).is_empty());
    assert!(s.dialog.is_none(), "nothing selected: nothing to rotate");
    act(&mut s, Action::SelectCopies);
    act(&mut s, Action::Rotate);
    key(
        &mut s,
        TextInput::Paste(crate::demo::key_line(33).unwrap().into()),
    );
    let cmds = key(&mut s, TextInput::Submit);
    let Some(Command::PlanBulk {
        request:
            crate::ops::bulk::BulkRequest::Rotate {
                from,
                to,
                scopes,
                label,
            },
        ..
    }) = cmds.first()
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(from.to_string(), fp(1));
    assert_eq!(to.fingerprint.to_string(), fp(33));
    assert_eq!(scopes.len(), 2);
    assert_eq!(*label, None, "an empty label keeps each old one");
}

fn pending() -> Vec<PendingEntry> {
    vec![PendingEntry {
        id: "e1".into(),
        scope: "acme/api".into(),
        deleted_not_readded: true,
        sentence: format!(
            "key {} ('old') was deleted from acme/api but not re-added as 'new'",
            fp(1)
        ),
    }]
}

#[test]
fn recovery_dialog_on_start_and_both_answers() {
    let mut s = loaded_real();
    worker(
        &mut s,
        WorkerMsg::JournalPending {
            entries: pending(),
            warning: None,
        },
    );
    assert_eq!(
        recovery_question(&pending()),
        "1 key was deleted from acme/api but not re-added. Re-add it now?"
    );
    assert!(key(&mut s, TextInput::Char('n')).is_empty());
    assert!(
        s.message
            .as_ref()
            .is_some_and(|(m, _)| m.contains("bbkeys journal recover"))
    );
    worker(
        &mut s,
        WorkerMsg::JournalPending {
            entries: pending(),
            warning: None,
        },
    );
    let cmds = key(&mut s, TextInput::Char('y'));
    assert!(matches!(cmds.as_slice(), [Command::Recover { ids, .. }] if ids == &["e1"]));
}

#[test]
fn add_on_project_keys_chooses_the_project_with_up_and_down() {
    let mut s = loaded_real();
    // A second project, with no key yet.
    if let Some(Load::Ready(groups)) = s.project_keys.get_mut("acme") {
        groups.push(ProjectGroup {
            key: "WEB".into(),
            name: "Web".into(),
            keys: Ok(Vec::new()),
        });
    }
    act(&mut s, Action::FocusRepositories);
    act(&mut s, Action::Top);
    assert_eq!(s.focused_repo_row(), Some(RepoRow::ProjectKeys));
    act(&mut s, Action::AddKey);
    let project = |s: &State| match &s.dialog {
        Some(Dialog::Add(f)) => (f.target.clone(), f.project_position()),
        other => panic!("{other:?}"),
    };
    let web = AddTarget::One(project_scope("acme", "WEB"));
    let api = AddTarget::One(project_scope("acme", "API"));
    assert_eq!(project(&s), (api.clone(), Some((1, 2))));
    let screen = crate::tui::tests::insight_fixtures::draw(&s, 100, 30);
    assert!(screen.contains("Project: ◂ API ▸  1 of 2"), "{screen}");
    key(&mut s, TextInput::Down);
    assert_eq!(project(&s), (web.clone(), Some((2, 2))));
    // It wraps around, both ways.
    key(&mut s, TextInput::Down);
    assert_eq!(project(&s).0, api);
    key(&mut s, TextInput::Up);
    assert_eq!(project(&s).0, web);
    key(
        &mut s,
        TextInput::Paste(crate::demo::key_line(30).unwrap().to_string()),
    );
    key(&mut s, TextInput::Submit);
    typed(&mut s, "web-deploy");
    let cmds = key(&mut s, TextInput::Submit);
    assert!(
        matches!(cmds.as_slice(), [Command::AddKey { scope, .. }] if *scope == project_scope("acme", "WEB")),
        "{cmds:?}"
    );

    // On a repository, ↑/↓ still move between the fields.
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::AddKey);
    key(&mut s, TextInput::Down);
    assert!(matches!(&s.dialog, Some(Dialog::Add(f)) if f.field == 1 && f.projects.is_empty()));
}

/// The places a plan could not read reach `update()` as failures that keep the forge's error
/// (so its kind can be told apart), and the plan's note shows their sentences as before.
#[test]
fn unreadable_places_of_a_plan_keep_their_kind_and_read_as_their_sentences() {
    use crate::forge::{ForgeError, ForgeErrorKind};
    let mut s = loaded_real();
    act(&mut s, Action::FocusKeys);
    act(&mut s, Action::SelectCopies);
    let cmds = act(&mut s, Action::DeleteKey);
    let Some(Command::PlanBulk { req_id, .. }) = cmds.first().cloned() else {
        panic!("{cmds:?}")
    };
    let denied = ForgeError::new(ForgeErrorKind::Authentication, "acme/api: log in again.");
    let slow = ForgeError::new(ForgeErrorKind::Network, "acme/web: no answer.");
    let unreadable = vec![OpFailure::of_forge(&denied), OpFailure::of_forge(&slow)];
    assert_eq!(
        unreadable[0].cause.as_ref().map(|e| &e.kind),
        Some(&ForgeErrorKind::Authentication)
    );
    worker(
        &mut s,
        WorkerMsg::Planned {
            req_id,
            plan: Box::default(),
            unreadable,
        },
    );
    let Some(Dialog::Plan(d)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    assert_eq!(
        d.note,
        Some((
            "2 places could not be read and are left out: acme/api: log in again. acme/web: no answer."
                .to_string(),
            true
        ))
    );
}
