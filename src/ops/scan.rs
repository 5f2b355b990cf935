//! A workspace scan: every admin repository's keys and every project's keys, fetched concurrently.

use std::collections::BTreeMap;

use futures::FutureExt;
use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::bitbucket::{ApiError, Client, DeployKey, Project, Repository};

/// Progress of a running scan, reported after every finished request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanProgress {
    /// Key listings finished (repositories plus projects).
    pub done: usize,
    /// Key listings to do; grows while repository pages arrive.
    pub total: usize,
}

/// The result of a workspace scan. Per-repository failures do not fail the scan.
#[derive(Debug, Clone)]
pub struct WorkspaceScan {
    /// Workspace slug.
    pub workspace: String,
    /// Admin repositories, sorted by slug.
    pub repositories: Vec<Repository>,
    /// Projects of the workspace (empty when they could not be listed).
    pub projects: Vec<Project>,
    /// Keys of each repository by slug, or why they could not be read.
    pub repo_keys: BTreeMap<String, Result<Vec<DeployKey>, ApiError>>,
    /// Keys of each project by project key, or why they could not be read.
    pub project_keys: BTreeMap<String, Result<Vec<DeployKey>, ApiError>>,
    /// Why projects could not be listed, if they could not.
    pub projects_error: Option<ApiError>,
}

/// Scans `ws`: the repository listing and the project listing run side by side, and each
/// repository's keys are requested as soon as the listing is known. Fails only when the
/// repository listing itself fails; a repository that cannot be read is recorded, not fatal.
pub async fn scan_workspace(
    client: &Client,
    ws: &str,
    progress: &(dyn Fn(ScanProgress) + Send + Sync),
) -> Result<WorkspaceScan, ApiError> {
    let (repos, projects) = tokio::join!(client.repositories(ws), client.projects(ws));
    let repositories = repos?;
    let (projects, projects_error) = match projects {
        Ok(p) => (p, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let total = repositories.len() + projects.len();
    progress(ScanProgress { done: 0, total });

    enum Listing {
        Repo(String, Result<Vec<DeployKey>, ApiError>),
        Project(String, Result<Vec<DeployKey>, ApiError>),
    }
    let mut pending = FuturesUnordered::new();
    for r in &repositories {
        let slug = r.slug.clone();
        pending.push(
            async move {
                let keys = client.repo_keys(ws, &slug).await;
                Listing::Repo(slug, keys)
            }
            .boxed(),
        );
    }
    for p in &projects {
        let key = p.key.clone();
        pending.push(
            async move {
                let keys = client.project_keys(ws, &key).await;
                Listing::Project(key, keys)
            }
            .boxed(),
        );
    }
    let mut repo_keys = BTreeMap::new();
    let mut project_keys = BTreeMap::new();
    let mut done = 0;
    while let Some(listing) = pending.next().await {
        match listing {
            Listing::Repo(slug, keys) => {
                repo_keys.insert(slug, keys);
            }
            Listing::Project(key, keys) => {
                project_keys.insert(key, keys);
            }
        }
        done += 1;
        progress(ScanProgress { done, total });
    }
    Ok(WorkspaceScan {
        workspace: ws.to_string(),
        repositories,
        projects,
        repo_keys,
        project_keys,
        projects_error,
    })
}
