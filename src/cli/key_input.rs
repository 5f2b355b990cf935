//! What the `keys` subcommands read from the person at the terminal and share: the target
//! (`<workspace>/<repository>` or a project), labels, key text, and the bulk options. Apart
//! from the subcommand files so that they need not import each other.

use std::io::Read;
use std::path::PathBuf;

use super::output::{CliError, Exit};
use crate::bitbucket::RepoRef;
use crate::forge::{ForgeKind, Place};
use crate::forge::{valid_project_key, valid_slug};
use crate::sshkey::PublicKey;

/// Options of every command that changes keys.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct BulkArgs {
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub(super) fn check_workspace(ws: &str) -> Result<(), CliError> {
    if valid_slug(ws) {
        Ok(())
    } else {
        Err(CliError::new(
            Exit::Usage,
            format!("{ws:?} is not a workspace slug (letters, digits, '-', '_' and '.')"),
        ))
    }
}

fn check_project(p: &str) -> Result<(), CliError> {
    if valid_project_key(p) {
        Ok(())
    } else {
        Err(CliError::new(
            Exit::Usage,
            format!("{p:?} is not a project key (letters, digits and '_', such as API)"),
        ))
    }
}

/// Where a single-target command acts.
pub(super) fn scope_of(target: &str, project: Option<&str>) -> Result<Place, CliError> {
    match project {
        Some(p) => {
            if target.contains('/') {
                return Err(CliError::new(
                    Exit::Usage,
                    format!("with --project, name only the workspace, not {target:?}"),
                ));
            }
            check_workspace(target)?;
            check_project(p)?;
            Ok(Place::project(ForgeKind::Cloud, target, p))
        }
        None => {
            let r: RepoRef = target
                .parse()
                .map_err(|e: String| CliError::new(Exit::Usage, e))?;
            Ok(Place::repository(ForgeKind::Cloud, r.workspace, r.repo))
        }
    }
}

/// [`scope_of`] on `forge`: Data Center places carry their forge (the owner is the project).
pub(super) fn scope_on(
    forge: ForgeKind,
    target: &str,
    project: Option<&str>,
) -> Result<Place, CliError> {
    Ok(match scope_of(target, project)? {
        Place::Repository { owner, repo, .. } => Place::repository(forge, owner, repo),
        Place::Project { owner, project, .. } => Place::project(forge, owner, project),
    })
}

/// Reads a public key from a file or standard input, and validates it before any request.
pub(super) fn read_key(source: &str) -> Result<PublicKey, CliError> {
    let text = if source == "-" {
        let mut s = String::new();
        std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut s)
            .map_err(|e| {
                CliError::new(
                    Exit::Error,
                    format!("cannot read the key from standard input: {e}"),
                )
            })?;
        s
    } else {
        let path = PathBuf::from(source);
        let meta = std::fs::metadata(&path).map_err(|e| {
            CliError::new(
                Exit::Error,
                format!("cannot read the key file {}: {e}", path.display()),
            )
        })?;
        if meta.len() > 64 * 1024 {
            return Err(CliError::new(
                Exit::Error,
                format!("{} is too large to be a public key", path.display()),
            ));
        }
        let bytes = std::fs::read(&path).map_err(|e| {
            CliError::new(
                Exit::Error,
                format!("cannot read the key file {}: {e}", path.display()),
            )
        })?;
        String::from_utf8(bytes).map_err(|_| {
            CliError::new(
                Exit::Error,
                format!(
                    "{} is not a text file; expected an OpenSSH public key (.pub)",
                    path.display()
                ),
            )
        })?
    };
    PublicKey::parse(&text).map_err(|e| {
        let from = if source == "-" {
            "the key on standard input".to_string()
        } else {
            source.to_string()
        };
        CliError::new(Exit::Error, format!("{from}: {e}"))
    })
}

pub(super) fn check_label(label: &str) -> Result<String, CliError> {
    let trimmed = label.trim();
    if trimmed.is_empty() {
        return Err(CliError::new(
            Exit::Usage,
            "the label is empty: give a name such as --label ci-deploy",
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(CliError::new(
            Exit::Usage,
            "the label contains control characters",
        ));
    }
    if trimmed.chars().count() > 255 {
        return Err(CliError::new(
            Exit::Usage,
            "the label is longer than 255 characters",
        ));
    }
    Ok(trimmed.to_string())
}
