//! `bbkeys apply`: a saved plan applied exactly, or a keys file planned and applied in one
//! step, as one journaled bulk change.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::super::context::Context;
use super::super::output::{CliError, Exit};
use super::plan::{PLAN_FORMAT, PlanArgs, plan_of, print_plan};
use crate::forge::{AccessKey, Permission, Place};
use crate::ops::bulk::{Change, NewKey, Plan, snapshot};
use crate::ops::desired::DesiredChange;
use crate::ops::keyops::find_fingerprint;
use crate::sshkey::PublicKey;

/// `bbkeys apply` options.
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// A plan saved by `plan --out`: applied exactly, after checking that nothing changed.
    #[arg(
        value_name = "PLAN",
        conflicts_with = "file",
        required_unless_present = "file"
    )]
    pub plan: Option<PathBuf>,
    /// Plan this keys file and apply it in one step (needs `--yes`).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Apply without asking.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Places you do not administer make the command exit 4 instead of being skipped.
    #[arg(long)]
    pub strict: bool,
}

/// Runs `bbkeys apply`: a saved plan, or a keys file planned and applied in one step.
///
/// Whatever the source, every touched place is read again just before the first write, and
/// each change is built from what is there now; a saved plan whose places changed is refused
/// (with the new plan), so what was reviewed is what is applied.
pub async fn apply(ctx: &Context, args: ApplyArgs) -> Result<Exit, CliError> {
    let changes = match (&args.plan, &args.file) {
        (Some(path), _) => read_saved_plan(path)?,
        (None, Some(file)) => {
            if !args.yes {
                return Err(CliError::new(
                    Exit::Usage,
                    "apply -f plans and applies in one step: pass --yes (or run `bbkeys plan -f` first and apply its saved plan)",
                ));
            }
            let plan_args = PlanArgs {
                file: file.clone(),
                out: None,
                detailed_exitcode: false,
                cached: false,
                strict: args.strict,
            };
            let (file, plan) = plan_of(ctx, &plan_args).await?;
            if !ctx.json {
                print_plan(&file, &plan);
            }
            if !plan.unreadable.is_empty() {
                return Err(CliError::new(
                    Exit::Partial,
                    "some places could not be read, so nothing was applied; run it again once they can be",
                ));
            }
            plan.changes
        }
        (None, None) => {
            return Err(CliError::new(
                Exit::Usage,
                "give a saved plan (`bbkeys apply plan.json`) or a keys file (`bbkeys apply -f keys.toml --yes`)",
            ));
        }
    };
    if changes.is_empty() {
        println!("Nothing to apply.");
        return Ok(Exit::Ok);
    }
    super::super::output::require_yes_off_terminal(args.yes, "apply")?;
    if !args.yes && !super::super::output::confirm(&format!("Apply {} change(s)?", changes.len())) {
        eprintln!("Nothing changed.");
        return Ok(Exit::Ok);
    }
    let bulk = to_bulk_plan(ctx, &changes).await?;
    super::super::bulk::execute_plan(ctx, &bulk, Exit::Ok).await
}

/// Reads a plan written by `plan --out`.
fn read_saved_plan(path: &Path) -> Result<Vec<DesiredChange>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::new(Exit::Error, format!("cannot read {}: {e}", path.display())))?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        CliError::new(
            Exit::Error,
            format!("{} is not a saved plan (JSON): {e}", path.display()),
        )
    })?;
    match doc["format"].as_u64() {
        Some(f) if f == u64::from(PLAN_FORMAT) => {}
        Some(f) => {
            return Err(CliError::new(
                Exit::Error,
                format!(
                    "{} is a plan of format {f}; this bbkeys reads format {PLAN_FORMAT}: make the plan again with this version",
                    path.display()
                ),
            ));
        }
        None => {
            return Err(CliError::new(
                Exit::Error,
                format!(
                    "{} is not a plan written by `bbkeys plan --out`",
                    path.display()
                ),
            ));
        }
    }
    let bad = |i: usize, what: &str| {
        CliError::new(
            Exit::Error,
            format!("{}: change {i}: {what}", path.display()),
        )
    };
    let mut out = Vec::new();
    for (i, c) in doc["changes"].as_array().into_iter().flatten().enumerate() {
        out.push(change_from_json(c).ok_or_else(|| bad(i + 1, "not a change this version knows"))?);
    }
    Ok(out)
}

fn change_from_json(c: &serde_json::Value) -> Option<DesiredChange> {
    let place: Place = serde_json::from_value(c["place"].clone()).ok()?;
    let text = |k: &str| c[k].as_str().map(String::from);
    let fingerprint = crate::sshkey::Fingerprint::parse(c["fingerprint"].as_str()?).ok()?;
    Some(match c["action"].as_str()? {
        "add" => DesiredChange::Add {
            place,
            name: text("name")?,
            key: text("key")?,
            fingerprint,
            label: text("label")?,
            permission: c["permission"].as_str()?.parse().ok()?,
            expiry_days: c["expiry_days"]
                .as_u64()
                .and_then(|d| u32::try_from(d).ok()),
        },
        "delete" => DesiredChange::Delete {
            place,
            id: c["id"].as_u64()?,
            fingerprint,
            label: text("label")?,
        },
        "relabel" => DesiredChange::Relabel {
            place,
            id: c["id"].as_u64()?,
            name: text("name")?,
            key: text("key")?,
            fingerprint,
            from: text("from")?,
            to: text("to")?,
        },
        _ => return None,
    })
}

/// Reads every touched place again and turns the changes into one journaled bulk plan. A
/// place where a change no longer fits (the key is already added, or gone, or relabelled) is
/// refused: nothing is written, and the reader is told to plan again. An add and a delete at
/// one place become a rotation, so the new key is there before the old one goes.
async fn to_bulk_plan(ctx: &Context, changes: &[DesiredChange]) -> Result<Plan, CliError> {
    let scopes: Vec<Place> = changes
        .iter()
        .map(|c| c.place().clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (fresh, unreadable) = snapshot(&ctx.client, &scopes).await;
    if let Some((scope, e)) = unreadable.first() {
        return Err(CliError::new(
            Exit::Partial,
            format!("{scope} could not be read again before applying, so nothing was applied: {e}"),
        ));
    }
    let mut drift = Vec::new();
    let mut adds: BTreeMap<Place, Vec<(NewKey, String)>> = BTreeMap::new();
    let mut deletes: BTreeMap<Place, Vec<AccessKey>> = BTreeMap::new();
    let mut bulk = Plan::default();
    for c in changes {
        let scope = c.place().clone();
        let held = fresh.get(&scope).map(Vec::as_slice).unwrap_or(&[]);
        let current = |fp: &crate::sshkey::Fingerprint| find_fingerprint(held, fp.as_str());
        match c {
            DesiredChange::Add {
                key,
                fingerprint,
                label,
                permission,
                ..
            } => {
                if *permission == Permission::Write {
                    drift.push(format!("{scope}: write access needs Data Center"));
                } else if current(fingerprint).is_some() {
                    drift.push(format!("{scope}: {fingerprint} is already there"));
                } else {
                    let parsed = PublicKey::parse(key).map_err(|e| {
                        CliError::new(Exit::Error, format!("the key to add to {scope}: {e}"))
                    })?;
                    adds.entry(scope)
                        .or_default()
                        .push((NewKey::from(&parsed), label.clone()));
                }
            }
            DesiredChange::Delete {
                id, fingerprint, ..
            } => match current(fingerprint) {
                Some(k) if k.id == *id => deletes.entry(scope).or_default().push(k.clone()),
                _ => drift.push(format!(
                    "{scope}: {fingerprint} (id {id}) is no longer there"
                )),
            },
            DesiredChange::Relabel {
                id,
                fingerprint,
                from,
                to,
                ..
            } => match current(fingerprint) {
                Some(k) if k.id == *id && k.label == *from => {
                    bulk.changes.push(Change::Relabel {
                        scope,
                        key: k.clone(),
                        new_label: to.clone(),
                    });
                }
                _ => drift.push(format!(
                    "{scope}: {fingerprint} is no longer there as {from:?}"
                )),
            },
            DesiredChange::SetPermission { .. } => {
                drift.push(format!("{scope}: permissions need Data Center"));
            }
        }
    }
    if !drift.is_empty() {
        return Err(CliError::new(
            Exit::Error,
            format!(
                "the places changed since the plan was made, so nothing was applied; run `bbkeys plan` again:\n  {}",
                drift.join("\n  ")
            ),
        ));
    }
    for (scope, mut added) in adds {
        let mut gone = deletes.remove(&scope).unwrap_or_default();
        while !added.is_empty() && !gone.is_empty() {
            let (Some((new, label)), Some(old)) = (added.pop(), gone.pop()) else {
                break;
            };
            bulk.changes.push(Change::Rotate {
                scope: scope.clone(),
                old,
                new,
                label,
            });
        }
        for (key, label) in added {
            bulk.changes.push(Change::Add {
                scope: scope.clone(),
                key,
                label,
            });
        }
        for key in gone {
            bulk.changes.push(Change::Delete {
                scope: scope.clone(),
                key,
            });
        }
    }
    for (scope, gone) in deletes {
        for key in gone {
            bulk.changes.push(Change::Delete {
                scope: scope.clone(),
                key,
            });
        }
    }
    Ok(bulk)
}
