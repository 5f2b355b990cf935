//! `bbkeys journal list|show|recover|advance|finish|undo`.

use clap::Subcommand;

use super::cli_error::{journal_error, op_error};
use super::context::Context;
use super::output::{CliError, Exit, print_json, print_table};
use super::staged::refresh_stored_scan;
use crate::journal::{Found, Journal};
use crate::ops::keyops::{Direction, KeyOps};

/// `bbkeys journal ...`
#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Show the journal's entries and bulk changes (pending ones first).
    List {
        /// Include finished entries.
        #[arg(long)]
        all: bool,
    },
    /// Show one entry or bulk change, with every place of a bulk change.
    Show {
        /// The id (any unique prefix or suffix of it is enough).
        entry: String,
    },
    /// Finish pending work: the rest of an interrupted bulk change on every place of its
    /// plan, keys deleted but not re-added, and so on. Idempotent: a key already where it
    /// should be just closes the entry. Staged rotations waiting for their new key's use are
    /// left alone unless named (see `advance` and `finish`).
    Recover {
        /// Only this entry or bulk change (any unique prefix or suffix of its id).
        entry: Option<String>,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Take staged rotations (`keys rotate --stage`) one step on: on each place where
    /// Bitbucket shows the new key used since the rotation was staged, delete the old key; the
    /// other places keep waiting. Asks nothing and is safe to repeat, for example from cron.
    Advance {
        /// Only this staged rotation (any unique prefix or suffix of its id); default: every
        /// one still waiting.
        entry: Option<String>,
    },
    /// Finish one entry or bulk change now. For a staged rotation, delete the old key from
    /// every place still waiting, whether or not the new key was used there.
    Finish {
        /// The id (any unique prefix or suffix of it is enough).
        entry: String,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Reverse an entry (re-add a deleted key, delete an added one, put an old label back), or
    /// roll back a whole bulk change on every place it touched. A staged rotation is undone
    /// by removing its new key and keeping (or putting back) the old one.
    Undo {
        /// The id (any unique prefix or suffix of it is enough).
        entry: String,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

/// Runs a journal subcommand.
pub async fn run(ctx: &Context, cmd: JournalCommand) -> Result<Exit, CliError> {
    let journal = ctx.journal();
    let folded = journal.read_all().map_err(journal_error)?;
    if let Some(w) = folded.report.warning(journal.path()) {
        eprintln!("bbkeys: warning: {w}");
    }
    let ops = KeyOps {
        forge: ctx.forge(),
        journal: &journal,
        stop: None,
    };
    match cmd {
        JournalCommand::List { all } => list(ctx, &journal, folded, all),
        JournalCommand::Show { entry } => {
            let found = journal.resolve(&entry).map_err(journal_error)?;
            show(ctx, &found)
        }
        JournalCommand::Recover { entry, yes } => {
            let work = match entry {
                Some(id) => {
                    let found = journal.resolve(&id).map_err(journal_error)?;
                    if !found.pending() {
                        println!("Nothing to recover: {} is finished.", found.id());
                        return Ok(Exit::Ok);
                    }
                    vec![found]
                }
                None => {
                    let out = journal.outstanding().map_err(journal_error)?;
                    for b in &out.staged {
                        eprintln!(
                            "bbkeys: staged rotation {} left as it is: {}. `bbkeys journal advance` or `bbkeys journal finish {}` takes it on.",
                            b.id,
                            b.describe(),
                            b.id
                        );
                    }
                    out.all()
                }
            };
            recover(ctx, &ops, work, yes).await
        }
        JournalCommand::Advance { entry } => {
            super::staged::advance(ctx, &ops, &journal, entry).await
        }
        JournalCommand::Finish { entry, yes } => {
            let found = journal.resolve(&entry).map_err(journal_error)?;
            if !found.pending() {
                println!("Nothing to finish: {} is finished.", found.id());
                return Ok(Exit::Ok);
            }
            recover(ctx, &ops, vec![found], yes).await
        }
        JournalCommand::Undo { entry, yes } => {
            let found = journal.resolve(&entry).map_err(journal_error)?;
            super::output::require_yes_off_terminal(yes, "undo")?;
            if !yes
                && !super::output::confirm(&format!("Undo {}: {}?", found.id(), found.describe()))
            {
                eprintln!("Nothing changed.");
                return Ok(Exit::Ok);
            }
            let what = match &found {
                Found::Entry(e) => ops.undo(e).await,
                Found::Batch(b) => ops.settle_batch(b, Direction::RollBack).await,
            }
            .map_err(op_error)?;
            println!("{}: {what}", found.id());
            Ok(Exit::Ok)
        }
    }
}

fn list(
    ctx: &Context,
    journal: &Journal,
    folded: crate::journal::Folded,
    all: bool,
) -> Result<Exit, CliError> {
    if ctx.json {
        let mut entries: Vec<_> = folded
            .entries
            .iter()
            .filter(|e| all || e.pending())
            .collect();
        entries.sort_by_key(|e| (!e.pending(), e.started.clone()));
        // Entries keep the shape they always had; bulk changes are listed after them.
        let mut value = serde_json::to_value(&entries)
            .map_err(|e| CliError::new(Exit::Error, format!("cannot write JSON: {e}")))?;
        if let Some(list) = value.as_array_mut() {
            for b in folded.batches.iter().filter(|b| all || b.pending()) {
                let mut v = serde_json::to_value(b)
                    .map_err(|e| CliError::new(Exit::Error, format!("cannot write JSON: {e}")))?;
                v["kind"] = "batch".into();
                if b.staged_at().is_some() {
                    v["waiting"] = b.waiting().iter().map(|p| p.to_string()).collect();
                }
                list.push(v);
            }
        }
        print_json(&value)?;
        return Ok(Exit::Ok);
    }
    let mut shown: Vec<Found> = folded
        .batches
        .into_iter()
        .map(Found::Batch)
        .chain(
            folded
                .entries
                .into_iter()
                .map(|e| Found::Entry(Box::new(e))),
        )
        .filter(|f| all || f.pending())
        .collect();
    shown.sort_by_key(|f| (!f.pending(), started(f).to_string()));
    if shown.is_empty() {
        println!(
            "No {}journal entries ({}).",
            if all { "" } else { "pending " },
            journal.path().display()
        );
        return Ok(Exit::Ok);
    }
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|f| {
            let s = started(f);
            vec![
                f.id().to_string(),
                super::staged::state_of(f).to_string(),
                s.get(..19).unwrap_or(s).replace('T', " "),
                f.describe(),
            ]
        })
        .collect();
    print_table(&["ENTRY", "STATE", "STARTED", "WHAT"], &rows);
    Ok(Exit::Ok)
}

fn started(f: &Found) -> &str {
    match f {
        Found::Entry(e) => &e.started,
        Found::Batch(b) => &b.started,
    }
}

fn show(ctx: &Context, found: &Found) -> Result<Exit, CliError> {
    if ctx.json {
        match found {
            Found::Entry(e) => print_json(e)?,
            Found::Batch(b) => print_json(b)?,
        }
        return Ok(Exit::Ok);
    }
    println!(
        "{} ({}): {}",
        found.id(),
        super::staged::state_of(found),
        found.describe()
    );
    if let Found::Batch(b) = found {
        let rows: Vec<Vec<String>> = b
            .plan
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                vec![
                    item.scope().map(|s| s.to_string()).unwrap_or_default(),
                    crate::sanitize::clean_line(b.settled.get(&i).map_or(
                        if b.staged_at().is_some() && b.pending() {
                            "waiting for the new key's first use"
                        } else {
                            "not settled"
                        },
                        String::as_str,
                    )),
                ]
            })
            .collect();
        print_table(&["WHERE", "STATE"], &rows);
    }
    Ok(Exit::Ok)
}

async fn recover(
    ctx: &Context,
    ops: &KeyOps<'_>,
    work: Vec<Found>,
    yes: bool,
) -> Result<Exit, CliError> {
    if work.is_empty() {
        println!("Nothing to recover: no pending journal entries.");
        return Ok(Exit::Ok);
    }
    super::output::require_yes_off_terminal(yes, "recover")?;
    for f in &work {
        eprintln!("pending {}: {}", f.id(), f.describe());
    }
    if !yes
        && !super::output::confirm(&format!(
            "Finish {} pending entr{} now?",
            work.len(),
            if work.len() == 1 { "y" } else { "ies" }
        ))
    {
        eprintln!("Nothing changed; the entries stay pending.");
        return Ok(Exit::Ok);
    }
    let mut failed = 0;
    let mut last_err = None;
    for f in &work {
        let recovered = match f {
            Found::Entry(e) => ops.recover_listed(e).await.map(|(what, listed)| {
                ctx.store_edits(&listed.into_iter().collect::<Vec<_>>());
                what
            }),
            Found::Batch(b) => {
                let done = ops.settle_batch(b, Direction::Finish).await;
                // A bulk change touched many places: each is read once more so the stored scan
                // shows what recovery left there.
                refresh_stored_scan(ctx, ops, &b.scopes()).await;
                done
            }
        };
        match recovered {
            Ok(what) => println!("{}: {what}", f.id()),
            Err(err) => {
                failed += 1;
                let err = op_error(err);
                eprintln!("bbkeys: {}: {}", f.id(), err.message);
                last_err = Some(err);
            }
        }
    }
    match (failed, last_err) {
        (0, _) => Ok(Exit::Ok),
        (n, Some(err)) if n == work.len() => Err(err),
        _ => Ok(Exit::Partial),
    }
}
