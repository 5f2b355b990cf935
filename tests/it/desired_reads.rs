//! `plan` reads only what the keys file touches (issue 18): the repository listing of each
//! workspace it names, then the keys of the places its selectors and prune scopes reach.

use crate::common::*;

fn key_listings(log: &[bbkeys::demo::LogEntry]) -> Vec<String> {
    log.iter()
        .filter(|e| e.path.ends_with("/deploy-keys"))
        .map(|e| e.path.clone())
        .collect()
}

#[tokio::test]
async fn a_plan_reads_only_the_places_its_file_touches() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let cfg = fast_config(home.path());
    let file = home.path().join("keys.toml");
    let fresh = bbkeys::demo::key_line(bbkeys::demo::FRESH_KEY_LINES[2]).unwrap();
    std::fs::write(
        &file,
        format!(
            "[[key]]\nname = \"ci\"\npublic_key = \"{fresh}\"\nlabel = \"ci-{{repo}}\"\nrepos = [\"acme/api\", \"acme/web-frontend\"]\n"
        ),
    )
    .unwrap();
    let run = |args: Vec<String>| {
        let env = env.clone();
        let home = home.path().to_path_buf();
        let cfg = cfg.clone();
        async move {
            let mut full = vec!["--config".to_string(), cfg.to_str().unwrap().to_string()];
            full.extend(args);
            let refs: Vec<&str> = full.iter().map(String::as_str).collect();
            bbkeys(&home, &env_ref(&env), &refs, "").await
        }
    };
    // How many repositories acme has, for the comparison below.
    let out = run(vec!["--json".into(), "repos".into(), "acme".into()]).await;
    let repos: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(repos.len() >= 20, "the demo workspace is large enough");

    sim.control().clear_log();
    let out = run(vec![
        "plan".into(),
        "-f".into(),
        file.to_str().unwrap().into(),
        "--detailed-exitcode".into(),
    ])
    .await;
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("acme/api: add ci"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("acme/web-frontend: add ci"),
        "{}",
        stdout(&out)
    );
    let log = sim.control().log();
    let mut keys = key_listings(&log);
    keys.sort();
    assert_eq!(
        keys,
        [
            "/2.0/repositories/acme/api/deploy-keys",
            "/2.0/repositories/acme/web-frontend/deploy-keys"
        ],
        "two key listings, not one per repository"
    );
    let listings = log
        .iter()
        .filter(|e| e.path == "/2.0/repositories/acme")
        .count();
    assert!(listings >= 1);
    let others: Vec<&str> = log
        .iter()
        .filter(|e| !e.path.ends_with("/deploy-keys") && e.path != "/2.0/repositories/acme")
        .map(|e| e.path.as_str())
        .collect();
    assert!(others.is_empty(), "only listings and key reads: {others:?}");
}

#[tokio::test]
async fn a_glob_and_a_prune_scope_read_what_they_match() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let cfg = fast_config(home.path());
    let file = home.path().join("keys.toml");
    let fresh = bbkeys::demo::key_line(bbkeys::demo::FRESH_KEY_LINES[2]).unwrap();
    std::fs::write(
        &file,
        format!(
            "[[key]]\nname = \"ci\"\npublic_key = \"{fresh}\"\nlabel = \"ci\"\nrepos = [\"acme/*-service\"]\n\n[prune]\nscopes = [\"acme/sandbox\"]\n"
        ),
    )
    .unwrap();
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &["--config", cfg.to_str().unwrap(), "--json", "repos", "acme"],
        "",
    )
    .await;
    let repos: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut expected: Vec<String> = repos
        .iter()
        .map(|r| r["slug"].as_str().unwrap().to_string())
        .filter(|s| s.ends_with("-service") || s == "sandbox")
        .map(|s| format!("/2.0/repositories/acme/{s}/deploy-keys"))
        .collect();
    expected.sort();
    assert!(expected.len() >= 2, "{expected:?}");
    sim.control().clear_log();
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &[
            "--config",
            cfg.to_str().unwrap(),
            "plan",
            "-f",
            file.to_str().unwrap(),
        ],
        "",
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let mut keys = key_listings(&sim.control().log());
    keys.sort();
    assert_eq!(keys, expected);
}

/// Issue 18's round trip on the simulator's large data set: a freshly exported file plans to
/// no change, and the plan reads each repository's keys once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_plan_is_no_change_on_the_large_data_set() {
    let sim = bbkeys::demo::start(bbkeys::demo::SimOptions {
        dataset: bbkeys::demo::DataSet::Scale {
            repos: 240,
            keys_per_repo: 6,
        },
        ..bbkeys::demo::SimOptions::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let cfg = fast_config(home.path());
    let file = home.path().join("keys.toml");
    let run = |args: Vec<&str>| {
        let mut full = vec!["--config", cfg.to_str().unwrap()];
        full.extend(args);
        let full: Vec<String> = full.into_iter().map(String::from).collect();
        let (home, env) = (home.path().to_path_buf(), env.clone());
        async move {
            let refs: Vec<&str> = full.iter().map(String::as_str).collect();
            bbkeys(&home, &env_ref(&env), &refs, "").await
        }
    };
    let out = run(vec!["export", "scale", "--out", file.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.matches("[[key]]").count() >= 6, "{text}");

    sim.control().clear_log();
    let out = run(vec![
        "plan",
        "-f",
        file.to_str().unwrap(),
        "--detailed-exitcode",
    ])
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("No changes"), "{}", stdout(&out));
    let keys = key_listings(&sim.control().log());
    let distinct: std::collections::BTreeSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), keys.len(), "each place read once");
    assert_eq!(
        keys.iter()
            .filter(|k| k.starts_with("/2.0/repositories/"))
            .count(),
        240
    );
}
