//! Bitbucket Cloud as a [`Forge`]: the Cloud client's calls, with its wire types and errors
//! converted to the domain's at this edge.

use futures::FutureExt;
use futures::future::BoxFuture;

use super::{ApiError, ApiErrorKind, Client, DeployKey, KeyScope, Pages};
use crate::forge::{
    AccessKey, Budget, Caps, CredentialReport, Forge, ForgeError, ForgeErrorKind, ForgeKind,
    Identity, ListedRepository, NewAccessKey, Owner, PageCursor, Paged, Permission, Place, Project,
    Repository, Usage, UsageSearch, unsupported,
};

/// Bitbucket Cloud's hourly allowance per account for API tokens (`bitbucket-api.md` §5).
const HOURLY_LIMIT: usize = 1_000;

impl From<ApiError> for ForgeError {
    fn from(e: ApiError) -> ForgeError {
        let kind = match e.kind {
            ApiErrorKind::Unauthorized => ForgeErrorKind::Authentication,
            ApiErrorKind::MissingScopes | ApiErrorKind::WrongAuthMechanism => {
                ForgeErrorKind::MissingPermission {
                    needed: e.required.clone(),
                    granted: e.granted.clone(),
                }
            }
            // A 403 without a scope detail: the account does not administer the place (§4).
            ApiErrorKind::Forbidden => ForgeErrorKind::NotPermitted,
            ApiErrorKind::NotFound => ForgeErrorKind::NotFound,
            ApiErrorKind::DuplicateKey => ForgeErrorKind::Duplicate,
            ApiErrorKind::KeyOnUserAccount
            | ApiErrorKind::InvalidKey
            | ApiErrorKind::ImmutableKey
            | ApiErrorKind::BadRequest
            | ApiErrorKind::Refused => ForgeErrorKind::InvalidInput,
            ApiErrorKind::Gone => ForgeErrorKind::Unsupported,
            ApiErrorKind::RateLimited => ForgeErrorKind::RateLimited {
                retry_after: e.retry_after,
            },
            ApiErrorKind::Server => ForgeErrorKind::Server,
            ApiErrorKind::Network | ApiErrorKind::Timeout => ForgeErrorKind::Network,
            ApiErrorKind::Decode => ForgeErrorKind::Decode,
        };
        ForgeError {
            kind,
            status: e.status,
            advice: e.to_string(),
            wire_code: serde_json::to_value(e.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from)),
        }
    }
}

impl From<KeyScope> for Place {
    fn from(scope: KeyScope) -> Place {
        match scope {
            KeyScope::Repository { workspace, repo } => Place::Repository {
                forge: ForgeKind::Cloud,
                owner: workspace,
                repo,
            },
            KeyScope::Project { workspace, project } => Place::Project {
                forge: ForgeKind::Cloud,
                owner: workspace,
                project,
            },
        }
    }
}

impl From<&Place> for KeyScope {
    fn from(place: &Place) -> KeyScope {
        match place {
            Place::Repository { owner, repo, .. } => KeyScope::Repository {
                workspace: owner.clone(),
                repo: repo.clone(),
            },
            Place::Project { owner, project, .. } => KeyScope::Project {
                workspace: owner.clone(),
                project: project.clone(),
            },
        }
    }
}

impl From<DeployKey> for AccessKey {
    fn from(k: DeployKey) -> AccessKey {
        AccessKey {
            id: k.id,
            key: k.key.into(),
            label: k.label.unwrap_or_default(),
            comment: k.comment,
            // Cloud access keys are read-only (§1).
            permission: Permission::Read,
            created: k.created_on,
            last_used: k.last_used,
            expiry_days: None,
        }
    }
}

fn keys(result: Result<Vec<DeployKey>, ApiError>) -> Result<Vec<AccessKey>, ForgeError> {
    result
        .map(|ks| ks.into_iter().map(AccessKey::from).collect())
        .map_err(ForgeError::from)
}

impl From<super::Repository> for Repository {
    fn from(r: super::Repository) -> Repository {
        let r = r.normalise();
        Repository {
            name: r.name.clone().unwrap_or_else(|| r.slug.clone()),
            project: r.project.map(|p| p.key),
            slug: r.slug,
        }
    }
}

impl From<super::Project> for Project {
    fn from(p: super::Project) -> Project {
        Project {
            key: p.key,
            name: p.name,
        }
    }
}

/// A Cloud listing (`next` links, followed as given) as a domain cursor: each page's items
/// are converted as it arrives.
struct CloudPages<W, T> {
    pages: Pages<W>,
    convert: fn(W) -> T,
}

impl<W, T> PageCursor<T> for CloudPages<W, T>
where
    W: serde::de::DeserializeOwned + Send,
    T: Send,
{
    fn next_page(&mut self) -> BoxFuture<'_, Option<Result<Vec<T>, ForgeError>>> {
        async move {
            let page = self.pages.next_page().await?;
            Some(
                page.map(|items| items.into_iter().map(self.convert).collect())
                    .map_err(ForgeError::from),
            )
        }
        .boxed()
    }

    fn pages_read(&self) -> usize {
        self.pages.pages_read()
    }

    fn is_done(&self) -> bool {
        self.pages.is_done()
    }

    fn size(&self) -> Option<u64> {
        self.pages.size()
    }

    fn page_count(&self) -> Option<u64> {
        self.pages.page_count()
    }
}

impl Forge for Client {
    fn kind(&self) -> ForgeKind {
        ForgeKind::Cloud
    }

    fn caps(&self) -> Caps {
        Caps {
            // Repository keys take a PUT of the same key with a new label (§1).
            in_place_label: true,
            permissions: false,
            expiry: false,
            usage_lookup: false,
            project_keys: true,
        }
    }

    fn budget(&self) -> Budget {
        Budget {
            used_last_hour: self.requests_last_hour(),
            hourly_limit: Some(HOURLY_LIMIT),
        }
    }

    fn whoami(&self) -> BoxFuture<'_, Result<Identity, ForgeError>> {
        async move {
            let user = self.current_user().await?;
            Ok(Identity {
                display_name: user
                    .display_name
                    .or_else(|| user.nickname.clone())
                    .unwrap_or_default(),
                handle: user.nickname,
            })
        }
        .boxed()
    }

    fn owners(&self) -> BoxFuture<'_, Result<Vec<Owner>, ForgeError>> {
        async move {
            let workspaces = self.workspaces().await?;
            Ok(workspaces
                .into_iter()
                .map(|w| Owner {
                    slug: w.slug,
                    name: w.name,
                    administrator: w.administrator,
                    id: w.uuid,
                })
                .collect())
        }
        .boxed()
    }

    fn repositories<'a>(
        &'a self,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Repository>, ForgeError>> {
        async move {
            let repos = Client::repositories(self, owner).await?;
            Ok(repos.into_iter().map(Repository::from).collect())
        }
        .boxed()
    }

    fn repository_listing<'a>(
        &'a self,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<Vec<ListedRepository>, ForgeError>> {
        async move {
            let repos = Client::repositories(self, owner).await?;
            Ok(repos
                .into_iter()
                .map(|r| ListedRepository {
                    slug: r.slug,
                    name: r.name,
                    project: r.project.map(|p| p.key),
                    id: r.uuid,
                })
                .collect())
        }
        .boxed()
    }

    fn repository_pages<'a>(&'a self, owner: &'a str) -> Paged<'a, Repository> {
        Box::new(CloudPages {
            pages: Client::repository_pages(self, owner),
            convert: Repository::from,
        })
    }

    fn project_pages<'a>(&'a self, owner: &'a str) -> Paged<'a, Project> {
        Box::new(CloudPages {
            pages: Client::project_pages(self, owner),
            convert: Project::from,
        })
    }

    fn projects<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, Result<Vec<String>, ForgeError>> {
        async move {
            let projects = Client::projects(self, owner).await?;
            Ok(projects.into_iter().map(|p| p.key).collect())
        }
        .boxed()
    }

    fn keys<'a>(&'a self, place: &'a Place) -> BoxFuture<'a, Result<Vec<AccessKey>, ForgeError>> {
        async move {
            match place {
                Place::Repository { owner, repo, .. } => keys(self.repo_keys(owner, repo).await),
                Place::Project { owner, project, .. } => {
                    keys(self.project_keys(owner, project).await)
                }
            }
        }
        .boxed()
    }

    fn add_key<'a>(
        &'a self,
        place: &'a Place,
        key: &'a NewAccessKey,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>> {
        async move {
            if key.permission == Permission::Write {
                return Err(unsupported(
                    ForgeKind::Cloud,
                    "give an access key write access (Cloud access keys are read-only)",
                ));
            }
            let added = match place {
                Place::Repository { owner, repo, .. } => {
                    self.add_repo_key(owner, repo, &key.key, &key.label).await
                }
                Place::Project { owner, project, .. } => {
                    self.add_project_key(owner, project, &key.key, &key.label)
                        .await
                }
            };
            Ok(AccessKey::from(added?))
        }
        .boxed()
    }

    fn delete_key<'a>(
        &'a self,
        place: &'a Place,
        id: u64,
    ) -> BoxFuture<'a, Result<(), ForgeError>> {
        async move {
            let done = match place {
                Place::Repository { owner, repo, .. } => {
                    self.delete_repo_key(owner, repo, id).await
                }
                Place::Project { owner, project, .. } => {
                    self.delete_project_key(owner, project, id).await
                }
            };
            done.map_err(ForgeError::from)
        }
        .boxed()
    }

    fn set_label<'a>(
        &'a self,
        place: &'a Place,
        id: u64,
        label: &'a str,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>> {
        async move {
            let Place::Repository { owner, repo, .. } = place else {
                return Err(unsupported(
                    ForgeKind::Cloud,
                    "change a project key's label in place",
                ));
            };
            // The PUT must repeat the key itself, unchanged (§1).
            let current = self.repo_key(owner, repo, id).await?;
            let updated = self
                .update_repo_key(owner, repo, id, &current.key, label)
                .await?;
            Ok(AccessKey::from(updated))
        }
        .boxed()
    }

    fn relabel_in_place<'a>(
        &'a self,
        place: &'a Place,
        key: &'a AccessKey,
        label: &'a str,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>> {
        async move {
            let Place::Repository { owner, repo, .. } = place else {
                return Err(unsupported(
                    ForgeKind::Cloud,
                    "change a project key's label in place",
                ));
            };
            // The PUT repeats the key as listed, so no GET is needed first (§1).
            let updated = self
                .update_repo_key(owner, repo, key.id, &key.key, label)
                .await?;
            Ok(AccessKey::from(updated))
        }
        .boxed()
    }

    fn concurrency(&self) -> usize {
        Client::concurrency(self)
    }

    fn max_tries(&self) -> u32 {
        Client::max_tries(self)
    }

    fn backoff(
        &self,
        attempt: u32,
        retry_after: Option<std::time::Duration>,
    ) -> std::time::Duration {
        Client::backoff(self, attempt, retry_after)
    }

    fn set_permission<'a>(
        &'a self,
        _place: &'a Place,
        _id: u64,
        _permission: Permission,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>> {
        async move {
            Err(unsupported(
                ForgeKind::Cloud,
                "change an access key's permission (Cloud access keys are read-only)",
            ))
        }
        .boxed()
    }

    fn usage<'a>(
        &'a self,
        _id: u64,
        _search: UsageSearch,
    ) -> BoxFuture<'a, Result<Usage, ForgeError>> {
        async move {
            Err(unsupported(
                ForgeKind::Cloud,
                "tell where a key is used without a scan of the workspace",
            ))
        }
        .boxed()
    }

    fn diagnose(&self, in_place_relabel: bool) -> BoxFuture<'_, CredentialReport> {
        super::doctor::diagnose(self, in_place_relabel).boxed()
    }
}
