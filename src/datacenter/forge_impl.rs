//! Bitbucket Data Center as a [`Forge`]: the owner is the project, places are
//! `Place::{Repository, Project} { forge: DataCenter, owner: <project key>, .. }`.

use futures::FutureExt;
use futures::future::BoxFuture;

use super::client::DcClient;
use crate::forge::{
    AccessKey, Budget, Caps, CredentialReport, Forge, ForgeError, ForgeKind, Identity,
    NewAccessKey, Owner, Permission, Place, Repository, Revoked, Usage, UsageSearch, unsupported,
};

impl Forge for DcClient {
    fn kind(&self) -> ForgeKind {
        ForgeKind::DataCenter
    }

    fn caps(&self) -> Caps {
        Caps {
            // The label belongs to the key, shared by every grant, and 10.2 REST has no call
            // that changes it (§7).
            in_place_label: false,
            permissions: true,
            expiry: true,
            usage_lookup: true,
            project_keys: true,
        }
    }

    // Without it a scan took the trait's default of one listing at a time: 1,000 repositories
    // at 50 ms were 52 s instead of 7 (issue 21's Data Center bench).
    fn concurrency(&self) -> usize {
        self.inner.concurrency
    }

    fn budget(&self) -> Budget {
        // A token bucket, not an hourly allowance (§6).
        Budget {
            used_last_hour: self.requests_last_hour(),
            hourly_limit: None,
        }
    }

    fn whoami(&self) -> BoxFuture<'_, Result<Identity, ForgeError>> {
        async move {
            // There is no "who am I" endpoint; the header is the convention (§2, UNVERIFIED),
            // and a project or repository token may have no user at all.
            let (_, user) = self.ssh_settings().await?;
            Ok(match user.filter(|u| !u.is_empty() && u != "anonymous") {
                Some(name) => Identity {
                    display_name: name.clone(),
                    handle: Some(name),
                },
                None => Identity {
                    display_name: "an access token without a user".into(),
                    handle: None,
                },
            })
        }
        .boxed()
    }

    fn owners(&self) -> BoxFuture<'_, Result<Vec<Owner>, ForgeError>> {
        async move {
            let admin = self.projects_administered().await?;
            let repos = self.repositories_administered(None).await?;
            let mut owners: Vec<Owner> = admin
                .into_iter()
                .map(|p| Owner {
                    name: crate::sanitize::clean_line(p.name.as_deref().unwrap_or(&p.key)),
                    slug: p.key,
                    administrator: true,
                    id: p.id.map(|id| id.to_string()),
                })
                .collect();
            // A repository admin works in projects they do not administer as a whole.
            for project in repos.into_iter().filter_map(|r| r.project) {
                if !owners.iter().any(|o| o.slug == project.key) {
                    owners.push(Owner {
                        name: crate::sanitize::clean_line(
                            project.name.as_deref().unwrap_or(&project.key),
                        ),
                        slug: project.key,
                        administrator: false,
                        id: project.id.map(|id| id.to_string()),
                    });
                }
            }
            owners.sort_by(|a, b| a.slug.cmp(&b.slug));
            Ok(owners)
        }
        .boxed()
    }

    fn repositories<'a>(
        &'a self,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Repository>, ForgeError>> {
        async move {
            // PROJECT_ADMIN includes REPO_ADMIN (§1), so this one listing serves both roles.
            let mut repos: Vec<Repository> = self
                .repositories_administered(Some(owner))
                .await?
                .into_iter()
                .map(|r| Repository {
                    name: crate::sanitize::clean_line(r.name.as_deref().unwrap_or(&r.slug)),
                    slug: r.slug,
                    project: Some(owner.to_string()),
                })
                .collect();
            repos.sort_by(|a, b| a.slug.cmp(&b.slug));
            Ok(repos)
        }
        .boxed()
    }

    fn projects<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, Result<Vec<String>, ForgeError>> {
        async move {
            // The owner is the project; its keys are reachable only to its admins.
            let admin = self.projects_administered().await?;
            Ok(admin
                .into_iter()
                .filter(|p| p.key == owner)
                .map(|p| p.key)
                .collect())
        }
        .boxed()
    }

    fn keys<'a>(&'a self, place: &'a Place) -> BoxFuture<'a, Result<Vec<AccessKey>, ForgeError>> {
        async move {
            let grants = self.grants(place, None, false).await?;
            Ok(grants.iter().map(|g| g.to_access_key()).collect())
        }
        .boxed()
    }

    fn add_key<'a>(
        &'a self,
        place: &'a Place,
        key: &'a NewAccessKey,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>> {
        async move { Ok(self.add_grant(place, key).await?.grant.to_access_key()) }.boxed()
    }

    fn delete_key<'a>(
        &'a self,
        place: &'a Place,
        id: u64,
    ) -> BoxFuture<'a, Result<(), ForgeError>> {
        async move { self.revoke_verified(place, id).await }.boxed()
    }

    fn set_label<'a>(
        &'a self,
        _place: &'a Place,
        _id: u64,
        _label: &'a str,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>> {
        async move {
            Err(unsupported(
                ForgeKind::DataCenter,
                "change a key's label in place: the label belongs to the key and is shared by every grant, and no REST call changes it (the Bitbucket UI can)",
            ))
        }
        .boxed()
    }

    fn set_permission<'a>(
        &'a self,
        place: &'a Place,
        id: u64,
        permission: Permission,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>> {
        async move {
            Ok(self
                .change_permission(place, id, permission)
                .await?
                .to_access_key())
        }
        .boxed()
    }

    fn revokes_in_bulk(&self) -> bool {
        true
    }

    fn revoke_at<'a>(
        &'a self,
        id: u64,
        places: &'a [Place],
    ) -> BoxFuture<'a, Result<Revoked, ForgeError>> {
        async move {
            // One DELETE for them all, every place read back, the rest revoked one by one.
            let outcome = self.bulk_revoke(id, places).await?;
            let mut out: Revoked = outcome.revoked.into_iter().map(|p| (p, Ok(()))).collect();
            out.extend(outcome.failed.into_iter().map(|(p, e)| (p, Err(e))));
            Ok(out)
        }
        .boxed()
    }

    fn usage<'a>(
        &'a self,
        id: u64,
        search: UsageSearch,
    ) -> BoxFuture<'a, Result<Usage, ForgeError>> {
        self.usage_report(id, search).boxed()
    }

    fn diagnose(&self, _in_place_relabel: bool) -> BoxFuture<'_, CredentialReport> {
        // Every relabel is a replace here (no in-place call, §7), whatever the config says.
        super::doctor::diagnose(self).boxed()
    }
}
