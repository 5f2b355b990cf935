//! One key as `keys list` prints it, shared by the listing and its `--where` query.

use serde::Serialize;

use super::fields::utc_stamp;
use crate::forge::{AccessKey, ForgeKind, Place};
use crate::sshkey::PublicKey;

/// The day of a stored timestamp as the key tables print it, or "never".
pub(super) fn date(s: &Option<String>) -> String {
    s.as_deref()
        .map(|d| d.get(..10).unwrap_or(d).to_string())
        .unwrap_or_else(|| "never".into())
}

/// One key as `--json` and `--csv` print it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyRow {
    /// Workspace slug.
    pub workspace: String,
    /// Repository slug; null for project keys.
    pub repo: Option<String>,
    /// Project key: of a project key, or of the project a repository belongs to.
    pub project: Option<String>,
    /// `repository` or `project`.
    pub scope: &'static str,
    /// Key id.
    pub id: u64,
    /// Label, as the server sent it: `--json` escapes it, tables and CSV clean it.
    pub label: String,
    /// Comment, null when absent; as the server sent it, like the label.
    pub comment: Option<String>,
    /// `SHA256:...`; null only if the server sent a key bbkeys cannot read.
    pub fingerprint: Option<String>,
    /// OpenSSH type string.
    pub key_type: Option<String>,
    /// Key size in bits.
    pub bits: Option<u32>,
    /// Creation time, RFC 3339 in UTC (`...Z`).
    pub created_on: Option<String>,
    /// Last use, RFC 3339 in UTC; null if never used.
    pub last_used: Option<String>,
    /// `read` or `write`, on forges with permission levels (Data Center); left out on Cloud,
    /// so its JSON stays as it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<&'static str>,
    /// When the key expires, RFC 3339 in UTC, or null for never, on forges with expiry (Data
    /// Center); left out on Cloud.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Option<String>>,
}

impl KeyRow {
    /// Builds a row. Label and comment stay as the server sent them, so `--json` can show a
    /// hostile label for what it is; every other output cleans them.
    pub fn new(scope: &Place, key: &AccessKey) -> Self {
        let parsed = PublicKey::from_server(&key.key).ok();
        let data_center = scope.forge() == ForgeKind::DataCenter;
        let (workspace, repo, project) = match scope {
            Place::Repository {
                owner: workspace,
                repo,
                ..
            } => (workspace.clone(), Some(repo.clone()), None),
            Place::Project {
                owner: workspace,
                project,
                ..
            } => (workspace.clone(), None, Some(project.clone())),
        };
        KeyRow {
            workspace,
            repo,
            project,
            scope: scope.kind(),
            id: key.id,
            label: key.label.clone(),
            comment: key.comment.clone().filter(|c| !c.is_empty()),
            fingerprint: parsed.as_ref().map(|p| p.fingerprint().to_string()),
            key_type: parsed.as_ref().map(|p| p.key_type().to_string()),
            bits: parsed.as_ref().map(|p| p.bits()),
            created_on: key.created.as_deref().map(utc_stamp),
            last_used: key.last_used.as_deref().map(utc_stamp),
            permission: data_center.then_some(key.permission.as_str()),
            expires: data_center.then(|| {
                crate::ops::expiry::expires_at(key)
                    .map(|at| crate::ops::audit::Timestamp(at).to_string())
            }),
        }
    }

    /// Names the project of a repository key's repository (the listing knows it).
    pub fn in_project(mut self, project: Option<&str>) -> Self {
        if self.repo.is_some() {
            self.project = project.map(String::from);
        }
        self
    }
}
