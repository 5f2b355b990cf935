//! Doctor and keys as code (`export`, `plan`, `apply`) on Bitbucket Data Center, through the
//! binary against the Data Center simulator: the same commands as on Cloud, with the forge's
//! permissions and expiry.

use std::path::Path;

use bbkeys::demo::datacenter::credentials as cred;
use bbkeys::demo::key_line;

use crate::common::{stderr, stdout};
use crate::dc_cli::{DcRun, code, requests, run, with_token};

/// The writes the simulator saw since `from`, as `METHOD path`.
fn writes_since(all: &[String], from: usize) -> Vec<String> {
    all[from..]
        .iter()
        .filter(|r| !r.starts_with("GET "))
        .cloned()
        .collect()
}

/// A keys file at `home/keys.toml` with `body`.
fn keys_file(home: &Path, body: &str) -> String {
    let path = home.join("keys.toml");
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

/// The key labelled `label` as `keys list --json place` shows it (null when it is not there),
/// with the whole listing for messages.
async fn listed(dc: &DcRun, place: &str, label: &str) -> (serde_json::Value, serde_json::Value) {
    let o = dc.run(&["--json", "keys", "list", place]).await;
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let key = v
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["label"] == label)
        .cloned()
        .unwrap_or_default();
    (key, v)
}

/// `plan --detailed-exitcode` on `file` exits 0: the server holds what the file declares.
async fn assert_plans_no_change(dc: &DcRun, file: &str) {
    let o = dc.run(&["plan", "-f", file, "--detailed-exitcode"]).await;
    assert_eq!(code(&o), 0, "{}\n{}", stdout(&o), stderr(&o));
}

#[tokio::test]
async fn doctor_on_data_center_explains_project_and_repository_admin_in_text_and_json() {
    let dc = DcRun::start().await;
    let o = dc.run(&["doctor"]).await;
    assert_eq!(code(&o), 0, "{}\n{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("PROJECT_ADMIN"), "{text}");
    assert!(text.contains("REPO_ADMIN"), "{text}");
    assert!(text.contains(cred::ADMIN_USERNAME), "{text}");
    assert!(
        text.contains("bbkeys can work with this credential."),
        "{text}"
    );
    assert!(!text.contains(cred::ADMIN_TOKEN), "no secret in the report");

    let o = dc.run(&["--json", "doctor"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["outcome"], "ready", "{v}");
    let json = v.to_string();
    assert!(json.contains("PROJECT_ADMIN"), "{json}");
    assert!(json.contains("REPO_ADMIN"), "{json}");
    assert!(!json.contains(cred::ADMIN_TOKEN), "no secret in the JSON");
    assert!(
        writes_since(&requests(&dc.sim), 0).is_empty(),
        "doctor writes nothing: {:?}",
        requests(&dc.sim)
    );
    dc.shutdown().await;
}

#[tokio::test]
async fn a_refused_token_makes_doctor_exit_3_on_data_center() {
    let dc = DcRun::start().await;
    let env = with_token(dc.env.clone(), "not-a-token");
    let o = run(dc.home(), &env, &["doctor"]).await;
    assert_eq!(code(&o), 3, "{}\n{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("cannot authenticate"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("not-a-token"));
    dc.shutdown().await;
}

#[tokio::test]
async fn export_then_plan_on_the_data_center_demo_data_plans_no_change() {
    let dc = DcRun::start().await;
    for project in ["ACME", "OPS"] {
        let out = dc.home().join(format!("{project}.toml"));
        let o = dc
            .run(&["export", project, "--out", out.to_str().unwrap()])
            .await;
        assert_eq!(code(&o), 0, "{project}: {}", stderr(&o));
        let text = std::fs::read_to_string(&out).unwrap();
        // The write grants of the demo data are declared as such.
        assert!(
            text.contains("permission = \"write\""),
            "{project}:\n{text}"
        );
        let o = dc
            .run(&["plan", "-f", out.to_str().unwrap(), "--detailed-exitcode"])
            .await;
        assert_eq!(
            code(&o),
            0,
            "{project}:\n{text}\n{}\n{}",
            stdout(&o),
            stderr(&o)
        );
        assert!(stdout(&o).contains("No changes"), "{}", stdout(&o));
    }
    assert!(
        writes_since(&requests(&dc.sim), 0).is_empty(),
        "export and plan write nothing: {:?}",
        requests(&dc.sim)
    );
    dc.shutdown().await;
}

#[tokio::test]
async fn plan_shows_a_permission_change_and_apply_makes_it_with_one_put() {
    let dc = DcRun::start().await;
    // `monitoring` (demo key 4) is read-only on ACME/billing; the file asks for write.
    let file = keys_file(
        dc.home(),
        &format!(
            "[[key]]\nname = \"monitoring\"\npublic_key = \"{}\"\nlabel = \"monitoring\"\nrepos = [\"ACME/billing\"]\npermission = \"write\"\n",
            key_line(45).unwrap()
        ),
    );
    let saved = dc.home().join("plan.json");
    let o = dc
        .run(&[
            "plan",
            "-f",
            &file,
            "--detailed-exitcode",
            "--out",
            saved.to_str().unwrap(),
        ])
        .await;
    assert_eq!(code(&o), 6, "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("ACME/billing: change permission from read to write"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("1 permission change(s)"),
        "{}",
        stdout(&o)
    );

    let before = requests(&dc.sim).len();
    let o = dc.run(&["apply", saved.to_str().unwrap(), "--yes"]).await;
    assert_eq!(code(&o), 0, "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(
        writes_since(&requests(&dc.sim), before),
        ["PUT /rest/keys/1.0/projects/ACME/repos/billing/ssh/4/permission/REPO_WRITE"],
        "one request changes the permission"
    );
    let (monitoring, v) = listed(&dc, "ACME/billing", "monitoring").await;
    assert_eq!(monitoring["permission"], "write", "{v}");

    assert_plans_no_change(&dc, &file).await;
    dc.shutdown().await;
}

#[tokio::test]
async fn apply_with_expiry_days_adds_a_write_key_that_expires_and_then_plans_no_change() {
    let dc = DcRun::start().await;
    let file = keys_file(
        dc.home(),
        &format!(
            "[[key]]\nname = \"ci\"\npublic_key = \"{}\"\nlabel = \"ci-{{repo}}\"\nrepos = [\"ACME/web\"]\npermission = \"write\"\nexpiry_days = 30\n",
            key_line(bbkeys::demo::FRESH_KEY_LINES[0]).unwrap()
        ),
    );
    let o = dc.run(&["apply", "-f", &file, "--yes"]).await;
    assert_eq!(code(&o), 0, "{}\n{}", stdout(&o), stderr(&o));
    let (ci, v) = listed(&dc, "ACME/web", "ci-web").await;
    assert_eq!(ci["permission"], "write", "{v}");
    let expires = ci["expires"].as_str().unwrap_or_default();
    let expires =
        time::OffsetDateTime::parse(expires, &time::format_description::well_known::Rfc3339)
            .unwrap();
    let days = (expires - time::OffsetDateTime::now_utc()).whole_days();
    assert!((29..=30).contains(&days), "expires in {days} days: {v}");

    assert_plans_no_change(&dc, &file).await;
    dc.shutdown().await;
}

#[tokio::test]
async fn permission_and_expiry_in_a_keys_file_stay_errors_on_cloud() {
    let home = tempfile::tempdir().unwrap();
    let file = keys_file(
        home.path(),
        &format!(
            "[[key]]\nname = \"ci\"\npublic_key = \"{}\"\nlabel = \"ci\"\nrepos = [\"acme/api\"]\npermission = \"write\"\nexpiry_days = 30\n",
            key_line(bbkeys::demo::FRESH_KEY_LINES[0]).unwrap()
        ),
    );
    let o = run(home.path(), &[], &["--demo", "plan", "-f", &file]).await;
    assert_eq!(code(&o), 1, "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("permission is a Data Center field"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("expiry_days is a Data Center field"),
        "{}",
        stderr(&o)
    );
}
