//! `bbkeys export`: a keys file of everything a workspace holds, that plans no change.

use std::path::PathBuf;

use time::OffsetDateTime;

use super::super::audit::obtain;
use super::super::context::Context;
use super::super::output::{CliError, Exit};
use super::plan::write_atomically;
use crate::ops::desired::{Observed, export_keys_file};

/// `bbkeys export` options.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Workspace slug [default: BBKEYS_WORKSPACE or the profile's default_workspace].
    pub workspace: Option<String>,
    /// Write the file here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Export the last stored scan instead of scanning again (no requests).
    #[arg(long)]
    pub cached: bool,
}

/// Runs `bbkeys export`.
pub async fn export(ctx: &Context, args: ExportArgs) -> Result<Exit, CliError> {
    let ws = ctx.workspace_or_default(args.workspace.clone())?;
    let got = obtain(ctx, &ws, args.cached, OffsetDateTime::now_utc()).await?;
    let mut observed = Observed::default();
    observed.add_snapshot(&got.snapshot);
    let (text, unreadable_keys) = export_keys_file(&observed, ctx.kind());
    match &args.out {
        Some(path) => write_atomically(path, &text)?,
        None => print!("{text}"),
    }
    if unreadable_keys > 0 {
        eprintln!(
            "bbkeys: warning: {unreadable_keys} key(s) whose text Bitbucket returned unreadable were left out"
        );
    }
    let missing = observed.unreadable.len() + observed.not_permitted.len();
    if missing > 0 {
        eprintln!("bbkeys: warning: {missing} place(s) could not be read and are not in the file");
        return Ok(Exit::Partial);
    }
    Ok(Exit::Ok)
}
