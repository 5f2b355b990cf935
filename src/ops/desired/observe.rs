//! What a stored or fresh workspace scan says the forge holds, in the planner's terms.

use super::plan::Observed;
use crate::forge::Place;
use crate::ops::audit::{Listing, Snapshot};

impl Observed {
    /// Adds the places and keys of one workspace scan.
    pub fn add_snapshot(&mut self, snapshot: &Snapshot) {
        let ws = &snapshot.workspace;
        for r in &snapshot.repositories {
            if let Some(p) = &r.project {
                self.projects_of
                    .insert((ws.clone(), r.slug.clone()), p.clone());
            }
        }
        let repos = snapshot.repo_keys.iter().map(|(slug, l)| {
            let scope = Place::repository(snapshot.forge, ws.clone(), slug.clone());
            (scope, l)
        });
        let projects = snapshot.project_keys.iter().map(|(key, l)| {
            let scope = Place::project(snapshot.forge, ws.clone(), key.clone());
            (scope, l)
        });
        for (place, listing) in repos.chain(projects) {
            match listing {
                Listing::Keys(keys) => {
                    self.grants.insert(place, keys.clone());
                }
                // Not administered: a fact about the place, not a failure to read it.
                Listing::Failed(f) if f.is_not_permitted() => {
                    self.not_permitted.insert(place);
                }
                Listing::Failed(_) => {
                    self.unreadable.insert(place);
                }
            }
        }
    }
}
