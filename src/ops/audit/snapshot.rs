//! A scan in a form that can be stored, reloaded and audited.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Timestamp;
use crate::forge::{AccessKey, ForgeError, ForgeErrorKind, ForgeKind, Project, Repository};
use crate::ops::scan::WorkspaceScan;

/// Why one listing (a repository's keys, a project's keys, the project list) could not be read.
///
/// A forge error is not serialisable; the audit only needs what a person reads, so the kind
/// and the sentence are kept, and they survive the cache unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingFailure {
    /// The error's code ([`ForgeError::code`]): Cloud's wire kind in snake case, such as
    /// `forbidden` or `missing_scopes`.
    pub kind: String,
    /// HTTP status, when an answer arrived.
    #[serde(default)]
    pub status: Option<u16>,
    /// The error's full sentence: what failed, why, and what to do.
    pub reason: String,
}

impl ListingFailure {
    /// Whether the listing was refused because the credential does not administer the place
    /// (a 403 without a scope detail); read from the kind, so stored scans of earlier
    /// versions answer too.
    pub fn is_not_permitted(&self) -> bool {
        self.kind == "forbidden" || self.kind == ForgeErrorKind::NotPermitted.code()
    }

    /// The failure as the forge's error again, so a stored scan is told apart by kind like a
    /// live one. The kind is read back from the stored code, Cloud's wire names of earlier
    /// files included; a scope list that was not stored reads as empty (the sentence names
    /// it), and a code no kind answers to reads as a server failure: retried, never skipped.
    pub fn to_forge_error(&self) -> ForgeError {
        let kind = if self.is_not_permitted() {
            ForgeErrorKind::NotPermitted
        } else {
            match self.kind.as_str() {
                "authentication" | "unauthorized" => ForgeErrorKind::Authentication,
                "missing_permission" | "missing_scopes" | "wrong_auth_mechanism" => {
                    ForgeErrorKind::MissingPermission {
                        needed: Vec::new(),
                        granted: Vec::new(),
                    }
                }
                "not_found" => ForgeErrorKind::NotFound,
                "duplicate" | "duplicate_key" => ForgeErrorKind::Duplicate,
                "rate_limited" => ForgeErrorKind::RateLimited { retry_after: None },
                "invalid_input"
                | "key_on_user_account"
                | "invalid_key"
                | "immutable_key"
                | "bad_request"
                | "refused" => ForgeErrorKind::InvalidInput,
                "unsupported" | "gone" => ForgeErrorKind::Unsupported,
                "network" | "timeout" => ForgeErrorKind::Network,
                "decode" => ForgeErrorKind::Decode,
                _ => ForgeErrorKind::Server,
            }
        };
        let wire_code = (self.kind != kind.code()).then(|| self.kind.clone());
        ForgeError {
            kind,
            status: self.status,
            advice: self.reason.clone(),
            wire_code,
        }
    }
}

impl From<&ForgeError> for ListingFailure {
    fn from(e: &ForgeError) -> Self {
        ListingFailure {
            kind: e.code().to_string(),
            status: e.status,
            reason: e.to_string(),
        }
    }
}

/// The keys of one repository or project, or why they could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Listing {
    /// The keys, as Bitbucket returned them.
    Keys(Vec<AccessKey>),
    /// The listing failed.
    Failed(ListingFailure),
}

impl Listing {
    fn from_result(r: &Result<Vec<AccessKey>, ForgeError>) -> Listing {
        match r {
            Ok(keys) => Listing::Keys(keys.clone()),
            Err(e) => Listing::Failed(e.into()),
        }
    }
}

/// A workspace scan at a known time: the input of the inventory and the audit, and what the
/// cache stores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The forge scanned; absent from files of Cloud scans (all those written before the
    /// forge was recorded), which read as Cloud.
    #[serde(default, skip_serializing_if = "ForgeKind::is_cloud")]
    pub forge: ForgeKind,
    /// Workspace slug.
    pub workspace: String,
    /// When the scan finished.
    pub scanned_at: Timestamp,
    /// Admin repositories, sorted by slug; stored in the shape of Cloud's listing, as every
    /// earlier format did.
    #[serde(with = "super::stored::repositories")]
    pub repositories: Vec<Repository>,
    /// Projects of the workspace (empty when they could not be listed).
    #[serde(with = "super::stored::projects")]
    pub projects: Vec<Project>,
    /// Keys of each repository, by slug; like `project_keys`, as the scan read them: without
    /// the place summary Bitbucket embeds in each key (see `ops::scan`).
    pub repo_keys: BTreeMap<String, Listing>,
    /// Keys of each project, by project key.
    pub project_keys: BTreeMap<String, Listing>,
    /// Why the projects could not be listed, if they could not.
    #[serde(default)]
    pub projects_error: Option<ListingFailure>,
}

impl Snapshot {
    /// Takes a finished scan; `scanned_at` is injected so tests do not depend on the clock.
    pub fn from_scan(scan: &WorkspaceScan, scanned_at: OffsetDateTime) -> Snapshot {
        Snapshot {
            forge: ForgeKind::Cloud,
            workspace: scan.workspace.clone(),
            // Whole seconds: nobody needs the nanoseconds of a scan, and they clutter reports.
            scanned_at: Timestamp(scanned_at.replace_nanosecond(0).unwrap_or(scanned_at)),
            repositories: scan.repositories.clone(),
            projects: scan.projects.clone(),
            repo_keys: scan
                .repo_keys
                .iter()
                .map(|(k, v)| (k.clone(), Listing::from_result(v)))
                .collect(),
            project_keys: scan
                .project_keys
                .iter()
                .map(|(k, v)| (k.clone(), Listing::from_result(v)))
                .collect(),
            projects_error: scan.projects_error.as_ref().map(ListingFailure::from),
        }
    }

    /// [`Self::from_scan`] taking the scan, so its keys are moved rather than copied (a
    /// 10,000-repository scan is tens of megabytes).
    pub fn from_owned_scan(scan: WorkspaceScan, scanned_at: OffsetDateTime) -> Snapshot {
        let listing = |r: Result<Vec<AccessKey>, ForgeError>| match r {
            Ok(keys) => Listing::Keys(keys),
            Err(e) => Listing::Failed((&e).into()),
        };
        Snapshot {
            forge: ForgeKind::Cloud,
            workspace: scan.workspace,
            scanned_at: Timestamp(scanned_at.replace_nanosecond(0).unwrap_or(scanned_at)),
            repositories: scan.repositories,
            projects: scan.projects,
            repo_keys: scan
                .repo_keys
                .into_iter()
                .map(|(k, v)| (k, listing(v)))
                .collect(),
            project_keys: scan
                .project_keys
                .into_iter()
                .map(|(k, v)| (k, listing(v)))
                .collect(),
            projects_error: scan.projects_error.as_ref().map(ListingFailure::from),
        }
    }

    /// Key listings attempted (repositories plus projects).
    pub fn listings(&self) -> usize {
        self.repo_keys.len() + self.project_keys.len()
    }

    /// Key listings that failed.
    pub fn failed_listings(&self) -> usize {
        self.repo_keys
            .values()
            .chain(self.project_keys.values())
            .filter(|l| matches!(l, Listing::Failed(_)))
            .count()
    }

    /// Whether listings were attempted and every one failed: the scan says nothing about the
    /// workspace's keys, and an empty audit must not pass for a clean one.
    pub fn nothing_readable(&self) -> bool {
        self.listings() > 0 && self.failed_listings() == self.listings()
    }

    /// [`Self::nothing_readable`] with the places the credential does not administer left
    /// out: skipping them is not a failure, so only a scan that could read none of the places
    /// it may read says nothing about the workspace.
    pub fn nothing_permitted_readable(&self) -> bool {
        let permitted = || {
            self.repo_keys
                .values()
                .chain(self.project_keys.values())
                .filter(|l| !matches!(l, Listing::Failed(f) if f.is_not_permitted()))
        };
        permitted().count() > 0 && permitted().all(|l| matches!(l, Listing::Failed(_)))
    }
}
