//! How the errors of `ops` and of the journal become the CLI's exit codes; every command that
//! writes shares these.

use super::output::{CliError, Exit};
use crate::journal::JournalError;
use crate::ops::keyops::OpError;

/// Maps an operation error to the CLI's exit codes.
pub fn op_error(e: OpError) -> CliError {
    match e {
        OpError::Forge(e) => e.into(),
        other => {
            let exit = if other.is_auth_problem() {
                Exit::Auth
            } else {
                Exit::Error
            };
            CliError::new(exit, other.to_string())
        }
    }
}

/// Maps a journal error to an exit code: a bad or ambiguous entry id is a usage error.
pub(super) fn journal_error(e: JournalError) -> CliError {
    let exit = match e {
        JournalError::NoSuchEntry(_) | JournalError::Ambiguous { .. } => Exit::Usage,
        _ => Exit::Error,
    };
    CliError::new(exit, e.to_string())
}
