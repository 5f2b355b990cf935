//! Writes a keys file from what the forge holds: each key once per label (and permission),
//! with every place that holds it that way, so that planning the file against the same forge
//! gives no change.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::plan::Observed;
use crate::forge::{ForgeKind, Permission, Place};
use crate::sshkey::PublicKey;

/// One exported declaration: a key, a label and a permission, and where it is held so.
#[derive(Default)]
struct Group {
    key: String,
    repos: BTreeSet<String>,
    projects: BTreeSet<String>,
    expiry_days: Option<u32>,
}

/// The keys file text for `observed` on `forge`. Keys whose text cannot be read are left out
/// and counted in the returned number, so the caller can say so.
pub fn export_keys_file(observed: &Observed, forge: ForgeKind) -> (String, usize) {
    let mut groups: BTreeMap<(String, String, Permission), Group> = BTreeMap::new();
    let mut unreadable = 0;
    for (place, keys) in &observed.grants {
        for k in keys {
            let Ok(parsed) = PublicKey::from_server(&k.key) else {
                unreadable += 1;
                continue;
            };
            let fp = parsed.fingerprint().as_str().to_string();
            let g = groups
                .entry((fp, k.label.clone(), k.permission))
                .or_default();
            g.key = parsed.to_openssh_with_comment();
            g.expiry_days = g.expiry_days.or(k.expiry_days);
            match place {
                Place::Repository { owner, repo, .. } => g.repos.insert(format!("{owner}/{repo}")),
                Place::Project { owner, project, .. } => {
                    g.projects.insert(format!("{owner}/{project}"))
                }
            };
        }
    }
    let mut out = String::from(
        "# Access keys, written by `bbkeys export`. Each key is named by its fingerprint;\n# edit labels, repos and projects, then run `bbkeys plan -f` on this file.\n",
    );
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for ((fp, label, permission), g) in &groups {
        let base = name_from(label);
        let n = names.entry(base.clone()).or_default();
        *n += 1;
        let name = if *n == 1 { base } else { format!("{base}-{n}") };
        let _ = writeln!(out, "\n# {fp}\n[[key]]");
        let _ = writeln!(out, "name = {}", quote(&name));
        let _ = writeln!(out, "public_key = {}", quote(&g.key));
        let _ = writeln!(out, "label = {}", quote(&literal_template(label)));
        if !g.repos.is_empty() {
            let _ = writeln!(out, "repos = {}", list(&g.repos));
        }
        if !g.projects.is_empty() {
            let _ = writeln!(out, "projects = {}", list(&g.projects));
        }
        if forge == ForgeKind::DataCenter {
            let _ = writeln!(out, "permission = {}", quote(permission.as_str()));
            if let Some(d) = g.expiry_days {
                let _ = writeln!(out, "expiry_days = {d}");
            }
        }
    }
    (out, unreadable)
}

/// A label as a template that renders to itself: braces doubled.
fn literal_template(label: &str) -> String {
    label.replace('{', "{{").replace('}', "}}")
}

/// A readable, unique-enough name from a label.
fn name_from(label: &str) -> String {
    let mut s: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "key".to_string() } else { s }
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: &BTreeSet<String>) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}
