//! The one table of which scopes each operation needs (`bitbucket-api.md` §1).

/// The request kinds are the forge's; the scopes each needs are Cloud's, here.
pub use crate::forge::credential::Operation;

/// Where API tokens with scopes are created.
pub const API_TOKEN_URL: &str = "https://id.atlassian.com/manage-profile/security/api-tokens";

impl Operation {
    /// Every operation, in table order.
    pub const ALL: [Operation; 15] = [
        Operation::CurrentUser,
        Operation::ListWorkspaces,
        Operation::GetWorkspace,
        Operation::ListRepositories,
        Operation::GetRepository,
        Operation::ListProjects,
        Operation::ListRepoKeys,
        Operation::GetRepoKey,
        Operation::AddRepoKey,
        Operation::UpdateRepoKey,
        Operation::DeleteRepoKey,
        Operation::ListProjectKeys,
        Operation::GetProjectKey,
        Operation::AddProjectKey,
        Operation::DeleteProjectKey,
    ];

    /// API-token (granular) scopes, all required. They never imply each other.
    pub fn api_token_scopes(self) -> &'static [&'static str] {
        use Operation::*;
        match self {
            CurrentUser => &["read:user:bitbucket"],
            ListWorkspaces | GetWorkspace => &["read:workspace:bitbucket"],
            ListRepositories | GetRepository => &["read:repository:bitbucket"],
            ListProjects => &["read:project:bitbucket"],
            ListRepoKeys | GetRepoKey => &["admin:repository:bitbucket"],
            AddRepoKey | UpdateRepoKey => {
                &["admin:repository:bitbucket", "write:ssh-key:bitbucket"]
            }
            DeleteRepoKey => &["admin:repository:bitbucket", "delete:ssh-key:bitbucket"],
            ListProjectKeys | GetProjectKey => &["admin:project:bitbucket"],
            AddProjectKey => &["admin:project:bitbucket", "write:ssh-key:bitbucket"],
            DeleteProjectKey => &["admin:project:bitbucket", "delete:ssh-key:bitbucket"],
        }
    }

    /// Classic scopes (OAuth consumers, workspace/project/repository access tokens), all required.
    /// `repository:admin` does not imply `repository`.
    pub fn classic_scopes(self) -> &'static [&'static str] {
        use Operation::*;
        match self {
            CurrentUser | ListWorkspaces | GetWorkspace => &["account"],
            ListRepositories | GetRepository => &["repository"],
            ListProjects => &["project"],
            ListRepoKeys | GetRepoKey | AddRepoKey | UpdateRepoKey | DeleteRepoKey => {
                &["repository", "repository:admin"]
            }
            ListProjectKeys | GetProjectKey | AddProjectKey | DeleteProjectKey => {
                &["project", "project:admin"]
            }
        }
    }

    /// Whether access tokens are refused for this operation whatever their scopes (§2).
    pub fn refused_for_access_tokens(self) -> bool {
        use Operation::*;
        matches!(self, AddRepoKey | UpdateRepoKey | DeleteRepoKey)
    }

    /// HTTP method and path template, as in the OpenAPI document.
    pub fn endpoint(self) -> (&'static str, &'static str) {
        use Operation::*;
        match self {
            CurrentUser => ("GET", "/user"),
            ListWorkspaces => ("GET", "/user/workspaces"),
            GetWorkspace => ("GET", "/workspaces/{workspace}"),
            ListRepositories => ("GET", "/repositories/{workspace}"),
            GetRepository => ("GET", "/repositories/{workspace}/{repo_slug}"),
            ListProjects => ("GET", "/workspaces/{workspace}/projects"),
            ListRepoKeys => ("GET", "/repositories/{workspace}/{repo_slug}/deploy-keys"),
            GetRepoKey => (
                "GET",
                "/repositories/{workspace}/{repo_slug}/deploy-keys/{key_id}",
            ),
            AddRepoKey => ("POST", "/repositories/{workspace}/{repo_slug}/deploy-keys"),
            UpdateRepoKey => (
                "PUT",
                "/repositories/{workspace}/{repo_slug}/deploy-keys/{key_id}",
            ),
            DeleteRepoKey => (
                "DELETE",
                "/repositories/{workspace}/{repo_slug}/deploy-keys/{key_id}",
            ),
            ListProjectKeys => (
                "GET",
                "/workspaces/{workspace}/projects/{project_key}/deploy-keys",
            ),
            GetProjectKey => (
                "GET",
                "/workspaces/{workspace}/projects/{project_key}/deploy-keys/{key_id}",
            ),
            AddProjectKey => (
                "POST",
                "/workspaces/{workspace}/projects/{project_key}/deploy-keys",
            ),
            DeleteProjectKey => (
                "DELETE",
                "/workspaces/{workspace}/projects/{project_key}/deploy-keys/{key_id}",
            ),
        }
    }

    /// What the operation does, as a noun phrase for sentences ("Adding a key to acme/api").
    pub fn gerund(self) -> &'static str {
        use Operation::*;
        match self {
            CurrentUser => "Reading your account",
            ListWorkspaces => "Listing your workspaces",
            GetWorkspace => "Reading the workspace",
            ListRepositories => "Listing the repositories you administer in",
            GetRepository => "Reading the repository",
            ListProjects => "Listing the projects of",
            ListRepoKeys => "Listing the access keys of",
            GetRepoKey => "Reading an access key of",
            AddRepoKey => "Adding a key to",
            UpdateRepoKey => "Changing the label of a key of",
            DeleteRepoKey => "Deleting a key from",
            ListProjectKeys => "Listing the access keys of",
            GetProjectKey => "Reading an access key of",
            AddProjectKey => "Adding a key to",
            DeleteProjectKey => "Deleting a key from",
        }
    }
}

/// The minimal API-token scope set for everything bbkeys does.
pub fn minimal_api_token_scopes() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = Vec::new();
    for op in Operation::ALL {
        for s in op.api_token_scopes() {
            if !all.contains(s) {
                all.push(s);
            }
        }
    }
    all
}

/// The scope table as Markdown, exactly as the README shows it (a test keeps them equal).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Operation | Method and path | API-token scopes | Classic scopes |\n|---|---|---|---|\n",
    );
    for op in Operation::ALL {
        let (method, path) = op.endpoint();
        out.push_str(&format!(
            "| {} | `{} {}` | {} | {} |\n",
            op.title(),
            method,
            path,
            op.api_token_scopes()
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(" "),
            op.classic_scopes()
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(" "),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_set_is_the_documented_eight() {
        let mut got = minimal_api_token_scopes();
        got.sort_unstable();
        assert_eq!(
            got,
            vec![
                "admin:project:bitbucket",
                "admin:repository:bitbucket",
                "delete:ssh-key:bitbucket",
                "read:project:bitbucket",
                "read:repository:bitbucket",
                "read:user:bitbucket",
                "read:workspace:bitbucket",
                "write:ssh-key:bitbucket",
            ]
        );
    }

    #[test]
    fn writes_need_ssh_key_scopes() {
        for op in Operation::ALL.into_iter().filter(|o| o.is_write()) {
            assert!(
                op.api_token_scopes().iter().any(|s| s.contains("ssh-key")),
                "{op:?}"
            );
        }
    }
}
