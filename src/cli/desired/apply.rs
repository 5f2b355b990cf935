//! `bbkeys apply`: a saved plan applied exactly, or a keys file planned and applied in one
//! step, as one journaled bulk change.

use std::path::{Path, PathBuf};

use super::super::context::Context;
use super::super::output::{CliError, Exit};
use super::plan::{PLAN_FORMAT, PlanArgs, Relabels, plan_of, print_plan};
use crate::config::EditStrategy;
use crate::forge::Place;
use crate::ops::desired::{Applicable, ApplyRefusal, DesiredChange, set_permissions};

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
    let how = Relabels::of(ctx);
    // A saved plan is applied as it was planned: its relabels are made the way it says.
    let (changes, strategy) = match (&args.plan, &args.file) {
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
                print_plan(&file, &plan, how);
            }
            if !plan.unreadable.is_empty() {
                return Err(CliError::new(
                    Exit::Partial,
                    "some places could not be read, so nothing was applied; run it again once they can be",
                ));
            }
            (plan.changes, how.strategy)
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
    let Applicable {
        mut bulk,
        permissions,
    } = to_applicable(ctx, &changes).await?;
    bulk.edit_strategy = strategy;
    let mut exit = Exit::Ok;
    if !bulk.changes.is_empty() {
        exit = super::super::bulk::execute_plan(ctx, &bulk, Exit::Ok).await?;
    }
    // After the bulk plan, so a key added with another permission is there to change.
    for (place, result) in set_permissions(ctx.forge(), &permissions).await {
        match result {
            Ok(k) => println!("  ~ {place}: {} access: done", k.permission.as_str()),
            Err(e) => {
                eprintln!("bbkeys: {place}: {e}");
                exit = Exit::Partial;
            }
        }
    }
    Ok(exit)
}

/// Reads a plan written by `plan --out`, and how it makes its relabels (plans written before
/// `edit_strategy` was saved replace).
fn read_saved_plan(path: &Path) -> Result<(Vec<DesiredChange>, EditStrategy), CliError> {
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
    let strategy = match doc.get("edit_strategy") {
        None => EditStrategy::Replace,
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|_| bad(0, "edit_strategy is neither \"replace\" nor \"in-place\""))?,
    };
    Ok((out, strategy))
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
        "permission" => DesiredChange::SetPermission {
            place,
            id: c["id"].as_u64()?,
            fingerprint,
            from: c["from"].as_str()?.parse().ok()?,
            to: c["to"].as_str()?.parse().ok()?,
        },
        _ => return None,
    })
}

/// The shared conversion, with its refusals as exit codes: an unreadable place is partial.
async fn to_applicable(ctx: &Context, changes: &[DesiredChange]) -> Result<Applicable, CliError> {
    crate::ops::desired::to_applicable(ctx.forge(), changes)
        .await
        .map_err(|r| match r {
            ApplyRefusal::Unreadable(s) => CliError::new(Exit::Partial, s),
            ApplyRefusal::BadKey(s) => CliError::new(Exit::Error, s),
            ApplyRefusal::Drifted(lines) => CliError::new(
                Exit::Error,
                format!(
                    "the places changed since the plan was made, so nothing was applied; run `bbkeys plan` again:\n  {}",
                    lines.join("\n  ")
                ),
            ),
        })
}
