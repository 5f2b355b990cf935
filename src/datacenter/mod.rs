//! The Bitbucket Data Center adapter: the `keys/1.0` and `api/1.0` REST calls of
//! `shared/bitbucket-datacenter-api.md`, with its quirks, and [`crate::forge::Forge`] on top.
//!
//! - [`client`]: options, connection pool, backoff; `exchange`: one request, auth headers,
//!   the XSRF header on writes, retries and 429 pacing;
//! - `paging`: `start`/`limit`/`nextPageStart` listings;
//! - [`endpoints`]: one method per row of the contract's §1 table; [`bulk`]: verified
//!   revokes, the bulk revoke with its fallback; `usage`: where a key is used;
//! - `errors`: the error envelope and 401/403/409 classification into `ForgeError` kinds;
//! - [`wire`]: the JSON as it arrives, and its conversion to domain types;
//! - `forge_impl`: the [`crate::forge::Forge`] implementation.
//!
//! The CLI's composition root (`cli::compose`) builds it from a profile with
//! `forge = "datacenter"`; the TUI does not use it yet.

pub mod bulk;
pub mod client;
pub mod credential;
mod doctor;
pub mod endpoints;
pub(crate) mod errors;
pub(crate) mod exchange;
mod forge_impl;
pub(crate) mod paging;
mod usage;
pub mod wire;

pub use bulk::BulkRevoke;
pub use client::{DEFAULT_PAGE_LIMIT, DcClient, DcOptions, parse_root_url};
pub use credential::{DcCredential, Secret};
pub use endpoints::Added;
