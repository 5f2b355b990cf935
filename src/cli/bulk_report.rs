//! What the bulk commands print: the plan, the question before applying it, the places that
//! could not be read, and each place's result with the exit code it makes.

use std::io::Write;

use super::context::Context;
use super::output::{CliError, Exit, print_json, print_table};
use super::skipped::Skipped;
use crate::forge::{ForgeError, Place};
use crate::ops::bulk::{ItemResult, ItemStatus, Plan};
use crate::sanitize::clean_line;

pub(super) fn report_unreadable(ctx: &Context, unreadable: &[(Place, ForgeError)]) {
    for (_, e) in unreadable {
        CliError::from(e.clone()).print(ctx.json);
    }
}

pub(super) fn print_plan(ctx: &Context, plan: &Plan, heading: &str) -> Result<(), CliError> {
    if ctx.json {
        return Ok(());
    }
    println!("{heading}");
    // Plan lines are a table of what will change: never cut, and without invisible characters.
    for line in plan.lines() {
        println!("  {}", crate::sanitize::clean_cell(&line));
    }
    println!("{}", plan.summary());
    Ok(())
}

pub(super) fn ask_to_apply(plan: &Plan) -> bool {
    if plan.needs_typed_confirmation() {
        eprint!(
            "This plan removes {} key(s){}. Type {} to apply it: ",
            plan.removals(),
            if plan.empties.is_empty() {
                String::new()
            } else {
                " and leaves some places without any key".to_string()
            },
            plan.confirmation_text()
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        answer.trim() == plan.confirmation_text()
    } else {
        super::output::confirm("Apply this plan?")
    }
}

/// The `--dry-run --json` document: the plan and the places skipped.
pub(super) fn print_dry_run(plan: &Plan, skipped: &Skipped) -> Result<(), CliError> {
    print_json(&serde_json::json!({
        "dry_run": true,
        "summary": plan.summary(),
        "counts": plan.counts(),
        "request_cost": plan.request_cost(),
        "changes": plan.changes.iter().map(|c| c.to_json()).collect::<Vec<_>>(),
        "already_present": plan.already_present.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        "already_present_as": plan.present_as.iter().map(|(s, (held, asked))| serde_json::json!({"where": s.to_string(), "label": clean_line(held), "asked": clean_line(asked)})).collect::<Vec<_>>(),
        "needs_typed_confirmation": plan.needs_typed_confirmation(),
        "skipped": skipped.places(),
    }))?;
    Ok(())
}

/// Prints each place's result and returns the exit code: `read` (what reading the places
/// already decided) when every place worked, 3 when each failure was the credential's, else 4.
pub(super) fn report_results(
    ctx: &Context,
    results: &[ItemResult],
    read: Exit,
) -> Result<Exit, CliError> {
    let failed: Vec<_> = results
        .iter()
        .filter(|r| matches!(r.status, ItemStatus::Failed(_)))
        .collect();
    if ctx.json {
        let items: Vec<serde_json::Value> = results
            .iter()
            .map(|r| {
                let mut v = r.change.to_json();
                let (status, reason) = match &r.status {
                    ItemStatus::Failed(why) => ("failed", Some(why.clone())),
                    ItemStatus::AlreadyPresent => ("already_present", None),
                    ItemStatus::Cancelled => ("cancelled", None),
                    ItemStatus::Done => ("done", None),
                    ItemStatus::Running | ItemStatus::Queued => ("unknown", None),
                };
                v["status"] = status.into();
                if let Some(reason) = reason {
                    v["reason"] = reason.into();
                }
                v
            })
            .collect();
        print_json(&items)?;
    } else {
        let rows: Vec<Vec<String>> = results
            .iter()
            .map(|r| {
                let status = match &r.status {
                    ItemStatus::Failed(why) => format!("FAILED: {why}"),
                    ItemStatus::AlreadyPresent => "already present".into(),
                    ItemStatus::Cancelled => "cancelled".into(),
                    ItemStatus::Done => "done".into(),
                    ItemStatus::Running | ItemStatus::Queued => "unknown".into(),
                };
                vec![
                    r.change.symbol().to_string(),
                    r.change.scope().to_string(),
                    status,
                ]
            })
            .collect();
        print_table(&["", "WHERE", "RESULT"], &rows);
        for r in &failed {
            if let ItemStatus::Failed(why) = &r.status {
                eprintln!("bbkeys: {}: {why}", r.change.scope());
            }
        }
    }
    if !failed.is_empty() {
        // A place left half-done keeps its bulk change pending: say so, with what finishes it.
        ctx.warn_pending();
    }
    let cancelled = results.iter().any(|r| r.status == ItemStatus::Cancelled);
    Ok(if failed.is_empty() && !cancelled {
        read
    } else if !failed.is_empty() && failed.iter().all(|r| r.auth_failure) && !cancelled {
        Exit::Auth
    } else {
        Exit::Partial
    })
}
