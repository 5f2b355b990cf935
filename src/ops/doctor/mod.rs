//! `bbkeys doctor` as data: local checks, the connection, read-only probes, and a verdict for
//! every key operation. The CLI prints a [`DoctorReport`] (or its JSON), the TUI's Credentials
//! view renders the same value.
//!
//! The forge answers "what can this credential do" ([`Forge::diagnose`]): only its adapter
//! knows its permission model. This module adds the local checks and presents the answer.

mod local;

use serde::Serialize;

use crate::config::EditStrategy;
use crate::forge::Forge;
use crate::forge::credential::{Account, AuthKind, CredentialReport};

pub use crate::forge::credential::{
    Check, CheckStatus, DenialReason, KeyAction, KeyOwner, OperationRow, Outcome, Probe,
    ProbeResult, Verdict, WRITE_NOT_VERIFIED,
};
pub use local::{CredentialCheck, local_checks};

/// Everything doctor found. Serialises to the `--json` document.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    /// Config file, credential source, file permissions.
    pub local: Vec<Check>,
    /// Where the credential came from ("environment variables").
    pub credential_source: String,
    /// The kind of credential.
    pub auth_kind: AuthKind,
    /// The API base URL.
    pub api_url: String,
    /// Reachability, account, workspaces.
    pub connection: Vec<Check>,
    /// The account behind the credential, if it could be read.
    pub account: Option<Account>,
    /// Workspace slugs the credential sees.
    pub workspaces: Vec<String>,
    /// Every read request made, in order.
    pub probes: Vec<Probe>,
    /// List, add, relabel and delete for repository and project keys.
    pub operations: Vec<OperationRow>,
    /// Sentences that explain the table (access tokens, untested writes, granted scopes).
    pub notes: Vec<String>,
    /// The overall result.
    pub outcome: Outcome,
}

impl DoctorReport {
    /// A report for when no client could be built (no credential, a broken config): only the
    /// local checks say something. Every operation is not verified; a caller that knows the
    /// forge replaces [`DoctorReport::operations`] with that forge's table.
    pub fn not_configured(local: Vec<Check>, credential_source: &str, api_url: &str) -> Self {
        let why = "no usable credential";
        DoctorReport {
            local,
            credential_source: credential_source.to_string(),
            auth_kind: AuthKind::None,
            api_url: api_url.to_string(),
            connection: vec![Check::new(
                "connection",
                CheckStatus::Skipped,
                "not tried without a credential",
            )],
            account: None,
            workspaces: Vec::new(),
            probes: Vec::new(),
            operations: unjudged_rows(why),
            notes: Vec::new(),
            outcome: Outcome::CannotAuthenticate,
        }
    }

    /// Whether bbkeys can work with this credential at all.
    pub fn is_ready(&self) -> bool {
        self.outcome == Outcome::Ready
    }

    /// The account as one line: "Dana Demo (dana-demo)".
    pub fn account_line(&self) -> Option<String> {
        self.account.as_ref().map(Account::line)
    }

    /// The report of `forge`'s answer with the local checks of `setup`.
    fn from_answer(setup: DoctorSetup, answer: CredentialReport) -> Self {
        DoctorReport {
            local: setup.local,
            credential_source: setup.credential_source,
            auth_kind: answer.auth_kind,
            api_url: answer.api_url,
            connection: answer.connection,
            account: answer.account,
            workspaces: answer.workspaces,
            probes: answer.probes,
            operations: answer.operations,
            notes: answer.notes,
            outcome: answer.outcome,
        }
    }
}

/// Every key operation, not verified for `why`, without naming what it needs.
fn unjudged_rows(why: &str) -> Vec<OperationRow> {
    [KeyOwner::Repository, KeyOwner::Project]
        .into_iter()
        .flat_map(|owner| {
            [
                KeyAction::List,
                KeyAction::Add,
                KeyAction::Relabel,
                KeyAction::Delete,
            ]
            .into_iter()
            .map(move |action| OperationRow {
                action,
                owner,
                scopes: Vec::new(),
                verdict: Verdict::NotVerified {
                    why: why.to_string(),
                },
            })
        })
        .collect()
}

/// Asks `forge` what the credential can do (reads only) and adds the local checks of `setup`.
pub async fn diagnose(forge: &dyn Forge, setup: DoctorSetup) -> DoctorReport {
    let in_place = setup.edit_strategy == EditStrategy::InPlace;
    let answer = forge.diagnose(in_place).await;
    DoctorReport::from_answer(setup, answer)
}

/// What doctor needs to know besides the client.
#[derive(Debug, Clone)]
pub struct DoctorSetup {
    /// The local checks (from [`local_checks`]).
    pub local: Vec<Check>,
    /// Where the credential came from, for the report.
    pub credential_source: String,
    /// How relabels are done: it decides which scopes a relabel needs.
    pub edit_strategy: EditStrategy,
}

impl DoctorSetup {
    /// A setup without local checks, for a caller that already has a client and knows where
    /// its credential came from (the TUI's Credentials view).
    pub fn for_source(credential_source: impl Into<String>, edit_strategy: EditStrategy) -> Self {
        DoctorSetup {
            local: Vec::new(),
            credential_source: credential_source.into(),
            edit_strategy,
        }
    }
}

#[cfg(test)]
mod tests;
