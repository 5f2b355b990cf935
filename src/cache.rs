//! The last scan of each workspace on disk, so the TUI starts instantly and `--cached` costs
//! no requests.
//!
//! One JSON file per workspace in the account's cache directory (`Context::cache_dir()`),
//! holding a format version and a [`Snapshot`] (which carries the scan time). A cache is only
//! ever a convenience: a missing, unreadable, corrupt or foreign-version file is ignored, and
//! the reason is handed back to the caller to show, never printed here.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::bitbucket::valid_slug;
use crate::ops::audit::Snapshot;
use crate::ops::scan::WorkspaceScan;

/// The file format written by this version. Bump it when [`Snapshot`] changes shape; older
/// files are then ignored (with a warning) and replaced by the next scan.
pub const FORMAT: u32 = 1;

/// A cache file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the scan cache {}: {source}", path.display())]
pub struct CacheError {
    /// The file (or directory) that failed.
    pub path: PathBuf,
    /// The underlying error.
    #[source]
    pub source: std::io::Error,
}

#[derive(Serialize)]
struct FileOut<'a> {
    format: u32,
    snapshot: &'a Snapshot,
}

#[derive(Deserialize)]
struct FileIn {
    format: u32,
    snapshot: Snapshot,
}

#[derive(Deserialize)]
struct FormatOnly {
    format: u32,
}

/// A scan read back from the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    /// The scan.
    pub snapshot: Snapshot,
    /// The file it came from.
    pub path: PathBuf,
}

impl Cached {
    /// When the scan was made.
    pub fn scanned_at(&self) -> OffsetDateTime {
        self.snapshot.scanned_at.0
    }

    /// How old the scan is at `now` (zero if the clock went backwards).
    pub fn age(&self, now: OffsetDateTime) -> time::Duration {
        (now - self.scanned_at()).max(time::Duration::ZERO)
    }
}

/// What [`load`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheLoad {
    /// A usable scan.
    Found(Cached),
    /// No scan of this workspace was stored yet.
    Missing,
    /// A file exists but cannot be used; `warning` says why, for the caller to show.
    Ignored {
        /// One sentence naming the file and the problem.
        warning: String,
    },
}

/// The cache file of workspace `ws`, or `None` when `ws` is not a slug (a name with `/` or
/// `..` must never become a path).
pub fn path_for(dir: &Path, ws: &str) -> Option<PathBuf> {
    valid_slug(ws).then(|| dir.join(format!("scan-{ws}.json")))
}

/// Stores a fresh scan made at `now`; returns the file written.
pub fn store(dir: &Path, scan: &WorkspaceScan, now: OffsetDateTime) -> Result<PathBuf, CacheError> {
    store_snapshot(dir, &Snapshot::from_scan(scan, now))
}

/// Stores a snapshot. The file is written beside its final name and renamed over it, so a
/// reader (another bbkeys, the TUI starting) sees the old scan or the new one, never half.
pub fn store_snapshot(dir: &Path, snapshot: &Snapshot) -> Result<PathBuf, CacheError> {
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CacheError { path, source }
    };
    let path = path_for(dir, &snapshot.workspace).ok_or_else(|| CacheError {
        path: dir.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{:?} is not a workspace slug", snapshot.workspace),
        ),
    })?;
    create_private_dir(dir).map_err(err(dir))?;
    let text = serde_json::to_vec(&FileOut {
        format: FORMAT,
        snapshot,
    })
    .map_err(|e| CacheError {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    let tmp = dir.join(format!(
        ".scan-{}.json.{}-{}.tmp",
        snapshot.workspace,
        std::process::id(),
        OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(&text)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(CacheError { path, source: e });
    }
    Ok(path)
}

/// Reads the last scan of `ws`. Never fails: problems come back as [`CacheLoad::Ignored`].
pub fn load(dir: &Path, ws: &str) -> CacheLoad {
    let Some(path) = path_for(dir, ws) else {
        return CacheLoad::Ignored {
            warning: format!("{ws:?} is not a workspace slug; no cache is kept for it"),
        };
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return CacheLoad::Missing,
        Err(e) => {
            return CacheLoad::Ignored {
                warning: format!(
                    "the scan cache {} cannot be read ({e}); ignoring it",
                    path.display()
                ),
            };
        }
    };
    let ignored = |why: String| CacheLoad::Ignored {
        warning: format!(
            "the scan cache {} {why}; ignoring it (the next scan replaces it)",
            path.display()
        ),
    };
    // The version is checked on its own first, so a file from another bbkeys version is
    // named as such rather than as corrupt.
    match serde_json::from_slice::<FormatOnly>(&bytes) {
        Ok(v) if v.format != FORMAT => {
            return ignored(format!(
                "was written in format {} by another bbkeys version (this one reads format {FORMAT})",
                v.format
            ));
        }
        Ok(_) => {}
        Err(e) => return ignored(format!("is corrupt ({e})")),
    }
    match serde_json::from_slice::<FileIn>(&bytes) {
        Ok(file) if file.snapshot.workspace != ws => ignored(format!(
            "holds workspace {:?} instead of {ws:?}",
            file.snapshot.workspace
        )),
        Ok(file) => {
            debug_assert_eq!(file.format, FORMAT);
            CacheLoad::Found(Cached {
                snapshot: file.snapshot,
                path,
            })
        }
        Err(e) => ignored(format!("is corrupt ({e})")),
    }
}

/// The cache lists which repositories a person administers: private to the account's user.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::audit::{Listing, Timestamp};
    use time::macros::datetime;

    fn snapshot(ws: &str) -> Snapshot {
        let mut s = Snapshot {
            workspace: ws.into(),
            scanned_at: Timestamp(datetime!(2026-11-28 09:30 UTC)),
            repositories: Vec::new(),
            projects: Vec::new(),
            repo_keys: Default::default(),
            project_keys: Default::default(),
            projects_error: None,
        };
        s.repo_keys.insert("api".into(), Listing::Keys(Vec::new()));
        s
    }

    #[test]
    fn missing_then_round_trip_with_age() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path(), "acme"), CacheLoad::Missing);
        let path = store_snapshot(dir.path(), &snapshot("acme")).unwrap();
        assert_eq!(path, dir.path().join("scan-acme.json"));
        let CacheLoad::Found(c) = load(dir.path(), "acme") else {
            panic!("not found")
        };
        assert_eq!(c.snapshot, snapshot("acme"));
        assert_eq!(
            c.age(datetime!(2026-11-28 11:30 UTC)),
            time::Duration::hours(2)
        );
        assert_eq!(c.age(datetime!(2026-11-27 00:00 UTC)), time::Duration::ZERO);
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn corrupt_foreign_and_mismatched_files_are_ignored_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan-acme.json");
        for (text, expect) in [
            ("{not json", "corrupt"),
            ("{\"format\":99,\"snapshot\":{}}", "format 99"),
            (
                "{\"format\":1,\"snapshot\":{\"workspace\":\"acme\"}}",
                "corrupt",
            ),
        ] {
            std::fs::write(&path, text).unwrap();
            match load(dir.path(), "acme") {
                CacheLoad::Ignored { warning } => {
                    assert!(warning.contains(expect), "{warning}");
                    assert!(warning.contains("scan-acme.json"), "{warning}");
                }
                other => panic!("{other:?}"),
            }
        }
        store_snapshot(dir.path(), &snapshot("globex")).unwrap();
        std::fs::rename(dir.path().join("scan-globex.json"), &path).unwrap();
        assert!(matches!(
            load(dir.path(), "acme"),
            CacheLoad::Ignored { .. }
        ));
    }

    #[test]
    fn slugs_that_are_not_slugs_never_become_paths() {
        let dir = tempfile::tempdir().unwrap();
        assert!(path_for(dir.path(), "../etc").is_none());
        assert!(matches!(load(dir.path(), "a/b"), CacheLoad::Ignored { .. }));
        assert!(store_snapshot(dir.path(), &snapshot("..")).is_err());
    }
}
