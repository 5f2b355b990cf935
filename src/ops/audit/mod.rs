//! Key inventory and audit of a workspace (issue 7).
//!
//! Everything here is pure: a [`Snapshot`] of a scan goes in, an [`Inventory`] (one entry per
//! distinct key, indexed by fingerprint) and a list of [`Finding`]s come out. The clock is a
//! parameter, never read here, so the TUI, the CLI and the tests get the same answer for the
//! same data and the same `now`. Nothing is printed: callers decide how to show it.
//!
//! Typical use:
//! ```no_run
//! # use bbkeys::ops::audit::{Snapshot, Inventory, audit};
//! # fn f(scan: &bbkeys::ops::scan::WorkspaceScan, rules: &bbkeys::config::AuditConfig) {
//! let now = time::OffsetDateTime::now_utc();
//! let snapshot = Snapshot::from_scan(scan, now);
//! let inventory = Inventory::build(&snapshot);
//! let findings = audit(&inventory, rules, now);
//! # }
//! ```

mod badge;
#[cfg(test)]
mod badge_tests;
mod codes;
mod edits;
mod export;
mod findings;
mod grants;
mod inventory;
mod parsed_texts;
mod search;
mod snapshot;
mod stored;
#[cfg(test)]
mod tests;

pub use badge::{Badge, BadgeIndex, age_text, badge, sentence};
pub use codes::{Finding, FindingCode, Severity};
pub use export::{AuditReport, AuditSummary, CSV_HEADER};
pub use findings::{audit, codes_for_holding, rules_markdown_table};
pub use inventory::{
    Direction, Inventory, KeyColumn, KeyEntry, KeyHolding, SkippedPlace, SortOrder, UnparsableKey,
    UnreadableListing,
};
pub use snapshot::{Listing, ListingFailure, Snapshot};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A point in time, written as RFC 3339 in JSON (the form Bitbucket uses for `created_on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub OffsetDateTime);

impl Timestamp {
    /// Reads a Bitbucket date. A date that cannot be read counts as unknown rather than failing
    /// the whole audit: one odd field must not hide every other finding.
    pub fn parse(s: &str) -> Option<Timestamp> {
        OffsetDateTime::parse(s.trim(), &Rfc3339)
            .ok()
            .map(Timestamp)
    }

    /// `YYYY-MM-DD` in UTC, for tables.
    pub fn date(&self) -> String {
        let d = self.0.to_offset(time::UtcOffset::UTC).date();
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    }

    /// Calendar days (UTC) from `self` to `now`, negative when `self` lies in the future.
    /// Calendar days rather than elapsed 24-hour spans, so the count agrees with the dates a
    /// person sees in the reason.
    pub fn days_before(&self, now: OffsetDateTime) -> i64 {
        let utc = time::UtcOffset::UTC;
        (now.to_offset(utc).date() - self.0.to_offset(utc).date()).whole_days()
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // UTC so that two scans of the same data print the same text wherever they ran.
        match self.0.to_offset(time::UtcOffset::UTC).format(&Rfc3339) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not an RFC 3339 time")))
    }
}
