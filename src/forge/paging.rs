//! Listings read one page at a time, whatever the forge's paging looks like.
//!
//! A scan estimates its cost from the first page of each listing and starts key requests
//! while the next page is on its way (`ops::scan`), so a listing is a cursor rather than a
//! list: Cloud follows `next` links, Data Center steps `start`/`limit`, the in-memory forge
//! cuts a vector. A forge that only has whole listings answers with one page
//! ([`OnePage`]).

use futures::FutureExt;
use futures::future::BoxFuture;

use super::ForgeError;

/// A listing read page by page.
pub trait PageCursor<T>: Send {
    /// The next page's items; `None` once the last page was read. Where the forge allows it,
    /// a failed page stays current, so asking again retries that page only.
    fn next_page(&mut self) -> BoxFuture<'_, Option<Result<Vec<T>, ForgeError>>>;

    /// Pages read so far (a failed request counts once it was answered).
    fn pages_read(&self) -> usize;

    /// Whether the last page was read, or the listing cannot go on.
    fn is_done(&self) -> bool;

    /// Total items, when the forge reported it.
    fn size(&self) -> Option<u64>;

    /// Pages the whole listing has, when the forge reported enough to tell.
    fn page_count(&self) -> Option<u64>;
}

/// A listing cursor borrowed from its forge.
pub type Paged<'a, T> = Box<dyn PageCursor<T> + 'a>;

/// Every remaining page of `pages`, as one list.
pub async fn collect_all<T>(mut pages: Paged<'_, T>) -> Result<Vec<T>, ForgeError> {
    let mut out = Vec::new();
    while let Some(page) = pages.next_page().await {
        out.extend(page?);
    }
    Ok(out)
}

/// A whole listing as a single page, for a forge that reads its listings in one call.
pub struct OnePage<'a, T> {
    listing: Option<BoxFuture<'a, Result<Vec<T>, ForgeError>>>,
    pages_read: usize,
    size: Option<u64>,
}

impl<'a, T> OnePage<'a, T> {
    /// A cursor whose one page is what `listing` answers.
    pub fn new(listing: BoxFuture<'a, Result<Vec<T>, ForgeError>>) -> OnePage<'a, T> {
        OnePage {
            listing: Some(listing),
            pages_read: 0,
            size: None,
        }
    }
}

impl<T: Send> PageCursor<T> for OnePage<'_, T> {
    fn next_page(&mut self) -> BoxFuture<'_, Option<Result<Vec<T>, ForgeError>>> {
        async move {
            // The listing's future is spent once answered, so a failure ends the listing.
            let page = self.listing.take()?.await;
            self.pages_read += 1;
            if let Ok(items) = &page {
                self.size = u64::try_from(items.len()).ok();
            }
            Some(page)
        }
        .boxed()
    }

    fn pages_read(&self) -> usize {
        self.pages_read
    }

    fn is_done(&self) -> bool {
        self.listing.is_none()
    }

    fn size(&self) -> Option<u64> {
        self.size
    }

    fn page_count(&self) -> Option<u64> {
        self.size.map(|_| 1)
    }
}

/// A listing held in memory, cut into pages of `page_len`; `request` is asked before each
/// page, to count it or fail it, as a forge's page request would.
pub struct Chunks<'a, T> {
    items: std::vec::IntoIter<T>,
    total: usize,
    page_len: usize,
    pages_read: usize,
    request: Box<dyn Fn() -> Result<(), ForgeError> + Send + Sync + 'a>,
}

impl<'a, T> Chunks<'a, T> {
    /// A cursor over `items`, `page_len` at a time (at least one).
    pub fn new(
        items: Vec<T>,
        page_len: usize,
        request: impl Fn() -> Result<(), ForgeError> + Send + Sync + 'a,
    ) -> Chunks<'a, T> {
        Chunks {
            total: items.len(),
            items: items.into_iter(),
            page_len: page_len.max(1),
            pages_read: 0,
            request: Box::new(request),
        }
    }
}

impl<T: Send> PageCursor<T> for Chunks<'_, T> {
    fn next_page(&mut self) -> BoxFuture<'_, Option<Result<Vec<T>, ForgeError>>> {
        async move {
            if self.is_done() {
                return None;
            }
            // A failed page stays current: nothing is taken from the items.
            if let Err(e) = (self.request)() {
                return Some(Err(e));
            }
            self.pages_read += 1;
            Some(Ok(self.items.by_ref().take(self.page_len).collect()))
        }
        .boxed()
    }

    fn pages_read(&self) -> usize {
        self.pages_read
    }

    fn is_done(&self) -> bool {
        // An empty listing still answers its first page.
        self.pages_read > 0 && self.items.len() == 0
    }

    fn size(&self) -> Option<u64> {
        u64::try_from(self.total).ok()
    }

    fn page_count(&self) -> Option<u64> {
        let pages = self.total.div_ceil(self.page_len).max(1);
        u64::try_from(pages).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::memory::{Call, MemoryForge};
    use crate::forge::{Caps, Forge, ForgeErrorKind, ForgeKind};

    fn three_repos() -> MemoryForge {
        MemoryForge::new(ForgeKind::Cloud, Caps::default())
            .with_repo("acme", "api", Some("API"))
            .with_repo("acme", "web", Some("WEB"))
            .with_repo("acme", "ops", None)
            .with_page_len(2)
    }

    fn slugs(page: Vec<crate::forge::Repository>) -> Vec<String> {
        page.into_iter().map(|r| r.slug).collect()
    }

    #[tokio::test]
    async fn memory_pages_report_their_size_and_cost_one_request_each() {
        let forge = three_repos();
        let mut pages = forge.repository_pages("acme");
        assert_eq!((pages.pages_read(), pages.is_done()), (0, false));
        let first = pages.next_page().await.unwrap().unwrap();
        assert_eq!(slugs(first), ["api", "web"]);
        assert_eq!((pages.size(), pages.page_count()), (Some(3), Some(2)));
        assert!(!pages.is_done());
        let second = pages.next_page().await.unwrap().unwrap();
        assert_eq!(slugs(second), ["ops"]);
        assert!(pages.is_done());
        assert!(pages.next_page().await.is_none());
        assert_eq!(pages.pages_read(), 2);
        drop(pages);
        assert_eq!(forge.requests(), 2);
    }

    #[tokio::test]
    async fn collect_all_reads_every_page_and_stops_at_a_failure() {
        let forge = three_repos();
        let all = collect_all(forge.repository_pages("acme")).await.unwrap();
        assert_eq!(slugs(all), ["api", "web", "ops"]);
        assert_eq!(forge.requests(), 2);
        forge.fail_next(
            Call::Repositories,
            ForgeError::new(ForgeErrorKind::Network, "down"),
        );
        let failed = collect_all(forge.repository_pages("acme")).await;
        assert_eq!(failed.unwrap_err().kind, ForgeErrorKind::Network);
    }

    #[tokio::test]
    async fn a_failed_memory_page_stays_current() {
        let forge = three_repos();
        let mut pages = forge.repository_pages("acme");
        pages.next_page().await.unwrap().unwrap();
        forge.fail_next(
            Call::Repositories,
            ForgeError::new(ForgeErrorKind::Server, "try again"),
        );
        let failed = pages.next_page().await.unwrap().unwrap_err();
        assert_eq!(failed.kind, ForgeErrorKind::Server);
        assert_eq!((pages.pages_read(), pages.is_done()), (1, false));
        let retried = pages.next_page().await.unwrap().unwrap();
        assert_eq!(slugs(retried), ["ops"]);
        assert!(pages.is_done());
    }

    #[tokio::test]
    async fn an_empty_listing_answers_one_empty_page() {
        let forge = three_repos();
        let mut projects = forge.project_pages("nobody");
        assert!(!projects.is_done());
        assert!(projects.next_page().await.unwrap().unwrap().is_empty());
        assert!(projects.is_done());
        assert_eq!((projects.size(), projects.page_count()), (Some(0), Some(1)));
        let mut projects = forge.project_pages("acme");
        let keys: Vec<_> = projects
            .next_page()
            .await
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|p| p.key)
            .collect();
        assert_eq!(keys, ["API", "WEB"]);
    }

    #[tokio::test]
    async fn one_page_is_the_whole_listing_and_a_failure_ends_it() {
        let mut whole = OnePage::new(async { Ok(vec![1, 2, 3]) }.boxed());
        assert!(!whole.is_done());
        assert_eq!(whole.next_page().await.unwrap().unwrap(), [1, 2, 3]);
        assert!(whole.is_done());
        assert_eq!((whole.size(), whole.page_count()), (Some(3), Some(1)));
        assert!(whole.next_page().await.is_none());

        let mut broken: OnePage<'_, u8> =
            OnePage::new(async { Err(ForgeError::new(ForgeErrorKind::Network, "down")) }.boxed());
        assert!(broken.next_page().await.unwrap().is_err());
        assert_eq!((broken.pages_read(), broken.is_done()), (1, true));
        assert_eq!(broken.size(), None);
    }
}
