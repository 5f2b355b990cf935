//! The operations of `bitbucket-datacenter-api.md` §1, one method each.

use reqwest::Method;
use serde_json::json;

use super::client::DcClient;
use super::exchange::decode;
use super::wire::{DcGrant, DcProject, DcRepository, ServerInfo, SshSettings, wire_permission};
use crate::forge::{ForgeError, NewAccessKey, Permission, Place};

/// The path segments of a grant's scope `{S}` under `/keys/1.0/` (§1).
pub(crate) fn scope_segments(place: &Place) -> Vec<&str> {
    match place {
        Place::Repository { owner, repo, .. } => vec!["projects", owner, "repos", repo],
        Place::Project { project, .. } => vec!["projects", project],
    }
}

fn with<'a>(head: &[&'a str], scope: &[&'a str], tail: &[&'a str]) -> Vec<&'a str> {
    head.iter().chain(scope).chain(tail).copied().collect()
}

/// What `POST .../ssh` answered (§4: 201 for a new grant, 200 or 201 when an existing grant's
/// permission was updated).
#[derive(Debug, Clone)]
pub struct Added {
    /// The grant as stored.
    pub grant: DcGrant,
    /// 200 or 201.
    pub status: u16,
    /// The label the server kept, when it is not the one sent: the key already existed
    /// elsewhere and its label is global (§4, UNVERIFIED which label wins).
    pub label_kept: Option<String>,
}

impl DcClient {
    /// `GET /api/1.0/application-properties`: needs no authentication.
    pub async fn server_info(&self) -> Result<ServerInfo, ForgeError> {
        let url = self.url(&["api", "1.0", "application-properties"]);
        self.get_json(url, "read the server version").await
    }

    /// `GET /ssh/1.0/settings`, and the `X-AUSERNAME` the server answered with (§2).
    pub async fn ssh_settings(&self) -> Result<(SshSettings, Option<String>), ForgeError> {
        let what = "read the SSH settings";
        let answer = self
            .get(self.url(&["ssh", "1.0", "settings"]), what)
            .await?;
        Ok((decode(&answer.text, what)?, answer.username))
    }

    /// `GET /api/1.0/projects?permission=PROJECT_ADMIN`: the projects the user administers.
    pub async fn projects_administered(&self) -> Result<Vec<DcProject>, ForgeError> {
        let mut url = self.url(&["api", "1.0", "projects"]);
        url.query_pairs_mut()
            .append_pair("permission", "PROJECT_ADMIN");
        self.get_all(url, "list the projects you administer").await
    }

    /// `GET /api/1.0/projects/{P}/repos`: the repositories of a project (needs PROJECT_READ).
    pub async fn project_repositories(
        &self,
        project: &str,
    ) -> Result<Vec<DcRepository>, ForgeError> {
        let url = self.url(&["api", "1.0", "projects", project, "repos"]);
        self.get_all(url, &format!("list the repositories of project {project}"))
            .await
    }

    /// `GET /api/1.0/repos?permission=REPO_ADMIN&archived=ALL[&projectkey=P]`: repositories the
    /// user administers, archived ones included (they keep their keys, §1). 7.x ignores
    /// `archived` and `projectkey`, so the project is filtered here as well.
    pub async fn repositories_administered(
        &self,
        project: Option<&str>,
    ) -> Result<Vec<DcRepository>, ForgeError> {
        let mut url = self.url(&["api", "1.0", "repos"]);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("permission", "REPO_ADMIN")
                .append_pair("archived", "ALL");
            if let Some(p) = project {
                q.append_pair("projectkey", p);
            }
        }
        let repos: Vec<DcRepository> = self
            .get_all(url, "list the repositories you administer")
            .await?;
        Ok(repos
            .into_iter()
            .filter(|r| project.is_none_or(|p| r.project.as_ref().is_some_and(|rp| rp.key == p)))
            .collect())
    }

    /// `GET /keys/1.0/{S}/ssh`: the grants at a place. `filter` is a label prefix; `effective`
    /// (repositories only) adds the project keys that reach the repository.
    pub async fn grants(
        &self,
        place: &Place,
        filter: Option<&str>,
        effective: bool,
    ) -> Result<Vec<DcGrant>, ForgeError> {
        let mut url = self.url(&with(&["keys", "1.0"], &scope_segments(place), &["ssh"]));
        {
            let mut q = url.query_pairs_mut();
            if let Some(f) = filter {
                q.append_pair("filter", f);
            }
            if effective && matches!(place, Place::Repository { .. }) {
                q.append_pair("effective", "true");
            }
        }
        self.get_all(url, &format!("list the keys of {place}"))
            .await
    }

    /// `GET /keys/1.0/{S}/ssh/{id}`: one grant.
    pub async fn grant(&self, place: &Place, id: u64) -> Result<DcGrant, ForgeError> {
        let id_text = id.to_string();
        let url = self.url(&with(
            &["keys", "1.0"],
            &scope_segments(place),
            &["ssh", &id_text],
        ));
        self.get_json(url, &format!("read key {id} of {place}"))
            .await
    }

    /// `POST /keys/1.0/{S}/ssh` with the body of §3 (label and permission always sent,
    /// `expiryDays` only when set).
    pub async fn add_grant(&self, place: &Place, key: &NewAccessKey) -> Result<Added, ForgeError> {
        let mut body = json!({
            "key": { "text": key.key.trim(), "label": key.label },
            "permission": wire_permission(place, key.permission),
        });
        if let Some(days) = key.expiry_days {
            body["key"]["expiryDays"] = json!(days);
        }
        let url = self.url(&with(&["keys", "1.0"], &scope_segments(place), &["ssh"]));
        let what = format!("add the key to {place}");
        let answer = self.write(Method::POST, url, Some(body), &what).await?;
        if !matches!(answer.status, 200 | 201) {
            return Err(self.error_of(&answer, &what));
        }
        let grant: DcGrant = decode(&answer.text, &what)?;
        let kept = grant.key.label.clone().unwrap_or_default();
        let label_kept = (kept != key.label).then(|| crate::sanitize::clean_line(&kept));
        if let Some(kept) = &label_kept {
            tracing::warn!(%place, kept = %kept, "the server kept the key's existing label");
        }
        Ok(Added {
            grant,
            status: answer.status,
            label_kept,
        })
    }

    /// `DELETE /keys/1.0/{S}/ssh/{id}`: 204 whether or not anything matched (§4), so a caller
    /// that must know verifies with [`DcClient::grant`].
    pub async fn revoke_grant(&self, place: &Place, id: u64) -> Result<(), ForgeError> {
        let id_text = id.to_string();
        let url = self.url(&with(
            &["keys", "1.0"],
            &scope_segments(place),
            &["ssh", &id_text],
        ));
        let what = format!("remove key {id} from {place}");
        let answer = self.write(Method::DELETE, url, None, &what).await?;
        if (200..300).contains(&answer.status) {
            Ok(())
        } else {
            Err(self.error_of(&answer, &what))
        }
    }

    /// `PUT /keys/1.0/{S}/ssh/{id}/permission/{PERM}`, no body: changes this one grant.
    pub async fn change_permission(
        &self,
        place: &Place,
        id: u64,
        permission: Permission,
    ) -> Result<DcGrant, ForgeError> {
        let id_text = id.to_string();
        let wire = wire_permission(place, permission);
        let url = self.url(&with(
            &["keys", "1.0"],
            &scope_segments(place),
            &["ssh", &id_text, "permission", wire],
        ));
        let what = format!("give key {id} {} access on {place}", permission.as_str());
        let answer = self.write(Method::PUT, url, None, &what).await?;
        if !(200..300).contains(&answer.status) {
            return Err(self.error_of(&answer, &what));
        }
        decode(&answer.text, &what)
    }

    /// `GET /keys/1.0/ssh/{id}/repos?withRestrictions=true`: the repository grants of the key
    /// the user may see (§4: filtered to projects the user administers).
    pub async fn repositories_using(&self, id: u64) -> Result<Vec<DcGrant>, ForgeError> {
        let id_text = id.to_string();
        let mut url = self.url(&["keys", "1.0", "ssh", &id_text, "repos"]);
        url.query_pairs_mut()
            .append_pair("withRestrictions", "true");
        self.get_all(url, &format!("look up the repositories of key {id}"))
            .await
    }

    /// `GET /keys/1.0/ssh/{id}/projects`: the project grants of the key the user may see.
    pub async fn projects_using(&self, id: u64) -> Result<Vec<DcGrant>, ForgeError> {
        let id_text = id.to_string();
        let url = self.url(&["keys", "1.0", "ssh", &id_text, "projects"]);
        self.get_all(url, &format!("look up the projects of key {id}"))
            .await
    }
}
