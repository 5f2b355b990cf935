//! The fan-out forms of `keys add|rm|relabel|rotate`: plan, confirm, re-check, apply.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::bulk_report::{
    ask_to_apply, print_dry_run, print_plan, report_results, report_unreadable,
};
use super::context::Context;
use super::key_input::{BulkArgs, check_workspace};
use super::key_input::{check_label, read_key};
use super::label_projects::projects_for_template;
use super::output::print_json;
use super::output::{CliError, Exit};
use super::skipped::{Skipped, read_failure_exit, worst};
use super::stop_signal::StopOnSignal;
use crate::forge::Place;
use crate::forge::valid_slug;
use crate::ops::bulk::{
    BulkRequest, ItemStatus, NewKey, Plan, Snapshot, apply, snapshot, stage, validate_template,
};
use crate::ops::keyops::{KeyOps, fingerprint_of};
use crate::sshkey::{Fingerprint, PublicKey};

/// `keys add <ws>/<repo>... --key --label`.
pub async fn add_many(
    ctx: &Context,
    scopes: Vec<Place>,
    source: &str,
    label: &str,
    args: BulkArgs,
) -> Result<Exit, CliError> {
    let label = check_label(label)?;
    let key = read_key(source)?;
    let projects = projects_for_template(ctx, &label, &scopes).await?;
    let request = BulkRequest::Add {
        key: NewKey::from(&key),
        label,
        scopes,
    };
    let (snap, unreadable) = snapshot(ctx.forge(), &request.scopes()).await;
    report_unreadable(ctx, &unreadable);
    // The places were named on the command line: one that cannot be read is a failure, never
    // a place to skip.
    let read = if unreadable.is_empty() {
        Exit::Ok
    } else {
        Exit::Partial
    };
    let skipped = Skipped::default();
    let reads = Reads {
        exit: read,
        skipped: &skipped,
    };
    run_plan(ctx, request, snap, projects, args, reads, Mode::Apply).await
}

/// What a workspace scan says about where a key is.
struct Holders {
    snapshot: Snapshot,
    projects: BTreeMap<Place, String>,
    scopes: Vec<Place>,
    /// Places that could not be read, places not administered left out.
    unreadable: Vec<(Place, crate::forge::ForgeError)>,
    /// Places skipped because the credential does not administer them.
    skipped: Skipped,
}

impl Holders {
    /// Every holder paired with the fingerprint, as a request's targets.
    fn targets(&self, fp: &Fingerprint) -> Vec<(Place, Fingerprint)> {
        self.scopes
            .iter()
            .map(|s| (s.clone(), fp.clone()))
            .collect()
    }

    /// Plans and applies `request` on what the scan found; exit 4 if some places were
    /// unreadable (3 if each for a credential problem), or under `strict` if some were skipped.
    async fn run(
        self,
        ctx: &Context,
        request: BulkRequest,
        args: BulkArgs,
        strict: bool,
        mode: Mode,
    ) -> Result<Exit, CliError> {
        let failed: Vec<&crate::forge::ForgeError> =
            self.unreadable.iter().map(|(_, e)| e).collect();
        let read = worst(read_failure_exit(&failed), self.skipped.exit(strict));
        let skipped = self.skipped;
        run_plan(
            ctx,
            request,
            self.snapshot,
            self.projects,
            args,
            Reads {
                exit: read,
                skipped: &skipped,
            },
            mode,
        )
        .await
    }
}

/// What reading the places before a plan found: the exit code it earned, and the places
/// skipped.
struct Reads<'a> {
    exit: Exit,
    skipped: &'a Skipped,
}

/// Whether a plan is applied at once, or staged (rotations only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Every change in full.
    Apply,
    /// Step one of a staged rotation.
    Stage,
}

async fn holders(
    ctx: &Context,
    ws: &str,
    fp: &Fingerprint,
    only_repos: &[String],
) -> Result<Holders, CliError> {
    check_workspace(ws)?;
    for r in only_repos {
        if !valid_slug(r) {
            return Err(CliError::new(
                Exit::Usage,
                format!("--repo {r:?} is not a repository slug"),
            ));
        }
    }
    let mut snap_all = Snapshot::new();
    let mut projects = BTreeMap::new();
    let mut unreadable = Vec::new();
    if only_repos.is_empty() {
        let scan = super::scan_cost::scan(ctx, ws).await?;
        for r in &scan.repositories {
            if let Some(p) = &r.project {
                projects.insert(Place::repository(ctx.kind(), ws, r.slug.clone()), p.clone());
            }
        }
        for (slug, keys) in scan.repo_keys {
            let scope = Place::repository(ctx.kind(), ws, slug);
            match keys {
                Ok(k) => {
                    snap_all.insert(scope, k);
                }
                Err(e) => unreadable.push((scope, e)),
            }
        }
        for (key, keys) in scan.project_keys {
            let scope = Place::project(ctx.kind(), ws, key);
            match keys {
                Ok(k) => {
                    snap_all.insert(scope, k);
                }
                Err(e) => unreadable.push((scope, e)),
            }
        }
    } else {
        let scopes: Vec<Place> = only_repos
            .iter()
            .map(|r| Place::repository(ctx.kind(), ws, r.clone()))
            .collect();
        let (snap, failed) = snapshot(ctx.forge(), &scopes).await;
        snap_all = snap;
        unreadable = failed;
    }
    let scopes: Vec<Place> = snap_all
        .iter()
        .filter(|(_, keys)| keys.iter().any(|k| fingerprint_of(k).as_ref() == Some(fp)))
        .map(|(s, _)| s.clone())
        .collect();
    let (skipped, unreadable) = Skipped::split(unreadable);
    report_unreadable(ctx, &unreadable);
    if scopes.is_empty() {
        let where_ = if only_repos.is_empty() {
            format!("any repository or project of {ws}")
        } else {
            format!("the named repositories of {ws}")
        };
        let mut msg = format!("the key {fp} is not on {where_}");
        if !unreadable.is_empty() {
            msg.push_str(&format!(" ({} could not be read)", unreadable.len()));
        }
        if let Some(note) = skipped.note() {
            msg.push_str(&format!("; {note}"));
        }
        return Err(CliError::new(Exit::Error, msg));
    }
    Ok(Holders {
        snapshot: snap_all,
        projects,
        scopes,
        unreadable,
        skipped,
    })
}

fn parse_fingerprint(s: &str) -> Result<Fingerprint, CliError> {
    Fingerprint::parse(s).map_err(|e| CliError::new(Exit::Usage, format!("{s}: {e}")))
}

/// `keys rm --fingerprint --workspace [--repo ...]`.
pub async fn remove_everywhere(
    ctx: &Context,
    ws: &str,
    fp: &str,
    repos: &[String],
    args: BulkArgs,
    strict: bool,
) -> Result<Exit, CliError> {
    let fp = parse_fingerprint(fp)?;
    let h = holders(ctx, ws, &fp, repos).await?;
    let request = BulkRequest::Delete {
        targets: h.targets(&fp),
    };
    h.run(ctx, request, args, strict, Mode::Apply).await
}

/// `keys relabel --fingerprint --workspace --label`.
pub async fn relabel_everywhere(
    ctx: &Context,
    ws: &str,
    fp: &str,
    template: &str,
    args: BulkArgs,
    strict: bool,
) -> Result<Exit, CliError> {
    let fp = parse_fingerprint(fp)?;
    validate_template(template).map_err(|e| CliError::new(Exit::Usage, e))?;
    let h = holders(ctx, ws, &fp, &[]).await?;
    let request = BulkRequest::Relabel {
        targets: h.targets(&fp),
        template: template.to_string(),
    };
    h.run(ctx, request, args, strict, Mode::Apply).await
}

/// What `keys rotate` asks for.
#[derive(Debug, Clone, Copy)]
pub struct Rotation<'a> {
    /// The old key: `SHA256:...` or a `.pub` file.
    pub from: &'a str,
    /// The new key's `.pub` file, or `-`.
    pub to: &'a str,
    /// The new key's label, if not the old one's.
    pub label: Option<&'a str>,
    /// Only these repositories; empty for the whole workspace.
    pub repos: &'a [String],
    /// Staged: add now, remove the old key once the new one is used.
    pub stage: bool,
}

/// `keys rotate --from --to --workspace [--label] [--stage]`.
pub async fn rotate(
    ctx: &Context,
    ws: &str,
    rotation: Rotation<'_>,
    args: BulkArgs,
    strict: bool,
) -> Result<Exit, CliError> {
    let Rotation {
        from,
        to,
        label,
        repos,
        stage,
    } = rotation;
    let from_fp = if from.starts_with("SHA256:") || from.starts_with("sha256:") {
        parse_fingerprint(from)?
    } else {
        read_any_key(from)?.fingerprint()
    };
    let new = read_key(to)?;
    if new.fingerprint() == from_fp {
        return Err(CliError::new(
            Exit::Usage,
            "--from and --to are the same key",
        ));
    }
    let label = label.map(check_label).transpose()?;
    let h = holders(ctx, ws, &from_fp, repos).await?;
    let request = BulkRequest::Rotate {
        from: from_fp,
        to: NewKey::from(&new),
        label,
        scopes: h.scopes.clone(),
    };
    let mode = if stage { Mode::Stage } else { Mode::Apply };
    h.run(ctx, request, args, strict, mode).await
}

/// The old key of a rotation may be weak (that may be why it is rotated): read it leniently.
fn read_any_key(path: &str) -> Result<PublicKey, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::new(Exit::Error, format!("cannot read the key file {path}: {e}")))?;
    PublicKey::from_server(text.trim())
        .map_err(|e| CliError::new(Exit::Error, format!("{path}: {e}")))
}

async fn run_plan(
    ctx: &Context,
    request: BulkRequest,
    snap: Snapshot,
    projects: BTreeMap<Place, String>,
    args: BulkArgs,
    reads: Reads<'_>,
    mode: Mode,
) -> Result<Exit, CliError> {
    let Reads {
        exit: read,
        skipped,
    } = reads;
    let mut plan = request.plan(&snap, &projects);
    // A dry run's JSON document lists the skipped places itself; stderr gets no second copy.
    if !(args.dry_run && ctx.json) {
        skipped.print(ctx.json);
    }
    if args.dry_run {
        if ctx.json {
            print_dry_run(&plan, skipped)?;
        } else {
            print_plan(ctx, &plan, "Plan (dry run: nothing will change):")?;
        }
        return Ok(read);
    }
    if !args.yes && !std::io::stdin().is_terminal() {
        print_plan(ctx, &plan, "Plan:")?;
        return Err(CliError::new(
            Exit::Usage,
            "refusing to change keys without confirmation: stdin is not a terminal, so pass --yes (or --dry-run to only see the plan)",
        ));
    }
    print_plan(ctx, &plan, "Plan:")?;
    if mode == Mode::Stage && !ctx.json && !plan.is_empty() {
        println!(
            "Staged: the new key is added now; each old key stays until the new key has been used on its place (`bbkeys journal advance`) or the rotation is finished (`bbkeys journal finish <id>`)."
        );
    }
    if plan.is_empty() {
        if !ctx.json {
            println!("Nothing to do.");
        } else {
            print_json(&Vec::<serde_json::Value>::new())?;
        }
        return Ok(read);
    }
    if !args.yes && !ask_to_apply(&plan) {
        eprintln!("Nothing changed.");
        return Ok(Exit::Ok);
    }
    // Just before applying, read the remote state again; if it drifted, show the new plan.
    for _ in 0..3 {
        let (fresh, _) = snapshot(ctx.forge(), &request.scopes_with_projects(&projects)).await;
        let replanned = request.plan(&fresh, &projects);
        if replanned == plan {
            break;
        }
        print_plan(
            ctx,
            &replanned,
            "The keys changed since the plan was made. New plan:",
        )?;
        plan = replanned;
        if plan.is_empty() {
            println!("Nothing to do any more.");
            return Ok(read);
        }
        if !args.yes && !ask_to_apply(&plan) {
            eprintln!("Nothing changed.");
            return Ok(Exit::Ok);
        }
    }
    execute(ctx, &plan, read, mode).await
}

/// Applies `plan` (journaled as one batch), stores what it changed in the scan cache and
/// reports each item; `read` is the exit code the reads before it earned.
pub(super) async fn execute_plan(ctx: &Context, plan: &Plan, read: Exit) -> Result<Exit, CliError> {
    execute(ctx, plan, read, Mode::Apply).await
}

/// Applies or stages `plan`; see [`execute_plan`].
async fn execute(ctx: &Context, plan: &Plan, read: Exit, mode: Mode) -> Result<Exit, CliError> {
    let stop = Arc::new(AtomicBool::new(false));
    let _guard = StopOnSignal::install(stop.clone());
    let journal = ctx.journal();
    let ops = KeyOps {
        forge: ctx.forge(),
        journal: &journal,
        stop: Some(&stop),
    };
    let total = plan.changes.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let show = !(ctx.quiet || ctx.json) && std::io::stderr().is_terminal();
    let progress = |_: usize, status: &ItemStatus| {
        if !matches!(status, ItemStatus::Running | ItemStatus::Queued) {
            let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            if show {
                eprint!("\rapplying: {n}/{total}");
                let _ = std::io::stderr().flush();
            }
        }
    };
    let concurrency = ctx.concurrency();
    let (staged, results) = match mode {
        Mode::Apply => (None, apply(&ops, plan, concurrency, &stop, &progress).await),
        Mode::Stage => {
            let s = stage(&ops, plan, concurrency, &stop, &progress)
                .await
                .map_err(super::cli_error::op_error)?;
            (s.batch, s.results)
        }
    };
    let edits: Vec<_> = results
        .iter()
        .flat_map(|r| r.edits.iter().cloned())
        .collect();
    ctx.store_edits(&edits);
    if show {
        eprintln!();
    }
    let exit = report_results(ctx, &results, read)?;
    if let Some(batch) = staged {
        super::staged::explain_staged(ctx, &batch, &results);
    }
    Ok(exit)
}
