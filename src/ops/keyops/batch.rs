//! Finishing or rolling back a bulk change from its journaled plan.
//!
//! Recovery looks at each place as it is now, not at how far the interrupted run got: every
//! step below is decided from a fresh listing, so running it twice, or after a crash of its
//! own, does no harm. A rotation is finished only when no place holds both keys: a place
//! whose old key cannot be removed is an error, never a quiet success, since a rotation is
//! often done because the old key leaked.

use super::*;
use crate::journal::{Batch, BatchKind, Found, PlannedItem};

/// Which way to take a bulk change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Carry out the rest of the plan.
    Finish,
    /// Put every place back as it was before the plan.
    RollBack,
}

/// What happened to one place.
type PlaceResult = Result<String, OpError>;

impl KeyOps<'_> {
    /// Recovers whatever `id` names: a batch is finished, an entry recovered as before.
    pub async fn recover_found(&self, found: &Found) -> Result<String, OpError> {
        match found {
            Found::Entry(e) => self.recover(e).await,
            Found::Batch(b) => self.settle_batch(b, Direction::Finish).await,
        }
    }

    /// Finishes or rolls back every place of `batch`, then closes it. Places that fail are
    /// reported together in one error, and the batch stays pending.
    pub async fn settle_batch(&self, batch: &Batch, dir: Direction) -> Result<String, OpError> {
        let _lock = self.journal.lock().await?;
        let fresh = match self.journal.resolve(&batch.id)? {
            Found::Batch(b) => b,
            Found::Entry(_) => return Err(JournalError::NoSuchEntry(batch.id.clone()).into()),
        };
        if dir == Direction::Finish && !fresh.pending() {
            return Ok(format!("batch {} was already finished", fresh.id));
        }
        if fresh.plan.kind == BatchKind::Replace {
            // Its places are settled together: no grant may come back before all are gone.
            let done = self.replace_batch(&fresh, dir).await?;
            let label = fresh
                .plan
                .items
                .first()
                .and_then(|i| i.step(Intent::Relabel))
                .map(|r| replace::wanted_label(r, dir))
                .unwrap_or_default();
            return Ok(done.summary(&label));
        }
        let (entries, _) = self.journal.read()?;
        let items: Vec<usize> = match dir {
            Direction::Finish => fresh.unsettled(),
            Direction::RollBack => (0..fresh.plan.items.len()).collect(),
        };
        let mut done = Vec::new();
        let mut failed = Vec::new();
        for i in items {
            let item = &fresh.plan.items[i];
            let started = item.scope().is_some_and(|scope| {
                entries
                    .iter()
                    .any(|e| fresh.owns(e) && &e.record.scope == scope)
            });
            let result = match dir {
                Direction::Finish => self.finish_item(&fresh, item, started).await,
                Direction::RollBack => self.roll_back_item(&fresh, item, started).await,
            };
            match result {
                Ok(what) => {
                    self.journal.append(
                        &fresh.id,
                        Step::Settled {
                            item: i,
                            outcome: what.clone(),
                        },
                    )?;
                    self.close_item_entries(&fresh, item, dir)?;
                    done.push(what);
                }
                Err(e) => failed.push(e),
            }
        }
        let verb = match dir {
            Direction::Finish => "finished",
            Direction::RollBack => "rolled back",
        };
        if failed.is_empty() {
            self.journal.append(
                &fresh.id,
                Step::Closed {
                    reason: format!("{verb} by recovery"),
                },
            )?;
            let what = if done.is_empty() {
                "nothing was left to do".to_string()
            } else {
                done.join("; ")
            };
            return Ok(format!("{verb}: {what}"));
        }
        let reasons: Vec<String> = failed.iter().map(|e| e.to_string()).collect();
        let cause = failed.into_iter().find_map(|e| match e {
            OpError::Forge(a) | OpError::Pending { cause: Some(a), .. } => Some(a),
            _ => None,
        });
        Err(OpError::Pending {
            entry: fresh.id.clone(),
            reason: format!(
                "{} place(s) of the bulk change could not be {verb}: {}.{}",
                reasons.len(),
                reasons.join("; "),
                if done.is_empty() {
                    String::new()
                } else {
                    format!(" Done meanwhile: {}.", done.join("; "))
                }
            ),
            cause,
        })
    }

    /// Closes the pending entries of `batch` on the item's place: the item is settled.
    pub(super) fn close_item_entries(
        &self,
        batch: &Batch,
        item: &PlannedItem,
        dir: Direction,
    ) -> Result<(), JournalError> {
        let (entries, _) = self.journal.read()?;
        for e in entries
            .iter()
            .filter(|e| e.pending() && batch.owns(e) && Some(&e.record.scope) == item.scope())
        {
            self.journal.append(
                &e.id,
                Step::Closed {
                    reason: match dir {
                        Direction::Finish => format!("finished by recovery of batch {}", batch.id),
                        Direction::RollBack => format!("rolled back with batch {}", batch.id),
                    },
                },
            )?;
        }
        Ok(())
    }

    /// Adds the key of `r` (its text and comment) to its place with `label`, granted as `r`
    /// records (read without expiry where it records nothing).
    pub(super) async fn put(
        &self,
        r: &IntentRecord,
        label: &str,
        batch: &Batch,
    ) -> Result<(), OpError> {
        let key = PublicKey::from_server(&with_comment(&r.key, r.comment.as_deref()))
            .map_err(|e| OpError::Invalid(format!("the journaled key cannot be read: {e}")))?;
        self.add_granted(
            &r.scope,
            &key,
            label,
            Grant::of_record(r),
            Some(batch.id.clone()),
        )
        .await?;
        Ok(())
    }

    /// Deletes the key `fp` from `scope` if it is in `keys`.
    pub(super) async fn remove(
        &self,
        scope: &Place,
        keys: &[AccessKey],
        fp: &str,
        batch: &Batch,
    ) -> Result<bool, OpError> {
        match find_fingerprint(keys, fp) {
            Some(k) => {
                self.delete(scope, k, Some(batch.id.clone())).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn finish_item(&self, batch: &Batch, item: &PlannedItem, started: bool) -> PlaceResult {
        let Some(first) = item.steps.first() else {
            return Ok("an empty item".into());
        };
        let scope = &first.scope;
        let keys = list_keys(self.forge, scope).await?;
        let label = |r: &IntentRecord| r.new_label.clone().unwrap_or_default();
        // Each item's own steps say what it does: a batch may mix kinds (a keys file applied).
        match (item.step(Intent::Add), item.step(Intent::Delete)) {
            (Some(add), Some(del)) => {
                if find_fingerprint(&keys, &add.fingerprint).is_none() {
                    self.put(add, &label(add), batch).await?;
                    let now = list_keys(self.forge, scope).await?;
                    if find_fingerprint(&now, &add.fingerprint).is_none() {
                        return Err(OpError::Invalid(format!(
                            "the new key {} does not show on {scope} after adding it; the old key was kept",
                            add.fingerprint
                        )));
                    }
                }
                let removed = self.remove(scope, &keys, &del.fingerprint, batch).await?;
                Ok(format!(
                    "{scope} holds the new key {}{}",
                    add.fingerprint,
                    if removed {
                        format!(" and no longer the old key {}", del.fingerprint)
                    } else {
                        String::new()
                    }
                ))
            }
            (None, Some(del)) => {
                let removed = self.remove(scope, &keys, &del.fingerprint, batch).await?;
                Ok(format!(
                    "key {} {} {scope}",
                    del.fingerprint,
                    if removed {
                        "deleted from"
                    } else {
                        "already gone from"
                    }
                ))
            }
            (Some(add), None) => match find_fingerprint(&keys, &add.fingerprint) {
                Some(_) => Ok(format!("key {} is on {scope}", add.fingerprint)),
                None => {
                    self.put(add, &label(add), batch).await?;
                    Ok(format!("added key {} to {scope}", add.fingerprint))
                }
            },
            (None, None) => match item.step(Intent::Relabel) {
                Some(r) => self.finish_relabel(batch, r, &keys, started).await,
                None => Ok("nothing to do".into()),
            },
        }
    }

    async fn finish_relabel(
        &self,
        batch: &Batch,
        r: &IntentRecord,
        keys: &[AccessKey],
        started: bool,
    ) -> PlaceResult {
        let want = r.new_label.clone().unwrap_or_default();
        let shown = crate::sanitize::clean_line(&want);
        match find_fingerprint(keys, &r.fingerprint) {
            Some(k) if k.label() == Some(want.as_str()) => Ok(format!(
                "key {} is on {} as '{shown}'",
                r.fingerprint, r.scope
            )),
            Some(k) => {
                self.relabel(
                    &r.scope,
                    k,
                    &want,
                    EditStrategy::Replace,
                    Some(batch.id.clone()),
                )
                .await?;
                Ok(format!(
                    "relabelled key {} on {} to '{shown}'",
                    r.fingerprint, r.scope
                ))
            }
            None if started => {
                self.put(r, &want, batch).await?;
                Ok(format!(
                    "re-added key {} to {} as '{shown}'",
                    r.fingerprint, r.scope
                ))
            }
            // bbkeys never touched this place, so someone else removed the key: it is not
            // brought back.
            None => Ok(format!(
                "key {} is no longer on {} and bbkeys had not removed it; left as it is",
                r.fingerprint, r.scope
            )),
        }
    }

    /// Puts one place back as it was before the plan. A place bbkeys never touched is left
    /// alone.
    async fn roll_back_item(
        &self,
        batch: &Batch,
        item: &PlannedItem,
        started: bool,
    ) -> PlaceResult {
        let Some(first) = item.steps.first() else {
            return Ok("an empty item".into());
        };
        let scope = &first.scope;
        if !started {
            return Ok(format!("{scope} was not changed"));
        }
        let keys = list_keys(self.forge, scope).await?;
        let old_label = |r: &IntentRecord| r.old_label.clone().unwrap_or_default();
        let mut did = Vec::new();
        // Put back what was removed first, so the place never goes without its old key.
        if let Some(del) = item.step(Intent::Delete)
            && find_fingerprint(&keys, &del.fingerprint).is_none()
        {
            self.put(del, &old_label(del), batch).await?;
            did.push(format!("re-added key {}", del.fingerprint));
        }
        if let Some(add) = item.step(Intent::Add)
            && self.remove(scope, &keys, &add.fingerprint, batch).await?
        {
            did.push(format!("deleted key {}", add.fingerprint));
        }
        if let Some(r) = item.step(Intent::Relabel) {
            let old = old_label(r);
            match find_fingerprint(&keys, &r.fingerprint) {
                Some(k) if k.label() == Some(old.as_str()) => {}
                Some(k) => {
                    self.relabel(
                        scope,
                        k,
                        &old,
                        EditStrategy::Replace,
                        Some(batch.id.clone()),
                    )
                    .await?;
                    did.push(format!(
                        "put label '{}' back on key {}",
                        crate::sanitize::clean_line(&old),
                        r.fingerprint
                    ));
                }
                None => {
                    self.put(r, &old, batch).await?;
                    did.push(format!(
                        "re-added key {} as '{}'",
                        r.fingerprint,
                        crate::sanitize::clean_line(&old)
                    ));
                }
            }
        }
        Ok(if did.is_empty() {
            format!("{scope} was already as before")
        } else {
            format!("{scope}: {}", did.join(", "))
        })
    }
}
