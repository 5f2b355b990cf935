//! A plan as the journal records it: every place with the intents its writes will carry, so
//! that recovery knows the whole bulk change even if no write was made yet.

use super::plan::{Change, NewKey, Plan};
use crate::forge::AccessKey;
use crate::forge::Place;
use crate::journal::{BatchKind, BatchPlan, Intent, IntentRecord, PlannedItem};
use crate::ops::keyops::{Grant, fingerprint_of};
use crate::sshkey::PublicKey;

/// The journal's record of `plan`.
pub fn batch_plan(plan: &Plan) -> BatchPlan {
    let kind_of = |c: &Change| match c {
        Change::Add { .. } => BatchKind::Add,
        Change::Delete { .. } => BatchKind::Delete,
        Change::Relabel { .. } => BatchKind::Relabel,
        Change::Rotate { .. } => BatchKind::Rotate,
    };
    let mut kinds = plan.changes.iter().map(kind_of);
    let first = kinds.next().unwrap_or(BatchKind::Add);
    let kind = if kinds.all(|k| k == first) {
        first
    } else {
        BatchKind::Mixed
    };
    BatchPlan {
        kind,
        items: plan.changes.iter().map(planned_item).collect(),
        staged_at: None,
    }
}

/// The intents of one change.
pub fn planned_item(change: &Change) -> PlannedItem {
    let steps = match change {
        Change::Add { scope, key, label } => vec![adding(scope, key, label)],
        Change::Delete { scope, key } => vec![deleting(scope, key)],
        Change::Relabel {
            scope,
            key,
            new_label,
        } => vec![IntentRecord {
            intent: Intent::Relabel,
            new_label: Some(new_label.clone()),
            ..deleting(scope, key)
        }],
        Change::Rotate {
            scope,
            old,
            new,
            label,
        } => vec![adding(scope, new, label), deleting(scope, old)],
    };
    PlannedItem { steps }
}

fn adding(scope: &Place, key: &NewKey, label: &str) -> IntentRecord {
    let parsed = PublicKey::from_server(&key.text).ok();
    IntentRecord {
        intent: Intent::Add,
        scope: scope.clone(),
        key: parsed
            .as_ref()
            .map_or_else(|| key.text.clone(), |k| k.to_openssh()),
        fingerprint: key.fingerprint.to_string(),
        comment: parsed.as_ref().and_then(|k| k.comment().map(String::from)),
        old_label: None,
        new_label: Some(label.to_string()),
        old_id: None,
        batch: None,
        permission: Grant {
            permission: key.permission,
            expiry_days: key.expiry_days,
        }
        .journaled_permission(),
        expiry_days: key.expiry_days,
    }
}

fn deleting(scope: &Place, key: &AccessKey) -> IntentRecord {
    IntentRecord {
        intent: Intent::Delete,
        scope: scope.clone(),
        key: key.key.to_string(),
        fingerprint: fingerprint_of(key)
            .map(|f| f.to_string())
            .unwrap_or_default(),
        comment: key.comment.clone(),
        old_label: key.label().map(String::from),
        new_label: None,
        old_id: Some(key.id),
        batch: None,
        permission: Grant::of(key).journaled_permission(),
        expiry_days: key.expiry_days,
    }
}
