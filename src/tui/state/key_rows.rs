//! The keys pane's rows, remembered between frames.
//!
//! A repository or a workspace's project keys can hold 150,000 keys (issue 21). Listing and
//! filtering them on every frame, twice (the pane and the detail area), and walking every loaded
//! key to say where else the focused one is held, was most of a frame at that size, while the
//! pane draws fifty rows. So the rows are kept as positions in the lists they come from,
//! computed once for a focus, a filter and a version of the key lists, and a frame looks up only
//! the rows it draws.
//!
//! The key lists are plain maps of [`State`]: whatever changes them (an answer, a scan, a cached
//! scan, an edit of bbkeys' own writes, a reload, a new inventory a query reads) calls
//! [`KeyRowsCache::touch`]. The rows also remember where each list they index sat and how long
//! it was, so a list replaced or resized without a `touch` is noticed all the same; an edit in
//! place is only noticed through the `touch`. The clock is not part of it: like the All keys
//! view, a `used:<30d` query is judged again when anything else changes, not as time passes.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use crate::tui::state::query_filter::RowFilter;
use crate::tui::state::{KeyRow, KeyView, Load, ProjectGroup, RepoRow, State};

/// Where one row comes from: a position in the repository's own keys or in a project group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowRef {
    /// The repository's own key at this position.
    Own(u32),
    /// The key at `key` of group `group`.
    Group { group: u32, key: u32 },
    /// Group `group`, whose keys could not be read.
    Problem(u32),
}

/// What the rows were computed for: the focused list, the filter text and the lists' version.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RowsFor {
    ws: String,
    /// `None` for the "Project keys" entry; the repository and its project otherwise.
    repo: Option<(String, Option<String>)>,
    filter: String,
    version: u64,
    /// Where each list the rows index sits and how long it is: a list replaced or grown
    /// without a `touch` (a test that edits the state by hand) is noticed all the same.
    lists: Vec<(usize, usize)>,
}

/// Fingerprint hashes of every loaded key, sorted, with where each key is: so "also on" looks
/// at the few keys sharing a hash instead of every loaded key.
#[derive(Debug, Default)]
struct HeldIndex {
    /// (hash of the fingerprint, list, position in the list).
    entries: Vec<(u64, u32, u32)>,
    /// The lists the entries point into: a repository's keys, or a project group.
    lists: Vec<ListRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ListRef {
    Repo(String, String),
    Group(String, u32),
}

#[derive(Default)]
struct Remembered {
    rows: Option<(RowsFor, Arc<[RowRef]>)>,
    held: Option<(u64, Arc<HeldIndex>)>,
}

/// The keys pane's rows and the index of loaded fingerprints, and the version of the key lists
/// they were computed from.
#[derive(Default)]
pub struct KeyRowsCache {
    version: u64,
    // A mutex rather than a `RefCell` so `State` stays `Sync`; nobody else ever holds it.
    last: Mutex<Remembered>,
}

impl KeyRowsCache {
    /// The key lists (or the inventory a query judges rows against) changed: what was
    /// computed from them is computed again when next asked for.
    pub fn touch(&mut self) {
        self.version = self.version.wrapping_add(1);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A copy starts empty: the rows are computed again when asked for, and copies are rare (tests).
impl Clone for KeyRowsCache {
    fn clone(&self) -> Self {
        KeyRowsCache {
            version: self.version,
            last: Mutex::default(),
        }
    }
}

/// Two caches are always equal: what they hold follows from the lists next to them.
impl PartialEq for KeyRowsCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for KeyRowsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyRowsCache(v{})", self.version)
    }
}

/// The rows of the keys pane for the focused repository row, filtered: cheap to ask for, and
/// each row is looked up only when asked for.
#[derive(Debug, Clone)]
pub struct KeyRows<'a> {
    own: &'a [KeyView],
    groups: &'a [ProjectGroup],
    /// Whether group keys are inherited by a repository (rather than listed as project keys).
    inherited: bool,
    refs: Arc<[RowRef]>,
}

impl<'a> KeyRows<'a> {
    fn empty() -> KeyRows<'a> {
        KeyRows {
            own: &[],
            groups: &[],
            inherited: false,
            refs: Arc::from([]),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// Row `i`.
    pub fn get(&self, i: usize) -> Option<KeyRow<'a>> {
        self.refs.get(i).and_then(|r| self.resolve(*r))
    }

    /// Every row, in order.
    pub fn iter(&self) -> impl Iterator<Item = KeyRow<'a>> + '_ {
        self.refs.iter().filter_map(|r| self.resolve(*r))
    }

    fn resolve(&self, r: RowRef) -> Option<KeyRow<'a>> {
        match r {
            RowRef::Own(i) => self.own.get(i as usize).map(|key| KeyRow::Key {
                key,
                inherited: None,
            }),
            RowRef::Group { group, key } => {
                let g = self.groups.get(group as usize)?;
                let key = g.keys.as_ref().ok()?.get(key as usize)?;
                Some(KeyRow::Key {
                    key,
                    inherited: self.inherited.then_some(g.key.as_str()),
                })
            }
            RowRef::Problem(group) => {
                let g = self.groups.get(group as usize)?;
                g.keys.as_ref().err().map(|e| KeyRow::Problem(&g.key, e))
            }
        }
    }
}

impl State {
    /// Key rows for the focused repository row, matching the filter.
    pub fn key_rows(&self) -> Vec<KeyRow<'_>> {
        let view = self.key_rows_view();
        let mut rows = Vec::with_capacity(view.len());
        rows.extend(view.iter());
        rows
    }

    /// [`State::key_rows`] without listing them: computed once per focus, filter and version
    /// of the key lists, then looked up row by row.
    pub fn key_rows_view(&self) -> KeyRows<'_> {
        let Some(ws) = self.focused_workspace() else {
            return KeyRows::empty();
        };
        let groups = match self.project_keys.get(&ws.slug) {
            Some(Load::Ready(g)) => g.as_slice(),
            _ => &[],
        };
        let (own, repo) = match self.focused_repo_row() {
            None => return KeyRows::empty(),
            Some(RepoRow::ProjectKeys) => (&[][..], None),
            Some(RepoRow::Repo(repo)) => {
                let Some(Load::Ready(own)) = self.keys.get(&(ws.slug.clone(), repo.slug.clone()))
                else {
                    return KeyRows::empty();
                };
                (own.as_slice(), Some(repo))
            }
        };
        let filter = self.filter_fallback[2]
            .as_deref()
            .unwrap_or(&self.filter[2]);
        let wanted = RowsFor {
            ws: ws.slug.clone(),
            repo: repo.map(|r| (r.slug.clone(), r.project.clone())),
            filter: filter.to_string(),
            version: self.key_rows_cache.version,
            lists: std::iter::once((own.as_ptr() as usize, own.len()))
                .chain(groups.iter().map(|g| match &g.keys {
                    Ok(keys) => (keys.as_ptr() as usize, keys.len()),
                    Err(_) => (0, 0),
                }))
                .collect(),
        };
        let mut view = KeyRows {
            own,
            groups,
            inherited: repo.is_some(),
            refs: Arc::from([]),
        };
        let mut last = self.key_rows_cache.lock();
        view.refs = match &last.rows {
            Some((done, refs)) if *done == wanted => refs.clone(),
            _ => {
                let project = repo.and_then(|r| r.project.as_deref());
                let keeps = RowFilter::new(self, project);
                let mut refs = all_refs(own, groups, repo.is_some(), project);
                if !matches!(keeps, RowFilter::All) {
                    refs.retain(|r| view.resolve(*r).is_some_and(|row| keeps.keeps(&row)));
                }
                let refs: Arc<[RowRef]> = refs.into();
                last.rows = Some((wanted, refs.clone()));
                refs
            }
        };
        view
    }
}

/// Every row of a list before filtering: a repository's own keys and then those inherited from
/// its project, or every project group of the workspace.
fn all_refs(
    own: &[KeyView],
    groups: &[ProjectGroup],
    in_repo: bool,
    project: Option<&str>,
) -> Vec<RowRef> {
    let mut refs: Vec<RowRef> = (0..own.len() as u32).map(RowRef::Own).collect();
    for (gi, g) in (0u32..).zip(groups) {
        if in_repo && project != Some(g.key.as_str()) {
            continue;
        }
        match &g.keys {
            Ok(keys) => {
                refs.extend((0..keys.len() as u32).map(|key| RowRef::Group { group: gi, key }))
            }
            // A repository's list leaves out a project it could not read; the project list
            // says it.
            Err(_) if in_repo => {}
            Err(_) => refs.push(RowRef::Problem(gi)),
        }
    }
    refs
}

/// The hash the index sorts by; equal fingerprints hash equal, and the few keys sharing a hash
/// are compared in full.
fn fingerprint_hash(fp: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    fp.hash(&mut h);
    h.finish()
}

impl HeldIndex {
    fn build(state: &State) -> HeldIndex {
        let mut index = HeldIndex::default();
        let add = |list: ListRef, keys: &[KeyView], index: &mut HeldIndex| {
            let at = index.lists.len() as u32;
            let before = index.entries.len();
            index.entries.extend(
                (0u32..)
                    .zip(keys)
                    .filter_map(|(i, k)| Some((fingerprint_hash(k.fingerprint()?), at, i))),
            );
            if index.entries.len() > before {
                index.lists.push(list);
            }
        };
        for ((ws, repo), load) in &state.keys {
            if let Load::Ready(keys) = load {
                add(ListRef::Repo(ws.clone(), repo.clone()), keys, &mut index);
            }
        }
        for (ws, load) in &state.project_keys {
            if let Load::Ready(groups) = load {
                for (gi, g) in (0u32..).zip(groups) {
                    if let Ok(keys) = &g.keys {
                        add(ListRef::Group(ws.clone(), gi), keys, &mut index);
                    }
                }
            }
        }
        index.entries.sort_unstable();
        index
    }

    /// The loaded keys whose fingerprint hashes as `fp` does.
    fn candidates<'s>(&self, state: &'s State, fp: &str) -> Vec<&'s KeyView> {
        let h = fingerprint_hash(fp);
        let from = self.entries.partition_point(|e| e.0 < h);
        let to = self.entries.partition_point(|e| e.0 <= h);
        self.entries[from..to]
            .iter()
            .filter_map(|&(_, list, i)| {
                let keys = match self.lists.get(list as usize)? {
                    ListRef::Repo(ws, repo) => match state.keys.get(&(ws.clone(), repo.clone()))? {
                        Load::Ready(keys) => keys.as_slice(),
                        _ => return None,
                    },
                    ListRef::Group(ws, g) => match state.project_keys.get(ws)? {
                        Load::Ready(groups) => groups.get(*g as usize)?.keys.as_ref().ok()?,
                        _ => return None,
                    },
                };
                keys.get(i as usize)
            })
            .collect()
    }
}

impl State {
    /// Other places holding the same key (by fingerprint), among what has been loaded.
    pub fn also_on(&self, key: &KeyView) -> Vec<String> {
        let Some(fp) = key.fingerprint() else {
            return Vec::new();
        };
        let version = self.key_rows_cache.version;
        let index = {
            let mut last = self.key_rows_cache.lock();
            match &last.held {
                Some((v, index)) if *v == version => index.clone(),
                _ => {
                    let index = Arc::new(HeldIndex::build(self));
                    last.held = Some((version, index.clone()));
                    index
                }
            }
        };
        let places: std::collections::BTreeSet<String> = index
            .candidates(self, fp)
            .into_iter()
            .filter(|k| k.fingerprint() == Some(fp) && k.scope != key.scope)
            .map(|k| k.scope.to_string())
            .collect();
        places.into_iter().collect()
    }
}
