//! What every endpoint of the simulated Data Center shares: the request as the endpoints see
//! it, and the refusal of an unknown key id. Apart from the endpoint files so that they need
//! not import each other.

use serde_json::Value;

use super::super::render::Query;
use super::super::reply::Reply;
use super::render;
use super::state::User;
use super::{CreatedDateForm, UsageForm};

/// The request as the endpoints see it.
pub(crate) struct Call<'a> {
    /// The signed-in user; `None` for anonymous.
    pub user: Option<User>,
    pub query: &'a Query,
    pub body: &'a [u8],
    pub max_limit: u32,
    pub created: CreatedDateForm,
    pub usage: UsageForm,
}

impl Call<'_> {
    pub(crate) fn page(&self, items: Vec<Value>) -> Reply {
        match render::page(items, self.query, self.max_limit) {
            Ok(v) => Reply::json(200, &v),
            Err(refusal) => refusal,
        }
    }
}

/// 404 for an unknown key id (§1, usage lookups and bulk revoke).
pub(crate) fn no_such_key(id: &str) -> Reply {
    render::error(
        404,
        &format!("No SSH key with id {id} exists."),
        "com.atlassian.bitbucket.ssh.NoSuchSshKeyException",
    )
}
