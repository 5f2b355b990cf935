//! The CI policy gate through the binary on the demo data (issue 19): `--fail-on` and exit 5,
//! baselines, the output forms, SARIF against the official schema, `--all-workspaces`.

use std::path::Path;

use serde_json::Value;

use crate::common::{bbkeys, stderr, stdout};

async fn audit(home: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--demo", "audit"];
    all.extend_from_slice(args);
    bbkeys(home, &[], &all, "").await
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

fn gate_severities(doc: &Value) -> Vec<String> {
    doc["gate"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap().to_string())
        .collect()
}

const LEVELS: [&str; 4] = ["high", "medium", "low", "info"];

#[tokio::test]
async fn fail_on_exits_5_exactly_when_a_finding_at_or_above_the_level_remains() {
    let home = tempfile::tempdir().unwrap();
    // Every code the demo's acme workspace produces, made `low`: a fixed, known top severity.
    let policy = home.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[severity]\nnever_used = \"low\"\nunused = \"low\"\nrsa_2048 = \"low\"\nshared = \"low\"\nmany_labels = \"info\"\nproject_key = \"info\"\n",
    )
    .unwrap();
    let p = policy.to_str().unwrap();
    for (level, want) in [("high", 0), ("medium", 0), ("low", 5), ("info", 5)] {
        let out = audit(
            home.path(),
            &["acme", "--policy", p, "--fail-on", level, "--json"],
        )
        .await;
        assert_eq!(
            out.status.code(),
            Some(want),
            "--fail-on {level}: {}",
            stderr(&out)
        );
        let sev = gate_severities(&json(&out));
        assert!(sev.iter().any(|s| s == "low"), "{sev:?}");
        assert!(!sev.iter().any(|s| s == "high" || s == "medium"), "{sev:?}");
    }
    // Without a policy: globex has DSA keys (high), so every level fails.
    for level in LEVELS {
        let out = audit(home.path(), &["globex", "--fail-on", level]).await;
        assert_eq!(
            out.status.code(),
            Some(5),
            "--fail-on {level}: {}",
            stderr(&out)
        );
    }
    // Without --fail-on the findings stay data: exit 0, as before, and the table is as before.
    let out = audit(home.path(), &["globex"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains("Gate:"), "{}", stdout(&out));
    let out = audit(home.path(), &["acme", "--policy", p]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("\nGate: ") && stdout(&out).contains(" high, 0 medium, "),
        "{}",
        stdout(&out)
    );
}

#[tokio::test]
async fn not_administered_places_fail_only_at_info_or_under_strict() {
    let home = tempfile::tempdir().unwrap();
    let policy = home.path().join("policy.toml");
    // initech: DSA findings made info, so only info findings remain, not_permitted among them.
    std::fs::write(&policy, "[severity]\ndsa = \"info\"\nnever_used = \"info\"\nunused = \"info\"\nrsa_2048 = \"info\"\nrsa_under_2048 = \"info\"\nshared = \"info\"\n").unwrap();
    let p = policy.to_str().unwrap();
    let out = audit(
        home.path(),
        &["initech", "--policy", p, "--fail-on", "low", "--json"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert!(
        doc["gate"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "not_permitted" && f["severity"] == "info"),
        "{doc}"
    );
    let out = audit(
        home.path(),
        &["initech", "--policy", p, "--fail-on", "info"],
    )
    .await;
    assert_eq!(out.status.code(), Some(5));
    // --strict: 4 outranks 5.
    let out = audit(
        home.path(),
        &["initech", "--policy", p, "--fail-on", "info", "--strict"],
    )
    .await;
    assert_eq!(out.status.code(), Some(4));
}

#[tokio::test]
async fn baseline_round_trip_then_an_expired_entry_fails_again() {
    let home = tempfile::tempdir().unwrap();
    let base = home.path().join("baseline.json");
    let b = base.to_str().unwrap();
    let out = audit(
        home.path(),
        &["acme", "globex", "--fail-on", "info", "--baseline-out", b],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    let entries = written["entries"].as_array().unwrap();
    assert!(entries.len() > 5, "{written}");
    assert!(
        entries
            .iter()
            .all(|e| e["reason"] == "accepted in baseline")
    );
    let out = audit(
        home.path(),
        &[
            "acme",
            "globex",
            "--fail-on",
            "info",
            "--baseline",
            b,
            "--json",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let docs = json(&out);
    for doc in docs.as_array().unwrap() {
        assert_eq!(doc["gate"]["findings"], Value::Array(vec![]), "{doc}");
    }
    // Let the entry of one high finding run out.
    let mut edited = written.clone();
    let victim = edited["entries"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["code"] == "dsa")
        .unwrap();
    victim["expires"] = "2026-01-31".into();
    std::fs::write(&base, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    let out = audit(
        home.path(),
        &[
            "acme",
            "globex",
            "--fail-on",
            "high",
            "--baseline",
            b,
            "--json",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let remaining: Vec<Value> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["gate"]["findings"].as_array().unwrap().clone())
        .collect();
    assert_eq!(remaining.len(), 1, "{remaining:?}");
    assert_eq!(remaining[0]["code"], "dsa");
    assert!(
        remaining[0]["reason"]
            .as_str()
            .unwrap()
            .contains("ended 2026-01-31")
    );
}

#[tokio::test]
async fn baseline_reason_and_days_are_written() {
    let home = tempfile::tempdir().unwrap();
    let base = home.path().join("b.json");
    let b = base.to_str().unwrap();
    let out = audit(
        home.path(),
        &[
            "globex",
            "--baseline-out",
            b,
            "--baseline-reason",
            "INC-42: rotating in Q1",
            "--baseline-days",
            "30",
            "--format",
            "markdown",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let until = today + time::Duration::days(30);
    let until = format!(
        "{:04}-{:02}-{:02}",
        until.year(),
        u8::from(until.month()),
        until.day()
    );
    for e in written["entries"].as_array().unwrap() {
        assert_eq!(e["reason"], "INC-42: rotating in Q1");
        assert_eq!(e["expires"], until.as_str());
    }
}

#[tokio::test]
async fn sarif_output_passes_the_official_schema() {
    let home = tempfile::tempdir().unwrap();
    let policy = home.path().join("policy.toml");
    std::fs::write(&policy, "max_reach = 3\nlabel_pattern = '^ci-'\n").unwrap();
    let out = audit(
        home.path(),
        &[
            "--all-workspaces",
            "--policy",
            policy.to_str().unwrap(),
            "--format",
            "sarif",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sarif/sarif-schema-2.1.0.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema is strict enough to matter: a result without a message is refused.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&broken));
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "bbkeys");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    let results = run["results"].as_array().unwrap();
    for code in ["dsa", "max_reach", "label_pattern", "not_permitted"] {
        assert!(
            results.iter().any(|r| r["ruleId"] == code),
            "no {code} result"
        );
    }
    for r in results {
        assert!(
            r["partialFingerprints"]["bbkeysFinding/v1"].is_string(),
            "{r}"
        );
        let rule = &run["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"]);
    }
    // The same findings get the same fingerprints on the next run.
    let again = json(
        &audit(
            home.path(),
            &[
                "--all-workspaces",
                "--policy",
                policy.to_str().unwrap(),
                "--format",
                "sarif",
            ],
        )
        .await,
    );
    let prints = |d: &Value| {
        let mut v: Vec<String> = d["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"].to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(prints(&doc), prints(&again));
}

#[tokio::test]
async fn all_workspaces_covers_every_demo_workspace() {
    let home = tempfile::tempdir().unwrap();
    let out = audit(home.path(), &["--all-workspaces", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let docs = json(&out);
    let names: Vec<&str> = docs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["workspace"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme", "globex", "initech"]);
    let out = audit(
        home.path(),
        &[
            "--all-workspaces",
            "--format",
            "markdown",
            "--fail-on",
            "high",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(5));
    let md = stdout(&out);
    for ws in [
        "| acme |",
        "| globex |",
        "| initech |",
        "**Failed**",
        "### Top findings",
        "<details>",
    ] {
        assert!(md.contains(ws), "{ws}: {md}");
    }
    let out = audit(home.path(), &["--all-workspaces", "--csv"]).await;
    let csv = stdout(&out);
    assert_eq!(csv.matches("workspace,scope,").count(), 1, "one header");
    for ws in ["acme,", "globex,", "initech,"] {
        assert!(csv.lines().any(|l| l.starts_with(ws)), "{ws}");
    }
    let out = audit(home.path(), &["acme", "--all-workspaces"]).await;
    assert_eq!(out.status.code(), Some(2));
}

/// The demo's times follow the clock to the microsecond, so two runs differ there and only
/// there: keep the dates.
fn without_clock(text: &str) -> String {
    let time = regex::Regex::new(r"T\d\d:\d\d:\d\d(\.\d+)?Z").unwrap();
    time.replace_all(text, "").into_owned()
}

#[tokio::test]
async fn format_json_and_csv_are_the_old_flags_and_both_forms_are_refused() {
    let home = tempfile::tempdir().unwrap();
    let old = audit(home.path(), &["globex", "--json"]).await;
    let new = audit(home.path(), &["globex", "--format", "json"]).await;
    assert_eq!(without_clock(&stdout(&old)), without_clock(&stdout(&new)));
    assert_eq!(json(&new)["workspace"], "globex");
    let old = audit(home.path(), &["globex", "--csv"]).await;
    let new = audit(home.path(), &["globex", "--format", "csv"]).await;
    assert_eq!(without_clock(&stdout(&old)), without_clock(&stdout(&new)));
    assert!(stdout(&old).starts_with("workspace,scope,"));
    for both in [["--json", "json"], ["--csv", "csv"], ["--json", "sarif"]] {
        let out = audit(home.path(), &["globex", both[0], "--format", both[1]]).await;
        assert_eq!(out.status.code(), Some(2), "{both:?}");
        assert!(stderr(&out).contains("not both"), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
}

#[tokio::test]
async fn a_bad_policy_is_refused_before_any_request() {
    let home = tempfile::tempdir().unwrap();
    let policy = home.path().join("policy.toml");
    std::fs::write(
        &policy,
        "max_age_days = 365\nallowed_types = [\"ed25519\", \"ed448\"]\n",
    )
    .unwrap();
    // Nothing answers on the discard port: had a request been made, the error would be another.
    let envs = [
        ("BBKEYS_API_URL", "http://127.0.0.1:9/2.0"),
        ("BBKEYS_EMAIL", "a@example.com"),
        ("BBKEYS_API_TOKEN", "t"),
    ];
    let out = bbkeys(
        home.path(),
        &envs,
        &["audit", "acme", "--policy", policy.to_str().unwrap()],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("policy.toml:2:29: allowed_types: \"ed448\" is not a key type"),
        "{err}"
    );
    assert!(!err.contains("127.0.0.1"), "{err}");
    // The same in the config's [policy] table, with the config's line.
    let config = home.path().join("config.toml");
    std::fs::write(&config, "concurrency = 2\n\n[policy]\nmax_reach = -1\n").unwrap();
    let out = bbkeys(
        home.path(),
        &envs,
        &["--config", config.to_str().unwrap(), "audit", "acme"],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("config.toml:4:13: max_reach = -1"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn the_config_policy_applies_without_policy_flag() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "[policy]\nallowed_types = [\"ed25519\"]\n[policy.severity]\ntype_not_allowed = \"medium\"\n").unwrap();
    let out = bbkeys(
        home.path(),
        &[],
        &[
            "--demo",
            "--config",
            config.to_str().unwrap(),
            "audit",
            "globex",
            "--json",
        ],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    let hits: Vec<&Value> = doc["gate"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "type_not_allowed")
        .collect();
    assert!(!hits.is_empty(), "{doc}");
    assert!(hits.iter().all(|f| f["severity"] == "medium"));
}
