//! The audit rules: each turns part of an inventory into findings with a severity and a reason.

use serde::Serialize;
use time::OffsetDateTime;

use super::inventory::{Inventory, KeyEntry, KeyHolding};
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
