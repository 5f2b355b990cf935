//! The audit rules: each turns part of an inventory into findings with a severity and a reason.

use time::OffsetDateTime;

use super::codes::{Finding, FindingCode};
use super::inventory::{Inventory, KeyEntry, KeyHolding};
use crate::config::AuditConfig;
use crate::forge::Place;
use crate::sshkey::{Fingerprint, MIN_RSA_BITS};

/// Audits an inventory. `now` is injected: the rules about unused keys depend on it, and a
/// test must not drift with the calendar. Findings come sorted by severity, then code, then
/// key and place.
pub fn audit(inv: &Inventory, rules: &AuditConfig, now: OffsetDateTime) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in &inv.keys {
        key_findings(e, inv, rules, now, &mut out);
    }
    for u in &inv.unparsable {
        out.push(
            Finding::new(
                FindingCode::UnparsableKey,
                format!("bbkeys cannot read this key's text: {}", u.reason),
            )
            .at(&u.holding),
        );
    }
    for u in &inv.unreadable {
        // Most people administer some projects of a workspace and not others: that is how the
        // account is set up, not a gap in the scan to chase.
        let mut f = if u.not_permitted() {
            Finding::new(
                FindingCode::NotPermitted,
                format!(
                    "you do not administer {}, so its keys were not read",
                    u.target
                ),
            )
        } else {
            Finding::new(FindingCode::Unreadable, u.failure.reason.clone())
        };
        f.location = u.location.clone();
        out.push(f);
    }
    out.sort_by(|a, b| {
        (a.severity, a.code, &a.fingerprint, &a.location, a.key_id).cmp(&(
            b.severity,
            b.code,
            &b.fingerprint,
            &b.location,
            b.key_id,
        ))
    });
    out
}

fn key_findings(
    e: &KeyEntry,
    inv: &Inventory,
    rules: &AuditConfig,
    now: OffsetDateTime,
    out: &mut Vec<Finding>,
) {
    let fp = &e.fingerprint;
    strength_findings(e, out);
    usage_findings(e, rules, now, out);
    super::grants::grant_findings(e, now, out);
    if e.reach > rules.shared_threshold as usize {
        let projects = e.projects.iter().cloned().collect::<Vec<_>>().join(", ");
        let via = if e.projects.is_empty() {
            String::new()
        } else if e.repositories.is_empty() {
            format!(" (all through project {projects})")
        } else {
            format!(
                " ({} directly, the rest through project {})",
                e.repositories.len(),
                projects
            )
        };
        out.push(
            Finding::new(
                FindingCode::Shared,
                format!(
                    "reaches {} repositories{via}, more than {}: one leaked copy opens all of them",
                    e.reach, rules.shared_threshold
                ),
            )
            .key(fp),
        );
    }
    if e.labels.len() > 1 {
        out.push(
            Finding::new(
                FindingCode::ManyLabels,
                format!(
                    "the same key under {} labels: {}",
                    e.labels.len(),
                    e.labels_text()
                ),
            )
            .key(fp),
        );
    }
    for h in &e.holdings {
        if let Place::Project { project, .. } = &h.scope {
            let n = inv
                .project_repositories
                .get(project)
                .map(|r| r.len())
                .unwrap_or_default();
            let s = if n == 1 { "y" } else { "ies" };
            out.push(
                Finding::new(
                    FindingCode::ProjectKey,
                    format!(
                        "project key of {project}: reads every repository of the project, {n} repositor{s} you administer today and any added later"
                    ),
                )
                .key(fp)
                .at(h),
            );
        }
    }
}

/// Weak or legacy key types.
fn strength_findings(e: &KeyEntry, out: &mut Vec<Finding>) {
    let fp = &e.fingerprint;
    if e.key_type == "ssh-dss" {
        out.push(
            Finding::new(
                FindingCode::Dsa,
                format!(
                    "DSA key ({} bits): OpenSSH 10.0 removed DSA; replace it with an Ed25519 key",
                    e.bits
                ),
            )
            .key(fp),
        );
    } else if e.key_type == "ssh-rsa" && e.bits < MIN_RSA_BITS {
        out.push(
            Finding::new(
                FindingCode::RsaUnder2048,
                format!(
                    "RSA key of {} bits: under {MIN_RSA_BITS} bits can be broken, and Bitbucket no longer accepts such keys; replace it",
                    e.bits
                ),
            )
            .key(fp),
        );
    } else if e.key_type == "ssh-rsa" && e.bits == MIN_RSA_BITS {
        out.push(
            Finding::new(
                FindingCode::Rsa2048,
                format!("RSA key of {MIN_RSA_BITS} bits: acceptable but legacy; use Ed25519 at the next rotation"),
            )
            .key(fp),
        );
    }
}

/// Holdings unused for too long, or never used since long ago.
fn usage_findings(e: &KeyEntry, rules: &AuditConfig, now: OffsetDateTime, out: &mut Vec<Finding>) {
    let fp = &e.fingerprint;
    // Bitbucket tracks use per holding, so a shared key may be busy on one repository and
    // idle on another: the idle access is what can be removed.
    for h in &e.holdings {
        match (h.last_used, h.created_on) {
            (None, Some(created)) => {
                let days = created.days_before(now);
                if days > i64::from(rules.unused_never_days) {
                    out.push(
                        Finding::new(
                            FindingCode::NeverUsed,
                            format!(
                                "never used on {}, added {} ({days} days ago)",
                                h.scope,
                                created.date()
                            ),
                        )
                        .key(fp)
                        .at(h),
                    );
                }
            }
            (Some(used), _) => {
                let days = used.days_before(now);
                if days > i64::from(rules.unused_days) {
                    out.push(
                        Finding::new(
                            FindingCode::Unused,
                            format!(
                                "not used on {} since {} ({days} days ago)",
                                h.scope,
                                used.date()
                            ),
                        )
                        .key(fp)
                        .at(h),
                    );
                }
            }
            // Never used and of unknown age: nothing can be said honestly.
            (None, None) => {}
        }
    }
}

/// The finding codes that apply to one holding: those about its key everywhere, and those about
/// this very place. This is the `findings` column of the CSV export.
pub fn codes_for_holding(
    findings: &[Finding],
    fp: Option<&Fingerprint>,
    h: &KeyHolding,
) -> Vec<FindingCode> {
    let mut codes: Vec<FindingCode> = findings
        .iter()
        .filter(|f| match (&f.fingerprint, fp) {
            (Some(ffp), Some(fp)) => {
                ffp == fp
                    && match &f.location {
                        None => true,
                        Some(loc) => *loc == h.scope && f.key_id == Some(h.id),
                    }
            }
            // Keys without a fingerprint are matched by place and id alone.
            (None, None) => f.location.as_ref() == Some(&h.scope) && f.key_id == Some(h.id),
            _ => false,
        })
        .map(|f| f.code)
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// The rules as a Markdown table (code, severity, rule), for the README.
pub fn rules_markdown_table(rules: &AuditConfig) -> String {
    let mut out = String::from("| Code | Severity | Rule |\n|---|---|---|\n");
    for code in FindingCode::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.as_str(),
            code.severity().as_str(),
            code.rule(rules)
        ));
    }
    out
}
