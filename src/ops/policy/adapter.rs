//! The one place that reads the audit's inventory and findings: everything else in the policy
//! gate works on [`PolicyInput`], so a change to the inventory's shape is fixed here alone.

use super::{GateFinding, PlaceRef, PolicyHolding, PolicyInput, PolicyKey, Severity};
use crate::forge::Place;
use crate::ops::audit::{self, Finding, FindingCode, Inventory};

/// The audit's finding codes, which `severity` in a policy may also name.
pub fn audit_codes() -> Vec<&'static str> {
    FindingCode::ALL.iter().map(|c| c.as_str()).collect()
}

/// The audit's rule for a code in one sentence (SARIF rule help); `None` for a code that is not
/// the audit's.
pub fn audit_rule_text(code: &str, rules: &crate::config::AuditConfig) -> Option<String> {
    FindingCode::ALL
        .into_iter()
        .find(|c| c.as_str() == code)
        .map(|c| c.rule(rules))
}

/// The audit's built-in severity of a code (info for a code that is not the audit's).
pub fn audit_severity(code: &str) -> Severity {
    FindingCode::ALL
        .into_iter()
        .find(|c| c.as_str() == code)
        .map_or(Severity::Info, |c| severity(c.severity()))
}

/// Builds the gate's input from one workspace's inventory and audit findings.
/// `forge_has_expiry` is false on Bitbucket Cloud, whose keys never expire.
pub fn from_audit(inv: &Inventory, findings: &[Finding], forge_has_expiry: bool) -> PolicyInput {
    let keys = inv
        .keys
        .iter()
        .map(|e| PolicyKey {
            fingerprint: e.fingerprint.to_string(),
            algorithm: e.key_type.clone(),
            bits: e.bits,
            reach: e.reach,
            holdings: e
                .holdings
                .iter()
                .map(|h| PolicyHolding {
                    place: place(&inv.workspace, Some(&h.scope)),
                    key_id: h.id,
                    label: h.label.clone(),
                    created_on: h.created_on.map(|t| t.0),
                    last_used: h.last_used.map(|t| t.0),
                    expires_on: h.expires_on.map(|t| t.0),
                })
                .collect(),
        })
        .collect();
    let audit_findings = findings
        .iter()
        .map(|f| GateFinding {
            code: f.code.as_str().to_string(),
            severity: severity(f.severity),
            place: place(&inv.workspace, f.location.as_ref()),
            fingerprint: f.fingerprint.as_ref().map(|fp| fp.to_string()),
            key_id: f.key_id,
            reason: f.reason.clone(),
        })
        .collect();
    PolicyInput {
        workspace: inv.workspace.clone(),
        forge_has_expiry,
        keys,
        audit_findings,
    }
}

fn severity(s: audit::Severity) -> Severity {
    match s {
        audit::Severity::High => Severity::High,
        audit::Severity::Medium => Severity::Medium,
        audit::Severity::Low => Severity::Low,
        audit::Severity::Info => Severity::Info,
    }
}

fn place(ws: &str, scope: Option<&Place>) -> PlaceRef {
    match scope {
        Some(Place::Repository { owner, repo, .. }) => PlaceRef {
            workspace: owner.clone(),
            project: None,
            repo: Some(repo.clone()),
        },
        Some(Place::Project { owner, project, .. }) => PlaceRef {
            workspace: owner.clone(),
            project: Some(project.clone()),
            repo: None,
        },
        None => PlaceRef {
            workspace: ws.to_string(),
            project: None,
            repo: None,
        },
    }
}
