//! The CLI binary on the fixture scan through `--cached`: no server, no request.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use bbkeys::ops::audit::{CSV_HEADER, FindingCode};
use bbkeys::paths::Namespace;
use serde_json::Value;

use super::{demo_key, fixtures, fp};

/// Nothing listens on the discard port: a request that is made fails, so `--cached` is proven
/// to make none.
const DEAD_API: &str = "http://127.0.0.1:9/2.0";
const EMAIL: &str = "auditor@example.com";
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
    // acme/locked answered a bare 403: the user does not administer it, so it is skipped,
    // not unreadable (issue 14, item 6).
    assert_eq!(doc["unreadable"].as_array().unwrap().len(), 0, "{doc}");
    let skipped = doc["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["scope"], "repository");
    assert_eq!(skipped[0]["workspace"], "acme");
    assert_eq!(skipped[0]["repo"], "locked");
    assert_eq!(skipped[0]["reason"], "not_permitted");
    assert_eq!(doc["summary"]["not_permitted"], 1);
    let np: Vec<&Value> = findings
        .iter()
        .filter(|f| f["code"] == "not_permitted")
        .collect();
    assert_eq!(np.len(), 1, "{findings:?}");
    assert_eq!(np[0]["severity"], "info");
    assert_eq!(np[0]["location"]["repo"], "locked");
    assert!(
        np[0]["reason"]
            .as_str()
            .unwrap()
            .contains("you do not administer acme/locked")
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
    assert!(
        table.contains("you do not administer acme/locked"),
        "{table}"
    );
    assert!(
        text(&out.stderr).contains("skipped 1 repository you do not administer: locked"),
        "{}",
        text(&out.stderr)
    );
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
    // acme/locked is not administered by the user: the key may be there too, and the note
    // names it.
    assert!(
        text(&out.stderr).contains("skipped 1 repository you do not administer: locked"),
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
    assert!(
        err.contains("skipped 1 repository you do not administer: locked"),
        "{err}"
    );
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
