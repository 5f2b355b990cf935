//! Bringing a stored scan and its inventory up to date with bbkeys' own writes, from the
//! writes' answers alone (see `ops::edits`).

use crate::forge::AccessKey;
use crate::forge::Place;
use crate::ops::edits::KeyEdit;
use crate::sshkey::PublicKey;

use super::Inventory;
use super::inventory::{KeyHolding, UnparsableKey, entry, summarise};
use super::search::SearchCache;
use super::snapshot::{Listing, Snapshot};

/// A key as a scan stores it.
fn as_scanned(k: &AccessKey) -> AccessKey {
    k.clone()
}

impl Snapshot {
    /// Applies one edit. A place the scan did not list is left alone: its other keys are
    /// unknown, so a listing made of the edit alone would be wrong. Returns whether the
    /// snapshot changed.
    pub fn apply(&mut self, edit: &KeyEdit) -> bool {
        if edit.scope().owner() != self.workspace {
            return false;
        }
        let listing = match edit.scope() {
            Place::Repository { repo, .. } => self.repo_keys.get_mut(repo),
            Place::Project { project, .. } => self.project_keys.get_mut(project),
        };
        let Some(listing) = listing else {
            return false;
        };
        match (listing, edit) {
            (Listing::Keys(keys), _) => edit.apply_to(keys, |k| k.id, as_scanned),
            (listing, KeyEdit::Listed { keys, .. }) => {
                *listing = Listing::Keys(keys.iter().map(as_scanned).collect());
            }
            // A listing the scan could not read stays unread.
            (Listing::Failed(_), _) => return false,
        }
        true
    }
}

impl Inventory {
    /// Applies edits to the entries, as [`Snapshot::apply`] does to the scan they came from.
    pub fn apply(&mut self, edits: &[KeyEdit]) {
        // Labels and places change, so the filter's text is built again on the next filter.
        self.search = SearchCache::default();
        for edit in edits {
            let scope = edit.scope();
            if scope.owner() != self.workspace {
                continue;
            }
            let (gone, added): (Option<Vec<u64>>, Vec<&AccessKey>) = match edit {
                KeyEdit::Added { key, .. } => (Some(vec![key.id]), vec![key]),
                KeyEdit::Removed { key, .. } => (Some(vec![key.id]), Vec::new()),
                KeyEdit::Replaced { old, new, .. } => (Some(vec![old.id, new.id]), vec![new]),
                KeyEdit::Listed { keys, .. } => (None, keys.iter().collect()),
            };
            let leaves = |h: &KeyHolding| {
                &h.scope == scope && gone.as_ref().is_none_or(|g| g.contains(&h.id))
            };
            if gone.is_none() {
                self.listed(scope);
            } else if self
                .unreadable
                .iter()
                .any(|u| u.location.as_ref() == Some(scope))
            {
                // As in the scan: a listing it could not read stays unread.
                continue;
            }
            let mut touched = Vec::new();
            for e in &mut self.keys {
                let before = e.holdings.len();
                e.holdings.retain(|h| !leaves(h));
                if e.holdings.len() != before {
                    touched.push(e.fingerprint.clone());
                }
            }
            self.unparsable.retain(|u| !leaves(&u.holding));
            for key in added {
                let holding = KeyHolding::new(scope.clone(), key);
                match PublicKey::from_server(&key.key) {
                    Ok(pk) => {
                        let fp = pk.fingerprint();
                        match self.keys.binary_search_by(|e| e.fingerprint.cmp(&fp)) {
                            Ok(i) => self.keys[i].holdings.push(holding),
                            Err(i) => self.keys.insert(
                                i,
                                entry(fp.clone(), &pk, vec![holding], &self.project_repositories),
                            ),
                        }
                        touched.push(fp);
                    }
                    Err(e) => self.unparsable.push(UnparsableKey {
                        holding,
                        reason: e.to_string(),
                    }),
                }
            }
            let repos = &self.project_repositories;
            for e in self
                .keys
                .iter_mut()
                .filter(|e| touched.contains(&e.fingerprint))
            {
                summarise(e, repos);
            }
            self.keys.retain(|e| !e.holdings.is_empty());
        }
    }

    /// A place read whole again: if the scan could not read it, it now counts as read.
    fn listed(&mut self, scope: &Place) {
        let before = self.unreadable.len();
        self.unreadable
            .retain(|u| u.location.as_ref() != Some(scope));
        if self.unreadable.len() != before {
            match scope {
                Place::Repository { .. } => self.repositories_read += 1,
                Place::Project { .. } => self.projects_read += 1,
            }
        }
    }
}
