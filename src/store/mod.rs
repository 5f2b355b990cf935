//! The last scan of each workspace on disk, so the TUI starts instantly and `--cached` costs
//! no requests; and the workspace list as last listed (see [`workspaces`]).
//!
//! One file per workspace in the account's cache directory (`Context::cache_dir()`), holding a
//! format version and a [`Snapshot`] (which carries the scan time). A cache is only ever a
//! convenience: a missing, unreadable, corrupt or foreign-version file is ignored, and the
//! reason is handed back to the caller to show, never printed here.
//!
//! A reader that shows the scan before it needs every key reads it in two steps:
//! [`load_head`] reads the repositories, projects and project keys, which the TUI's panes show
//! first; [`Head::complete`] then reads the repository listings, which hold nearly all of a
//! large file's keys.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use crate::forge::valid_slug;
use crate::ops::audit::Snapshot;
use crate::ops::edits::KeyEdit;

mod lines;
pub mod workspaces;

use lines::{FileIn, FormatOnly, HeadOut, LineOut, TextsIn, TextsOut};

/// The file format written by this version. Bump it when [`Snapshot`] changes shape; older
/// files are then ignored (with a warning) and replaced by the next scan.
///
/// - Format 1: one JSON document holding a [`Snapshot`].
/// - Format 2: format 1 with each distinct key text stored once, in `key_texts`, and every key
///   holding `#<index>` instead: a deploy key usually sits on many repositories, and its text
///   (up to 700 characters for RSA 4096) was most of the file.
/// - Format 3: JSON lines. The first holds the format, the key texts and the snapshot without
///   its repository listings; each further line holds one repository's listing. The lines
///   are independent, so a large file is parsed on two threads (a 10,000-repository scan:
///   about 8 ms off an 85 ms start-up to the TUI's first cached frame).
/// - Format 4: format 3 with each key in the forge's terms (`forge::AccessKey`): `created`
///   for Cloud's `created_on`, an empty label for none, no `type`, and the forge in the
///   snapshot when it is not Cloud. A release that reads only format 3 ignores it instead of
///   misreading it.
/// - Format 5: format 4 with the key texts table on a line of its own after the first, and
///   the project keys holding their texts in place: the first line alone is what the panes
///   show first, and it no longer carries the texts of every key (most of a 10,000-repository
///   file's first line).
///
/// Formats 1 to 4 are still read: their keys read as `AccessKey` directly.
pub const FORMAT: u32 = 5;

/// Formats this version reads.
const READABLE: [u32; 5] = [1, 2, 3, 4, 5];

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

/// Stores a snapshot. The file is written beside its final name and renamed over it, so a
/// reader (another bbkeys, the TUI starting) sees the old scan or the new one, never half.
///
/// The snapshot is borrowed mutably only to move its key texts into the file's table and back
/// (no copy of a large scan is made); it is unchanged when this returns.
pub fn store_snapshot(dir: &Path, snapshot: &mut Snapshot) -> Result<PathBuf, CacheError> {
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
    let tmp = dir.join(format!(
        ".scan-{}.json.{}-{}.tmp",
        snapshot.workspace,
        std::process::id(),
        OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    let texts = lines::to_references(snapshot);
    // The listings are written on lines of their own: taken out for the first line, put back
    // after.
    let repo_keys = std::mem::take(&mut snapshot.repo_keys);
    let written = (|| {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        // Straight into the file: a 10,000-repository scan is 9 MB of JSON, which need not
        // also sit in memory as one string.
        let mut out = std::io::BufWriter::new(f);
        let head = HeadOut {
            format: FORMAT,
            repo_listings: repo_keys.len(),
            snapshot,
        };
        serde_json::to_writer(&mut out, &head).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
        serde_json::to_writer(&mut out, &TextsOut { key_texts: &texts })
            .map_err(std::io::Error::other)?;
        for (repo, listing) in &repo_keys {
            out.write_all(b"\n")?;
            serde_json::to_writer(&mut out, &LineOut { repo, listing })
                .map_err(std::io::Error::other)?;
        }
        out.write_all(b"\n")?;
        out.flush()?;
        out.get_ref().sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    snapshot.repo_keys = repo_keys;
    // The texts were all taken from this snapshot, so every reference resolves.
    let _ = lines::restore_repo_keys(snapshot, &texts);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(CacheError { path, source: e });
    }
    Ok(path)
}

/// Brings the stored scans up to date with finished writes, so a restart does not show a key
/// bbkeys itself removed (or miss one it added). Workspaces without a stored scan are left
/// alone; a stored scan that cannot be read is left for the next scan to replace.
pub fn apply_edits(dir: &Path, edits: &[KeyEdit]) -> Result<(), CacheError> {
    let workspaces: std::collections::BTreeSet<&str> =
        edits.iter().map(|e| e.scope().owner()).collect();
    for ws in workspaces {
        let CacheLoad::Found(mut cached) = load(dir, ws) else {
            continue;
        };
        let mut changed = false;
        for e in edits {
            changed |= cached.snapshot.apply(e);
        }
        if changed {
            store_snapshot(dir, &mut cached.snapshot)?;
        }
    }
    Ok(())
}

/// Reads the last scan of `ws`. Never fails: problems come back as [`CacheLoad::Ignored`].
pub fn load(dir: &Path, ws: &str) -> CacheLoad {
    match load_head(dir, ws) {
        HeadLoad::Found(head) => match head.complete() {
            Ok(cached) => CacheLoad::Found(cached),
            Err(warning) => CacheLoad::Ignored { warning },
        },
        HeadLoad::Missing => CacheLoad::Missing,
        HeadLoad::Ignored { warning } => CacheLoad::Ignored { warning },
    }
}

/// What [`load_head`] found.
#[derive(Debug)]
pub enum HeadLoad {
    /// A file whose first part reads.
    Found(Box<Head>),
    /// No scan of this workspace was stored yet.
    Missing,
    /// A file exists but cannot be used; `warning` says why, for the caller to show.
    Ignored {
        /// One sentence naming the file and the problem.
        warning: String,
    },
}

/// The first part of a stored scan: everything but the repository listings, which
/// [`Head::complete`] reads.
#[derive(Debug)]
pub struct Head {
    /// The scan without its repository listings (with them, for a file older than format 3).
    pub snapshot: Snapshot,
    path: PathBuf,
    /// The file after its first line, not read yet (`None` when read whole).
    rest: Option<BufReader<std::fs::File>>,
    format: u32,
    repo_listings: usize,
    /// The key texts of a format 3 or 4 head, for its listings.
    key_texts: Vec<crate::forge::KeyText>,
}

/// Reads the first part of the last scan of `ws`: for format 5 the first line alone, whatever
/// the file's size. Never fails: problems come back as [`HeadLoad::Ignored`].
pub fn load_head(dir: &Path, ws: &str) -> HeadLoad {
    let Some(path) = path_for(dir, ws) else {
        return HeadLoad::Ignored {
            warning: format!("{ws:?} is not a workspace slug; no cache is kept for it"),
        };
    };
    let cannot_read = |e: std::io::Error| HeadLoad::Ignored {
        warning: format!(
            "the scan cache {} cannot be read ({e}); ignoring it",
            path.display()
        ),
    };
    let mut reader = match std::fs::File::open(&path) {
        Ok(f) => BufReader::with_capacity(1 << 16, f),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return HeadLoad::Missing,
        Err(e) => return cannot_read(e),
    };
    // Only the first line is read now: the rest of a large file (nearly all of it) waits
    // for `complete`.
    let mut bytes = Vec::new();
    if let Err(e) = reader.read_until(b'\n', &mut bytes) {
        return cannot_read(e);
    }
    let ignored = |why: String| HeadLoad::Ignored {
        warning: ignored_warning(&path, &why),
    };
    // The first line is the head of a format 3 to 5 file, or a whole (compact) older file; a
    // file whose first line does not parse is read whole once more, so an older file with
    // line breaks still loads and a file from another bbkeys version is named as such
    // rather than as corrupt.
    let first_len = bytes.len();
    let (parsed, whole) = match serde_json::from_slice::<FileIn>(trim_newline(&bytes)) {
        Ok(file) => (Ok(file), false),
        Err(_) => {
            if let Err(e) = reader.read_to_end(&mut bytes) {
                return cannot_read(e);
            }
            (serde_json::from_slice::<FileIn>(&bytes), true)
        }
    };
    let first = trim_newline(&bytes[..first_len]);
    let format = match &parsed {
        Ok(file) => Ok(file.format),
        Err(_) => serde_json::from_slice::<FormatOnly>(first)
            .or_else(|_| serde_json::from_slice::<FormatOnly>(&bytes))
            .map(|v| v.format),
    };
    match format {
        Ok(v) if !READABLE.contains(&v) => {
            return ignored(format!(
                "was written in format {v} by another bbkeys version (this one reads format {FORMAT})"
            ));
        }
        Ok(_) => {}
        Err(e) => return ignored(format!("is corrupt ({e})")),
    }
    let mut file = match parsed {
        Ok(file) => file,
        Err(e) => return ignored(format!("is corrupt ({e})")),
    };
    if file.snapshot.workspace != ws {
        return ignored(format!(
            "holds workspace {:?} instead of {ws:?}",
            file.snapshot.workspace
        ));
    }
    let rest = (!whole && file.format >= 3).then_some(reader);
    // Formats 1 and 2 are whole: their keys are restored now; the project keys of formats 3
    // and 4 too, as the head is shown before its listings are read.
    let restored = match file.format {
        ..3 => lines::resolve(&mut file),
        3 | 4 => lines::restore_project_keys(&mut file.snapshot, &file.key_texts),
        _ => Ok(()),
    };
    if let Err(why) = restored {
        return ignored(format!("is corrupt ({why})"));
    }
    HeadLoad::Found(Box::new(Head {
        snapshot: file.snapshot,
        path,
        rest,
        format: file.format,
        repo_listings: file.repo_listings,
        key_texts: file.key_texts,
    }))
}

fn trim_newline(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\n").unwrap_or(line)
}

fn ignored_warning(path: &Path, why: &str) -> String {
    format!(
        "the scan cache {} {why}; ignoring it (the next scan replaces it)",
        path.display()
    )
}

impl Head {
    /// When the scan was made.
    pub fn scanned_at(&self) -> OffsetDateTime {
        self.snapshot.scanned_at.0
    }

    /// How old the scan is at `now` (zero if the clock went backwards).
    pub fn age(&self, now: OffsetDateTime) -> time::Duration {
        (now - self.scanned_at()).max(time::Duration::ZERO)
    }

    /// Reads the repository listings; the warning names the file and what is wrong with it.
    pub fn complete(self) -> Result<Cached, String> {
        let Head {
            mut snapshot,
            path,
            rest,
            format,
            repo_listings,
            key_texts,
        } = self;
        let corrupt = |why: String| ignored_warning(&path, &format!("is corrupt ({why})"));
        let Some(mut reader) = rest else {
            // Read whole by `load_head`.
            return Ok(Cached { snapshot, path });
        };
        let mut rest = Vec::new();
        if let Err(e) = reader.read_to_end(&mut rest) {
            return Err(format!(
                "the scan cache {} cannot be read ({e}); ignoring it",
                path.display()
            ));
        }
        drop(reader);
        let listings = if format >= 5 {
            // The texts' line, then the listings from line 3.
            let cut = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let texts = serde_json::from_slice::<TextsIn>(&rest[..cut])
                .map_err(|e| corrupt(format!("line 2: {e}")))?;
            let after = rest.get(cut + 1..).unwrap_or_default();
            // The head's project keys held their texts in place: they share the table's.
            lines::share_project_keys(&mut snapshot, &texts.key_texts);
            lines::read_listings(after, 3, repo_listings, Some(&texts.key_texts))
        } else {
            lines::read_listings(&rest, 2, repo_listings, None)
        };
        snapshot.repo_keys = listings.map_err(&corrupt)?;
        drop(rest);
        let mut file = FileIn {
            format,
            repo_listings,
            key_texts,
            snapshot,
        };
        lines::resolve(&mut file).map_err(corrupt)?;
        Ok(Cached {
            snapshot: file.snapshot,
            path,
        })
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
mod tests;
