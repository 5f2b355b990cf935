//! What the simulated Data Center holds: projects, repositories, key entities and their grants,
//! and the demo users with their permissions (`bitbucket-datacenter-api.md` §1, §2, §4).
//!
//! A key is one entity with one id, label, creation date and expiry; a grant only adds a scope
//! and a permission (§3). Revoking the last grant removes the entity, so the key gets a new id
//! when it is added again (the contract leaves this UNVERIFIED; a client must cope either way).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::forge::{ForgeKind, Place};

/// A project.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub key: String,
    pub id: u64,
    pub name: String,
    /// The 8.8 setting: repository admins may not manage access keys here (§2).
    pub restrict_repo_admins: bool,
    pub repos: BTreeMap<String, Repo>,
}

/// A repository.
#[derive(Debug, Clone)]
pub(crate) struct Repo {
    pub slug: String,
    pub id: u64,
    pub name: String,
    pub archived: bool,
}

/// A key entity: everything but the permission is shared by its grants.
#[derive(Debug, Clone)]
pub(crate) struct KeyEntity {
    pub id: u64,
    /// The whole line, comment included.
    pub text: String,
    pub label: String,
    /// `None` for a key from before 8.7 (§3).
    pub created_ms: Option<i64>,
    pub expiry_days: Option<u32>,
    pub last_auth_ms: Option<i64>,
}

impl KeyEntity {
    /// The base64 blob, what identifies the key.
    pub(crate) fn blob(&self) -> &str {
        blob_of(&self.text)
    }
}

/// The base64 field of a key line.
pub(crate) fn blob_of(text: &str) -> &str {
    text.split_whitespace().nth(1).unwrap_or_default()
}

/// Where a grant is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Scope {
    Project(String),
    Repo(String, String),
}

impl Scope {
    /// The project the scope belongs to.
    pub(crate) fn project(&self) -> &str {
        match self {
            Scope::Project(p) | Scope::Repo(p, _) => p,
        }
    }

    pub(crate) fn place(&self) -> Place {
        match self {
            Scope::Project(p) => Place::Project {
                forge: ForgeKind::DataCenter,
                owner: p.clone(),
                project: p.clone(),
            },
            Scope::Repo(p, r) => Place::Repository {
                forge: ForgeKind::DataCenter,
                owner: p.clone(),
                repo: r.clone(),
            },
        }
    }
}

/// One grant of a key.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub key_id: u64,
    pub scope: Scope,
    pub permission: String,
}

/// A demo user and what they may do.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub name: &'static str,
    pub token: &'static str,
    pub admin_projects: Vec<String>,
    pub admin_repos: Vec<(String, String)>,
    pub read_projects: Vec<String>,
    /// Blobs of the user's personal SSH keys: such a key cannot become an access key (§4).
    pub personal_keys: Vec<String>,
}

/// Everything the server holds.
#[derive(Debug, Clone)]
pub(crate) struct DcState {
    pub now_ms: i64,
    pub projects: BTreeMap<String, Project>,
    pub keys: BTreeMap<u64, KeyEntity>,
    pub grants: Vec<Grant>,
    pub users: Vec<User>,
    pub next_key_id: u64,
}

impl DcState {
    pub(crate) fn is_project_admin(&self, user: &User, project: &str) -> bool {
        user.admin_projects.iter().any(|p| p == project)
    }

    pub(crate) fn is_repo_admin(&self, user: &User, project: &str, repo: &str) -> bool {
        self.is_project_admin(user, project)
            || user
                .admin_repos
                .iter()
                .any(|(p, r)| p == project && r == repo)
    }

    /// May `user` manage the keys of `scope`? Project keys need PROJECT_ADMIN; repository keys
    /// REPO_ADMIN, unless the project restricts repository admins (8.8, §2).
    pub(crate) fn may_manage(&self, user: &User, scope: &Scope) -> bool {
        match scope {
            Scope::Project(p) => self.is_project_admin(user, p),
            Scope::Repo(p, r) => {
                let restricted = self.projects.get(p).is_some_and(|x| x.restrict_repo_admins);
                self.is_project_admin(user, p) || (!restricted && self.is_repo_admin(user, p, r))
            }
        }
    }

    /// May `user` see repository `p/r` at all?
    pub(crate) fn may_view_repo(&self, user: &User, p: &str, r: &str) -> bool {
        user.read_projects.iter().any(|x| x == p) || self.is_repo_admin(user, p, r)
    }

    /// May `user` see project `p` (any of its repositories, or the project itself)?
    pub(crate) fn may_view_project(&self, user: &User, p: &str) -> bool {
        self.is_project_admin(user, p)
            || user.read_projects.iter().any(|x| x == p)
            || user.admin_repos.iter().any(|(x, _)| x == p)
    }

    /// Whether the scope exists.
    pub(crate) fn scope_exists(&self, scope: &Scope) -> bool {
        match scope {
            Scope::Project(p) => self.projects.contains_key(p),
            Scope::Repo(p, r) => self
                .projects
                .get(p)
                .is_some_and(|x| x.repos.contains_key(r)),
        }
    }

    pub(crate) fn grant_at(&self, key_id: u64, scope: &Scope) -> Option<&Grant> {
        self.grants
            .iter()
            .find(|g| g.key_id == key_id && &g.scope == scope)
    }

    /// Removes the grant of `key_id` at `scope`, and the key once it has no grant left.
    /// Returns whether a grant was there.
    pub(crate) fn revoke(&mut self, key_id: u64, scope: &Scope) -> bool {
        let before = self.grants.len();
        self.grants
            .retain(|g| !(g.key_id == key_id && &g.scope == scope));
        let removed = self.grants.len() != before;
        if !self.grants.iter().any(|g| g.key_id == key_id) {
            self.keys.remove(&key_id);
        }
        removed
    }

    pub(crate) fn dump(&self) -> DcStateDump {
        DcStateDump {
            projects: self
                .projects
                .values()
                .map(|p| DcProjectDump {
                    key: p.key.clone(),
                    name: p.name.clone(),
                    restrict_repo_admins: p.restrict_repo_admins,
                    repos: p.repos.keys().cloned().collect(),
                })
                .collect(),
            keys: self
                .keys
                .values()
                .map(|k| DcKeyDump {
                    id: k.id,
                    text: k.text.clone(),
                    label: k.label.clone(),
                    created_ms: k.created_ms,
                    expiry_days: k.expiry_days,
                    last_auth_ms: k.last_auth_ms,
                })
                .collect(),
            grants: self
                .grants
                .iter()
                .map(|g| DcGrantDump {
                    key_id: g.key_id,
                    place: g.scope.place(),
                    permission: g.permission.clone(),
                })
                .collect(),
        }
    }
}

/// A snapshot of the simulated server, for tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DcStateDump {
    /// Every project.
    pub projects: Vec<DcProjectDump>,
    /// Every key entity.
    pub keys: Vec<DcKeyDump>,
    /// Every grant.
    pub grants: Vec<DcGrantDump>,
}

impl DcStateDump {
    /// The grants at `place`.
    pub fn grants_at(&self, place: &Place) -> Vec<&DcGrantDump> {
        self.grants.iter().filter(|g| &g.place == place).collect()
    }

    /// The key entity `id`.
    pub fn key(&self, id: u64) -> Option<&DcKeyDump> {
        self.keys.iter().find(|k| k.id == id)
    }
}

/// A project in a [`DcStateDump`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DcProjectDump {
    /// Project key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Repository admins may not manage keys (8.8).
    pub restrict_repo_admins: bool,
    /// Repository slugs.
    pub repos: Vec<String>,
}

/// A key entity in a [`DcStateDump`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DcKeyDump {
    /// The global id.
    pub id: u64,
    /// The key line.
    pub text: String,
    /// The global label.
    pub label: String,
    /// Epoch ms, `None` before 8.7.
    pub created_ms: Option<i64>,
    /// Days valid.
    pub expiry_days: Option<u32>,
    /// Epoch ms of the last use.
    pub last_auth_ms: Option<i64>,
}

/// A grant in a [`DcStateDump`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DcGrantDump {
    /// The key's id.
    pub key_id: u64,
    /// Where.
    pub place: Place,
    /// `REPO_READ` ...
    pub permission: String,
}
