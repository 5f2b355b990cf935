//! The CLI on Bitbucket Data Center: the binary chooses its forge from flags, the environment
//! or a profile, authenticates with a username or an HTTP access token, and runs the same
//! commands against the Data Center simulator, with the forge's own nouns (projects,
//! permissions, expiry).

use std::path::Path;
use std::process::Output;

use bbkeys::demo::datacenter::{self, DcSimOptions, DcSimulator, credentials as cred};
use bbkeys::demo::key_line;

use crate::common::{bbkeys, stderr, stdout};

/// A simulator whose dates are relative to the real clock, as the binary's are.
pub(crate) async fn sim() -> DcSimulator {
    datacenter::start(DcSimOptions {
        now: Some(time::OffsetDateTime::now_utc()),
        ..DcSimOptions::default()
    })
    .await
    .unwrap()
}

/// One test's Data Center setup: the simulator, a home of its own, and the demo admin's
/// environment on it.
pub(crate) struct DcRun {
    pub(crate) sim: DcSimulator,
    pub(crate) env: Vec<(&'static str, String)>,
    home: tempfile::TempDir,
}

impl DcRun {
    pub(crate) async fn start() -> DcRun {
        let sim = sim().await;
        let env = dana(&sim);
        DcRun {
            sim,
            env,
            home: tempfile::tempdir().unwrap(),
        }
    }

    pub(crate) fn home(&self) -> &Path {
        self.home.path()
    }

    /// Runs the binary as the demo admin.
    pub(crate) async fn run(&self, args: &[&str]) -> Output {
        run(self.home(), &self.env, args).await
    }

    pub(crate) async fn shutdown(self) {
        self.sim.shutdown().await;
    }
}

/// An environment that picks Data Center, with these variables besides.
pub(crate) fn dc_env(vars: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut env = vec![("BBKEYS_FORGE", "datacenter".to_string())];
    env.extend(vars.iter().map(|(k, v)| (*k, v.to_string())));
    env
}

/// The environment of `user` over Basic (username + personal token) on the simulator.
pub(crate) fn as_user(sim: &DcSimulator, user: &str, token: &str) -> Vec<(&'static str, String)> {
    dc_env(&[
        ("BBKEYS_API_URL", &sim.api_url()),
        ("BBKEYS_USERNAME", user),
        ("BBKEYS_API_TOKEN", token),
    ])
}

/// The environment of the demo admin over Basic (username + personal token).
pub(crate) fn dana(sim: &DcSimulator) -> Vec<(&'static str, String)> {
    as_user(sim, cred::ADMIN_USERNAME, cred::ADMIN_TOKEN)
}

/// The environment of the demo admin's HTTP access token, sent as Bearer.
fn bearer(sim: &DcSimulator) -> Vec<(&'static str, String)> {
    dc_env(&[
        ("BBKEYS_API_URL", &sim.api_url()),
        ("BBKEYS_ACCESS_TOKEN", cred::ADMIN_TOKEN),
    ])
}

/// `env` with its personal token replaced by `token`.
pub(crate) fn with_token(
    mut env: Vec<(&'static str, String)>,
    token: &str,
) -> Vec<(&'static str, String)> {
    env.retain(|(k, _)| *k != "BBKEYS_API_TOKEN");
    env.push(("BBKEYS_API_TOKEN", token.to_string()));
    env
}

pub(crate) async fn run(home: &Path, env: &[(&'static str, String)], args: &[&str]) -> Output {
    run_with_input(home, env, args, "").await
}

/// [`run`] with `stdin` typed in.
pub(crate) async fn run_with_input(
    home: &Path,
    env: &[(&'static str, String)],
    args: &[&str],
    stdin: &str,
) -> Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    bbkeys(home, &env, args, stdin).await
}

pub(crate) fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub(crate) fn key_file(home: &Path, line: usize) -> String {
    let path = home.join(format!("k{line}.pub"));
    std::fs::write(&path, key_line(line).unwrap()).unwrap();
    path.display().to_string()
}

/// The requests the simulator saw, as `METHOD path`.
pub(crate) fn requests(sim: &DcSimulator) -> Vec<String> {
    sim.control()
        .log()
        .iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .collect()
}

#[tokio::test]
async fn a_bad_forge_value_is_a_usage_error_naming_the_accepted_values() {
    let home = tempfile::tempdir().unwrap();
    let by_flag = run(home.path(), &[], &["--forge", "gitlab", "workspaces"]).await;
    let by_env = run(
        home.path(),
        &[("BBKEYS_FORGE", "gitlab".into())],
        &["workspaces"],
    )
    .await;
    for o in [&by_flag, &by_env] {
        assert_eq!(code(o), 2, "{}", stderr(o));
        let err = stderr(o);
        assert!(
            err.contains("gitlab") && err.contains("cloud") && err.contains("datacenter"),
            "{err}"
        );
    }
    let config = home.path().join("bad.toml");
    std::fs::write(
        &config,
        "[profiles.w]\nforge = \"gitlab\"\nkind = \"access_token\"\ntoken_command = \"echo t\"\n",
    )
    .unwrap();
    let config = config.display().to_string();
    let o = run(home.path(), &[], &["--config", &config, "workspaces"]).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("forge") && err.contains("\"cloud\"") && err.contains("\"datacenter\""),
        "{err}"
    );
}

#[tokio::test]
async fn workspaces_lists_the_projects_with_a_username_and_token() {
    let dc = DcRun::start().await;
    let o = dc.run(&["workspaces"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("PROJECT"), "{out}");
    for project in ["ACME", "OPS", "SEC", "DATA"] {
        assert!(out.contains(project), "{project} missing: {out}");
    }
    // HR is out of dana's sight altogether.
    assert!(!out.contains("HR"), "{out}");
    let json = dc.run(&["--json", "workspaces"]).await;
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let sec = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "SEC")
        .unwrap();
    assert_eq!(sec["administrator"], false, "{v}");
    dc.shutdown().await;
}

#[tokio::test]
async fn the_email_checks_apply_to_cloud_only() {
    let dc = DcRun::start().await;
    // A username on Cloud is refused, as before.
    let cloud = run(
        dc.home(),
        &[
            ("BBKEYS_EMAIL", "dana".into()),
            ("BBKEYS_API_TOKEN", "t".into()),
        ],
        &["workspaces"],
    )
    .await;
    assert_eq!(code(&cloud), 3, "{}", stderr(&cloud));
    assert!(
        stderr(&cloud).contains("not an email"),
        "{}",
        stderr(&cloud)
    );
    // On Data Center a username is right, and no email is asked for.
    let listed = dc.run(&["keys", "list", "OPS/deploy"]).await;
    assert_eq!(code(&listed), 0, "{}", stderr(&listed));
    assert!(
        !stderr(&listed).contains("BBKEYS_EMAIL"),
        "{}",
        stderr(&listed)
    );
    // A token without its username names the Data Center variables, not the email.
    let mut no_user = dc.env.clone();
    no_user.retain(|(k, _)| *k != "BBKEYS_USERNAME");
    let o = run(dc.home(), &no_user, &["workspaces"]).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("BBKEYS_USERNAME"), "{err}");
    assert!(!err.contains("BBKEYS_EMAIL is not set"), "{err}");
    assert!(!err.contains(cred::ADMIN_TOKEN), "{err}");
    dc.shutdown().await;
}

#[tokio::test]
async fn an_http_access_token_is_sent_as_bearer_and_a_profile_can_choose_the_forge() {
    let dc = DcRun::start().await;
    let o = run(dc.home(), &bearer(&dc.sim), &["keys", "list", "OPS/deploy"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("release-bot"), "{}", stdout(&o));
    let config = dc.home().join("dc.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.work]\nforge = \"datacenter\"\napi_url = \"{}\"\nusername = \"{}\"\ntoken_command = \"echo {}\"\n",
            dc.sim.api_url(),
            cred::ADMIN_USERNAME,
            cred::ADMIN_TOKEN
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let o = run(dc.home(), &[], &["--config", &config, "workspaces"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("ACME"), "{}", stdout(&o));
    dc.shutdown().await;
}

#[tokio::test]
async fn keys_list_shows_permission_and_expiry_of_a_project_and_a_repository() {
    let dc = DcRun::start().await;
    let o = dc.run(&["keys", "list", "OPS"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("PERM") && out.contains("EXPIRES"), "{out}");
    let line = |label: &str| {
        out.lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("{label} missing: {out}"))
            .to_string()
    };
    let release = line("release-bot");
    assert!(release.contains(" W "), "{release}");
    assert!(release.contains("expires in 6 days"), "{release}");
    assert!(line("ops-deployer").contains("project OPS"), "{out}");
    let acme = dc.run(&["keys", "list", "ACME/api"]).await;
    let out = stdout(&acme);
    // The project key reaches the repository: listed with the repository's own.
    let backup = out
        .lines()
        .find(|l| l.contains("backup-reader"))
        .unwrap_or_else(|| panic!("inherited project key missing: {out}"));
    assert!(backup.contains("expired 20"), "{backup}");
    assert!(backup.contains(" R "), "{backup}");
    let json = dc.run(&["--json", "keys", "list", "OPS/deploy"]).await;
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let row = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repo"] == "deploy")
        .unwrap();
    assert_eq!(row["permission"], "write", "{v}");
    assert!(row["expires"].as_str().unwrap().ends_with('Z'), "{v}");
    let csv = dc.run(&["keys", "list", "OPS/deploy", "--csv"]).await;
    let csv = stdout(&csv);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(",last_used,permission,expires"),
        "{csv}"
    );
    assert!(
        lines.any(|l| l.contains("release-bot") && l.contains(",write,20")),
        "{csv}"
    );
    let picked = dc
        .run(&[
            "keys",
            "list",
            "OPS/deploy",
            "--json",
            "--fields",
            "label,permission",
        ])
        .await;
    let v: serde_json::Value = serde_json::from_slice(&picked.stdout).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .contains(&serde_json::json!({"label": "release-bot", "permission": "write"})),
        "{v}"
    );
    dc.shutdown().await;
}

/// Every file under `dir`, as text.
fn all_files(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(all_files(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    out
}

#[tokio::test]
async fn data_center_tokens_stay_out_of_output_logs_and_json() {
    let dc = DcRun::start().await;
    let mut outputs = Vec::new();
    for env in [dc.env.clone(), bearer(&dc.sim)] {
        for args in [
            &["-vv", "--json", "keys", "list", "ACME"][..],
            &["-vv", "workspaces"][..],
            &["-vv", "keys", "list", "NOPE/repo"][..],
        ] {
            let o = run(dc.home(), &env, args).await;
            outputs.push(format!("{}{}", stdout(&o), stderr(&o)));
        }
    }
    let files = all_files(dc.home());
    assert!(
        files.iter().any(|(p, _)| p.ends_with("bbkeys.log")),
        "a log was written: {:?}",
        files.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for (path, text) in &files {
        assert!(
            !text.contains(cred::ADMIN_TOKEN),
            "{} holds the token",
            path.display()
        );
    }
    for out in &outputs {
        assert!(!out.contains(cred::ADMIN_TOKEN), "{out}");
    }
    dc.shutdown().await;
}

#[tokio::test]
async fn cloud_json_keeps_its_fields_without_permission_or_expires() {
    let home = tempfile::tempdir().unwrap();
    let o = run(
        home.path(),
        &[],
        &["--demo", "--json", "keys", "list", "acme/api"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = v.as_array().unwrap()[0].as_object().unwrap();
    assert!(!row.contains_key("permission"), "{row:?}");
    assert!(!row.contains_key("expires"), "{row:?}");
    let table = run(home.path(), &[], &["--demo", "keys", "list", "acme/api"]).await;
    assert!(!stdout(&table).contains("PERM"), "{}", stdout(&table));
}

#[tokio::test]
async fn keys_add_with_a_permission_and_expiry_then_change_the_permission_and_remove_it() {
    let dc = DcRun::start().await;
    let key = key_file(dc.home(), bbkeys::demo::FRESH_KEY_LINES[0]);
    let o = dc
        .run(&[
            "--json",
            "keys",
            "add",
            "ACME/billing",
            "--key",
            &key,
            "--label",
            "ci",
            "--permission",
            "write",
            "--expiry-days",
            "30",
        ])
        .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["key"]["permission"], "write", "{v}");
    assert!(v["key"]["expires"].is_string(), "{v}");
    let id = v["key"]["id"].as_u64().unwrap().to_string();
    // Read is the default.
    let other = key_file(dc.home(), bbkeys::demo::FRESH_KEY_LINES[1]);
    let o = dc
        .run(&[
            "--json",
            "keys",
            "add",
            "ACME/billing",
            "--key",
            &other,
            "--label",
            "ro",
        ])
        .await;
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["key"]["permission"], "read", "{v}");
    assert_eq!(v["key"]["expires"], serde_json::Value::Null, "{v}");

    let before = requests(&dc.sim).len();
    let o = dc
        .run(&["keys", "permission", "ACME/billing", &id, "read"])
        .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let sent = requests(&dc.sim)[before..].to_vec();
    assert_eq!(
        sent,
        [format!(
            "PUT /rest/keys/1.0/projects/ACME/repos/billing/ssh/{id}/permission/REPO_READ"
        )],
        "one request"
    );
    assert!(stdout(&o).contains("read"), "{}", stdout(&o));

    let o = dc.run(&["keys", "rm", "ACME/billing", &id, "--yes"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let listed = dc.run(&["keys", "list", "ACME/billing"]).await;
    assert!(!stdout(&listed).contains(" ci "), "{}", stdout(&listed));
    dc.shutdown().await;
}

#[tokio::test]
async fn permission_and_expiry_on_cloud_are_usage_errors_naming_the_forge() {
    let home = tempfile::tempdir().unwrap();
    let key = key_file(home.path(), bbkeys::demo::FRESH_KEY_LINES[0]);
    for extra in [["--permission", "write"], ["--expiry-days", "30"]] {
        let mut args = vec![
            "--demo", "keys", "add", "acme/api", "--key", &key, "--label", "x",
        ];
        args.extend(extra);
        let o = run(home.path(), &[], &args).await;
        assert_eq!(code(&o), 2, "{}", stderr(&o));
        assert!(stderr(&o).contains("Bitbucket Cloud"), "{}", stderr(&o));
    }
    let o = run(
        home.path(),
        &[],
        &["--demo", "keys", "permission", "acme/api", "1", "write"],
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Cloud keys have no permission level"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn keys_find_asks_the_usage_endpoints_and_says_what_it_may_not_see() {
    let dc = DcRun::start().await;
    let key = key_file(dc.home(), 1);
    let o = dc.run(&["keys", "find", &key, "--workspace", "ACME"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    for place in ["ACME/api", "ACME/web", "project OPS"] {
        assert!(out.contains(place), "{place} missing: {out}");
    }
    // Out of dana's sight: never guessed.
    assert!(!out.contains("HR/payroll"), "{out}");
    assert!(
        format!("{out}{}", stderr(&o)).contains("limited to what"),
        "{out}"
    );
    // The two lookups may be in flight together, so they are compared in a fixed order.
    let mut usage: Vec<String> = requests(&dc.sim)
        .into_iter()
        .filter(|r| r.starts_with("GET /rest/keys/1.0/ssh/"))
        .collect();
    usage.sort();
    assert_eq!(
        usage,
        [
            "GET /rest/keys/1.0/ssh/1/projects",
            "GET /rest/keys/1.0/ssh/1/repos"
        ],
        "the two usage lookups"
    );
    dc.shutdown().await;
}

#[tokio::test]
async fn audit_of_a_project_ranks_write_access_and_reports_expiry() {
    let dc = DcRun::start().await;
    let o = dc.run(&["--json", "audit", "ACME"]).await;
    assert!(matches!(code(&o), 0 | 4), "{}", stderr(&o));
    let text = stdout(&o);
    for code in ["write_access", "expired"] {
        assert!(text.contains(code), "{code} missing: {text}");
    }
    let ops = dc.run(&["audit", "OPS"]).await;
    let text = stdout(&ops);
    assert!(text.contains("expires in 6 days"), "{text}");
    assert!(text.contains("write"), "{text}");
}

#[tokio::test]
async fn remove_everywhere_sends_one_bulk_revoke_and_reads_every_place_back() {
    let dc = DcRun::start().await;
    // ci-deploy: on ACME/api (write) and ACME/web (read) in ACME, and elsewhere beyond.
    let fp = bbkeys::sshkey::PublicKey::from_server(key_line(1).unwrap())
        .unwrap()
        .fingerprint()
        .to_string();
    let o = dc
        .run(&[
            "keys",
            "rm",
            "--fingerprint",
            &fp,
            "--workspace",
            "ACME",
            "--yes",
        ])
        .await;
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let log = requests(&dc.sim);
    let bulk: Vec<&String> = log.iter().filter(|r| r.starts_with("DELETE ")).collect();
    assert_eq!(
        bulk,
        ["DELETE /rest/keys/1.0/ssh/1"],
        "one bulk revoke: {log:#?}"
    );
    let after = log
        .iter()
        .position(|r| r == "DELETE /rest/keys/1.0/ssh/1")
        .unwrap();
    for repo in ["api", "web"] {
        let read_back = format!("GET /rest/keys/1.0/projects/ACME/repos/{repo}/ssh/1");
        assert!(
            log[after..].contains(&read_back),
            "{repo} read back: {log:#?}"
        );
    }
    let listed = dc.run(&["keys", "list", "ACME"]).await;
    assert!(
        !stdout(&listed).contains("ci-deploy"),
        "{}",
        stdout(&listed)
    );
    // Grants outside ACME are untouched.
    let ops = dc.run(&["keys", "list", "OPS"]).await;
    assert!(stdout(&ops).contains("ci-deploy"), "{}", stdout(&ops));
    dc.shutdown().await;
}

#[tokio::test]
async fn a_permission_denial_is_told_apart_from_a_refused_token() {
    let dc = DcRun::start().await;
    let denied = run(
        dc.home(),
        &as_user(&dc.sim, cred::VIEWER_USERNAME, cred::VIEWER_TOKEN),
        &["keys", "list", "ACME/api"],
    )
    .await;
    let refused = run(
        dc.home(),
        &as_user(&dc.sim, cred::VIEWER_USERNAME, cred::EXPIRED_TOKEN),
        &["keys", "list", "ACME/api"],
    )
    .await;
    assert_eq!(code(&denied), 3, "{}", stderr(&denied));
    assert_eq!(code(&refused), 3, "{}", stderr(&refused));
    let (d, r) = (stderr(&denied), stderr(&refused));
    assert_ne!(d, r);
    assert!(r.contains("refused"), "{r}");
    assert!(!d.contains("refused"), "{d}");
    assert!(d.contains("admin") || d.contains("permit"), "{d}");
    for secret in [cred::VIEWER_TOKEN, cred::EXPIRED_TOKEN] {
        assert!(!d.contains(secret) && !r.contains(secret));
    }
    dc.shutdown().await;
}

#[tokio::test]
async fn the_demo_runs_the_subcommands_on_the_data_center_simulator() {
    let home = tempfile::tempdir().unwrap();
    let o = run(
        home.path(),
        &[],
        &["--demo", "--forge", "datacenter", "keys", "list", "ACME"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("ci-deploy") && out.contains("backup-reader"),
        "{out}"
    );
    assert!(out.contains("expired"), "{out}");
}

#[tokio::test]
async fn the_tui_on_data_center_is_no_longer_refused_and_only_asks_for_a_terminal() {
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &[], &["--demo", "--forge", "datacenter"]).await;
    // Without a terminal (the test's pipes) the only refusal left is the one every forge gets.
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the terminal UI needs a terminal"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("Data Center"), "{}", stderr(&o));
}

#[tokio::test]
async fn demo_server_serves_the_data_center_simulator() {
    use tokio::io::AsyncBufReadExt;
    let home = tempfile::tempdir().unwrap();
    let mut child =
        crate::common::command(home.path(), &[], &["demo-server", "--forge", "datacenter"])
            .spawn()
            .unwrap();
    let out = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(out).lines();
    let mut export = None;
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line()).await
    {
        if line.starts_with("export ") {
            export = Some(line);
            break;
        }
    }
    let export = export.expect("an export line");
    assert!(export.contains("BBKEYS_FORGE=datacenter"), "{export}");
    let env: Vec<(&'static str, String)> = export
        .trim_start_matches("export ")
        .split(' ')
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| {
            let k: &'static str = match k {
                "BBKEYS_FORGE" => "BBKEYS_FORGE",
                "BBKEYS_API_URL" => "BBKEYS_API_URL",
                "BBKEYS_USERNAME" => "BBKEYS_USERNAME",
                "BBKEYS_API_TOKEN" => "BBKEYS_API_TOKEN",
                _ => return None,
            };
            Some((k, v.to_string()))
        })
        .collect();
    let o = run(home.path(), &env, &["workspaces"]).await;
    child.kill().await.unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("OPS"), "{}", stdout(&o));
}

#[tokio::test]
async fn auth_login_checks_a_username_and_token_with_the_server_and_writes_a_data_center_profile() {
    let dc = DcRun::start().await;
    let config = dc.home().join("config/bbkeys/config.toml");
    let login = |token: &'static str| {
        let api = dc.sim.api_url();
        let home = dc.home().to_path_buf();
        async move {
            bbkeys(
                &home,
                &[],
                &[
                    "auth",
                    "login",
                    "--forge",
                    "datacenter",
                    "--api-url",
                    &api,
                    "--username",
                    cred::ADMIN_USERNAME,
                    "--with-token",
                    "--store-in-file",
                ],
                &format!("{token}\n"),
            )
            .await
        }
    };
    let refused = login(cred::EXPIRED_TOKEN).await;
    assert_eq!(code(&refused), 3, "{}", stderr(&refused));
    assert!(!config.exists(), "nothing is written for a refused token");
    assert!(!stderr(&refused).contains(cred::EXPIRED_TOKEN));

    let o = login(cred::ADMIN_TOKEN).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains(cred::ADMIN_USERNAME), "{}", stderr(&o));
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("forge = \"datacenter\""), "{text}");
    assert!(text.contains("username = \"dana\""), "{text}");
    assert!(!text.contains("email"), "{text}");
    // The stored profile is enough: no forge or credential in the environment.
    let o = run(dc.home(), &[], &["keys", "list", "OPS/deploy"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("release-bot"), "{}", stdout(&o));
    dc.shutdown().await;
}

#[tokio::test]
async fn auth_status_names_the_account_and_its_projects_and_a_refused_token_exits_3() {
    let dc = DcRun::start().await;
    let o = dc.run(&["auth", "status"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Account:    dana"), "{out}");
    assert!(out.contains("ACME, OPS administered"), "{out}");
    assert!(out.contains("DATA, SEC through some"), "{out}");
    let expired = with_token(dc.env.clone(), cred::EXPIRED_TOKEN);
    let o = run(dc.home(), &expired, &["auth", "status"]).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(!stderr(&o).contains(cred::EXPIRED_TOKEN));
    dc.shutdown().await;
}

#[tokio::test]
async fn doctor_and_export_on_data_center_run_and_change_nothing() {
    let dc = DcRun::start().await;
    let key = key_file(dc.home(), bbkeys::demo::FRESH_KEY_LINES[0]);
    let _ = key;
    // keys relabel and keys rotate have their Data Center forms now (dc_cli_relabel).
    // Doctor and keys as code have their Data Center form now (see dc_keys_as_code.rs).
    for args in [&["doctor"][..], &["export", "ACME"][..]] {
        let o = dc.run(args).await;
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        assert!(
            !stderr(&o).contains("not available on Bitbucket Data Center"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    assert!(
        !requests(&dc.sim).iter().any(|r| !r.starts_with("GET ")),
        "nothing was written: {:?}",
        requests(&dc.sim)
    );
    dc.shutdown().await;
}

#[tokio::test]
async fn data_center_without_a_server_or_a_credential_says_what_to_set() {
    let home = tempfile::tempdir().unwrap();
    let no_server = run(
        home.path(),
        &dc_env(&[("BBKEYS_ACCESS_TOKEN", "secret-token")]),
        &["workspaces"],
    )
    .await;
    assert_eq!(code(&no_server), 2, "{}", stderr(&no_server));
    assert!(
        stderr(&no_server).contains("--api-url"),
        "{}",
        stderr(&no_server)
    );
    assert!(!stderr(&no_server).contains("secret-token"));
    let no_credential = run(
        home.path(),
        &dc_env(&[("BBKEYS_API_URL", "https://git.example.com")]),
        &["workspaces"],
    )
    .await;
    assert_eq!(code(&no_credential), 3, "{}", stderr(&no_credential));
    let err = stderr(&no_credential);
    assert!(
        err.contains("BBKEYS_ACCESS_TOKEN") && err.contains("BBKEYS_USERNAME"),
        "{err}"
    );
    assert!(!err.contains("id.atlassian.com"), "no Cloud advice: {err}");
    // A remote server over plain http would expose the token.
    let plain = run(
        home.path(),
        &dc_env(&[
            ("BBKEYS_API_URL", "http://git.example.com"),
            ("BBKEYS_ACCESS_TOKEN", "secret-token"),
        ]),
        &["workspaces"],
    )
    .await;
    assert_eq!(code(&plain), 2, "{}", stderr(&plain));
    assert!(!stderr(&plain).contains("secret-token"));
}
