//! The second step of a staged rotation: the old key leaves a place only once the forge shows
//! the new key used there after the rotation was staged, so nothing that still depends on the
//! old key is cut off, and no place is ever without a working key.
//!
//! Like recovery, every decision is made from a fresh listing of the place, so running it
//! again, or after a crash of its own, does no harm. A place whose first step never finished
//! (a crash while staging) gets its new key now, and then waits like the others.

use super::*;
use crate::journal::{Batch, Found, PlannedItem};
use crate::ops::audit::Timestamp;

/// What one run of [`KeyOps::advance_batch`] did.
#[derive(Debug, Default)]
pub struct Advance {
    /// Places whose rotation ended (the old key removed, or found gone), as sentences.
    pub done: Vec<String>,
    /// Places still waiting for the new key's first use.
    pub waiting: Vec<Place>,
    /// Places that could not be read or changed; they stay open for the next run.
    pub failed: Vec<(Place, OpError)>,
    /// Whether the rotation is now finished everywhere.
    pub closed: bool,
}

/// Whether the forge shows `key` used after `since`.
fn used_since(key: &AccessKey, since: Timestamp) -> bool {
    key.last_used
        .as_deref()
        .and_then(Timestamp::parse)
        .is_some_and(|used| used > since)
}

impl KeyOps<'_> {
    /// Takes the staged rotation `batch` one step on: on each waiting place where the new key
    /// has been used since staging, the old key is deleted (journaled) and the place settled.
    /// The rotation closes once no place waits. Fails only when `batch` is not a staged
    /// rotation or the journal cannot be used; a place that fails is reported in
    /// [`Advance::failed`] and tried again next time.
    pub async fn advance_batch(&self, batch: &Batch) -> Result<Advance, OpError> {
        let _lock = self.journal.lock().await?;
        let fresh = match self.journal.resolve(&batch.id)? {
            Found::Batch(b) => b,
            Found::Entry(_) => return Err(JournalError::NoSuchEntry(batch.id.clone()).into()),
        };
        let since = match fresh.staged_at() {
            Some(at) => Timestamp::parse(at).ok_or_else(|| {
                OpError::Invalid(format!(
                    "the staging time {at:?} of {} cannot be read; finish it with `bbkeys journal finish {}`",
                    fresh.id, fresh.id
                ))
            })?,
            None => {
                return Err(OpError::Invalid(format!(
                    "{} is not a staged rotation; `bbkeys journal recover {}` finishes it",
                    fresh.id, fresh.id
                )));
            }
        };
        let mut out = Advance::default();
        if !fresh.pending() {
            out.closed = true;
            return Ok(out);
        }
        for i in fresh.unsettled() {
            let item = &fresh.plan.items[i];
            let Some(scope) = item.scope().cloned() else {
                continue;
            };
            match self.advance_item(&fresh, item, since).await {
                Ok(Some(what)) => {
                    self.journal.append(
                        &fresh.id,
                        Step::Settled {
                            item: i,
                            outcome: what.clone(),
                        },
                    )?;
                    self.close_item_entries(&fresh, item, Direction::Finish)?;
                    out.done.push(what);
                }
                Ok(None) => out.waiting.push(scope),
                Err(e) => out.failed.push((scope, e)),
            }
        }
        if out.waiting.is_empty() && out.failed.is_empty() {
            self.journal.append(
                &fresh.id,
                Step::Closed {
                    reason: "finished: the new key was used on every place".into(),
                },
            )?;
            out.closed = true;
        }
        Ok(out)
    }

    /// One place of a staged rotation: `Some(sentence)` once its rotation ended, `None` while
    /// it waits for the new key's first use.
    async fn advance_item(
        &self,
        batch: &Batch,
        item: &PlannedItem,
        since: Timestamp,
    ) -> Result<Option<String>, OpError> {
        let (Some(add), Some(del)) = (item.step(Intent::Add), item.step(Intent::Delete)) else {
            return Ok(Some("not a rotation: nothing to do".into()));
        };
        let scope = &add.scope;
        let keys = list_keys(self.forge, scope).await?;
        let Some(new) = find_fingerprint(&keys, &add.fingerprint) else {
            // Staging stopped before this place: do its first step now.
            let label = add.new_label.clone().unwrap_or_default();
            self.put(add, &label, batch).await?;
            return Ok(None);
        };
        if find_fingerprint(&keys, &del.fingerprint).is_none() {
            return Ok(Some(format!(
                "{scope} holds the new key {}; the old key {} was already gone",
                add.fingerprint, del.fingerprint
            )));
        }
        if !used_since(new, since) {
            return Ok(None);
        }
        self.remove(scope, &keys, &del.fingerprint, batch).await?;
        Ok(Some(format!(
            "{scope}: the new key {} was used on {}; the old key {} was deleted",
            add.fingerprint,
            crate::sanitize::clean_line(new.last_used.as_deref().unwrap_or_default()),
            del.fingerprint
        )))
    }
}
