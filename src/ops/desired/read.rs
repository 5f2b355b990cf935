//! Reads what a keys file touches, and nothing else: the repository listing of each workspace
//! it names (globs and `{project}` labels need it), then the keys of the repositories its
//! selectors and prune scopes match and of the projects it declares. A file about two
//! repositories of a large workspace costs two key listings, not a scan of the workspace.

use std::collections::BTreeSet;

use futures::StreamExt;

use super::file::KeysFile;
use super::plan::Observed;
use crate::forge::{AccessKey, Forge, ForgeError, ForgeErrorKind, Place};

/// The workspaces (owners) `file` names, in its selectors, prune scopes and projects. The
/// caller refuses wildcard owners before this.
pub fn owners_of(file: &KeysFile) -> BTreeSet<String> {
    let selectors = file
        .keys
        .iter()
        .flat_map(|k| k.repos.iter())
        .chain(file.prune.iter().flat_map(|p| p.scopes.iter()));
    let mut out: BTreeSet<String> = selectors.map(|s| s.glob.owner().to_string()).collect();
    out.extend(
        file.keys
            .iter()
            .flat_map(|k| k.projects.iter().map(|(o, _)| o.clone())),
    );
    out
}

/// Whether a repository is reached by a declaration or a prune scope of `file`.
fn touched(file: &KeysFile, owner: &str, repo: &str) -> bool {
    let declared = file.keys.iter().flat_map(|k| k.repos.iter());
    let pruned = file.prune.iter().flat_map(|p| p.scopes.iter());
    declared.chain(pruned).any(|s| s.glob.matches(owner, repo))
}

/// Reads the places `file` touches. A workspace the forge does not know, or a declared project
/// it does not have, is left out, so the plan warns that its selector matches nothing; a
/// repository listing that fails otherwise ends the read.
pub async fn observe_touched(forge: &dyn Forge, file: &KeysFile) -> Result<Observed, ForgeError> {
    let kind = forge.kind();
    let mut observed = Observed::default();
    let mut places: Vec<Place> = Vec::new();
    for owner in owners_of(file) {
        let repos = match forge.repositories(&owner).await {
            Ok(r) => r,
            Err(e) if e.kind == ForgeErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        for r in repos {
            if let Some(p) = &r.project {
                observed
                    .projects_of
                    .insert((owner.clone(), r.slug.clone()), p.clone());
            }
            if touched(file, &owner, &r.slug) {
                places.push(Place::repository(kind, owner.clone(), r.slug));
            }
        }
    }
    let declared_projects: BTreeSet<(String, String)> = file
        .keys
        .iter()
        .flat_map(|k| k.projects.iter().cloned())
        .collect();
    places.extend(
        declared_projects
            .into_iter()
            .map(|(owner, project)| Place::project(kind, owner, project)),
    );
    let reads = futures::stream::iter(places)
        .map(|place| async move {
            let keys = forge.keys(&place).await;
            (place, keys)
        })
        .buffer_unordered(forge.concurrency().max(1));
    let results: Vec<(Place, Result<Vec<AccessKey>, ForgeError>)> = reads.collect().await;
    for (place, keys) in results {
        match keys {
            Ok(keys) => {
                observed.grants.insert(place, keys);
            }
            // Not administered: a fact about the place, as in a scan.
            Err(e) if e.kind == ForgeErrorKind::NotPermitted => {
                observed.not_permitted.insert(place);
            }
            Err(e)
                if e.kind == ForgeErrorKind::NotFound && matches!(place, Place::Project { .. }) => {
            }
            Err(_) => {
                observed.unreadable.insert(place);
            }
        }
    }
    Ok(observed)
}
