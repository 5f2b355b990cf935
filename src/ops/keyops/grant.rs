//! Posting a key: one POST with what a grant carries besides its label, and the retried
//! re-add (steps 3-5 of a relabel or a recovery) with its verification.

use super::*;

impl KeyOps<'_> {
    /// Steps 3-5: POST with retries (checking by fingerprint before each retry), then verify.
    pub(super) async fn readd_and_verify(
        &self,
        entry: &str,
        record: &IntentRecord,
        grant: Grant,
    ) -> Result<AccessKey, OpError> {
        let label = record
            .new_label
            .clone()
            .or_else(|| record.old_label.clone())
            .unwrap_or_default();
        let text = with_comment(&record.key, record.comment.as_deref());
        let tries = self.forge.max_tries().max(1);
        let mut last: Option<ForgeError> = None;
        for attempt in 0..tries {
            if attempt > 0 {
                tokio::time::sleep(
                    self.forge
                        .backoff(attempt - 1, last.as_ref().and_then(ForgeError::retry_after)),
                )
                .await;
                // The failed POST may have landed: look before posting again.
                if let Ok(keys) = list_keys(self.forge, &record.scope).await
                    && let Some(k) = find_fingerprint(&keys, &record.fingerprint)
                {
                    self.journal.append(entry, Step::Added { id: k.id })?;
                    self.done(entry, record)?;
                    return Ok(k.clone());
                }
            }
            match post_key(self.forge, &record.scope, &text, &label, grant).await {
                Ok(k) => {
                    self.journal.append(entry, Step::Added { id: k.id })?;
                    return self.verify(entry, record, k).await;
                }
                Err(e) if e.kind == ForgeErrorKind::Duplicate => {
                    // "Already on this repository": close once the fingerprint is verified.
                    let keys = list_keys(self.forge, &record.scope)
                        .await
                        .map_err(|le| self.pending_err(entry, "Bitbucket says the key is already there, but the listing to verify it failed.", le))?;
                    if let Some(k) = find_fingerprint(&keys, &record.fingerprint) {
                        self.journal.append(entry, Step::Added { id: k.id })?;
                        self.done(entry, record)?;
                        return Ok(k.clone());
                    }
                    return Err(self.pending_err(
                        entry,
                        "Bitbucket says the key is already there, but it is not in the listing.",
                        e,
                    ));
                }
                Err(e) if permanent(&e) => {
                    return Err(self.pending_err(
                        entry,
                        &format!(
                            "The key {} was deleted from {} but the re-add was refused.",
                            record.fingerprint, record.scope
                        ),
                        e,
                    ));
                }
                Err(e) => {
                    let _ = self.journal.append(
                        entry,
                        Step::Failed {
                            reason: e.to_string(),
                        },
                    );
                    last = Some(e);
                }
            }
            if self.stopped() {
                break;
            }
        }
        let e = last.unwrap_or_else(|| {
            ForgeError::new(
                ForgeErrorKind::Network,
                format!("No answer while adding a key to {}.", record.scope),
            )
        });
        Err(OpError::Pending {
            entry: entry.to_string(),
            reason: format!(
                "The key {} was deleted from {} but could not be re-added after {tries} tries.",
                record.fingerprint, record.scope
            ),
            cause: Some(e),
        })
    }

    async fn verify(
        &self,
        entry: &str,
        record: &IntentRecord,
        added: AccessKey,
    ) -> Result<AccessKey, OpError> {
        let keys = list_keys(self.forge, &record.scope).await.map_err(|e| {
            self.pending_err(
                entry,
                "The key was re-added but the listing to verify it failed.",
                e,
            )
        })?;
        match find_fingerprint(&keys, &record.fingerprint) {
            Some(k) => {
                self.done(entry, record)?;
                Ok(k.clone())
            }
            None => {
                let _ = self.journal.append(
                    entry,
                    Step::Failed {
                        reason: format!("re-added as id {} but not found when verifying", added.id),
                    },
                );
                Err(OpError::Pending {
                    entry: entry.to_string(),
                    reason: format!(
                        "The key {} was re-added to {} but does not show in the listing.",
                        record.fingerprint, record.scope
                    ),
                    cause: None,
                })
            }
        }
    }
}
