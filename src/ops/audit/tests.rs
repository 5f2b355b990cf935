//! The audit on hand-built scans, one per rule, with a fixed clock.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::config::AuditConfig;
use crate::forge::{AccessKey, Permission};
use crate::forge::{ForgeError, ForgeErrorKind, Project, Repository};
use crate::forge::{ForgeKind, Place};
use crate::ops::find::{KeyNeedle, find_key};
use crate::ops::scan::WorkspaceScan;
use crate::sshkey::PublicKey;

const NOW: OffsetDateTime = datetime!(2026-11-28 00:00 UTC);
const KEYS: &str = include_str!("../../demo/keys.txt");

/// Line `n` (1-based) of the demo key set, without its comment.
fn key(n: usize) -> String {
    let line = KEYS.lines().nth(n - 1).unwrap();
    PublicKey::from_server(line).unwrap().to_openssh()
}

fn fp(n: usize) -> crate::sshkey::Fingerprint {
    PublicKey::from_server(&key(n)).unwrap().fingerprint()
}

fn dk(id: u64, text: &str, label: &str, created: Option<&str>, used: Option<&str>) -> AccessKey {
    AccessKey {
        id,
        key: text.into(),
        label: label.into(),
        comment: None,
        permission: Permission::Read,
        created: created.map(String::from),
        last_used: used.map(String::from),
        expiry_days: None,
    }
}

fn repo(slug: &str, project: &str) -> Repository {
    Repository {
        slug: slug.into(),
        name: slug.into(),
        project: Some(project.into()),
    }
}

/// The refusals the audit meets, as an adapter passes them on: a kind, the adapter's own name
/// for it (which `--json` shows) and its sentence. Cloud's own sentences are tested with the
/// adapter and through the simulator.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    /// A 403 without a scope detail: not an administrator of the place.
    NotAdministrator,
    /// The credential lacks the scope the listing needs.
    MissingScope,
    /// The forge failed.
    Server,
}

fn api_err(refusal: Refusal, listing: &str, target: impl Into<String>) -> ForgeError {
    let target = target.into();
    let (kind, wire, advice) = match refusal {
        Refusal::NotAdministrator => (
            ForgeErrorKind::NotPermitted,
            "forbidden",
            format!("{listing} {target} was refused: you are not an administrator there."),
        ),
        Refusal::MissingScope => (
            ForgeErrorKind::MissingPermission {
                needed: vec!["read:project:bitbucket".into()],
                granted: Vec::new(),
            },
            "missing_scopes",
            format!(
                "{listing} {target} needs the scope read:project:bitbucket, which the credential lacks."
            ),
        ),
        Refusal::Server => (
            ForgeErrorKind::Server,
            "server",
            format!("{listing} {target} failed: the server had an error; try again later."),
        ),
    };
    ForgeError {
        kind,
        status: None,
        advice,
        wire_code: Some(wire.into()),
    }
}

const LIST_REPO_KEYS: &str = "Listing the access keys of";
const LIST_PROJECTS: &str = "Listing the projects of";

/// Every finding kind at least once:
/// - key 1 (ed25519) on a1, a2, w1, o1, o2 and project OPS: shared (7 repositories), two
///   labels, a project key, never used on OPS since January;
/// - key 106 (DSA) on a3, never used since 2014;
/// - key 103 (RSA 1024) on w1, last used in January 2025;
/// - key 93 (RSA 2048) on a1, used last week;
/// - key 2 (ed25519) on o3, added 58 days ago and never used (under the threshold);
/// - an unreadable key text on o4, and the repository `locked` refused with 403.
fn scan() -> WorkspaceScan {
    let recent = Some("2026-11-25T10:00:00.000000+00:00");
    let old = Some("2020-01-01T00:00:00+00:00");
    let repositories = ["a1", "a2", "a3", "locked"]
        .iter()
        .map(|s| repo(s, "API"))
        .chain([repo("w1", "WEB")])
        .chain(["o1", "o2", "o3", "o4"].iter().map(|s| repo(s, "OPS")))
        .collect();
    let mut repo_keys = BTreeMap::new();
    let k1 = key(1);
    repo_keys.insert(
        "a1".to_string(),
        Ok(vec![
            dk(11, &k1, "ci", old, recent),
            dk(12, &key(93), "legacy-rsa", old, recent),
        ]),
    );
    repo_keys.insert("a2".into(), Ok(vec![dk(21, &k1, "ci", old, recent)]));
    repo_keys.insert(
        "a3".into(),
        Ok(vec![dk(
            31,
            &key(106),
            "old-dsa",
            Some("2014-03-01T12:00:00+00:00"),
            None,
        )]),
    );
    repo_keys.insert(
        "w1".into(),
        Ok(vec![
            dk(41, &k1, "deploy", old, recent),
            dk(
                42,
                &key(103),
                "rsa-1024",
                Some("2015-05-05T00:00:00+00:00"),
                Some("2025-01-10T08:00:00+00:00"),
            ),
        ]),
    );
    repo_keys.insert("o1".into(), Ok(vec![dk(51, &k1, "ci", old, recent)]));
    repo_keys.insert("o2".into(), Ok(vec![dk(61, &k1, "ci", old, recent)]));
    repo_keys.insert(
        "o3".into(),
        Ok(vec![dk(
            71,
            &key(2),
            "fresh",
            Some("2026-10-01T00:00:00+00:00"),
            None,
        )]),
    );
    repo_keys.insert(
        "o4".into(),
        Ok(vec![dk(81, "ssh-ed25519 AAAA", "broken", old, None)]),
    );
    repo_keys.insert(
        "locked".into(),
        Err(api_err(
            Refusal::NotAdministrator,
            LIST_REPO_KEYS,
            "acme/locked",
        )),
    );
    let mut project_keys = BTreeMap::new();
    project_keys.insert(
        "OPS".to_string(),
        Ok(vec![dk(
            91,
            &k1,
            "ci",
            Some("2026-01-01T00:00:00+00:00"),
            None,
        )]),
    );
    project_keys.insert("API".into(), Ok(vec![]));
    project_keys.insert("WEB".into(), Ok(vec![]));
    WorkspaceScan {
        workspace: "acme".into(),
        repositories,
        projects: ["API", "WEB", "OPS"]
            .iter()
            .map(|k| Project {
                key: k.to_string(),
                name: None,
            })
            .collect(),
        repo_keys,
        project_keys,
        projects_error: None,
    }
}

fn inventory() -> Inventory {
    Inventory::build(&Snapshot::from_scan(&scan(), NOW))
}

fn summary(findings: &[Finding]) -> Vec<(FindingCode, Option<String>, Option<String>)> {
    findings
        .iter()
        .map(|f| {
            (
                f.code,
                f.fingerprint.as_ref().map(|f| f.to_string()),
                f.location.as_ref().map(|l| l.to_string()),
            )
        })
        .collect()
}

#[test]
fn every_rule_fires_once_where_it_should() {
    let findings = audit(&inventory(), &AuditConfig::default(), NOW);
    let f = |n: usize| Some(fp(n).to_string());
    let at = |s: &str| Some(s.to_string());
    let want = vec![
        (FindingCode::Dsa, f(106), None),
        (FindingCode::RsaUnder2048, f(103), None),
        (FindingCode::NeverUsed, f(1), at("project OPS of acme")),
        (FindingCode::NeverUsed, f(106), at("acme/a3")),
        (FindingCode::Unused, f(103), at("acme/w1")),
        // A bare 403: the user does not administer it (issue 14, item 6).
        (FindingCode::NotPermitted, None, at("acme/locked")),
        (FindingCode::Rsa2048, f(93), None),
        (FindingCode::UnparsableKey, None, at("acme/o4")),
        (FindingCode::Shared, f(1), None),
        (FindingCode::ManyLabels, f(1), None),
        (FindingCode::ProjectKey, f(1), at("project OPS of acme")),
    ];
    let mut got = summary(&findings);
    let mut want_sorted = want.clone();
    // Within a severity the order depends on fingerprints; compare as sets, then check the
    // severities are in order.
    got.sort();
    want_sorted.sort();
    assert_eq!(got, want_sorted);
    let sev: Vec<Severity> = findings.iter().map(|f| f.severity).collect();
    let mut sorted = sev.clone();
    sorted.sort();
    assert_eq!(sev, sorted, "findings must come most severe first");
    for f in &findings {
        assert!(!f.reason.is_empty() && !f.reason.contains('\n'), "{f:?}");
        assert_eq!(f.severity, f.code.severity());
    }
}

#[test]
fn reasons_say_why_with_numbers() {
    let findings = audit(&inventory(), &AuditConfig::default(), NOW);
    let reason = |code| {
        findings
            .iter()
            .find(|f| f.code == code)
            .map(|f| f.reason.clone())
            .unwrap()
    };
    assert!(reason(FindingCode::Shared).contains("reaches 7 repositories"));
    assert!(reason(FindingCode::Shared).contains("5 directly"));
    assert!(reason(FindingCode::ManyLabels).contains("ci, deploy"));
    assert!(reason(FindingCode::ProjectKey).contains("4 repositories"));
    assert!(reason(FindingCode::Unused).contains("2025-01-10 (687 days ago)"));
    assert!(reason(FindingCode::Dsa).contains("DSA"));
    assert!(reason(FindingCode::RsaUnder2048).contains("1024 bits"));
    assert!(reason(FindingCode::NotPermitted).contains("you do not administer acme/locked"));
    let not_permitted = findings
        .iter()
        .find(|f| f.code == FindingCode::NotPermitted)
        .unwrap();
    assert_eq!(not_permitted.key_id, None);
    assert_eq!(not_permitted.severity, Severity::Info);
    let never = findings
        .iter()
        .find(|f| f.code == FindingCode::NeverUsed && f.key_id == Some(31))
        .unwrap();
    assert!(
        never.reason.contains("added 2014-03-01"),
        "{}",
        never.reason
    );
}

#[test]
fn thresholds_come_from_the_config_and_are_strict() {
    let inv = inventory();
    let count = |rules: &AuditConfig, now, code| {
        audit(&inv, rules, now)
            .iter()
            .filter(|f| f.code == code)
            .count()
    };
    let rules = AuditConfig {
        unused_never_days: 58,
        unused_days: 687,
        shared_threshold: 7,
    };
    // Key 2 was added exactly 58 days before NOW: not more than 58, so no finding; a day
    // later there is one.
    assert_eq!(count(&rules, NOW, FindingCode::NeverUsed), 2);
    let next_day = NOW + time::Duration::days(1);
    assert_eq!(count(&rules, next_day, FindingCode::NeverUsed), 3);
    assert_eq!(count(&rules, NOW, FindingCode::Unused), 0);
    assert_eq!(count(&rules, next_day, FindingCode::Unused), 1);
    assert_eq!(count(&rules, NOW, FindingCode::Shared), 0);
    let six = AuditConfig {
        shared_threshold: 6,
        ..rules
    };
    assert_eq!(count(&six, NOW, FindingCode::Shared), 1);
}

#[test]
fn inventory_indexes_by_fingerprint_with_reach_and_dates() {
    let inv = inventory();
    assert_eq!(inv.keys.len(), 5);
    assert_eq!(inv.repositories_read, 8);
    assert_eq!(inv.projects_read, 3);
    assert_eq!(inv.holdings(), 11);
    let ci = inv.get(&fp(1)).unwrap();
    assert_eq!(ci.key_type, "ssh-ed25519");
    assert_eq!(ci.bits, 256);
    assert_eq!(ci.labels.iter().collect::<Vec<_>>(), ["ci", "deploy"]);
    assert_eq!(ci.repositories.len(), 5);
    assert_eq!(ci.projects.iter().collect::<Vec<_>>(), ["OPS"]);
    assert_eq!(ci.reach, 7);
    assert!(ci.reached.contains("o4") && !ci.reached.contains("a3"));
    assert_eq!(ci.first_added.unwrap().date(), "2020-01-01");
    assert_eq!(ci.last_used.unwrap().to_string(), "2026-11-25T10:00:00Z");
    assert_eq!(ci.holdings.len(), 6);
    let dsa = inv.get(&fp(106)).unwrap();
    assert_eq!(dsa.strength, crate::sshkey::Strength::Weak);
    assert_eq!(dsa.last_used, None);
    assert_eq!(inv.unparsable.len(), 1);
    assert_eq!(inv.unreadable.len(), 1);
    assert_eq!(inv.unreadable[0].failure.kind, "forbidden");
    assert!(inv.get(&fp(5)).is_none());
}

#[test]
fn view_sorts_by_every_column_and_filters() {
    let inv = inventory();
    let order = |column, direction| SortOrder { column, direction };
    let fps = |rows: Vec<&KeyEntry>| {
        rows.iter()
            .map(|e| e.fingerprint.clone())
            .collect::<Vec<_>>()
    };
    let by_reach = inv.view("", order(KeyColumn::Repositories, Direction::Descending));
    assert_eq!(by_reach[0].fingerprint, fp(1));
    let by_used = fps(inv.view("", order(KeyColumn::LastUsed, Direction::Ascending)));
    // Never used sorts first when ascending.
    assert!(by_used[..2].contains(&fp(106)) && by_used[..2].contains(&fp(2)));
    let by_added = inv.view("", order(KeyColumn::FirstAdded, Direction::Ascending));
    assert_eq!(by_added[0].fingerprint, fp(106));
    let by_bits = inv.view("", order(KeyColumn::Bits, Direction::Descending));
    assert_eq!(by_bits[0].bits, 2048);
    let by_type = inv.view("", order(KeyColumn::Type, Direction::Ascending));
    assert_eq!(by_type[0].key_type, "ssh-dss");
    let by_label = inv.view("", order(KeyColumn::Labels, Direction::Ascending));
    assert_eq!(by_label[0].fingerprint, fp(1));
    let by_fp = fps(inv.view("", SortOrder::default()));
    let mut sorted = by_fp.clone();
    sorted.sort();
    assert_eq!(by_fp, sorted);
    for column in [
        KeyColumn::Fingerprint,
        KeyColumn::Labels,
        KeyColumn::Type,
        KeyColumn::Bits,
        KeyColumn::Repositories,
        KeyColumn::FirstAdded,
        KeyColumn::LastUsed,
    ] {
        let mut up = fps(inv.view("", order(column, Direction::Ascending)));
        let down = fps(inv.view("", order(column, Direction::Descending)));
        up.reverse();
        assert_eq!(up, down, "{column:?}");
    }
    assert_eq!(fps(inv.view("DEPLOY", SortOrder::default())), [fp(1)]);
    assert_eq!(fps(inv.view("a3", SortOrder::default())), [fp(106)]);
    assert_eq!(fps(inv.view("ops", SortOrder::default())), [fp(1)]);
    let part = &fp(93).to_string()[7..20];
    assert_eq!(fps(inv.view(part, SortOrder::default())), [fp(93)]);
    assert!(
        inv.view("nothing-like-this", SortOrder::default())
            .is_empty()
    );
}

#[test]
fn csv_codes_combine_key_and_place_findings() {
    let inv = inventory();
    let findings = audit(&inv, &AuditConfig::default(), NOW);
    let ci = inv.get(&fp(1)).unwrap();
    let on = |scope: &str| {
        ci.holdings
            .iter()
            .find(|h| h.scope.to_string() == scope)
            .unwrap()
    };
    assert_eq!(
        codes_for_holding(&findings, Some(&ci.fingerprint), on("acme/a1")),
        [FindingCode::Shared, FindingCode::ManyLabels]
    );
    assert_eq!(
        codes_for_holding(&findings, Some(&ci.fingerprint), on("project OPS of acme")),
        [
            FindingCode::NeverUsed,
            FindingCode::Shared,
            FindingCode::ManyLabels,
            FindingCode::ProjectKey
        ]
    );
    let broken = &inv.unparsable[0].holding;
    assert_eq!(
        codes_for_holding(&findings, None, broken),
        [FindingCode::UnparsableKey]
    );
}

#[test]
fn project_list_failure_and_all_failed_scans_are_reported() {
    let mut s = scan();
    s.projects_error = Some(api_err(Refusal::MissingScope, LIST_PROJECTS, "acme"));
    let snap = Snapshot::from_scan(&s, NOW);
    assert!(!snap.nothing_readable());
    let findings = audit(&Inventory::build(&snap), &AuditConfig::default(), NOW);
    let unreadable: Vec<_> = findings
        .iter()
        .filter(|f| f.code == FindingCode::Unreadable)
        .collect();
    // The project list is unreadable; acme/locked, a bare 403, is a place not administered.
    assert_eq!(unreadable.len(), 1);
    assert!(
        unreadable
            .iter()
            .any(|f| f.location.is_none() && f.reason.contains("read:project:bitbucket"))
    );
    assert_eq!(
        findings
            .iter()
            .filter(|f| f.code == FindingCode::NotPermitted)
            .count(),
        1
    );

    for v in s.repo_keys.values_mut().chain(s.project_keys.values_mut()) {
        *v = Err(api_err(Refusal::NotAdministrator, LIST_REPO_KEYS, "x"));
    }
    assert!(Snapshot::from_scan(&s, NOW).nothing_readable());
    s.repo_keys.clear();
    s.project_keys.clear();
    assert!(
        !Snapshot::from_scan(&s, NOW).nothing_readable(),
        "an empty workspace is not a failure"
    );
}

#[test]
fn only_a_bare_403_is_a_place_not_administered() {
    let mut s = scan();
    let mut fail = |slug: &str, kind: Refusal| {
        s.repo_keys.insert(
            slug.into(),
            Err(api_err(kind, LIST_REPO_KEYS, format!("acme/{slug}"))),
        );
    };
    fail("down", Refusal::Server);
    fail("scoped", Refusal::MissingScope);
    let snap = Snapshot::from_scan(&s, NOW);
    let inv = Inventory::build(&snap);
    let findings = audit(&inv, &AuditConfig::default(), NOW);
    let code_at = |slug: &str| {
        findings
            .iter()
            .find(|f| {
                f.location
                    .as_ref()
                    .is_some_and(|l| l.to_string() == format!("acme/{slug}"))
            })
            .map(|f| f.code)
    };
    assert_eq!(code_at("locked"), Some(FindingCode::NotPermitted));
    assert_eq!(code_at("down"), Some(FindingCode::Unreadable));
    assert_eq!(code_at("scoped"), Some(FindingCode::Unreadable));
    let failed: Vec<&str> = inv
        .read_failures()
        .iter()
        .map(|u| u.target.as_str())
        .collect();
    assert_eq!(failed, ["acme/down", "acme/scoped"]);
    assert_eq!(inv.skipped().len(), 1);
    // Everything it may read failed: that says nothing, whatever was skipped.
    for v in s.repo_keys.values_mut().chain(s.project_keys.values_mut()) {
        if v.is_ok() {
            *v = Err(api_err(Refusal::Server, LIST_REPO_KEYS, "x"));
        }
    }
    assert!(Snapshot::from_scan(&s, NOW).nothing_permitted_readable());
    for v in s.repo_keys.values_mut().chain(s.project_keys.values_mut()) {
        *v = Err(api_err(Refusal::NotAdministrator, LIST_REPO_KEYS, "x"));
    }
    let all_skipped = Snapshot::from_scan(&s, NOW);
    assert!(all_skipped.nothing_readable());
    assert!(!all_skipped.nothing_permitted_readable());
}

#[test]
fn snapshot_survives_json_with_failures_as_sentences() {
    let snap = Snapshot::from_scan(&scan(), NOW);
    let text = serde_json::to_string(&snap).unwrap();
    let back: Snapshot = serde_json::from_str(&text).unwrap();
    assert_eq!(back, snap);
    let Listing::Failed(f) = &back.repo_keys["locked"] else {
        panic!("locked must have failed")
    };
    assert_eq!(f.kind, "forbidden");
    assert!(f.reason.contains("administrator"), "{}", f.reason);
    assert_eq!(Inventory::build(&back), Inventory::build(&snap));
}

#[test]
fn find_by_fingerprint_and_by_pasted_key() {
    let inv = inventory();
    let by_fp = KeyNeedle::parse(&format!("  {}=\n", fp(1))).unwrap();
    let found = find_key(&inv, &by_fp.fingerprint);
    assert!(found.found());
    assert_eq!(found.entry.unwrap().holdings.len(), 6);
    assert_eq!(found.unreadable.len(), 1);
    let pasted = format!("{} someone@laptop\n", key(106));
    let needle = KeyNeedle::parse(&pasted).unwrap();
    assert!(needle.key.is_some());
    let found = find_key(&inv, &needle.fingerprint);
    assert_eq!(
        found.entry.unwrap().holdings[0].scope,
        Place::repository(ForgeKind::Cloud, "acme", "a3")
    );
    // RSA 1024 cannot be added, but must be findable.
    let weak = KeyNeedle::parse(&key(103)).unwrap();
    assert!(find_key(&inv, &weak.fingerprint).found());
    assert!(!find_key(&inv, &fp(5)).found());
    assert!(KeyNeedle::parse("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n").is_err());
    assert!(KeyNeedle::parse(&format!("{}\n{}", key(1), key(2))).is_err());
    assert!(KeyNeedle::parse("MD5:00:11").is_err());
    assert!(KeyNeedle::parse("SHA256:tooshort").is_err());
}

#[test]
fn readme_rules_table_names_every_code() {
    let table = rules_markdown_table(&AuditConfig::default());
    for code in FindingCode::ALL {
        assert!(table.contains(&format!("`{}`", code.as_str())));
    }
    assert!(table.contains("more than 90 days") && table.contains("more than 365 days"));
    for code in FindingCode::ALL {
        assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
    }
}

#[test]
fn edits_bring_an_inventory_where_a_rebuild_from_the_edited_scan_brings_it() {
    use crate::ops::edits::KeyEdit;
    let place = |repo: &str| Place::repository(ForgeKind::Cloud, "acme", repo);
    let mut snap = Snapshot::from_scan(&scan(), NOW);
    let listed = |snap: &Snapshot, repo: &str| match snap.repo_keys.get(repo) {
        Some(Listing::Keys(k)) => k.clone(),
        other => panic!("{other:?}"),
    };
    let a1 = listed(&snap, "a1");
    let k1_on_a1 = a1.iter().find(|k| k.id == 11).unwrap().clone();
    let mut relabelled = k1_on_a1.clone();
    relabelled.id = 500;
    relabelled.label = "renamed".into();
    let edits = vec![
        // Key 1 is relabelled on a1 (new id) and removed from a2.
        KeyEdit::Replaced {
            scope: place("a1"),
            old: k1_on_a1,
            new: relabelled,
        },
        KeyEdit::Removed {
            scope: place("a2"),
            key: listed(&snap, "a2")[0].clone(),
        },
        // A key added to o3, and o1 listed again with nothing on it.
        KeyEdit::Added {
            scope: place("o3"),
            key: dk(501, &key(93), "added", None, None),
        },
        KeyEdit::Listed {
            scope: place("o1"),
            keys: Vec::new(),
        },
        // Another workspace's edit changes nothing here.
        KeyEdit::Removed {
            scope: Place::repository(ForgeKind::Cloud, "globex", "a1"),
            key: listed(&snap, "a1")[0].clone(),
        },
    ];
    let mut inventory = Inventory::build(&snap);
    inventory.apply(&edits);
    // Twice is the same as once.
    inventory.apply(&edits);
    for e in &edits {
        snap.apply(e);
    }
    assert_eq!(inventory, Inventory::build(&snap));
    let k1 = inventory.get(&fp(1)).unwrap();
    assert!(k1.labels.contains("renamed") && !k1.repositories.contains("a2"));
    assert!(inventory.get(&fp(93)).unwrap().repositories.contains("o3"));
}

#[test]
fn a_data_center_snapshot_names_data_center_places_and_is_stored_with_its_forge() {
    let mut snapshot = Snapshot::from_scan(&scan(), datetime!(2026-11-28 09:30 UTC));
    let cloud = serde_json::to_string(&snapshot).unwrap();
    assert!(
        !cloud.contains("\"forge\""),
        "a Cloud scan is written as before"
    );
    snapshot.forge = ForgeKind::DataCenter;
    let inv = Inventory::build(&snapshot);
    let places: Vec<&Place> = inv
        .keys
        .iter()
        .flat_map(|k| k.holdings.iter().map(|h| &h.scope))
        .collect();
    assert!(!places.is_empty());
    assert!(
        places.iter().all(|p| p.forge() == ForgeKind::DataCenter),
        "{places:?}"
    );
    let text = serde_json::to_string(&snapshot).unwrap();
    assert!(text.contains("\"forge\":\"datacenter\""), "{text}");
    let back: Snapshot = serde_json::from_str(&text).unwrap();
    assert_eq!(back.forge, ForgeKind::DataCenter);
}

#[test]
fn grants_give_write_access_expired_and_expires_soon_findings_and_cloud_keys_none() {
    let mk = |id, n, permission, created: &str, expiry_days| AccessKey {
        permission,
        expiry_days,
        ..dk(
            id,
            &key(n),
            "k",
            Some(created),
            Some("2026-11-27T00:00:00Z"),
        )
    };
    let repo = |slug: &str| Repository {
        slug: slug.into(),
        name: slug.into(),
        project: Some("OPS".into()),
    };
    let scan = WorkspaceScan {
        workspace: "OPS".into(),
        repositories: vec![repo("deploy"), repo("infra")],
        projects: Vec::new(),
        repo_keys: BTreeMap::from([
            (
                "deploy".to_string(),
                Ok(vec![
                    // Write, expires in 6 days.
                    mk(1, 1, Permission::Write, "2026-09-04T12:00:00Z", Some(90)),
                    // Expired on 2026-11-18.
                    mk(2, 2, Permission::Read, "2026-10-19T00:00:00Z", Some(30)),
                ]),
            ),
            (
                "infra".to_string(),
                // Read, expiring in 60 days: nothing to say.
                Ok(vec![mk(
                    3,
                    3,
                    Permission::Read,
                    "2026-11-17T00:00:00Z",
                    Some(70),
                )]),
            ),
        ]),
        project_keys: BTreeMap::new(),
        projects_error: None,
    };
    let mut snapshot = Snapshot::from_scan(&scan, NOW);
    snapshot.forge = ForgeKind::DataCenter;
    let findings = audit(&Inventory::build(&snapshot), &AuditConfig::default(), NOW);
    let of = |code: FindingCode| -> Vec<&Finding> {
        findings.iter().filter(|f| f.code == code).collect()
    };
    let write = of(FindingCode::WriteAccess);
    assert_eq!(write.len(), 1, "{findings:#?}");
    assert_eq!(write[0].severity, Severity::High);
    assert_eq!(write[0].key_id, Some(1));
    let expired = of(FindingCode::Expired);
    assert_eq!(expired.len(), 1);
    assert!(
        expired[0].reason.contains("expired 2026-11-18"),
        "{}",
        expired[0].reason
    );
    let soon = of(FindingCode::ExpiresSoon);
    assert_eq!(soon.len(), 1);
    assert!(
        soon[0].reason.contains("expires in 6 days"),
        "{}",
        soon[0].reason
    );
    assert_eq!(soon[0].fingerprint, Some(fp(1)));
    assert!(
        Severity::High < soon[0].severity,
        "write access ranks above the expiry findings"
    );
    // The same keys read-only and without expiry, as Cloud has them: none of the three.
    let mut cloud = scan;
    for keys in cloud.repo_keys.values_mut() {
        for k in keys.as_mut().unwrap() {
            k.permission = Permission::Read;
            k.expiry_days = None;
        }
    }
    let findings = audit(
        &Inventory::build(&Snapshot::from_scan(&cloud, NOW)),
        &AuditConfig::default(),
        NOW,
    );
    assert!(
        findings.iter().all(|f| !matches!(
            f.code,
            FindingCode::WriteAccess | FindingCode::Expired | FindingCode::ExpiresSoon
        )),
        "{findings:#?}"
    );
}

/// What `matches` answers entry by entry, which the flat search text must answer too.
fn matching_entry_by_entry(inv: &Inventory, needle: &str) -> Vec<usize> {
    (0..inv.keys.len())
        .filter(|&i| inv.keys[i].matches(needle))
        .collect()
}

#[test]
fn the_filter_text_finds_what_matching_entry_by_entry_finds() {
    let mut inv = inventory();
    // A non-ASCII label, whose lowering differs from ASCII lowering.
    inv.apply(&[crate::ops::edits::KeyEdit::Added {
        scope: Place::repository(ForgeKind::Cloud, "acme", "w1"),
        key: dk(900, &key(2), "Schlüssel-İSTANBUL", None, None),
    }]);
    let mut needles: Vec<String> = [
        "",
        " ",
        "ci",
        " CI ",
        "Ci\n",
        "a1",
        "A",
        "ops",
        "OPS",
        "sha256:",
        "SHA256:",
        "\n",
        "ci\nlegacy",
        "zzz",
        "SCHLÜ",
        "i̇stanbul",
        "ü",
        "legacy-rsa",
        "-",
        "deploy",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for e in &inv.keys {
        let fp = e.fingerprint.as_str();
        needles.push(fp[fp.len() - 5..].to_uppercase());
        needles.push(fp.to_string());
    }
    let mut hits = 0;
    for needle in &needles {
        let expected = matching_entry_by_entry(&inv, needle);
        hits += expected.len();
        assert_eq!(inv.matching(needle), expected, "{needle:?}");
        let viewed: Vec<&str> = inv
            .view(needle, SortOrder::default())
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let expected: Vec<&str> = expected
            .iter()
            .map(|&i| inv.keys[i].fingerprint.as_str())
            .collect();
        assert_eq!(viewed, expected, "{needle:?}");
    }
    // The needles are not all misses: most find something.
    assert!(hits > needles.len(), "{hits}");
    assert_eq!(inv.matching("SCHLÜ"), inv.matching("schlü"));
    assert_eq!(inv.matching("SCHLÜ").len(), 1);
}

#[test]
fn the_filter_sees_labels_changed_after_an_earlier_filter() {
    let mut inv = inventory();
    assert!(inv.view("renamed", SortOrder::default()).is_empty());
    let mut relabelled = dk(11, &key(1), "ci", None, None);
    relabelled.id = 500;
    relabelled.label = "Renamed".into();
    inv.apply(&[crate::ops::edits::KeyEdit::Replaced {
        scope: Place::repository(ForgeKind::Cloud, "acme", "a1"),
        old: dk(11, &key(1), "ci", None, None),
        new: relabelled,
    }]);
    let found: Vec<&str> = inv
        .view("renamed", SortOrder::default())
        .iter()
        .map(|e| e.fingerprint.as_str())
        .collect();
    assert_eq!(found, vec![fp(1).as_str()]);
}
