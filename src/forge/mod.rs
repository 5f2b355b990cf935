//! The seam between what bbkeys does and the forge it does it on (design.md §2).
//!
//! `ops` is written against [`Forge`]: listing places and keys, adding and removing grants,
//! and the few things only some forges can do, announced by [`Caps`]. Each adapter
//! (`bitbucket` for Cloud, later Data Center) implements it and converts its wire types to
//! the domain types of [`types`] at its edge; [`memory::MemoryForge`] implements it without
//! HTTP, for fast tests of the operations.
//!
//! The methods return boxed futures so that the TUI's worker and the CLI can hold the forge
//! of the profile in use as `Arc<dyn Forge>`, chosen at run time.

pub mod backoff;
pub mod credential;
pub mod error;
pub mod key_text;
pub mod memory;
pub mod paging;
pub mod types;
pub mod usage;

use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;

pub use credential::CredentialReport;
pub use error::{ForgeError, ForgeErrorKind};
pub use key_text::{KeyText, KeyTexts};
pub use paging::{PageCursor, Paged};
pub use types::{
    AccessKey, ForgeKind, Identity, ListedRepository, NewAccessKey, Owner, Permission, Place,
    Project, Repository, valid_project_key, valid_slug,
};
pub use usage::{Usage, UsageSearch, UsageSource};

/// What a forge can do beyond listing, adding and deleting keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Caps {
    /// A label can be changed in place (one request), instead of delete and re-add.
    pub in_place_label: bool,
    /// Keys are read or write ([`Permission`]), and the permission of a grant can change.
    pub permissions: bool,
    /// Keys can expire ([`AccessKey::expiry_days`]).
    pub expiry: bool,
    /// The forge answers "where is this key used" itself, without a scan.
    pub usage_lookup: bool,
    /// Projects hold keys of their own.
    pub project_keys: bool,
}

/// How much of its request allowance the credential has used, as far as bbkeys counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Budget {
    /// Requests sent in the last hour.
    pub used_last_hour: usize,
    /// The forge's hourly allowance for this credential, where it has one (Data Center
    /// limits by a token bucket instead, with no hourly figure).
    pub hourly_limit: Option<usize>,
}

/// What a revoke at several places did, place by place.
pub type Revoked = Vec<(Place, Result<(), ForgeError>)>;

/// A forge that holds access keys.
pub trait Forge: Send + Sync {
    /// Which forge this is.
    fn kind(&self) -> ForgeKind;

    /// What it can do beyond the common operations.
    fn caps(&self) -> Caps;

    /// The request budget spent so far.
    fn budget(&self) -> Budget;

    /// Who the credential acts as.
    fn whoami(&self) -> BoxFuture<'_, Result<Identity, ForgeError>>;

    /// The top-level containers the credential can see: workspaces, or Data Center projects.
    fn owners(&self) -> BoxFuture<'_, Result<Vec<Owner>, ForgeError>>;

    /// The repositories of `owner` the credential administers.
    fn repositories<'a>(
        &'a self,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Repository>, ForgeError>>;

    /// [`Forge::repositories`] as a listing of them shows them, with the forge's ids and the
    /// names as given. The default has no ids.
    fn repository_listing<'a>(
        &'a self,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<Vec<ListedRepository>, ForgeError>> {
        self.repositories(owner)
            .map(|r| r.map(|repos| repos.into_iter().map(ListedRepository::from).collect()))
            .boxed()
    }

    /// The projects of `owner` (empty where projects hold no keys).
    fn projects<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, Result<Vec<String>, ForgeError>>;

    /// [`Forge::repositories`] page by page, so a scan can estimate its cost from the first
    /// page and start key requests while the next one is on its way. The default reads the
    /// whole listing as one page.
    fn repository_pages<'a>(&'a self, owner: &'a str) -> Paged<'a, Repository> {
        Box::new(paging::OnePage::new(self.repositories(owner)))
    }

    /// The projects of `owner` page by page, with their names. The default reads
    /// [`Forge::projects`] as one page.
    fn project_pages<'a>(&'a self, owner: &'a str) -> Paged<'a, Project> {
        let listing = self.projects(owner).map(|keys| {
            keys.map(|keys| {
                keys.into_iter()
                    .map(|key| Project { key, name: None })
                    .collect()
            })
        });
        Box::new(paging::OnePage::new(listing.boxed()))
    }

    /// The keys granted at `place`.
    fn keys<'a>(&'a self, place: &'a Place) -> BoxFuture<'a, Result<Vec<AccessKey>, ForgeError>>;

    /// Grants `key` at `place` and returns the grant as the forge stored it.
    fn add_key<'a>(
        &'a self,
        place: &'a Place,
        key: &'a NewAccessKey,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>>;

    /// Revokes grant `id` at `place`. A grant that is already gone is not an error.
    fn delete_key<'a>(&'a self, place: &'a Place, id: u64)
    -> BoxFuture<'a, Result<(), ForgeError>>;

    /// Changes the label of grant `id` in place; [`ForgeErrorKind::Unsupported`] unless
    /// [`Caps::in_place_label`].
    fn set_label<'a>(
        &'a self,
        place: &'a Place,
        id: u64,
        label: &'a str,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>>;

    /// Changes the permission of grant `id`; [`ForgeErrorKind::Unsupported`] unless
    /// [`Caps::permissions`].
    fn set_permission<'a>(
        &'a self,
        place: &'a Place,
        id: u64,
        permission: Permission,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>>;

    /// Changes the label of `key` at `place` in place. The default asks [`Forge::set_label`];
    /// an adapter that can do it with what the listing already gave it overrides this to save
    /// a request.
    fn relabel_in_place<'a>(
        &'a self,
        place: &'a Place,
        key: &'a AccessKey,
        label: &'a str,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>> {
        self.set_label(place, key.id, label)
    }

    /// How many requests may run at once: a scan keeps this many key listings in flight.
    fn concurrency(&self) -> usize {
        1
    }

    /// How many times a write whose outcome is unknown is tried in all.
    fn max_tries(&self) -> u32 {
        1
    }

    /// How long to wait before retry `attempt` (0-based), honouring the forge's `Retry-After`.
    fn backoff(&self, _attempt: u32, retry_after: Option<Duration>) -> Duration {
        retry_after.unwrap_or(Duration::ZERO)
    }

    /// Whether [`Forge::revoke_at`] removes one key from several places in fewer requests than
    /// one per place (Data Center's bulk revoke), so callers group such deletes.
    fn revokes_in_bulk(&self) -> bool {
        false
    }

    /// Revokes grant `id` at each of `places`, each verified gone, with one result per place.
    /// The default deletes grant by grant; an `Err` of the whole means nothing was tried.
    fn revoke_at<'a>(
        &'a self,
        id: u64,
        places: &'a [Place],
    ) -> BoxFuture<'a, Result<Revoked, ForgeError>> {
        async move {
            let mut out = Vec::with_capacity(places.len());
            for place in places {
                out.push((place.clone(), self.delete_key(place, id).await));
            }
            Ok(out)
        }
        .boxed()
    }

    /// Every place the key of grant `id` is granted at, as far as the credential may see,
    /// looking as far as `search` says; [`ForgeErrorKind::Unsupported`] unless
    /// [`Caps::usage_lookup`].
    fn usage<'a>(
        &'a self,
        id: u64,
        search: UsageSearch,
    ) -> BoxFuture<'a, Result<Usage, ForgeError>>;

    /// What this credential can do: who it is, which reads work, and a verdict for every key
    /// operation, judged by the forge's own permission rules. Only reads are sent.
    /// `in_place_relabel` says a relabel is one in-place edit rather than delete and re-add,
    /// which changes what it needs.
    fn diagnose(&self, in_place_relabel: bool) -> BoxFuture<'_, CredentialReport>;
}

/// The refusal of an operation that `caps` says the forge does not have.
pub fn unsupported(kind: ForgeKind, what: &str) -> ForgeError {
    let forge = match kind {
        ForgeKind::Cloud => "Bitbucket Cloud",
        ForgeKind::DataCenter => "Bitbucket Data Center",
    };
    ForgeError::new(
        ForgeErrorKind::Unsupported,
        format!("{forge} cannot {what}."),
    )
}
