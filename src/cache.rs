//! The last scan of each workspace on disk, so the TUI starts instantly and `--cached` costs
//! no requests.
//!
//! One JSON file per workspace in the account's cache directory (`Context::cache_dir()`),
//! holding a format version and a [`Snapshot`] (which carries the scan time). A cache is only
//! ever a convenience: a missing, unreadable, corrupt or foreign-version file is ignored, and
//! the reason is handed back to the caller to show, never printed here.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::forge::AccessKey;
use crate::forge::valid_slug;
use crate::ops::audit::{Listing, Snapshot};
use crate::ops::edits::KeyEdit;

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
///
/// Formats 1 to 3 are still read: their keys read as `AccessKey` directly.
pub const FORMAT: u32 = 4;

/// Formats this version reads.
const READABLE: [u32; 4] = [1, 2, 3, 4];

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

/// The first line of a format 3 file.
#[derive(Serialize)]
struct HeadOut<'a> {
    format: u32,
    /// How many listing lines follow: a file cut at a line's end is found short, not taken
    /// for a smaller workspace.
    repo_listings: usize,
    key_texts: &'a [String],
    /// The snapshot with `repo_keys` empty: they follow, one line each.
    snapshot: &'a Snapshot,
}

/// One further line of a format 3 file.
#[derive(Serialize)]
struct LineOut<'a> {
    repo: &'a str,
    listing: &'a Listing,
}

#[derive(Deserialize)]
struct LineIn {
    repo: String,
    listing: Listing,
}

/// A whole format 1 or 2 file, or the first line of a format 3 file.
#[derive(Deserialize)]
struct FileIn {
    format: u32,
    #[serde(default)]
    repo_listings: usize,
    #[serde(default)]
    key_texts: Vec<String>,
    snapshot: Snapshot,
}

/// Every key of a snapshot, mutably.
fn keys_mut(snapshot: &mut Snapshot) -> impl Iterator<Item = &mut AccessKey> {
    snapshot
        .repo_keys
        .values_mut()
        .chain(snapshot.project_keys.values_mut())
        .filter_map(|l| match l {
            Listing::Keys(keys) => Some(keys),
            Listing::Failed(_) => None,
        })
        .flatten()
}

/// Restores a file's key texts (format 1 held them in place). The place summaries that files
/// written before snapshots left them out still hold are not read at all.
fn resolve(file: &mut FileIn) -> Result<(), String> {
    let texts = (file.format >= 2).then_some(file.key_texts.as_slice());
    for key in keys_mut(&mut file.snapshot) {
        if let Some(texts) = texts {
            from_reference(key, texts)?;
        }
    }
    Ok(())
}

/// Moves each key text into a table of distinct texts and leaves `#<index>` in its place.
fn to_references(snapshot: &mut Snapshot) -> Vec<String> {
    let mut index: HashMap<String, usize> = HashMap::new();
    for key in keys_mut(snapshot) {
        let next = index.len();
        let at = *index.entry(std::mem::take(&mut key.key)).or_insert(next);
        key.key = format!("#{at}");
    }
    let mut texts = vec![String::new(); index.len()];
    for (text, at) in index {
        if let Some(slot) = texts.get_mut(at) {
            *slot = text;
        }
    }
    texts
}

/// Puts the texts back in place of `#<index>`; fails on an index outside the table.
fn from_references(snapshot: &mut Snapshot, texts: &[String]) -> Result<(), String> {
    keys_mut(snapshot).try_for_each(|key| from_reference(key, texts))
}

fn from_reference(key: &mut AccessKey, texts: &[String]) -> Result<(), String> {
    let Some(at) = key.key.strip_prefix('#') else {
        return Ok(());
    };
    let text = at
        .parse::<usize>()
        .ok()
        .and_then(|at| texts.get(at))
        .ok_or_else(|| format!("key {} refers to a key text it does not hold", key.id))?;
    key.key.clone_from(text);
    Ok(())
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
    let texts = to_references(snapshot);
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
            key_texts: &texts,
            snapshot,
        };
        serde_json::to_writer(&mut out, &head).map_err(std::io::Error::other)?;
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
    let _ = from_references(snapshot, &texts);
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
    // The first line is the head of a format 3 file, or a whole (compact) older file; a file
    // whose first line does not parse is read whole once more, so an older file with line
    // breaks still loads and a file from another bbkeys version is named as such rather
    // than as corrupt.
    let (first, rest) = match bytes.iter().position(|&b| b == b'\n') {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (&bytes[..], &[][..]),
    };
    let (parsed, rest) = match serde_json::from_slice::<FileIn>(first) {
        Ok(file) => (Ok(file), rest),
        Err(_) => (serde_json::from_slice::<FileIn>(&bytes), &[][..]),
    };
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
    if file.format >= 3 {
        match read_listings(rest, file.repo_listings) {
            Ok(listings) => file.snapshot.repo_keys = listings,
            Err(why) => return ignored(format!("is corrupt ({why})")),
        }
    }
    // The file's bytes are no longer needed: free them before the key texts are restored.
    drop(bytes);
    match resolve(&mut file) {
        Ok(()) => CacheLoad::Found(Cached {
            snapshot: file.snapshot,
            path,
        }),
        Err(why) => ignored(format!("is corrupt ({why})")),
    }
}

/// The repository listings of a format 3 file: `lines` after the first, `expected` of them.
/// A large file is split at a line break near its middle and its halves are parsed side by
/// side.
fn read_listings(lines: &[u8], expected: usize) -> Result<BTreeMap<String, Listing>, String> {
    let middle = lines.len() / 2;
    let cut = lines[middle..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(lines.len(), |at| middle + at + 1);
    let (front, back) = lines.split_at(cut);
    // Line numbers in messages count the first line as 1.
    let back_first = 2 + front.iter().filter(|&&b| b == b'\n').count();
    let (front, back) = std::thread::scope(|scope| {
        let back = scope.spawn(|| parse_lines(back, back_first));
        let front = parse_lines(front, 2);
        (front, back.join())
    });
    let back = back.map_err(|_| "a listing could not be read".to_string())??;
    let mut listings = BTreeMap::new();
    for (repo, listing) in front?.into_iter().chain(back) {
        if listings.insert(repo.clone(), listing).is_some() {
            return Err(format!("it lists repository {repo:?} twice"));
        }
    }
    if listings.len() != expected {
        return Err(format!(
            "it holds {} of its {expected} repository listings",
            listings.len()
        ));
    }
    Ok(listings)
}

/// Each non-blank line of `part` as one repository's listing; `first` is the file's line
/// number of the first.
fn parse_lines(part: &[u8], first: usize) -> Result<Vec<(String, Listing)>, String> {
    part.split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .map(|(i, line)| {
            serde_json::from_slice::<LineIn>(line)
                .map(|l| (l.repo, l.listing))
                .map_err(|e| format!("line {}: {e}", first + i))
        })
        .collect()
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
            forge: crate::forge::ForgeKind::Cloud,
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
        let path = store_snapshot(dir.path(), &mut snapshot("acme")).unwrap();
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
        store_snapshot(dir.path(), &mut snapshot("globex")).unwrap();
        std::fs::rename(dir.path().join("scan-globex.json"), &path).unwrap();
        assert!(matches!(
            load(dir.path(), "acme"),
            CacheLoad::Ignored { .. }
        ));
    }

    #[test]
    fn shared_key_texts_are_stored_once_and_restored() {
        let dir = tempfile::tempdir().unwrap();
        let text =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua";
        let key = |id: u64, text: &str| -> AccessKey {
            serde_json::from_value(serde_json::json!({"id": id, "key": text})).unwrap()
        };
        let mut snap = snapshot("acme");
        for (i, repo) in ["api", "web", "ops"].into_iter().enumerate() {
            let keys = vec![key(i as u64, text), key(10 + i as u64, "ssh-rsa AAAA")];
            snap.repo_keys.insert(repo.into(), Listing::Keys(keys));
        }
        let before = snap.clone();
        let path = store_snapshot(dir.path(), &mut snap).unwrap();
        assert_eq!(snap, before, "the snapshot is unchanged");
        let file = std::fs::read_to_string(path).unwrap();
        assert_eq!(file.matches(text).count(), 1, "{file}");
        let CacheLoad::Found(c) = load(dir.path(), "acme") else {
            panic!("not found")
        };
        assert_eq!(c.snapshot, before);
        // A reference outside the table makes the file corrupt, not a key "#7".
        std::fs::write(
            dir.path().join("scan-acme.json"),
            file.replace("\"#1\"", "\"#7\""),
        )
        .unwrap();
        assert!(
            matches!(load(dir.path(), "acme"), CacheLoad::Ignored { warning } if warning.contains("corrupt"))
        );
    }

    #[test]
    fn formats_3_and_4_are_a_head_line_and_a_line_per_listing() {
        let dir = tempfile::tempdir().unwrap();
        let mut snap = snapshot("acme");
        for repo in ["api", "web", "ops", "db", "ui"] {
            snap.repo_keys
                .insert(repo.into(), Listing::Keys(Vec::new()));
        }
        let path = store_snapshot(dir.path(), &mut snap).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6, "{text}");
        assert!(lines[0].starts_with("{\"format\":4,\"repo_listings\":5,"));
        assert!(lines[1].starts_with("{\"repo\":\"api\","), "{}", lines[1]);
        let CacheLoad::Found(c) = load(dir.path(), "acme") else {
            panic!("not found")
        };
        assert_eq!(c.snapshot, snap);

        let corrupt = |text: String, expect: &str| {
            std::fs::write(&path, text).unwrap();
            match load(dir.path(), "acme") {
                CacheLoad::Ignored { warning } => assert!(warning.contains(expect), "{warning}"),
                other => panic!("{other:?}"),
            }
        };
        // Cut at a line's end: short, not a smaller workspace.
        corrupt(
            lines[..4].join("\n"),
            "holds 3 of its 5 repository listings",
        );
        // A broken line is named.
        corrupt(
            text.replacen("{\"repo\":\"ops\"", "{\"repo\":", 1),
            "line 4",
        );
        // The same repository twice.
        corrupt(
            text.replacen("\"repo\":\"ops\"", "\"repo\":\"api\"", 1),
            "twice",
        );
    }

    #[test]
    fn format_2_files_are_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let text =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua";
        let file = serde_json::json!({
            "format": 2,
            "key_texts": [text],
            "snapshot": {
                "workspace": "acme",
                "scanned_at": "2026-11-28T09:30:00Z",
                "repositories": [],
                "projects": [],
                "repo_keys": {"api": {"keys": [{
                    "id": 7, "key": "#0", "label": "ci",
                    "repository": {"full_name": "acme/api", "name": "api"}
                }]}},
                "project_keys": {}
            }
        });
        // Written with line breaks, as a person might have: still one document.
        let path = dir.path().join("scan-acme.json");
        std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).unwrap();
        let CacheLoad::Found(c) = load(dir.path(), "acme") else {
            panic!("not found")
        };
        let Some(Listing::Keys(keys)) = c.snapshot.repo_keys.get("api") else {
            panic!("no keys")
        };
        assert_eq!(keys[0].key, text);
        // Older files carried the place summary; it is dropped like a fresh scan's: the key
        // type has no field for it, which this exhaustive pattern keeps true.
        let AccessKey {
            id,
            label,
            key: _,
            comment: _,
            permission: _,
            created: _,
            last_used: _,
            expiry_days: _,
        } = &keys[0];
        assert_eq!((*id, label.as_str()), (7, "ci"));
    }

    #[test]
    fn edits_of_writes_reach_the_stored_scan() {
        use crate::ops::edits::KeyEdit;
        let dir = tempfile::tempdir().unwrap();
        let text =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua";
        let key: AccessKey =
            serde_json::from_value(serde_json::json!({"id": 7, "key": text, "label": "ci"}))
                .unwrap();
        let mut snap = snapshot("acme");
        snap.repo_keys
            .insert("api".into(), Listing::Keys(vec![key.clone()]));
        store_snapshot(dir.path(), &mut snap).unwrap();
        let scope = |repo: &str| {
            crate::forge::Place::repository(crate::forge::ForgeKind::Cloud, "acme", repo)
        };
        let edits = [
            KeyEdit::Removed {
                scope: scope("api"),
                key,
            },
            // Neither a place the scan did not list nor a workspace without a stored scan
            // gets a listing made of the edit alone.
            KeyEdit::Listed {
                scope: scope("new-repo"),
                keys: Vec::new(),
            },
            KeyEdit::Listed {
                scope: crate::forge::Place::repository(
                    crate::forge::ForgeKind::Cloud,
                    "globex",
                    "api",
                ),
                keys: Vec::new(),
            },
        ];
        apply_edits(dir.path(), &edits).unwrap();
        let CacheLoad::Found(c) = load(dir.path(), "acme") else {
            panic!("not found")
        };
        assert_eq!(
            c.snapshot.repo_keys.get("api"),
            Some(&Listing::Keys(vec![]))
        );
        assert_eq!(c.snapshot.repo_keys.len(), 1);
        assert_eq!(
            c.snapshot.scanned_at, snap.scanned_at,
            "still the scan's time"
        );
        assert_eq!(load(dir.path(), "globex"), CacheLoad::Missing);
    }

    #[test]
    fn slugs_that_are_not_slugs_never_become_paths() {
        let dir = tempfile::tempdir().unwrap();
        assert!(path_for(dir.path(), "../etc").is_none());
        assert!(matches!(load(dir.path(), "a/b"), CacheLoad::Ignored { .. }));
        assert!(store_snapshot(dir.path(), &mut snapshot("..")).is_err());
    }
}
