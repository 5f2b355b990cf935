//! The policy's rules over a [`PolicyInput`]: each one that applies turns keys into findings.

use time::OffsetDateTime;

use super::file::{Policy, TypeName};
use super::{GateFinding, PolicyHolding, PolicyInput, PolicyKey, Severity};

/// The finding codes of the policy's own rules, each with its default severity.
pub const POLICY_CODES: [&str; 9] = [
    "forbidden",
    "type_not_allowed",
    "min_rsa_bits",
    "max_age",
    "max_unused",
    "max_reach",
    "no_expiry",
    "max_expiry",
    "label_pattern",
];

/// The severity of a policy code before any override.
pub fn default_severity(code: &str) -> Severity {
    match code {
        "forbidden" | "type_not_allowed" | "min_rsa_bits" => Severity::High,
        "max_age" | "max_unused" | "max_reach" | "no_expiry" => Severity::Medium,
        _ => Severity::Low,
    }
}

/// The rule behind a policy code in one sentence, for the README, SARIF's rule help and the
/// Markdown report.
pub fn policy_rule_text(code: &str) -> &'static str {
    match code {
        "forbidden" => {
            "the key is on the `forbidden` list of keys known to be compromised: remove it everywhere now"
        }
        "type_not_allowed" => "the key's type is not in `allowed_types`",
        "min_rsa_bits" => "an RSA key shorter than `min_rsa_bits`",
        "max_age" => "the key was added more than `max_age_days` ago: rotate it",
        "max_unused" => {
            "the key was not used (or never used since it was added) for more than `max_unused_days`"
        }
        "max_reach" => "the key reaches more repositories than `max_reach`",
        "no_expiry" => {
            "the key has no expiry while `require_expiry` is set (forges with key expiry only)"
        }
        "max_expiry" => {
            "the key expires further out than `max_expiry_days` (forges with key expiry only)"
        }
        "label_pattern" => "the key's label does not match `label_pattern`",
        _ => "a policy rule",
    }
}

/// The policy's codes as a Markdown table (code, default severity, rule), for the README.
pub fn policy_rules_markdown_table() -> String {
    let mut out = String::from("| Code | Severity | Rule |\n|---|---|---|\n");
    for code in POLICY_CODES {
        out.push_str(&format!(
            "| `{code}` | {} | {} |\n",
            default_severity(code).as_str(),
            policy_rule_text(code)
        ));
    }
    out
}

fn days_between(from: OffsetDateTime, to: OffsetDateTime) -> i64 {
    let utc = time::UtcOffset::UTC;
    (to.to_offset(utc).date() - from.to_offset(utc).date()).whole_days()
}

fn date(t: OffsetDateTime) -> String {
    let d = t.to_offset(time::UtcOffset::UTC).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

struct Out<'a> {
    ws: &'a str,
    findings: Vec<GateFinding>,
}

impl Out<'_> {
    fn key(&mut self, code: &str, k: &PolicyKey, reason: String) {
        // A finding about the key everywhere it sits: placed at the workspace.
        let place = super::PlaceRef {
            workspace: self.ws.to_string(),
            project: None,
            repo: None,
        };
        self.push(code, place, k, None, reason);
    }

    fn holding(&mut self, code: &str, k: &PolicyKey, h: &PolicyHolding, reason: String) {
        self.push(code, h.place.clone(), k, Some(h.key_id), reason);
    }

    fn push(
        &mut self,
        code: &str,
        place: super::PlaceRef,
        k: &PolicyKey,
        key_id: Option<u64>,
        reason: String,
    ) {
        self.findings.push(GateFinding {
            code: code.to_string(),
            severity: default_severity(code),
            place,
            fingerprint: Some(k.fingerprint.clone()),
            key_id,
            reason,
        });
    }
}

/// The policy's findings for one workspace, with their default severities (the caller applies
/// overrides). `now` is injected so tests do not drift with the calendar.
pub fn evaluate(policy: &Policy, input: &PolicyInput, now: OffsetDateTime) -> Vec<GateFinding> {
    let mut out = Out {
        ws: &input.workspace,
        findings: Vec::new(),
    };
    for k in &input.keys {
        key_rules(policy, k, &mut out);
        for h in &k.holdings {
            holding_rules(policy, k, h, input.forge_has_expiry, now, &mut out);
        }
    }
    out.findings
}

fn key_rules(policy: &Policy, k: &PolicyKey, out: &mut Out) {
    if policy.forbidden.contains(&k.fingerprint) {
        out.key(
            "forbidden",
            k,
            format!(
                "known compromised key (on the forbidden list), on {} place(s): remove it everywhere",
                k.holdings.len()
            ),
        );
    }
    if let Some(allowed) = &policy.allowed_types {
        let name = TypeName::of_algorithm(&k.algorithm);
        if !name.is_some_and(|n| allowed.contains(&n)) {
            let list: Vec<&str> = allowed.iter().map(|t| t.as_str()).collect();
            out.key(
                "type_not_allowed",
                k,
                format!(
                    "{} key; the policy allows {}",
                    name.map_or(k.algorithm.as_str(), |n| n.as_str()),
                    list.join(", ")
                ),
            );
        }
    }
    if let Some(min) = policy.min_rsa_bits
        && k.algorithm == "ssh-rsa"
        && k.bits < min
    {
        out.key(
            "min_rsa_bits",
            k,
            format!(
                "RSA key of {} bits; the policy asks for at least {min}",
                k.bits
            ),
        );
    }
    if let Some(max) = policy.max_reach
        && k.reach > max
    {
        out.key(
            "max_reach",
            k,
            format!("reaches {} repositories; the policy allows {max}", k.reach),
        );
    }
}

fn holding_rules(
    policy: &Policy,
    k: &PolicyKey,
    h: &PolicyHolding,
    has_expiry: bool,
    now: OffsetDateTime,
    out: &mut Out,
) {
    let at = h.place.text();
    if let (Some(max), Some(created)) = (policy.max_age_days, h.created_on) {
        let age = days_between(created, now);
        if age > i64::from(max) {
            out.holding(
                "max_age",
                k,
                h,
                format!(
                    "added on {at} {} ({age} days ago); the policy allows {max} days",
                    date(created)
                ),
            );
        }
    }
    if let Some(max) = policy.max_unused_days {
        // Never used counts from the day it was added; unknown age says nothing.
        let idle = match (h.last_used, h.created_on) {
            (Some(used), _) => Some((days_between(used, now), format!("last used {}", date(used)))),
            (None, Some(created)) => Some((
                days_between(created, now),
                format!("never used since it was added {}", date(created)),
            )),
            (None, None) => None,
        };
        if let Some((days, what)) = idle
            && days > i64::from(max)
        {
            out.holding(
                "max_unused",
                k,
                h,
                format!("{what} on {at} ({days} days); the policy allows {max} days"),
            );
        }
    }
    if let Some(re) = &policy.label_pattern
        && !re.is_match(&h.label)
    {
        out.holding(
            "label_pattern",
            k,
            h,
            format!(
                "label {:?} on {at} does not match {:?}",
                h.label,
                re.as_str()
            ),
        );
    }
    if !has_expiry {
        return;
    }
    match h.expires_on {
        None if policy.require_expiry => {
            out.holding(
                "no_expiry",
                k,
                h,
                format!("no expiry on {at}; the policy requires one"),
            );
        }
        Some(exp) => {
            if let Some(max) = policy.max_expiry_days {
                let ahead = days_between(now, exp);
                if ahead > i64::from(max) {
                    out.holding(
                        "max_expiry",
                        k,
                        h,
                        format!(
                            "expires on {at} {} ({ahead} days out); the policy allows {max} days",
                            date(exp)
                        ),
                    );
                }
            }
        }
        None => {}
    }
}
