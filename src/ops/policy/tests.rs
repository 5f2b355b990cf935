use std::path::Path;

use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::baseline::Baseline;
use super::markdown::{GateOutcome, WorkspaceSummary};
use super::*;

const NOW: OffsetDateTime = datetime!(2026-12-01 12:00 UTC);
const FP_A: &str = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const FP_B: &str = "SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

fn codes() -> Vec<&'static str> {
    adapter::audit_codes()
}

fn policy(text: &str) -> Policy {
    match Policy::parse_file(text, Path::new("policy.toml"), &codes()) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn refused(text: &str) -> PolicyError {
    match Policy::parse_file(text, Path::new("policy.toml"), &codes()) {
        Ok(p) => panic!("accepted: {p:?}"),
        Err(e) => e,
    }
}

fn holding(repo: &str, label: &str, created_days: i64, used_days: Option<i64>) -> PolicyHolding {
    PolicyHolding {
        place: PlaceRef {
            workspace: "acme".into(),
            project: None,
            repo: Some(repo.into()),
        },
        key_id: 7,
        label: label.into(),
        created_on: Some(NOW - Duration::days(created_days)),
        last_used: used_days.map(|d| NOW - Duration::days(d)),
        expires_on: None,
    }
}

fn key(fp: &str, algorithm: &str, bits: u32, reach: usize, h: PolicyHolding) -> PolicyKey {
    PolicyKey {
        fingerprint: fp.into(),
        algorithm: algorithm.into(),
        bits,
        reach,
        holdings: vec![h],
    }
}

fn input(keys: Vec<PolicyKey>) -> PolicyInput {
    PolicyInput {
        workspace: "acme".into(),
        forge_has_expiry: false,
        keys,
        audit_findings: Vec::new(),
    }
}

fn fired(p: &Policy, input: &PolicyInput) -> Vec<String> {
    evaluate(p, input, NOW)
        .into_iter()
        .map(|f| f.code)
        .collect()
}

/// One key that passes a rule and one that breaks it: exactly the second is reported.
fn fires_for_one(rule: &str, p: &Policy, good: PolicyKey, bad: PolicyKey) {
    let ok = input(vec![good]);
    assert!(
        !fired(p, &ok).contains(&rule.to_string()),
        "{rule} fired on a compliant key: {:?}",
        evaluate(p, &ok, NOW)
    );
    let found = evaluate(p, &input(vec![bad.clone()]), NOW);
    let hits: Vec<&GateFinding> = found.iter().filter(|f| f.code == rule).collect();
    assert_eq!(hits.len(), 1, "{rule}: {found:?}");
    assert_eq!(
        hits[0].fingerprint.as_deref(),
        Some(bad.fingerprint.as_str())
    );
}

#[test]
fn max_age_fires_on_an_old_key_only() {
    let p = policy("max_age_days = 365\n");
    let good = key(
        FP_A,
        "ssh-ed25519",
        256,
        1,
        holding("api", "ci", 365, Some(1)),
    );
    let bad = key(
        FP_B,
        "ssh-ed25519",
        256,
        1,
        holding("api", "ci", 366, Some(1)),
    );
    fires_for_one("max_age", &p, good, bad);
}

#[test]
fn max_unused_fires_on_an_idle_or_never_used_key() {
    let p = policy("max_unused_days = 30\n");
    let good = key(
        FP_A,
        "ssh-ed25519",
        256,
        1,
        holding("api", "ci", 400, Some(30)),
    );
    let bad = key(
        FP_B,
        "ssh-ed25519",
        256,
        1,
        holding("api", "ci", 400, Some(31)),
    );
    fires_for_one("max_unused", &p, good, bad);
    let never_recent = key(FP_A, "ssh-ed25519", 256, 1, holding("api", "ci", 10, None));
    let never_old = key(FP_B, "ssh-ed25519", 256, 1, holding("api", "ci", 31, None));
    fires_for_one("max_unused", &p, never_recent, never_old);
}

#[test]
fn min_rsa_bits_fires_on_short_rsa_only() {
    let p = policy("min_rsa_bits = 3072\n");
    let good = key(FP_A, "ssh-rsa", 3072, 1, holding("api", "ci", 1, None));
    let bad = key(FP_B, "ssh-rsa", 2048, 1, holding("api", "ci", 1, None));
    fires_for_one("min_rsa_bits", &p, good, bad);
}

#[test]
fn allowed_types_uses_the_short_names() {
    let p = policy("allowed_types = [\"ed25519\", \"sk-ed25519\"]\n");
    let good = key(
        FP_A,
        "sk-ssh-ed25519@openssh.com",
        256,
        1,
        holding("api", "ci", 1, None),
    );
    let bad = key(
        FP_B,
        "ecdsa-sha2-nistp256",
        256,
        1,
        holding("api", "ci", 1, None),
    );
    fires_for_one("type_not_allowed", &p, good, bad);
    for (name, algorithm) in [
        ("ed25519", "ssh-ed25519"),
        ("ecdsa", "ecdsa-sha2-nistp521"),
        ("rsa", "ssh-rsa"),
        ("dsa", "ssh-dss"),
        ("sk-ed25519", "sk-ssh-ed25519@openssh.com"),
        ("sk-ecdsa", "sk-ecdsa-sha2-nistp256@openssh.com"),
    ] {
        assert_eq!(
            TypeName::of_algorithm(algorithm).map(TypeName::as_str),
            Some(name)
        );
    }
}

#[test]
fn forbidden_fires_on_a_listed_fingerprint_inline_or_from_a_file() {
    let p = policy(&format!("forbidden = [\"{FP_B}\"]\n"));
    let good = key(FP_A, "ssh-ed25519", 256, 1, holding("api", "ci", 1, None));
    let bad = key(FP_B, "ssh-ed25519", 256, 1, holding("api", "ci", 1, None));
    fires_for_one("forbidden", &p, good.clone(), bad.clone());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compromised.txt"),
        format!("# leaked in the 2026 incident\n{FP_B}  # build box\n\n"),
    )
    .unwrap();
    let file = dir.path().join("policy.toml");
    let p = Policy::parse_file("forbidden = \"compromised.txt\"\n", &file, &codes()).unwrap();
    fires_for_one("forbidden", &p, good, bad);
}

#[test]
fn label_pattern_fires_on_a_label_that_does_not_match() {
    let p = policy("label_pattern = '^(ci|deploy)-[a-z0-9-]+$'\n");
    let good = key(
        FP_A,
        "ssh-ed25519",
        256,
        1,
        holding("api", "ci-build", 1, None),
    );
    let bad = key(
        FP_B,
        "ssh-ed25519",
        256,
        1,
        holding("api", "bob laptop", 1, None),
    );
    fires_for_one("label_pattern", &p, good, bad);
}

#[test]
fn max_reach_fires_above_the_limit() {
    let p = policy("max_reach = 3\n");
    let good = key(FP_A, "ssh-ed25519", 256, 3, holding("api", "ci", 1, None));
    let bad = key(FP_B, "ssh-ed25519", 256, 4, holding("api", "ci", 1, None));
    fires_for_one("max_reach", &p, good, bad);
}

fn expiring(fp: &str, days_out: Option<i64>) -> PolicyKey {
    let mut h = holding("api", "ci", 1, None);
    h.expires_on = days_out.map(|d| NOW + Duration::days(d));
    key(fp, "ssh-ed25519", 256, 1, h)
}

#[test]
fn expiry_rules_fire_where_the_forge_has_expiry() {
    let p = policy("require_expiry = true\nmax_expiry_days = 90\n");
    let with_expiry = |keys| PolicyInput {
        forge_has_expiry: true,
        ..input(keys)
    };
    let ok = with_expiry(vec![expiring(FP_A, Some(90))]);
    assert!(fired(&p, &ok).is_empty(), "{:?}", evaluate(&p, &ok, NOW));
    let none = with_expiry(vec![expiring(FP_B, None)]);
    assert_eq!(fired(&p, &none), ["no_expiry"]);
    let far = with_expiry(vec![expiring(FP_B, Some(91))]);
    assert_eq!(fired(&p, &far), ["max_expiry"]);
}

#[test]
fn expiry_rules_do_not_apply_on_a_forge_without_expiry() {
    // Bitbucket Cloud keys never expire: requiring expiry there would fail every key.
    let p = policy("require_expiry = true\nmax_expiry_days = 90\n");
    assert!(fired(&p, &input(vec![expiring(FP_B, None)])).is_empty());
}

#[test]
fn severity_overrides_apply_to_audit_and_policy_codes() {
    let p = policy("max_reach = 1\n[severity]\nmax_reach = \"high\"\nshared = \"medium\"\n");
    let mut inp = input(vec![key(
        FP_A,
        "ssh-ed25519",
        256,
        2,
        holding("api", "ci", 1, None),
    )]);
    inp.audit_findings.push(GateFinding {
        code: "shared".into(),
        severity: Severity::Info,
        place: PlaceRef {
            workspace: "acme".into(),
            project: None,
            repo: None,
        },
        fingerprint: Some(FP_A.into()),
        key_id: None,
        reason: "reaches 2".into(),
    });
    let out = gate(&p, &inp, NOW);
    let sev = |c: &str| out.iter().find(|f| f.code == c).map(|f| f.severity);
    assert_eq!(sev("max_reach"), Some(Severity::High));
    assert_eq!(sev("shared"), Some(Severity::Medium));
    assert!(fails(&out, Severity::High));
    assert!(!fails(&out[1..], Severity::High));
}

#[test]
fn a_bad_policy_is_refused_with_its_line_column_and_a_sentence() {
    let e = refused("max_age_days = 30\nmax_unsued_days = 5\n");
    assert_eq!((e.line, e.column), (2, 1), "{e}");
    assert!(e.message.contains("max_unsued_days"), "{e}");
    let e = refused("max_age_days = 0\n");
    assert_eq!((e.line, e.column), (1, 16), "{e}");
    assert!(e.message.contains("between 1 and 36500"), "{e}");
    let e = refused("allowed_types = [\"ed25519\", \"ed448\"]\n");
    assert_eq!((e.line, e.column), (1, 29), "{e}");
    assert!(e.message.contains("sk-ecdsa"), "{e}");
    let e = refused("label_pattern = \"(ci\"\n");
    assert_eq!(e.line, 1);
    assert!(e.message.contains("not a regular expression"), "{e}");
    let e = refused("\n[severity]\nnot_a_code = \"high\"\n");
    assert_eq!((e.line, e.column), (3, 14), "{e}");
    let e = refused("[severity]\ndsa = \"urgent\"\n");
    assert!(e.message.contains("high, medium, low or info"), "{e}");
    let e = refused("forbidden = [\"SHA256:short\"]\n");
    assert!(e.message.contains("not a SHA256 fingerprint"), "{e}");
    assert_eq!(
        refused("min_rsa_bits = \"big\"\n")
            .to_string()
            .split(':')
            .take(3)
            .collect::<Vec<_>>(),
        ["policy.toml", "1", "16"]
    );
}

#[test]
fn the_config_table_is_read_with_the_config_files_positions() {
    let text = "concurrency = 4\n\n[policy]\nmax_reach = 2\n\n[profiles.w]\nemail = \"a@b.c\"\n";
    let p = Policy::parse_config(text, Path::new("config.toml"), &codes()).unwrap();
    assert_eq!(p.and_then(|p| p.max_reach), Some(2));
    let bad = "concurrency = 4\n[policy]\nmax_reach = 0\n";
    let e = Policy::parse_config(bad, Path::new("config.toml"), &codes()).unwrap_err();
    assert_eq!((e.file.as_str(), e.line, e.column), ("config.toml", 3, 13));
    assert!(
        Policy::parse_config("concurrency = 4\n", Path::new("c"), &codes())
            .unwrap()
            .is_none()
    );
}

fn finding(code: &str, repo: &str, fp: &str, severity: Severity) -> GateFinding {
    GateFinding {
        code: code.into(),
        severity,
        place: PlaceRef {
            workspace: "acme".into(),
            project: None,
            repo: Some(repo.into()),
        },
        fingerprint: Some(fp.into()),
        key_id: Some(1),
        reason: format!("{code} on {repo}"),
    }
}

#[test]
fn a_baseline_accepts_what_it_lists_until_it_expires() {
    let found = vec![
        finding("dsa", "api", FP_A, Severity::High),
        finding("unused", "web", FP_B, Severity::Medium),
    ];
    let b = Baseline::accept(&found, None, "accepted in baseline", 90, NOW);
    assert_eq!(b.entries.len(), 2);
    assert!(b.entries.iter().all(|e| e.expires == "2027-03-01"));
    let again = Baseline::parse(&b.to_json().unwrap()).unwrap();
    let applied = again.apply(found.clone(), NOW);
    assert!(applied.remaining.is_empty());
    assert_eq!(applied.accepted, 2);
    // The last day is still accepted; the day after it is not.
    assert!(
        again
            .apply(found.clone(), NOW + Duration::days(90))
            .remaining
            .is_empty()
    );
    let later = again.apply(found.clone(), NOW + Duration::days(91));
    assert_eq!(later.remaining.len(), 2);
    assert_eq!(later.expired, 2);
    // A new finding is reported although the others are accepted.
    let mut more = found;
    more.push(finding("dsa", "ops", FP_A, Severity::High));
    let applied = again.apply(more, NOW);
    assert_eq!(applied.remaining.len(), 1);
    assert_eq!(applied.remaining[0].place.repo.as_deref(), Some("ops"));
}

#[test]
fn rewriting_a_baseline_keeps_the_reasons_and_dates_of_valid_entries() {
    let old = vec![finding("dsa", "api", FP_A, Severity::High)];
    let first = Baseline::accept(&old, None, "INC-1", 10, NOW);
    let mut now_found = old.clone();
    now_found.push(finding("unused", "web", FP_B, Severity::Medium));
    let later = NOW + Duration::days(5);
    let second = Baseline::accept(&now_found, Some(&first), "INC-2", 30, later);
    let by_code = |c: &str| second.entries.iter().find(|e| e.code == c).unwrap().clone();
    assert_eq!(
        (
            by_code("dsa").reason.as_str(),
            by_code("dsa").expires.as_str()
        ),
        ("INC-1", "2026-12-11")
    );
    assert_eq!(
        (
            by_code("unused").reason.as_str(),
            by_code("unused").expires.as_str()
        ),
        ("INC-2", "2027-01-05")
    );
    // An entry that ran out is not carried over: it is renewed with today's reason.
    let renewed = Baseline::accept(&old, Some(&first), "INC-3", 30, NOW + Duration::days(11));
    assert_eq!(renewed.entries[0].reason, "INC-3");
}

#[test]
fn identity_ignores_the_reason_and_the_key_id() {
    let a = finding("unused", "api", FP_A, Severity::Medium);
    let mut b = a.clone();
    b.reason = "not used for 401 days".into();
    b.key_id = Some(99);
    assert_eq!(a.stable_id(), b.stable_id());
    assert_ne!(
        a.stable_id(),
        finding("unused", "web", FP_A, Severity::Medium).stable_id()
    );
}

#[test]
fn a_bad_baseline_is_refused_with_a_sentence() {
    assert!(
        Baseline::parse("{}")
            .unwrap_err()
            .0
            .contains("not a bbkeys baseline")
    );
    let e = Baseline::parse(r#"{"version": 9, "entries": []}"#).unwrap_err();
    assert!(e.0.contains("version 9"), "{e}");
    let e = Baseline::parse(
        r#"{"version": 1, "entries": [{"id": "x", "code": "dsa", "place": "acme", "reason": "r", "expires": "soon"}]}"#,
    )
    .unwrap_err();
    assert!(e.0.contains("\"soon\""), "{e}");
}

#[test]
fn markdown_folds_long_lists_and_escapes_server_text() {
    let mut found: Vec<GateFinding> = (0..14)
        .map(|i| finding("unused", &format!("repo{i:02}"), FP_A, Severity::Medium))
        .collect();
    found[0].reason = "label <img src=x> | pipe".into();
    let summary = WorkspaceSummary {
        workspace: "acme".into(),
        keys: 3,
        counts: markdown::counts(&found),
        accepted: 2,
    };
    let outcome = GateOutcome {
        fail_on: Some(Severity::High),
        failed: false,
        incomplete: false,
    };
    let md = markdown::render(std::slice::from_ref(&summary), &found, &outcome);
    assert!(md.contains("| acme | 3 | 0 | 14 | 0 | 0 | 2 |"), "{md}");
    assert!(md.contains("<summary>4 more finding(s)</summary>"), "{md}");
    let (top, folded) = md.split_once("<details>").unwrap();
    assert_eq!(top.matches("`unused`").count(), markdown::TOP);
    assert_eq!(folded.matches("`unused`").count(), 4);
    assert!(md.contains("&lt;img src=x&gt; \\| pipe"), "{md}");
    assert!(md.starts_with("## bbkeys audit\n\n**Passed**: no finding at or above `high`"));
    let failed = GateOutcome {
        fail_on: Some(Severity::Medium),
        failed: true,
        incomplete: false,
    };
    let md = markdown::render(std::slice::from_ref(&summary), &found, &failed);
    assert!(
        md.contains("**Failed**: 14 finding(s) at or above `medium` remain"),
        "{md}"
    );
    let none = GateOutcome {
        fail_on: None,
        failed: false,
        incomplete: false,
    };
    let md = markdown::render(std::slice::from_ref(&summary), &found, &none);
    assert!(
        md.contains("14 finding(s) remain after the baseline (no `--fail-on`"),
        "{md}"
    );
    assert!(!md.contains("Incomplete"));
    let partial = GateOutcome {
        incomplete: true,
        ..none
    };
    let md = markdown::render(&[summary], &found, &partial);
    assert!(md.starts_with("## bbkeys audit\n\n**Incomplete**"), "{md}");
}

#[test]
fn sarif_has_one_rule_per_code_and_stable_fingerprints() {
    let found = vec![finding("dsa", "api", FP_A, Severity::High)];
    let rules = vec![sarif::RuleText {
        code: "dsa".into(),
        severity: Severity::High,
        text: "DSA key".into(),
    }];
    let doc = sarif::render(&found, &rules, "1.2.3", None);
    assert!(doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"].is_null());
    let with_file = sarif::render(&found, &rules, "1.2.3", Some("ci/policy.toml"));
    assert_eq!(
        with_file["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "ci/policy.toml"
    );
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "bbkeys");
    assert_eq!(run["tool"]["driver"]["version"], "1.2.3");
    assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "dsa");
    let result = &run["results"][0];
    assert_eq!(result["ruleIndex"], 0);
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["partialFingerprints"][sarif::FINGERPRINT_KEY],
        found[0].stable_id()
    );
    let kinds: Vec<&str> = result["locations"][0]["logicalLocations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["workspace", "repository", "key"]);
}
