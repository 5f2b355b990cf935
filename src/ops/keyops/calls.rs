//! The forge calls and small helpers the key operations share: listing, posting and deleting a
//! key, fingerprints, and which refusals are final.

use super::Grant;
use crate::forge::{AccessKey, Forge, ForgeError, ForgeErrorKind, NewAccessKey, Place};
use crate::sshkey::{Fingerprint, PublicKey};

/// Lists the keys of a repository or project.
pub async fn list_keys(forge: &dyn Forge, scope: &Place) -> Result<Vec<AccessKey>, ForgeError> {
    forge.keys(scope).await
}

pub(super) async fn post_key(
    forge: &dyn Forge,
    scope: &Place,
    key: &str,
    label: &str,
    grant: Grant,
) -> Result<AccessKey, ForgeError> {
    let new = NewAccessKey {
        key: key.to_string(),
        label: label.to_string(),
        permission: grant.permission,
        expiry_days: grant.expiry_days,
    };
    forge.add_key(scope, &new).await
}

pub(super) async fn delete_id(forge: &dyn Forge, scope: &Place, id: u64) -> Result<(), ForgeError> {
    forge.delete_key(scope, id).await
}

/// The fingerprint of a key as the forge returned it.
pub fn fingerprint_of(key: &AccessKey) -> Option<Fingerprint> {
    PublicKey::from_server(&key.key)
        .ok()
        .map(|k| k.fingerprint())
}

/// Finds a key by fingerprint in a listing.
pub fn find_fingerprint<'k>(keys: &'k [AccessKey], fp: &str) -> Option<&'k AccessKey> {
    keys.iter()
        .find(|k| fingerprint_of(k).is_some_and(|f| f.as_str() == fp))
}

/// The label as the journal records it: `None` for a key without one.
pub(super) fn label_of(key: &AccessKey) -> Option<String> {
    (!key.label.is_empty()).then(|| key.label.clone())
}

pub(super) fn with_comment(key: &str, comment: Option<&str>) -> String {
    match comment.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => format!("{} {}", key.trim(), crate::sanitize::clean_line(c)),
        None => key.trim().to_string(),
    }
}

/// Refusals that retrying cannot fix. An answer that could not be read may hide a write that
/// landed, so it counts as an unknown outcome, not a refusal.
pub(super) fn permanent(e: &ForgeError) -> bool {
    !(e.kind.is_transient() || e.kind == ForgeErrorKind::Decode)
}
