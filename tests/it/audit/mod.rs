//! Audit, inventory, find and the scan cache (issue 7): the library on a stored scan with an
//! injected clock, and the CLI binary on the same scan through `--cached`.
//!
//! Set BBKEYS_BLESS=1 to rewrite the expected-findings fixtures from the code (then review the
//! diff: a fixture that changes is a behaviour that changed).

mod cli;
mod demo;
mod gate;

use std::path::{Path, PathBuf};

use bbkeys::config::AuditConfig;
use bbkeys::ops::audit::{AuditReport, CSV_HEADER, FindingCode, Inventory, Snapshot, audit};
use bbkeys::ops::find::{KeyNeedle, find_key};
use bbkeys::sshkey::PublicKey;
use bbkeys::store::{self, CacheLoad};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;

/// The clock of every fixture: the day the API contract was written.
pub(crate) const NOW: OffsetDateTime = datetime!(2026-11-28 00:00 UTC);

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit")
}

fn demo_key(n: usize) -> String {
    let keys =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/keys.txt"))
            .unwrap();
    keys.lines().nth(n - 1).unwrap().to_string()
}

fn fp(n: usize) -> String {
    PublicKey::from_server(&demo_key(n))
        .unwrap()
        .fingerprint()
        .to_string()
}

/// Compares `got` with a fixture file, or rewrites it under BBKEYS_BLESS=1.
fn assert_fixture(name: &str, got: &str) {
    let path = fixtures().join(name);
    if std::env::var_os("BBKEYS_BLESS").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with BBKEYS_BLESS=1", path.display()));
    assert_eq!(
        got, want,
        "{name} differs; rerun with BBKEYS_BLESS=1 and review"
    );
}
/// The fixture scan, read back through the cache as the TUI and `--cached` do.
fn fixture_snapshot() -> Snapshot {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures().join("scan-acme.json"),
        dir.path().join("scan-acme.json"),
    )
    .unwrap();
    match store::load(dir.path(), "acme") {
        CacheLoad::Found(c) => {
            assert_eq!(
                c.age(NOW + time::Duration::hours(12)),
                time::Duration::hours(3)
            );
            c.snapshot
        }
        other => panic!("the fixture scan does not load: {other:?}"),
    }
}

#[test]
fn fixture_audit_gives_the_expected_findings() {
    let inv = Inventory::build(&fixture_snapshot());
    let findings = audit(&inv, &AuditConfig::default(), NOW);
    let codes: Vec<FindingCode> = findings.iter().map(|f| f.code).collect();
    for code in [
        FindingCode::Dsa,
        FindingCode::RsaUnder2048,
        FindingCode::Rsa2048,
        FindingCode::NeverUsed,
        FindingCode::Unused,
        FindingCode::Shared,
        FindingCode::ManyLabels,
        // acme/locked answers a bare 403: a place the user does not administer.
        FindingCode::NotPermitted,
        FindingCode::ProjectKey,
    ] {
        assert!(codes.contains(&code), "no {code:?} finding in {codes:?}");
    }
    let got = serde_json::to_string_pretty(&findings).unwrap() + "\n";
    assert_fixture("acme-findings.json", &got);
}

#[test]
fn library_finds_a_key_by_fingerprint_and_by_pasted_key() {
    let inv = Inventory::build(&fixture_snapshot());
    let by_fp = KeyNeedle::parse(&fp(1)).unwrap();
    let entry = find_key(&inv, &by_fp.fingerprint).entry.unwrap();
    let places: Vec<String> = entry.holdings.iter().map(|h| h.scope.to_string()).collect();
    assert_eq!(
        places,
        [
            "acme/api",
            "acme/billing",
            "acme/helm",
            "acme/infra",
            "acme/k8s",
            "acme/web"
        ]
    );
    let pasted = KeyNeedle::parse(&format!("{}\n", demo_key(2))).unwrap();
    let entry = find_key(&inv, &pasted.fingerprint).entry.unwrap();
    assert_eq!(entry.projects.iter().collect::<Vec<_>>(), ["OPS"]);
    assert_eq!(entry.reach, 3);
    assert!(!find_key(&inv, &KeyNeedle::parse(&fp(5)).unwrap().fingerprint).found());
}

#[test]
fn cache_round_trip_and_corrupt_cache_is_ignored_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut snap = fixture_snapshot();
    let path = store::store_snapshot(dir.path(), &mut snap).unwrap();
    match store::load(dir.path(), "acme") {
        CacheLoad::Found(c) => assert_eq!(c.snapshot, snap),
        other => panic!("{other:?}"),
    }
    std::fs::write(&path, b"{\"format\": 1, \"snapshot\": [truncated").unwrap();
    match store::load(dir.path(), "acme") {
        CacheLoad::Ignored { warning } => assert!(warning.contains("corrupt"), "{warning}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(store::load(dir.path(), "globex"), CacheLoad::Missing);
}
#[test]
fn report_export_matches_what_the_cli_prints() {
    // The TUI's E writes AuditReport too; it must be the CLI's document.
    let inv = Inventory::build(&fixture_snapshot());
    let findings = audit(&inv, &AuditConfig::default(), NOW);
    let report = AuditReport::new(&inv, &findings, AuditConfig::default(), NOW, true);
    let csv = report.to_csv();
    assert!(csv.starts_with(CSV_HEADER));
    assert_eq!(csv.lines().count(), 11);
    let doc: Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    assert_eq!(doc["audited_at"], "2026-11-28T00:00:00Z");
    assert_eq!(doc["summary"]["findings"]["high"], 2);
}

/// The findings table of docs/audit.md is generated from the code, so severities cannot drift.
#[test]
fn readme_findings_table_matches_the_code() {
    use bbkeys::ops::audit::rules_markdown_table;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/audit.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = ("<!-- findings:begin -->\n", "<!-- findings:end -->");
    let a = readme
        .find(begin)
        .expect("docs/audit.md lacks the findings table")
        + begin.len();
    let b = a + readme[a..]
        .find(end)
        .expect("docs/audit.md lacks the findings end marker");
    let want = rules_markdown_table(&AuditConfig::default());
    if readme[a..b] != want && std::env::var_os("BBKEYS_BLESS").is_some() {
        std::fs::write(&path, format!("{}{want}{}", &readme[..a], &readme[b..])).unwrap();
        return;
    }
    assert_eq!(
        &readme[a..b],
        want,
        "docs/audit.md findings table differs from the code; rerun with BBKEYS_BLESS=1"
    );
}

#[test]
fn readme_policy_table_matches_the_code() {
    // The table lives in the audit reference page since the README became a short guide.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/audit.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = ("<!-- policy:begin -->\n", "<!-- policy:end -->");
    let a = readme.find(begin).expect("README lacks the policy table") + begin.len();
    let b = a + readme[a..]
        .find(end)
        .expect("README lacks the policy end marker");
    let want = bbkeys::ops::policy::policy_rules_markdown_table();
    if readme[a..b] != want && std::env::var_os("BBKEYS_BLESS").is_some() {
        std::fs::write(&path, format!("{}{want}{}", &readme[..a], &readme[b..])).unwrap();
        return;
    }
    assert_eq!(
        &readme[a..b],
        want,
        "README policy table differs from the code; rerun with BBKEYS_BLESS=1"
    );
}

/// The `[audit]` example, uncommented, parses and states the defaults.
#[test]
fn config_example_audit_section_states_the_defaults() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml"))
            .unwrap();
    let start = text
        .find("[audit]")
        .expect("config.example.toml lacks [audit]");
    let section: String = text[start..]
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            l.strip_prefix("# ")
                .filter(|l| l.contains(" = "))
                .unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let cfg = bbkeys::config::Config::parse(&section).unwrap();
    assert_eq!(cfg.audit, AuditConfig::default());
    assert!(section.contains("unused_never_days = 90"), "{section}");
}
