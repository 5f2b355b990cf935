//! Finishing and reversing journal entries: `bbkeys journal recover` and `journal undo`, and
//! the TUI's recovery dialog.

use super::*;

impl KeyOps<'_> {
    /// Finishes a pending entry. Idempotent: a key already where it should be just closes it.
    /// Returns what was done, as a sentence.
    pub async fn recover(&self, entry: &Entry) -> Result<String, OpError> {
        let _lock = self.journal.lock().await?;
        // Another process may have finished it while we waited for the lock.
        let fresh = self.journal.find(&entry.id)?;
        if !fresh.pending() {
            return Ok(format!("entry {} was already finished", entry.id));
        }
        let r = &fresh.record;
        let keys = list_keys(self.client, &r.scope).await?;
        let present = find_fingerprint(&keys, &r.fingerprint).cloned();
        match r.intent {
            Intent::Add => match present {
                Some(k) => {
                    self.journal.append(&fresh.id, Step::Added { id: k.id })?;
                    self.done(&fresh.id, r)?;
                    Ok(format!(
                        "key {} is on {} (id {}); entry closed",
                        r.fingerprint, r.scope, k.id
                    ))
                }
                None => {
                    let k = self.readd_and_verify(&fresh.id, r).await?;
                    Ok(format!(
                        "added key {} to {} (id {})",
                        r.fingerprint, r.scope, k.id
                    ))
                }
            },
            Intent::Delete => match present {
                None => {
                    self.journal.append(&fresh.id, Step::Deleted)?;
                    self.done(&fresh.id, r)?;
                    Ok(format!(
                        "key {} is gone from {}; entry closed",
                        r.fingerprint, r.scope
                    ))
                }
                Some(k) => {
                    delete_id(self.client, &r.scope, k.id).await?;
                    self.journal.append(&fresh.id, Step::Deleted)?;
                    self.done(&fresh.id, r)?;
                    Ok(format!("deleted key {} from {}", r.fingerprint, r.scope))
                }
            },
            Intent::Relabel => {
                let want = r.new_label.clone().unwrap_or_default();
                match present {
                    Some(k) if k.label.as_deref() == Some(want.as_str()) || fresh.deleted => {
                        self.journal.append(&fresh.id, Step::Added { id: k.id })?;
                        self.done(&fresh.id, r)?;
                        Ok(format!(
                            "key {} is on {} as '{}' (id {}); entry closed",
                            r.fingerprint,
                            r.scope,
                            crate::sanitize::clean_line(k.label.as_deref().unwrap_or("")),
                            k.id
                        ))
                    }
                    Some(k) => {
                        // The delete never happened: carry the relabel through now.
                        match delete_id(self.client, &r.scope, k.id).await {
                            Ok(()) => {}
                            Err(e) if e.kind == ApiErrorKind::NotFound => {}
                            Err(e) => return Err(e.into()),
                        }
                        self.journal.append(&fresh.id, Step::Deleted)?;
                        let k = self.readd_and_verify(&fresh.id, r).await?;
                        Ok(format!(
                            "relabelled key {} on {} to '{}' (id {})",
                            r.fingerprint,
                            r.scope,
                            crate::sanitize::clean_line(&want),
                            k.id
                        ))
                    }
                    None => {
                        let k = self.readd_and_verify(&fresh.id, r).await?;
                        Ok(format!(
                            "re-added key {} to {} as '{}' (id {})",
                            r.fingerprint,
                            r.scope,
                            crate::sanitize::clean_line(&want),
                            k.id
                        ))
                    }
                }
            }
        }
    }

    /// Reverses an entry: re-adds a deleted key, deletes an added one, or puts the old label
    /// back. The reversal is journaled as an entry of its own.
    pub async fn undo(&self, entry: &Entry) -> Result<String, OpError> {
        let r = entry.record.clone();
        let keys = list_keys(self.client, &r.scope).await?;
        let present = find_fingerprint(&keys, &r.fingerprint).cloned();
        let result = match r.intent {
            Intent::Add => match present {
                Some(k) => {
                    self.delete(&r.scope, &k, None).await?;
                    format!("deleted key {} from {}", r.fingerprint, r.scope)
                }
                None => format!(
                    "key {} is not on {}; nothing to undo",
                    r.fingerprint, r.scope
                ),
            },
            Intent::Delete | Intent::Relabel => {
                let old = r.old_label.clone().unwrap_or_default();
                match present {
                    Some(k) if r.intent == Intent::Relabel => {
                        self.relabel(&r.scope, &k, &old, EditStrategy::Replace, None)
                            .await?;
                        format!(
                            "put label '{}' back on key {} of {}",
                            crate::sanitize::clean_line(&old),
                            r.fingerprint,
                            r.scope
                        )
                    }
                    Some(_) => format!(
                        "key {} is already on {}; nothing to undo",
                        r.fingerprint, r.scope
                    ),
                    None => {
                        let key =
                            PublicKey::from_server(&with_comment(&r.key, r.comment.as_deref()))
                                .map_err(|e| {
                                    OpError::Invalid(format!(
                                        "the journaled key cannot be read: {e}"
                                    ))
                                })?;
                        self.add(&r.scope, &key, &old, None).await?;
                        format!(
                            "re-added key {} to {} as '{}'",
                            r.fingerprint,
                            r.scope,
                            crate::sanitize::clean_line(&old)
                        )
                    }
                }
            }
        };
        if entry.pending() {
            let _lock = self.journal.lock().await?;
            self.journal.append(
                &entry.id,
                Step::Closed {
                    reason: format!("undone: {result}"),
                },
            )?;
        }
        Ok(result)
    }
}
