//! `bbkeys man [--dir D]`: manual pages generated from the command definition, so they never
//! disagree with `--help`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::GlobalArgs;
use super::help::command;
use super::output::{CliError, Exit};

/// Options of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory to write the pages into (created if missing) [default: the current one].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Writes the pages and lists them on stderr (unless `--quiet`).
pub fn run(global: &GlobalArgs, args: ManArgs) -> Result<Exit, CliError> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
    let written = write_pages(&dir).map_err(|e| {
        CliError::new(
            Exit::Error,
            format!("cannot write manual pages to {}: {e}", dir.display()),
        )
    })?;
    if !global.quiet {
        eprintln!(
            "bbkeys: wrote {} manual pages to {}",
            written.len(),
            dir.display()
        );
    }
    Ok(Exit::Ok)
}

/// Writes `bbkeys.1` and one `bbkeys-<sub>[-<subsub>].1` per subcommand into `dir`; returns
/// the files written.
pub fn write_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut cmd = command();
    cmd.build();
    let mut written = Vec::new();
    write_tree(&cmd, "bbkeys", dir, &mut written)?;
    Ok(written)
}

fn write_tree(
    cmd: &clap::Command,
    name: &str,
    dir: &Path,
    written: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    // clap_mangen titles a page by the command's name; a subcommand's page is titled by its
    // whole path (`bbkeys-keys-rm`), as git's and gh's pages are.
    let page = cmd.clone().name(name.to_string());
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, out)?;
    written.push(path);
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        write_tree(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}
