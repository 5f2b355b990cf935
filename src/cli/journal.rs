//! `bbkeys journal list|recover|undo`.

use clap::Subcommand;

use super::context::Context;
use super::output::{CliError, Exit, print_table};
use super::single::op_error;
use crate::ops::keyops::KeyOps;

/// `bbkeys journal ...`
#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Show the journal's entries (pending ones first).
    List {
        /// Include finished entries.
        #[arg(long)]
        all: bool,
    },
    /// Finish every pending entry (re-add keys deleted but not re-added, and so on).
    /// Idempotent: a key already where it should be just closes the entry.
    Recover {
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Reverse an entry: re-add a deleted key, delete an added one, or put an old label back.
    Undo {
        /// The entry id (a unique prefix is enough).
        entry: String,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
    },
}

/// Runs a journal subcommand.
pub async fn run(ctx: &Context, cmd: JournalCommand) -> Result<Exit, CliError> {
    let journal = ctx.journal();
    let (entries, report) = journal
        .read()
        .map_err(|e| CliError::new(Exit::Error, e.to_string()))?;
    if let Some(w) = report.warning(journal.path()) {
        eprintln!("bbkeys: warning: {w}");
    }
    match cmd {
        JournalCommand::List { all } => {
            let mut shown: Vec<_> = entries.iter().filter(|e| all || e.pending()).collect();
            shown.sort_by_key(|e| (!e.pending(), e.started.clone()));
            if ctx.json {
                let text = serde_json::to_string_pretty(&shown)
                    .map_err(|e| CliError::new(Exit::Error, format!("cannot write JSON: {e}")))?;
                println!("{text}");
            } else if shown.is_empty() {
                println!(
                    "No {}journal entries ({}).",
                    if all { "" } else { "pending " },
                    journal.path().display()
                );
            } else {
                let rows: Vec<Vec<String>> = shown
                    .iter()
                    .map(|e| {
                        vec![
                            e.id.clone(),
                            if e.pending() {
                                "PENDING".into()
                            } else {
                                "done".into()
                            },
                            e.started.get(..19).unwrap_or(&e.started).replace('T', " "),
                            e.describe(),
                        ]
                    })
                    .collect();
                print_table(&["ENTRY", "STATE", "STARTED", "WHAT"], &rows);
            }
            Ok(Exit::Ok)
        }
        JournalCommand::Recover { yes } => {
            let pending: Vec<_> = entries.into_iter().filter(|e| e.pending()).collect();
            if pending.is_empty() {
                println!("Nothing to recover: no pending journal entries.");
                return Ok(Exit::Ok);
            }
            super::output::require_yes_off_terminal(yes, "recover")?;
            for e in &pending {
                eprintln!("pending {}: {}", e.id, e.describe());
            }
            if !yes
                && !super::output::confirm(&format!(
                    "Finish {} pending entr{} now?",
                    pending.len(),
                    if pending.len() == 1 { "y" } else { "ies" }
                ))
            {
                eprintln!("Nothing changed; the entries stay pending.");
                return Ok(Exit::Ok);
            }
            let ops = KeyOps {
                client: &ctx.client,
                journal: &journal,
                stop: None,
            };
            let mut failed = 0;
            let mut last_err = None;
            for e in &pending {
                match ops.recover_listed(e).await {
                    Ok((what, listed)) => {
                        ctx.store_edits(&listed.into_iter().collect::<Vec<_>>());
                        println!("{}: {what}", e.id);
                    }
                    Err(err) => {
                        failed += 1;
                        let err = op_error(err);
                        eprintln!("bbkeys: {}: {}", e.id, err.message);
                        last_err = Some(err);
                    }
                }
            }
            match (failed, last_err) {
                (0, _) => Ok(Exit::Ok),
                (n, Some(err)) if n == pending.len() => Err(err),
                _ => Ok(Exit::Partial),
            }
        }
        JournalCommand::Undo { entry, yes } => {
            let found = journal
                .find(&entry)
                .map_err(|e| CliError::new(Exit::Usage, e.to_string()))?;
            super::output::require_yes_off_terminal(yes, "undo")?;
            if !yes && !super::output::confirm(&format!("Undo {}: {}?", found.id, found.describe()))
            {
                eprintln!("Nothing changed.");
                return Ok(Exit::Ok);
            }
            let ops = KeyOps {
                client: &ctx.client,
                journal: &journal,
                stop: None,
            };
            let what = ops.undo(&found).await.map_err(op_error)?;
            println!("{}: {what}", found.id);
            Ok(Exit::Ok)
        }
    }
}
