//! `bbkeys keys find <pubkey-file|-|SHA256:...> --workspace <ws>`: every repository and
//! project holding a key.

use serde::Serialize;
use time::OffsetDateTime;

use super::audit::{age_text, obtain};
use super::context::Context;
use super::find_args::{FindArgs, read_needle};
use super::frame::Frame;
use super::output::{CliError, Exit, print_table};
use super::raw_text::{RawText, print_json_with_raw};
use super::skipped::Skipped;
use crate::ops::audit::{Inventory, KeyHolding, SkippedPlace, Timestamp, UnreadableListing};
use crate::ops::find::{KeyNeedle, find_key};
use crate::sshkey::Fingerprint;

#[derive(Serialize)]
struct FindDocument<'a> {
    workspace: &'a str,
    fingerprint: &'a Fingerprint,
    found: bool,
    key_type: &'a str,
    bits: u32,
    scanned_at: Timestamp,
    cached: bool,
    holdings: &'a [KeyHolding],
    reached: Vec<&'a str>,
    reach: usize,
    unreadable: &'a [&'a UnreadableListing],
    skipped: &'a [SkippedPlace],
}

/// Runs `bbkeys keys find`.
pub async fn run(ctx: &Context, args: FindArgs) -> Result<Exit, CliError> {
    if ctx.forge().caps().usage_lookup {
        return super::dc_find::run(ctx, &args).await;
    }
    if args.thorough {
        return Err(CliError::new(
            Exit::Usage,
            "--thorough is for Bitbucket Data Center, whose usage lookups show only part of the answer; on Cloud `keys find` already reads every repository and project of the workspace",
        ));
    }
    // The key is checked before any request: a typo must not cost a whole scan.
    let needle = read_needle(&args.key)?;
    if args.all_workspaces {
        return find_everywhere(ctx, &needle, &args).await;
    }
    let ws = ctx.workspace_or_default(args.workspace.clone())?;
    match find_in(ctx, &ws, &needle, &args, &Frame::alone()).await? {
        Found::Yes(exit) => Ok(exit),
        Found::No(e) => Err(e),
    }
}

/// Whether a workspace holds the key: the exit code of what was printed, or the sentence
/// saying it does not.
pub(super) enum Found {
    /// Printed; the exit code.
    Yes(Exit),
    /// Not there.
    No(CliError),
}

/// Looks for the key in one workspace and prints where it is.
pub(super) async fn find_in(
    ctx: &Context,
    ws: &str,
    needle: &KeyNeedle,
    args: &FindArgs,
    frame: &Frame,
) -> Result<Found, CliError> {
    let now = OffsetDateTime::now_utc();
    let got = obtain(ctx, ws, args.cached, now).await?;
    let inventory = Inventory::build(&got.snapshot);
    let result = find_key(&inventory, &needle.fingerprint);
    let unreadable = inventory.read_failures();
    let skipped = Skipped::new(inventory.skipped());
    let Some(entry) = result.entry else {
        return Ok(Found::No(CliError::new(
            Exit::Error,
            format!(
                "{} is on none of the {} repositories and {} projects of {ws} that could be read{}{}.",
                needle.fingerprint,
                inventory.repositories_read,
                inventory.projects_read,
                if unreadable.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; it may still sit on {}, which could not be read (`bbkeys audit {ws}` says why)",
                        unreadable_names(&unreadable)
                    )
                },
                skipped
                    .note()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ),
        )));
    };
    // The document under --json lists the skipped places; otherwise they are one note.
    if !ctx.json {
        skipped.print_text();
    }
    if ctx.json {
        let doc = FindDocument {
            workspace: ws,
            fingerprint: &needle.fingerprint,
            found: true,
            key_type: &entry.key_type,
            bits: entry.bits,
            scanned_at: inventory.scanned_at,
            cached: got.cached_age.is_some(),
            holdings: &entry.holdings,
            reached: entry.reached.iter().map(String::as_str).collect(),
            reach: entry.reach,
            unreadable: &unreadable,
            skipped: skipped.places(),
        };
        let raw = RawText::from_snapshot(&got.snapshot);
        frame.before_json();
        print_json_with_raw(&doc, &raw)?;
    } else {
        frame.before_text();
        print_found_text(entry, ws, got.cached_age);
    }
    if !unreadable.is_empty() {
        eprintln!(
            "bbkeys: warning: the scan could not read {}, where the key may also sit (`bbkeys audit {ws}` says why).",
            unreadable_names(&unreadable)
        );
    }
    // The answer stands without the places not read; `--strict` asks for a complete one.
    let complete = unreadable.is_empty() && skipped.is_empty();
    Ok(Found::Yes(if args.strict.strict && !complete {
        Exit::Partial
    } else {
        Exit::Ok
    }))
}

/// The text form of a key found in `ws`: one line of where, a table of its holdings, and
/// what its project keys also reach.
fn print_found_text(
    entry: &crate::ops::audit::KeyEntry,
    ws: &str,
    cached_age: Option<time::Duration>,
) {
    let (r, p) = (entry.repositories.len(), entry.projects.len());
    println!(
        "{} ({} {}) is on {r} repositor{} and {p} project{} of {ws}{}:",
        entry.fingerprint,
        entry.key_type,
        entry.bits,
        if r == 1 { "y" } else { "ies" },
        if p == 1 { "" } else { "s" },
        cached_age
            .map(|a| format!(" (cached scan, {} old)", age_text(a)))
            .unwrap_or_default()
    );
    let rows: Vec<Vec<String>> = entry
        .holdings
        .iter()
        .map(|h| {
            vec![
                h.scope.to_string(),
                h.id.to_string(),
                h.label.clone(),
                h.created_on.map(|t| t.date()).unwrap_or_default(),
                h.last_used
                    .map(|t| t.date())
                    .unwrap_or_else(|| "never".into()),
            ]
        })
        .collect();
    print_table(&["WHERE", "ID", "LABEL", "ADDED", "LAST USED"], &rows);
    if !entry.projects.is_empty() {
        let via: Vec<&str> = entry
            .reached
            .iter()
            .filter(|r| !entry.repositories.contains(*r))
            .map(String::as_str)
            .collect();
        if !via.is_empty() {
            println!(
                "Through its project keys it also reads: {} ({} repositories in all).",
                via.join(", "),
                entry.reach
            );
        }
    }
}

fn unreadable_names(unreadable: &[&UnreadableListing]) -> String {
    let names: Vec<&str> = unreadable.iter().map(|u| u.target.as_str()).collect();
    names.join(", ")
}

/// `keys find --all-workspaces`: where the key is, workspace by workspace; exit 1 when no
/// workspace holds it.
async fn find_everywhere(
    ctx: &Context,
    needle: &KeyNeedle,
    args: &FindArgs,
) -> Result<Exit, CliError> {
    let frame = Frame::many();
    if ctx.json {
        print!("[");
    }
    let slugs = super::all_workspaces::workspace_slugs(ctx).await?;
    let mut exit = None;
    for ws in &slugs {
        if let Found::Yes(e) = find_in(ctx, ws, needle, args, &frame).await? {
            exit = Some(super::skipped::worst(exit.unwrap_or(Exit::Ok), e));
        }
    }
    if ctx.json {
        println!("]");
    }
    exit.ok_or_else(|| {
        CliError::new(
            Exit::Error,
            format!(
                "{} is in none of the {} workspaces your credential sees ({}).",
                needle.fingerprint,
                slugs.len(),
                slugs.join(", ")
            ),
        )
    })
}
