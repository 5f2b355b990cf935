//! `--all-workspaces` on `keys list`, `keys find` and `audit`: the same command over every
//! workspace the credential sees, printed as one output (one JSON array, one CSV header).

use std::cell::Cell;

use super::context::Context;
use super::fields::Output;
use super::find::{FindArgs, Found, find_in};
use super::listing::{Collected, collect, print_keys};
use super::output::{CliError, Exit};
use super::skipped::worst;
use crate::ops::find::KeyNeedle;

/// How one workspace's document joins the others in standard output.
#[derive(Debug, Default)]
pub struct Frame {
    /// Part of an `--all-workspaces` run.
    many: bool,
    /// A workspace printed something already.
    printed: Cell<bool>,
}

impl Frame {
    /// A single workspace: printed as it always was.
    pub fn alone() -> Frame {
        Frame::default()
    }

    /// Several workspaces, one after the other.
    pub fn many() -> Frame {
        Frame {
            many: true,
            printed: Cell::new(false),
        }
    }

    /// Whether this is an `--all-workspaces` run.
    pub fn is_many(&self) -> bool {
        self.many
    }

    /// Before a JSON document: the comma between two elements of the array.
    pub fn before_json(&self) {
        if self.many && self.printed.replace(true) {
            print!(",");
        }
    }

    /// Before a text report: a blank line between two workspaces.
    pub fn before_text(&self) {
        if self.many && self.printed.replace(true) {
            println!();
        }
    }

    /// CSV text with its header only for the first workspace.
    pub fn csv_rows<'a>(&self, csv: &'a str) -> &'a str {
        if self.many && self.printed.replace(true) {
            csv.split_once('\n').map(|(_, rows)| rows).unwrap_or("")
        } else {
            csv
        }
    }
}

async fn workspace_slugs(ctx: &Context) -> Result<Vec<String>, CliError> {
    Ok(ctx
        .client
        .workspaces()
        .await?
        .into_iter()
        .map(|w| w.slug)
        .collect())
}

/// `keys list --all-workspaces`: every workspace's keys in one listing.
pub(super) async fn list(ctx: &Context, out: &Output, strict: bool) -> Result<Exit, CliError> {
    let mut all = Collected::default();
    for ws in workspace_slugs(ctx).await? {
        all.extend(collect(ctx, &ws, None).await?);
    }
    print_keys(ctx, all, out, strict)
}

/// `keys find --all-workspaces`: where the key is, workspace by workspace; exit 1 when no
/// workspace holds it.
pub(super) async fn find(
    ctx: &Context,
    needle: &KeyNeedle,
    args: &FindArgs,
) -> Result<Exit, CliError> {
    let frame = Frame::many();
    if ctx.json {
        print!("[");
    }
    let slugs = workspace_slugs(ctx).await?;
    let mut exit = None;
    for ws in &slugs {
        if let Found::Yes(e) = find_in(ctx, ws, needle, args, &frame).await? {
            exit = Some(worst(exit.unwrap_or(Exit::Ok), e));
        }
    }
    if ctx.json {
        println!("]");
    }
    exit.ok_or_else(|| {
        CliError::new(
            Exit::Error,
            format!(
                "{} is in none of the {} workspaces your credential sees ({}).",
                needle.fingerprint,
                slugs.len(),
                slugs.join(", ")
            ),
        )
    })
}
