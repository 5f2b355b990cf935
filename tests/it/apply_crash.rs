//! Crash and recovery of `apply`: a keys file that relabels, deletes under prune, rotates one
//! key into another's place and adds a key is applied, killed (SIGKILL) at every write, before
//! it arrives and after it landed, then `journal recover` runs. Every place must end as an
//! uninterrupted apply leaves it: no key lost, none doubled, nothing pending.

use std::collections::BTreeMap;
use std::time::Duration;

use bbkeys::demo::{FRESH_KEY_LINES, Fault, FaultAction, Simulator, key_line};

use crate::bulk_crash::{command, places, run};
use crate::common::*;

/// The keys file: the demo's acme as exported, edited four ways.
async fn keys_file(sim: &Simulator, home: &std::path::Path) -> std::path::PathBuf {
    let file = home.join("keys.toml");
    let out = run(
        home,
        sim,
        &["export", "acme", "--out", file.to_str().unwrap()],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut doc: toml::Table = std::fs::read_to_string(&file).unwrap().parse().unwrap();
    let keys = doc["key"].as_array_mut().unwrap();
    let repos_of = |k: &mut toml::Value| k.get_mut("repos").and_then(|r| r.as_array_mut()).cloned();
    // Relabel the first declaration held on more than one repository.
    if let Some(k) = keys.iter_mut().find(|k| {
        k.get("repos")
            .and_then(|r| r.as_array())
            .is_some_and(|r| r.len() > 1)
    }) {
        k["label"] = toml::Value::from("relabelled-{repo}");
    }
    // Nothing but a fresh key on docs-site (a rotation), and nothing undeclared on api.
    for k in keys.iter_mut() {
        if let Some(mut repos) = repos_of(k) {
            repos.retain(|v| !matches!(v.as_str(), Some("acme/docs-site" | "acme/api")));
            k["repos"] = toml::Value::Array(repos);
        }
    }
    keys.retain(|k| {
        k.get("repos")
            .and_then(|r| r.as_array())
            .is_some_and(|r| !r.is_empty())
            || k.get("projects").is_some()
    });
    for (n, name, repo) in [
        (7, "successor", "acme/docs-site"),
        (8, "added", "acme/web-frontend"),
    ] {
        let mut t = toml::Table::new();
        t.insert("name".into(), name.into());
        t.insert(
            "public_key".into(),
            key_line(FRESH_KEY_LINES[n]).unwrap().into(),
        );
        t.insert("label".into(), name.into());
        t.insert("repos".into(), toml::Value::Array(vec![repo.into()]));
        keys.push(toml::Value::Table(t));
    }
    let mut prune = toml::Table::new();
    prune.insert(
        "scopes".into(),
        toml::Value::Array(vec!["acme/docs-site".into(), "acme/api".into()]),
    );
    doc.insert("prune".into(), toml::Value::Table(prune));
    std::fs::write(&file, toml::to_string(&doc).unwrap()).unwrap();
    file
}

type Places = BTreeMap<String, Vec<(String, String)>>;

fn sorted(p: Places) -> Places {
    p.into_iter()
        .map(|(k, mut v)| {
            v.sort();
            (k, v)
        })
        .collect()
}

/// The state an uninterrupted apply leaves, and how many writes it takes.
async fn uninterrupted(concurrency: &str) -> (Places, u64) {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let file = keys_file(&sim, home.path()).await;
    let out = run(
        home.path(),
        &sim,
        &[
            "--concurrency",
            concurrency,
            "apply",
            "-f",
            file.to_str().unwrap(),
            "--yes",
        ],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    for symbol in ["-/+", "+-", "+ ", "- "] {
        assert!(
            stdout(&out).contains(symbol),
            "the apply mixes {symbol}: {}",
            stdout(&out)
        );
    }
    let writes = sim
        .control()
        .log()
        .iter()
        .filter(|l| l.method != "GET")
        .count() as u64;
    (sorted(places(&sim)), writes)
}

async fn kill_and_recover(concurrency: &str, skip: u64, landed: bool, expected: &Places) {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let file = keys_file(&sim, home.path()).await;
    let c = sim.control();
    let mut fault = Fault::prefix("/2.0/", FaultAction::Hang)
        .method("POST|DELETE|PUT")
        .skip(skip)
        .once();
    if landed {
        fault = fault.after();
    }
    c.add_fault(fault);
    let args = [
        "--concurrency",
        concurrency,
        "apply",
        "-f",
        file.to_str().unwrap(),
        "--yes",
    ];
    let mut child = command(home.path(), &sim, &args).spawn().unwrap();
    let label = format!("concurrency {concurrency}, write {skip}, landed {landed}");
    assert!(
        c.wait_hung(1, Duration::from_secs(20)).await,
        "{label}: no write hung"
    );
    child.kill().await.unwrap();
    let _ = child.wait().await;
    c.clear_faults();
    c.release_all();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while c.hung() > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(30)).await;
    let rec = run(home.path(), &sim, &["journal", "recover", "--yes"]).await;
    assert_eq!(
        rec.status.code(),
        Some(0),
        "{label}: {}{}",
        stdout(&rec),
        stderr(&rec)
    );
    assert_eq!(&sorted(places(&sim)), expected, "{label}");
    let list = run(home.path(), &sim, &["journal", "list"]).await;
    assert!(
        stdout(&list).contains("No pending"),
        "{label}: {}",
        stdout(&list)
    );
}

async fn matrix(concurrency: &str) {
    let (expected, writes) = uninterrupted(concurrency).await;
    assert!(writes >= 5, "the file must give several writes: {writes}");
    for skip in 0..writes {
        for landed in [false, true] {
            kill_and_recover(concurrency, skip, landed, &expected).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_killed_at_every_write_one_at_a_time() {
    matrix("1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_killed_at_every_write_at_the_default_concurrency() {
    matrix("8").await;
}
