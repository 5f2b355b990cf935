//! The worker's half of `e` where a label belongs to the key: the grant lookup (the usage
//! lookups, then each place's listing for the grant's permission) and the journaled
//! replace-everywhere, one key after another. Each key is its own journal batch, so a key
//! that fails stays recoverable and does not stop the others.

use crate::forge::{AccessKey, Forge, ForgeError, Place, UsageSearch};
use crate::ops::bulk::render_label;
use crate::ops::keyops::{Grant, KeyOps, find_fingerprint, list_keys};
use crate::sanitize::clean_line;
use crate::tui::state::msg::{OpFailure, WorkerMsg};
use crate::tui::state::replace::{KeyGrants, ReplaceCommand, ReplaceGrants};

/// Runs `cmd`.
pub async fn execute(ops: &KeyOps<'_>, cmd: ReplaceCommand) -> WorkerMsg {
    match cmd {
        ReplaceCommand::Lookup { req_id, key, label } => {
            let mut answer = ReplaceGrants {
                req_id,
                found: Vec::new(),
                failed: Vec::new(),
            };
            match grants_of(ops.forge, &key).await {
                Ok(grants) => answer.found.push(KeyGrants { key, grants, label }),
                Err(e) => answer.failed.push((name(&key), OpFailure::of_forge(&e))),
            }
            WorkerMsg::ReplaceGrants(Box::new(answer))
        }
        ReplaceCommand::LookupSelection {
            req_id,
            holdings,
            template,
        } => {
            let answer = look_up_selection(ops.forge, req_id, holdings, &template).await;
            WorkerMsg::ReplaceGrants(Box::new(answer))
        }
        ReplaceCommand::Run { req_id, keys } => run(ops, req_id, keys).await,
    }
}

/// Each selected key read at one of its places, then every grant of it; the template gives
/// each its label.
async fn look_up_selection(
    forge: &dyn Forge,
    req_id: crate::tui::state::ReqId,
    holdings: Vec<(Place, String)>,
    template: &str,
) -> ReplaceGrants {
    let mut answer = ReplaceGrants {
        req_id,
        found: Vec::new(),
        failed: Vec::new(),
    };
    for (place, fp) in holdings {
        let key = match list_keys(forge, &place).await {
            Ok(keys) => find_fingerprint(&keys, &fp).cloned(),
            Err(e) => {
                answer.failed.push((fp, OpFailure::of_forge(&e)));
                continue;
            }
        };
        let Some(key) = key else {
            let why = format!("it is no longer on {place}");
            answer.failed.push((fp, OpFailure::local(why)));
            continue;
        };
        // Two places of one key name the same entity.
        if answer.found.iter().any(|k| k.key.id == key.id) {
            continue;
        }
        let label = match render_label(template, &place, &key.label, None) {
            Ok(label) => label,
            Err(why) => {
                answer.failed.push((name(&key), OpFailure::local(why)));
                continue;
            }
        };
        match grants_of(forge, &key).await {
            Ok(grants) => answer.found.push(KeyGrants { key, grants, label }),
            Err(e) => answer.failed.push((name(&key), OpFailure::of_forge(&e))),
        }
    }
    answer
}

/// Replaces each key everywhere, through the same journaled operation as the CLI. A key that
/// fails is reported and the next one goes on.
async fn run(
    ops: &KeyOps<'_>,
    req_id: crate::tui::state::ReqId,
    keys: Vec<KeyGrants>,
) -> WorkerMsg {
    let scopes: Vec<Place> = keys
        .iter()
        .flat_map(|k| k.grants.iter().map(|(p, _)| p.clone()))
        .collect();
    let mut done = Vec::new();
    // Keys the server kept under their old label somewhere (a grant the credential cannot see
    // keeps the key alive): done, but not relabelled, so not counted as such.
    let mut kept = 0;
    let mut failed: Vec<(String, OpFailure)> = Vec::new();
    for k in &keys {
        match ops.replace_everywhere(&k.key, &k.grants, &k.label).await {
            Ok(r) => {
                kept += usize::from(!r.label_kept.is_empty());
                done.push(format!("{}: {}", name(&k.key), r.summary(&k.label)));
            }
            Err(e) => failed.push((name(&k.key), super::single::failure(e))),
        }
    }
    let result = if failed.is_empty() {
        match done.as_slice() {
            [one] => Ok(one.clone()),
            _ if kept > 0 => Ok(format!(
                "{} of {} keys relabelled at every grant: {}",
                done.len() - kept,
                done.len(),
                done.join("; ")
            )),
            _ => Ok(format!(
                "{} keys relabelled: {}",
                done.len(),
                done.join("; ")
            )),
        }
    } else {
        Err(failure_of(keys.len(), &done, failed))
    };
    WorkerMsg::OpDone {
        req_id,
        scopes,
        result,
        edits: Vec::new(),
    }
}

/// One failure for the run: which keys failed and why, which went through.
fn failure_of(total: usize, done: &[String], failed: Vec<(String, OpFailure)>) -> OpFailure {
    let pending = failed.iter().any(|(_, f)| f.pending);
    let cause = failed.iter().find_map(|(_, f)| f.cause.clone());
    let mut sentence = format!(
        "{} of {total} key(s) could not be relabelled. ",
        failed.len()
    );
    for (key, f) in &failed {
        sentence.push_str(&format!("✗ {key}: {} ", f.sentence));
    }
    for d in done {
        sentence.push_str(&format!("✓ {d} "));
    }
    OpFailure {
        sentence: sentence.trim_end().to_string(),
        pending,
        cause,
    }
}

/// How a key is named in messages: its label and id.
fn name(key: &AccessKey) -> String {
    format!("'{}' (key {})", clean_line(&key.label), key.id)
}

/// Every grant of `key` the credential can see.
async fn grants_of(forge: &dyn Forge, key: &AccessKey) -> Result<Vec<(Place, Grant)>, ForgeError> {
    let mut grants = Vec::new();
    // Every grant, not only what the two lookups show: one missed here would be lost.
    for place in forge.usage(key.id, UsageSearch::Thorough).await?.places {
        if let Some(k) = list_keys(forge, &place)
            .await?
            .into_iter()
            .find(|k| k.id == key.id)
        {
            grants.push((place, Grant::of(&k)));
        }
    }
    Ok(grants)
}

/// The request id of `cmd`, for the answer when it cannot run.
pub fn req_id(cmd: &ReplaceCommand) -> crate::tui::state::ReqId {
    match cmd {
        ReplaceCommand::Lookup { req_id, .. }
        | ReplaceCommand::LookupSelection { req_id, .. }
        | ReplaceCommand::Run { req_id, .. } => *req_id,
    }
}
