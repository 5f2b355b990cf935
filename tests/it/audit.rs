//! Audit, inventory, find and the scan cache (issue 7): the library on a stored scan with an
//! injected clock, and the CLI binary on the same scan through `--cached`.
//!
//! Set BBKEYS_BLESS=1 to rewrite the expected-findings fixtures from the code (then review the
//! diff: a fixture that changes is a behaviour that changed).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use bbkeys::cache::{self, CacheLoad};
use bbkeys::config::AuditConfig;
use bbkeys::ops::audit::{AuditReport, CSV_HEADER, FindingCode, Inventory, Snapshot, audit};
use bbkeys::ops::find::{KeyNeedle, find_key};
use bbkeys::paths::Namespace;
use bbkeys::sshkey::PublicKey;
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;

/// The clock of every fixture: the day the API contract was written.
const NOW: OffsetDateTime = datetime!(2026-11-28 00:00 UTC);
/// Nothing listens on the discard port: a request that is made fails, so `--cached` is proven
/// to make none.
const DEAD_API: &str = "http://127.0.0.1:9/2.0";
const EMAIL: &str = "auditor@example.com";

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

/// A home of its own for one test: HOME and every XDG directory in a tempdir, a credential
/// in the environment, and an API that does not answer.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_bbkeys"));
        let root = self.dir.path();
        for var in [
            "BBKEYS_PROFILE",
            "BBKEYS_CONFIG",
            "BBKEYS_ACCESS_TOKEN",
            "BBKEYS_LOG",
        ] {
            c.env_remove(var);
        }
        c.env("HOME", root)
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_CACHE_HOME", root.join("cache"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("BBKEYS_EMAIL", EMAIL)
            .env("BBKEYS_API_TOKEN", "not-a-real-token")
            .env("BBKEYS_API_URL", DEAD_API)
            .stdin(Stdio::null());
        c
    }

    /// The cache directory bbkeys uses for this account (`Context::cache_dir()`).
    fn cache_dir(&self) -> PathBuf {
        let ns = Namespace::Account {
            origin: "http://127.0.0.1:9".into(),
            account: EMAIL.into(),
        };
        self.dir.path().join("cache/bbkeys").join(ns.dir_name())
    }

    /// Puts the fixture scan of `acme` in the cache.
    fn seed(&self) {
        std::fs::create_dir_all(self.cache_dir()).unwrap();
        std::fs::copy(
            fixtures().join("scan-acme.json"),
            self.cache_dir().join("scan-acme.json"),
        )
        .unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    fn run_with_stdin(&self, args: &[&str], input: &str) -> Output {
        let mut child = self
            .cmd()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The fixture scan, read back through the cache as the TUI and `--cached` do.
fn fixture_snapshot() -> Snapshot {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures().join("scan-acme.json"),
        dir.path().join("scan-acme.json"),
    )
    .unwrap();
    match cache::load(dir.path(), "acme") {
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
        FindingCode::Unreadable,
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
    let snap = fixture_snapshot();
    let path = cache::store_snapshot(dir.path(), &snap).unwrap();
    match cache::load(dir.path(), "acme") {
        CacheLoad::Found(c) => assert_eq!(c.snapshot, snap),
        other => panic!("{other:?}"),
    }
    std::fs::write(&path, b"{\"format\": 1, \"snapshot\": [truncated").unwrap();
    match cache::load(dir.path(), "acme") {
        CacheLoad::Ignored { warning } => assert!(warning.contains("corrupt"), "{warning}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(cache::load(dir.path(), "globex"), CacheLoad::Missing);
}

fn is_time(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
    })
}

fn known_code(v: &Value) -> bool {
    FindingCode::ALL
        .iter()
        .any(|c| v.as_str() == Some(c.as_str()))
}

#[test]
fn audit_json_is_one_document_with_the_documented_fields() {
    let home = Home::new();
    home.seed();
    let out = home.run(&["audit", "acme", "--cached", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["workspace"], "acme");
    assert_eq!(doc["scanned_at"], "2026-11-28T09:00:00Z");
    assert!(is_time(&doc["audited_at"]));
    assert_eq!(doc["cached"], true);
    assert_eq!(doc["thresholds"]["unused_never_days"], 90);
    assert_eq!(doc["thresholds"]["unused_days"], 365);
    assert_eq!(doc["thresholds"]["shared_threshold"], 5);
    for k in [
        "keys",
        "holdings",
        "repositories_read",
        "projects_read",
        "unreadable",
    ] {
        assert!(doc["summary"][k].is_u64(), "summary.{k}");
    }
    for s in ["high", "medium", "low", "info"] {
        assert!(
            doc["summary"]["findings"][s].is_u64(),
            "summary.findings.{s}"
        );
    }
    let inventory = doc["inventory"].as_array().unwrap();
    assert_eq!(inventory.len(), 5);
    for e in inventory {
        assert!(e["fingerprint"].as_str().unwrap().starts_with("SHA256:"));
        assert!(e["key_type"].is_string() && e["bits"].is_u64() && e["reach"].is_u64());
        assert!(["good", "legacy", "weak"].contains(&e["strength"].as_str().unwrap()));
        for set in ["labels", "repositories", "projects", "reached"] {
            assert!(
                e[set].as_array().unwrap().iter().all(Value::is_string),
                "{set}"
            );
        }
        for t in ["first_added", "last_used"] {
            assert!(e[t].is_null() || is_time(&e[t]), "{t}: {}", e[t]);
        }
        for h in e["holdings"].as_array().unwrap() {
            assert!(["repository", "project"].contains(&h["scope"].as_str().unwrap()));
            assert_eq!(h["workspace"], "acme");
            assert!(h["repo"].is_string() || h["project"].is_string());
            assert!(h["id"].is_u64() && h["label"].is_string());
        }
    }
    let findings = doc["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        assert!(known_code(&f["code"]), "{}", f["code"]);
        assert!(["high", "medium", "low", "info"].contains(&f["severity"].as_str().unwrap()));
        assert!(f["fingerprint"].is_null() || f["fingerprint"].is_string());
        assert!(f["location"].is_null() || f["location"]["scope"].is_string());
        assert!(f["key_id"].is_null() || f["key_id"].is_u64());
        assert!(!f["reason"].as_str().unwrap().is_empty());
    }
    let unreadable = doc["unreadable"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1);
    assert_eq!(unreadable[0]["target"], "acme/locked");
    assert_eq!(unreadable[0]["kind"], "forbidden");
    assert_eq!(unreadable[0]["status"], 403);
    assert!(
        unreadable[0]["reason"]
            .as_str()
            .unwrap()
            .contains("administrator")
    );
    assert!(doc["unparsable_keys"].as_array().unwrap().is_empty());
}

#[test]
fn audit_csv_has_one_row_per_holding_with_finding_codes() {
    let home = Home::new();
    home.seed();
    let out = home.run(&["audit", "acme", "--cached", "--csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "workspace,scope,repo,project,id,label,comment,fingerprint,key_type,bits,created_on,last_used,reach,findings"
        )
    );
    assert_eq!(CSV_HEADER.split(',').count(), 14);
    let rows: Vec<Vec<String>> = lines
        .map(|l| {
            // The fixture has no commas inside fields; quotes only wrap the findings list.
            l.split(',')
                .map(|c| c.trim_matches('"').to_string())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 10, "one row per holding");
    for r in &rows {
        assert_eq!(r.len(), 14, "{r:?}");
        assert!(r[4].parse::<u64>().is_ok());
        assert!(
            r[13].is_empty() || r[13].split(';').all(|c| known_code(&Value::from(c))),
            "{r:?}"
        );
    }
    let row = |id: &str| rows.iter().find(|r| r[4] == id).unwrap();
    assert_eq!(row("31")[13], "dsa;never_used");
    assert_eq!(row("91")[1], "project");
    assert_eq!(row("91")[3], "OPS");
    assert_eq!(row("91")[13], "never_used;project_key");
    assert_eq!(row("11")[13], "shared;many_labels");
}

#[test]
fn audit_table_lists_findings_and_exits_0() {
    let home = Home::new();
    home.seed();
    let out = home.run(&["audit", "acme", "--cached"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("acme: 5 keys in 10 holdings"), "{table}");
    assert!(table.contains("(from the cache,"), "{table}");
    let header = table.lines().find(|l| l.starts_with("SEVERITY")).unwrap();
    for col in ["FINDING", "KEY", "LABELS", "WHERE", "REASON"] {
        assert!(header.contains(col), "{header}");
    }
    let first = table
        .lines()
        .skip_while(|l| !l.starts_with("SEVERITY"))
        .nth(1)
        .unwrap();
    assert!(first.starts_with("high"), "most severe first: {first}");
    // The fingerprint is printed whole, so it can be pasted into `keys find`.
    assert!(table.contains(&fp(106)), "{table}");
    assert!(table.contains("administrator of acme/locked"), "{table}");
}

#[test]
fn audit_without_cache_says_how_to_get_one_and_corrupt_cache_warns() {
    let home = Home::new();
    let out = home.run(&["audit", "acme", "--cached"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no stored scan of acme"),
        "{}",
        text(&out.stderr)
    );
    std::fs::create_dir_all(home.cache_dir()).unwrap();
    std::fs::write(home.cache_dir().join("scan-acme.json"), "garbage").unwrap();
    let out = home.run(&["audit", "acme", "--cached"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("corrupt") && err.contains("ignoring it"),
        "{err}"
    );
}

#[test]
fn find_by_fingerprint_lists_every_holding() {
    let home = Home::new();
    home.seed();
    let out = home.run(&["keys", "find", &fp(1), "--workspace", "acme", "--cached"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("is on 6 repositories and 0 projects of acme"),
        "{stdout}"
    );
    for repo in ["api", "billing", "helm", "infra", "k8s", "web"] {
        assert!(
            stdout.contains(&format!("acme/{repo} ")),
            "{repo}: {stdout}"
        );
    }
    assert!(stdout.contains("bitbucket-pipelines"));
    // acme/locked could not be read: the key may be there too.
    assert!(
        text(&out.stderr).contains("acme/locked"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn find_by_pasted_key_on_stdin_including_weak_keys() {
    let home = Home::new();
    home.seed();
    let out = home.run_with_stdin(
        &["keys", "find", "-", "-w", "acme", "--cached", "--json"],
        &format!("{}\n", demo_key(2)),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["found"], true);
    assert_eq!(doc["fingerprint"], fp(2));
    assert_eq!(doc["holdings"][0]["scope"], "project");
    assert_eq!(doc["holdings"][0]["project"], "OPS");
    assert_eq!(doc["reach"], 3);
    assert_eq!(doc["reached"], serde_json::json!(["helm", "infra", "k8s"]));
    // RSA 1024 can no longer be added, but it can be found.
    let out = home.run_with_stdin(
        &["keys", "find", "-", "-w", "acme", "--cached"],
        &demo_key(103),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("acme/web"));
}

#[test]
fn find_refuses_bad_input_and_reports_a_key_found_nowhere() {
    let home = Home::new();
    home.seed();
    let out = home.run(&["keys", "find", &fp(5), "-w", "acme", "--cached"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("is on none of the 7 repositories and 3 projects of acme"),
        "{err}"
    );
    assert!(err.contains("acme/locked"), "{err}");
    let out = home.run_with_stdin(
        &["keys", "find", "-", "-w", "acme", "--cached"],
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("PRIVATE key"),
        "{}",
        text(&out.stderr)
    );
    let out = home.run(&["keys", "find", "SHA256:short", "-w", "acme", "--cached"]);
    assert_eq!(out.status.code(), Some(2));
    let out = home.run(&["keys", "find", "/no/such/key.pub", "-w", "acme", "--cached"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("/no/such/key.pub"));
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

/// The README's findings table is generated from the code, so severities cannot drift.
#[test]
fn readme_findings_table_matches_the_code() {
    use bbkeys::ops::audit::rules_markdown_table;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = ("<!-- findings:begin -->\n", "<!-- findings:end -->");
    let a = readme.find(begin).expect("README lacks the findings table") + begin.len();
    let b = a + readme[a..]
        .find(end)
        .expect("README lacks the findings end marker");
    let want = rules_markdown_table(&AuditConfig::default());
    if readme[a..b] != want && std::env::var_os("BBKEYS_BLESS").is_some() {
        std::fs::write(&path, format!("{}{want}{}", &readme[..a], &readme[b..])).unwrap();
        return;
    }
    assert_eq!(
        &readme[a..b],
        want,
        "README findings table differs from the code; rerun with BBKEYS_BLESS=1"
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
