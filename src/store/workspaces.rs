//! The workspace list as last listed, so a start shows it (and the focused workspace's stored
//! scan) before the server has answered.
//!
//! `workspaces.json` in the account's cache directory. Like the scans, only a convenience: a
//! file that is missing or cannot be read is no list, and the live list replaces it anyway.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::CacheError;
use crate::forge::valid_slug;

/// The file's format; a file of another is not read.
const FORMAT: u32 = 1;

/// One workspace as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredWorkspace {
    /// URL slug.
    pub slug: String,
    /// Display name, as the list showed it.
    pub name: String,
}

#[derive(Serialize, Deserialize)]
struct ListFile {
    format: u32,
    workspaces: Vec<StoredWorkspace>,
}

/// The list's file in `dir`.
pub fn path(dir: &Path) -> PathBuf {
    dir.join("workspaces.json")
}

/// Stores the list, replacing the last one whole (written beside it, then renamed over it).
pub fn store(dir: &Path, list: &[StoredWorkspace]) -> Result<(), CacheError> {
    let target = path(dir);
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CacheError { path, source }
    };
    super::create_private_dir(dir).map_err(err(dir))?;
    let tmp = dir.join(format!(".workspaces.json.{}.tmp", std::process::id()));
    let file = ListFile {
        format: FORMAT,
        workspaces: list.to_vec(),
    };
    let text = serde_json::to_vec(&file).map_err(|e| CacheError {
        path: target.clone(),
        source: std::io::Error::other(e),
    })?;
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, &target))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            CacheError {
                path: target.clone(),
                source: e,
            }
        })
}

/// The stored list; `None` when there is none that can be read. Entries whose slug is not a
/// slug (a file edited by hand) are left out. Without a list (only the CLI ran so far), the
/// workspaces with a stored scan, named by their slugs.
pub fn load(dir: &Path) -> Option<Vec<StoredWorkspace>> {
    let Ok(bytes) = std::fs::read(path(dir)) else {
        return scanned(dir);
    };
    let file: ListFile = serde_json::from_slice(&bytes).ok()?;
    (file.format == FORMAT).then(|| {
        file.workspaces
            .into_iter()
            .filter(|w| valid_slug(&w.slug))
            .collect()
    })
}

/// The workspaces with a stored scan, sorted by slug; `None` when there are none.
fn scanned(dir: &Path) -> Option<Vec<StoredWorkspace>> {
    let mut list: Vec<StoredWorkspace> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let slug = name.strip_prefix("scan-")?.strip_suffix(".json")?;
            valid_slug(slug).then(|| StoredWorkspace {
                slug: slug.to_string(),
                name: slug.to_string(),
            })
        })
        .collect();
    list.sort_by(|a, b| a.slug.cmp(&b.slug));
    (!list.is_empty()).then_some(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_list_reads_back_and_a_bad_one_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()), None);
        let list = vec![
            StoredWorkspace {
                slug: "acme".into(),
                name: "Acme Corp".into(),
            },
            StoredWorkspace {
                slug: "../etc".into(),
                name: "not a slug".into(),
            },
        ];
        store(dir.path(), &list).unwrap();
        assert_eq!(load(dir.path()), Some(list[..1].to_vec()));
        std::fs::write(path(dir.path()), "{\"format\":2,\"workspaces\":[]}").unwrap();
        assert_eq!(load(dir.path()), None, "another format");
        std::fs::write(path(dir.path()), "{not json").unwrap();
        assert_eq!(load(dir.path()), None, "corrupt");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn without_a_list_the_workspaces_with_a_stored_scan_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "scan-globex.json",
            "scan-acme.json",
            ".scan-acme.json.1-2.tmp",
        ] {
            std::fs::write(dir.path().join(name), "{}").unwrap();
        }
        let slugs: Vec<String> = load(dir.path())
            .unwrap()
            .into_iter()
            .map(|w| w.slug)
            .collect();
        assert_eq!(slugs, ["acme", "globex"]);
    }
}
