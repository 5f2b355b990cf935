//! The domain every forge maps onto: places that hold access keys, and the keys themselves.
//!
//! These types are what `ops`, the journal and the stored scans speak. An adapter converts its
//! wire format to them at its edge, so nothing above `forge` depends on how one forge spells a
//! field (`last_used` on Cloud, `lastAuthenticated` in epoch milliseconds on Data Center).

use serde::{Deserialize, Serialize};

/// Which product a place or a key belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ForgeKind {
    /// Bitbucket Cloud (`api.bitbucket.org/2.0`). Files written before the forge was recorded
    /// are Cloud's, so it is the default when the field is absent.
    #[default]
    Cloud,
    /// Bitbucket Data Center (self-hosted, `/rest/keys/1.0`).
    #[serde(rename = "datacenter")]
    DataCenter,
}

impl ForgeKind {
    /// The name used in config files, flags and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            ForgeKind::Cloud => "cloud",
            ForgeKind::DataCenter => "datacenter",
        }
    }

    /// Whether `self` is the default, so serialisers can leave it out and keep files written
    /// for Cloud byte-for-byte as they were.
    pub fn is_cloud(&self) -> bool {
        *self == ForgeKind::Cloud
    }
}

impl std::str::FromStr for ForgeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cloud" => Ok(ForgeKind::Cloud),
            "datacenter" | "data-center" | "dc" => Ok(ForgeKind::DataCenter),
            _ => Err(format!(
                "{s:?} is not a forge: use \"cloud\" (Bitbucket Cloud) or \"datacenter\" (Bitbucket Data Center)"
            )),
        }
    }
}

/// Where an access key is granted: a repository, or a project (whose keys reach each of its
/// repositories).
///
/// The owner is the top-level container: a Cloud workspace, or on Data Center the project that
/// holds the repository. Serialised with the field names the journal has always used
/// (`scope`, `workspace`, `repo`, `project`), plus `forge` when it is not Cloud, so journals and
/// caches written before the forge layer read as Cloud places.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "lowercase")]
pub enum Place {
    /// A repository's own keys.
    Repository {
        /// The forge.
        #[serde(default, skip_serializing_if = "ForgeKind::is_cloud")]
        forge: ForgeKind,
        /// Workspace slug (Cloud) or project key (Data Center).
        #[serde(rename = "workspace")]
        owner: String,
        /// Repository slug.
        repo: String,
    },
    /// A project's keys.
    Project {
        /// The forge.
        #[serde(default, skip_serializing_if = "ForgeKind::is_cloud")]
        forge: ForgeKind,
        /// Workspace slug (Cloud); on Data Center the project key again.
        #[serde(rename = "workspace")]
        owner: String,
        /// Project key.
        project: String,
    },
}

impl Place {
    /// A Cloud repository.
    pub fn cloud_repo(workspace: &str, repo: &str) -> Place {
        Place::Repository {
            forge: ForgeKind::Cloud,
            owner: workspace.to_string(),
            repo: repo.to_string(),
        }
    }

    /// A Cloud project.
    pub fn cloud_project(workspace: &str, project: &str) -> Place {
        Place::Project {
            forge: ForgeKind::Cloud,
            owner: workspace.to_string(),
            project: project.to_string(),
        }
    }

    /// A repository of `owner` on `forge`.
    pub fn repository(
        forge: ForgeKind,
        owner: impl Into<String>,
        repo: impl Into<String>,
    ) -> Place {
        Place::Repository {
            forge,
            owner: owner.into(),
            repo: repo.into(),
        }
    }

    /// A project of `owner` on `forge`.
    pub fn project(
        forge: ForgeKind,
        owner: impl Into<String>,
        project: impl Into<String>,
    ) -> Place {
        Place::Project {
            forge,
            owner: owner.into(),
            project: project.into(),
        }
    }

    /// The forge the place is on.
    pub fn forge(&self) -> ForgeKind {
        match self {
            Place::Repository { forge, .. } | Place::Project { forge, .. } => *forge,
        }
    }

    /// The top-level container (workspace or Data Center project).
    pub fn owner(&self) -> &str {
        match self {
            Place::Repository { owner, .. } | Place::Project { owner, .. } => owner,
        }
    }

    /// `"repository"` or `"project"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Place::Repository { .. } => "repository",
            Place::Project { .. } => "project",
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Repository { owner, repo, .. } => write!(f, "{owner}/{repo}"),
            Place::Project {
                forge: ForgeKind::DataCenter,
                project,
                ..
            } => write!(f, "project {project}"),
            Place::Project { owner, project, .. } => write!(f, "project {project} of {owner}"),
        }
    }
}

/// What a key lets its holder do where it is granted. Cloud keys are always read-only.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Clone and fetch.
    #[default]
    Read,
    /// Push as well: a leaked key of this kind can change code.
    Write,
}

impl Permission {
    /// Whether this is `Read`, the default, so serialisers can leave it out.
    pub fn is_read(&self) -> bool {
        *self == Permission::Read
    }

    /// `read` or `write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::Write => "write",
        }
    }
}

impl std::str::FromStr for Permission {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "read" | "r" => Ok(Permission::Read),
            "write" | "w" => Ok(Permission::Write),
            _ => Err(format!("{s:?} is not a permission: use read or write")),
        }
    }
}

/// One grant of an access key at one place, as the forge reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    /// The forge's id of this grant (Cloud: per place; Data Center: per key, the same at
    /// every place).
    pub id: u64,
    /// `<type> <base64>`, without the comment; shared with every other grant of the same
    /// key once a scan or a stored scan has been read (see [`super::KeyTexts`]).
    pub key: super::KeyText,
    /// The label shown on the forge (empty when it has none). Files written before the forge
    /// layer hold `null` for a key without a label.
    #[serde(default, deserialize_with = "label_or_null")]
    pub label: String,
    /// The key's comment, when the forge kept it.
    #[serde(default)]
    pub comment: Option<String>,
    /// Read or write. Left out of files when `read`, the only kind Cloud has.
    #[serde(default, skip_serializing_if = "Permission::is_read")]
    pub permission: Permission,
    /// When the key was added, RFC 3339, when the forge says. Stored scans of the previous
    /// format call it `created_on`, as Cloud does.
    #[serde(default, alias = "created_on")]
    pub created: Option<String>,
    /// When the key was last used, RFC 3339; `None` when never (or the forge does not say).
    #[serde(default)]
    pub last_used: Option<String>,
    /// Days the key is valid from `created`, where the forge has expiry; `None` for never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_days: Option<u32>,
}

impl AccessKey {
    /// The label, `None` when the key has none.
    pub fn label(&self) -> Option<&str> {
        Some(self.label.as_str()).filter(|l| !l.is_empty())
    }
}

/// A label that may be `null`, read as empty. Reads the value in place, without an
/// intermediate `serde_json::Value`: it runs for every key of a cached scan on the way to the
/// TUI's first frame.
fn label_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Option::<String>::deserialize(d).map(Option::unwrap_or_default)
}

/// A key to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccessKey {
    /// The whole key line; the comment is kept where the forge keeps it.
    pub key: String,
    /// The label.
    pub label: String,
    /// Read or write; forges without permission levels accept only `Read`.
    pub permission: Permission,
    /// Expiry in days, where the forge has it.
    pub expiry_days: Option<u32>,
}

/// A top-level container the credential can see: a Cloud workspace or a Data Center project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// Slug or project key: what paths use.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Whether the credential administers it as a whole.
    pub administrator: bool,
    /// The forge's own id of it (a Cloud workspace's UUID in braces), where it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A repository the credential administers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repository {
    /// Slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The project it belongs to, when known.
    pub project: Option<String>,
}

/// A repository as a listing of them shows it: the name exactly as the forge gave it, and the
/// forge's own id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedRepository {
    /// Slug.
    pub slug: String,
    /// Display name, `None` when the forge gave none.
    pub name: Option<String>,
    /// The project it belongs to, when known.
    pub project: Option<String>,
    /// The forge's own id of it (a Cloud repository's UUID in braces), where it gives one.
    pub id: Option<String>,
}

impl From<Repository> for ListedRepository {
    fn from(r: Repository) -> ListedRepository {
        ListedRepository {
            slug: r.slug,
            name: Some(r.name),
            project: r.project,
            id: None,
        }
    }
}

/// A project of an owner, as a listing names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// Project key, such as `API`.
    pub key: String,
    /// Display name, when the forge gave one.
    pub name: Option<String>,
}

/// Who the credential acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// A name to show.
    pub display_name: String,
    /// The account's handle, when the forge has one.
    pub handle: Option<String>,
}

/// Whether `s` can be a workspace or repository slug (lowercase letters, digits, `-`, `_`, `.`).
pub fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Whether `s` can be a project key (letters, digits, `_`), on Cloud as on Data Center.
pub fn valid_project_key(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cloud_place_is_written_as_the_journal_always_wrote_it() {
        let p = Place::cloud_repo("acme", "api");
        let text = serde_json::to_string(&p).unwrap();
        assert_eq!(
            text,
            r#"{"scope":"repository","workspace":"acme","repo":"api"}"#
        );
        let back: Place = serde_json::from_str(&text).unwrap();
        assert_eq!(back, p);
        let project: Place =
            serde_json::from_str(r#"{"scope":"project","workspace":"acme","project":"API"}"#)
                .unwrap();
        assert_eq!(project, Place::cloud_project("acme", "API"));
        assert_eq!(project.to_string(), "project API of acme");
    }

    #[test]
    fn a_data_center_place_names_its_forge() {
        let p = Place::Project {
            forge: ForgeKind::DataCenter,
            owner: "OPS".into(),
            project: "OPS".into(),
        };
        let text = serde_json::to_string(&p).unwrap();
        assert!(text.contains(r#""forge":"datacenter""#), "{text}");
        assert_eq!(serde_json::from_str::<Place>(&text).unwrap(), p);
        assert_eq!(p.to_string(), "project OPS");
        assert_eq!(p.forge(), ForgeKind::DataCenter);
    }

    #[test]
    fn forge_and_permission_names_parse_with_clear_refusals() {
        assert_eq!("DataCenter".parse::<ForgeKind>(), Ok(ForgeKind::DataCenter));
        assert_eq!("cloud".parse::<ForgeKind>(), Ok(ForgeKind::Cloud));
        assert!(
            "gitlab"
                .parse::<ForgeKind>()
                .unwrap_err()
                .contains("datacenter")
        );
        assert_eq!("W".parse::<Permission>(), Ok(Permission::Write));
        assert!(
            "admin"
                .parse::<Permission>()
                .unwrap_err()
                .contains("read or write")
        );
    }
}
