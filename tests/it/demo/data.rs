//! The demo data set has the properties demos and tests rely on.

use std::collections::{BTreeMap, BTreeSet};

use bbkeys::demo::{self, DEMO_NOW, DataSet, SimOptions, StateDump};

use super::{bbkeys_keys, fingerprint, harness, harness_with};

async fn dump() -> StateDump {
    harness().await.sim.control().dump()
}

#[tokio::test]
async fn counts() {
    let d = dump().await;
    let slugs: Vec<&str> = d.workspaces.iter().map(|w| w.slug.as_str()).collect();
    assert_eq!(slugs, ["acme", "globex", "initech"]);
    let repos: usize = d.workspaces.iter().map(|w| w.repositories.len()).sum();
    assert_eq!(repos, 60);
    let holdings = d.repo_keys().count();
    assert!((140..=170).contains(&holdings), "{holdings}");
    assert_eq!(d.project_keys().count(), 6);
    for w in &d.workspaces {
        assert!((2..=4).contains(&w.projects.len()), "{}", w.slug);
        for r in &w.repositories {
            assert!(
                w.projects.iter().any(|p| p.key == r.project),
                "{}/{}",
                w.slug,
                r.slug
            );
        }
    }
    let initech = d.workspace("initech").unwrap();
    assert!(!initech.administrator);
    assert_eq!(
        initech
            .repositories
            .iter()
            .filter(|r| r.administrator)
            .count(),
        5
    );
    assert!(
        d.workspace("acme").unwrap().administrator && d.workspace("globex").unwrap().administrator
    );
}

#[tokio::test]
async fn shared_keys_labels_and_the_ci_key() {
    let d = dump().await;
    let mut repos_by_fp: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut labels_by_fp: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (ws, repo, k) in d.repo_keys() {
        repos_by_fp
            .entry(&k.fingerprint)
            .or_default()
            .insert(format!("{ws}/{repo}"));
        labels_by_fp
            .entry(&k.fingerprint)
            .or_default()
            .insert(&k.label);
    }
    let ci = fingerprint(1);
    assert!(
        repos_by_fp[ci.as_str()].len() >= 20,
        "the CI key is everywhere"
    );
    assert!(
        repos_by_fp.values().filter(|r| r.len() >= 8).count() >= 3,
        "several keys on 8+ repositories"
    );
    assert!(
        labels_by_fp[fingerprint(3).as_str()].len() >= 3,
        "the same key under different labels"
    );
    // The CI key is used recently everywhere, and is a project key too.
    assert!(
        d.repo_keys()
            .filter(|(_, _, k)| k.fingerprint == ci)
            .all(|(_, _, k)| k.last_used.as_deref() > Some("2026-11-15"))
    );
    assert!(d.project_keys().any(|(_, _, k)| k.fingerprint == ci));
    // Same label, different keys: labels identify nothing.
    let ci_deploy: BTreeSet<&str> = d
        .repo_keys()
        .filter(|(_, _, k)| k.label == "ci-deploy")
        .map(|(_, _, k)| k.fingerprint.as_str())
        .collect();
    assert!(ci_deploy.len() >= 2);
}

#[tokio::test]
async fn weak_old_unused_and_recent_keys() {
    let d = dump().await;
    let fps: BTreeSet<&str> = d
        .repo_keys()
        .map(|(_, _, k)| k.fingerprint.as_str())
        .collect();
    for line in [93, 103, 104, 105, 106, 107] {
        assert!(
            fps.contains(fingerprint(line).as_str()),
            "weak key of line {line}"
        );
    }
    assert!(d.repo_keys().any(|(_, _, k)| k.key.starts_with("ssh-dss ")));
    assert!(
        d.repo_keys()
            .any(|(_, _, k)| k.last_used.is_none() && k.created_on.as_str() < "2016")
    );
    assert!(
        d.repo_keys()
            .any(|(_, _, k)| k.last_used.as_deref() >= Some("2026-11-20"))
    );
    // A weak key still in use.
    let weak_in_use = fingerprint(105);
    assert!(
        d.repo_keys()
            .any(|(_, _, k)| k.fingerprint == weak_in_use && k.last_used.is_some())
    );
}

#[tokio::test]
async fn shape_rules_hold_everywhere() {
    let d = dump().await;
    let now = demo::DEMO_NOW.to_string();
    assert!(!now.is_empty());
    let mut ids = BTreeSet::new();
    for w in &d.workspaces {
        for r in &w.repositories {
            let blobs: BTreeSet<&str> = r.keys.iter().map(|k| k.key.as_str()).collect();
            assert_eq!(
                blobs.len(),
                r.keys.len(),
                "a key twice on {}/{}",
                w.slug,
                r.slug
            );
            assert!(r.keys.windows(2).all(|p| p[0].id < p[1].id), "oldest first");
        }
    }
    let stamp_now = "2026-11-28T09:30:00.000000+00:00";
    for (_, _, k) in d.repo_keys().chain(d.project_keys()) {
        assert!(ids.insert(k.id), "id {} twice", k.id);
        assert!(k.created_on.as_str() <= stamp_now, "{}", k.created_on);
        assert_eq!(k.created_on.len(), stamp_now.len());
        if let Some(used) = &k.last_used {
            assert!(
                used >= &k.created_on && used.as_str() <= stamp_now,
                "{used} vs {}",
                k.created_on
            );
        }
        assert!(k.comment.as_deref().unwrap().ends_with("@demo.example"));
        assert!(!k.key.contains('@'));
    }
    let _ = DEMO_NOW;
}

#[tokio::test]
async fn empty_and_crowded_repositories_and_fresh_keys() {
    let h = harness().await;
    let d = h.sim.control().dump();
    assert!(d.repo("acme", "sandbox").unwrap().keys.is_empty());
    let crowded = d.repo("acme", "platform-monorepo").unwrap();
    assert!(crowded.keys.len() >= 25);
    let pages = h
        .all_pages("/repositories/acme/platform-monorepo/deploy-keys")
        .await;
    assert_eq!(pages.len(), 3);
    assert_eq!(
        pages
            .iter()
            .map(|p| p["values"].as_array().unwrap().len())
            .sum::<usize>(),
        crowded.keys.len()
    );

    // Keys used nowhere (not on repositories, projects or the account) stay free for tests.
    let used: BTreeSet<&str> = d
        .repo_keys()
        .chain(d.project_keys())
        .map(|(_, _, k)| k.fingerprint.as_str())
        .chain(d.account_keys.iter().map(|k| k.fingerprint.as_str()))
        .collect();
    let free: Vec<usize> = (1..=bbkeys_keys().lines().count())
        .filter(|&n| !used.contains(fingerprint(n).as_str()))
        .collect();
    assert!(free.len() >= 20, "{free:?}");
    assert_eq!(free, demo::FRESH_KEY_LINES);
    let account: Vec<&str> = d
        .account_keys
        .iter()
        .map(|k| k.fingerprint.as_str())
        .collect();
    let expected: Vec<String> = demo::ACCOUNT_KEY_LINES
        .iter()
        .map(|&n| fingerprint(n))
        .collect();
    assert_eq!(account, expected);
    assert_eq!(demo::key_line(107), bbkeys_keys().lines().last());
    assert_eq!(demo::key_line(0), None);
    assert_eq!(demo::key_line(108), None);
}

#[tokio::test]
async fn empty_and_scale_data_sets() {
    let h = harness_with(SimOptions {
        dataset: DataSet::Empty,
        ..SimOptions::default()
    })
    .await;
    assert_eq!(h.get_json("/user/workspaces").await["size"], 0);
    assert_eq!(
        h.get_json("/user").await["nickname"],
        demo::credentials::NICKNAME
    );

    let h = harness_with(SimOptions {
        dataset: DataSet::Scale {
            repos: 10_000,
            keys_per_repo: 3,
        },
        ..SimOptions::default()
    })
    .await;
    let first = h
        .get_json("/repositories/scale?role=admin&pagelen=100&sort=slug")
        .await;
    assert_eq!(first["size"], 10_000);
    assert_eq!(first["values"][0]["slug"], "repo-00001");
    let last = h
        .get_json("/repositories/scale?role=admin&pagelen=100&sort=slug&page=100")
        .await;
    assert_eq!(last["values"][99]["slug"], "repo-10000");
    assert!(last.get("next").is_none());
    let keys = h
        .get_json("/repositories/scale/repo-04242/deploy-keys")
        .await;
    assert_eq!(keys["size"], 3);
    assert_eq!(h.sim.control().keys_of("scale", "repo-10000").len(), 3);
}

#[tokio::test]
async fn export_line_is_ready_to_paste() {
    let h = harness().await;
    let line = demo::export_line(&h.sim);
    assert_eq!(
        line,
        format!(
            "export BBKEYS_API_URL={}/2.0 BBKEYS_EMAIL=demo@bbkeys.example BBKEYS_API_TOKEN={}",
            h.sim.base_url(),
            demo::credentials::TOKEN
        )
    );
    assert!(h.sim.api_url().starts_with("http://127.0.0.1:"));
}
