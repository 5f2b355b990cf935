//! A workspace scan: every admin repository's keys and every project's keys.
//!
//! A scan of N repositories costs at least N requests plus the listing pages (`bitbucket-api.md`
//! §5), so it is built to make exactly that many and to overlap their latency:
//!
//! - The first page of the repository listing and of the project listing are asked for side by
//!   side. They tell what the whole scan will cost ([`ScanEstimate`]), and a caller may stop
//!   there (the CLI asks before going over the hourly budget).
//! - Key requests start as soon as a page of repositories arrives, while the next page is on its
//!   way. Pages themselves come one after the other: Cloud's `next` must be followed, never
//!   built (§3), so each forge hands out a cursor ([`crate::forge::PageCursor`]).
//! - The listing chain is the one thing nothing else can shorten, so it never queues behind key
//!   requests: while a listing is running, key requests leave one slot of the forge's
//!   concurrency free for it.
//! - A repository seen twice (pages shift when a repository is added mid-scan) is read once.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::future::Future;

use futures::FutureExt;
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;

use crate::forge::{AccessKey, Forge, ForgeError, KeyTexts, Paged, Place, Project, Repository};

/// Progress of a running scan, reported after every finished request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanProgress {
    /// Key listings finished (repositories plus projects).
    pub done: usize,
    /// Key listings to do; grows while repository pages arrive when the listing does not
    /// report its size.
    pub total: usize,
}

/// The result of a workspace scan. Per-repository failures do not fail the scan.
#[derive(Debug, Clone)]
pub struct WorkspaceScan {
    /// Workspace slug.
    pub workspace: String,
    /// Admin repositories, sorted by slug.
    pub repositories: Vec<Repository>,
    /// Projects of the workspace (empty when they could not be listed).
    pub projects: Vec<Project>,
    /// Keys of each repository by slug, or why they could not be read; like `project_keys`,
    /// without the repository or project summary Bitbucket embeds in each key.
    pub repo_keys: BTreeMap<String, Result<Vec<AccessKey>, ForgeError>>,
    /// Keys of each project by project key, or why they could not be read.
    pub project_keys: BTreeMap<String, Result<Vec<AccessKey>, ForgeError>>,
    /// Why projects could not be listed, if they could not.
    pub projects_error: Option<ForgeError>,
}

/// What a scan will cost, known once the first page of each listing has arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanEstimate {
    /// Workspace slug.
    pub workspace: String,
    /// Admin repositories: exact when [`Self::exact`], else those on the first page.
    pub repositories: usize,
    /// Projects (exact when their listing reported its size or had one page).
    pub projects: usize,
    /// Whether the counts are exact: each listing reported `size` or ended on its first page.
    pub exact: bool,
    /// Requests of the whole scan, the two first pages included; a lower bound unless
    /// [`Self::exact`].
    pub requests: usize,
    /// Requests already made (the two first pages).
    pub made: usize,
}

impl ScanEstimate {
    /// Requests still to come.
    pub fn remaining(&self) -> usize {
        self.requests.saturating_sub(self.made)
    }

    fn new(
        ws: &str,
        repos: &Paged<'_, Repository>,
        first_repos: usize,
        projects: &Paged<'_, Project>,
        first_projects: usize,
    ) -> ScanEstimate {
        let (repositories, repo_pages, repos_exact) = listing_cost(repos.as_ref(), first_repos);
        let (projects_n, project_pages, projects_exact) =
            listing_cost(projects.as_ref(), first_projects);
        ScanEstimate {
            workspace: ws.to_string(),
            repositories,
            projects: projects_n,
            exact: repos_exact && projects_exact,
            requests: repo_pages + repositories + project_pages + projects_n,
            made: repos.pages_read() + projects.pages_read(),
        }
    }
}

/// Items, pages and exactness of a listing after its first page. A listing that failed on its
/// first page counts that one request and nothing else.
fn listing_cost<T>(pages: &dyn crate::forge::PageCursor<T>, first: usize) -> (usize, usize, bool) {
    if pages.is_done() || pages.pages_read() == 0 {
        return (first, pages.pages_read().max(1), true);
    }
    match (pages.size(), pages.page_count()) {
        (Some(size), Some(count)) => {
            let size = usize::try_from(size).unwrap_or(usize::MAX).max(first);
            (size, usize::try_from(count).unwrap_or(usize::MAX), true)
        }
        // Without `size` there is at least one more page with at least one item.
        _ => (first + 1, 2, false),
    }
}

/// Whether a scan goes on after its first pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proceed {
    /// Read every key.
    Yes,
    /// Stop here; no further request is made.
    No,
}

/// Scans `ws` (see the module documentation). Fails only when the repository listing itself
/// fails; a repository that cannot be read is recorded, not fatal.
pub async fn scan_workspace(
    forge: &dyn Forge,
    ws: &str,
    progress: &(dyn Fn(ScanProgress) + Send + Sync),
) -> Result<WorkspaceScan, ForgeError> {
    let scan = scan_workspace_gated(forge, ws, progress, &|_| Proceed::Yes).await?;
    // The gate always says yes, so a scan is always there; an empty one would only hide a bug.
    Ok(scan.unwrap_or_else(|| WorkspaceScan {
        workspace: ws.to_string(),
        repositories: Vec::new(),
        projects: Vec::new(),
        repo_keys: BTreeMap::new(),
        project_keys: BTreeMap::new(),
        projects_error: None,
    }))
}

/// A key listing to read.
enum Target {
    Repo(String),
    Project(String),
}

/// A key listing read.
enum Listing {
    Repo(String, Result<Vec<AccessKey>, ForgeError>),
    Project(String, Result<Vec<AccessKey>, ForgeError>),
}

type PageFuture<'a, T> = BoxFuture<'a, (Paged<'a, T>, Option<Result<Vec<T>, ForgeError>>)>;

fn next_page<'a, T: Send + 'a>(mut pages: Paged<'a, T>) -> PageFuture<'a, T> {
    async move {
        let page = pages.next_page().await;
        (pages, page)
    }
    .boxed()
}

/// Awaits the future in `slot`, or never when there is none (for `select!` branches that are
/// switched off by their guard anyway).
async fn maybe<F: Future + Unpin>(slot: &mut Option<F>) -> F::Output {
    match slot {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}

/// [`scan_workspace`], asking `gate` with the estimate once the first pages are in. Returns
/// `Ok(None)` when the gate says [`Proceed::No`].
pub async fn scan_workspace_gated(
    forge: &dyn Forge,
    ws: &str,
    progress: &(dyn Fn(ScanProgress) + Send + Sync),
    gate: &(dyn Fn(&ScanEstimate) -> Proceed + Send + Sync),
) -> Result<Option<WorkspaceScan>, ForgeError> {
    let FirstPages {
        repo_pages,
        repos: first_repos,
        project_pages,
        projects: first_projects,
        mut projects_error,
        estimate,
    } = first_pages(forge, ws).await?;
    if gate(&estimate) == Proceed::No {
        return Ok(None);
    }

    let mut repositories: Vec<Repository> = Vec::new();
    let mut projects: Vec<Project> = Vec::new();
    let mut queue = Queue::default();
    queue.projects(first_projects, &mut projects);
    queue.repos(first_repos, &mut repositories);

    let mut repo_next: Option<PageFuture<'_, Repository>> =
        (!repo_pages.is_done()).then(|| next_page(repo_pages));
    let mut project_next: Option<PageFuture<'_, Project>> =
        (projects_error.is_none() && !project_pages.is_done()).then(|| next_page(project_pages));

    let total_of = |repos_known: usize, projects_known: usize| {
        estimate.repositories.max(repos_known) + estimate.projects.max(projects_known)
    };
    let mut total = total_of(repositories.len(), projects.len());
    progress(ScanProgress { done: 0, total });

    let concurrency = forge.concurrency();
    let mut in_flight: FuturesUnordered<BoxFuture<'_, Listing>> = FuturesUnordered::new();
    let mut repo_keys = BTreeMap::new();
    let mut project_keys = BTreeMap::new();
    let mut texts = KeyTexts::default();
    let mut done = 0;
    loop {
        // Keep the forge busy, leaving a slot to each running listing so its next page is
        // sent the moment the previous one arrives.
        let listings = usize::from(repo_next.is_some()) + usize::from(project_next.is_some());
        let slots = concurrency.saturating_sub(listings).max(1);
        start_listings(forge, ws, &mut queue.targets, &mut in_flight, slots);
        if repo_next.is_none() && project_next.is_none() && in_flight.is_empty() {
            break;
        }
        tokio::select! {
            (pages, page) = maybe(&mut repo_next), if repo_next.is_some() => {
                match page {
                    Some(Ok(list)) => {
                        queue.repos(list, &mut repositories);
                        repo_next = (!pages.is_done()).then(|| next_page(pages));
                    }
                    Some(Err(e)) => return Err(e),
                    None => repo_next = None,
                }
            }
            (pages, page) = maybe(&mut project_next), if project_next.is_some() => {
                match page {
                    Some(Ok(list)) => {
                        queue.projects(list, &mut projects);
                        project_next = (!pages.is_done()).then(|| next_page(pages));
                    }
                    Some(Err(e)) => {
                        projects_error = Some(e);
                        project_next = None;
                    }
                    None => project_next = None,
                }
            }
            Some(listing) = in_flight.next(), if !in_flight.is_empty() => {
                record(listing, &mut repo_keys, &mut project_keys, &mut texts);
                done += 1;
            }
        }
        let now_total = total_of(repositories.len(), projects.len());
        if now_total != total || done > 0 {
            total = now_total.max(done);
            progress(ScanProgress { done, total });
        }
    }
    Ok(Some(finish(WorkspaceScan {
        workspace: ws.to_string(),
        repositories,
        projects,
        repo_keys,
        project_keys,
        projects_error,
    })))
}

/// The first page of each listing, asked for side by side, and what they say the scan costs.
struct FirstPages<'a> {
    repo_pages: Paged<'a, Repository>,
    repos: Vec<Repository>,
    project_pages: Paged<'a, Project>,
    projects: Vec<Project>,
    /// The projects could not be listed: the scan goes on without them.
    projects_error: Option<ForgeError>,
    estimate: ScanEstimate,
}

async fn first_pages<'a>(forge: &'a dyn Forge, ws: &'a str) -> Result<FirstPages<'a>, ForgeError> {
    let mut repo_pages = forge.repository_pages(ws);
    let mut project_pages = forge.project_pages(ws);
    let (first_repos, first_projects) =
        tokio::join!(repo_pages.next_page(), project_pages.next_page());
    let repos = first_repos.unwrap_or_else(|| Ok(Vec::new()))?;
    let mut projects_error = None;
    let projects = match first_projects {
        Some(Ok(p)) => p,
        Some(Err(e)) => {
            projects_error = Some(e);
            Vec::new()
        }
        None => Vec::new(),
    };
    let estimate = ScanEstimate::new(ws, &repo_pages, repos.len(), &project_pages, projects.len());
    Ok(FirstPages {
        repo_pages,
        repos,
        project_pages,
        projects,
        projects_error,
        estimate,
    })
}

/// The key listings still to start, each place once (pages shift when a repository is added
/// mid-scan, so one may be listed twice).
#[derive(Default)]
struct Queue {
    targets: VecDeque<Target>,
    repos_seen: HashSet<String>,
    projects_seen: HashSet<String>,
}

impl Queue {
    fn repos(&mut self, page: Vec<Repository>, repositories: &mut Vec<Repository>) {
        for r in page {
            if self.repos_seen.insert(r.slug.clone()) {
                self.targets.push_back(Target::Repo(r.slug.clone()));
                repositories.push(r);
            }
        }
    }

    fn projects(&mut self, page: Vec<Project>, projects: &mut Vec<Project>) {
        for p in page {
            if self.projects_seen.insert(p.key.clone()) {
                // Projects are few; their keys go first so the total is known early.
                self.targets.push_front(Target::Project(p.key.clone()));
                projects.push(p);
            }
        }
    }
}

/// Starts key listings from `queue` until `slots` are in flight.
fn start_listings<'a>(
    forge: &'a dyn Forge,
    ws: &'a str,
    queue: &mut VecDeque<Target>,
    in_flight: &mut FuturesUnordered<BoxFuture<'a, Listing>>,
    slots: usize,
) {
    let kind = forge.kind();
    while in_flight.len() < slots {
        let Some(target) = queue.pop_front() else {
            break;
        };
        in_flight.push(match target {
            Target::Repo(slug) => async move {
                let place = Place::repository(kind, ws.to_string(), slug.clone());
                let keys = forge.keys(&place).await;
                Listing::Repo(slug, keys)
            }
            .boxed(),
            Target::Project(key) => async move {
                let place = Place::project(kind, ws.to_string(), key.clone());
                let keys = forge.keys(&place).await;
                Listing::Project(key, keys)
            }
            .boxed(),
        });
    }
}

type KeyListings = BTreeMap<String, Result<Vec<AccessKey>, ForgeError>>;

/// Files a finished key listing under its repository or project. The forge's keys carry no
/// copy of their place (Cloud embeds one; the adapter drops it): the listing names it. Each
/// key's text is swapped for the one of `texts` as it arrives, so the scan holds a text once
/// however many places hold it, and the copies the answers brought are freed at once.
fn record(
    listing: Listing,
    repo_keys: &mut KeyListings,
    project_keys: &mut KeyListings,
    texts: &mut KeyTexts,
) {
    let (listings, name, mut keys) = match listing {
        Listing::Repo(slug, keys) => (repo_keys, slug, keys),
        Listing::Project(key, keys) => (project_keys, key, keys),
    };
    if let Ok(keys) = &mut keys {
        for k in keys.iter_mut() {
            texts.share(&mut k.key);
        }
    }
    listings.insert(name, keys);
}

/// Sorts the listings, and drops the projects of a project list that broke off midway: they
/// would give half the repositories the keys they inherit.
fn finish(mut scan: WorkspaceScan) -> WorkspaceScan {
    if scan.projects_error.is_some() {
        scan.projects.clear();
        scan.project_keys.clear();
    }
    scan.repositories.sort_by(|a, b| a.slug.cmp(&b.slug));
    scan.projects.sort_by(|a, b| a.key.cmp(&b.key));
    scan
}

#[cfg(test)]
#[path = "scan_memory_tests.rs"]
mod memory_tests;
