//! `docs/ci.md` (issue 19): its YAML parses, and every bbkeys command line in it is one the
//! CLI accepts, so the examples cannot drift from the flags.

use std::path::Path;

use bbkeys::cli::Cli;
use clap::Parser;
use yaml_rust2::{Yaml, YamlLoader};

fn doc() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md")).unwrap()
}

/// The fenced blocks of one language, in order.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim() == format!("```{lang}") => current = Some(String::new()),
            Some(_) if line.trim() == "```" => out.extend(current.take()),
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    out
}

fn strings(y: &Yaml, out: &mut Vec<String>) {
    match y {
        Yaml::String(s) => out.push(s.clone()),
        Yaml::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Yaml::Hash(h) => h.iter().for_each(|(k, v)| {
            strings(k, out);
            strings(v, out);
        }),
        _ => {}
    }
}

/// Splits a shell command into words: whitespace separates, double quotes group.
fn words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in cmd.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    assert!(!quoted, "unbalanced quotes in {cmd}");
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The bbkeys invocations in a script line, up to the first redirection or operator.
fn invocations(script: &str) -> Vec<Vec<String>> {
    script
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("bbkeys "))
        .map(|l| {
            let end = [" > ", " >> ", " || ", " && ", " | ", ";"]
                .iter()
                .filter_map(|op| l.find(op))
                .min()
                .unwrap_or(l.len());
            words(&l[..end])
        })
        .collect()
}

#[test]
fn the_ci_examples_parse_and_their_commands_match_the_cli() {
    let text = doc();
    let yaml = blocks(&text, "yaml");
    assert_eq!(
        yaml.len(),
        2,
        "a Pipelines file and a GitHub Actions workflow"
    );
    for (i, block) in yaml.iter().enumerate() {
        let docs = YamlLoader::load_from_str(block).unwrap_or_else(|e| panic!("block {i}: {e}"));
        let mut all = Vec::new();
        docs.iter().for_each(|d| strings(d, &mut all));
        let commands: Vec<Vec<String>> = all.iter().flat_map(|s| invocations(s)).collect();
        for cmd in &commands {
            if let Err(e) = Cli::try_parse_from(cmd) {
                panic!("block {i}: `{}` is refused by the CLI:\n{e}", cmd.join(" "));
            }
        }
        let has = |needles: &[&str]| {
            commands
                .iter()
                .any(|c| needles.iter().all(|n| c.iter().any(|w| w == n)))
        };
        assert!(
            has(&["audit", "--format", "sarif"]),
            "block {i}: the SARIF audit"
        );
        assert!(
            has(&["audit", "--fail-on", "high"]),
            "block {i}: the gate on high"
        );
        assert!(
            has(&["audit", "--format", "markdown"]),
            "block {i}: the summary"
        );
        assert!(
            has(&["plan", "-f", "keys.toml", "--detailed-exitcode"]),
            "block {i}: the plan check"
        );
    }
    // The GitHub workflow uploads the SARIF and runs nightly.
    let gh = &YamlLoader::load_from_str(&yaml[1]).unwrap()[0];
    assert!(gh["on"]["schedule"][0]["cron"].as_str().is_some());
    let steps = gh["jobs"]["nightly-audit"]["steps"].as_vec().unwrap();
    assert!(steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))
    }));
    assert!(
        gh["permissions"]["security-events"].as_str() == Some("write"),
        "uploading SARIF needs security-events: write"
    );
}

#[test]
fn a_wrong_flag_in_the_examples_would_be_caught() {
    // The check above is only worth something if the CLI refuses what is wrong.
    let bad = invocations("bbkeys audit acme --fail-on critical > x.sarif");
    assert_eq!(bad[0], ["bbkeys", "audit", "acme", "--fail-on", "critical"]);
    assert!(Cli::try_parse_from(&bad[0]).is_err());
    assert!(Cli::try_parse_from(["bbkeys", "audit", "acme", "--format", "yaml"]).is_err());
}

#[test]
fn the_policy_example_is_a_valid_policy() {
    let toml = blocks(&doc(), "toml");
    assert_eq!(toml.len(), 1);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compromised-keys.txt"), "# none yet\n").unwrap();
    let file = dir.path().join("policy.toml");
    let codes = bbkeys::ops::policy::adapter::audit_codes();
    let p = bbkeys::ops::policy::Policy::parse_file(&toml[0], &file, &codes).unwrap();
    assert_eq!(p.max_reach, Some(10));
    assert!(p.label_pattern.is_some());
}
