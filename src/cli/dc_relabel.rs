//! `keys relabel` on Data Center. A label belongs to the key and is shared by every grant, and
//! no REST call changes it, so a new label means a replace-everywhere: every grant the
//! credential can see is revoked, then the key is added again at each with the new label and
//! the grant's permission and expiry (`ops::keyops::KeyOps::replace_everywhere`, journaled as
//! one batch). It is shown grant by grant and needs a typed confirmation, or `--yes`.

use std::io::Write;
use std::sync::atomic::AtomicBool;

use super::cli_error::op_error;
use super::context::Context;
use super::key_input::{BulkArgs, check_label};
use super::output::{CliError, Exit, print_json, require_yes_off_terminal};
use super::stop_signal::StopOnSignal;
use crate::forge::{AccessKey, Place, UsageSearch};
use crate::ops::keyops::{Grant, KeyOps, fingerprint_of, list_keys};
use crate::sanitize::{clean_cell, clean_line};
use crate::sshkey::Fingerprint;

/// Which key to relabel.
pub(super) enum Which<'a> {
    /// `keys relabel PROJ/repo <id|SHA256:...> <label>`: the key of a grant at `scope`.
    At {
        /// Where the key is granted.
        scope: &'a Place,
        /// Its id or fingerprint.
        key: &'a str,
    },
    /// `keys relabel --fingerprint SHA256:... -w PROJ --label <label>`.
    InProject {
        /// The project whose listings hold the key.
        project: &'a str,
        /// The key's fingerprint.
        fingerprint: &'a str,
    },
}

const COSTS: &str = "While it runs, none of these places accepts the key. Each expiry starts again from today, the last-used date is lost and the key's id may change. A grant this credential cannot see keeps the key, and with it the old label. Results are limited to what this credential may see.";

/// Runs the replace-everywhere relabel.
pub(super) async fn run(
    ctx: &Context,
    which: Which<'_>,
    new_label: &str,
    bulk: BulkArgs,
) -> Result<Exit, CliError> {
    let new_label = check_label(new_label)?;
    if new_label.contains('{') || new_label.contains('}') {
        return Err(CliError::new(
            Exit::Usage,
            "on Bitbucket Data Center one label is shared by every grant of a key, so it cannot be a template: give it as plain text",
        ));
    }
    let key = match which {
        Which::At { scope, key } => super::single::resolve_key(ctx, scope, key).await?,
        Which::InProject {
            project,
            fingerprint,
        } => in_project(ctx, project, fingerprint).await?,
    };
    let shown = fingerprint_of(&key).map_or_else(|| format!("key {}", key.id), |f| f.to_string());
    if key.label == new_label {
        println!("{shown} is already labelled {new_label:?}; nothing to do.");
        return Ok(Exit::Ok);
    }
    let grants = grants_of(ctx, &key).await?;
    if ctx.json && bulk.dry_run {
        print_json(&serde_json::json!({
            "dry_run": true,
            "id": key.id,
            "fingerprint": fingerprint_of(&key).map(|f| f.to_string()),
            "label": clean_line(&key.label),
            "new_label": clean_line(&new_label),
            "grants": grants.iter().map(|(p, g)| serde_json::json!({
                "where": p.to_string(),
                "permission": g.permission,
                "expiry_days": g.expiry_days,
            })).collect::<Vec<_>>(),
            "limited_to_credential": true,
        }))?;
        return Ok(Exit::Ok);
    }
    if !ctx.json {
        print_grants(&shown, &key, &new_label, &grants);
    }
    if bulk.dry_run {
        println!("(dry run: nothing changed)");
        return Ok(Exit::Ok);
    }
    require_yes_off_terminal(bulk.yes, "relabel a key at every grant")?;
    if !bulk.yes && !typed_yes(grants.len()) {
        eprintln!("Nothing changed.");
        return Ok(Exit::Ok);
    }
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let _guard = StopOnSignal::install(stop.clone());
    let journal = ctx.journal();
    let ops = KeyOps {
        forge: ctx.forge(),
        journal: &journal,
        stop: Some(&stop),
    };
    let done = ops
        .replace_everywhere(&key, &grants, &new_label)
        .await
        .map_err(op_error)?;
    let exit = if done.label_kept.is_empty() {
        Exit::Ok
    } else {
        Exit::Partial
    };
    if ctx.json {
        print_json(&serde_json::json!({
            "status": "replaced",
            "batch": done.batch,
            "places": done.places.iter().map(|(p, k)| serde_json::json!({
                "where": p.to_string(),
                "id": k.id,
                "label": clean_line(&k.label),
                "permission": k.permission,
                "expiry_days": k.expiry_days,
            })).collect::<Vec<_>>(),
            "label_kept": done.label_kept.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        }))?;
    } else {
        println!(
            "{shown} was revoked and re-added at {} place(s): {}.",
            done.places.len(),
            clean_line(&done.summary(&new_label))
        );
    }
    if exit != Exit::Ok {
        eprintln!(
            "bbkeys: warning: the server kept the old label: a grant this credential cannot see keeps the key. Change the label in the Bitbucket UI, or ask an administrator of those places."
        );
    }
    Ok(exit)
}

/// Every grant of `key` the credential can see, with its permission and the key's expiry.
async fn grants_of(ctx: &Context, key: &AccessKey) -> Result<Vec<(Place, Grant)>, CliError> {
    let mut grants = Vec::new();
    // Every grant, not only what the two lookups show: one missed here would be lost.
    let usage = ctx.forge().usage(key.id, UsageSearch::Thorough).await?;
    for place in usage.places {
        let keys = list_keys(ctx.forge(), &place).await?;
        if let Some(k) = keys.iter().find(|k| k.id == key.id) {
            grants.push((place, Grant::of(k)));
        }
    }
    if grants.is_empty() {
        return Err(CliError::new(
            Exit::Error,
            format!(
                "key {} is granted nowhere this credential may see, so nothing can be relabelled",
                key.id
            ),
        ));
    }
    Ok(grants)
}

fn print_grants(shown: &str, key: &AccessKey, new_label: &str, grants: &[(Place, Grant)]) {
    println!(
        "On Bitbucket Data Center a label belongs to the key and no REST call changes it. To label {shown} ('{}', id {}) '{}', each of its {} grant(s) is revoked, then the key is added again with the same permission and expiry:",
        clean_line(&key.label),
        key.id,
        clean_line(new_label),
        grants.len()
    );
    let rows: Vec<Vec<String>> = grants
        .iter()
        .map(|(p, g)| {
            vec![
                clean_cell(&p.to_string()),
                g.permission.as_str().to_string(),
                g.expiry_days.map_or_else(
                    || "no expiry".into(),
                    |d| format!("{d} days from the re-add"),
                ),
            ]
        })
        .collect();
    super::output::print_table(&["WHERE", "PERMISSION", "EXPIRY"], &rows);
    println!("{COSTS}");
}

/// Asks for the number of grants to be typed back.
fn typed_yes(grants: usize) -> bool {
    eprint!("Type {grants} to revoke and re-add the key at {grants} grant(s): ");
    let _ = std::io::stderr().flush();
    typed_answer(std::io::stdin().lock(), grants)
}

/// Whether the line read from `input` is the number of grants.
fn typed_answer(mut input: impl std::io::BufRead, grants: usize) -> bool {
    let mut answer = String::new();
    let _ = input.read_line(&mut answer);
    answer.trim() == grants.to_string()
}

/// The key with `fingerprint` in the listings of `project`'s repositories and the project.
async fn in_project(
    ctx: &Context,
    project: &str,
    fingerprint: &str,
) -> Result<AccessKey, CliError> {
    let fp =
        Fingerprint::parse(fingerprint).map_err(|e| CliError::new(Exit::Usage, e.to_string()))?;
    let scan = super::scan_cost::scan(ctx, project).await?;
    scan.repo_keys
        .values()
        .chain(scan.project_keys.values())
        .filter_map(|r| r.as_ref().ok())
        .flatten()
        .find(|k| fingerprint_of(k).as_ref() == Some(&fp))
        .cloned()
        .ok_or_else(|| {
            CliError::new(
                Exit::Error,
                format!("{fp} is on none of the repositories and projects of {project} that this credential administers"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_number_of_grants_typed_back_confirms() {
        assert!(typed_answer(&b"3\n"[..], 3));
        assert!(typed_answer(&b"  3  \n"[..], 3));
        for no in ["y\n", "yes\n", "2\n", "\n", ""] {
            assert!(!typed_answer(no.as_bytes(), 3), "{no:?}");
        }
    }
}
