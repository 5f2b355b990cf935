//! A new label where the label belongs to the key and no request changes it (Data Center):
//! every grant is revoked, then the key is added again at each with the new label and that
//! grant's own permission and expiry.
//!
//! All grants go before any comes back: while one grant is left, the server keeps the key and
//! its old label, and a re-add would keep that label too. The whole plan (each grant with its
//! permission and expiry) is journaled as one batch before the first revoke, and each revoke
//! and re-add is a journaled entry of that batch. Finishing it, now or in recovery, is decided
//! from the places as they are: a grant still carrying another label is revoked, a grant bbkeys
//! revoked and that is missing is added back. Run twice, or after a crash of its own, it does
//! no harm, so a kill at any step loses no grant.

use super::*;
use crate::journal::{Batch, BatchKind, BatchPlan, Found, PlannedItem};

/// What a replace-everywhere did.
#[derive(Debug, Clone)]
pub struct Replaced {
    /// The batch id in the journal.
    pub batch: String,
    /// Each place that holds the key now, with the key as read back.
    pub places: Vec<(Place, AccessKey)>,
    /// Places where the key came back with another label than asked: a grant the credential
    /// cannot see keeps the key alive, and the server kept its label.
    pub label_kept: Vec<Place>,
    /// Places bbkeys had not touched where the key is gone: someone else removed it, so it is
    /// not brought back.
    pub left_alone: Vec<Place>,
}

impl Replaced {
    /// One sentence for the journal and the recovery report.
    pub fn summary(&self, label: &str) -> String {
        // A place where the server kept another label does not hold the new one.
        let took = self.places.len().saturating_sub(self.label_kept.len());
        let label = crate::sanitize::clean_line(label);
        let mut s = if self.label_kept.is_empty() {
            format!("{took} grant(s) hold the key as '{label}'")
        } else {
            format!(
                "{took} of {} grant(s) hold the key as '{label}'",
                self.places.len()
            )
        };
        if !self.label_kept.is_empty() {
            s.push_str(&format!(
                "; the server kept another label on {} (a grant bbkeys cannot see keeps the key)",
                places_list(&self.label_kept)
            ));
        }
        if !self.left_alone.is_empty() {
            s.push_str(&format!(
                "; the key is no longer on {} and bbkeys had not removed it, so it is left as it is",
                places_list(&self.left_alone)
            ));
        }
        s
    }
}

/// The label a place should end with: the new one when finishing, the old one when rolling
/// back.
pub(super) fn wanted_label(r: &IntentRecord, dir: Direction) -> String {
    match dir {
        Direction::Finish => r.new_label.clone(),
        Direction::RollBack => r.old_label.clone(),
    }
    .unwrap_or_default()
}

fn places_list(places: &[Place]) -> String {
    places
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl KeyOps<'_> {
    /// Relabels `key` at every place of `grants`, each kept with its own permission and
    /// expiry; see the module documentation. A revoke refused at one place puts back the
    /// grants already revoked, with the old label, and reports the refusal.
    pub async fn replace_everywhere(
        &self,
        key: &AccessKey,
        grants: &[(Place, Grant)],
        new_label: &str,
    ) -> Result<Replaced, OpError> {
        let fp = fingerprint_of(key).ok_or_else(|| {
            OpError::Invalid(format!(
                "key {} cannot be read, so it cannot be re-added safely",
                key.id
            ))
        })?;
        let _lock = self.journal.lock().await?;
        let items = grants
            .iter()
            .map(|(place, grant)| PlannedItem {
                steps: vec![IntentRecord {
                    intent: Intent::Relabel,
                    scope: place.clone(),
                    key: key.key.to_string(),
                    fingerprint: fp.to_string(),
                    comment: key.comment.clone(),
                    old_label: label_of(key),
                    new_label: Some(new_label.to_string()),
                    old_id: Some(key.id),
                    batch: None,
                    permission: grant.journaled_permission(),
                    expiry_days: grant.expiry_days,
                }],
            })
            .collect();
        let id = self.journal.begin_batch(BatchPlan {
            kind: BatchKind::Replace,
            items,
            staged_at: None,
        })?;
        let Found::Batch(batch) = self.journal.resolve(&id)? else {
            return Err(JournalError::NoSuchEntry(id).into());
        };
        if self.stopped() {
            self.journal.append(
                &id,
                Step::Closed {
                    reason: "cancelled before anything changed".into(),
                },
            )?;
            return Err(OpError::Interrupted(format!(
                "nothing changed; journal entry {id} is closed."
            )));
        }
        match self.replace_batch(&batch, Direction::Finish).await {
            Ok(done) => Ok(done),
            // Refused before any grant came back: put back the ones already revoked.
            Err(refused @ OpError::Forge(_)) => {
                match self.replace_batch(&batch, Direction::RollBack).await {
                    Ok(_) => Err(refused),
                    Err(e) => Err(OpError::Pending {
                        entry: id,
                        reason: format!(
                            "A revoke was refused ({refused}), and putting back the grants already revoked failed: {e}"
                        ),
                        cause: None,
                    }),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Finishes (`dir` = finish: the new label) or rolls back (the old label) a
    /// replace-everywhere from the places as they are now, then closes the batch. The caller
    /// holds the journal lock. A refused revoke is returned as it is; any other failure
    /// leaves the batch pending.
    pub(super) async fn replace_batch(
        &self,
        batch: &Batch,
        dir: Direction,
    ) -> Result<Replaced, OpError> {
        let steps: Vec<&IntentRecord> = batch
            .plan
            .items
            .iter()
            .filter_map(|i| i.step(Intent::Relabel))
            .collect();
        let want = |r: &IntentRecord| wanted_label(r, dir);
        let (entries, _) = self.journal.read()?;
        let mut started: Vec<bool> = steps
            .iter()
            .map(|r| {
                entries
                    .iter()
                    .any(|e| batch.owns(e) && e.record.scope == r.scope)
            })
            .collect();
        // Every grant goes before any comes back, or the server would keep the old label.
        for (i, r) in steps.iter().enumerate() {
            let keys = list_keys(self.forge, &r.scope)
                .await
                .map_err(|e| self.batch_pending(batch, &r.scope, "could not be read", e))?;
            if let Some(k) = find_fingerprint(&keys, &r.fingerprint)
                && k.label() != Some(want(r).as_str())
            {
                started[i] = true;
                self.delete(&r.scope, k, Some(batch.id.clone()))
                    .await
                    .map_err(|e| match e {
                        OpError::Forge(f) if permanent(&f) => OpError::Forge(f),
                        OpError::Forge(f) => {
                            self.batch_pending(batch, &r.scope, "was not revoked", f)
                        }
                        other => other,
                    })?;
            }
        }
        let mut left_alone = Vec::new();
        let mut failed = Vec::new();
        for (i, r) in steps.iter().enumerate() {
            if let Err(e) = self.give_back(batch, r, &want(r), started[i]).await {
                failed.push(format!("{}: {e}", r.scope));
            } else if !started[i] {
                left_alone.push(r.scope.clone());
            }
        }
        let mut done = self.read_back(&steps, dir, &mut failed).await;
        done.batch = batch.id.clone();
        done.left_alone = left_alone
            .into_iter()
            .filter(|p| !done.places.iter().any(|(q, _)| q == p))
            .collect();
        if !failed.is_empty() {
            return Err(OpError::Pending {
                entry: batch.id.clone(),
                reason: format!(
                    "{} grant(s) of the relabel are not back yet: {}.",
                    failed.len(),
                    failed.join("; ")
                ),
                cause: None,
            });
        }
        let label = steps.first().map(|r| want(r)).unwrap_or_default();
        let summary = done.summary(&label);
        for (i, item) in batch.plan.items.iter().enumerate() {
            self.journal.append(
                &batch.id,
                Step::Settled {
                    item: i,
                    outcome: summary.clone(),
                },
            )?;
            self.close_item_entries(batch, item, dir)?;
        }
        self.journal.append(
            &batch.id,
            Step::Closed {
                reason: match dir {
                    Direction::Finish => format!("finished: {summary}"),
                    Direction::RollBack => format!("rolled back: {summary}"),
                },
            },
        )?;
        Ok(done)
    }

    /// Adds the key of `r` back at its place with `label` and the journaled grant, when bbkeys
    /// revoked it there (`started`) and it is missing.
    async fn give_back(
        &self,
        batch: &Batch,
        r: &IntentRecord,
        label: &str,
        started: bool,
    ) -> Result<(), OpError> {
        let keys = list_keys(self.forge, &r.scope).await?;
        if !started || find_fingerprint(&keys, &r.fingerprint).is_some() {
            return Ok(());
        }
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

    /// Reads every place back: where the key is, and where it shows another label.
    async fn read_back(
        &self,
        steps: &[&IntentRecord],
        dir: Direction,
        failed: &mut Vec<String>,
    ) -> Replaced {
        let mut done = Replaced {
            batch: String::new(),
            places: Vec::new(),
            label_kept: Vec::new(),
            left_alone: Vec::new(),
        };
        for r in steps {
            match list_keys(self.forge, &r.scope).await {
                Ok(keys) => {
                    if let Some(k) = find_fingerprint(&keys, &r.fingerprint) {
                        if k.label() != Some(wanted_label(r, dir).as_str()) {
                            done.label_kept.push(r.scope.clone());
                        }
                        done.places.push((r.scope.clone(), k.clone()));
                    }
                }
                Err(e) => failed.push(format!("{}: could not be read back: {e}", r.scope)),
            }
        }
        done
    }

    fn batch_pending(&self, batch: &Batch, place: &Place, what: &str, e: ForgeError) -> OpError {
        OpError::Pending {
            entry: batch.id.clone(),
            reason: format!("{place} {what}: {e}"),
            cause: Some(e),
        }
    }
}
