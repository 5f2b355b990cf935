//! Planning a keys file: the changes it finds, and the round trip export → plan → no change.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::export::export_keys_file;
use super::file::parse_keys_file;
use super::plan::{DesiredChange, Observed, plan_desired};
use crate::demo::{FRESH_KEY_LINES, key_line};
use crate::forge::{AccessKey, ForgeKind, Permission, Place};

fn key(n: usize) -> String {
    FRESH_KEY_LINES
        .get(n % FRESH_KEY_LINES.len())
        .and_then(|&l| key_line(l))
        .unwrap_or_default()
        .to_string()
}

/// The key as the forge stores it: `<type> <base64>`, comment dropped.
fn stored(n: usize) -> String {
    key(n)
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn grant(id: u64, n: usize, label: &str) -> AccessKey {
    AccessKey {
        id,
        key: stored(n).into(),
        label: label.into(),
        comment: None,
        permission: Permission::Read,
        created: None,
        last_used: None,
        expiry_days: None,
    }
}

fn no_files(_: &Path) -> std::io::Result<String> {
    Err(std::io::Error::new(
        std::io::ErrorKind::NotFound,
        "no files here",
    ))
}

fn observed() -> Observed {
    let mut o = Observed::default();
    o.grants.insert(
        Place::cloud_repo("acme", "api-gw"),
        vec![grant(1, 0, "ci"), grant(2, 1, "backup")],
    );
    o.grants.insert(
        Place::cloud_repo("acme", "api-users"),
        vec![grant(3, 0, "ci")],
    );
    o.grants.insert(
        Place::cloud_repo("acme", "web"),
        vec![grant(4, 0, "ci-web")],
    );
    o.grants.insert(Place::cloud_repo("acme", "docs"), vec![]);
    o.grants.insert(
        Place::cloud_project("acme", "WEB"),
        vec![grant(5, 2, "project key")],
    );
    for (repo, project) in [
        ("api-gw", "API"),
        ("api-users", "API"),
        ("web", "WEB"),
        ("docs", "WEB"),
    ] {
        o.projects_of
            .insert(("acme".into(), repo.into()), project.into());
    }
    o
}

fn plan_text(text: &str, o: &Observed) -> Vec<DesiredChange> {
    let file = parse_keys_file(
        &PathBuf::from("keys.toml"),
        text,
        ForgeKind::Cloud,
        &no_files,
    )
    .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    plan_desired(&file, o).unwrap().changes
}

#[test]
fn an_exported_file_plans_no_change() {
    let o = observed();
    let (text, unreadable) = export_keys_file(&o, ForgeKind::Cloud);
    assert_eq!(unreadable, 0);
    assert!(plan_text(&text, &o).is_empty(), "{text}");
    // The key on three repositories under two labels is declared twice.
    assert_eq!(text.matches("[[key]]").count(), 4, "{text}");
}

#[test]
fn edits_become_adds_relabels_and_pruned_deletes() {
    let o = observed();
    let text = format!(
        r#"
[[key]]
name = "ci"
public_key = "{k0}"
label = "ci-{{project}}"
repos = ["acme/api-*", "acme/docs"]

[[key]]
name = "project"
public_key = "{k2}"
label = "project key"
projects = ["acme/WEB"]

[prune]
scopes = ["acme/api-*"]
"#,
        k0 = key(0),
        k2 = key(2)
    );
    let changes = plan_text(&text, &o);
    let summary: Vec<String> = changes
        .iter()
        .map(|c| format!("{} {}", c.symbol(), c.place()))
        .collect();
    assert_eq!(
        summary,
        [
            "-/+ acme/api-gw",
            "- acme/api-gw",
            "-/+ acme/api-users",
            "+ acme/docs",
        ],
        "{changes:#?}"
    );
    match &changes[3] {
        DesiredChange::Add { label, .. } => assert_eq!(label, "ci-WEB"),
        other => panic!("{other:?}"),
    }
    match &changes[0] {
        DesiredChange::Relabel { from, to, id, .. } => {
            assert_eq!((from.as_str(), to.as_str(), *id), ("ci", "ci-API", 1));
        }
        other => panic!("{other:?}"),
    }
    // acme/web is outside the prune scopes: its undeclared key stays.
    assert!(
        !changes
            .iter()
            .any(|c| c.place() == &Place::cloud_repo("acme", "web"))
    );
}

#[test]
fn overlapping_wildcards_with_two_labels_are_refused_and_empty_selectors_warned() {
    let o = observed();
    let text = format!(
        "[[key]]\nname = \"a\"\npublic_key = \"{k}\"\nlabel = \"a\"\nrepos = [\"acme/api-*\"]\n\n[[key]]\nname = \"b\"\npublic_key = \"{k}\"\nlabel = \"b\"\nrepos = [\"acme/*-gw\"]\n",
        k = key(0)
    );
    let file =
        parse_keys_file(&PathBuf::from("k.toml"), &text, ForgeKind::Cloud, &no_files).unwrap();
    let errors = plan_desired(&file, &o).unwrap_err();
    assert!(
        errors[0].contains("acme/api-gw the same key with different labels"),
        "{errors:?}"
    );

    let text = format!(
        "[[key]]\nname = \"a\"\npublic_key = \"{}\"\nlabel = \"a\"\nrepos = [\"globex/*\"]\n",
        key(0)
    );
    let file =
        parse_keys_file(&PathBuf::from("k.toml"), &text, ForgeKind::Cloud, &no_files).unwrap();
    let plan = plan_desired(&file, &o).unwrap();
    assert!(plan.changes.is_empty());
    assert_eq!(
        plan.warnings,
        ["5:10: globex/* matches nothing that was read"]
    );
}

#[test]
fn unreadable_places_make_the_plan_incomplete_and_are_never_pruned_blind() {
    let mut o = observed();
    let gw = Place::cloud_repo("acme", "api-gw");
    o.grants.remove(&gw);
    o.unreadable.insert(gw.clone());
    let text = format!(
        "[[key]]\nname = \"ci\"\npublic_key = \"{}\"\nlabel = \"ci\"\nrepos = [\"acme/api-*\"]\n\n[prune]\nscopes = [\"acme/api-*\"]\n",
        key(0)
    );
    let file =
        parse_keys_file(&PathBuf::from("k.toml"), &text, ForgeKind::Cloud, &no_files).unwrap();
    let plan = plan_desired(&file, &o).unwrap();
    assert_eq!(plan.unreadable, vec![gw]);
    assert!(plan.changes.is_empty(), "{:?}", plan.changes);
}

#[test]
fn a_different_comment_is_not_drift() {
    let mut o = observed();
    let mut with_comment = grant(9, 3, "x");
    with_comment.key = format!("{} someone@else", stored(3)).into();
    o.grants
        .insert(Place::cloud_repo("acme", "docs"), vec![with_comment]);
    let text = format!(
        "[[key]]\nname = \"x\"\npublic_key = \"{}\"\nlabel = \"x\"\nrepos = [\"acme/docs\"]\n",
        key(3)
    );
    assert!(plan_text(&text, &o).is_empty());
}

fn arb_observed() -> impl Strategy<Value = Observed> {
    // Up to 6 repositories and 2 projects, each holding distinct keys out of 8 under labels
    // out of 4; ids unique.
    let place_keys = proptest::collection::btree_map(0usize..8, 0usize..4, 0..5);
    (
        proptest::collection::vec(place_keys.clone(), 6),
        proptest::collection::vec(place_keys, 2),
    )
        .prop_map(|(repos, projects)| {
            let labels = ["ci", "deploy key", "ci", "Backup (nightly)"];
            let mut o = Observed::default();
            let mut id = 0;
            let mut fill = |held: &std::collections::BTreeMap<usize, usize>| {
                held.iter()
                    .map(|(&k, &l)| {
                        id += 1;
                        grant(id, k, labels[l])
                    })
                    .collect::<Vec<_>>()
            };
            for (i, held) in repos.iter().enumerate() {
                o.grants
                    .insert(Place::cloud_repo("acme", &format!("repo-{i}")), fill(held));
            }
            for (i, held) in projects.iter().enumerate() {
                o.grants
                    .insert(Place::cloud_project("acme", &format!("P{i}")), fill(held));
            }
            o
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn export_then_plan_is_always_no_change(o in arb_observed()) {
        let (text, _) = export_keys_file(&o, ForgeKind::Cloud);
        let file = parse_keys_file(&PathBuf::from("k.toml"), &text, ForgeKind::Cloud, &no_files)
            .map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
        let plan = plan_desired(&file, &o).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert!(plan.changes.is_empty(), "{:?}\n{}", plan.changes, text);
    }
}
