//! `keys list <ws> --where '…'`: the rows a query matches, and a malformed query refused as a
//! usage error that names the character and the fields.

use serde_json::Value;

use crate::common::*;

async fn rows(home: &std::path::Path, env: &[(&str, &str)], extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["--json", "keys", "list", "acme"];
    args.extend_from_slice(extra);
    let out = bbkeys(home, env, &args, "").await;
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// Rows of `all` that `keep` accepts, in listing order: what `--where` must print.
fn subset(all: &[Value], keep: impl Fn(&Value) -> bool) -> Vec<Value> {
    all.iter().filter(|r| keep(r)).cloned().collect()
}

#[tokio::test]
async fn where_keeps_the_rows_the_query_matches() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let env = env_ref(&env);
    let all = rows(home.path(), &env, &[]).await;

    let never = rows(home.path(), &env, &["--where", "used:never"]).await;
    let expected = subset(&all, |r| r["last_used"].is_null());
    assert!(!expected.is_empty() && expected.len() < all.len());
    assert_eq!(never, expected);

    let rsa = rows(home.path(), &env, &["--where", "type:rsa bits:>=2048"]).await;
    let expected = subset(&all, |r| {
        r["key_type"] == "ssh-rsa" && r["bits"].as_u64().is_some_and(|b| b >= 2048)
    });
    assert!(!expected.is_empty());
    assert_eq!(rsa, expected);

    let repo = all
        .iter()
        .find_map(|r| r["repo"].as_str())
        .unwrap()
        .to_string();
    let on_repo = rows(home.path(), &env, &["--where", &format!("repo:{repo}")]).await;
    assert_eq!(on_repo, subset(&all, |r| r["repo"] == repo.as_str()));
}

#[tokio::test]
async fn where_finding_uses_the_audit_of_the_workspace() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let env = env_ref(&env);
    let audit = bbkeys(home.path(), &env, &["--json", "audit", "acme"], "").await;
    let report: Value = serde_json::from_str(&stdout(&audit)).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let never: Vec<&str> = findings
        .iter()
        .filter(|f| f["code"] == "never_used")
        .filter_map(|f| f["fingerprint"].as_str())
        .collect();
    assert!(!never.is_empty(), "the demo has never-used keys");

    let got = rows(home.path(), &env, &["--where", "finding:never_used"]).await;
    assert!(!got.is_empty());
    for r in &got {
        let fp = r["fingerprint"].as_str().unwrap();
        assert!(never.contains(&fp), "{r}");
        assert!(r["last_used"].is_null(), "{r}");
    }
}

#[tokio::test]
async fn malformed_where_exits_2_naming_the_character_and_the_fields() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let env = env_ref(&env);
    let out = bbkeys(
        home.path(),
        &env,
        &["keys", "list", "acme", "--where", "type:rsa bits:<x"],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("character 15"), "{err}");
    for field in [
        "label:", "type:", "bits:", "used:", "added:", "repo:", "project:", "finding:",
    ] {
        assert!(err.contains(field), "{field} in {err}");
    }
    assert!(stdout(&out).is_empty());
}
