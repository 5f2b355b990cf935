//! How a snapshot's repositories and projects are stored: in the shape of Cloud's listing,
//! which every cache format so far has used, so that files written before the forge types
//! existed still load and files written now still load in them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::forge::{Project, Repository};

/// A project as stored, and as a stored repository names its project.
#[derive(Serialize, Deserialize)]
struct StoredProject {
    key: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    uuid: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct StoredRepository {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default)]
    uuid: Option<String>,
    #[serde(default)]
    project: Option<StoredProject>,
}

impl From<StoredRepository> for Repository {
    fn from(r: StoredRepository) -> Repository {
        // Listings of old payloads could lack the slug; it is the tail of `full_name` then.
        let slug = match (r.slug.is_empty(), &r.full_name) {
            (true, Some(full)) => full.rsplit('/').next().unwrap_or_default().to_string(),
            _ => r.slug,
        };
        Repository {
            name: r.name.unwrap_or_else(|| slug.clone()),
            project: r.project.map(|p| p.key),
            slug,
        }
    }
}

/// `#[serde(with)]` for a snapshot's repositories.
pub(super) mod repositories {
    use super::*;

    pub fn serialize<S: Serializer>(repos: &[Repository], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(repos.iter().map(|r| StoredRepository {
            slug: r.slug.clone(),
            name: Some(r.name.clone()),
            full_name: None,
            uuid: None,
            project: r.project.as_ref().map(|key| StoredProject {
                key: key.clone(),
                name: None,
                uuid: None,
            }),
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Repository>, D::Error> {
        let stored = Vec::<StoredRepository>::deserialize(d)?;
        Ok(stored.into_iter().map(Repository::from).collect())
    }
}

/// `#[serde(with)]` for a snapshot's projects.
pub(super) mod projects {
    use super::*;

    pub fn serialize<S: Serializer>(projects: &[Project], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(projects.iter().map(|p| StoredProject {
            key: p.key.clone(),
            name: p.name.clone(),
            uuid: None,
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Project>, D::Error> {
        let stored = Vec::<StoredProject>::deserialize(d)?;
        Ok(stored
            .into_iter()
            .map(|p| Project {
                key: p.key,
                name: p.name,
            })
            .collect())
    }
}
