//! The single-target writes: `keys add`, `keys relabel`, `keys rm`, each journaled.

use std::sync::atomic::AtomicBool;

use super::cli_error::op_error;
use super::context::Context;
use super::key_input::{BulkArgs, check_label, read_key};
use super::listing::KeyRow;
use super::output::{CliError, Exit, print_json};
use super::output::{confirm, require_yes_off_terminal};
use super::stop_signal::StopOnSignal;
use crate::config::EditStrategy;
use crate::forge::AccessKey;
use crate::forge::Place;
use crate::ops::bulk::{render_label, validate_template};
use crate::ops::edits::KeyEdit;
use crate::ops::keyops::{
    AddOutcome, Grant, KeyOps, RelabelOutcome, change_permission, fingerprint_of, list_keys,
};
use crate::sanitize::{clean_cell, clean_line};
use crate::sshkey::Fingerprint;

pub(super) async fn add(
    ctx: &Context,
    scope: &Place,
    source: &str,
    label: &str,
    grant: Grant,
) -> Result<Exit, CliError> {
    let template = check_label(label)?;
    let key = read_key(source)?;
    let projects =
        super::label_projects::projects_for_template(ctx, &template, std::slice::from_ref(scope))
            .await?;
    let label = render_label(
        &template,
        scope,
        "",
        projects.get(scope).map(String::as_str),
    )
    .map_err(|e| CliError::new(Exit::Usage, e))?;
    let fp = key.fingerprint();
    let journal = ctx.journal();
    let ops = KeyOps {
        forge: ctx.forge(),
        journal: &journal,
        stop: None,
    };
    let (status, k) = match ops
        .add_granted(scope, &key, &label, grant, None)
        .await
        .map_err(op_error)?
    {
        AddOutcome::Added(k) => ("added", k),
        AddOutcome::AlreadyPresent(k) => ("already present", k),
    };
    ctx.store_edits(&[KeyEdit::Added {
        scope: scope.clone(),
        key: k.clone(),
    }]);
    let existing = clean_line(k.label.as_str());
    if ctx.json {
        print_json(&serde_json::json!({
            "status": status,
            "where": scope.to_string(),
            "fingerprint": fp.to_string(),
            "key": KeyRow::new(scope, &k),
        }))?;
    } else if status != "added" && existing != label {
        // Nothing was created, and the label asked for is not the one the key carries.
        println!(
            "{fp} is already on {scope} (id {}) with the label '{existing}', not {label:?}; nothing was added (`bbkeys keys relabel` changes the label).",
            k.id
        );
    } else if status == "added" {
        println!(
            "Added {} ({} {}) to {} as id {} with label {:?}.",
            fp,
            key.key_type(),
            key.bits(),
            scope,
            k.id,
            label
        );
    } else {
        println!(
            "{fp} is already present on {scope} (id {}); nothing to do.",
            k.id
        );
    }
    Ok(Exit::Ok)
}

/// Finds the key named by id or fingerprint on `scope`.
pub(super) async fn resolve_key(
    ctx: &Context,
    scope: &Place,
    which: &str,
) -> Result<AccessKey, CliError> {
    let by_fp = if which.starts_with("SHA256:") {
        Some(
            Fingerprint::parse(which)
                .map_err(|e| CliError::new(Exit::Usage, format!("{which}: {e}")))?,
        )
    } else {
        None
    };
    let by_id = match by_fp {
        Some(_) => None,
        None => Some(which.parse::<u64>().map_err(|_| {
            CliError::new(
                Exit::Usage,
                format!("{which:?} is neither a key id (a number) nor a SHA256:... fingerprint"),
            )
        })?),
    };
    let keys = list_keys(ctx.forge(), scope).await?;
    keys.into_iter()
        .find(|k| match (&by_id, &by_fp) {
            (Some(id), _) => k.id == *id,
            (_, Some(fp)) => fingerprint_of(k).is_some_and(|f| f == *fp),
            _ => false,
        })
        .ok_or_else(|| CliError::new(Exit::Error, format!("there is no key {which} on {scope}")))
}

pub(super) async fn relabel(
    ctx: &Context,
    scope: &Place,
    which: &str,
    new_label: &str,
    bulk: BulkArgs,
) -> Result<Exit, CliError> {
    let yes = bulk.yes;
    // The label may be a template, as in the fan-out form and on add.
    let template = check_label(new_label)?;
    validate_template(&template).map_err(|e| CliError::new(Exit::Usage, e))?;
    if !bulk.dry_run {
        require_yes_off_terminal(yes, "relabel")?;
    }
    let key = resolve_key(ctx, scope, which).await?;
    let projects =
        super::label_projects::project_lookup(ctx, &template, std::slice::from_ref(scope)).await?;
    let new_label = render_label(
        &template,
        scope,
        key.label.as_str(),
        projects.get(scope).map(String::as_str),
    )
    .map_err(|e| CliError::new(Exit::Usage, e))?;
    if bulk.dry_run {
        println!(
            "-/+ {scope}  {}  '{}' -> '{}' (dry run: nothing changed)",
            fingerprint_of(&key)
                .map(|f| f.to_string())
                .unwrap_or_default(),
            clean_cell(key.label.as_str()),
            clean_cell(&new_label)
        );
        return Ok(Exit::Ok);
    }
    let row = KeyRow::new(scope, &key);
    if row.label == new_label {
        println!(
            "Key {} on {} is already labelled {:?}; nothing to do.",
            row.id, scope, new_label
        );
        return Ok(Exit::Ok);
    }
    let in_place = ctx.config.edit_strategy == EditStrategy::InPlace
        && matches!(scope, Place::Repository { .. });
    if !yes && !confirm_relabel(&row, &new_label, scope, in_place) {
        eprintln!("Nothing changed.");
        return Ok(Exit::Ok);
    }
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let _guard = StopOnSignal::install(stop.clone());
    let journal = ctx.journal();
    let ops = KeyOps {
        forge: ctx.forge(),
        journal: &journal,
        stop: Some(&stop),
    };
    let outcome = ops
        .relabel(scope, &key, &new_label, ctx.config.edit_strategy, None)
        .await
        .map_err(op_error)?;
    let (how, k) = match outcome {
        RelabelOutcome::InPlace(k) => ("changed in place", k),
        RelabelOutcome::Replaced(k) => ("deleted and re-added", k),
        RelabelOutcome::Unchanged(k) => ("unchanged", k),
    };
    if how != "unchanged" {
        ctx.store_edits(&[KeyEdit::Replaced {
            scope: scope.clone(),
            old: key.clone(),
            new: k.clone(),
        }]);
    }
    if ctx.json {
        print_json(
            &serde_json::json!({ "status": how, "where": scope.to_string(), "key": KeyRow::new(scope, &k) }),
        )?;
    } else {
        println!(
            "Key {} on {} is now labelled {:?} ({how}; id {}).",
            row.fingerprint.as_deref().unwrap_or("?"),
            scope,
            new_label,
            k.id
        );
    }
    Ok(Exit::Ok)
}

/// Says what the relabel will do to the key and asks before doing it.
fn confirm_relabel(row: &KeyRow, new_label: &str, scope: &Place, in_place: bool) -> bool {
    let how = if in_place {
        format!(
            "The label of key {} will be changed to '{}' in place. If Bitbucket refuses, the key will be deleted and re-added instead: its id will change and its last-used date will reset, and for a moment {} will not accept this key.",
            row.fingerprint.as_deref().unwrap_or("?"),
            new_label,
            scope
        )
    } else {
        format!(
            "The key {} ('{}') will be deleted and re-added with the label '{}'. Its id will change and its last-used date will reset. For a moment {} will not accept this key.",
            row.fingerprint.as_deref().unwrap_or("?"),
            row.label,
            new_label,
            scope
        )
    };
    eprintln!("{how}");
    confirm("Go ahead?")
}

pub(super) async fn rm(
    ctx: &Context,
    scope: &Place,
    which: &str,
    bulk: BulkArgs,
) -> Result<Exit, CliError> {
    let yes = bulk.yes;
    if bulk.dry_run {
        let key = resolve_key(ctx, scope, which).await?;
        println!(
            "-   {scope}  {}  '{}' (id {}) (dry run: nothing changed)",
            fingerprint_of(&key)
                .map(|f| f.to_string())
                .unwrap_or_default(),
            clean_cell(key.label.as_str()),
            key.id
        );
        return Ok(Exit::Ok);
    }
    require_yes_off_terminal(yes, "delete")?;
    let key = resolve_key(ctx, scope, which).await?;
    let row = KeyRow::new(scope, &key);
    if !yes
        && !confirm(&format!(
            "Delete key {} ({}) labelled {:?} from {}?",
            row.id,
            row.fingerprint.as_deref().unwrap_or("unreadable key"),
            row.label,
            scope
        ))
    {
        eprintln!("Nothing deleted.");
        return Ok(Exit::Ok);
    }
    let journal = ctx.journal();
    let ops = KeyOps {
        forge: ctx.forge(),
        journal: &journal,
        stop: None,
    };
    ops.delete(scope, &key, None).await.map_err(op_error)?;
    ctx.store_edits(&[KeyEdit::Removed {
        scope: scope.clone(),
        key: key.clone(),
    }]);
    if ctx.json {
        print_json(
            &serde_json::json!({ "status": "deleted", "where": scope.to_string(), "key": row }),
        )?;
    } else {
        println!(
            "Deleted key {} ({}) labelled {:?} from {}.",
            row.id,
            row.fingerprint.as_deref().unwrap_or("?"),
            row.label,
            scope
        );
    }
    Ok(Exit::Ok)
}

/// `keys permission`: one request when the key is named by id (a fingerprint is looked up in
/// the place's listing first).
pub(super) async fn set_permission(
    ctx: &Context,
    scope: &Place,
    which: &str,
    permission: crate::forge::Permission,
) -> Result<Exit, CliError> {
    if !ctx.forge().caps().permissions {
        return Err(CliError::new(
            Exit::Usage,
            "Cloud keys have no permission level: Bitbucket Cloud access keys are always read-only",
        ));
    }
    let id = match which.parse::<u64>() {
        Ok(id) => id,
        Err(_) => resolve_key(ctx, scope, which).await?.id,
    };
    let k = change_permission(ctx.forge(), scope, id, permission).await?;
    let row = KeyRow::new(scope, &k);
    if ctx.json {
        print_json(
            &serde_json::json!({ "status": "changed", "where": scope.to_string(), "key": row }),
        )?;
    } else {
        println!(
            "Key {} ({}) labelled {:?} now has {} access on {}.",
            k.id,
            row.fingerprint.as_deref().unwrap_or("?"),
            clean_line(&row.label),
            k.permission.as_str(),
            scope
        );
    }
    Ok(Exit::Ok)
}
