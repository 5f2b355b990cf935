//! The worker's half of `e` where a label belongs to the key: the grant lookup (the usage
//! lookups, then each place's listing for the grant's permission) and the journaled
//! replace-everywhere.

use crate::forge::{AccessKey, Forge, ForgeError, Place, UsageSearch};
use crate::ops::keyops::{Grant, KeyOps, list_keys};
use crate::tui::state::msg::{OpFailure, WorkerMsg};
use crate::tui::state::replace::{ReplaceCommand, ReplaceGrants};

/// Runs `cmd`.
pub async fn execute(ops: &KeyOps<'_>, cmd: ReplaceCommand) -> WorkerMsg {
    match cmd {
        ReplaceCommand::Lookup { req_id, key, label } => {
            let result = grants_of(ops.forge, &key)
                .await
                .map_err(|e| OpFailure::of_forge(&e));
            WorkerMsg::ReplaceGrants(Box::new(ReplaceGrants {
                req_id,
                key,
                label,
                result,
            }))
        }
        ReplaceCommand::Run {
            req_id,
            key,
            grants,
            label,
        } => {
            let scopes: Vec<Place> = grants.iter().map(|(p, _)| p.clone()).collect();
            let result = match ops.replace_everywhere(&key, &grants, &label).await {
                Ok(done) => Ok(done.summary(&label)),
                Err(e) => Err(super::single::failure(e)),
            };
            WorkerMsg::OpDone {
                req_id,
                scopes,
                result,
                edits: Vec::new(),
            }
        }
    }
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
        ReplaceCommand::Lookup { req_id, .. } | ReplaceCommand::Run { req_id, .. } => *req_id,
    }
}
