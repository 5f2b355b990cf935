//! Findings about what a key's grants allow and how long it lives, driven by the fields of
//! [`crate::forge::AccessKey`] alone (Data Center has them; Cloud keys are read-only and never
//! expire, so they give none).

use time::OffsetDateTime;

use super::codes::{EXPIRY_WARNING_DAYS, Finding, FindingCode};
use super::inventory::KeyEntry;
use crate::forge::Permission;
use crate::ops::expiry::{days_left, describe};

/// Write access, per grant (a leaked key can push there), and the key's expiry: past, or
/// within [`EXPIRY_WARNING_DAYS`].
pub(super) fn grant_findings(e: &KeyEntry, now: OffsetDateTime, out: &mut Vec<Finding>) {
    let fp = &e.fingerprint;
    for h in e
        .holdings
        .iter()
        .filter(|h| h.permission == Permission::Write)
    {
        out.push(
            Finding::new(
                FindingCode::WriteAccess,
                format!(
                    "write access on {}: whoever holds this key can push there, unsigned commits included",
                    h.scope
                ),
            )
            .key(fp)
            .at(h),
        );
    }
    // Expiry belongs to the key, the same at every grant.
    let Some(at) = e.holdings.iter().find_map(|h| h.expires_on) else {
        return;
    };
    if at.0 <= now {
        out.push(
            Finding::new(
                FindingCode::Expired,
                format!(
                    "{}: the key no longer works; remove its grants, or add a new key where it is still needed",
                    describe(Some(at.0), now)
                ),
            )
            .key(fp),
        );
    } else if days_left(at.0, now) <= EXPIRY_WARNING_DAYS {
        out.push(
            Finding::new(
                FindingCode::ExpiresSoon,
                format!(
                    "{} (on {}): an expiry cannot be extended, so add its successor before then",
                    describe(Some(at.0), now),
                    at.date()
                ),
            )
            .key(fp),
        );
    }
}
