//! One entry per distinct key of a workspace, indexed by fingerprint.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Timestamp;
use super::parsed_texts::ParsedTexts;
use super::search::{SearchCache, Searchable};
use super::snapshot::{Listing, ListingFailure, Snapshot};
use crate::forge::Place;
use crate::forge::{AccessKey, Permission};
use crate::sanitize::clean_line;
use crate::sshkey::{Fingerprint, PublicKey, Strength};

/// One key on one repository or project: a row of Bitbucket's own key list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyHolding {
    /// Where the key sits (`scope`, `workspace`, and `repo` or `project` in JSON).
    #[serde(flatten)]
    pub scope: Place,
    /// Bitbucket's key id there.
    pub id: u64,
    /// Label there (sanitised; empty when none).
    pub label: String,
    /// Comment there (sanitised).
    pub comment: Option<String>,
    /// When it was added there.
    pub created_on: Option<Timestamp>,
    /// When it was last used there; `None` when never.
    pub last_used: Option<Timestamp>,
    /// What the grant allows; only `write` is written out, so Cloud's JSON stays as it was.
    #[serde(skip_serializing_if = "Permission::is_read")]
    pub permission: Permission,
    /// When the key expires, on forges with expiry; left out when it never does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<Timestamp>,
}

impl KeyHolding {
    pub(super) fn new(scope: Place, key: &AccessKey) -> KeyHolding {
        KeyHolding {
            scope,
            id: key.id,
            label: clean_line(key.label.as_str()),
            comment: key
                .comment
                .as_deref()
                .map(clean_line)
                .filter(|c| !c.is_empty()),
            created_on: key.created.as_deref().and_then(Timestamp::parse),
            last_used: key.last_used.as_deref().and_then(Timestamp::parse),
            permission: key.permission,
            expires_on: crate::ops::expiry::expires_at(key).map(Timestamp),
        }
    }
}

/// One distinct key of the workspace, with everywhere it sits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyEntry {
    /// `SHA256:...`, the identity of the key (labels and comments differ between holdings).
    pub fingerprint: Fingerprint,
    /// OpenSSH type, such as `ssh-ed25519`.
    pub key_type: String,
    /// Size in bits.
    pub bits: u32,
    /// Weak (DSA, RSA under 2048), legacy (RSA 2048) or good.
    pub strength: Strength,
    /// Every label the key carries (a set: one key under several names is a finding).
    pub labels: BTreeSet<String>,
    /// Repositories holding the key directly, by slug.
    pub repositories: BTreeSet<String>,
    /// Projects holding the key, by project key.
    pub projects: BTreeSet<String>,
    /// Every repository the key can read: its own plus those of its projects.
    pub reached: BTreeSet<String>,
    /// `reached.len()`, kept as a field so JSON readers get it without counting.
    pub reach: usize,
    /// Earliest `created_on` of all holdings.
    pub first_added: Option<Timestamp>,
    /// Latest `last_used` of all holdings; `None` when never used anywhere.
    pub last_used: Option<Timestamp>,
    /// Every holding, sorted by place.
    pub holdings: Vec<KeyHolding>,
}

impl KeyEntry {
    /// Whether `needle` (case-insensitive) occurs in a label, the fingerprint, a repository
    /// slug or a project key. An empty needle matches everything.
    pub fn matches(&self, needle: &str) -> bool {
        let needle = needle.trim();
        if needle.is_empty() {
            return true;
        }
        let hit = |s: &str| crate::fold::contains_ignoring_case(s, needle);
        hit(self.fingerprint.as_str())
            || self.labels.iter().any(|l| hit(l))
            || self.repositories.iter().any(|r| hit(r))
            || self.projects.iter().any(|p| hit(p))
    }

    /// The labels joined for display; `(no label)` when there is none.
    pub fn labels_text(&self) -> String {
        let labels: Vec<&str> = self
            .labels
            .iter()
            .map(|l| if l.is_empty() { "(no label)" } else { l })
            .collect();
        labels.join(", ")
    }
}

/// A key whose text bbkeys cannot read: it has no fingerprint, so it is listed on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnparsableKey {
    /// Where it sits.
    #[serde(flatten)]
    pub holding: KeyHolding,
    /// Why it could not be read.
    pub reason: String,
}

/// A listing the scan could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreadableListing {
    /// The repository or project; `None` for the workspace's project list.
    pub location: Option<Place>,
    /// `acme/api`, `project API of acme` or `projects of acme`.
    pub target: String,
    /// Why, with the error's kind.
    #[serde(flatten)]
    pub failure: ListingFailure,
}

impl UnreadableListing {
    /// Whether the place was refused because the credential does not administer it: a fact
    /// about the account, reported as skipped rather than as a failed read.
    pub fn not_permitted(&self) -> bool {
        self.location.is_some() && self.failure.is_not_permitted()
    }
}

/// A repository or project a workspace-wide command did not read because the credential does
/// not administer it, as `--json` lists it: `scope`, `workspace`, `repo` or `project`, and
/// `reason` (always `not_permitted`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SkippedPlace {
    /// The place.
    #[serde(flatten)]
    pub scope: Place,
    /// Why it was skipped.
    pub reason: &'static str,
}

impl SkippedPlace {
    /// The reason every skipped place carries.
    pub const NOT_PERMITTED: &'static str = "not_permitted";

    /// A place the credential does not administer.
    pub fn not_permitted(scope: Place) -> SkippedPlace {
        SkippedPlace {
            scope,
            reason: Self::NOT_PERMITTED,
        }
    }
}

/// The columns of the All keys view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyColumn {
    /// Fingerprint.
    Fingerprint,
    /// Labels (the first in alphabetical order).
    Labels,
    /// Key type, then bits.
    Type,
    /// Bits, then key type.
    Bits,
    /// Repositories reached.
    Repositories,
    /// First added.
    FirstAdded,
    /// Last used (never used sorts first when ascending).
    LastUsed,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Smallest first.
    #[default]
    Ascending,
    /// Largest first.
    Descending,
}

/// A column and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortOrder {
    /// What to sort by.
    pub column: KeyColumn,
    /// Which way.
    pub direction: Direction,
}

impl Default for SortOrder {
    fn default() -> Self {
        SortOrder {
            column: KeyColumn::Fingerprint,
            direction: Direction::Ascending,
        }
    }
}

impl SortOrder {
    /// Compares two entries; ties fall back to the fingerprint, so the order is total and the
    /// view does not jump between refreshes.
    pub fn compare(&self, a: &KeyEntry, b: &KeyEntry) -> Ordering {
        let primary = match self.column {
            KeyColumn::Fingerprint => Ordering::Equal,
            KeyColumn::Labels => a.labels.iter().next().cmp(&b.labels.iter().next()),
            KeyColumn::Type => (&a.key_type, a.bits).cmp(&(&b.key_type, b.bits)),
            KeyColumn::Bits => (a.bits, &a.key_type).cmp(&(b.bits, &b.key_type)),
            KeyColumn::Repositories => a.reach.cmp(&b.reach),
            KeyColumn::FirstAdded => a.first_added.cmp(&b.first_added),
            KeyColumn::LastUsed => a.last_used.cmp(&b.last_used),
        };
        let ordering = primary.then_with(|| a.fingerprint.cmp(&b.fingerprint));
        match self.direction {
            Direction::Ascending => ordering,
            Direction::Descending => ordering.reverse(),
        }
    }
}

/// Every key of a workspace scan, indexed by fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inventory {
    /// Workspace slug.
    pub workspace: String,
    /// When the scan finished.
    pub scanned_at: Timestamp,
    /// One entry per distinct key, sorted by fingerprint.
    pub keys: Vec<KeyEntry>,
    /// Keys whose text could not be read.
    pub unparsable: Vec<UnparsableKey>,
    /// Listings that could not be read.
    pub unreadable: Vec<UnreadableListing>,
    /// Repositories of each project, from the repository list (admin repositories only).
    pub project_repositories: BTreeMap<String, BTreeSet<String>>,
    /// Repository listings read successfully.
    pub repositories_read: usize,
    /// Project listings read successfully.
    pub projects_read: usize,
    /// The lowered text the filter searches, built on the first filter.
    #[serde(skip)]
    pub(super) search: SearchCache,
}

impl Inventory {
    /// Indexes a snapshot.
    pub fn build(snapshot: &Snapshot) -> Inventory {
        let ws = &snapshot.workspace;
        let mut project_repositories: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in &snapshot.repositories {
            if let Some(p) = &r.project {
                project_repositories
                    .entry(p.clone())
                    .or_default()
                    .insert(r.slug.clone());
            }
        }
        let listings = || {
            let repos = snapshot.repo_keys.iter().map(|(slug, l)| {
                (
                    Place::repository(snapshot.forge, ws.clone(), slug.clone()),
                    l,
                )
            });
            let projects = snapshot
                .project_keys
                .iter()
                .map(|(key, l)| (Place::project(snapshot.forge, ws.clone(), key.clone()), l));
            repos.chain(projects)
        };
        let texts = ParsedTexts::of(snapshot);
        let mut by_fp: BTreeMap<Fingerprint, (PublicKey, Vec<KeyHolding>)> = BTreeMap::new();
        let mut unparsable = Vec::new();
        let mut unreadable = Vec::new();
        let mut repositories_read = 0;
        let mut projects_read = 0;
        let mut slots = texts.slots.iter();
        for (scope, listing) in listings() {
            let keys = match listing {
                Listing::Keys(keys) => keys,
                Listing::Failed(failure) => {
                    unreadable.push(UnreadableListing {
                        target: scope.to_string(),
                        location: Some(scope),
                        failure: failure.clone(),
                    });
                    continue;
                }
            };
            match scope {
                Place::Repository { .. } => repositories_read += 1,
                Place::Project { .. } => projects_read += 1,
            }
            for key in keys {
                let holding = KeyHolding::new(scope.clone(), key);
                let Some(text) = slots.next().and_then(|s| texts.parsed.get(*s)) else {
                    continue;
                };
                match &text.outcome {
                    // Looked up before inserting: cloning the fingerprint for every holding
                    // cost an allocation each, 30,000 of them in a large workspace.
                    Ok((fp, pk)) => match by_fp.get_mut(fp) {
                        Some((_, holdings)) => holdings.push(holding),
                        None => {
                            // Sized for every holding of the key: grown one push at a time,
                            // each key's list left its smaller copies behind at the peak.
                            let mut holdings = Vec::with_capacity(texts.holdings_of(fp));
                            holdings.push(holding);
                            by_fp.insert(fp.clone(), (pk.clone(), holdings));
                        }
                    },
                    Err(reason) => unparsable.push(UnparsableKey {
                        holding,
                        reason: reason.clone(),
                    }),
                }
            }
        }
        if let Some(failure) = &snapshot.projects_error {
            unreadable.push(UnreadableListing {
                location: None,
                target: format!("projects of {ws}"),
                failure: failure.clone(),
            });
        }
        let keys = by_fp
            .into_iter()
            .map(|(fp, (pk, holdings))| entry(fp, &pk, holdings, &project_repositories))
            .collect();
        Inventory {
            workspace: ws.clone(),
            scanned_at: snapshot.scanned_at,
            keys,
            unparsable,
            unreadable,
            project_repositories,
            repositories_read,
            projects_read,
            search: SearchCache::default(),
        }
    }

    /// The entry of one key, if the workspace holds it anywhere that could be read.
    pub fn get(&self, fp: &Fingerprint) -> Option<&KeyEntry> {
        self.keys
            .binary_search_by(|e| e.fingerprint.cmp(fp))
            .ok()
            .and_then(|i| self.keys.get(i))
    }

    /// The entries matching `filter` (see [`KeyEntry::matches`]), in `order`: what the All keys
    /// view shows.
    pub fn view(&self, filter: &str, order: SortOrder) -> Vec<&KeyEntry> {
        let mut rows: Vec<&KeyEntry> = self
            .matching(filter)
            .into_iter()
            .filter_map(|i| self.keys.get(i))
            .collect();
        rows.sort_by(|a, b| order.compare(a, b));
        rows
    }

    /// The indices of the entries matching `filter` (see [`KeyEntry::matches`]), ascending.
    pub fn matching(&self, filter: &str) -> Vec<usize> {
        self.search.matching(&self.keys, filter)
    }

    /// Listings that failed for a reason other than the credential not administering the
    /// place: what a reader must treat as a gap in the scan.
    pub fn read_failures(&self) -> Vec<&UnreadableListing> {
        self.unreadable
            .iter()
            .filter(|u| !u.not_permitted())
            .collect()
    }

    /// Places skipped because the credential does not administer them, sorted.
    pub fn skipped(&self) -> Vec<SkippedPlace> {
        let mut out: Vec<SkippedPlace> = self
            .unreadable
            .iter()
            .filter(|u| u.not_permitted())
            .filter_map(|u| u.location.clone())
            .map(SkippedPlace::not_permitted)
            .collect();
        out.sort();
        out
    }

    /// Key holdings in the workspace (every row of every readable listing).
    pub fn holdings(&self) -> usize {
        self.keys.iter().map(|e| e.holdings.len()).sum::<usize>() + self.unparsable.len()
    }
}

pub(super) fn entry(
    fingerprint: Fingerprint,
    pk: &PublicKey,
    holdings: Vec<KeyHolding>,
    project_repositories: &BTreeMap<String, BTreeSet<String>>,
) -> KeyEntry {
    let mut e = KeyEntry {
        fingerprint,
        key_type: pk.key_type().to_string(),
        bits: pk.bits(),
        strength: pk.strength(),
        labels: BTreeSet::new(),
        repositories: BTreeSet::new(),
        projects: BTreeSet::new(),
        reached: BTreeSet::new(),
        reach: 0,
        first_added: None,
        last_used: None,
        holdings,
    };
    summarise(&mut e, project_repositories);
    e
}

/// Works out everything an entry says about its holdings from the holdings themselves.
pub(super) fn summarise(
    e: &mut KeyEntry,
    project_repositories: &BTreeMap<String, BTreeSet<String>>,
) {
    let holdings = &mut e.holdings;
    holdings.sort_by(|a, b| (&a.scope, a.id).cmp(&(&b.scope, b.id)));
    // Grown one push at a time, the list of a widely shared key has up to half its length
    // spare; inventories are kept for the session.
    holdings.shrink_to_fit();
    let mut repositories = BTreeSet::new();
    let mut projects = BTreeSet::new();
    for h in holdings.iter() {
        match &h.scope {
            Place::Repository { repo, .. } => {
                repositories.insert(repo.clone());
            }
            Place::Project { project, .. } => {
                projects.insert(project.clone());
            }
        }
    }
    let mut reached = repositories.clone();
    for p in &projects {
        if let Some(repos) = project_repositories.get(p) {
            reached.extend(repos.iter().cloned());
        }
    }
    e.labels = holdings
        .iter()
        .map(|h| h.label.as_str())
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .map(String::from)
        .collect();
    e.reach = reached.len();
    e.reached = reached;
    e.repositories = repositories;
    e.projects = projects;
    e.first_added = holdings.iter().filter_map(|h| h.created_on).min();
    e.last_used = holdings.iter().filter_map(|h| h.last_used).max();
}

/// The All keys filter looks in the fingerprint, the labels, the repositories and the projects.
impl Searchable for KeyEntry {
    fn fields(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.fingerprint.as_str())
            .chain(self.labels.iter().map(String::as_str))
            .chain(self.repositories.iter().map(String::as_str))
            .chain(self.projects.iter().map(String::as_str))
    }

    fn matches(&self, needle: &str) -> bool {
        KeyEntry::matches(self, needle)
    }
}
