//! Paged listings (`bitbucket-datacenter-api.md` §3): `start` / `limit` / `nextPageStart` /
//! `isLastPage`.
//!
//! The first request asks for a large page; every later one sends the `limit` the server
//! answered (admins can lower the maximum) and the `nextPageStart` it gave, never a computed
//! `start`. A page that says it is not the last but gives no later start is a server fault:
//! the listing stops with an error rather than loop or silently end short.

use serde::de::DeserializeOwned;
use url::Url;

use super::client::DcClient;
use super::errors;
use super::exchange::decode;
use super::wire::PageOrArray;
use crate::forge::ForgeError;

/// The most pages one listing may have.
const MAX_PAGES: usize = 10_000;

impl DcClient {
    /// Every item of the listing at `first` (its own query kept; `start` and `limit` added).
    /// A bare array instead of a page is taken as the whole listing (§3, usage lookups).
    pub(crate) async fn get_all<T: DeserializeOwned>(
        &self,
        first: Url,
        what: &str,
    ) -> Result<Vec<T>, ForgeError> {
        let mut limit = self.inner.page_limit;
        let mut start: Option<u64> = None;
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let mut url = first.clone();
            {
                let mut q = url.query_pairs_mut();
                if let Some(s) = start {
                    q.append_pair("start", &s.to_string());
                }
                q.append_pair("limit", &limit.to_string());
            }
            let answer = self.get(url, what).await?;
            let page = match decode::<PageOrArray<T>>(&answer.text, what)? {
                PageOrArray::Array(values) => {
                    out.extend(values);
                    return Ok(out);
                }
                PageOrArray::Page(page) => page,
            };
            if let Some(answered) = page.limit.filter(|l| *l > 0) {
                limit = answered;
            }
            out.extend(page.values);
            let last = page.is_last_page.unwrap_or(page.next_page_start.is_none());
            if last {
                return Ok(out);
            }
            let here = start.unwrap_or(0);
            match page.next_page_start {
                Some(next) if next > here => start = Some(next),
                other => {
                    return Err(errors::decode(
                        what,
                        &format!(
                            "the page at start {here} says it is not the last, but its nextPageStart is {}",
                            other.map_or("missing".to_string(), |n| n.to_string())
                        ),
                    ));
                }
            }
        }
        Err(errors::decode(
            what,
            "the listing has more than 10,000 pages",
        ))
    }
}
