//! What the simulated server stores, and the serde snapshot of it that tests read.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::keys::KeyMaterial;

/// Everything the simulated Bitbucket knows. Maps are keyed by slug / project key, so
/// `sort=slug` listings come out in order for free.
#[derive(Debug)]
pub(crate) struct State {
    /// The demo person (the owner of the full-scope API token).
    pub user: Account,
    /// SSH keys on the demo person's own account: Bitbucket refuses them as access keys (§4).
    pub account_keys: Vec<AccountKey>,
    /// Workspaces by slug.
    pub workspaces: BTreeMap<String, Workspace>,
    /// Next key id; ids are unique across the whole server (§3).
    pub next_id: u64,
    /// Simulated "now": new keys are stamped with it, so runs stay reproducible.
    pub clock: OffsetDateTime,
}

/// A Bitbucket account.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub uuid: String,
    pub account_id: String,
    pub display_name: String,
    pub nickname: String,
    pub created_on: String,
}

/// An SSH key on the user's account (not an access key).
#[derive(Debug, Clone)]
pub(crate) struct AccountKey {
    pub material: Arc<KeyMaterial>,
    pub comment: Option<String>,
    pub label: String,
}

/// A workspace and everything in it.
#[derive(Debug, Clone)]
pub(crate) struct Workspace {
    pub slug: String,
    pub name: String,
    pub uuid: String,
    /// Whether the demo user administers the workspace.
    pub administrator: bool,
    pub created_on: String,
    /// Projects by key.
    pub projects: BTreeMap<String, Project>,
    /// Repositories by slug.
    pub repos: BTreeMap<String, Repo>,
}

/// A project of a workspace.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub key: String,
    pub name: String,
    pub uuid: String,
    pub description: String,
    pub created_on: String,
    /// Whether the demo user may manage the project's access keys.
    pub administrator: bool,
    pub keys: Vec<Key>,
}

/// A repository.
#[derive(Debug, Clone)]
pub(crate) struct Repo {
    pub slug: String,
    pub name: String,
    pub uuid: String,
    /// Key of the project the repository belongs to.
    pub project: String,
    /// Whether the demo user administers the repository (and so may see its keys).
    pub administrator: bool,
    pub language: String,
    pub description: String,
    pub created_on: String,
    pub updated_on: String,
    pub keys: Vec<Key>,
}

/// One access-key holding: a key on one repository or project.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub id: u64,
    pub material: Arc<KeyMaterial>,
    pub comment: Option<String>,
    pub label: String,
    pub created_on: String,
    pub last_used: Option<String>,
}

/// Bitbucket's timestamp shape: microseconds and an explicit `+00:00` (§3 example).
pub(crate) fn stamp(t: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]+00:00"
    );
    t.format(&format)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// `stamp` moved by `by`; a text that is not a stamp is left as it is.
fn shifted(text: &str, by: time::Duration) -> String {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| stamp(t + by))
        .unwrap_or_else(|_| text.to_string())
}

impl State {
    /// Moves every date the server holds by `by`, so that ages stay as seeded.
    pub(crate) fn shift_dates(&mut self, by: time::Duration) {
        let keys = |keys: &mut Vec<Key>| {
            for k in keys {
                k.created_on = shifted(&k.created_on, by);
                k.last_used = k.last_used.as_deref().map(|u| shifted(u, by));
            }
        };
        self.user.created_on = shifted(&self.user.created_on, by);
        self.clock += by;
        for w in self.workspaces.values_mut() {
            w.created_on = shifted(&w.created_on, by);
            for p in w.projects.values_mut() {
                p.created_on = shifted(&p.created_on, by);
                keys(&mut p.keys);
            }
            for r in w.repos.values_mut() {
                r.created_on = shifted(&r.created_on, by);
                r.updated_on = shifted(&r.updated_on, by);
                keys(&mut r.keys);
            }
        }
    }

    /// A fresh key id.
    pub(crate) fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Advances the simulated clock by a little over a second and returns the new time.
    pub(crate) fn tick(&mut self) -> String {
        self.clock += time::Duration::milliseconds(1_237);
        stamp(self.clock)
    }

    /// Whether `blob` is registered on the user's own account.
    pub(crate) fn is_account_key(&self, material: &KeyMaterial) -> bool {
        self.account_keys
            .iter()
            .any(|k| k.material.blob == material.blob)
    }

    /// The serde snapshot of everything.
    pub(crate) fn dump(&self) -> StateDump {
        StateDump {
            user: UserDump {
                uuid: self.user.uuid.clone(),
                account_id: self.user.account_id.clone(),
                display_name: self.user.display_name.clone(),
                nickname: self.user.nickname.clone(),
            },
            account_keys: self
                .account_keys
                .iter()
                .map(|k| AccountKeyDump {
                    key: k.material.openssh(),
                    comment: k.comment.clone(),
                    label: k.label.clone(),
                    fingerprint: k.material.fingerprint(),
                })
                .collect(),
            workspaces: self.workspaces.values().map(Workspace::dump).collect(),
        }
    }
}

impl Workspace {
    fn dump(&self) -> WorkspaceDump {
        WorkspaceDump {
            slug: self.slug.clone(),
            name: self.name.clone(),
            uuid: self.uuid.clone(),
            administrator: self.administrator,
            projects: self
                .projects
                .values()
                .map(|p| ProjectDump {
                    key: p.key.clone(),
                    name: p.name.clone(),
                    uuid: p.uuid.clone(),
                    administrator: p.administrator,
                    keys: p.keys.iter().map(Key::dump).collect(),
                })
                .collect(),
            repositories: self
                .repos
                .values()
                .map(|r| RepoDump {
                    slug: r.slug.clone(),
                    name: r.name.clone(),
                    uuid: r.uuid.clone(),
                    project: r.project.clone(),
                    administrator: r.administrator,
                    keys: r.keys.iter().map(Key::dump).collect(),
                })
                .collect(),
        }
    }
}

impl Key {
    /// The snapshot of one holding.
    pub(crate) fn dump(&self) -> KeyDump {
        KeyDump {
            id: self.id,
            key: self.material.openssh(),
            comment: self.comment.clone(),
            label: self.label.clone(),
            fingerprint: self.material.fingerprint(),
            created_on: self.created_on.clone(),
            last_used: self.last_used.clone(),
        }
    }
}

/// A snapshot of the whole simulated server (`Control::dump`, `GET /_sim/state`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateDump {
    /// The demo person.
    pub user: UserDump,
    /// SSH keys on the demo person's account (refused as access keys).
    pub account_keys: Vec<AccountKeyDump>,
    /// Every workspace, by slug.
    pub workspaces: Vec<WorkspaceDump>,
}

/// The demo person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDump {
    /// UUID in braces.
    pub uuid: String,
    /// Atlassian account id.
    pub account_id: String,
    /// Human-readable name.
    pub display_name: String,
    /// Bitbucket nickname (not valid as a Basic-auth user name).
    pub nickname: String,
}

/// An SSH key on the user's own account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountKeyDump {
    /// `<type> <base64>`.
    pub key: String,
    /// Comment of the original line.
    pub comment: Option<String>,
    /// Label on the account.
    pub label: String,
    /// `SHA256:...`.
    pub fingerprint: String,
}

/// A workspace with its projects and repositories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceDump {
    /// URL slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// UUID in braces.
    pub uuid: String,
    /// Whether the demo user administers the workspace.
    pub administrator: bool,
    /// Projects, by key.
    pub projects: Vec<ProjectDump>,
    /// Repositories, by slug.
    pub repositories: Vec<RepoDump>,
}

/// A project and its access keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectDump {
    /// Project key, such as `API`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// UUID in braces.
    pub uuid: String,
    /// Whether the demo user may manage the project's keys.
    pub administrator: bool,
    /// Project access keys, oldest first.
    pub keys: Vec<KeyDump>,
}

/// A repository and its access keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoDump {
    /// URL slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// UUID in braces.
    pub uuid: String,
    /// Key of its project.
    pub project: String,
    /// Whether the demo user administers it.
    pub administrator: bool,
    /// Repository access keys, oldest first.
    pub keys: Vec<KeyDump>,
}

/// One access-key holding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDump {
    /// Server-wide unique id.
    pub id: u64,
    /// `<type> <base64>`, without comment.
    pub key: String,
    /// The comment split off when the key was added.
    pub comment: Option<String>,
    /// Label.
    pub label: String,
    /// `SHA256:...` of the blob.
    pub fingerprint: String,
    /// Creation time.
    pub created_on: String,
    /// Last use, `None` if never used.
    pub last_used: Option<String>,
}

impl StateDump {
    /// Repository `ws/slug`, if it exists.
    pub fn repo(&self, ws: &str, slug: &str) -> Option<&RepoDump> {
        self.workspace(ws)?
            .repositories
            .iter()
            .find(|r| r.slug == slug)
    }

    /// Workspace `ws`, if it exists.
    pub fn workspace(&self, ws: &str) -> Option<&WorkspaceDump> {
        self.workspaces.iter().find(|w| w.slug == ws)
    }

    /// Every repository holding, as `(workspace, repo, key)`.
    pub fn repo_keys(&self) -> impl Iterator<Item = (&str, &str, &KeyDump)> {
        self.workspaces.iter().flat_map(|w| {
            w.repositories.iter().flat_map(move |r| {
                r.keys
                    .iter()
                    .map(move |k| (w.slug.as_str(), r.slug.as_str(), k))
            })
        })
    }

    /// Every project holding, as `(workspace, project key, key)`.
    pub fn project_keys(&self) -> impl Iterator<Item = (&str, &str, &KeyDump)> {
        self.workspaces.iter().flat_map(|w| {
            w.projects.iter().flat_map(move |p| {
                p.keys
                    .iter()
                    .map(move |k| (w.slug.as_str(), p.key.as_str(), k))
            })
        })
    }
}
