//! The CI policy gate (issue 19): rules an administrator sets, checked against a workspace's
//! keys, with severity overrides, a baseline of accepted findings, and the reports CI reads
//! (SARIF, Markdown).
//!
//! The rules work on a small [`PolicyInput`] that [`adapter::from_audit`] builds from the audit's
//! inventory and findings: that one function is the only place that knows the inventory's field
//! names, so the inventory can change shape without touching the rules.
//!
//! Everything here is pure: the clock is a parameter and nothing is printed.

pub mod adapter;
pub mod baseline;
mod file;
pub mod markdown;
mod rules;
pub mod sarif;
#[cfg(test)]
mod tests;

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

pub use file::{Policy, PolicyError, TypeName};
pub use rules::{
    POLICY_CODES, default_severity, evaluate, policy_rule_text, policy_rules_markdown_table,
};

/// How much a finding matters, most severe first (so sorting puts it first). Also the levels of
/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Replace now.
    High,
    /// Fix soon.
    Medium,
    /// Fix at the next rotation.
    Low,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// Every level, most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    /// Reads a lowercase name.
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Whether a finding of this severity fails a gate set at `threshold`.
    pub fn at_least(self, threshold: Severity) -> bool {
        self <= threshold
    }
}

/// Where a key sits: a repository or a project of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PlaceRef {
    /// Workspace slug.
    pub workspace: String,
    /// Project key, for a project key (or a project the scan could not read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Repository slug, for a repository key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
}

impl PlaceRef {
    /// `acme/api`, `acme project OPS`, or `acme` for the workspace itself.
    pub fn text(&self) -> String {
        match (&self.repo, &self.project) {
            (Some(r), _) => format!("{}/{r}", self.workspace),
            (None, Some(p)) => format!("{} project {p}", self.workspace),
            (None, None) => self.workspace.clone(),
        }
    }
}

/// One finding of the gate: an audit finding or a policy violation, with its effective
/// severity (after the policy's overrides).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateFinding {
    /// The finding code (`dsa`, `max_age`, ...).
    pub code: String,
    /// Its severity after overrides.
    pub severity: Severity,
    /// Where it applies.
    pub place: PlaceRef,
    /// The key, when it is about a key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The key's id at `place`, for findings about one holding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<u64>,
    /// One line for a person.
    pub reason: String,
}

impl GateFinding {
    /// The identity of the finding across runs: code, place and key, and not the reason (which
    /// carries day counts that change every day) nor the key id (a key removed and added again
    /// is still the same finding).
    pub fn identity(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.code,
            self.place.workspace,
            self.place.project.as_deref().unwrap_or(""),
            self.place.repo.as_deref().unwrap_or(""),
            self.fingerprint.as_deref().unwrap_or("")
        )
    }

    /// A short stable hash of [`identity`](Self::identity), for SARIF's `partialFingerprints`
    /// and the baseline.
    pub fn stable_id(&self) -> String {
        let digest = Sha256::digest(self.identity().as_bytes());
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// One repository or project holding of a key, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyHolding {
    /// Where.
    pub place: PlaceRef,
    /// The key id there.
    pub key_id: u64,
    /// The label there (already sanitised).
    pub label: String,
    /// When it was added there.
    pub created_on: Option<OffsetDateTime>,
    /// When it was last used there; `None` when never.
    pub last_used: Option<OffsetDateTime>,
    /// When it expires there; `None` when it does not (or the forge has no expiry).
    pub expires_on: Option<OffsetDateTime>,
}

/// One distinct key, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyKey {
    /// `SHA256:...`.
    pub fingerprint: String,
    /// OpenSSH algorithm name (`ssh-ed25519`, `ssh-rsa`, ...).
    pub algorithm: String,
    /// Size in bits.
    pub bits: u32,
    /// Repositories the key can read, directly or through project keys.
    pub reach: usize,
    /// Every holding.
    pub holdings: Vec<PolicyHolding>,
}

/// What the gate works on: the keys of one workspace and the audit's own findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInput {
    /// Workspace slug.
    pub workspace: String,
    /// Whether the forge has key expiry at all (Bitbucket Cloud has none, so the expiry rules
    /// cannot apply there).
    pub forge_has_expiry: bool,
    /// The keys.
    pub keys: Vec<PolicyKey>,
    /// The audit's findings, converted, with their built-in severities.
    pub audit_findings: Vec<GateFinding>,
}

/// Runs the gate over one workspace: the audit's findings plus the policy's, with the
/// policy's severity overrides applied to both, sorted most severe first.
pub fn gate(policy: &Policy, input: &PolicyInput, now: OffsetDateTime) -> Vec<GateFinding> {
    let mut out = input.audit_findings.clone();
    out.extend(evaluate(policy, input, now));
    for f in &mut out {
        if let Some(s) = policy.severity.get(&f.code) {
            f.severity = *s;
        }
    }
    out.sort_by(|a, b| {
        (a.severity, &a.code, &a.place, &a.fingerprint, a.key_id).cmp(&(
            b.severity,
            &b.code,
            &b.place,
            &b.fingerprint,
            b.key_id,
        ))
    });
    out
}

/// Whether any finding is at or above `threshold`.
pub fn fails(findings: &[GateFinding], threshold: Severity) -> bool {
    findings.iter().any(|f| f.severity.at_least(threshold))
}
