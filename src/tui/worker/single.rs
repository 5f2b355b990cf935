//! The worker's single-key writes: add, delete and relabel, each answered with what it did
//! to the keys, so the views need not read the place again.

use tokio::sync::mpsc::UnboundedSender;

use crate::config::EditStrategy;
use crate::forge::{AccessKey, Place};
use crate::ops::edits::KeyEdit;
use crate::ops::keyops::{AddOutcome, Grant, KeyOps, OpError, RelabelOutcome};
use crate::sanitize::clean_line;
use crate::sshkey::PublicKey;
use crate::tui::state::ReqId;
use crate::tui::state::msg::{OpFailure, WorkerMsg};

/// Adds `key` at `scope`; `answers` carries an offer to relabel a key found there under
/// another label.
pub async fn add_key(
    ops: &KeyOps<'_>,
    req_id: ReqId,
    scope: Place,
    key: PublicKey,
    label: String,
    grant: Grant,
    answers: &UnboundedSender<WorkerMsg>,
) -> WorkerMsg {
    let mut edits = Vec::new();
    let result = add(ops, &scope, &key, label, grant, answers, &mut edits).await;
    done(req_id, scope, result, edits)
}

/// Deletes `key` from `scope`.
pub async fn delete_key(
    ops: &KeyOps<'_>,
    req_id: ReqId,
    scope: Place,
    key: AccessKey,
) -> WorkerMsg {
    let mut edits = Vec::new();
    let result = delete(ops, &scope, key, &mut edits).await;
    done(req_id, scope, result, edits)
}

/// Changes the label of `key` at `scope`, in place or by delete and re-add.
pub async fn relabel_key(
    ops: &KeyOps<'_>,
    req_id: ReqId,
    scope: Place,
    key: AccessKey,
    label: String,
    strategy: EditStrategy,
) -> WorkerMsg {
    let mut edits = Vec::new();
    let result = relabel(ops, &scope, key, &label, strategy, &mut edits).await;
    done(req_id, scope, result, edits)
}

/// Sets the permission of `key` at `scope` in one request. Not journaled: nothing is removed,
/// so an interrupted change leaves the grant as it was or as asked.
pub async fn change_permission(
    forge: &dyn crate::forge::Forge,
    req_id: ReqId,
    scope: Place,
    key: AccessKey,
    permission: crate::forge::Permission,
) -> WorkerMsg {
    let mut edits = Vec::new();
    let result =
        match crate::ops::keyops::change_permission(forge, &scope, key.id, permission).await {
            Ok(new) => {
                let said = format!(
                    "'{}' (id {}) at {scope} is now {}",
                    clean_line(key.label.as_str()),
                    key.id,
                    new.permission.as_str()
                );
                edits.push(KeyEdit::Replaced {
                    scope: scope.clone(),
                    old: key,
                    new,
                });
                Ok(said)
            }
            Err(e) => Err(OpFailure::of_forge(&e)),
        };
    done(req_id, scope, result, edits)
}

/// The answer to a single-key write: what it did to the keys of its one place.
fn done(
    req_id: ReqId,
    scope: Place,
    result: Result<String, OpFailure>,
    edits: Vec<KeyEdit>,
) -> WorkerMsg {
    WorkerMsg::OpDone {
        req_id,
        scopes: vec![scope],
        result,
        edits,
    }
}

/// Adds `key`; a key already there under another label is offered for a relabel.
async fn add(
    ops: &KeyOps<'_>,
    scope: &Place,
    key: &PublicKey,
    label: String,
    grant: Grant,
    answers: &UnboundedSender<WorkerMsg>,
    edits: &mut Vec<KeyEdit>,
) -> Result<String, OpFailure> {
    match ops.add_granted(scope, key, &label, grant, None).await {
        Ok(AddOutcome::Added(k)) => {
            let said = format!(
                "Added {} to {scope} as '{}' (id {})",
                key.fingerprint(),
                clean_line(&label),
                k.id
            );
            edits.push(KeyEdit::Added {
                scope: scope.clone(),
                key: k,
            });
            Ok(said)
        }
        Ok(AddOutcome::AlreadyPresent(k)) => {
            let existing = k.label.clone();
            let said = format!(
                "{} is already on {scope} as '{}' (id {}); nothing was added",
                key.fingerprint(),
                clean_line(&existing),
                k.id
            );
            if existing != label {
                let _ = answers.send(WorkerMsg::LabelDiffers {
                    scope: scope.clone(),
                    key: Box::new(k.clone()),
                    wanted: label,
                });
            }
            edits.push(KeyEdit::Added {
                scope: scope.clone(),
                key: k,
            });
            Ok(said)
        }
        Err(e) => Err(failure(e)),
    }
}

async fn delete(
    ops: &KeyOps<'_>,
    scope: &Place,
    key: AccessKey,
    edits: &mut Vec<KeyEdit>,
) -> Result<String, OpFailure> {
    match ops.delete(scope, &key, None).await {
        Ok(()) => {
            let said = format!(
                "Deleted '{}' (id {}) from {scope}",
                clean_line(key.label.as_str()),
                key.id
            );
            edits.push(KeyEdit::Removed {
                scope: scope.clone(),
                key,
            });
            Ok(said)
        }
        Err(e) => Err(failure(e)),
    }
}

async fn relabel(
    ops: &KeyOps<'_>,
    scope: &Place,
    key: AccessKey,
    label: &str,
    strategy: EditStrategy,
    edits: &mut Vec<KeyEdit>,
) -> Result<String, OpFailure> {
    match ops.relabel(scope, &key, label, strategy, None).await {
        Ok(RelabelOutcome::InPlace(k) | RelabelOutcome::Replaced(k)) => {
            let said = if k.id == key.id {
                format!(
                    "Changed the label on {scope} to '{}' in place (id {} kept)",
                    clean_line(label),
                    k.id
                )
            } else {
                format!(
                    "Relabelled the key on {scope} to '{}' (deleted and re-added, new id {})",
                    clean_line(label),
                    k.id
                )
            };
            edits.push(KeyEdit::Replaced {
                scope: scope.clone(),
                old: key,
                new: k,
            });
            Ok(said)
        }
        Ok(RelabelOutcome::Unchanged(_)) => {
            Ok("The label was already that; nothing changed".to_string())
        }
        Err(e) => Err(failure(e)),
    }
}

/// The failure of a key operation, keeping the forge's error when the forge failed.
pub(crate) fn failure(e: OpError) -> OpFailure {
    let cause = match &e {
        OpError::Forge(f) | OpError::Pending { cause: Some(f), .. } => Some(f.clone()),
        _ => None,
    };
    OpFailure {
        pending: matches!(e, OpError::Pending { .. }),
        sentence: e.to_string(),
        cause,
    }
}
