//! Listings read one page at a time.
//!
//! Why pages are fetched one after the other, never side by side: `next` is an absolute URL to
//! follow as is, and page URLs must never be built (`bitbucket-api.md` §3). Even when the first
//! page reports `size` and `pagelen`, page 3's URL is only known once page 2 has arrived, so the
//! pages of one listing form a chain. What a scan can overlap instead is everything else: each
//! page's repositories are handed over as soon as the page arrives, and their key requests run
//! while the next page is on its way (see `ops::scan`). The chain then costs its pages ×
//! latency, hidden behind the key requests that run beside it.

use std::collections::HashSet;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use url::Url;

use super::{Client, decode, same_origin};
use crate::bitbucket::error::{ApiError, ApiErrorKind};
use crate::bitbucket::models::{Page, Project, Repository};
use crate::bitbucket::scopes::Operation;

/// The largest number of pages one listing may have; a loop of `next` links ends here.
const MAX_PAGES: usize = 10_000;

/// A paginated listing, read page by page with [`Pages::next_page`].
///
/// A failed page can be asked for again: the walker stays on it, so a caller that waits out a
/// 429 continues where it stopped and never requests a page it already has.
pub struct Pages<T> {
    client: Client,
    next: Option<Url>,
    seen: HashSet<String>,
    op: Operation,
    target: String,
    size: Option<u64>,
    pagelen: Option<u64>,
    pages_read: usize,
    items: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("op", &self.op)
            .field("target", &self.target)
            .field("pages_read", &self.pages_read)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> Pages<T> {
    pub(super) fn new(client: &Client, first: Url, op: Operation, target: &str) -> Pages<T> {
        Pages {
            client: client.clone(),
            next: Some(first),
            seen: HashSet::new(),
            op,
            target: target.to_string(),
            size: None,
            pagelen: None,
            pages_read: 0,
            items: PhantomData,
        }
    }

    /// The next page's items; `None` once the last page was read. On an error the walker stays
    /// on the failed page, so calling again retries that page only.
    pub async fn next_page(&mut self) -> Option<Result<Vec<T>, ApiError>> {
        let url = self.next.clone()?;
        Some(self.read(url).await)
    }

    async fn read(&mut self, url: Url) -> Result<Vec<T>, ApiError> {
        let (op, target) = (self.op, self.target.as_str());
        let fail = |kind, msg: String| ApiError::new(kind, op, target).with_message(msg);
        if self.pages_read >= MAX_PAGES {
            self.next = None;
            return Err(fail(
                ApiErrorKind::Decode,
                "the listing has more than 10,000 pages".into(),
            ));
        }
        if self.seen.contains(url.as_str()) {
            self.next = None;
            return Err(fail(
                ApiErrorKind::Decode,
                "the listing's next link points back at a page already read".into(),
            ));
        }
        let text = self.client.get_text(url.clone(), op, target).await?;
        let page: Page<T> = decode(&text, op, target)?;
        self.seen.insert(url.to_string());
        self.pages_read += 1;
        if self.pages_read == 1 {
            self.size = page.size;
            self.pagelen = page.pagelen;
        }
        self.next = match page.next {
            None => None,
            Some(next) => {
                let next_url = Url::parse(&next).map_err(|_| {
                    self.next = None;
                    fail(
                        ApiErrorKind::Decode,
                        "the listing's next link is not a URL".into(),
                    )
                })?;
                if !same_origin(&next_url, &self.client.inner.base) {
                    self.next = None;
                    return Err(fail(
                        ApiErrorKind::Refused,
                        format!(
                            "the listing's next page is on another origin ({}); bbkeys does not send your credential there",
                            next_url.origin().ascii_serialization()
                        ),
                    ));
                }
                Some(next_url)
            }
        };
        Ok(page.values)
    }

    /// Every remaining page, as one list.
    pub async fn collect_all(mut self) -> Result<Vec<T>, ApiError> {
        let mut out = Vec::new();
        while let Some(page) = self.next_page().await {
            out.extend(page?);
        }
        Ok(out)
    }

    /// Total items, when the first page reported `size` (Bitbucket usually does, but only
    /// `values` and `next` are guaranteed, §3).
    pub fn size(&self) -> Option<u64> {
        self.size
    }

    /// Items per page as the server reported it on the first page.
    pub fn pagelen(&self) -> Option<u64> {
        self.pagelen
    }

    /// Pages read so far.
    pub fn pages_read(&self) -> usize {
        self.pages_read
    }

    /// Whether the last page was read (or the listing cannot go on).
    pub fn is_done(&self) -> bool {
        self.next.is_none()
    }

    /// Pages the whole listing has, when `size` and `pagelen` were reported.
    pub fn page_count(&self) -> Option<u64> {
        let (size, len) = (self.size?, self.pagelen.filter(|l| *l > 0)?);
        Some(size.div_ceil(len).max(1))
    }
}

impl Client {
    /// Repositories of `ws` the user administers, page by page (pagelen 100, by slug). Items
    /// are as the server sent them: call [`Repository::normalise`] on each.
    pub fn repository_pages(&self, ws: &str) -> Pages<Repository> {
        let mut url = self.url(&["repositories", ws]);
        url.query_pairs_mut()
            .append_pair("role", "admin")
            .append_pair("pagelen", "100")
            .append_pair("sort", "slug");
        Pages::new(self, url, Operation::ListRepositories, ws)
    }

    /// Projects of `ws`, page by page (pagelen 100).
    pub fn project_pages(&self, ws: &str) -> Pages<Project> {
        let mut url = self.url(&["workspaces", ws, "projects"]);
        url.query_pairs_mut().append_pair("pagelen", "100");
        Pages::new(self, url, Operation::ListProjects, ws)
    }

    /// Follows every page of a listing. `next` links are followed as given, but only when they
    /// point at the API's own origin (§3).
    pub(super) async fn get_all<T: DeserializeOwned>(
        &self,
        first: Url,
        op: Operation,
        target: &str,
    ) -> Result<Vec<T>, ApiError> {
        Pages::new(self, first, op, target).collect_all().await
    }
}
