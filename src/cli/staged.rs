//! Staged rotations on the command line: what `keys rotate --stage` says once its first step is
//! done, and `journal advance`, the second step.

use super::cli_error::{journal_error, op_error};
use super::context::Context;
use super::output::{CliError, Exit, print_json};
use crate::forge::Place;
use crate::journal::{Batch, Found, Journal};
use crate::ops::bulk::{ItemResult, ItemStatus};
use crate::ops::keyops::KeyOps;

/// Says what the first step left and what takes the rotation on, after the per-place results.
pub(super) fn explain_staged(ctx: &Context, batch: &str, results: &[ItemResult]) {
    let added = results
        .iter()
        .filter(|r| matches!(r.status, ItemStatus::Done | ItemStatus::AlreadyPresent))
        .count();
    if ctx.quiet || added == 0 {
        return;
    }
    let text = format!(
        "Staged as {batch}: the new key is on {added} place(s) and the old key stays there until the new one has been used. `bbkeys journal advance` removes the old key where the new one was used since now; `bbkeys journal finish {batch}` removes it everywhere; `bbkeys journal undo {batch}` removes the new key instead."
    );
    // The JSON document on stdout stays one document.
    if ctx.json {
        eprintln!("{text}");
    } else {
        println!("{text}");
    }
}

/// The STATE column of `journal list`.
pub(super) fn state_of(found: &Found) -> &'static str {
    match found {
        Found::Batch(b) if b.pending() && b.staged_at().is_some() => "WAITING",
        f if f.pending() => "PENDING",
        _ => "done",
    }
}

/// `journal advance [ID]`: the second step of one staged rotation, or of every one waiting.
/// It asks nothing: it only carries out what was confirmed when the rotation was staged, and
/// only where the new key has proven itself.
pub(super) async fn advance(
    ctx: &Context,
    ops: &KeyOps<'_>,
    journal: &Journal,
    entry: Option<String>,
) -> Result<Exit, CliError> {
    let batches: Vec<Batch> = match entry {
        Some(id) => match journal.resolve(&id).map_err(journal_error)? {
            Found::Batch(b) if b.staged_at().is_some() => vec![b],
            other => {
                return Err(CliError::new(
                    Exit::Usage,
                    format!(
                        "{} is not a staged rotation; `bbkeys journal recover {}` finishes pending work",
                        other.id(),
                        other.id()
                    ),
                ));
            }
        },
        None => journal.outstanding().map_err(journal_error)?.staged,
    };
    if batches.is_empty() {
        if ctx.json {
            print_json(&Vec::<serde_json::Value>::new())?;
        } else {
            println!("No staged rotation is waiting.");
        }
        return Ok(Exit::Ok);
    }
    let mut report = Vec::new();
    let mut failed = 0;
    let mut auth = 0;
    for b in &batches {
        let step = ops.advance_batch(b).await.map_err(op_error)?;
        refresh_stored_scan(ctx, ops, &b.scopes()).await;
        for what in &step.done {
            if !ctx.json {
                println!("{}: {what}", b.id);
            }
        }
        for (place, e) in &step.failed {
            failed += 1;
            auth += usize::from(e.is_auth_problem());
            eprintln!("bbkeys: {}: {place}: {}", b.id, op_error_text(e));
        }
        let waiting: Vec<String> = step.waiting.iter().map(|p| p.to_string()).collect();
        if !ctx.json {
            if step.closed {
                println!("{}: finished: the new key was used on every place.", b.id);
            } else if !waiting.is_empty() {
                println!(
                    "{}: {} place(s) still wait for the new key's first use: {}",
                    b.id,
                    waiting.len(),
                    waiting.join(", ")
                );
            }
        }
        report.push(serde_json::json!({
            "id": b.id,
            "done": step.done,
            "waiting": waiting,
            "failed": step.failed.iter().map(|(p, e)| serde_json::json!({
                "place": p.to_string(),
                "reason": op_error_text(e),
            })).collect::<Vec<_>>(),
            "finished": step.closed,
        }));
    }
    if ctx.json {
        print_json(&report)?;
    }
    Ok(match (failed, auth) {
        (0, _) => Exit::Ok,
        (f, a) if f == a => Exit::Auth,
        _ => Exit::Partial,
    })
}

fn op_error_text(e: &crate::ops::keyops::OpError) -> String {
    crate::sanitize::clean_line(&e.to_string())
}

/// Re-lists `scopes` after a write, so the stored scan shows what the server now holds.
pub(super) async fn refresh_stored_scan(ctx: &Context, ops: &KeyOps<'_>, scopes: &[Place]) {
    let mut edits = Vec::new();
    for scope in scopes {
        if let Ok(keys) = crate::ops::keyops::list_keys(ops.forge, scope).await {
            edits.push(crate::ops::edits::KeyEdit::Listed {
                scope: scope.clone(),
                keys,
            });
        }
    }
    ctx.store_edits(&edits);
}
