//! `e` on a selection of Data Center keys (issue 17): the holdings grouped by key, every
//! grant of each looked up, one typed confirmation listing them all, and the worker
//! replacing each key everywhere on the Data Center simulator.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::forge::{AccessKey, ForgeKind, Permission, Place};
use crate::ops::keyops::Grant;
use crate::tui::action::Action;
use crate::tui::state::State;
use crate::tui::state::dialog::Dialog;
use crate::tui::state::op_failure::OpFailure;
use crate::tui::state::replace::{KeyGrants, ReplaceCommand, ReplaceDialog, ReplaceGrants};
use crate::tui::tests::permission_tests::dc_loaded;
use crate::tui::update::dc_label::lines;
use crate::tui::update::{Command, Msg, TextInput, WorkerMsg, update};

fn act(s: &mut State, a: Action) -> Vec<Command> {
    update(s, Msg::Action(a))
}

fn type_in(s: &mut State, text: &str) -> Vec<Command> {
    let mut cmds = Vec::new();
    for c in text.chars() {
        cmds.extend(update(s, Msg::Input(TextInput::Char(c))));
    }
    cmds
}

fn submit(s: &mut State) -> Vec<Command> {
    update(s, Msg::Input(TextInput::Submit))
}

fn dc(repo: &str) -> Place {
    Place::repository(ForgeKind::DataCenter, "ACME", repo)
}

fn key(id: u64, label: &str, n: usize) -> AccessKey {
    let line = crate::demo::key_line(n).unwrap();
    AccessKey {
        id,
        key: line
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" "),
        label: label.into(),
        comment: None,
        permission: Permission::Read,
        created: None,
        last_used: None,
        expiry_days: None,
    }
}

fn grant(permission: Permission, expiry_days: Option<u32>) -> Grant {
    Grant {
        permission,
        expiry_days,
    }
}

/// Two keys: `deploy-w` granted at three places, `release-bot` at two.
fn two_keys() -> Vec<KeyGrants> {
    vec![
        KeyGrants {
            key: key(1, "deploy-w", 1),
            grants: vec![
                (dc("web"), grant(Permission::Write, None)),
                (dc("api"), grant(Permission::Read, None)),
                (
                    Place::project(ForgeKind::DataCenter, "OPS", "OPS"),
                    grant(Permission::Write, Some(90)),
                ),
            ],
            label: "deploy-w-2027".into(),
        },
        KeyGrants {
            key: key(2, "release-bot", 2),
            grants: vec![
                (dc("web"), grant(Permission::Read, Some(65))),
                (dc("billing"), grant(Permission::Read, None)),
            ],
            label: "release-bot-2027".into(),
        },
    ]
}

/// `dc_loaded()` with the first two keys of ACME/web selected and `e` pressed.
fn label_form_on_two_selected() -> State {
    let mut s = dc_loaded();
    act(&mut s, Action::ToggleSelect);
    act(&mut s, Action::ToggleSelect);
    assert_eq!(s.selection.keys.len(), 2);
    act(&mut s, Action::EditLabel);
    assert!(matches!(s.dialog, Some(Dialog::Label(_))), "{:?}", s.dialog);
    s
}

fn lookup_of(cmds: &[Command]) -> (crate::tui::state::ReqId, Vec<(Place, String)>, String) {
    match cmds {
        [
            Command::Replace(ReplaceCommand::LookupSelection {
                req_id,
                holdings,
                template,
            }),
        ] => (*req_id, holdings.clone(), template.clone()),
        other => panic!("not one selection lookup: {other:?}"),
    }
}

#[test]
fn e_on_a_data_center_selection_looks_up_every_grant_of_each_key_once() {
    let mut s = label_form_on_two_selected();
    // A third holding of the first key, elsewhere: the same key entity, looked up once.
    let (first, fp) = s
        .selection
        .keys
        .values()
        .find(|k| k.label == "deploy-w")
        .map(|k| (k.clone(), k.fingerprint.clone()))
        .unwrap();
    let Some(Dialog::Label(f)) = &mut s.dialog else {
        unreachable!()
    };
    f.targets.push((dc("api"), fp.clone()));
    type_in(&mut s, "{label}-2027");
    let cmds = submit(&mut s);
    let (_, holdings, template) = lookup_of(&cmds);
    assert_eq!(template, "{label}-2027");
    assert_eq!(holdings.len(), 2, "{holdings:?}");
    assert!(
        holdings.contains(&(first.scope.clone(), fp)),
        "{holdings:?}"
    );
    assert!(s.dialog.is_none());
    let said = s.message.clone().unwrap().0;
    assert!(said.contains("every grant of 2 key(s)"), "{said}");
}

#[test]
fn a_template_naming_a_place_is_refused_on_data_center_and_nothing_is_sent() {
    for bad in ["{repo}-ci", "{workspace}", "ci-{project}"] {
        let mut s = label_form_on_two_selected();
        type_in(&mut s, bad);
        let cmds = submit(&mut s);
        assert!(cmds.is_empty(), "{bad}: {cmds:?}");
        assert!(matches!(s.dialog, Some(Dialog::Label(_))), "{bad}");
        let (said, error) = s.message.clone().unwrap();
        assert!(error && said.contains("shared by every grant"), "{said}");
    }
}

/// The selection's lookup answered with two keys of 3 and 2 grants.
fn answered() -> State {
    let mut s = label_form_on_two_selected();
    type_in(&mut s, "{label}-2027");
    let (req_id, _, _) = lookup_of(&submit(&mut s));
    update(
        &mut s,
        Msg::Worker(WorkerMsg::ReplaceGrants(Box::new(ReplaceGrants {
            req_id,
            found: two_keys(),
            failed: Vec::new(),
        }))),
    );
    s
}

fn dialog(s: &State) -> &ReplaceDialog {
    match &s.dialog {
        Some(Dialog::Replace(d)) => d,
        other => panic!("not the replace dialog: {other:?}"),
    }
}

#[test]
fn the_dialog_lists_every_grant_of_both_keys_and_asks_for_their_number() {
    let s = answered();
    let d = dialog(&s);
    assert_eq!(d.expected(), "5");
    let shown = lines(d).join("\n");
    for want in [
        "a label belongs to the key",
        "Each of these 2 keys",
        "(5 grants",
        "'deploy-w' → 'deploy-w-2027' (key 1, 3 grant(s)):",
        "  ACME/web  write  no expiry",
        "  ACME/api  read  no expiry",
        "write  90 days from the re-add",
        "'release-bot' → 'release-bot-2027' (key 2, 2 grant(s)):",
        "  ACME/web  read  65 days from the re-add",
        "  ACME/billing  read  no expiry",
        "Type 5 and Enter to go ahead",
    ] {
        assert!(shown.contains(want), "{want:?} missing from\n{shown}");
    }
    let grant_rows = shown
        .lines()
        .filter(|l| l.contains("  read  ") || l.contains("  write  "))
        .count();
    assert_eq!(grant_rows, 5, "{shown}");
}

#[test]
fn only_the_number_of_grants_sends_both_keys_in_one_run() {
    let mut s = answered();
    // y, the number of keys, or the number of one key's grants send nothing.
    for wrong in ["y", "2", "3"] {
        type_in(&mut s, wrong);
        assert!(submit(&mut s).is_empty(), "{wrong}");
        assert!(matches!(s.dialog, Some(Dialog::Replace(_))), "{wrong}");
        let (said, error) = s.message.clone().unwrap();
        assert!(error && said.contains("Type 5"), "{said}");
        update(&mut s, Msg::Input(TextInput::Backspace));
    }
    type_in(&mut s, "5");
    let cmds = submit(&mut s);
    match cmds.as_slice() {
        [Command::Replace(ReplaceCommand::Run { keys, .. })] => assert_eq!(*keys, two_keys()),
        other => panic!("not one run: {other:?}"),
    }
    assert!(s.dialog.is_none());
}

#[test]
fn esc_leaves_the_dialog_and_sends_nothing() {
    let mut s = answered();
    let cmds = update(&mut s, Msg::Input(TextInput::Abort));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(s.dialog.is_none());
    assert_eq!(s.message.clone().unwrap().0, "Nothing changed");
}

#[test]
fn keys_already_so_labelled_or_unreadable_are_left_out_and_said_so() {
    let mut s = label_form_on_two_selected();
    type_in(&mut s, "release-bot");
    let (req_id, _, _) = lookup_of(&submit(&mut s));
    let mut keys = two_keys();
    keys[1].label = "release-bot".into();
    keys[0].label = "release-bot".into();
    update(
        &mut s,
        Msg::Worker(WorkerMsg::ReplaceGrants(Box::new(ReplaceGrants {
            req_id,
            found: keys,
            failed: vec![(
                "SHA256:gone".into(),
                OpFailure::local("it is no longer on ACME/web"),
            )],
        }))),
    );
    let d = dialog(&s);
    assert_eq!(d.keys.len(), 1);
    assert_eq!(d.expected(), "3");
    let shown = lines(d).join("\n");
    assert!(
        shown.contains("'release-bot' (key 2) is already labelled so"),
        "{shown}"
    );
    assert!(
        shown.contains("SHA256:gone could not be read: it is no longer on ACME/web"),
        "{shown}"
    );
}

#[test]
fn with_every_key_left_out_nothing_opens_and_the_reason_is_said() {
    let mut s = label_form_on_two_selected();
    type_in(&mut s, "x");
    let (req_id, _, _) = lookup_of(&submit(&mut s));
    let mut keys = two_keys();
    for k in &mut keys {
        k.grants.clear();
    }
    update(
        &mut s,
        Msg::Worker(WorkerMsg::ReplaceGrants(Box::new(ReplaceGrants {
            req_id,
            found: keys,
            failed: Vec::new(),
        }))),
    );
    assert!(s.dialog.is_none(), "{:?}", s.dialog);
    let (said, error) = s.message.clone().unwrap();
    assert!(error && said.starts_with("Nothing changed"), "{said}");
    assert!(
        said.contains("granted nowhere this credential may see"),
        "{said}"
    );
}

#[test]
fn the_arrows_scroll_a_long_list_and_stop_at_its_end() {
    let mut s = answered();
    update(&mut s, Msg::Input(TextInput::Down));
    update(&mut s, Msg::Input(TextInput::Down));
    assert_eq!(dialog(&s).scroll, 2);
    update(&mut s, Msg::Input(TextInput::Up));
    assert_eq!(dialog(&s).scroll, 1);
    for _ in 0..20 {
        update(&mut s, Msg::Input(TextInput::PageDown));
    }
    let rows = crate::tui::ui::replace::body_rows(
        dialog(&s),
        crate::tui::ui::replace::body_width(s.size.0),
    )
    .len();
    assert_eq!(dialog(&s).scroll, rows - 1);
    // Scrolling types nothing.
    assert!(dialog(&s).typed.is_empty());
}

fn draw(s: &State, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| crate::tui::ui::render(s, f)).unwrap();
    t.backend().to_string()
}

#[test]
fn snapshot_the_replace_dialog_of_two_keys() {
    let mut s = answered();
    type_in(&mut s, "5");
    let small = draw(&s, 80, 24);
    assert!(small.contains("Relabel 2 keys at every grant"), "{small}");
    assert!(small.contains("Type 5 and Enter to go ahead: 5"), "{small}");
    insta::assert_snapshot!("dc_relabel_two_keys_80x24", small);
    s.size = (120, 40);
    let wide = draw(&s, 120, 40);
    for place in ["ACME/api", "ACME/billing", "OPS"] {
        assert!(wide.contains(place), "{place} missing from\n{wide}");
    }
    insta::assert_snapshot!("dc_relabel_two_keys_120x40", wide);
}

/// The permission of each grant of key entity `label` on the simulator, by place.
fn grants_labelled(
    dump: &crate::demo::datacenter::DcStateDump,
    label: &str,
) -> Vec<(Place, String)> {
    let mut out: Vec<(Place, String)> = dump
        .grants
        .iter()
        .filter(|g| dump.key(g.key_id).is_some_and(|k| k.label == label))
        .map(|g| (g.place.clone(), g.permission.clone()))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_worker_relabels_two_selected_keys_at_every_grant_on_the_data_center_simulator() {
    use crate::datacenter::{DcClient, DcCredential, DcOptions, Secret};
    use crate::demo::datacenter::{self, DcSimOptions, credentials as cred};
    use crate::forge::{Forge, NewAccessKey};
    use crate::journal::Journal;
    use crate::ops::keyops::{KeyOps, fingerprint_of, list_keys};

    let sim = datacenter::start(DcSimOptions::default()).await.unwrap();
    let mut o = DcOptions::new(
        sim.api_url(),
        DcCredential::Basic {
            username: cred::ADMIN_USERNAME.into(),
            token: Secret::new(cred::ADMIN_TOKEN),
        },
    );
    o.backoff_base = std::time::Duration::from_millis(2);
    o.backoff_max = std::time::Duration::from_millis(20);
    let forge = DcClient::new(o).unwrap();
    let ops_project = Place::project(ForgeKind::DataCenter, "OPS", "OPS");
    let infra = Place::repository(ForgeKind::DataCenter, "OPS", "infra");
    // `monitoring` (read at ACME/billing and OPS/infra) also gets write at ACME/api, and
    // `ops-deployer` (write on project OPS) read at ACME/web: 3 and 2 grants.
    let listed =
        |keys: Vec<AccessKey>, label: &str| keys.into_iter().find(|k| k.label == label).unwrap();
    let monitoring = listed(list_keys(&forge, &infra).await.unwrap(), "monitoring");
    let deployer = listed(
        list_keys(&forge, &ops_project).await.unwrap(),
        "ops-deployer",
    );
    for (k, place, permission) in [
        (&monitoring, dc("api"), Permission::Write),
        (&deployer, dc("web"), Permission::Read),
    ] {
        let new = NewAccessKey {
            key: k.key.clone(),
            label: k.label.clone(),
            permission,
            expiry_days: None,
        };
        forge.add_key(&place, &new).await.unwrap();
    }
    let before = sim.control().dump();
    let monitoring_grants = grants_labelled(&before, "monitoring");
    let deployer_grants = grants_labelled(&before, "ops-deployer");
    assert_eq!(
        (monitoring_grants.len(), deployer_grants.len()),
        (3, 2),
        "{monitoring_grants:?} {deployer_grants:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let ops = KeyOps {
        forge: &forge,
        journal: &journal,
        stop: None,
    };
    let fp = |k: &AccessKey| fingerprint_of(k).unwrap().to_string();
    // Two holdings of `monitoring` name one key: it is looked up once.
    let lookup = ReplaceCommand::LookupSelection {
        req_id: 1,
        holdings: vec![
            (infra.clone(), fp(&monitoring)),
            (dc("billing"), fp(&monitoring)),
            (ops_project.clone(), fp(&deployer)),
        ],
        template: "{label}-2027".into(),
    };
    let WorkerMsg::ReplaceGrants(found) = crate::tui::worker::replace::execute(&ops, lookup).await
    else {
        panic!("not the grants")
    };
    assert!(found.failed.is_empty(), "{:?}", found.failed);
    let counts: Vec<(String, usize)> = found
        .found
        .iter()
        .map(|k| (k.label.clone(), k.grants.len()))
        .collect();
    assert_eq!(
        counts,
        [
            ("monitoring-2027".to_string(), 3),
            ("ops-deployer-2027".to_string(), 2)
        ]
    );
    let run = ReplaceCommand::Run {
        req_id: 2,
        keys: found.found,
    };
    let WorkerMsg::OpDone { result, scopes, .. } =
        crate::tui::worker::replace::execute(&ops, run).await
    else {
        panic!("not done")
    };
    let said = result.unwrap();
    assert!(said.starts_with("2 keys relabelled"), "{said}");
    assert_eq!(scopes.len(), 5);

    // Every grant holds the new label, with the permission it had.
    let after = sim.control().dump();
    assert_eq!(
        grants_labelled(&after, "monitoring-2027"),
        monitoring_grants
    );
    assert_eq!(
        grants_labelled(&after, "ops-deployer-2027"),
        deployer_grants
    );
    assert!(grants_labelled(&after, "monitoring").is_empty());
    assert!(grants_labelled(&after, "ops-deployer").is_empty());
    // Nothing is left pending in the journal.
    // Two batches, one per key, both closed.
    assert_eq!(journal.read_all().unwrap().batches.len(), 2);
    assert!(journal.outstanding().unwrap().is_empty());
    sim.shutdown().await;
}

#[test]
fn a_list_longer_than_the_screen_scrolls_and_keeps_the_typed_count_in_view() {
    let mut s = answered();
    let Some(Dialog::Replace(d)) = &mut s.dialog else {
        unreachable!()
    };
    for n in 0..20 {
        d.keys[0]
            .grants
            .push((dc(&format!("repo-{n:02}")), grant(Permission::Read, None)));
    }
    let top = draw(&s, 80, 24);
    assert!(top.contains("↑/↓ scroll"), "{top}");
    assert!(top.contains(" lines 1-"), "{top}");
    assert!(top.contains("Type 25 and Enter to go ahead"), "{top}");
    assert!(!top.contains("ACME/billing"), "{top}");
    for _ in 0..5 {
        update(&mut s, Msg::Input(TextInput::PageDown));
    }
    let bottom = draw(&s, 80, 24);
    assert!(bottom.contains("ACME/billing"), "{bottom}");
    assert!(bottom.contains("keeps the old label"), "{bottom}");
    assert!(bottom.contains("Type 25 and Enter to go ahead"), "{bottom}");
}

#[tokio::test]
async fn a_key_that_fails_is_reported_the_next_goes_on_and_the_journal_gives_back_its_grant() {
    use crate::forge::memory::{Call, MemoryForge};
    use crate::forge::{Caps, Forge, ForgeError, ForgeErrorKind, NewAccessKey};
    use crate::journal::{Found, Journal};
    use crate::ops::keyops::KeyOps;

    let forge = MemoryForge::new(
        ForgeKind::DataCenter,
        Caps {
            permissions: true,
            expiry: true,
            usage_lookup: true,
            project_keys: true,
            ..Caps::default()
        },
    )
    .with_repo("ACME", "api", None)
    .with_repo("ACME", "web", None);
    let mut keys = Vec::new();
    for (n, label) in [(1, "first"), (2, "second")] {
        let mut grants = Vec::new();
        let mut held = None;
        for (repo, permission) in [("api", Permission::Write), ("web", Permission::Read)] {
            let new = NewAccessKey {
                key: crate::demo::key_line(n).unwrap().to_string(),
                label: label.into(),
                permission,
                expiry_days: None,
            };
            let k = forge.add_key(&dc(repo), &new).await.unwrap();
            grants.push((dc(repo), Grant::of(&k)));
            held = Some(k);
        }
        keys.push(KeyGrants {
            key: held.unwrap(),
            grants,
            label: format!("{label}-2027"),
        });
    }
    // The first re-add of the first key fails: its api grant is missing for now.
    forge.fail_next(
        Call::Add,
        ForgeError::new(ForgeErrorKind::Server, "the server failed").with_status(503),
    );
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let ops = KeyOps {
        forge: &forge,
        journal: &journal,
        stop: None,
    };
    let run = ReplaceCommand::Run { req_id: 3, keys };
    let WorkerMsg::OpDone { result, .. } = crate::tui::worker::replace::execute(&ops, run).await
    else {
        panic!("not done")
    };
    let failure = result.unwrap_err();
    assert!(failure.pending, "{failure:?}");
    assert!(
        failure
            .sentence
            .starts_with("1 of 2 key(s) could not be relabelled"),
        "{}",
        failure.sentence
    );
    assert!(
        failure.sentence.contains("✗ 'first'"),
        "{}",
        failure.sentence
    );
    assert!(
        failure.sentence.contains("✓ 'second'"),
        "{}",
        failure.sentence
    );
    let at = |repo: &str| -> Vec<(String, Permission)> {
        forge
            .grants(&dc(repo))
            .iter()
            .map(|k| (k.label.clone(), k.permission))
            .collect()
    };
    // The second key went on after the first failed.
    assert!(at("api").contains(&("second-2027".into(), Permission::Write)));
    assert!(at("web").contains(&("second-2027".into(), Permission::Read)));
    assert!(!at("api").iter().any(|(l, _)| l.starts_with("first")));

    // The pending batch finishes the first key: no grant is lost.
    let pending = journal.outstanding().unwrap().batches;
    assert_eq!(pending.len(), 1);
    ops.recover_found(&Found::Batch(pending[0].clone()))
        .await
        .unwrap();
    assert!(at("api").contains(&("first-2027".into(), Permission::Write)));
    assert!(at("web").contains(&("first-2027".into(), Permission::Read)));
    assert!(journal.outstanding().unwrap().is_empty());
}

#[test]
fn the_label_form_of_a_data_center_selection_offers_only_the_key_s_own_label() {
    let mut s = label_form_on_two_selected();
    let empty = draw(&s, 100, 30);
    assert!(
        empty.contains("Relabel 2 selected keys at every grant"),
        "{empty}"
    );
    assert!(
        empty.contains("template with {label} (one label per key"),
        "{empty}"
    );
    assert!(empty.contains("such as {label}-2027"), "{empty}");
    assert!(!empty.contains("{repo}"), "{empty}");
    type_in(&mut s, "{label}-2027");
    let typed = draw(&s, 100, 30);
    assert!(typed.contains("'deploy-w' → 'deploy-w-2027'"), "{typed}");
}
