//! Badges of every finding kind on a hand-built scan, with a fixed clock.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::config::AuditConfig;
use crate::forge::{AccessKey, ForgeKind, Permission, Place, Project, Repository};
use crate::ops::scan::WorkspaceScan;
use crate::sshkey::PublicKey;

const NOW: OffsetDateTime = datetime!(2026-11-28 00:00 UTC);
const KEYS: &str = include_str!("../../demo/keys.txt");

fn key(n: usize) -> String {
    let line = KEYS.lines().nth(n - 1).unwrap();
    PublicKey::from_server(line).unwrap().to_openssh()
}

fn dk(id: u64, n: usize, label: &str, created: &str, used: Option<&str>) -> AccessKey {
    AccessKey {
        id,
        key: key(n).into(),
        label: label.into(),
        comment: None,
        permission: Permission::Read,
        created: Some(created.into()),
        last_used: used.map(String::from),
        expiry_days: None,
    }
}

fn repo(slug: &str) -> Repository {
    Repository {
        slug: slug.into(),
        name: slug.into(),
        project: Some("OPS".into()),
    }
}

fn place(slug: &str) -> Place {
    Place::repository(ForgeKind::Cloud, "acme", slug)
}

const OLD: &str = "2014-03-01T12:00:00+00:00";

/// - s1..s6 hold key 1 (ed25519), under two labels: shared by 6 (threshold 5), 2 labels;
/// - d holds key 106 (DSA), never used since 2014; r holds key 103 (RSA 1024), used 730
///   days ago; l holds key 93 (RSA 2048), used 364 days ago; y holds key 2, used 365 days ago;
/// - project OPS holds key 3 and has 10 repositories.
fn inventory() -> Inventory {
    let slugs = ["s1", "s2", "s3", "s4", "s5", "s6", "d", "r", "l", "y"];
    let recent = Some("2026-11-27T10:00:00+00:00");
    let mut repo_keys = BTreeMap::new();
    for (i, s) in slugs.iter().take(6).enumerate() {
        let label = if i == 0 { "deploy" } else { "ci" };
        repo_keys.insert(
            s.to_string(),
            Ok(vec![dk(10 + i as u64, 1, label, OLD, recent)]),
        );
    }
    repo_keys.insert("d".into(), Ok(vec![dk(30, 106, "old-dsa", OLD, None)]));
    let used = |d: &str| Some(format!("{d}T08:00:00+00:00"));
    repo_keys.insert(
        "r".into(),
        Ok(vec![dk(
            40,
            103,
            "rsa-1024",
            OLD,
            used("2024-11-28").as_deref(),
        )]),
    );
    repo_keys.insert(
        "l".into(),
        Ok(vec![dk(
            50,
            93,
            "legacy",
            OLD,
            used("2025-11-29").as_deref(),
        )]),
    );
    repo_keys.insert(
        "y".into(),
        Ok(vec![dk(
            60,
            2,
            "yearly",
            OLD,
            used("2025-11-28").as_deref(),
        )]),
    );
    let mut project_keys = BTreeMap::new();
    project_keys.insert(
        "OPS".to_string(),
        Ok(vec![dk(90, 3, "project", OLD, recent)]),
    );
    let scan = WorkspaceScan {
        workspace: "acme".into(),
        repositories: slugs.iter().map(|s| repo(s)).collect(),
        projects: vec![Project {
            key: "OPS".into(),
            name: None,
        }],
        repo_keys,
        project_keys,
        projects_error: None,
    };
    Inventory::build(&Snapshot::from_scan(&scan, NOW))
}

fn rules() -> AuditConfig {
    AuditConfig {
        unused_days: 30,
        ..AuditConfig::default()
    }
}

fn index() -> (Inventory, Vec<Finding>, BadgeIndex) {
    let inv = inventory();
    let findings = audit(&inv, &rules(), NOW);
    let index = BadgeIndex::build(&inv, &findings, NOW);
    (inv, findings, index)
}

fn texts(index: &BadgeIndex, slug: &str, id: u64) -> Vec<String> {
    index
        .of(&place(slug), id)
        .iter()
        .map(|b| b.to_string())
        .collect()
}

#[test]
fn ages_round_down_to_days_months_and_years() {
    let cases = [
        (-3, "0d"),
        (0, "0d"),
        (29, "29d"),
        (30, "30d"),
        (31, "1mo"),
        (60, "1mo"),
        (61, "2mo"),
        (364, "11mo"),
        (365, "1y"),
        (729, "1y"),
        (730, "2y"),
        (3650, "10y"),
    ];
    for (days, want) in cases {
        assert_eq!(age_text(days), want, "{days} days");
    }
}

#[test]
fn a_dsa_key_reads_weak_and_its_never_used_holding_never() {
    let (_, _, index) = index();
    assert_eq!(texts(&index, "d", 30), ["weak", "never"]);
    let severities: Vec<Severity> = index
        .of(&place("d"), 30)
        .iter()
        .map(|b| b.severity)
        .collect();
    assert_eq!(severities, [Severity::High, Severity::Medium]);
}

#[test]
fn a_short_rsa_key_reads_weak_whatever_its_use() {
    let (_, _, index) = index();
    assert_eq!(texts(&index, "r", 40), ["weak", "unused 2y"]);
}

#[test]
fn unused_ages_at_the_year_boundary() {
    let (_, _, index) = index();
    assert_eq!(
        texts(&index, "l", 50),
        ["unused 11mo", "legacy"],
        "364 days is not yet a year"
    );
    assert_eq!(texts(&index, "y", 60), ["unused 1y"], "365 days is a year");
}

#[test]
fn a_shared_key_under_two_labels_shows_both_on_every_holding() {
    let (_, _, index) = index();
    for (i, slug) in ["s1", "s2", "s3", "s4", "s5", "s6"].iter().enumerate() {
        assert_eq!(texts(&index, slug, 10 + i as u64), ["shared 6", "2 labels"]);
    }
}

#[test]
fn holdings_with_the_same_badges_share_one_list() {
    let (_, _, index) = index();
    // One list for the six holdings of the shared key, not six: a workspace of 150,000
    // holdings has a few dozen distinct lists.
    let first = index.of(&place("s1"), 10);
    assert_eq!(first.len(), 2);
    for (i, slug) in ["s2", "s3", "s4", "s5", "s6"].iter().enumerate() {
        let list = index.of(&place(slug), 11 + i as u64);
        assert_eq!(list, first);
        assert!(std::ptr::eq(list, first), "{slug} has a list of its own");
    }
    assert!(!std::ptr::eq(index.of(&place("d"), 30), first));
}

#[test]
fn a_project_key_reads_how_many_repositories_it_reaches() {
    let (_, _, index) = index();
    let ops = Place::project(ForgeKind::Cloud, "acme", "OPS");
    let shown: Vec<String> = index.of(&ops, 90).iter().map(|b| b.to_string()).collect();
    assert_eq!(shown, ["shared 10", "project 10"]);
}

#[test]
fn a_holding_without_findings_has_no_badge_and_unknown_places_none_either() {
    let (_, _, index) = index();
    assert!(index.of(&place("s1"), 999).is_empty());
    assert!(index.of(&place("nowhere"), 10).is_empty());
    assert!(index.of_place(&place("s1")).is_empty());
}

#[test]
fn the_index_answers_finding_queries_like_codes_for_holding() {
    let (inv, findings, index) = index();
    for e in &inv.keys {
        for h in &e.holdings {
            let codes = codes_for_holding(&findings, Some(&e.fingerprint), h);
            for code in FindingCode::ALL {
                assert_eq!(
                    index.has(&h.scope, h.id, code.as_str()),
                    codes.contains(&code),
                    "{} on {}",
                    code.as_str(),
                    h.scope
                );
            }
        }
    }
    assert!(
        index.has(&place("d"), 30, "DSA"),
        "codes match case-insensitively"
    );
}

#[test]
fn a_sentence_names_severity_and_code_and_keeps_the_reason() {
    let (_, findings, _) = index();
    let dsa = findings
        .iter()
        .find(|f| f.code == FindingCode::Dsa)
        .unwrap();
    let s = sentence(dsa);
    assert!(s.starts_with("High (dsa): DSA key ("), "{s}");
    assert!(s.ends_with('.'), "{s}");
    let mut hostile = dsa.clone();
    hostile.reason = "label \u{1b}[31mred".into();
    assert!(!sentence(&hostile).contains('\u{1b}'));
}

#[test]
fn data_center_grants_read_write_expired_and_expires_in_days() {
    let mk = |id, n, permission, created: &str, expiry_days| AccessKey {
        permission,
        expiry_days,
        ..dk(id, n, "k", created, Some("2026-11-27T00:00:00+00:00"))
    };
    let scan = WorkspaceScan {
        workspace: "OPS".into(),
        repositories: vec![repo("deploy"), repo("infra")],
        projects: Vec::new(),
        repo_keys: BTreeMap::from([
            (
                "deploy".to_string(),
                Ok(vec![
                    // Write, and 90 days from 2026-09-04 12:00 ends in 6 days (rounded up).
                    mk(
                        1,
                        1,
                        Permission::Write,
                        "2026-09-04T12:00:00+00:00",
                        Some(90),
                    ),
                    // 30 days from 2026-10-19 ended on 2026-11-18.
                    mk(
                        2,
                        2,
                        Permission::Read,
                        "2026-10-19T00:00:00+00:00",
                        Some(30),
                    ),
                ]),
            ),
            (
                "infra".to_string(),
                Ok(vec![mk(
                    3,
                    3,
                    Permission::Read,
                    "2026-11-17T00:00:00+00:00",
                    Some(70),
                )]),
            ),
        ]),
        project_keys: BTreeMap::new(),
        projects_error: None,
    };
    let mut snapshot = Snapshot::from_scan(&scan, NOW);
    snapshot.forge = ForgeKind::DataCenter;
    let inv = Inventory::build(&snapshot);
    let findings = audit(&inv, &rules(), NOW);
    let index = BadgeIndex::build(&inv, &findings, NOW);
    let at = |slug: &str, id| -> Vec<String> {
        let place = Place::repository(ForgeKind::DataCenter, "OPS", slug);
        index.of(&place, id).iter().map(|b| b.to_string()).collect()
    };
    assert_eq!(at("deploy", 1), ["write", "expires 6d"]);
    assert_eq!(at("deploy", 2), ["expired"]);
    assert!(at("infra", 3).is_empty(), "{:?}", at("infra", 3));
}

#[test]
fn a_key_that_cannot_be_read_has_its_badge_beside_the_keys_that_can() {
    let mut snapshot = Snapshot::from_scan(
        &WorkspaceScan {
            workspace: "acme".into(),
            repositories: vec![repo("x"), repo("s1")],
            projects: Vec::new(),
            repo_keys: BTreeMap::from([
                ("x".to_string(), Ok(vec![dk(70, 1, "broken", OLD, None)])),
                ("s1".to_string(), Ok(vec![dk(71, 1, "fine", OLD, None)])),
            ]),
            project_keys: BTreeMap::new(),
            projects_error: None,
        },
        NOW,
    );
    let Some(Listing::Keys(keys)) = snapshot.repo_keys.get_mut("x") else {
        panic!("no keys on x")
    };
    keys[0].key = "ssh-ed25519 not-base64".into();
    let inv = Inventory::build(&snapshot);
    assert_eq!(inv.unparsable.len(), 1);
    let findings = audit(&inv, &rules(), NOW);
    let index = BadgeIndex::build(&inv, &findings, NOW);
    assert_eq!(texts(&index, "x", 70), ["unreadable key"]);
    assert_eq!(texts(&index, "s1", 71), ["never"]);
}
