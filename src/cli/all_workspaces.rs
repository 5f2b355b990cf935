//! `--all-workspaces` on `keys list`, `keys find` and `audit`: the same command over every
//! workspace the credential sees, printed as one output (one JSON array, one CSV header).

use super::context::Context;
use super::fields::Output;
use super::listing::{Collected, collect_with, print_keys};
use super::output::{CliError, Exit};
use crate::ops::query::Query;

pub(super) async fn workspace_slugs(ctx: &Context) -> Result<Vec<String>, CliError> {
    let Ok(client) = ctx.client() else {
        // Data Center: the projects the credential reaches.
        let owners = ctx.forge().owners().await?;
        return Ok(owners.into_iter().map(|o| o.slug).collect());
    };
    Ok(client
        .workspaces()
        .await?
        .into_iter()
        .map(|w| w.slug)
        .collect())
}

/// `keys list --all-workspaces`: every workspace's keys in one listing.
pub(super) async fn list(
    ctx: &Context,
    out: &Output,
    strict: bool,
    query: Option<&Query>,
) -> Result<Exit, CliError> {
    let mut all = Collected::default();
    let findings = query.is_some_and(Query::uses_finding);
    for ws in workspace_slugs(ctx).await? {
        all.extend(collect_with(ctx, &ws, None, findings).await?);
    }
    if let Some(q) = query {
        let now = time::OffsetDateTime::now_utc();
        super::key_query::retain(&mut all.rows, q, &all.findings, now);
    }
    print_keys(ctx, all, out, strict)
}
