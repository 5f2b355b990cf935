//! `update()` tests of the All keys, find, export, cache and Credentials views: messages in,
//! state and commands out.

use std::path::PathBuf;

use time::macros::datetime;

use crate::ops::audit::{Direction, KeyColumn};
use crate::tui::action::Action;
use crate::tui::state::insight::*;
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::tests::insight_fixtures::*;
use crate::tui::update::{Command, Msg, TextInput, WorkerMsg, update};

#[test]
fn all_keys_without_a_scan_says_how_to_get_one() {
    let mut s = loaded();
    act(&mut s, Action::AllKeys);
    assert_eq!(s.views.insight(), Some(FullView::AllKeys));
    assert!(all_keys_rows(&s).is_empty());
    let screen = draw(&s, 80, 24);
    assert!(screen.contains("press R to scan the workspace"), "{screen}");
    act(&mut s, Action::Cancel);
    assert_eq!(s.views.insight(), None);
}

#[test]
fn all_keys_sorts_by_every_column_and_reverses() {
    let mut s = scanned();
    act(&mut s, Action::AllKeys);
    // Opens sorted by fingerprint; `>` moves to labels first.
    assert_eq!(s.insight.all_keys.sort.column, KeyColumn::Fingerprint);
    act(&mut s, Action::SortColumn);
    assert_eq!(s.insight.all_keys.sort.column, KeyColumn::Labels);
    assert_eq!(
        labels(&s),
        ["ci-deploy, web-deploy", "legacy-rsa", "release-signing"]
    );
    act(&mut s, Action::SortReverse);
    assert_eq!(s.insight.all_keys.sort.direction, Direction::Descending);
    assert_eq!(
        labels(&s),
        ["release-signing", "legacy-rsa", "ci-deploy, web-deploy"]
    );
    // Repositories column: key 1 reaches api and web (2), project key API reaches api and
    // locked (2), the RSA key only api (1).
    while s.insight.all_keys.sort.column != KeyColumn::Repositories {
        act(&mut s, Action::SortColumn);
    }
    assert_eq!(all_keys_rows(&s).last().unwrap().reach, 1);
    while s.insight.all_keys.sort.column != KeyColumn::LastUsed {
        act(&mut s, Action::SortColumn);
    }
    // Descending: most recently used first, never used last.
    assert_eq!(labels(&s)[0], "legacy-rsa");
    assert_eq!(labels(&s)[2], "release-signing");
    // Every column is reachable and the cycle wraps.
    for _ in 0..COLUMNS.len() {
        act(&mut s, Action::SortColumn);
    }
    assert_eq!(s.insight.all_keys.sort.column, KeyColumn::LastUsed);
}

#[test]
fn all_keys_filter_narrows_and_esc_clears_then_closes() {
    let mut s = scanned();
    act(&mut s, Action::AllKeys);
    act(&mut s, Action::Bottom);
    assert_eq!(s.insight.all_keys.cursor, 2);
    act(&mut s, Action::Filter);
    assert!(s.typing);
    for c in "rsa".chars() {
        update(&mut s, Msg::Input(TextInput::Char(c)));
    }
    update(&mut s, Msg::Input(TextInput::Submit));
    assert_eq!(labels(&s), ["legacy-rsa"]);
    assert_eq!(s.insight.all_keys.cursor, 0);
    // The panes' own filters are untouched.
    assert!(s.filter.iter().all(String::is_empty));
    act(&mut s, Action::Cancel);
    assert_eq!(labels(&s).len(), 3);
    assert_eq!(s.views.insight(), Some(FullView::AllKeys));
    act(&mut s, Action::Cancel);
    assert_eq!(s.views.insight(), None);
}

#[test]
fn find_from_the_keys_pane_uses_the_scan() {
    let mut s = scanned();
    act(&mut s, Action::FocusKeys);
    // The fixtures' keys have made-up fingerprints: point the focused one at key 1.
    if let Some(Load::Ready(keys)) = s.keys.get_mut(&("acme".to_string(), "api".to_string())) {
        std::sync::Arc::make_mut(&mut keys[0].facts).fingerprint = Some(fp(1));
    }
    let cmds = act(&mut s, Action::FindKey);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(s.views.insight(), Some(FullView::Find));
    let target = s.insight.find.clone().unwrap();
    assert_eq!(target.fingerprint.to_string(), fp(1));
    let screen = draw(&s, 80, 24);
    assert!(
        screen.contains("acme/api") && screen.contains("acme/web"),
        "{screen}"
    );
    act(&mut s, Action::Cancel);
    assert_eq!(s.views.insight(), None);
}

#[test]
fn find_without_a_scan_scans_then_opens_and_drops_stale_scans() {
    let mut s = loaded();
    act(&mut s, Action::FocusKeys);
    if let Some(Load::Ready(keys)) = s.keys.get_mut(&("acme".to_string(), "api".to_string())) {
        std::sync::Arc::make_mut(&mut keys[0].facts).fingerprint = Some(fp(1));
    }
    let cmds = act(&mut s, Action::FindKey);
    let req_id = req_of(&cmds, |c| match c {
        Command::Rescan { req_id, .. } => Some(*req_id),
        _ => None,
    });
    assert_eq!(s.views.insight(), None);
    assert!(s.insight.pending_find.is_some());
    // A failed scan drops the waiting find (checked on a copy).
    let mut failed = s.clone();
    update(
        &mut failed,
        Msg::Worker(WorkerMsg::Scanned {
            req_id,
            ws: "acme".into(),
            result: Err(crate::forge::ForgeError::new(
                crate::forge::ForgeErrorKind::NotPermitted,
                "refused",
            )),
        }),
    );
    assert!(failed.insight.pending_find.is_none());
    assert_eq!(failed.message, Some(("refused".into(), true)));
    // An answer to an older scan is ignored.
    insight_msg(
        &mut s,
        InsightMsg::Scanned {
            req_id: req_id + 100,
            inventory: inventory(),
        },
    );
    assert!(s.insight.inventories.is_empty());
    insight_msg(
        &mut s,
        InsightMsg::Scanned {
            req_id,
            inventory: inventory(),
        },
    );
    assert_eq!(s.views.insight(), Some(FullView::Find));
    assert!(s.insight.pending_find.is_none());
}

#[test]
fn find_from_all_keys_returns_to_it() {
    let mut s = scanned();
    act(&mut s, Action::AllKeys);
    act(&mut s, Action::FindKey);
    assert_eq!(s.views.insight(), Some(FullView::Find));
    assert!(s.insight.find.as_ref().unwrap().from_all_keys);
    act(&mut s, Action::Cancel);
    assert_eq!(s.views.insight(), Some(FullView::AllKeys));
}

#[test]
fn export_sends_the_inventory_and_reports_the_path() {
    let mut s = loaded();
    act(&mut s, Action::Export);
    assert!(s.message.as_ref().unwrap().0.contains("press R"));
    let mut s = scanned();
    let cmds = act(&mut s, Action::Export);
    let req_id = match cmds.as_slice() {
        [
            Command::Insight(InsightCommand::Export {
                req_id,
                dir,
                inventory,
                rules,
                cached,
            }),
        ] => {
            assert_eq!(dir, &PathBuf::from("/out"));
            assert_eq!(inventory.workspace, "acme");
            assert_eq!(inventory.keys.len(), 3);
            assert_eq!(*rules, crate::config::AuditConfig::default());
            assert!(!cached);
            *req_id
        }
        other => panic!("expected one Export, got {other:?}"),
    };
    let done = |req_id| InsightMsg::Exported {
        req_id,
        result: Ok((
            PathBuf::from("/out/bbkeys-audit-acme-2026-11-28.json"),
            PathBuf::from("/out/bbkeys-audit-acme-2026-11-28.csv"),
        )),
    };
    insight_msg(&mut s, done(req_id + 1));
    assert!(!s.message.as_ref().unwrap().0.contains("/out"));
    insight_msg(&mut s, done(req_id));
    assert_eq!(
        s.message,
        Some((
            "Audit written to /out/bbkeys-audit-acme-2026-11-28.json and bbkeys-audit-acme-2026-11-28.csv".into(),
            false
        ))
    );
}

#[test]
fn export_writes_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (json, csv) = crate::tui::worker::insight::export(
        dir.path(),
        &inventory(),
        Default::default(),
        false,
        datetime!(2026-11-28 12:00 UTC),
    )
    .unwrap();
    assert_eq!(json, dir.path().join("bbkeys-audit-acme-2026-11-28.json"));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["workspace"], "acme");
    assert_eq!(doc["summary"]["keys"], 3);
    assert!(std::fs::read_to_string(csv).unwrap().lines().count() > 1);
}

/// Starts with the cache directory set and returns the cache request for acme, with the
/// commands issued when the workspaces arrived.
fn cache_request_with_commands(s: &mut State) -> (ReqId, Vec<Command>) {
    let mut s2 = state();
    s2.insight.settings.cache_dir = Some(PathBuf::from("/cache"));
    let cmds = crate::tui::update::init(&mut s2);
    let id = req_of(&cmds, |c| match c {
        Command::LoadWorkspaces { req_id } => Some(*req_id),
        _ => None,
    });
    let cmds = update(
        &mut s2,
        Msg::Worker(WorkerMsg::Workspaces {
            req_id: id,
            result: Ok(vec![ws("acme", "Acme Corp")]),
        }),
    );
    *s = s2;
    let req_id = req_of(&cmds, |c| match c {
        Command::Insight(InsightCommand::LoadCache { req_id, ws, .. }) if ws == "acme" => {
            Some(*req_id)
        }
        _ => None,
    });
    (req_id, cmds)
}

fn cache_request(s: &mut State) -> ReqId {
    cache_request_with_commands(s).0
}

/// Requests for the panes' data (as opposed to the cache).
fn live_loads(cmds: &[Command]) -> Vec<&Command> {
    cmds.iter()
        .filter(|c| {
            matches!(
                c,
                Command::LoadRepos { .. }
                    | Command::LoadProjectKeys { .. }
                    | Command::LoadKeys { .. }
            )
        })
        .collect()
}

fn found(req_id: ReqId, age: time::Duration) -> InsightMsg {
    InsightMsg::Cache {
        req_id,
        ws: "acme".into(),
        answer: CacheAnswer::Found {
            panes: panes(),
            age,
        },
    }
}

fn indexed(req_id: ReqId, age: time::Duration) -> InsightMsg {
    InsightMsg::CacheIndexed {
        req_id,
        ws: "acme".into(),
        inventory: inventory(),
        age,
        judgement: None,
    }
}

#[test]
fn live_loads_wait_for_the_cache_and_follow_only_what_it_lacks() {
    // While the cache is read, nothing of acme is requested.
    let mut s = state();
    let (req_id, cmds) = cache_request_with_commands(&mut s);
    assert!(live_loads(&cmds).is_empty(), "{cmds:?}");
    assert!(draw(&s, 80, 24).contains("Loading"));
    // Moving about does not issue them either.
    assert!(live_loads(&act(&mut s, Action::Down)).is_empty());
    // A cache that holds the scan leaves nothing to request.
    let cmds = insight_msg(&mut s, found(req_id, time::Duration::hours(1)));
    assert!(live_loads(&cmds).is_empty(), "{cmds:?}");
    assert!(!reading_cache(&s, "acme"));

    // No cache, or an unusable one: the repositories and project keys are requested as soon
    // as that is known (and the warning says why the cache was not used).
    let warning = "the scan cache is corrupt";
    for (answer, says) in [
        (CacheAnswer::Missing, None),
        (CacheAnswer::Ignored(warning.into()), Some(warning)),
    ] {
        let mut s = state();
        let req_id = cache_request(&mut s);
        let ws = "acme".to_string();
        let cmds = insight_msg(&mut s, InsightMsg::Cache { req_id, ws, answer });
        let live = live_loads(&cmds);
        assert_eq!(live.len(), 2, "{cmds:?}");
        assert!(
            live.iter()
                .any(|c| matches!(c, Command::LoadRepos { ws, .. } if ws == "acme"))
        );
        assert!(
            live.iter()
                .any(|c| matches!(c, Command::LoadProjectKeys { .. }))
        );
        if let Some(says) = says {
            assert_eq!(s.message, Some((says.to_string(), true)));
        }
    }
}

#[test]
fn cached_scan_is_shown_with_its_age_until_a_rescan() {
    let mut s = state();
    let req_id = cache_request(&mut s);
    insight_msg(&mut s, found(req_id, time::Duration::hours(3)));
    // The panes show the cached scan at once: repositories and their keys, no requests.
    let Some(Load::Ready(repos)) = s.repos.get("acme") else {
        panic!("cached repositories expected")
    };
    assert_eq!(repos.len(), 3);
    let web = s.keys.get(&("acme".to_string(), "web".to_string()));
    assert!(matches!(web, Some(Load::Ready(k)) if k[0].label == "web-deploy"));
    assert!(s.message.as_ref().unwrap().0.contains("cached 3 h ago"));
    // The status bar marks the cached data while the panes show it, before the inventory.
    assert!(focused_inventory(&s).is_none());
    assert!(draw(&s, 80, 24).contains("cached 3 h ago"));
    act(&mut s, Action::AllKeys);
    let screen = draw(&s, 80, 24);
    assert!(
        screen.contains("Reading the cached scan of acme"),
        "{screen}"
    );
    // The inventory follows.
    insight_msg(&mut s, indexed(req_id, time::Duration::hours(3)));
    let inv = focused_inventory(&s).unwrap();
    assert_eq!(inv.cached, Some(time::Duration::hours(3)));
    assert!(!cache_pending(&s, "acme"));
    assert!(draw(&s, 80, 24).contains("· cached 3 h ago"));
    // Asked once per workspace, not on every message.
    assert!(act(&mut s, Action::Down).is_empty());
    // R replaces it with a fresh scan, no longer marked.
    let cmds = act(&mut s, Action::Rescan);
    let scan_id = req_of(&cmds, |c| match c {
        Command::Rescan { req_id, .. } => Some(*req_id),
        _ => None,
    });
    insight_msg(
        &mut s,
        InsightMsg::Scanned {
            req_id: scan_id,
            inventory: inventory(),
        },
    );
    assert_eq!(focused_inventory(&s).unwrap().cached, None);
}

#[test]
fn find_and_export_wait_for_the_cached_inventory_instead_of_scanning() {
    let mut s = state();
    let req_id = cache_request(&mut s);
    insight_msg(&mut s, found(req_id, time::Duration::hours(1)));
    s.focus = Pane::Keys;
    let cmds = act(&mut s, Action::FindKey);
    assert!(
        !cmds.iter().any(|c| matches!(c, Command::Rescan { .. })),
        "{cmds:?}"
    );
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .0
            .contains("Indexing the cached scan")
    );
    let cmds = act(&mut s, Action::Export);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .0
            .contains("still being indexed")
    );
    insight_msg(&mut s, indexed(req_id, time::Duration::hours(1)));
    assert_eq!(s.views.insight(), Some(FullView::Find));
}

#[test]
fn corrupt_cache_warns_and_late_cache_loses_to_a_scan() {
    let mut s = state();
    let req_id = cache_request(&mut s);
    let warning = "ignoring the scan cache /cache/scan-acme.json: not JSON";
    insight_msg(
        &mut s,
        InsightMsg::Cache {
            req_id,
            ws: "acme".into(),
            answer: CacheAnswer::Ignored(warning.into()),
        },
    );
    assert_eq!(s.message, Some((warning.into(), true)));
    assert!(focused_inventory(&s).is_none());

    let mut s = state();
    let req_id = cache_request(&mut s);
    let cmds = act(&mut s, Action::Rescan);
    let scan_id = req_of(&cmds, |c| match c {
        Command::Rescan { req_id, .. } => Some(*req_id),
        _ => None,
    });
    insight_msg(
        &mut s,
        InsightMsg::Scanned {
            req_id: scan_id,
            inventory: inventory(),
        },
    );
    // Both halves of the late answer are dropped.
    insight_msg(&mut s, found(req_id, time::Duration::days(2)));
    insight_msg(&mut s, indexed(req_id, time::Duration::days(2)));
    assert_eq!(focused_inventory(&s).unwrap().cached, None);
    assert!(!cache_pending(&s, "acme"));
    assert!(!s.message.as_ref().unwrap().0.contains("cached"));
}

#[test]
fn credentials_view_runs_doctor_and_drops_stale_reports() {
    let mut s = loaded();
    s.insight.settings.credential_source = "environment variables".into();
    let cmds = act(&mut s, Action::Credentials);
    let first = match cmds.as_slice() {
        [Command::Insight(InsightCommand::Diagnose { req_id, source, .. })] => {
            assert_eq!(source, "environment variables");
            *req_id
        }
        other => panic!("expected Diagnose, got {other:?}"),
    };
    assert_eq!(s.views.insight(), Some(FullView::Credentials));
    assert!(draw(&s, 80, 24).contains("Checking the credential"));
    // `r` checks again; the first answer is then stale.
    let cmds = act(&mut s, Action::Reload);
    assert_eq!(cmds.len(), 1);
    let diag = |req_id| InsightMsg::Diagnosed {
        req_id,
        report: Diagnosis(Box::new(report())),
    };
    insight_msg(&mut s, diag(first));
    assert!(!matches!(s.insight.credentials, Load::Ready(_)));
    let latest = s.insight.cred_req;
    insight_msg(&mut s, diag(latest));
    assert!(matches!(s.insight.credentials, Load::Ready(_)));
    act(&mut s, Action::Cancel);
    assert_eq!(s.views.insight(), None);
}

#[test]
fn keys_of_the_views_are_in_the_keymap_and_help() {
    let km = crate::tui::keymap::Keymap::default();
    for (a, k) in [
        (Action::AllKeys, "K"),
        (Action::FindKey, "f"),
        (Action::Export, "E"),
        (Action::Credentials, "C"),
        (Action::SortColumn, ">"),
        (Action::SortReverse, "<"),
    ] {
        assert_eq!(km.keys_label(a), k);
    }
}

#[test]
fn cache_round_trip_and_corrupt_file_through_the_worker_half() {
    let dir = tempfile::tempdir().unwrap();
    let load = |req_id| {
        let mut said = Vec::new();
        crate::tui::worker::insight::load_cache(dir.path(), "acme", req_id, None, &mut |m| {
            said.push(m)
        });
        said
    };
    assert!(matches!(
        load(7).as_slice(),
        [InsightMsg::Cache {
            req_id: 7,
            answer: CacheAnswer::Missing,
            ..
        }]
    ));
    crate::store::store_snapshot(dir.path(), &mut snapshot()).unwrap();
    // The panes' form of the first part (no repository keys), of all of it, then the
    // inventory of the same scan.
    match load(8).as_slice() {
        [
            InsightMsg::Cache {
                req_id: 8,
                answer:
                    CacheAnswer::Head {
                        panes: head,
                        age: age0,
                    },
                ..
            },
            InsightMsg::Cache {
                req_id: 8,
                answer: CacheAnswer::Found { panes, age },
                ..
            },
            InsightMsg::CacheIndexed {
                req_id: 8,
                inventory,
                age: age2,
                ..
            },
        ] => {
            assert_eq!(head.repos.len(), 3);
            assert!(head.repo_keys.is_empty());
            assert_eq!(age0, age);
            assert_eq!(panes.repos.len(), 3);
            assert_eq!(inventory.keys.len(), 3);
            assert!(*age > time::Duration::ZERO);
            assert_eq!(age, age2);
        }
        other => panic!("expected the cached scan, got {other:?}"),
    }
    let path = crate::store::path_for(dir.path(), "acme").unwrap();
    std::fs::write(&path, "{ not json").unwrap();
    match load(9).as_slice() {
        [
            InsightMsg::Cache {
                answer: CacheAnswer::Ignored(warning),
                ..
            },
        ] => assert!(warning.contains("scan-acme.json"), "{warning}"),
        other => panic!("expected a warning, got {other:?}"),
    }
}

#[test]
fn a_cached_inventory_arrives_judged_and_update_does_not_judge_it_again() {
    let dir = tempfile::tempdir().unwrap();
    crate::store::store_snapshot(dir.path(), &mut snapshot()).unwrap();
    let mut s = state();
    let (req_id, cmds) = cache_request_with_commands(&mut s);
    let at = datetime!(2026-11-28 12:00 UTC);
    let clock = Some(at);
    s.insight.settings.clock = clock;
    // The request carries the rules the view judges by.
    let rules = cmds
        .iter()
        .find_map(|c| match c {
            Command::Insight(InsightCommand::LoadCache { rules, .. }) => Some(*rules),
            _ => None,
        })
        .unwrap();
    assert_eq!(rules, s.insight.settings.rules);
    let mut said = Vec::new();
    let judge = crate::tui::worker::insight::JudgeBy { rules, clock };
    crate::tui::worker::insight::load_cache(dir.path(), "acme", req_id, Some(judge), &mut |m| {
        said.push(m)
    });
    let Some(InsightMsg::CacheIndexed {
        inventory,
        judgement: Some(judgement),
        ..
    }) = said.last_mut()
    else {
        panic!("no judged inventory: {said:?}")
    };
    let expected = Judgement::of(inventory, &rules, at);
    assert!(!expected.findings.is_empty());
    assert_eq!(**judgement, expected);
    // A judgement that says nothing shows that `update()` keeps what the worker judged.
    judgement.findings.clear();
    judgement.badges = Default::default();
    for m in said {
        insight_msg(&mut s, m);
    }
    assert!(s.insight.inventories["acme"].findings.is_empty());
}

#[test]
fn cache_never_replaces_live_data() {
    let mut s = loaded();
    s.insight
        .cache
        .insert("acme".into(), CacheStage::Reading(77));
    insight_msg(&mut s, found(77, time::Duration::hours(1)));
    // Live repositories (with ops-tools, unknown to the cache) and live keys of api stay.
    let Some(Load::Ready(repos)) = s.repos.get("acme") else {
        panic!()
    };
    assert!(repos.iter().any(|r| r.slug == "ops-tools"));
    let api = s.keys.get(&("acme".to_string(), "api".to_string()));
    assert!(matches!(api, Some(Load::Ready(k)) if k[1].label == "jenkins"));
    // What had not arrived live is filled in from the cache.
    let web = s.keys.get(&("acme".to_string(), "web".to_string()));
    assert!(matches!(web, Some(Load::Ready(k)) if k[0].label == "web-deploy"));
}

#[test]
fn copies_of_one_key_share_their_parsed_facts() {
    let data = crate::tui::worker::insight::scan_data(snapshot());
    let keys_of = |slug: &str| {
        data.repo_keys
            .iter()
            .find(|(s, _)| s == slug)
            .and_then(|(_, keys)| keys.as_ref().ok())
            .unwrap()
    };
    let ci = keys_of("api")
        .iter()
        .find(|k| k.label == "ci-deploy")
        .unwrap();
    let web = keys_of("web")
        .iter()
        .find(|k| k.label == "web-deploy")
        .unwrap();
    // One key under two labels: its text is held and parsed once.
    assert!(ci.fingerprint().is_some());
    assert_eq!(ci.fingerprint(), web.fingerprint());
    assert!(std::sync::Arc::ptr_eq(&ci.facts, &web.facts));
    // A different key has facts of its own.
    let other = keys_of("api")
        .iter()
        .find(|k| k.label != "ci-deploy")
        .unwrap();
    assert_ne!(other.fingerprint(), ci.fingerprint());
    assert!(!std::sync::Arc::ptr_eq(&other.facts, &ci.facts));
}

#[test]
fn a_fresh_scan_is_stored_indexed_and_converted_in_the_worker() {
    let dir = tempfile::tempdir().unwrap();
    let mut said = Vec::new();
    let panes = crate::tui::worker::insight::settle_scan(scan(), Some(dir.path()), 4, &mut |m| {
        said.push(m)
    });
    assert_eq!(panes.repos.len(), 3);
    match said.as_slice() {
        [
            InsightMsg::Scanned {
                req_id: 4,
                inventory,
            },
        ] => assert_eq!(inventory.keys.len(), 3),
        other => panic!("expected the inventory only, got {other:?}"),
    }
    // The next start finds it.
    let crate::store::CacheLoad::Found(c) = crate::store::load(dir.path(), "acme") else {
        panic!("the scan was not stored")
    };
    assert_eq!(c.snapshot.repositories.len(), 3);

    // A cache that cannot be written is reported, and the scan is still shown.
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, "").unwrap();
    let mut said = Vec::new();
    let panes =
        crate::tui::worker::insight::settle_scan(scan(), Some(&file), 5, &mut |m| said.push(m));
    assert_eq!(panes.repos.len(), 3);
    assert!(
        matches!(said.as_slice(), [InsightMsg::StoreFailed(e), InsightMsg::Scanned { .. }] if e.contains("not-a-directory")),
        "{said:?}"
    );

    // A scan that read nothing does not replace a useful cache.
    let mut empty = scan();
    for keys in empty.repo_keys.values_mut() {
        *keys = Err(crate::bitbucket::ApiError::new(
            crate::bitbucket::ApiErrorKind::Forbidden,
            crate::bitbucket::scopes::Operation::ListRepoKeys,
            "acme/x",
        )
        .into());
    }
    empty.project_keys.clear();
    let before = std::fs::read(crate::store::path_for(dir.path(), "acme").unwrap()).unwrap();
    crate::tui::worker::insight::settle_scan(empty, Some(dir.path()), 6, &mut |_| {});
    let after = std::fs::read(crate::store::path_for(dir.path(), "acme").unwrap()).unwrap();
    assert_eq!(before, after);
}
