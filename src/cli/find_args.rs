//! What `bbkeys keys find` is asked: its options and the key to look for, read from a file,
//! standard input or a fingerprint. Both the scan (Cloud) and the usage lookup (Data Center)
//! start here.

use std::io::{IsTerminal, Read};

use super::output::{CliError, Exit};
use super::skipped::StrictArg;
use crate::ops::find::KeyNeedle;

/// `bbkeys keys find` options.
#[derive(Debug, clap::Args)]
pub struct FindArgs {
    /// The key: its `SHA256:...` fingerprint, a `.pub` file, or `-` to paste it on standard
    /// input.
    #[arg(value_name = "PUBKEY-FILE|-|SHA256:...")]
    pub key: String,
    /// The workspace to search [default: BBKEYS_WORKSPACE or the profile's default_workspace].
    #[arg(long, short = 'w', value_name = "WS")]
    pub workspace: Option<String>,
    /// Search every workspace your credential sees (`--json`: an array of documents, one per
    /// workspace holding the key).
    #[arg(long, conflicts_with = "workspace")]
    pub all_workspaces: bool,
    /// Search the last stored scan instead of scanning again (no requests).
    #[arg(long)]
    pub cached: bool,
    /// Data Center: besides the two usage lookups, read every repository you administer in
    /// projects you do not administer, which the lookups never show (one request each).
    #[arg(long)]
    pub thorough: bool,
    #[command(flatten)]
    pub strict: StrictArg,
}

/// Bigger than any public key line (16 KiB at most), small enough to refuse a wrong file fast.
const MAX_READ: u64 = 64 * 1024;

/// Reads the key to find from `source`: `-`, a fingerprint, or a file.
pub(super) fn read_needle(source: &str) -> Result<KeyNeedle, CliError> {
    let (text, from) = if source == "-" {
        if std::io::stdin().is_terminal() {
            eprintln!("Paste the public key line, then press Ctrl-D:");
        }
        let mut s = String::new();
        std::io::stdin()
            .take(MAX_READ)
            .read_to_string(&mut s)
            .map_err(|e| {
                CliError::new(
                    Exit::Error,
                    format!("cannot read the key from standard input: {e}"),
                )
            })?;
        (s, "the key on standard input".to_string())
    } else if source.contains(':') && !std::path::Path::new(source).exists() {
        // `SHA256:...` (or a mistaken `MD5:...`): KeyNeedle explains what is wrong with it.
        (source.to_string(), source.to_string())
    } else {
        let mut s = String::new();
        std::fs::File::open(source)
            .and_then(|f| f.take(MAX_READ).read_to_string(&mut s))
            .map_err(|e| {
                CliError::new(
                    Exit::Error,
                    format!(
                        "cannot read the key file {source}: {e}. Give a .pub file, `-` for standard input, or a SHA256:... fingerprint."
                    ),
                )
            })?;
        (s, source.to_string())
    };
    KeyNeedle::parse(&text).map_err(|e| CliError::new(Exit::Usage, format!("{from}: {e}")))
}
