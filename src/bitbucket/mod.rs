//! The Bitbucket Cloud REST 2.0 client: no terminal code lives here.
//!
//! The contract this module honours is `shared/bitbucket-api.md`; comments cite its sections.

pub mod budget;
pub mod client;
pub mod doctor;
pub mod error;
mod forge_adapter;
pub mod models;
pub mod scopes;

pub use budget::{BudgetOwner, RequestLog};
pub use client::{Client, ClientOptions, Credential, DEFAULT_API_URL, Pages};
pub use error::{ApiError, ApiErrorKind};
pub use models::*;
pub use scopes::Operation;
