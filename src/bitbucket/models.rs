//! Serde types for the objects bbkeys reads and writes (`bitbucket-api.md` §3).
//!
//! Every type ignores unknown fields: Bitbucket adds fields without notice.

use serde::{Deserialize, Serialize};

/// The paginated envelope. Only `values` and `next` are guaranteed (§3).
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    /// Items of this page.
    #[serde(default = "Vec::new")]
    pub values: Vec<T>,
    /// Absolute URL of the next page; absent on the last page.
    #[serde(default)]
    pub next: Option<String>,
    /// Total number of items, when the server reports it.
    #[serde(default)]
    pub size: Option<u64>,
    /// 1-based page number, when reported.
    #[serde(default)]
    pub page: Option<u64>,
    /// Page length the server used.
    #[serde(default)]
    pub pagelen: Option<u64>,
}

/// The account behind the credential (`GET /user`): doctor reports it as it comes.
pub use crate::forge::credential::Account as User;

/// A workspace as embedded in other objects: `/user/workspaces` gives slug and uuid only.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct WorkspaceSummary {
    /// URL slug, the identifier used in paths.
    pub slug: String,
    /// UUID in braces.
    #[serde(default)]
    pub uuid: Option<String>,
    /// Display name; absent in `/user/workspaces` items.
    #[serde(default)]
    pub name: Option<String>,
}

/// One item of `GET /user/workspaces`.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkspaceAccess {
    /// Whether the user administers the workspace.
    #[serde(default)]
    pub administrator: bool,
    /// The workspace (no name here; see §1).
    pub workspace: WorkspaceSummary,
}

/// A workspace the credential can see, with its name filled in.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Workspace {
    /// URL slug.
    pub slug: String,
    /// Display name (the slug when the name could not be read).
    pub name: String,
    /// UUID in braces, when known.
    pub uuid: Option<String>,
    /// Whether the user administers the workspace. A repository admin may still manage keys
    /// in a workspace they do not administer.
    pub administrator: bool,
}

/// A project reference, as embedded in repositories and project keys.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct ProjectSummary {
    /// Project key, such as `API`.
    pub key: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// UUID in braces.
    #[serde(default)]
    pub uuid: Option<String>,
}

/// A project of a workspace (`GET /workspaces/{ws}/projects`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Project {
    /// Project key, such as `API`.
    pub key: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// UUID in braces.
    #[serde(default)]
    pub uuid: Option<String>,
}

/// A repository (`GET /repositories/{ws}`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Repository {
    /// URL slug. Older payloads may lack it; then it is derived from `full_name`.
    #[serde(default)]
    pub slug: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// `workspace/slug`.
    #[serde(default)]
    pub full_name: Option<String>,
    /// UUID in braces.
    #[serde(default)]
    pub uuid: Option<String>,
    /// The project the repository belongs to.
    #[serde(default)]
    pub project: Option<ProjectSummary>,
}

impl Repository {
    /// Fills `slug` from `full_name` when the server left it out.
    pub fn normalise(mut self) -> Self {
        if self.slug.is_empty()
            && let Some(full) = &self.full_name
        {
            self.slug = full.rsplit('/').next().unwrap_or_default().to_string();
        }
        self
    }
}

/// The repository embedded in a repository deploy key.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct RepositorySummary {
    /// `workspace/slug`.
    #[serde(default)]
    pub full_name: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// UUID in braces.
    #[serde(default)]
    pub uuid: Option<String>,
}

/// An access key ("deploy key") of a repository or a project (§3).
///
/// `key` comes back without its comment, so keys are compared by fingerprint only.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct DeployKey {
    /// Integer in practice, although the schema does not declare it.
    #[serde(deserialize_with = "id_from_any")]
    pub id: u64,
    /// `<type> <base64>`, without the comment.
    pub key: String,
    /// Label shown in Bitbucket.
    #[serde(default)]
    pub label: Option<String>,
    /// The comment split off the submitted key.
    #[serde(default)]
    pub comment: Option<String>,
    /// `deploy_key` or `project_deploy_key`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Creation time. The schema says `added_on`, real responses say `created_on`.
    #[serde(default, alias = "added_on")]
    pub created_on: Option<String>,
    /// Last use; null until the key is first used.
    #[serde(default, deserialize_with = "lenient_string")]
    pub last_used: Option<String>,
    /// The repository, for repository keys. Boxed, like `project`: scans drop both (the
    /// listing names the place), and an empty box costs a key 8 bytes instead of 72.
    #[serde(default)]
    pub repository: Option<Box<RepositorySummary>>,
    /// The project, for project keys.
    #[serde(default)]
    pub project: Option<Box<ProjectSummary>>,
}

// Both read the value straight from the input, without an intermediate `serde_json::Value`:
// they run for every key of a cached 10,000-repository scan on the way to the first frame.

fn id_from_any<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct Id;
    impl<'de> serde::de::Visitor<'de> for Id {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a non-negative integer key id")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom("key id is not a non-negative integer"))
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<u64, E> {
            Err(E::custom("key id is not a non-negative integer"))
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<u64, E> {
            s.parse()
                .map_err(|_| E::custom(format!("key id {s:?} is not an integer")))
        }
    }
    d.deserialize_any(Id)
}

fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::de::{IgnoredAny, MapAccess, SeqAccess};
    /// A non-empty string; anything else (null, a number, an object) reads as "never".
    struct Lenient;
    impl<'de> serde::de::Visitor<'de> for Lenient {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a time stamp or null")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok((!s.is_empty()).then(|| s.to_string()))
        }
        fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Self::Value, E> {
            Ok((!s.is_empty()).then_some(s))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(Lenient)
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_any(Lenient)
}

/// Where an access key lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "lowercase")]
pub enum KeyScope {
    /// A repository key.
    Repository {
        /// Workspace slug.
        workspace: String,
        /// Repository slug.
        repo: String,
    },
    /// A project key: read access to every repository of the project.
    Project {
        /// Workspace slug.
        workspace: String,
        /// Project key.
        project: String,
    },
}

impl KeyScope {
    /// The workspace slug.
    pub fn workspace(&self) -> &str {
        match self {
            KeyScope::Repository { workspace, .. } | KeyScope::Project { workspace, .. } => {
                workspace
            }
        }
    }
    /// `"repository"` or `"project"`.
    pub fn kind(&self) -> &'static str {
        match self {
            KeyScope::Repository { .. } => "repository",
            KeyScope::Project { .. } => "project",
        }
    }
}

impl std::fmt::Display for KeyScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyScope::Repository { workspace, repo } => write!(f, "{workspace}/{repo}"),
            KeyScope::Project { workspace, project } => {
                write!(f, "project {project} of {workspace}")
            }
        }
    }
}

/// A repository named as `workspace/slug`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoRef {
    /// Workspace slug.
    pub workspace: String,
    /// Repository slug.
    pub repo: String,
}

impl std::str::FromStr for RepoRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((ws, repo)) if valid_slug(ws) && valid_slug(repo) => Ok(RepoRef {
                workspace: ws.to_string(),
                repo: repo.to_string(),
            }),
            _ => Err(format!(
                "{s:?} is not a repository: write it as <workspace>/<repository>, for example acme/api"
            )),
        }
    }
}

impl std::fmt::Display for RepoRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.workspace, self.repo)
    }
}

pub use crate::forge::{valid_project_key, valid_slug};

#[cfg(test)]
mod tests {
    use super::*;

    fn key(extra: &str) -> Result<DeployKey, serde_json::Error> {
        serde_json::from_str(&format!(r#"{{"key": "ssh-ed25519 AAAA", {extra}}}"#))
    }

    #[test]
    fn key_ids_are_read_as_numbers_or_numeric_strings_only() {
        assert_eq!(key(r#""id": 18204118"#).unwrap().id, 18204118);
        assert_eq!(key(r#""id": "77""#).unwrap().id, 77);
        for (bad, says) in [
            (r#""id": -1"#, "not a non-negative integer"),
            (r#""id": 1.5"#, "not a non-negative integer"),
            (r#""id": "x7""#, "\"x7\" is not an integer"),
            (r#""id": null"#, "non-negative integer key id"),
            (r#""id": {"n": 1}"#, "non-negative integer key id"),
        ] {
            let e = key(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn last_used_is_a_non_empty_string_or_never() {
        let used = |v: &str| {
            key(&format!(r#""id": 1, "last_used": {v}"#))
                .unwrap()
                .last_used
        };
        assert_eq!(
            used(r#""2026-11-28T08:30:00+00:00""#).as_deref(),
            Some("2026-11-28T08:30:00+00:00")
        );
        for never in [
            r#""""#,
            "null",
            "0",
            "-3",
            "1.5",
            "true",
            "[1, [2]]",
            r#"{"a": {"b": 1}}"#,
        ] {
            assert_eq!(used(never), None, "{never}");
        }
        assert_eq!(key(r#""id": 1"#).unwrap().last_used, None);
        // What follows an ignored object is still read.
        let k = key(r#""last_used": {"a": [1, 2]}, "id": 5, "label": "ci""#).unwrap();
        assert_eq!((k.id, k.label.as_deref()), (5, Some("ci")));
    }
}
