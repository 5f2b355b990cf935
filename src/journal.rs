//! A write-ahead journal of destructive operations, so that no key is ever lost.
//!
//! Relabelling is a delete followed by a re-add (Bitbucket never lets a key change, and even
//! label updates have been refused). Between the two calls the key exists only here. Every
//! step is appended as one JSON line and fsynced before the next request is sent; on start,
//! pending entries are found and can be finished (`recover`) or reversed (`undo`).
//!
//! The journal holds public keys, labels and ids: never a credential.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::forge::{Permission, Place};

mod batch;
mod fold;
mod lookup;

pub use batch::{Batch, BatchKind, BatchPlan, EndState, PlannedItem, reaches};
pub use fold::{fold, parse_journal};
pub use lookup::{Folded, Found, Outstanding};

/// What an entry set out to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Add a key.
    Add,
    /// Delete a key.
    Delete,
    /// Delete and re-add a key with a new label.
    Relabel,
}

/// The first line of an entry: everything needed to finish or undo it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntentRecord {
    /// What to do.
    pub intent: Intent,
    /// Where.
    pub scope: Place,
    /// The full public key text (`<type> <base64>`), comment not included.
    pub key: String,
    /// `SHA256:...` of the key.
    pub fingerprint: String,
    /// The key's comment, re-sent on re-add so it survives.
    pub comment: Option<String>,
    /// The label before (delete, relabel).
    pub old_label: Option<String>,
    /// The label after (add, relabel).
    pub new_label: Option<String>,
    /// The key's id before (delete, relabel).
    pub old_id: Option<u64>,
    /// Batch this entry belongs to, for bulk operations.
    #[serde(default)]
    pub batch: Option<String>,
    /// The grant's permission, where the forge has permissions (Data Center), so a re-add
    /// gives back what was revoked. Added after the first format: absent means read, and
    /// it is not written when absent, so Cloud entries stay byte for byte as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<Permission>,
    /// The key's expiry in days, where the forge has expiry (Data Center); absent means none.
    /// Added after the first format, like `permission`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_days: Option<u32>,
}

/// One step of an entry, as written to the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// The intent, written and fsynced before any request.
    Intent(IntentRecord),
    /// The old key was deleted (or found already gone).
    Deleted,
    /// The key was added with this id.
    Added {
        /// New id.
        id: u64,
    },
    /// An attempt failed; the entry stays pending.
    Failed {
        /// The error sentence.
        reason: String,
    },
    /// Verified by fingerprint: the entry is finished.
    Done,
    /// Closed without finishing, with the reason (nothing changed, undone, superseded).
    Closed {
        /// Why.
        reason: String,
    },
    /// The plan of a bulk change, written before its first write; the line's entry is the
    /// batch id. Added after the first format, which never has it.
    Plan(BatchPlan),
    /// One item of a bulk change reached an end.
    Settled {
        /// Its index in the plan.
        item: usize,
        /// How it ended.
        outcome: String,
    },
}

/// A line of the journal file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// Entry id.
    pub entry: String,
    /// RFC 3339 time of the step.
    pub at: String,
    /// The step.
    #[serde(flatten)]
    pub step: Step,
}

/// The state of an entry, folded from its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Entry id.
    pub id: String,
    /// When the intent was written.
    pub started: String,
    /// The intent.
    pub record: IntentRecord,
    /// The old key was deleted.
    pub deleted: bool,
    /// The new key's id, once added.
    pub added_id: Option<u64>,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// Finished (done or closed).
    pub finished: bool,
    /// How it finished.
    pub outcome: Option<String>,
}

impl Entry {
    /// Whether the entry still needs attention.
    pub fn pending(&self) -> bool {
        !self.finished
    }

    /// One sentence on where the entry stands, for the recovery dialog and the CLI warning.
    ///
    /// The whole sentence is cleaned, not just the labels: every field comes from a file that
    /// a crash may have cut or a person may have edited, and the sentence goes to a terminal.
    pub fn describe(&self) -> String {
        crate::sanitize::clean_line(&self.describe_raw())
    }

    fn describe_raw(&self) -> String {
        let r = &self.record;
        let label = |l: &Option<String>| {
            l.as_deref()
                .map(crate::sanitize::clean_line)
                .unwrap_or_default()
        };
        match (r.intent, self.deleted, self.added_id, self.finished) {
            (_, _, _, true) => format!(
                "{} {} on {}: {}",
                verb(r.intent),
                r.fingerprint,
                r.scope,
                self.outcome.clone().unwrap_or_default()
            ),
            (Intent::Relabel, true, None, false) => format!(
                "key {} ('{}') was deleted from {} but not re-added as '{}'",
                r.fingerprint,
                label(&r.old_label),
                r.scope,
                label(&r.new_label)
            ),
            (Intent::Relabel, false, _, false) => format!(
                "relabel of key {} on {} from '{}' to '{}' was started; the key may not have been deleted yet",
                r.fingerprint,
                r.scope,
                label(&r.old_label),
                label(&r.new_label)
            ),
            (Intent::Relabel, true, Some(_), false) => format!(
                "key {} was re-added to {} as '{}' but not verified yet",
                r.fingerprint,
                r.scope,
                label(&r.new_label)
            ),
            (Intent::Add, _, _, false) => format!(
                "adding key {} to {} as '{}' did not finish",
                r.fingerprint,
                r.scope,
                label(&r.new_label)
            ),
            (Intent::Delete, _, _, false) => format!(
                "deleting key {} ('{}') from {} did not finish",
                r.fingerprint,
                label(&r.old_label),
                r.scope
            ),
        }
    }
}

fn verb(i: Intent) -> &'static str {
    match i {
        Intent::Add => "add",
        Intent::Delete => "delete",
        Intent::Relabel => "relabel",
    }
}

/// Why the journal could not be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// File-system failure.
    #[error("the journal {path} could not be {action}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was attempted.
        action: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// Another process holds the lock.
    #[error(
        "the journal {0} is in use by another bbkeys process; wait for it to finish and try again"
    )]
    Locked(PathBuf),
    /// No such entry.
    #[error("there is no journal entry {0}; `bbkeys journal list --all` shows the entries")]
    NoSuchEntry(String),
    /// The id given matches more than one entry.
    #[error(
        "the journal id {id} matches more than one entry ({}); give more of the id",
        candidates.join(", ")
    )]
    Ambiguous {
        /// What was given.
        id: String,
        /// Every id it matches.
        candidates: Vec<String>,
    },
}

/// What reading the journal found besides entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadReport {
    /// Line numbers (1-based) that could not be read and were skipped.
    pub skipped_lines: Vec<usize>,
}

impl ReadReport {
    /// A warning sentence, or None when everything was read.
    pub fn warning(&self, path: &Path) -> Option<String> {
        if self.skipped_lines.is_empty() {
            return None;
        }
        let lines: Vec<String> = self.skipped_lines.iter().map(|n| n.to_string()).collect();
        Some(format!(
            "the journal {} has {} unreadable line(s) (line {}), probably cut short by a crash; they were skipped",
            path.display(),
            self.skipped_lines.len(),
            lines.join(", ")
        ))
    }
}

/// The journal of one API origin and account.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
    lock_timeout: Duration,
}

/// A hold on the journal, exclusive against other processes; released when the last holder
/// in this process drops it. Tasks of one process share it, so a bulk operation's items can
/// run concurrently while a second bbkeys process waits.
#[derive(Debug, Clone)]
pub struct JournalLock {
    _file: Arc<File>,
}

/// Live locks of this process, by journal path.
static HELD: Mutex<Vec<(PathBuf, Weak<File>)>> = Mutex::new(Vec::new());

/// Serialises appends within this process, so lines never interleave.
static APPEND: Mutex<()> = Mutex::new(());

impl Journal {
    /// The journal in `dir` (created on first write).
    pub fn in_dir(dir: &Path) -> Journal {
        Journal {
            path: dir.join("journal.jsonl"),
            lock_timeout: Duration::from_secs(30),
        }
    }

    /// Sets how long `lock` waits for another process.
    pub fn with_lock_timeout(mut self, t: Duration) -> Journal {
        self.lock_timeout = t;
        self
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, action: &'static str) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
        move |source| JournalError::Io {
            path: self.path.clone(),
            action,
            source,
        }
    }

    /// Takes the exclusive lock, waiting up to the lock timeout. Held while an operation runs
    /// and during recovery, so two processes never recover the same entry.
    pub async fn lock(&self) -> Result<JournalLock, JournalError> {
        let lock_path = self.path.with_extension("lock");
        if let Some(file) = held_lock(&lock_path) {
            return Ok(JournalLock { _file: file });
        }
        if let Some(dir) = lock_path.parent() {
            std::fs::create_dir_all(dir).map_err(self.io("created"))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(self.io("locked"))?;
        let deadline = tokio::time::Instant::now() + self.lock_timeout;
        loop {
            if let Some(file) = held_lock(&lock_path) {
                return Ok(JournalLock { _file: file });
            }
            match file.try_lock() {
                Ok(()) => {
                    let file = Arc::new(file);
                    let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
                    held.retain(|(_, w)| w.strong_count() > 0);
                    held.push((lock_path.clone(), Arc::downgrade(&file)));
                    return Ok(JournalLock { _file: file });
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    if tokio::time::Instant::now() >= deadline {
                        return Err(JournalError::Locked(self.path.clone()));
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(self.io("locked")(e)),
            }
        }
    }

    /// Appends one step and fsyncs it before returning.
    pub fn append(&self, entry: &str, step: Step) -> Result<(), JournalError> {
        let _serial = APPEND.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(self.io("created"))?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&self.path)
            .map_err(self.io("opened"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
        }
        // A crash may have left a last line without its newline: start on a fresh line so the
        // new step is not glued to the broken one.
        let len = file.metadata().map_err(self.io("read"))?.len();
        let mut prefix = "";
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))
                .map_err(self.io("read"))?;
            file.read_exact(&mut last).map_err(self.io("read"))?;
            if last[0] != b'\n' {
                prefix = "\n";
            }
        }
        let line = Line {
            entry: entry.to_string(),
            at: now_rfc3339(),
            step,
        };
        let json = serde_json::to_string(&line)
            .map_err(|e| self.io("written")(std::io::Error::other(e)))?;
        file.write_all(format!("{prefix}{json}\n").as_bytes())
            .map_err(self.io("written"))?;
        file.sync_all().map_err(self.io("synced"))?;
        Ok(())
    }

    /// Starts an entry: writes the intent and returns the new entry id.
    pub fn begin(&self, record: IntentRecord) -> Result<String, JournalError> {
        let id = new_entry_id();
        self.append(&id, Step::Intent(record))?;
        Ok(id)
    }

    /// Reads every entry, oldest first. Unreadable lines are skipped and reported.
    pub fn read(&self) -> Result<(Vec<Entry>, ReadReport), JournalError> {
        let text = match std::fs::read(&self.path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Vec::new(), ReadReport::default()));
            }
            Err(e) => return Err(self.io("read")(e)),
        };
        Ok(parse_journal(&text))
    }

    /// Pending entries only.
    pub fn pending(&self) -> Result<(Vec<Entry>, ReadReport), JournalError> {
        let (entries, report) = self.read()?;
        Ok((entries.into_iter().filter(Entry::pending).collect(), report))
    }

    /// Finds one entry by its id, or by a unique prefix or suffix of it.
    pub fn find(&self, id: &str) -> Result<Entry, JournalError> {
        let (entries, _) = self.read()?;
        lookup::pick(id, entries, |e| e.id.as_str())
    }
}

fn held_lock(path: &Path) -> Option<Arc<File>> {
    let held = HELD.lock().unwrap_or_else(|p| p.into_inner());
    held.iter()
        .find(|(p, _)| p == path)
        .and_then(|(_, w)| w.upgrade())
}

/// The current time as RFC 3339 UTC.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

fn new_entry_id() -> String {
    use sha2::Digest;
    let now = time::OffsetDateTime::now_utc();
    let nanos = now.unix_timestamp_nanos();
    let seed = format!(
        "{nanos}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    );
    let digest = sha2::Sha256::digest(seed.as_bytes());
    let suffix: String = digest.iter().take(3).map(|b| format!("{b:02x}")).collect();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}-{suffix}",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::ForgeKind;

    fn record() -> IntentRecord {
        IntentRecord {
            intent: Intent::Relabel,
            scope: Place::repository(ForgeKind::Cloud, "acme", "api"),
            key: "ssh-ed25519 AAAA".into(),
            fingerprint: "SHA256:x".into(),
            comment: Some("ci@host".into()),
            old_label: Some("old".into()),
            new_label: Some("new".into()),
            old_id: Some(7),
            batch: None,
            permission: None,
            expiry_days: None,
        }
    }

    #[test]
    fn a_grant_is_kept_only_when_it_says_something_and_older_lines_read_without_one() {
        // An entry without a grant is written as before the journal kept grants.
        let plain = serde_json::to_string(&record()).unwrap();
        assert!(!plain.contains("permission") && !plain.contains("expiry_days"));
        let older: IntentRecord = serde_json::from_str(&plain).unwrap();
        assert_eq!(older, record());
        let granted = IntentRecord {
            permission: Some(Permission::Write),
            expiry_days: Some(30),
            ..record()
        };
        let text = serde_json::to_string(&granted).unwrap();
        assert!(text.contains(r#""permission":"write""#), "{text}");
        assert!(text.contains(r#""expiry_days":30"#), "{text}");
        assert_eq!(
            serde_json::from_str::<IntentRecord>(&text).unwrap(),
            granted
        );
    }

    #[test]
    fn steps_fold_into_pending_and_done() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::in_dir(dir.path());
        let a = j.begin(record()).unwrap();
        j.append(&a, Step::Deleted).unwrap();
        let b = j.begin(record()).unwrap();
        j.append(&b, Step::Deleted).unwrap();
        j.append(&b, Step::Added { id: 9 }).unwrap();
        j.append(&b, Step::Done).unwrap();
        let (entries, report) = j.read().unwrap();
        assert!(report.skipped_lines.is_empty());
        assert_eq!(entries.len(), 2);
        let (pending, _) = j.pending().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].id, a);
        assert!(pending[0].deleted && pending[0].added_id.is_none());
        assert!(
            pending[0]
                .describe()
                .contains("deleted from acme/api but not re-added as 'new'")
        );
    }

    #[test]
    fn a_truncated_last_line_is_skipped_and_the_next_append_starts_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::in_dir(dir.path());
        let a = j.begin(record()).unwrap();
        let mut f = OpenOptions::new().append(true).open(j.path()).unwrap();
        f.write_all(b"{\"entry\":\"x\",\"at\":\"2026").unwrap();
        drop(f);
        j.append(&a, Step::Deleted).unwrap();
        let (entries, report) = j.read().unwrap();
        assert_eq!(report.skipped_lines, vec![2]);
        assert!(
            entries[0].deleted,
            "the step after the broken line must be read"
        );
        assert!(report.warning(j.path()).unwrap().contains("line 2"));
    }

    #[test]
    fn an_entry_is_found_by_a_unique_prefix_or_suffix() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::in_dir(dir.path());
        let a = j.begin(record()).unwrap();
        let b = j.begin(record()).unwrap();
        assert_eq!(j.find(&a).unwrap().id, a);
        let suffix = &b[b.len() - 4..];
        assert_eq!(j.find(suffix).unwrap().id, b, "a suffix is enough");
        let prefix = &a[..a.len() - 3];
        if !b.starts_with(prefix) {
            assert_eq!(j.find(prefix).unwrap().id, a);
        }
    }

    #[test]
    fn an_ambiguous_id_lists_its_candidates() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::in_dir(dir.path());
        let a = j.begin(record()).unwrap();
        let b = j.begin(record()).unwrap();
        // Both start with the same date.
        let err = j.find(&a[..4]).unwrap_err().to_string();
        assert!(err.contains("more than one"), "{err}");
        assert!(err.contains(&a) && err.contains(&b), "{err}");
        let none = j.find("zzzz").unwrap_err().to_string();
        assert!(none.contains("no journal entry"), "{none}");
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "",
            "\n\n",
            "not json",
            "{\"entry\":1}",
            "{\"entry\":\"a\",\"at\":\"t\",\"step\":\"done\"}",
            "\u{0}\u{ffff}",
        ] {
            let _ = parse_journal(text);
        }
    }

    #[tokio::test]
    async fn the_lock_is_shared_in_process_and_exclusive_across_processes() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::in_dir(dir.path()).with_lock_timeout(Duration::from_millis(100));
        let held = j.lock().await.unwrap();
        // Another task of this process shares it.
        let second = j.lock().await.unwrap();
        // Another open file description (as another process would have) cannot take it.
        let other = File::options()
            .write(true)
            .open(dir.path().join("journal.lock"))
            .unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        drop(held);
        drop(second);
        assert!(other.try_lock().is_ok());
    }

    #[test]
    fn no_secret_fields_exist() {
        let json = serde_json::to_string(&Line {
            entry: "e".into(),
            at: "t".into(),
            step: Step::Intent(record()),
        })
        .unwrap();
        assert!(!json.contains("token"));
    }
}
