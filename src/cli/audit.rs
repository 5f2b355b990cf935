//! `bbkeys audit <ws>…`: the findings of workspaces as a table, JSON, CSV, SARIF or Markdown.
//!
//! Findings are data, not failures unless `--fail-on` makes them one (exit 5, see
//! `audit_gate`): the exit code is otherwise 0 whatever was found, also when some
//! repositories could not be read (they are findings). It is 4 only when listings were
//! attempted and not one could be read, because an empty report would then pass for a clean
//! workspace (places the credential does not administer are skipped, not failed, and do not
//! count), or under `--strict` when any place was not read.

use time::OffsetDateTime;
use unicode_width::UnicodeWidthStr;

use super::audit_gate::{Format, Gate, GateArgs};
use super::context::Context;
use super::fields::{AUDIT_FIELDS, FieldsArg, Output, fill_repo_projects};
use super::frame::Frame;
use super::key_input::check_workspace;
use super::output::{CliError, Exit, fit, stdout_is_terminal};
use super::raw_text::{RawText, json_with_raw, print_json_with_raw};
use super::skipped::{Skipped, StrictArg, worst};
use crate::forge::Place;
use crate::ops::audit::{AuditReport, Finding, Inventory, Snapshot, audit};
use crate::ops::policy::{GateFinding, POLICY_CODES, adapter};
use crate::ops::scan::WorkspaceScan;
use crate::sanitize::clean_cell;
use crate::store::{self, CacheLoad};

/// `bbkeys audit` options.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Workspace slugs [default: BBKEYS_WORKSPACE or the profile's default_workspace].
    pub workspace: Vec<String>,
    /// Audit every workspace your credential sees (`--json`: an array of documents; `--csv`:
    /// one header, then the rows of each).
    #[arg(long, conflicts_with = "workspace")]
    pub all_workspaces: bool,
    /// CSV: one row per key holding, with a `findings` column (codes separated by `;`).
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// Audit the last stored scan instead of scanning again (no requests).
    #[arg(long)]
    pub cached: bool,
    #[command(flatten)]
    pub fields: FieldsArg,
    #[command(flatten)]
    pub strict: StrictArg,
    #[command(flatten)]
    pub gate: GateArgs,
}

/// A scan to work on, fresh or from the cache.
pub(super) struct Obtained {
    /// The scan.
    pub snapshot: Snapshot,
    /// Its age when it came from the cache.
    pub cached_age: Option<time::Duration>,
}

/// Scans `ws` (and stores the scan for `--cached` and the TUI), or loads the last scan.
pub(super) async fn obtain(
    ctx: &Context,
    ws: &str,
    cached: bool,
    now: OffsetDateTime,
) -> Result<Obtained, CliError> {
    check_workspace(ws)?;
    let dir = ctx.cache_dir();
    if cached {
        let why = match store::load(&dir, ws) {
            CacheLoad::Found(c) => {
                return Ok(Obtained {
                    cached_age: Some(c.age(now)),
                    snapshot: c.snapshot,
                });
            }
            CacheLoad::Missing => format!("there is no stored scan of {ws} yet"),
            CacheLoad::Ignored { warning } => warning,
        };
        return Err(CliError::new(
            Exit::Error,
            format!("{why}. Run the command once without --cached to scan {ws} and store it."),
        ));
    }
    let scan = super::scan_cost::scan(ctx, ws).await?;
    Ok(Obtained {
        snapshot: remember(ctx, scan, now),
        cached_age: None,
    })
}

/// A fresh scan as a snapshot, stored for `--cached`, `keys find` and the TUI. A failure to
/// store is a warning: the scan itself is good.
pub(super) fn remember(ctx: &Context, scan: WorkspaceScan, now: OffsetDateTime) -> Snapshot {
    // Moved, not copied: a 10,000-repository scan held twice would double the peak memory.
    let mut snapshot = Snapshot::from_owned_scan(scan, now);
    // The scan itself is forge-neutral; its places are on the forge of this run.
    snapshot.forge = ctx.kind();
    // A scan that read nothing would replace a useful cache with an empty one.
    if !snapshot.nothing_readable()
        && let Err(e) = store::store_snapshot(&ctx.cache_dir(), &mut snapshot)
    {
        eprintln!("bbkeys: warning: {e}");
    }
    snapshot
}

/// Runs `bbkeys audit` over each workspace asked for. A workspace that fails is reported and
/// the others still audited; the exit code is the worst of them and of the gate (issue 19).
pub async fn run(ctx: &Context, args: AuditArgs) -> Result<Exit, CliError> {
    let now = OffsetDateTime::now_utc();
    let mut gate = args.gate.clone().prepare(ctx, args.csv)?;
    let fields = super::fields::output_for(
        gate.format == Format::Json,
        gate.format == Format::Csv,
        &args.fields.fields,
        AUDIT_FIELDS,
    )?;
    for ws in &args.workspace {
        check_workspace(ws)?;
    }
    let workspaces = if args.all_workspaces {
        super::all_workspaces::workspace_slugs(ctx).await?
    } else if args.workspace.is_empty() {
        vec![ctx.workspace_or_default(None)?]
    } else {
        args.workspace.clone()
    };
    let mut out = Collected {
        frame: if workspaces.len() > 1 {
            Frame::many()
        } else {
            Frame::alone()
        },
        ..Collected::default()
    };
    // Selected fields as JSON are one array over the workspaces, as the full documents are.
    let field_array = fields.fields.is_some() && fields.json() && out.frame.is_many();
    if field_array {
        print!("[");
    }
    let mut exit = Exit::Ok;
    for ws in &workspaces {
        match audit_one(ctx, &args, ws, now, &mut gate, &mut out, &fields).await {
            Ok(e) => exit = worst(exit, e),
            Err(e) => {
                e.print(gate.format == Format::Json);
                exit = worst(exit, e.exit);
            }
        }
    }
    if field_array {
        println!("]");
    }
    // One workspace prints the document as before; several print a list of them.
    match out.json.as_slice() {
        [] => {}
        [one] => super::output::print_json(one)?,
        many => super::output::print_json(&many)?,
    }
    Ok(worst(exit, gate.finish(ctx, now, exit != Exit::Ok)?))
}

/// Output gathered over workspaces, for the forms that print one document.
#[derive(Default)]
struct Collected {
    json: Vec<serde_json::Value>,
    csv_header_done: bool,
    /// How `--fields` output of one workspace joins the others'.
    frame: Frame,
}

async fn audit_one(
    ctx: &Context,
    args: &AuditArgs,
    ws: &str,
    now: OffsetDateTime,
    gate: &mut Gate,
    out: &mut Collected,
    fields: &Output,
) -> Result<Exit, CliError> {
    let got = obtain(ctx, ws, args.cached, now).await?;
    let inventory = Inventory::build(&got.snapshot);
    let json = gate.format == Format::Json;
    let raw = if json {
        RawText::from_snapshot(&got.snapshot)
    } else {
        RawText::default()
    };
    let (nothing_readable, listings) = (
        got.snapshot.nothing_permitted_readable(),
        got.snapshot.listings(),
    );
    // The inventory holds all the audit needs: the scan goes before the report is built, so a
    // large workspace is not in memory twice at the peak. Freeing 30,000 keys takes a while:
    // a second thread does it while the audit runs.
    let snapshot = got.snapshot;
    let freed = std::thread::spawn(move || drop(snapshot));
    let rules = ctx.config.audit;
    let findings = audit(&inventory, &rules, now);
    let remaining = gate.add(
        &adapter::from_audit(&inventory, &findings, ctx.forge().caps().expiry),
        now,
    );
    let report = AuditReport::new(&inventory, &findings, rules, now, got.cached_age.is_some());
    let csv = || fill_repo_projects(&report.to_csv(), &inventory.project_repositories);
    match gate.format {
        _ if fields.fields.is_some() => {
            let selected = fields.fields.as_deref().unwrap_or_default();
            super::fields::print_audit_rows(fields.format, &csv(), selected, &out.frame)?;
        }
        // One workspace without a gate is written as it is produced: building the document as
        // a JSON value first held a 10,000-repository audit twice at the peak (`cargo bench
        // --bench scale`, figure e).
        Format::Json if !gate.active() && !out.frame.is_many() => {
            print_json_with_raw(&report, &raw)?;
        }
        Format::Json => {
            let mut doc = json_with_raw(&report, &raw)?;
            if gate.active() {
                doc["gate"] = serde_json::json!({ "findings": remaining });
            }
            out.json.push(doc);
        }
        Format::Csv => {
            let csv = csv();
            let body = if out.csv_header_done {
                csv.split_once('\n').map_or("", |(_, rest)| rest)
            } else {
                csv.as_str()
            };
            print!("{body}");
            out.csv_header_done = true;
        }
        Format::Table => {
            let cut = stdout_is_terminal();
            print!("{}", render(&report, &inventory, got.cached_age, cut));
            if gate.active() {
                print!("{}", render_gate(&remaining));
            }
        }
        Format::Sarif | Format::Markdown => {}
    }
    let _ = freed.join();
    // Under --json the document lists the skipped places itself.
    let skipped = Skipped::new(inventory.skipped());
    if !json {
        skipped.print_text();
    }
    if nothing_readable {
        eprintln!(
            "bbkeys: not one of the {listings} key listings of {ws} could be read (see the unreadable findings): this audit says nothing about its keys."
        );
        return Ok(Exit::Partial);
    }
    // Findings are data: only --strict turns places not read into a non-zero exit.
    let complete = skipped.is_empty() && inventory.read_failures().is_empty();
    Ok(if args.strict.strict && !complete {
        Exit::Partial
    } else {
        Exit::Ok
    })
}

/// The gate's findings under the audit table: the policy's own, and how many of all remain
/// (the audit table above lists the audit's findings before the baseline).
fn render_gate(remaining: &[GateFinding]) -> String {
    let policy: Vec<&GateFinding> = remaining
        .iter()
        .filter(|f| POLICY_CODES.contains(&f.code.as_str()))
        .collect();
    let mut out = String::new();
    if !policy.is_empty() {
        out.push_str(&format!("\nPolicy findings ({}):\n", policy.len()));
        for f in policy {
            out.push_str(&format!(
                "{:<6}  {:<16}  {}  {}\n",
                f.severity.as_str(),
                f.code,
                f.fingerprint.as_deref().unwrap_or("-"),
                clean_cell(&f.reason)
            ));
        }
    }
    let counts = crate::ops::policy::markdown::counts(remaining);
    out.push_str(&format!(
        "\nGate: {} finding(s) remain after the policy and the baseline ({} high, {} medium, {} low, {} info).\n",
        remaining.len(),
        counts[0],
        counts[1],
        counts[2],
        counts[3]
    ));
    out
}

/// Where a finding applies, short, within its workspace.
fn place(scope: &Place) -> String {
    match scope {
        Place::Repository { repo, .. } => repo.clone(),
        Place::Project { project, .. } => format!("project {project}"),
    }
}

fn place_of(f: &Finding, inv: &Inventory) -> String {
    if let Some(loc) = &f.location {
        return place(loc);
    }
    let Some(entry) = f.fingerprint.as_ref().and_then(|fp| inv.get(fp)) else {
        return "project list".into();
    };
    match entry.holdings.as_slice() {
        [one] => place(&one.scope),
        many => format!("{} places", many.len()),
    }
}

/// Human form of an age: `40 s`, `12 min`, `3 h`, `5 days`.
pub(super) fn age_text(age: time::Duration) -> String {
    let s = age.whole_seconds().max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..172_800 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

/// The summary line and the findings table. The reason is the last column and is never cut:
/// it is the part a person acts on. Labels and places are cut only when `cut` (a terminal).
fn render(
    report: &AuditReport,
    inv: &Inventory,
    cached_age: Option<time::Duration>,
    cut: bool,
) -> String {
    let fit = |s: &str, max: usize| if cut { fit(s, max) } else { s.to_string() };
    let s = &report.summary;
    let mut out = format!(
        "{}: {} keys in {} holdings on {} repositories and {} projects, scanned {}{}.\n",
        report.workspace,
        s.keys,
        s.holdings,
        s.repositories_read,
        s.projects_read,
        report.scanned_at,
        cached_age
            .map(|a| format!(" (from the cache, {} old)", age_text(a)))
            .unwrap_or_default()
    );
    if report.findings.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    let counts: Vec<String> = ["high", "medium", "low", "info"]
        .iter()
        .filter_map(|k| {
            s.findings
                .get(k)
                .filter(|n| **n > 0)
                .map(|n| format!("{n} {k}"))
        })
        .collect();
    out.push_str(&format!(
        "{} findings ({}).\n\n",
        report.findings.len(),
        counts.join(", ")
    ));
    let header = ["SEVERITY", "FINDING", "KEY", "LABELS", "WHERE", "REASON"];
    let rows: Vec<[String; 6]> = report
        .findings
        .iter()
        .map(|f| {
            let labels = f
                .fingerprint
                .as_ref()
                .and_then(|fp| inv.get(fp))
                .map(|e| e.labels_text())
                .unwrap_or_default();
            [
                f.severity.as_str().to_string(),
                f.code.as_str().to_string(),
                f.fingerprint
                    .as_ref()
                    .map(|fp| fp.to_string())
                    .unwrap_or_else(|| "-".into()),
                fit(&clean_cell(&labels), 28),
                fit(&clean_cell(&place_of(f, inv)), 32),
                clean_cell(&f.reason),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.width());
        }
    }
    let mut line = |cells: &[String]| {
        let last = cells.len() - 1;
        for (i, c) in cells.iter().enumerate() {
            out.push_str(c);
            if i < last {
                out.push_str(&" ".repeat(widths[i] - c.width() + 2));
            }
        }
        out.push('\n');
    };
    line(&header.map(String::from));
    for r in &rows {
        line(r);
    }
    out
}
