//! `plan` and `apply` of a keys file on the simulator: relabels in place under
//! `edit_strategy = "in-place"`.

use crate::common::*;

struct Setup {
    sim: bbkeys::demo::Simulator,
    home: tempfile::TempDir,
    env: Vec<(&'static str, String)>,
    cfg: std::path::PathBuf,
}

impl Setup {
    async fn new(extra_config: &str) -> Setup {
        let sim = sim().await;
        let home = tempfile::tempdir().unwrap();
        let env = env_full(&sim);
        let cfg = fast_config(home.path());
        let text = std::fs::read_to_string(&cfg).unwrap();
        std::fs::write(&cfg, format!("{text}{extra_config}")).unwrap();
        Setup {
            sim,
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
}

/// Exports acme and gives the first declaration a new label; returns the file and the
/// repositories that declaration names.
async fn export_and_relabel(s: &Setup) -> (std::path::PathBuf, Vec<String>) {
    let file = s.home.path().join("keys.toml");
    let out = s
        .run(&["export", "acme", "--out", file.to_str().unwrap()])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut doc: toml::Table = std::fs::read_to_string(&file).unwrap().parse().unwrap();
    let keys = doc["key"].as_array_mut().unwrap();
    let first = keys
        .iter_mut()
        .find(|k| k.get("repos").is_some() && k.get("projects").is_none())
        .expect("a declaration of repository keys");
    first["label"] = toml::Value::from("renamed-{repo}");
    let repos = first["repos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    std::fs::write(&file, toml::to_string(&doc).unwrap()).unwrap();
    (file, repos)
}

#[tokio::test]
async fn in_place_relabels_are_planned_as_such_and_sent_as_puts() {
    let s = Setup::new("edit_strategy = \"in-place\"\n").await;
    let (file, repos) = export_and_relabel(&s).await;
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
    let printed = stdout(&out);
    assert!(
        printed.contains("-/+ ") && printed.contains("(in place)"),
        "{printed}"
    );
    assert!(!printed.contains("delete, then add again"), "{printed}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(doc["edit_strategy"], "in-place");
    let relabels: Vec<&serde_json::Value> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "relabel")
        .collect();
    assert_eq!(relabels.len(), repos.len(), "{doc}");
    assert!(relabels.iter().all(|c| c["method"] == "in_place"), "{doc}");
    // One PUT per relabel, plus the re-read of each place.
    assert_eq!(doc["request_cost"], 2 * repos.len());

    s.sim.control().clear_log();
    let out = s.run(&["apply", saved.to_str().unwrap(), "--yes"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let log = s.sim.control().log();
    let methods: Vec<&str> = log
        .iter()
        .filter(|e| e.method != "GET")
        .map(|e| e.method.as_str())
        .collect();
    assert_eq!(methods, vec!["PUT"; repos.len()], "{methods:?}");

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
}

#[tokio::test]
async fn by_default_a_relabel_is_planned_and_made_as_a_replace() {
    let s = Setup::new("").await;
    let (file, repos) = export_and_relabel(&s).await;
    let out = s
        .run(&["--json", "plan", "-f", file.to_str().unwrap()])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["edit_strategy"], "replace");
    assert!(
        doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["method"] == "replace"),
        "{doc}"
    );
    assert_eq!(doc["request_cost"], 3 * repos.len());
    s.sim.control().clear_log();
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
        stdout(&out).contains("(delete, then add again)"),
        "{}",
        stdout(&out)
    );
    let log = s.sim.control().log();
    assert!(!log.iter().any(|e| e.method == "PUT"));
    assert_eq!(
        log.iter().filter(|e| e.method == "DELETE").count(),
        repos.len()
    );
}
