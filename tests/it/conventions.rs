//! Issue 20: the CLI conventions users bring from gh and glab. Help, examples, man pages,
//! aliases and short flags, the default workspace, `--all-workspaces`, `--fields`, one
//! timestamp form, `project` on repository keys, `auth status` logged out, and logging.

use std::path::{Path, PathBuf};

use bbkeys::demo::credentials as cred;
use serde_json::Value;

use crate::common::*;

/// The ci-deploy key of acme/api in the demo data.
const CI_FP: &str = "SHA256:WVwdVcjLeHrHKjCq+r0SGHiqW850qEBPr5+1wwMdG6M";

async fn demo(home: &Path, envs: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut full = vec!["--demo"];
    full.extend(args);
    bbkeys(home, envs, &full, "").await
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

fn ok(out: &std::process::Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

/// Every subcommand path below `bbkeys`, nested ones too, without clap's `help`.
fn subcommand_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_string());
            out.push(path.clone());
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(&bbkeys::cli::command(), &[], &mut out);
    out
}

fn help_of(path: &[String]) -> String {
    let mut args: Vec<&str> = vec!["bbkeys"];
    args.extend(path.iter().map(String::as_str));
    args.push("--help");
    let err = bbkeys::cli::command()
        .try_get_matches_from(args)
        .expect_err("--help ends parsing");
    err.render().to_string()
}

/// The words of an example command line, as a shell would split it (single quotes only);
/// a pipe's left side and a redirection are dropped.
fn words(example: &str) -> Vec<String> {
    let line = example.rsplit(" | ").next().unwrap();
    let line = line.split(" > ").next().unwrap();
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[test]
fn keys_rm_help_shows_no_global_options_and_ends_with_examples() {
    let help = help_of(&["keys".into(), "rm".into()]);
    for global in [
        "--demo",
        "--api-url",
        "--profile",
        "--config",
        "--concurrency",
        "--quiet",
        "--desired",
    ] {
        assert!(
            !help.contains(global),
            "keys rm --help lists {global}:\n{help}"
        );
    }
    assert!(!help.contains("Global options"), "{help}");
    let tail = help.trim_end().rsplit("Examples:\n").next().unwrap();
    assert!(help.contains("Examples:\n"), "{help}");
    assert!(
        tail.lines().all(|l| l.trim_start().starts_with("bbkeys ")),
        "the help ends with the examples:\n{help}"
    );
    // The top-level help lists them once, under their own heading.
    let top = help_of(&[]);
    let at = top
        .find("Global options:")
        .expect("a Global options heading");
    assert_eq!(top.matches("--demo").count(), 1, "{top}");
    assert!(top.find("--demo").unwrap() > at, "{top}");
    assert!(top.find("--verbose").unwrap() > at, "{top}");
    assert_eq!(top.matches("--desired").count(), 1, "{top}");
    assert!(top.find("--desired").unwrap() > at, "{top}");
}

#[tokio::test]
async fn the_built_binary_prints_the_same_help() {
    let home = tempfile::tempdir().unwrap();
    let out = bbkeys(home.path(), &[], &["keys", "rm", "--help"], "").await;
    ok(&out);
    let text = stdout(&out);
    assert!(!text.contains("--api-url"), "{text}");
    assert!(text.trim_end().ends_with("-w acme --dry-run"), "{text}");
}

#[test]
fn every_subcommand_help_ends_with_two_to_four_examples_that_parse() {
    let paths = subcommand_paths();
    assert!(paths.len() >= 25, "{paths:?}");
    for path in paths {
        let help = help_of(&path);
        let name = path.join(" ");
        let (_, examples) = help
            .rsplit_once("Examples:\n")
            .unwrap_or_else(|| panic!("`{name} --help` has no examples:\n{help}"));
        let lines: Vec<&str> = examples.trim_end().lines().collect();
        assert!(
            (2..=4).contains(&lines.len()),
            "`{name}` has {} examples",
            lines.len()
        );
        for line in lines {
            let line = line.trim();
            let w = words(line);
            assert_eq!(w[0], "bbkeys", "`{name}`: {line}");
            if let Err(e) = bbkeys::cli::command().try_get_matches_from(&w) {
                panic!("`{name}` example `{line}` does not parse: {e}");
            }
        }
    }
}

#[tokio::test]
async fn man_writes_a_page_for_every_subcommand() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("man1");
    let out = bbkeys(
        home.path(),
        &[],
        &["man", "--dir", dir.to_str().unwrap()],
        "",
    )
    .await;
    ok(&out);
    let mut want: Vec<PathBuf> = vec![dir.join("bbkeys.1")];
    for path in subcommand_paths() {
        want.push(dir.join(format!("bbkeys-{}.1", path.join("-"))));
    }
    for page in &want {
        let text = std::fs::read_to_string(page)
            .unwrap_or_else(|e| panic!("{} missing: {e}", page.display()));
        assert!(text.contains(".TH"), "{} is not a man page", page.display());
    }
    let rm = std::fs::read_to_string(dir.join("bbkeys-keys-rm.1")).unwrap();
    assert!(rm.contains("fingerprint"), "{rm}");
    assert!(rm.contains("Examples"), "{rm}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), want.len());
}

#[tokio::test]
async fn keys_delete_and_keys_remove_are_keys_rm() {
    for alias in ["delete", "remove"] {
        let home = tempfile::tempdir().unwrap();
        let out = demo(
            home.path(),
            &[],
            &["--json", "keys", alias, "acme/api", CI_FP, "-y"],
        )
        .await;
        ok(&out);
        let doc = json(&out);
        assert_eq!(doc["status"], "deleted", "{doc}");
        assert_eq!(doc["key"]["fingerprint"], CI_FP);
        assert_eq!(doc["where"], "acme/api");
    }
    // Without -y off a terminal the command refuses, so -y is what let the runs above through.
    let home = tempfile::tempdir().unwrap();
    let out = demo(home.path(), &[], &["keys", "delete", "acme/api", CI_FP]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[tokio::test]
async fn w_is_short_for_workspace_on_every_fan_out_form() {
    let home = tempfile::tempdir().unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec![
            "keys",
            "rm",
            "--fingerprint",
            CI_FP,
            "-w",
            "acme",
            "--dry-run",
            "--json",
        ],
        vec![
            "keys",
            "relabel",
            "--fingerprint",
            CI_FP,
            "-w",
            "acme",
            "--label",
            "x",
            "--dry-run",
            "--json",
        ],
        vec!["keys", "find", CI_FP, "-w", "acme", "--json"],
    ];
    for args in runs {
        let out = demo(home.path(), &[], &args).await;
        ok(&out);
        assert!(stdout(&out).contains("acme"), "{args:?}: {}", stdout(&out));
    }
    let key = bbkeys::demo::key_line(2).unwrap();
    let to = home.path().join("new.pub");
    std::fs::write(&to, format!("{key}\n")).unwrap();
    let out = demo(
        home.path(),
        &[],
        &[
            "keys",
            "rotate",
            "--from",
            CI_FP,
            "--to",
            to.to_str().unwrap(),
            "-w",
            "acme",
            "--dry-run",
        ],
    )
    .await;
    ok(&out);
    assert!(stdout(&out).contains("acme"), "{}", stdout(&out));
}

#[tokio::test]
async fn y_is_short_for_yes_on_journal_commands() {
    let home = tempfile::tempdir().unwrap();
    let out = demo(home.path(), &[], &["journal", "recover", "-y"]).await;
    ok(&out);
}

#[tokio::test]
async fn bbkeys_workspace_is_the_default_workspace() {
    let home = tempfile::tempdir().unwrap();
    let env = [("BBKEYS_WORKSPACE", "globex")];
    let out = demo(home.path(), &env, &["--json", "keys", "list"]).await;
    ok(&out);
    let rows = json(&out);
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["workspace"] == "globex"), "{rows:?}");

    let out = demo(home.path(), &env, &["--json", "audit"]).await;
    ok(&out);
    assert_eq!(json(&out)["workspace"], "globex");

    let out = demo(home.path(), &env, &["--json", "repos"]).await;
    ok(&out);
    assert!(!json(&out).as_array().unwrap().is_empty());

    let out = demo(home.path(), &env, &["export"]).await;
    ok(&out);
    assert!(stdout(&out).contains("globex"), "{}", stdout(&out));

    // A workspace named on the command line wins.
    let out = demo(home.path(), &env, &["--json", "audit", "acme"]).await;
    ok(&out);
    assert_eq!(json(&out)["workspace"], "acme");

    // The fan-out forms take it as their --workspace.
    let env = [("BBKEYS_WORKSPACE", "acme")];
    let out = demo(
        home.path(),
        &env,
        &["--json", "keys", "rm", "--fingerprint", CI_FP, "--dry-run"],
    )
    .await;
    ok(&out);
    assert!(stdout(&out).contains("acme"), "{}", stdout(&out));
    let out = demo(home.path(), &env, &["--json", "keys", "find", CI_FP]).await;
    ok(&out);
    assert_eq!(json(&out)["workspace"], "acme");
}

#[tokio::test]
async fn no_workspace_anywhere_is_a_usage_error_that_says_how_to_name_one() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["keys", "list"],
        vec!["audit"],
        vec!["keys", "find", CI_FP],
        vec!["keys", "rm", "--fingerprint", CI_FP, "--dry-run"],
    ] {
        let out = demo(home.path(), &[], &args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("BBKEYS_WORKSPACE"), "{err}");
        assert!(err.contains("default_workspace"), "{err}");
    }
}

/// A config whose profile `work` holds the demo account's token and `default_workspace`.
fn profile_config(home: &Path, api_url: &str, default_workspace: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = home.join("profile.toml");
    std::fs::write(
        &path,
        format!(
            "request_timeout_secs = 2\nmax_tries = 2\nbackoff_ms = 5\n\n[profiles.work]\nemail = \"{}\"\ntoken = \"{}\"\napi_url = \"{api_url}\"\ndefault_workspace = \"{default_workspace}\"\n",
            cred::EMAIL,
            cred::TOKEN
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

#[tokio::test]
async fn the_profiles_default_workspace_is_used_and_the_environment_wins_over_it() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let cfg = profile_config(home.path(), &sim.api_url(), "initech");
    let cfg = cfg.to_str().unwrap();
    let out = bbkeys(
        home.path(),
        &[],
        &["--config", cfg, "--json", "keys", "list"],
        "",
    )
    .await;
    ok(&out);
    let rows = json(&out);
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["workspace"] == "initech"), "{rows:?}");

    let out = bbkeys(
        home.path(),
        &[("BBKEYS_WORKSPACE", "globex")],
        &["--config", cfg, "--json", "audit", "--cached"],
        "",
    )
    .await;
    // No scan of globex is stored yet: the error names the workspace the environment gave.
    assert!(stderr(&out).contains("globex"), "{}", stderr(&out));
}

#[tokio::test]
async fn all_workspaces_lists_finds_and_audits_every_workspace() {
    let home = tempfile::tempdir().unwrap();
    let out = demo(
        home.path(),
        &[],
        &["--json", "keys", "list", "--all-workspaces"],
    )
    .await;
    ok(&out);
    let mut seen: Vec<String> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["workspace"].as_str().unwrap().to_string())
        .collect();
    seen.dedup();
    assert_eq!(seen, ["acme", "globex", "initech"]);

    let out = demo(home.path(), &[], &["--json", "audit", "--all-workspaces"]).await;
    ok(&out);
    let docs = json(&out);
    let names: Vec<&str> = docs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["workspace"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme", "globex", "initech"]);

    let out = demo(
        home.path(),
        &[],
        &[
            "--json",
            "audit",
            "--all-workspaces",
            "--fields",
            "workspace,label",
        ],
    )
    .await;
    ok(&out);
    let rows = json(&out);
    let mut seen: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["workspace"].as_str().unwrap())
        .collect();
    seen.dedup();
    assert_eq!(
        seen,
        ["acme", "globex", "initech"],
        "one flat array of rows"
    );

    let out = demo(home.path(), &[], &["audit", "--all-workspaces", "--csv"]).await;
    ok(&out);
    let csv = stdout(&out);
    assert_eq!(csv.matches("workspace,scope,repo").count(), 1, "one header");
    for ws in ["acme,", "globex,", "initech,"] {
        assert!(csv.lines().any(|l| l.starts_with(ws)), "{ws} rows");
    }

    let out = demo(
        home.path(),
        &[],
        &["--json", "keys", "find", CI_FP, "--all-workspaces"],
    )
    .await;
    ok(&out);
    let found = json(&out);
    let found = found.as_array().unwrap();
    assert!(!found.is_empty());
    assert!(found.iter().all(|d| d["found"] == true), "{found:?}");
    assert!(found.iter().any(|d| d["workspace"] == "acme"));
}

#[tokio::test]
async fn fields_pick_json_keys_csv_and_table_columns() {
    let home = tempfile::tempdir().unwrap();
    let out = demo(
        home.path(),
        &[],
        &[
            "keys",
            "list",
            "acme/api",
            "--json",
            "--fields",
            "fingerprint,label,repo",
        ],
    )
    .await;
    ok(&out);
    let rows = json(&out);
    for row in rows.as_array().unwrap() {
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 3, "{row}");
        assert!(row.get("fingerprint").is_some() && row.get("label").is_some());
    }
    // Asked order is kept in the text.
    let text = stdout(&out);
    let (f, l) = (
        text.find("\"fingerprint\"").unwrap(),
        text.find("\"label\"").unwrap(),
    );
    assert!(f < l);

    let out = demo(
        home.path(),
        &[],
        &["keys", "list", "acme/api", "--csv", "--fields", "label,id"],
    )
    .await;
    ok(&out);
    let csv = stdout(&out);
    assert_eq!(csv.lines().next(), Some("label,id"));
    assert!(
        csv.lines().skip(1).all(|l| l.split(',').count() == 2),
        "{csv}"
    );

    let out = demo(
        home.path(),
        &[],
        &["keys", "list", "acme/api", "--fields", "label,fingerprint"],
    )
    .await;
    ok(&out);
    let table = stdout(&out);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["LABEL", "FINGERPRINT"]);

    for args in [
        vec!["workspaces", "--json", "--fields", "slug"],
        vec!["repos", "acme", "--fields", "slug,project", "--json"],
        vec!["audit", "acme", "--json", "--fields", "repo,findings"],
    ] {
        let out = demo(home.path(), &[], &args).await;
        ok(&out);
        let first = json(&out)[0].clone();
        let at = args.iter().position(|a| *a == "--fields").unwrap();
        let n = args[at + 1].split(',').count();
        assert_eq!(first.as_object().unwrap().len(), n, "{args:?}: {first}");
    }
}

#[tokio::test]
async fn an_unknown_field_is_refused_with_the_valid_ones() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["keys", "list", "acme", "--json", "--fields", "label,colour"],
        vec!["workspaces", "--fields", "colour"],
        vec!["audit", "acme", "--csv", "--fields", "colour"],
    ] {
        let out = demo(home.path(), &[], &args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        // Under --json the sentence is the message of one JSON object.
        assert!(
            err.contains("unknown field") && err.contains("colour"),
            "{err}"
        );
        assert!(err.contains("valid fields: "), "{err}");
        assert!(stdout(&out).is_empty());
    }
}

#[tokio::test]
async fn json_stays_a_switch() {
    let home = tempfile::tempdir().unwrap();
    // The positional after --json is the target, never taken for fields.
    let out = demo(home.path(), &[], &["keys", "list", "--json", "acme/api"]).await;
    ok(&out);
    let rows = json(&out);
    assert_eq!(rows[0].as_object().unwrap().len(), 12, "the full objects");
}

fn is_utc_z(s: &str) -> bool {
    s.ends_with('Z')
        && !s.contains("+00:00")
        && time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
}

#[tokio::test]
async fn every_output_writes_timestamps_as_rfc3339_utc_with_z() {
    let home = tempfile::tempdir().unwrap();
    let out = demo(home.path(), &[], &["keys", "list", "acme/api", "--json"]).await;
    ok(&out);
    for row in json(&out).as_array().unwrap() {
        for field in ["created_on", "last_used"] {
            if let Some(s) = row[field].as_str() {
                assert!(is_utc_z(s), "keys list --json {field}: {s}");
            }
        }
    }
    let out = demo(home.path(), &[], &["keys", "list", "acme/api", "--csv"]).await;
    ok(&out);
    let csv = stdout(&out);
    for line in csv.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let created = cols[cols.len() - 2];
        assert!(is_utc_z(created), "keys list --csv: {line}");
    }
    // keys list --csv and audit --csv now agree on the form.
    let out = demo(home.path(), &[], &["audit", "acme", "--csv"]).await;
    ok(&out);
    let audit = stdout(&out);
    for line in audit
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("acme,repository,api,"))
    {
        let cols: Vec<&str> = line.split(',').collect();
        assert!(is_utc_z(cols[10]), "audit --csv: {line}");
    }
}

#[tokio::test]
async fn repository_keys_name_their_project_in_json_and_csv() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["keys", "list", "acme", "--json"],
        vec!["keys", "list", "acme/api", "--json"],
    ] {
        let out = demo(home.path(), &[], &args).await;
        ok(&out);
        let rows = json(&out);
        let api: Vec<&Value> = rows
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["repo"] == "api")
            .collect();
        assert!(!api.is_empty());
        assert!(
            api.iter().all(|r| r["project"] == "API"),
            "{args:?}: {api:?}"
        );
    }
    let out = demo(home.path(), &[], &["keys", "list", "acme/api", "--csv"]).await;
    ok(&out);
    let csv = stdout(&out);
    assert!(
        csv.lines()
            .skip(1)
            .filter(|l| l.starts_with("acme,api,"))
            .all(|l| l.starts_with("acme,api,API,repository,")),
        "{csv}"
    );
    let out = demo(home.path(), &[], &["audit", "acme", "--csv"]).await;
    ok(&out);
    let csv = stdout(&out);
    let api: Vec<&str> = csv
        .lines()
        .filter(|l| l.starts_with("acme,repository,api,"))
        .collect();
    assert!(!api.is_empty(), "{csv}");
    assert!(
        api.iter()
            .all(|l| l.starts_with("acme,repository,api,API,")),
        "{api:?}"
    );
}

#[tokio::test]
async fn auth_status_logged_out_prints_the_status_and_exits_1() {
    let home = tempfile::tempdir().unwrap();
    let out = bbkeys(home.path(), &[], &["auth", "status"], "").await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("Not logged in"), "{}", stdout(&out));
    assert!(
        !stderr(&out).contains("bbkeys:"),
        "no error: {}",
        stderr(&out)
    );
    let out = bbkeys(home.path(), &[], &["--json", "auth", "status"], "").await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["logged_in"], false);
}

/// Every `bbkeys.log` under `dir`.
fn logs_under(dir: &Path) -> String {
    let mut text = String::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return text;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            text.push_str(&logs_under(&p));
        } else if p.file_name().is_some_and(|n| n == "bbkeys.log") {
            text.push_str(&std::fs::read_to_string(&p).unwrap());
        }
    }
    text
}

#[tokio::test]
async fn verbose_and_bbkeys_log_set_the_trace_level() {
    let sim = sim().await;
    let env = env_full(&sim);
    let mut env = env_ref(&env);
    env.push(("BBKEYS_LOG", "warn"));
    let quiet = tempfile::tempdir().unwrap();
    ok(&bbkeys(quiet.path(), &env, &["workspaces"], "").await);
    let text = logs_under(&quiet.path().join("state"));
    assert!(!text.contains("DEBUG") && !text.contains("INFO"), "{text}");

    let verbose = tempfile::tempdir().unwrap();
    ok(&bbkeys(verbose.path(), &env, &["-vv", "workspaces"], "").await);
    let text = logs_under(&verbose.path().join("state"));
    assert!(text.contains("TRACE") || text.contains("DEBUG"), "{text}");

    let one = tempfile::tempdir().unwrap();
    ok(&bbkeys(one.path(), &env, &["--verbose", "workspaces"], "").await);
    let text = logs_under(&one.path().join("state"));
    assert!(text.contains("DEBUG") && !text.contains("TRACE"), "{text}");
}

#[tokio::test]
async fn doctor_prints_the_trace_log_path() {
    let sim = sim().await;
    let env = env_full(&sim);
    let home = tempfile::tempdir().unwrap();
    let out = bbkeys(home.path(), &env_ref(&env), &["doctor"], "").await;
    ok(&out);
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.contains("trace log"))
        .unwrap_or_else(|| panic!("{text}"));
    let path = line.split_whitespace().last().unwrap();
    assert!(path.ends_with("bbkeys.log"), "{line}");
    assert!(Path::new(path).exists(), "{path}");
    assert!(path.starts_with(home.path().to_str().unwrap()), "{path}");
}
