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
    let out = s
        .run(&["plan", "-f", file.to_str().unwrap(), "--cached", "--json"])
        .await;
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
    let plan_json = s.home.path().join("plan.json");
    let out = s
        .run(&[
            "plan",
            "-f",
            file.to_str().unwrap(),
            "--detailed-exitcode",
            "--out",
            plan_json.to_str().unwrap(),
        ])
        .await;
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let printed = stdout(&out);
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
