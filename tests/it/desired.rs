//! Keys as code through the binary: `export`, then `plan` against the simulator.

use crate::common::*;

struct Setup {
    _sim: bbkeys::demo::Simulator,
    home: tempfile::TempDir,
    env: Vec<(&'static str, String)>,
    cfg: std::path::PathBuf,
}

impl Setup {
    async fn new() -> Setup {
        let sim = sim().await;
        let home = tempfile::tempdir().unwrap();
        let env = env_full(&sim);
        let cfg = fast_config(home.path());
        Setup {
            _sim: sim,
            home,
            env,
            cfg,
        }
    }

    async fn run(&self, args: &[&str]) -> std::process::Output {
        let mut full = vec!["--config", self.cfg.to_str().unwrap()];
        full.extend(args);
        bbkeys(self.home.path(), &env_ref(&self.env), &full, "").await
    }

    /// `plan -f file --detailed-exitcode --out <home>/plan.json`, checked to find changes
    /// (exit 6); returns its standard output and the saved plan's path.
    async fn plan_with_changes(&self, file: &std::path::Path) -> (String, std::path::PathBuf) {
        let saved = self.home.path().join("plan.json");
        let out = self
            .run(&[
                "plan",
                "-f",
                file.to_str().unwrap(),
                "--detailed-exitcode",
                "--out",
                saved.to_str().unwrap(),
            ])
            .await;
        assert_eq!(
            out.status.code(),
            Some(6),
            "{}{}",
            stdout(&out),
            stderr(&out)
        );
        (stdout(&out), saved)
    }
}

#[tokio::test]
async fn export_then_plan_is_no_change_and_an_edit_is_planned() {
    let s = Setup::new().await;
    let file = s.home.path().join("keys.toml");
    let out = s
        .run(&["export", "acme", "--out", file.to_str().unwrap()])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("[[key]]") && text.contains("acme/"), "{text}");

    let out = s
        .run(&["plan", "-f", file.to_str().unwrap(), "--detailed-exitcode"])
        .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("No changes"), "{}", stdout(&out));

    // From the stored scan: the same answer, and no request.
    let requests = s._sim.control().log().len();
    let out = s
        .run(&["plan", "-f", file.to_str().unwrap(), "--cached", "--json"])
        .await;
    assert_eq!(
        s._sim.control().log().len(),
        requests,
        "plan --cached sends nothing"
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["format"], 1);
    assert_eq!(doc["changes"].as_array().unwrap().len(), 0);

    // Relabel one declaration: every place holding it under that label is planned.
    let first_label = text
        .lines()
        .find_map(|l| l.strip_prefix("label = "))
        .unwrap()
        .to_string();
    let edited = text.replacen(
        &format!("label = {first_label}"),
        "label = \"renamed-{repo}\"",
        1,
    );
    std::fs::write(&file, edited).unwrap();
    let (printed, plan_json) = s.plan_with_changes(&file).await;
    assert!(
        printed.contains("-/+") && printed.contains("renamed-"),
        "{printed}"
    );
    assert!(printed.contains("to relabel"), "{printed}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_json).unwrap()).unwrap();
    assert!(saved["changes"][0]["action"] == "relabel", "{saved}");
    assert!(
        saved["changes"][0]["to"]
            .as_str()
            .unwrap()
            .starts_with("renamed-")
    );
}

#[tokio::test]
async fn a_keys_file_with_mistakes_is_refused_before_any_request() {
    let s = Setup::new().await;
    let file = s.home.path().join("keys.toml");
    std::fs::write(
        &file,
        "[[key]]\nname = \"x\"\npublic_key = \"missing.pub\"\nlabel = \"x\"\nrepos = [\"acme\"]\ncolour = 1\n",
    )
    .unwrap();
    let out = s.run(&["plan", "-f", file.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("keys.toml:6:1: unknown field `colour`"),
        "{err}"
    );
    assert_eq!(s._sim.control().log().len(), 0, "no request may be sent");
}

/// The keys-as-code flow: export, edit the file (a repository glob added, a key removed
/// under prune, a label changed), plan, apply the saved plan, check the server, plan again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_edit_plan_apply_then_no_change() {
    let s = Setup::new().await;
    let file = s.home.path().join("keys.toml");
    let out = s
        .run(&["export", "acme", "--out", file.to_str().unwrap()])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut doc: toml::Table = std::fs::read_to_string(&file).unwrap().parse().unwrap();
    let keys = doc["key"].as_array_mut().unwrap();
    // A label changed: the first declaration, wherever it is held.
    keys[0]["label"] = toml::Value::from("renamed-{repo}");
    let relabelled_on: Vec<String> = keys[0]["repos"]
        .as_array()
        .map(|r| r.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    // A key removed from acme/api, which the prune scope then cleans.
    let pruned = keys
        .iter_mut()
        .skip(1)
        .find(|k| {
            k["repos"]
                .as_array()
                .is_some_and(|r| r.len() > 1 && r.iter().any(|v| v.as_str() == Some("acme/api")))
        })
        .expect("a key held on acme/api and elsewhere");
    pruned["repos"]
        .as_array_mut()
        .unwrap()
        .retain(|v| v.as_str() != Some("acme/api"));
    let pruned_key = pruned["public_key"].as_str().unwrap().to_string();
    // A fresh key on every api-* repository.
    let fresh = bbkeys::demo::key_line(bbkeys::demo::FRESH_KEY_LINES[5]).unwrap();
    let mut new_key = toml::Table::new();
    new_key.insert("name".into(), "fresh".into());
    new_key.insert("public_key".into(), fresh.into());
    new_key.insert("label".into(), "fresh-{project}".into());
    new_key.insert(
        "repos".into(),
        toml::Value::Array(vec!["acme/api-*".into()]),
    );
    keys.push(toml::Value::Table(new_key));
    let mut prune = toml::Table::new();
    prune.insert("scopes".into(), toml::Value::Array(vec!["acme/api".into()]));
    doc.insert("prune".into(), toml::Value::Table(prune));
    std::fs::write(&file, toml::to_string(&doc).unwrap()).unwrap();

    let (printed, saved) = s.plan_with_changes(&file).await;
    assert!(printed.contains("  - acme/api: delete"), "{printed}");
    assert!(
        printed.contains("+ acme/api-gateway: add fresh as \"fresh-API\""),
        "{printed}"
    );
    assert!(printed.contains("-/+ "), "{printed}");

    let out = s.run(&["apply", saved.to_str().unwrap(), "--yes"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let results = stdout(&out);
    assert_eq!(
        results.matches("done").count(),
        3,
        "every planned change ran: {results}"
    );

    let acme = s._sim.control().dump();
    let acme = acme.workspace("acme").unwrap();
    let repo = |slug: &str| acme.repositories.iter().find(|r| r.slug == slug).unwrap();
    let blob = |line: &str| {
        line.split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(
        !repo("api").keys.iter().any(|k| k.key == blob(&pruned_key)),
        "the pruned key is gone from acme/api"
    );
    for r in acme
        .repositories
        .iter()
        .filter(|r| r.slug.starts_with("api-"))
    {
        let k = r.keys.iter().find(|k| k.key == blob(fresh));
        assert!(
            k.is_some_and(|k| k.label.starts_with("fresh-")),
            "{}",
            r.slug
        );
    }
    for place in &relabelled_on {
        let slug = place.trim_start_matches("acme/");
        assert!(
            repo(slug)
                .keys
                .iter()
                .any(|k| k.label == format!("renamed-{slug}")),
            "{place} relabelled"
        );
    }
    let out = s
        .run(&["plan", "-f", file.to_str().unwrap(), "--detailed-exitcode"])
        .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("No changes"), "{}", stdout(&out));
    let out = s.run(&["journal", "list"]).await;
    assert!(stdout(&out).contains("No pending"), "{}", stdout(&out));
}

/// A saved plan is applied exactly: if a place changed after the plan was made, nothing is
/// written and the reader is sent back to `plan`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_whose_places_changed_is_refused() {
    let s = Setup::new().await;
    let file = s.home.path().join("keys.toml");
    let fresh = bbkeys::demo::key_line(bbkeys::demo::FRESH_KEY_LINES[6]).unwrap();
    std::fs::write(
        &file,
        format!("[[key]]\nname = \"x\"\npublic_key = \"{fresh}\"\nlabel = \"x\"\nrepos = [\"acme/api\"]\n"),
    )
    .unwrap();
    let saved = s.home.path().join("plan.json");
    let out = s
        .run(&[
            "plan",
            "-f",
            file.to_str().unwrap(),
            "--out",
            saved.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Someone adds the key by hand in between.
    s._sim
        .control()
        .add_key("acme", "api", fresh, "by hand")
        .unwrap();
    let writes_before = s
        ._sim
        .control()
        .log()
        .iter()
        .filter(|l| l.method != "GET")
        .count();
    let out = s.run(&["apply", saved.to_str().unwrap(), "--yes"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("changed since the plan"),
        "{}",
        stderr(&out)
    );
    let writes_after = s
        ._sim
        .control()
        .log()
        .iter()
        .filter(|l| l.method != "GET")
        .count();
    assert_eq!(writes_before, writes_after, "nothing written");
    // Off a terminal, apply without --yes changes nothing and says why.
    let out = s.run(&["apply", saved.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// Replacing one key with another at a place is a rotation: the new key is added and seen
/// before the old one is deleted, so the place is never without access.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_replaced_by_another_is_applied_as_a_rotation() {
    let s = Setup::new().await;
    let file = s.home.path().join("keys.toml");
    let out = s
        .run(&["export", "acme", "--out", file.to_str().unwrap()])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut doc: toml::Table = std::fs::read_to_string(&file).unwrap().parse().unwrap();
    let keys = doc["key"].as_array_mut().unwrap();
    // Every declaration that names acme/docs-site loses it; a fresh key takes its place.
    for k in keys.iter_mut() {
        if let Some(repos) = k.get_mut("repos").and_then(|r| r.as_array_mut()) {
            repos.retain(|v| v.as_str() != Some("acme/docs-site"));
        }
    }
    keys.retain(|k| {
        k.get("repos")
            .and_then(|r| r.as_array())
            .is_some_and(|r| !r.is_empty())
            || k.get("projects").is_some()
    });
    let fresh = bbkeys::demo::key_line(bbkeys::demo::FRESH_KEY_LINES[7]).unwrap();
    let mut new_key = toml::Table::new();
    new_key.insert("name".into(), "successor".into());
    new_key.insert("public_key".into(), fresh.into());
    new_key.insert("label".into(), "successor".into());
    new_key.insert(
        "repos".into(),
        toml::Value::Array(vec!["acme/docs-site".into()]),
    );
    keys.push(toml::Value::Table(new_key));
    let mut prune = toml::Table::new();
    prune.insert(
        "scopes".into(),
        toml::Value::Array(vec!["acme/docs-site".into()]),
    );
    doc.insert("prune".into(), toml::Value::Table(prune));
    std::fs::write(&file, toml::to_string(&doc).unwrap()).unwrap();
    let before = s._sim.control().keys_of("acme", "docs-site");
    assert!(!before.is_empty());
    let out = s
        .run(&["apply", "-f", file.to_str().unwrap(), "--yes"])
        .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("+-  acme/docs-site  done"),
        "{}",
        stdout(&out)
    );
    let after = s._sim.control().keys_of("acme", "docs-site");
    let labels: Vec<&str> = after.iter().map(|k| k.label.as_str()).collect();
    assert_eq!(labels, ["successor"], "{after:?}");
}
