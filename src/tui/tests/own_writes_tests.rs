//! `update()` tests of bbkeys' own writes reaching every view (issue 14, items 1, 2 and 5):
//! the answers of writes in, the panes, cursor, selection, inventory and cache commands out.

use std::path::PathBuf;

use crate::forge::AccessKey;
use crate::ops::edits::KeyEdit;
use crate::sshkey::{Fingerprint, PublicKey};
use crate::tui::action::Action;
use crate::tui::state::dialog::*;
use crate::tui::state::insight::*;
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::tests::insight_fixtures::{dk, draw, labels, scanned};
use crate::tui::update::bulk_actions::deploy_key;
use crate::tui::update::{Command, Msg, TextInput, WorkerMsg, update};

fn worker(s: &mut State, w: WorkerMsg) -> Vec<Command> {
    update(s, Msg::Worker(w))
}

fn done(edits: Vec<KeyEdit>) -> WorkerMsg {
    WorkerMsg::OpDone {
        req_id: 1,
        scopes: edits.iter().map(|e| e.scope().clone()).collect(),
        result: Ok("done".into()),
        edits,
    }
}

fn fingerprint(n: usize) -> Fingerprint {
    PublicKey::from_server(crate::demo::key_line(n).unwrap())
        .unwrap()
        .fingerprint()
}

/// No command reads anything again.
fn reads(cmds: &[Command]) -> Vec<&Command> {
    cmds.iter()
        .filter(|c| {
            matches!(
                c,
                Command::LoadKeys { .. } | Command::LoadProjectKeys { .. } | Command::Rescan { .. }
            )
        })
        .collect()
}

#[test]
fn deleting_every_copy_updates_find_all_keys_export_and_the_cache_without_a_request() {
    let mut s = scanned();
    // `f` on the key held on api and web (demo key 1).
    s.insight.find = Some(FindTarget {
        ws: "acme".into(),
        fingerprint: fingerprint(1),
        name: "ci-deploy".into(),
        from_all_keys: true,
    });
    s.views.open(FullView::Find);
    assert!(draw(&s, 100, 30).contains("2 times, reaching 2 repositories"));
    let mut cmds = worker(
        &mut s,
        done(vec![KeyEdit::Removed {
            scope: repo_scope("acme", "api"),
            key: dk(1, 1, "ci-deploy", "2024-03-01T09:15:00+00:00", None),
        }]),
    );
    assert!(draw(&s, 100, 30).contains("1 times, reaching 1 repositories"));
    cmds.extend(worker(
        &mut s,
        done(vec![KeyEdit::Removed {
            scope: repo_scope("acme", "web"),
            key: dk(2, 1, "web-deploy", "2025-01-10T12:00:00+00:00", None),
        }]),
    ));
    let screen = draw(&s, 100, 30);
    assert!(
        screen.contains("Not found in any repository or project of acme"),
        "{screen}"
    );
    assert!(reads(&cmds).is_empty(), "{cmds:?}");
    // The stored scan takes both edits.
    let stored: Vec<&KeyEdit> = cmds
        .iter()
        .filter_map(|c| match c {
            Command::Insight(InsightCommand::StoreEdits { dir, edits }) => {
                assert_eq!(dir, &PathBuf::from("/cache"));
                Some(edits)
            }
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(stored.len(), 2);
    // K and E see the same.
    s.views.open(FullView::AllKeys);
    let mut left = labels(&s);
    left.sort();
    assert_eq!(left, ["legacy-rsa", "release-signing"]);
    let cmds = update(&mut s, Msg::Action(Action::Export));
    let Some(Command::Insight(InsightCommand::Export { inventory, .. })) = cmds.last() else {
        panic!("{cmds:?}")
    };
    assert!(inventory.get(&fingerprint(1)).is_none());
}

#[test]
fn a_cached_scan_read_before_a_write_is_stored_still_shows_the_write() {
    let mut s = loaded();
    s.insight.settings.cache_dir = Some(PathBuf::from("/cache"));
    s.insight.inventories.clear();
    s.insight.cache.insert(
        "acme".into(),
        CacheStage::Indexing(40, time::Duration::ZERO),
    );
    let gone = KeyEdit::Removed {
        scope: repo_scope("acme", "api"),
        key: dk(1, 1, "ci-deploy", "2024-03-01T09:15:00+00:00", None),
    };
    worker(&mut s, done(vec![gone]));
    // The inventory of the file, indexed before the edit was stored, arrives now.
    update(
        &mut s,
        Msg::Worker(WorkerMsg::Insight(InsightMsg::CacheIndexed {
            req_id: 40,
            ws: "acme".into(),
            inventory: crate::tui::tests::insight_fixtures::inventory(),
            age: time::Duration::ZERO,
            judgement: None,
        })),
    );
    let entry = s.insight.inventories["acme"]
        .inventory
        .get(&fingerprint(1))
        .cloned()
        .unwrap();
    assert_eq!(entry.repositories.iter().collect::<Vec<_>>(), ["web"]);
}

fn relabelled(k: &KeyView, id: u64, label: &str) -> AccessKey {
    let mut d = deploy_key(k);
    d.id = id;
    d.label = label.into();
    d
}

#[test]
fn the_cursor_follows_a_relabelled_key_to_its_new_id() {
    let mut s = loaded_real();
    update(&mut s, Msg::Action(Action::FocusKeys));
    let first = s.focused_key().cloned().unwrap();
    assert_eq!(first.label, "ci-deploy");
    // The server lists a re-added key last; a reload would have put another key under the
    // cursor. The edit keeps the key's row and the cursor goes with the key.
    let cmds = worker(
        &mut s,
        done(vec![KeyEdit::Replaced {
            scope: first.scope.clone(),
            old: deploy_key(&first),
            new: relabelled(&first, 99, "ci-renamed"),
        }]),
    );
    assert!(reads(&cmds).is_empty(), "{cmds:?}");
    let now = s.focused_key().unwrap();
    assert_eq!((now.id, now.label.as_str()), (99, "ci-renamed"));
    // And `d` asks about that key.
    update(&mut s, Msg::Action(Action::DeleteKey));
    let Some(Dialog::Confirm(c)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    assert!(matches!(&c.command, Command::DeleteKey { key, .. } if key.id == 99));
}

#[test]
fn the_cursor_follows_a_rotated_key_after_a_job() {
    let mut s = loaded_real();
    update(&mut s, Msg::Action(Action::FocusKeys));
    update(&mut s, Msg::Action(Action::Down));
    let old = s.focused_key().cloned().unwrap();
    assert_eq!(old.id, 2);
    // The rotation also added the new key to web, where the cursor is not.
    let new = real_key(70, "deploy-bot", 3, old.scope.clone());
    let cmds = worker(
        &mut s,
        WorkerMsg::JobFinished {
            job_id: 5,
            edits: vec![
                KeyEdit::Replaced {
                    scope: old.scope.clone(),
                    old: deploy_key(&old),
                    new: deploy_key(&new),
                },
                KeyEdit::Added {
                    scope: repo_scope("acme", "web"),
                    key: deploy_key(&real_key(71, "deploy-bot", 3, repo_scope("acme", "web"))),
                },
            ],
        },
    );
    assert!(reads(&cmds).is_empty(), "{cmds:?}");
    let now = s.focused_key().unwrap();
    assert_eq!((now.id, now.fingerprint()), (70, Some(fp(3).as_str())));
    assert_eq!(s.also_on(now), ["acme/web"]);
}

#[test]
fn the_selection_drops_deleted_keys_and_shows_new_labels() {
    let mut s = loaded_real();
    for (repo, id) in [("api", 1), ("web", 5)] {
        let k = real_key(id, "ci-deploy", 1, repo_scope("acme", repo));
        s.selection
            .insert(crate::tui::state::selection::key_item(&k).unwrap());
    }
    let api = real_key(1, "ci-deploy", 1, repo_scope("acme", "api"));
    let web = real_key(5, "ci-deploy", 1, repo_scope("acme", "web"));
    worker(
        &mut s,
        done(vec![
            KeyEdit::Removed {
                scope: api.scope.clone(),
                key: deploy_key(&api),
            },
            KeyEdit::Replaced {
                scope: web.scope.clone(),
                old: deploy_key(&web),
                new: relabelled(&web, 6, "ci-web"),
            },
        ]),
    );
    let left: Vec<(String, String)> = s
        .selection
        .keys
        .values()
        .map(|k| (k.scope.to_string(), k.label.clone()))
        .collect();
    assert_eq!(left, [("acme/web".to_string(), "ci-web".to_string())]);
    // The rotate dialog offers what the selection holds.
    assert_eq!(
        s.selection.fingerprints(),
        [(fp(1), "ci-web".to_string(), 1)]
    );
    // "Also on" of the key left on web no longer names api.
    let web_now = s.keys[&("acme".to_string(), "web".to_string())].clone();
    let Load::Ready(web_keys) = web_now else {
        panic!("{web_now:?}")
    };
    assert_eq!(web_keys[0].label, "ci-web");
    assert!(s.also_on(&web_keys[0]).is_empty());
}

#[test]
fn a_failed_write_reads_its_place_again() {
    let mut s = loaded_real();
    let cmds = worker(
        &mut s,
        WorkerMsg::OpDone {
            req_id: 1,
            scopes: vec![repo_scope("acme", "api")],
            result: Err(crate::tui::state::msg::OpFailure {
                sentence: "refused".into(),
                pending: false,
                cause: None,
            }),
            edits: Vec::new(),
        },
    );
    assert!(
        matches!(reads(&cmds).as_slice(), [Command::LoadKeys { repo, .. }] if repo == "api"),
        "{cmds:?}"
    );
}

#[test]
fn an_add_that_finds_the_key_under_another_label_offers_to_relabel_it() {
    let mut s = loaded_real();
    let held = real_key(1, "ci-deploy", 1, repo_scope("acme", "api"));
    worker(
        &mut s,
        WorkerMsg::LabelDiffers {
            scope: held.scope.clone(),
            key: Box::new(deploy_key(&held)),
            wanted: "ci-new".into(),
        },
    );
    let Some(Dialog::Confirm(c)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    let text = c.lines.join("\n");
    assert!(
        text.contains("already on acme/api with the label 'ci-deploy'")
            && text.contains("'ci-new'"),
        "{text}"
    );
    // No is the default; y relabels.
    let cmds = update(&mut s, Msg::Input(TextInput::Char('y')));
    assert!(
        matches!(cmds.as_slice(), [Command::RelabelKey { key, label, .. }] if key.id == 1 && label == "ci-new"),
        "{cmds:?}"
    );
}

#[test]
fn the_add_dialog_renders_a_label_template_and_refuses_unknown_placeholders() {
    let mut s = loaded_real();
    update(&mut s, Msg::Action(Action::FocusKeys));
    update(&mut s, Msg::Action(Action::AddKey));
    let key = |s: &mut State, t| update(s, Msg::Input(t));
    key(
        &mut s,
        TextInput::Paste(crate::demo::key_line(30).unwrap().to_string()),
    );
    key(&mut s, TextInput::Submit);
    for c in "ci-{rpo}".chars() {
        key(&mut s, TextInput::Char(c));
    }
    assert!(key(&mut s, TextInput::Submit).is_empty());
    assert!(matches!(s.dialog, Some(Dialog::Add(_))));
    let (said, error) = s.message.clone().unwrap();
    assert!(
        error && said.contains("{rpo}") && said.contains("{repo}"),
        "{said}"
    );
    for _ in 0.."{rpo}".len() {
        key(&mut s, TextInput::Backspace);
    }
    for c in "{repo}-{{x}}".chars() {
        key(&mut s, TextInput::Char(c));
    }
    let cmds = key(&mut s, TextInput::Submit);
    assert!(
        matches!(cmds.as_slice(), [Command::AddKey { label, .. }] if label == "ci-api-{x}"),
        "{cmds:?}"
    );
}

#[test]
fn one_label_edit_renders_a_template_as_a_selection_s_does() {
    let mut s = loaded_real();
    update(&mut s, Msg::Action(Action::FocusKeys));
    update(&mut s, Msg::Action(Action::EditLabel));
    let key = |s: &mut State, t| update(s, Msg::Input(t));
    for c in "-{repo}-{{1}}".chars() {
        key(&mut s, TextInput::Char(c));
    }
    key(&mut s, TextInput::Submit);
    let Some(Dialog::Confirm(c)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    assert!(
        matches!(&c.command, Command::RelabelKey { label, .. } if label == "ci-deploy-api-{1}"),
        "{:?}",
        c.command
    );
}

#[test]
fn recovery_shows_the_place_as_recovery_left_it_without_reading_it_again() {
    let mut s = loaded_real();
    let api = repo_scope("acme", "api");
    let readded = real_key(40, "ci-deploy", 1, api.clone());
    let cmds = worker(
        &mut s,
        WorkerMsg::Recovered {
            req_id: 1,
            outcomes: vec![Ok("re-added".into())],
            scopes: vec![api.clone()],
            edits: vec![KeyEdit::Listed {
                scope: api,
                keys: vec![deploy_key(&readded)],
            }],
        },
    );
    assert!(reads(&cmds).is_empty(), "{cmds:?}");
    let Load::Ready(keys) = &s.keys[&("acme".to_string(), "api".to_string())] else {
        panic!()
    };
    assert_eq!(keys.iter().map(|k| k.id).collect::<Vec<_>>(), [40]);
}

#[test]
fn a_plan_after_a_single_delete_no_longer_targets_the_deleted_copy() {
    let mut s = loaded_real();
    let api = real_key(1, "ci-deploy", 1, repo_scope("acme", "api"));
    let web = real_key(5, "ci-deploy", 1, repo_scope("acme", "web"));
    for k in [&api, &web] {
        s.selection
            .insert(crate::tui::state::selection::key_item(k).unwrap());
    }
    worker(
        &mut s,
        done(vec![KeyEdit::Removed {
            scope: api.scope.clone(),
            key: deploy_key(&api),
        }]),
    );
    let cmds = update(&mut s, Msg::Action(Action::DeleteKey));
    let Some(Command::PlanBulk { request, .. }) = cmds.first() else {
        panic!("{cmds:?}")
    };
    assert_eq!(request.scopes(), std::slice::from_ref(&web.scope));
    // The selection view lists the same.
    let rows = crate::tui::state::selection::view_rows(&s.selection);
    assert!(rows.iter().all(|r| !r.text.contains("api")), "{rows:?}");
}
