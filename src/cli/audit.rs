//! `bbkeys audit <ws>`: the findings of a workspace as a table, JSON or CSV.
//!
//! Findings are data, not failures: the exit code is 0 whatever was found, also when some
//! repositories could not be read (they are findings). It is 4 only when listings were
//! attempted and not one could be read, because an empty report would then pass for a clean
//! workspace (places the credential does not administer are skipped, not failed, and do not
//! count), or under `--strict` when any place was not read.

use time::OffsetDateTime;
use unicode_width::UnicodeWidthStr;

use super::context::Context;
use super::output::{CliError, Exit, fit, stdout_is_terminal};
use super::raw_text::{RawText, print_json_with_raw};
use super::skipped::{Skipped, StrictArg};
use crate::cache::{self, CacheLoad};
use crate::forge::Place;
use crate::forge::valid_slug;
use crate::ops::audit::{AuditReport, Finding, Inventory, Snapshot, audit};
use crate::sanitize::clean_cell;

/// `bbkeys audit` options.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Workspace slug.
    pub workspace: String,
    /// CSV: one row per key holding, with a `findings` column (codes separated by `;`).
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// Audit the last stored scan instead of scanning again (no requests).
    #[arg(long)]
    pub cached: bool,
    #[command(flatten)]
    pub strict: StrictArg,
}

/// A scan to work on, fresh or from the cache.
pub(super) struct Obtained {
    /// The scan.
    pub snapshot: Snapshot,
    /// Its age when it came from the cache.
    pub cached_age: Option<time::Duration>,
}

pub(super) fn check_workspace(ws: &str) -> Result<(), CliError> {
    if valid_slug(ws) {
        Ok(())
    } else {
        Err(CliError::new(
            Exit::Usage,
            format!("{ws:?} is not a workspace slug (letters, digits, '-', '_' and '.')"),
        ))
    }
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
        let why = match cache::load(&dir, ws) {
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
    // Moved, not copied: a 10,000-repository scan held twice would double the peak memory.
    let mut snapshot = Snapshot::from_owned_scan(scan, now);
    // A scan that read nothing would replace a useful cache with an empty one.
    if !snapshot.nothing_readable()
        && let Err(e) = cache::store_snapshot(&dir, &mut snapshot)
    {
        eprintln!("bbkeys: warning: {e}");
    }
    Ok(Obtained {
        snapshot,
        cached_age: None,
    })
}

/// Runs `bbkeys audit`.
pub async fn run(ctx: &Context, args: AuditArgs) -> Result<Exit, CliError> {
    let now = OffsetDateTime::now_utc();
    let got = obtain(ctx, &args.workspace, args.cached, now).await?;
    let inventory = Inventory::build(&got.snapshot);
    let raw = if ctx.json {
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
    let report = AuditReport::new(&inventory, &findings, rules, now, got.cached_age.is_some());
    if ctx.json {
        print_json_with_raw(&report, &raw)?;
    } else if args.csv {
        print!("{}", report.to_csv());
    } else {
        let cut = stdout_is_terminal();
        print!("{}", render(&report, &inventory, got.cached_age, cut));
    }
    let _ = freed.join();
    // Under --json the document lists the skipped places itself.
    let skipped = Skipped::new(inventory.skipped());
    if !ctx.json {
        skipped.print_text();
    }
    if nothing_readable {
        eprintln!(
            "bbkeys: not one of the {listings} key listings of {} could be read (see the unreadable findings): this audit says nothing about its keys.",
            args.workspace
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
