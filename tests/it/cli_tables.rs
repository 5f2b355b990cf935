//! CLI tables read by scripts and pagers: nothing is cut when standard output is not a
//! terminal (issue 14, item 10), and labels that hide zero-width characters are shown without
//! them while `--json` keeps the original text (item 14).

use bbkeys::demo::{Fault, FaultAction, key_line};
use bbkeys::sshkey::PublicKey;
use serde_json::Value;

use crate::common::*;

/// Longer than any cell a terminal table keeps whole (56 columns, 28 for audit labels).
const LONG: &str = "deploy-key-of-the-public-api-for-production-and-staging-and-the-mirrors";

fn fp(line: usize) -> String {
    PublicKey::parse(key_line(line).unwrap())
        .unwrap()
        .fingerprint()
        .to_string()
}

#[tokio::test]
async fn tables_are_not_cut_when_stdout_is_not_a_terminal() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let env = env_ref(&env);
    let run = |args: Vec<&str>| {
        let home = home.path().to_path_buf();
        let env = env.clone();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = bbkeys(&home, &env, &args, "").await;
            assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
            stdout(&out)
        }
    };
    // The CI key (line 1) sits on acme/api among many other places: relabel that copy.
    let ci = fp(1);
    let rows: Vec<Value> =
        serde_json::from_str(&run(vec!["--json", "keys", "list", "acme/api"]).await).unwrap();
    let id = rows
        .iter()
        .find(|r| r["fingerprint"] == ci.as_str() && r["scope"] == "repository")
        .unwrap()["id"]
        .to_string();
    let relabelled = run(vec!["keys", "relabel", "acme/api", &id, LONG, "--yes"]).await;
    assert!(!relabelled.contains('…'), "{relabelled}");

    let outputs = [
        ("journal list", run(vec!["journal", "list", "--all"]).await),
        ("keys list", run(vec!["keys", "list", "acme/api"]).await),
        (
            "keys find",
            run(vec!["keys", "find", &ci, "-w", "acme"]).await,
        ),
        ("audit", run(vec!["audit", "acme"]).await),
    ];
    for (what, out) in &outputs {
        assert!(!out.contains('…'), "{what} cut a cell:\n{out}");
    }
    // Where the relabel ran, and the new label, in full.
    assert!(outputs[0].1.contains("on acme/api"), "{}", outputs[0].1);
    for (what, out) in &outputs[1..] {
        assert!(out.contains(LONG), "{what}:\n{out}");
    }
}

/// Zero-width space, joiner, non-joiner and no-break space, a word joiner, and an escape
/// sequence that resets colours.
const HIDDEN: &str = "ci\u{200b}-de\u{200d}pl\u{200c}oy\u{feff}\u{2060}\u{1b}[0m";
const SHOWN: &str = "ci-deploy";

fn has_zero_width(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'))
}

#[tokio::test]
async fn tables_drop_zero_width_characters_and_json_keeps_them() {
    let sim = sim().await;
    sim.control().add_fault(Fault::prefix(
        "/2.0/repositories/acme/api/deploy-keys",
        FaultAction::label(HIDDEN),
    ));
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let ci = fp(1);
    for args in [
        vec!["keys", "list", "acme/api"],
        vec!["keys", "list", "acme"],
        vec!["keys", "find", &ci, "-w", "acme"],
        vec!["audit", "acme"],
    ] {
        let out = bbkeys(home.path(), &env_ref(&env), &args, "").await;
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(!has_zero_width(&text), "{args:?}: {text:?}");
        assert!(text.contains(SHOWN), "{args:?}: {text}");
    }
    let out = bbkeys(
        home.path(),
        &env_ref(&env),
        &["--json", "keys", "list", "acme/api"],
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Escaped by JSON: nothing invisible in the text itself, the original once parsed.
    assert!(!has_zero_width(&stdout(&out)), "{}", stdout(&out));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let api: Vec<&Value> = rows.iter().filter(|r| r["repo"] == "api").collect();
    assert!(!api.is_empty());
    for r in api {
        assert_eq!(r["label"], HIDDEN, "{r}");
    }
    // The holdings of `keys find --json` and `audit --json` are Bitbucket's rows too.
    for args in [
        vec!["--json", "keys", "find", &ci, "-w", "acme"],
        vec!["--json", "audit", "acme"],
    ] {
        let out = bbkeys(home.path(), &env_ref(&env), &args, "").await;
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(!has_zero_width(&stdout(&out)), "{args:?}");
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut api = Vec::new();
        holdings_at(&doc, "api", &mut api);
        assert!(!api.is_empty(), "{args:?}: no holding on acme/api");
        for h in api {
            assert_eq!(h["label"], HIDDEN, "{args:?}: {h}");
        }
    }
}

/// Every key holding (an object with `scope`, `repo` and `label`) on repository `repo`.
fn holdings_at<'v>(v: &'v Value, repo: &str, out: &mut Vec<&'v Value>) {
    match v {
        Value::Object(o) => {
            if o.get("repo").and_then(Value::as_str) == Some(repo)
                && o.contains_key("label")
                && o.contains_key("id")
            {
                out.push(v);
            }
            o.values().for_each(|v| holdings_at(v, repo, out));
        }
        Value::Array(a) => a.iter().for_each(|v| holdings_at(v, repo, out)),
        _ => {}
    }
}

/// One table serves both forges: on Cloud a project key's place names its workspace, and the
/// Data Center grant columns stay out.
#[tokio::test]
async fn the_cloud_keys_table_names_a_project_key_with_its_workspace_and_no_grant_columns() {
    let home = tempfile::tempdir().unwrap();
    let o = bbkeys(home.path(), &[], &["--demo", "keys", "list", "acme"], "").await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let header = out.lines().next().unwrap_or_default();
    let columns: Vec<&str> = header
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        columns,
        [
            "WHERE",
            "ID",
            "LABEL",
            "FINGERPRINT",
            "TYPE",
            "CREATED",
            "LAST USED"
        ],
        "{out}"
    );
    let ops = out
        .lines()
        .find(|l| l.contains("ops-readonly"))
        .unwrap_or_else(|| panic!("the OPS project key is missing: {out}"));
    assert!(ops.starts_with("acme project OPS "), "{ops}");
}
