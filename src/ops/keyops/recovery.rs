//! Finishing and reversing journal entries: `bbkeys journal recover` and `journal undo`, and
//! the TUI's recovery dialog.

use super::*;
use crate::ops::edits::KeyEdit;

impl KeyOps<'_> {
    /// Finishes a pending entry. Idempotent: a key already where it should be just closes it.
    /// Returns what was done, as a sentence.
    pub async fn recover(&self, entry: &Entry) -> Result<String, OpError> {
        self.recover_listed(entry).await.map(|(said, _)| said)
    }

    /// [`Self::recover`], also returning the place's keys as they are once it is done (read
    /// before acting, then changed by what was done), for the views that show them.
    pub async fn recover_listed(
        &self,
        entry: &Entry,
    ) -> Result<(String, Option<KeyEdit>), OpError> {
        let _lock = self.journal.lock().await?;
        // Another process may have finished it while we waited for the lock.
        let fresh = self.journal.find(&entry.id)?;
        if !fresh.pending() {
            return Ok((format!("entry {} was already finished", entry.id), None));
        }
        let r = &fresh.record;
        let mut keys = list_keys(self.forge, &r.scope).await?;
        let present = find_fingerprint(&keys, &r.fingerprint).cloned();
        let said = self.finish(&fresh, present, &mut keys).await?;
        let listed = KeyEdit::Listed {
            scope: r.scope.clone(),
            keys,
        };
        Ok((said, Some(listed)))
    }

    /// Carries a pending entry through; `keys` (the place's keys as read) is kept up to date
    /// with what is done.
    async fn finish(
        &self,
        fresh: &Entry,
        present: Option<AccessKey>,
        keys: &mut Vec<AccessKey>,
    ) -> Result<String, OpError> {
        let r = &fresh.record;
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
                    let k = self
                        .readd_and_verify(&fresh.id, r, Grant::of_record(r))
                        .await?;
                    keys.push(k.clone());
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
                    delete_id(self.forge, &r.scope, k.id).await?;
                    keys.retain(|x| x.id != k.id);
                    self.journal.append(&fresh.id, Step::Deleted)?;
                    self.done(&fresh.id, r)?;
                    Ok(format!("deleted key {} from {}", r.fingerprint, r.scope))
                }
            },
            Intent::Relabel => {
                let want = r.new_label.clone().unwrap_or_default();
                match present {
                    Some(k) if k.label() == Some(want.as_str()) || fresh.deleted => {
                        self.journal.append(&fresh.id, Step::Added { id: k.id })?;
                        self.done(&fresh.id, r)?;
                        Ok(format!(
                            "key {} is on {} as '{}' (id {}); entry closed",
                            r.fingerprint,
                            r.scope,
                            crate::sanitize::clean_line(k.label.as_str()),
                            k.id
                        ))
                    }
                    Some(k) => {
                        // The delete never happened: carry the relabel through now.
                        match delete_id(self.forge, &r.scope, k.id).await {
                            Ok(()) => {}
                            Err(e) if e.kind == ForgeErrorKind::NotFound => {}
                            Err(e) => return Err(e.into()),
                        }
                        keys.retain(|x| x.id != k.id);
                        self.journal.append(&fresh.id, Step::Deleted)?;
                        let k = self
                            .readd_and_verify(&fresh.id, r, Grant::of_record(r))
                            .await?;
                        keys.push(k.clone());
                        Ok(format!(
                            "relabelled key {} on {} to '{}' (id {})",
                            r.fingerprint,
                            r.scope,
                            crate::sanitize::clean_line(&want),
                            k.id
                        ))
                    }
                    None => {
                        let k = self
                            .readd_and_verify(&fresh.id, r, Grant::of_record(r))
                            .await?;
                        keys.push(k.clone());
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
        let keys = list_keys(self.forge, &r.scope).await?;
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
                        self.add_granted(&r.scope, &key, &old, Grant::of_record(&r), None)
                            .await?;
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
