//! A workspace scan: every admin repository's keys and every project's keys, fetched concurrently.
// (interface first; body is being written)

use std::collections::BTreeMap;

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

/// Scans `ws`. Fails only when the repository listing itself fails.
pub async fn scan_workspace(
    client: &Client,
    ws: &str,
    progress: &(dyn Fn(ScanProgress) + Send + Sync),
) -> Result<WorkspaceScan, ApiError> {
    let _ = (client, ws, progress);
    todo!()
}
