//! Journaled single-key operations: add, delete, relabel, and finishing or reversing a
//! journal entry. The TUI and the CLI both call these.
//!
//! The relabel sequence (the only way to change a label that always works, since Bitbucket
//! refuses to modify keys and project keys have no update call):
//! 1. write the intent to the journal and fsync it;
//! 2. DELETE the old key;
//! 3. POST it again with the new label and the original comment, retrying with backoff, and
//!    before every retry listing the keys, since a failed POST may have landed;
//! 4. verify by listing and finding the fingerprint;
//! 5. mark the entry done.
//!
//! If step 3 keeps failing the entry stays pending: it is never dropped.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::config::EditStrategy;
use crate::forge::Place;
use crate::forge::{AccessKey, Forge, ForgeError, ForgeErrorKind};
use crate::journal::{Entry, Intent, IntentRecord, Journal, JournalError, Step};
use crate::sshkey::PublicKey;

/// Why a key operation did not complete.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// The forge refused or could not be reached, and nothing is left half-done.
    #[error("{0}")]
    Forge(#[from] ForgeError),
    /// The journal could not be written: nothing was sent.
    #[error("{0}")]
    Journal(#[from] JournalError),
    /// The operation stopped part-way; the journal entry stays pending.
    #[error(
        "{reason} The journal entry {entry} stays pending; run `bbkeys journal recover` to finish it."
    )]
    Pending {
        /// Entry id.
        entry: String,
        /// What happened, as a sentence.
        reason: String,
        /// The last forge error, when there was one.
        cause: Option<ForgeError>,
    },
    /// Stopped by Ctrl-C or SIGTERM between two steps.
    #[error("Interrupted: {0}")]
    Interrupted(String),
    /// The request does not make sense (for example a key Bitbucket sent that cannot be read).
    #[error("{0}")]
    Invalid(String),
}

impl OpError {
    /// Whether the failure is an authentication or permission refusal.
    pub fn is_auth_problem(&self) -> bool {
        match self {
            OpError::Forge(e) => e.is_auth_problem(),
            OpError::Pending { cause: Some(e), .. } => e.is_auth_problem(),
            _ => false,
        }
    }
}

/// The result of an add.
#[derive(Debug, Clone)]
pub enum AddOutcome {
    /// Added now.
    Added(AccessKey),
    /// The key was already there (found by fingerprint).
    AlreadyPresent(AccessKey),
}

/// The result of a relabel.
#[derive(Debug, Clone)]
pub enum RelabelOutcome {
    /// Changed in place with PUT: same id, last-used date kept.
    InPlace(AccessKey),
    /// Deleted and re-added: new id, last-used date reset.
    Replaced(AccessKey),
    /// The label was already the requested one.
    Unchanged(AccessKey),
}

/// Shared context of the operations.
pub struct KeyOps<'a> {
    /// The forge the keys are on.
    pub forge: &'a dyn Forge,
    /// The journal of this account.
    pub journal: &'a Journal,
    /// Set by Ctrl-C or SIGTERM: the current step is finished, then the operation stops.
    pub stop: Option<&'a AtomicBool>,
}

impl KeyOps<'_> {
    fn stopped(&self) -> bool {
        self.stop.is_some_and(|s| s.load(Ordering::SeqCst))
    }

    /// Adds `key` with `label`; a key already there (by fingerprint) is reported as present.
    pub async fn add(
        &self,
        scope: &Place,
        key: &PublicKey,
        label: &str,
        batch: Option<String>,
    ) -> Result<AddOutcome, OpError> {
        self.add_granted(scope, key, label, Grant::default(), batch)
            .await
    }

    /// [`KeyOps::add`] with a permission and an expiry (Data Center). The journal records
    /// both, so recovery re-adds the key as it was asked for.
    pub async fn add_granted(
        &self,
        scope: &Place,
        key: &PublicKey,
        label: &str,
        grant: Grant,
        batch: Option<String>,
    ) -> Result<AddOutcome, OpError> {
        let _lock = self.journal.lock().await?;
        let record = IntentRecord {
            intent: Intent::Add,
            scope: scope.clone(),
            key: key.to_openssh(),
            fingerprint: key.fingerprint().to_string(),
            comment: key.comment().map(String::from),
            old_label: None,
            new_label: Some(label.to_string()),
            old_id: None,
            batch,
            permission: grant.journaled_permission(),
            expiry_days: grant.expiry_days,
        };
        let entry = self.journal.begin(record.clone())?;
        match post_key(
            self.forge,
            scope,
            &key.to_openssh_with_comment(),
            label,
            grant,
        )
        .await
        {
            Ok(k) => {
                self.journal.append(&entry, Step::Added { id: k.id })?;
                self.done(&entry, &record)?;
                Ok(AddOutcome::Added(k))
            }
            Err(e) if e.kind == ForgeErrorKind::Duplicate => {
                let keys = list_keys(self.forge, scope).await.map_err(|le| {
                    self.pending_err(
                        &entry,
                        "The key may already be there, but the listing failed.",
                        le,
                    )
                })?;
                match find_fingerprint(&keys, &record.fingerprint) {
                    Some(k) => {
                        self.journal.append(
                            &entry,
                            Step::Closed {
                                reason: "already present".into(),
                            },
                        )?;
                        self.journal.close_superseded(&record, &entry)?;
                        Ok(AddOutcome::AlreadyPresent(k.clone()))
                    }
                    None => {
                        self.journal.append(
                            &entry,
                            Step::Closed {
                                reason: format!("refused: {e}"),
                            },
                        )?;
                        Err(e.into())
                    }
                }
            }
            Err(e) if permanent(&e) => {
                self.journal.append(
                    &entry,
                    Step::Closed {
                        reason: format!("refused: {e}"),
                    },
                )?;
                Err(e.into())
            }
            Err(e) => Err(self.pending_err(&entry, "The add's outcome is unknown.", e)),
        }
    }

    /// Marks `entry` done and closes the pending entries it made moot (an earlier attempt at
    /// the same change that failed), so a retry that succeeds leaves nothing pending.
    fn done(&self, entry: &str, record: &IntentRecord) -> Result<(), JournalError> {
        self.journal.append(entry, Step::Done)?;
        self.journal.close_superseded(record, entry)
    }

    fn pending_err(&self, entry: &str, what: &str, e: ForgeError) -> OpError {
        let reason = format!("{what} {e}");
        let _ = self.journal.append(
            entry,
            Step::Failed {
                reason: e.to_string(),
            },
        );
        OpError::Pending {
            entry: entry.to_string(),
            reason,
            cause: Some(e),
        }
    }

    /// Deletes `key` from `scope`.
    pub async fn delete(
        &self,
        scope: &Place,
        key: &AccessKey,
        batch: Option<String>,
    ) -> Result<(), OpError> {
        let fp = fingerprint_of(key)
            .map(|f| f.to_string())
            .unwrap_or_default();
        let _lock = self.journal.lock().await?;
        let record = IntentRecord {
            intent: Intent::Delete,
            scope: scope.clone(),
            key: key.key.to_string(),
            fingerprint: fp,
            comment: key.comment.clone(),
            old_label: label_of(key),
            new_label: None,
            old_id: Some(key.id),
            batch,
            permission: Grant::of(key).journaled_permission(),
            expiry_days: key.expiry_days,
        };
        let entry = self.journal.begin(record.clone())?;
        self.delete_step(&entry, scope, key.id, "refused").await?;
        self.done(&entry, &record)?;
        Ok(())
    }

    /// The journaled DELETE shared by delete and relabel: a key already gone counts as
    /// deleted; a refusal closes the entry (`refused` starts its reason); a lost answer leaves
    /// it pending. On success the `Deleted` step is written.
    async fn delete_step(
        &self,
        entry: &str,
        scope: &Place,
        id: u64,
        refused: &str,
    ) -> Result<(), OpError> {
        match delete_id(self.forge, scope, id).await {
            Ok(()) => {}
            // Already gone is what a delete wants.
            Err(e) if e.kind == ForgeErrorKind::NotFound => {}
            Err(e) if permanent(&e) => {
                self.journal.append(
                    entry,
                    Step::Closed {
                        reason: format!("{refused}: {e}"),
                    },
                )?;
                return Err(e.into());
            }
            Err(e) => return Err(self.pending_err(entry, "The delete's outcome is unknown.", e)),
        }
        self.journal.append(entry, Step::Deleted)?;
        Ok(())
    }

    /// Changes the label of `key` on `scope`; see the module documentation for the sequence.
    pub async fn relabel(
        &self,
        scope: &Place,
        key: &AccessKey,
        new_label: &str,
        strategy: EditStrategy,
        batch: Option<String>,
    ) -> Result<RelabelOutcome, OpError> {
        if key.label == new_label {
            return Ok(RelabelOutcome::Unchanged(key.clone()));
        }
        let fp = fingerprint_of(key).ok_or_else(|| {
            OpError::Invalid(format!(
                "key {} on {scope} cannot be read, so it cannot be re-added safely",
                key.id
            ))
        })?;
        if strategy == EditStrategy::InPlace && self.forge.caps().in_place_label {
            match self.forge.relabel_in_place(scope, key, new_label).await {
                Ok(k) => return Ok(RelabelOutcome::InPlace(k)),
                Err(e) if e.is_auth_problem() => return Err(e.into()),
                Err(e) => {
                    tracing::info!(
                        kind = e.code(),
                        "in-place label update refused; falling back to delete and re-add"
                    )
                }
            }
        }
        let _lock = self.journal.lock().await?;
        let record = IntentRecord {
            intent: Intent::Relabel,
            scope: scope.clone(),
            key: key.key.to_string(),
            fingerprint: fp.to_string(),
            comment: key.comment.clone(),
            old_label: label_of(key),
            new_label: Some(new_label.to_string()),
            old_id: Some(key.id),
            batch,
            permission: Grant::of(key).journaled_permission(),
            expiry_days: key.expiry_days,
        };
        let entry = self.journal.begin(record.clone())?;
        if self.stopped() {
            self.journal.append(
                &entry,
                Step::Closed {
                    reason: "cancelled before anything changed".into(),
                },
            )?;
            return Err(OpError::Interrupted(format!(
                "nothing changed; journal entry {entry} is closed."
            )));
        }
        self.delete_step(&entry, scope, key.id, "not started: the delete was refused")
            .await?;
        if self.stopped() {
            return Err(OpError::Interrupted(format!(
                "the key {fp} was deleted from {scope} but not re-added yet; journal entry {entry} is PENDING. Run `bbkeys journal recover` to re-add it."
            )));
        }
        // Data Center re-adds with the same permission and expiry (its §7); Cloud has neither.
        let grant = Grant {
            permission: key.permission,
            expiry_days: key.expiry_days,
        };
        let k = self.readd_and_verify(&entry, &record, grant).await?;
        Ok(RelabelOutcome::Replaced(k))
    }
}

mod batch;
mod calls;
mod everywhere;
mod grant;
mod permission;
mod recovery;
mod replace;
mod staged;

pub use batch::Direction;
use calls::{delete_id, label_of, permanent, post_key, with_comment};
pub use calls::{find_fingerprint, fingerprint_of, list_keys};
pub use permission::{Grant, change_permission};
pub use replace::Replaced;
pub use staged::Advance;

#[cfg(test)]
mod memory_tests;
#[cfg(test)]
mod replace_tests;
#[cfg(test)]
mod staged_tests;
