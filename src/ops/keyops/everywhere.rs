//! One key removed from several places at once, on a forge whose key is one entity with one id
//! at every place (Data Center): each removal journaled as a delete of its own, then one bulk
//! revoke, each place read back by the forge.

use super::{Grant, KeyOps, OpError, fingerprint_of, label_of, permanent};
use crate::forge::{AccessKey, ForgeErrorKind, Place};
use crate::journal::{Intent, IntentRecord, Step};

impl KeyOps<'_> {
    /// Deletes `key` (the same id everywhere) from every place of `scopes`, through
    /// [`crate::forge::Forge::revoke_at`]. One result per scope, in the order given.
    pub async fn delete_everywhere(
        &self,
        scopes: &[Place],
        key: &AccessKey,
        batch: Option<String>,
    ) -> Vec<Result<(), OpError>> {
        let _lock = match self.journal.lock().await {
            Ok(l) => l,
            Err(e) => {
                // Nothing is sent without the journal; every place reports why.
                let why = e.to_string();
                return scopes
                    .iter()
                    .map(|_| Err(OpError::Invalid(why.clone())))
                    .collect();
            }
        };
        let fp = fingerprint_of(key)
            .map(|f| f.to_string())
            .unwrap_or_default();
        let mut entries = Vec::with_capacity(scopes.len());
        for scope in scopes {
            let record = IntentRecord {
                intent: Intent::Delete,
                scope: scope.clone(),
                key: key.key.to_string(),
                fingerprint: fp.clone(),
                comment: key.comment.clone(),
                old_label: label_of(key),
                new_label: None,
                old_id: Some(key.id),
                batch: batch.clone(),
                permission: Grant::of(key).journaled_permission(),
                expiry_days: key.expiry_days,
            };
            match self.journal.begin(record.clone()) {
                Ok(entry) => entries.push(Ok((entry, record))),
                Err(e) => entries.push(Err(e)),
            }
        }
        // Nothing is sent for a place whose intent could not be written.
        let journaled: Vec<Place> = scopes
            .iter()
            .zip(&entries)
            .filter(|(_, e)| e.is_ok())
            .map(|(s, _)| s.clone())
            .collect();
        let answers = self.forge.revoke_at(key.id, &journaled).await;
        scopes
            .iter()
            .zip(entries)
            .map(|(scope, entry)| {
                let (entry, record) = entry?;
                let outcome = match &answers {
                    Ok(list) => list
                        .iter()
                        .find(|(p, _)| p == scope)
                        .map(|(_, r)| r.clone())
                        .unwrap_or(Ok(())),
                    Err(e) => Err(e.clone()),
                };
                match outcome {
                    Ok(()) => {}
                    Err(e) if e.kind == ForgeErrorKind::NotFound => {}
                    Err(e) if permanent(&e) => {
                        self.journal.append(
                            &entry,
                            Step::Closed {
                                reason: format!("refused: {e}"),
                            },
                        )?;
                        return Err(e.into());
                    }
                    Err(e) => {
                        return Err(self.pending_err(
                            &entry,
                            "The delete's outcome is unknown.",
                            e,
                        ));
                    }
                }
                self.journal.append(&entry, Step::Deleted)?;
                self.done(&entry, &record)?;
                Ok(())
            })
            .collect()
    }
}
