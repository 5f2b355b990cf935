//! The operations of bitbucket-api.md §1, one method each, built on the transport in
//! `client/mod.rs`.

use reqwest::Method;

use super::*;

impl Client {
    /// `GET /user`.
    pub async fn current_user(&self) -> Result<User, ApiError> {
        self.get_json(self.url(&["user"]), Operation::CurrentUser, "")
            .await
    }

    /// Every workspace of `/user/workspaces`, with names from `/workspaces/{ws}` (the listing
    /// has no names, §1). A name that cannot be read falls back to the slug.
    pub async fn workspaces(&self) -> Result<Vec<Workspace>, ApiError> {
        let mut url = self.url(&["user", "workspaces"]);
        url.query_pairs_mut().append_pair("pagelen", "100");
        let access: Vec<WorkspaceAccess> = self.get_all(url, Operation::ListWorkspaces, "").await?;
        let lookups = access.into_iter().map(|a| async move {
            let name = match a.workspace.name.clone() {
                Some(n) => n,
                None => self
                    .get_json::<WorkspaceSummary>(
                        self.url(&["workspaces", &a.workspace.slug]),
                        Operation::GetWorkspace,
                        &a.workspace.slug,
                    )
                    .await
                    .ok()
                    .and_then(|w| w.name)
                    .unwrap_or_else(|| a.workspace.slug.clone()),
            };
            Workspace {
                slug: a.workspace.slug,
                name: crate::sanitize::clean_line(&name),
                uuid: a.workspace.uuid,
                administrator: a.administrator,
            }
        });
        let mut list = futures::future::join_all(lookups).await;
        list.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(list)
    }

    /// Repositories of `ws` the user administers, sorted by slug.
    pub async fn repositories(&self, ws: &str) -> Result<Vec<Repository>, ApiError> {
        let repos = self.repository_pages(ws).collect_all().await?;
        let mut repos: Vec<Repository> = repos.into_iter().map(Repository::normalise).collect();
        repos.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(repos)
    }

    /// One repository (its project tells which project keys it inherits).
    pub async fn repository(&self, ws: &str, repo: &str) -> Result<Repository, ApiError> {
        let url = self.url(&["repositories", ws, repo]);
        let r: Repository = self
            .get_json(url, Operation::GetRepository, &format!("{ws}/{repo}"))
            .await?;
        Ok(r.normalise())
    }

    /// Projects of `ws`.
    pub async fn projects(&self, ws: &str) -> Result<Vec<Project>, ApiError> {
        let mut projects = self.project_pages(ws).collect_all().await?;
        projects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(projects)
    }

    /// Every access key of a repository.
    pub async fn repo_keys(&self, ws: &str, repo: &str) -> Result<Vec<DeployKey>, ApiError> {
        let mut url = self.url(&["repositories", ws, repo, "deploy-keys"]);
        url.query_pairs_mut().append_pair("pagelen", "100");
        self.get_all(url, Operation::ListRepoKeys, &format!("{ws}/{repo}"))
            .await
    }

    /// One access key of a repository.
    pub async fn repo_key(&self, ws: &str, repo: &str, id: u64) -> Result<DeployKey, ApiError> {
        let url = self.url(&["repositories", ws, repo, "deploy-keys", &id.to_string()]);
        self.get_json(url, Operation::GetRepoKey, &format!("{ws}/{repo}"))
            .await
    }

    /// Adds a key (`key` may carry a comment) to a repository. When the answer is lost (network
    /// error, timeout, 5xx) the keys are listed and the key found by fingerprint, since the POST
    /// may have landed.
    pub async fn add_repo_key(
        &self,
        ws: &str,
        repo: &str,
        key: &str,
        label: &str,
    ) -> Result<DeployKey, ApiError> {
        let url = self.url(&["repositories", ws, repo, "deploy-keys"]);
        let target = format!("{ws}/{repo}");
        let body = serde_json::json!({ "key": key, "label": label });
        let outcome = self
            .write(
                Method::POST,
                url,
                Some(body),
                Operation::AddRepoKey,
                &target,
            )
            .await;
        match outcome {
            Ok(text) => decode(&text, Operation::AddRepoKey, &target),
            Err(e) if outcome_unknown(&e) => {
                let keys = self.repo_keys(ws, repo).await.map_err(|_| e.clone())?;
                find_by_key(keys, key).ok_or(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Changes a repository key's label in place (the key blob must stay the same).
    pub async fn update_repo_key(
        &self,
        ws: &str,
        repo: &str,
        id: u64,
        key: &str,
        label: &str,
    ) -> Result<DeployKey, ApiError> {
        let url = self.url(&["repositories", ws, repo, "deploy-keys", &id.to_string()]);
        let target = format!("{ws}/{repo}");
        let body = serde_json::json!({ "key": key, "label": label });
        let text = self
            .write(
                Method::PUT,
                url,
                Some(body),
                Operation::UpdateRepoKey,
                &target,
            )
            .await?;
        decode(&text, Operation::UpdateRepoKey, &target)
    }

    /// Deletes a repository key. When the answer is lost, the keys are listed: a key no longer
    /// there counts as deleted.
    pub async fn delete_repo_key(&self, ws: &str, repo: &str, id: u64) -> Result<(), ApiError> {
        let url = self.url(&["repositories", ws, repo, "deploy-keys", &id.to_string()]);
        let target = format!("{ws}/{repo}");
        match self
            .write(Method::DELETE, url, None, Operation::DeleteRepoKey, &target)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if outcome_unknown(&e) => {
                let keys = self.repo_keys(ws, repo).await.map_err(|_| e.clone())?;
                if keys.iter().any(|k| k.id == id) {
                    Err(e)
                } else {
                    Ok(())
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Every access key of a project.
    pub async fn project_keys(&self, ws: &str, project: &str) -> Result<Vec<DeployKey>, ApiError> {
        let mut url = self.url(&["workspaces", ws, "projects", project, "deploy-keys"]);
        url.query_pairs_mut().append_pair("pagelen", "100");
        self.get_all(
            url,
            Operation::ListProjectKeys,
            &project_target(ws, project),
        )
        .await
    }

    /// One access key of a project.
    pub async fn project_key(
        &self,
        ws: &str,
        project: &str,
        id: u64,
    ) -> Result<DeployKey, ApiError> {
        let url = self.url(&[
            "workspaces",
            ws,
            "projects",
            project,
            "deploy-keys",
            &id.to_string(),
        ]);
        self.get_json(url, Operation::GetProjectKey, &project_target(ws, project))
            .await
    }

    /// Adds a key to a project; a lost answer is resolved by listing, as for repositories.
    pub async fn add_project_key(
        &self,
        ws: &str,
        project: &str,
        key: &str,
        label: &str,
    ) -> Result<DeployKey, ApiError> {
        let url = self.url(&["workspaces", ws, "projects", project, "deploy-keys"]);
        let target = project_target(ws, project);
        let body = serde_json::json!({ "key": key, "label": label });
        let outcome = self
            .write(
                Method::POST,
                url,
                Some(body),
                Operation::AddProjectKey,
                &target,
            )
            .await;
        match outcome {
            Ok(text) => decode(&text, Operation::AddProjectKey, &target),
            Err(e) if outcome_unknown(&e) => {
                let keys = self
                    .project_keys(ws, project)
                    .await
                    .map_err(|_| e.clone())?;
                find_by_key(keys, key).ok_or(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes a project key; a lost answer is resolved by listing.
    pub async fn delete_project_key(
        &self,
        ws: &str,
        project: &str,
        id: u64,
    ) -> Result<(), ApiError> {
        let url = self.url(&[
            "workspaces",
            ws,
            "projects",
            project,
            "deploy-keys",
            &id.to_string(),
        ]);
        let target = project_target(ws, project);
        match self
            .write(
                Method::DELETE,
                url,
                None,
                Operation::DeleteProjectKey,
                &target,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if outcome_unknown(&e) => {
                let keys = self
                    .project_keys(ws, project)
                    .await
                    .map_err(|_| e.clone())?;
                if keys.iter().any(|k| k.id == id) {
                    Err(e)
                } else {
                    Ok(())
                }
            }
            Err(e) => Err(e),
        }
    }
}

fn project_target(ws: &str, project: &str) -> String {
    format!("project {project} of {ws}")
}

/// A write whose answer was lost may or may not have been applied.
fn outcome_unknown(e: &ApiError) -> bool {
    matches!(
        e.kind,
        ApiErrorKind::Network | ApiErrorKind::Timeout | ApiErrorKind::Server | ApiErrorKind::Decode
    )
}

/// Finds a key by fingerprint of its blob: the server strips comments, so strings differ.
fn find_by_key(keys: Vec<DeployKey>, key: &str) -> Option<DeployKey> {
    let wanted = PublicKey::from_server(key).ok()?.fingerprint();
    keys.into_iter().find(|k| {
        PublicKey::from_server(&k.key)
            .map(|p| p.fingerprint() == wanted)
            .unwrap_or(false)
    })
}
