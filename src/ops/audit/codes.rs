//! The vocabulary of an audit: the codes of findings, their severities and rules, and one
//! finding. The rules that produce findings (`findings`, `grants`) and the views that show
//! them (`badge`, `export`) all speak it.

use serde::Serialize;

use super::inventory::KeyHolding;
use crate::config::AuditConfig;
use crate::forge::Place;
use crate::sshkey::{Fingerprint, MIN_RSA_BITS};

/// How much a finding deserves attention. Declared most severe first, so sorting puts it first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Replace now.
    High,
    /// Probably unneeded access, or a gap in the audit.
    Medium,
    /// Acceptable, worth changing on the next rotation.
    Low,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// The lowercase name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// What a finding is about. Each code has one fixed severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingCode {
    /// A DSA key.
    Dsa,
    /// An RSA key under 2048 bits.
    RsaUnder2048,
    /// An RSA key of exactly 2048 bits.
    Rsa2048,
    /// Never used, and added longer ago than the threshold.
    NeverUsed,
    /// Not used for longer than the threshold.
    Unused,
    /// On more repositories than the threshold.
    Shared,
    /// One key under several labels.
    ManyLabels,
    /// A repository, project or the project list the scan could not read.
    Unreadable,
    /// A repository or project the credential does not administer, so its keys were not read.
    NotPermitted,
    /// A project key, with how many repositories it reaches.
    ProjectKey,
    /// A key whose text bbkeys cannot read.
    UnparsableKey,
    /// A grant that lets the key push (Data Center `write`), per place.
    WriteAccess,
    /// A key past its expiry.
    Expired,
    /// A key that expires within [`EXPIRY_WARNING_DAYS`].
    ExpiresSoon,
}

/// How many days ahead an expiry is reported.
pub const EXPIRY_WARNING_DAYS: i64 = 14;

impl FindingCode {
    /// Every code, in the order of the README table.
    pub const ALL: [FindingCode; 14] = [
        FindingCode::Dsa,
        FindingCode::RsaUnder2048,
        FindingCode::Rsa2048,
        FindingCode::NeverUsed,
        FindingCode::Unused,
        FindingCode::Shared,
        FindingCode::ManyLabels,
        FindingCode::Unreadable,
        FindingCode::NotPermitted,
        FindingCode::ProjectKey,
        FindingCode::UnparsableKey,
        FindingCode::WriteAccess,
        FindingCode::Expired,
        FindingCode::ExpiresSoon,
    ];

    /// The snake-case code, as in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::Dsa => "dsa",
            FindingCode::RsaUnder2048 => "rsa_under_2048",
            FindingCode::Rsa2048 => "rsa_2048",
            FindingCode::NeverUsed => "never_used",
            FindingCode::Unused => "unused",
            FindingCode::Shared => "shared",
            FindingCode::ManyLabels => "many_labels",
            FindingCode::Unreadable => "unreadable",
            FindingCode::NotPermitted => "not_permitted",
            FindingCode::ProjectKey => "project_key",
            FindingCode::UnparsableKey => "unparsable_key",
            FindingCode::WriteAccess => "write_access",
            FindingCode::Expired => "expired",
            FindingCode::ExpiresSoon => "expires_soon",
        }
    }

    /// The severity of every finding with this code.
    pub fn severity(self) -> Severity {
        match self {
            FindingCode::Dsa | FindingCode::RsaUnder2048 | FindingCode::WriteAccess => {
                Severity::High
            }
            FindingCode::NeverUsed
            | FindingCode::Unused
            | FindingCode::Unreadable
            | FindingCode::Expired
            | FindingCode::ExpiresSoon => Severity::Medium,
            FindingCode::Rsa2048 | FindingCode::UnparsableKey => Severity::Low,
            FindingCode::Shared
            | FindingCode::ManyLabels
            | FindingCode::NotPermitted
            | FindingCode::ProjectKey => Severity::Info,
        }
    }

    /// The rule in one sentence, with the configured thresholds.
    pub fn rule(self, rules: &AuditConfig) -> String {
        match self {
            FindingCode::Dsa => "DSA key (`ssh-dss`): removed from OpenSSH 10.0".into(),
            FindingCode::RsaUnder2048 => format!("RSA key under {MIN_RSA_BITS} bits"),
            FindingCode::Rsa2048 => format!("RSA key of exactly {MIN_RSA_BITS} bits (legacy)"),
            FindingCode::NeverUsed => format!(
                "never used, and added more than {} days ago (`unused_never_days`)",
                rules.unused_never_days
            ),
            FindingCode::Unused => format!(
                "not used for more than {} days (`unused_days`)",
                rules.unused_days
            ),
            FindingCode::Shared => format!(
                "one key reaches more than {} repositories, directly or through project keys (`shared_threshold`)",
                rules.shared_threshold
            ),
            FindingCode::ManyLabels => "one key under different labels".into(),
            FindingCode::Unreadable => {
                "a repository, project or the project list the scan could not read, with the reason"
                    .into()
            }
            FindingCode::NotPermitted => {
                "a repository or project you do not administer: its keys were not read".into()
            }
            FindingCode::ProjectKey => {
                "a project key, with how many repositories it reaches".into()
            }
            FindingCode::UnparsableKey => "a key whose text bbkeys cannot read".into(),
            FindingCode::WriteAccess => {
                "a grant with write access (Data Center): a leaked key can push, even unsigned commits"
                    .into()
            }
            FindingCode::Expired => {
                "a key past its expiry (Data Center): it no longer works; remove it or replace it"
                    .into()
            }
            FindingCode::ExpiresSoon => format!(
                "a key that expires within {EXPIRY_WARNING_DAYS} days (Data Center): expiry cannot be extended, so add its successor now"
            ),
        }
    }
}

impl Serialize for FindingCode {
    // By hand, from `as_str`: serde's snake case would write `rsa_under2048`, and JSON, CSV
    // and the README must all say the same code.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of finding.
    pub code: FindingCode,
    /// How much it matters (fixed per code).
    pub severity: Severity,
    /// The key it is about, when it is about a key.
    pub fingerprint: Option<Fingerprint>,
    /// The repository or project it is about; `None` for findings about a key everywhere it
    /// sits, and for the workspace's project list.
    pub location: Option<Place>,
    /// The key id at `location`, for findings about one holding (to pass to `keys rm`).
    pub key_id: Option<u64>,
    /// One line for a person.
    pub reason: String,
}

impl Finding {
    pub(super) fn new(code: FindingCode, reason: String) -> Finding {
        Finding {
            code,
            severity: code.severity(),
            fingerprint: None,
            location: None,
            key_id: None,
            reason,
        }
    }

    pub(super) fn key(mut self, fp: &Fingerprint) -> Finding {
        self.fingerprint = Some(fp.clone());
        self
    }

    pub(super) fn at(mut self, h: &KeyHolding) -> Finding {
        self.location = Some(h.scope.clone());
        self.key_id = Some(h.id);
        self
    }
}
