//! `bbkeys plan`: a keys file checked completely before any request, then compared with what
//! the places it touches hold (or, with `--cached`, the stored scans of its workspaces). Exit codes follow the other commands, plus 6 for "there are
//! changes" under `--detailed-exitcode`, so a CI job can tell a clean plan from a failed one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use super::super::audit::obtain;
use super::super::context::Context;
use super::super::key_input::check_workspace;
use super::super::output::{CliError, Exit, print_json};
use crate::config::EditStrategy;
use crate::forge::{Caps, ForgeKind, Place};
use crate::ops::desired::{
    DesiredChange, DesiredPlan, KeysFile, Observed, RelabelMethod, observe_touched,
    parse_keys_file, plan_desired,
};
use crate::sanitize::clean_line;

/// The version of the plan document (`--json`, `--out`); a reader refuses what it does not know.
pub const PLAN_FORMAT: u32 = 1;

/// `bbkeys plan` options.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The keys file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    /// Also write the plan as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 6 when the plan has changes (0 when it has none).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan from the last stored scans (no requests).
    #[arg(long)]
    pub cached: bool,
    /// Places you do not administer make the plan exit 4 instead of being skipped.
    #[arg(long)]
    pub strict: bool,
}

/// Reads and checks the keys file for `forge` (whose fields it allows: permission and expiry
/// on Data Center only); every mistake is printed, and the command ends with exit 1.
fn read_file(path: &Path, forge: ForgeKind) -> Result<KeysFile, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::new(Exit::Error, format!("cannot read {}: {e}", path.display())))?;
    parse_keys_file(path, &text, forge, &|p| std::fs::read_to_string(p)).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        CliError::new(
            Exit::Error,
            format!(
                "{} has {} mistake(s); nothing was read from Bitbucket:\n  {}",
                path.display(),
                lines.len(),
                lines.join("\n  ")
            ),
        )
    })
}

/// The workspaces a plan must read: every owner the file names. A wildcard owner would need
/// every workspace; it is refused for now, with the reason.
fn workspaces_of(file: &KeysFile) -> Result<BTreeSet<String>, CliError> {
    let mut out = BTreeSet::new();
    let selectors = file
        .keys
        .iter()
        .flat_map(|k| k.repos.iter())
        .chain(file.prune.iter().flat_map(|p| p.scopes.iter()));
    for s in selectors {
        if !s.glob.owner_is_literal() {
            return Err(CliError::new(
                Exit::Usage,
                format!(
                    "{}:{}:{}: {} has a wildcard workspace; name the workspace, such as \"acme/*\"",
                    file.path.display(),
                    s.at.line,
                    s.at.column,
                    s.glob
                ),
            ));
        }
        out.insert(s.glob.owner().to_string());
    }
    out.extend(
        file.keys
            .iter()
            .flat_map(|k| k.projects.iter().map(|(o, _)| o.clone())),
    );
    Ok(out)
}

/// Runs `bbkeys plan`.
pub async fn plan(ctx: &Context, args: PlanArgs) -> Result<Exit, CliError> {
    let (file, plan) = plan_of(ctx, &args).await?;
    let how = Relabels::of(ctx);
    let doc = plan_document(&file, &plan, how);
    if let Some(out) = &args.out {
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| CliError::new(Exit::Error, format!("cannot write the plan: {e}")))?;
        write_atomically(out, &(text + "\n"))?;
    }
    if ctx.json {
        print_json(&doc)?;
    } else {
        print_plan(&file, &plan, how);
    }
    Ok(plan_exit(&plan, &args))
}

fn plan_exit(plan: &DesiredPlan, args: &PlanArgs) -> Exit {
    if !plan.unreadable.is_empty() || (args.strict && !plan.not_permitted.is_empty()) {
        Exit::Partial
    } else if args.detailed_exitcode && !plan.changes.is_empty() {
        Exit::Changes
    } else {
        Exit::Ok
    }
}

/// How relabels will be made: the config's `edit_strategy` and what the forge can do.
#[derive(Debug, Clone, Copy)]
pub(super) struct Relabels {
    /// The forge's capabilities.
    pub caps: Caps,
    /// The strategy asked for.
    pub strategy: EditStrategy,
}

impl Relabels {
    /// For the forge and config of `ctx`.
    pub(super) fn of(ctx: &Context) -> Relabels {
        Relabels {
            caps: ctx.forge().caps(),
            strategy: ctx.config.edit_strategy,
        }
    }

    fn method(self, c: &DesiredChange) -> Option<RelabelMethod> {
        c.relabel_method(self.caps, self.strategy)
    }
}

fn describe(c: &DesiredChange, how: Relabels) -> String {
    let place = c.place();
    match c {
        DesiredChange::Add { label, name, .. } => {
            format!("{place}: add {name} as {:?}", clean_line(label))
        }
        DesiredChange::Delete {
            label, fingerprint, ..
        } => format!(
            "{place}: delete {:?} ({fingerprint}), not declared",
            clean_line(label)
        ),
        DesiredChange::Relabel { from, to, .. } => format!(
            "{place}: relabel {:?} to {:?} ({})",
            clean_line(from),
            clean_line(to),
            match how.method(c) {
                Some(RelabelMethod::InPlace) => "in place",
                _ => "delete, then add again",
            }
        ),
        DesiredChange::SetPermission { from, to, .. } => format!(
            "{place}: change permission from {} to {}",
            from.as_str(),
            to.as_str()
        ),
    }
}

pub(super) fn print_plan(file: &KeysFile, plan: &DesiredPlan, how: Relabels) {
    for w in &plan.warnings {
        eprintln!("bbkeys: warning: {}:{w}", file.path.display());
    }
    if !plan.not_permitted.is_empty() {
        eprintln!(
            "bbkeys: skipped {} place(s) you do not administer: {}",
            plan.not_permitted.len(),
            names(&plan.not_permitted)
        );
    }
    if !plan.unreadable.is_empty() {
        eprintln!(
            "bbkeys: {} place(s) could not be read, so the plan is incomplete: {}",
            plan.unreadable.len(),
            names(&plan.unreadable)
        );
    }
    if plan.changes.is_empty() {
        println!(
            "No changes: Bitbucket holds what {} declares.",
            file.path.display()
        );
        return;
    }
    for c in &plan.changes {
        println!("{:>3} {}", c.symbol(), describe(c, how));
    }
    let count = |f: fn(&DesiredChange) -> bool| plan.changes.iter().filter(|c| f(c)).count();
    println!(
        "Plan: {} to add, {} to relabel, {} to delete, {} permission change(s); {} request(s).",
        count(|c| matches!(c, DesiredChange::Add { .. })),
        count(|c| matches!(c, DesiredChange::Relabel { .. })),
        count(|c| matches!(c, DesiredChange::Delete { .. })),
        count(|c| matches!(c, DesiredChange::SetPermission { .. })),
        request_cost(plan, how)
    );
}

/// Requests an apply makes: one per add, delete, permission change and in-place relabel, two
/// per replacing relabel, plus the re-read of every touched place before the first write.
fn request_cost(plan: &DesiredPlan, how: Relabels) -> usize {
    let places: BTreeSet<&Place> = plan.changes.iter().map(DesiredChange::place).collect();
    let writes: usize = plan
        .changes
        .iter()
        .map(|c| match how.method(c) {
            Some(RelabelMethod::Replace) => 2,
            _ => 1,
        })
        .sum();
    writes + places.len()
}

fn names(places: &[Place]) -> String {
    places
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn plan_document(file: &KeysFile, plan: &DesiredPlan, how: Relabels) -> serde_json::Value {
    let changes: Vec<serde_json::Value> = plan
        .changes
        .iter()
        .map(|c| {
            let mut v = match c {
                DesiredChange::Add { name, key, fingerprint, label, permission, expiry_days, .. } => serde_json::json!({
                    "action": "add", "name": name, "key": key, "fingerprint": fingerprint.as_str(),
                    "label": label, "permission": permission.as_str(), "expiry_days": expiry_days,
                }),
                DesiredChange::Delete { id, fingerprint, label, .. } => serde_json::json!({
                    "action": "delete", "id": id, "fingerprint": fingerprint.as_str(), "label": label,
                }),
                DesiredChange::Relabel { id, name, key, fingerprint, from, to, .. } => serde_json::json!({
                    "action": "relabel", "id": id, "name": name, "key": key,
                    "fingerprint": fingerprint.as_str(), "from": from, "to": to,
                    "method": how.method(c).map(RelabelMethod::as_str),
                }),
                DesiredChange::SetPermission { id, fingerprint, from, to, .. } => serde_json::json!({
                    "action": "permission", "id": id, "fingerprint": fingerprint.as_str(),
                    "from": from.as_str(), "to": to.as_str(),
                }),
            };
            v["place"] = serde_json::to_value(c.place()).unwrap_or_default();
            v
        })
        .collect();
    serde_json::json!({
        "format": PLAN_FORMAT,
        "file": file.path.display().to_string(),
        "edit_strategy": how.strategy,
        "changes": changes,
        "warnings": plan.warnings,
        "unreadable": plan.unreadable,
        "not_permitted": plan.not_permitted,
        "request_cost": request_cost(plan, how),
    })
}

/// Plans `args.file` (shared by `plan` and `apply -f`).
pub(super) async fn plan_of(
    ctx: &Context,
    args: &PlanArgs,
) -> Result<(KeysFile, DesiredPlan), CliError> {
    let file = read_file(&args.file, ctx.kind())?;
    let workspaces = workspaces_of(&file)?;
    let observed = if args.cached {
        let mut observed = Observed::default();
        let now = OffsetDateTime::now_utc();
        for ws in workspaces {
            let got = obtain(ctx, &ws, true, now).await?;
            observed.add_snapshot(&got.snapshot);
        }
        observed
    } else {
        for ws in &workspaces {
            check_workspace(ws)?;
        }
        // Only what the file touches is read; a partial read is not stored as a scan.
        observe_touched(ctx.forge(), &file).await?
    };
    let plan = plan_desired(&file, &observed).map_err(|errors| {
        CliError::new(
            Exit::Error,
            format!("{}:\n  {}", file.path.display(), errors.join("\n  ")),
        )
    })?;
    Ok((file, plan))
}

/// Writes `text` to `path` through a temporary file, so a reader never sees half a file.
pub(super) fn write_atomically(path: &Path, text: &str) -> Result<(), CliError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| CliError::new(Exit::Error, format!("cannot write {}: {e}", path.display())))
}
