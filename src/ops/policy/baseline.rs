//! Baselines: findings accepted for a while, each with a reason and the last day it is
//! accepted. A run with a baseline reports only what is new, or whose acceptance ran out.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use super::GateFinding;

/// The baseline file's format version; a later bbkeys reads version 1.
pub const BASELINE_VERSION: u32 = 1;

/// The reason written when `--baseline-reason` is not given.
pub const DEFAULT_REASON: &str = "accepted in baseline";

/// Days an entry is accepted when `--baseline-days` is not given.
pub const DEFAULT_DAYS: u32 = 90;

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// The accepted findings.
    pub entries: Vec<BaselineEntry>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// The finding's stable id (`GateFinding::stable_id`), what matching uses.
    pub id: String,
    /// Its code, for a person reading the file.
    pub code: String,
    /// Where, for a person.
    pub place: String,
    /// The key, for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Why it is accepted.
    pub reason: String,
    /// The last day (UTC, `YYYY-MM-DD`) it is accepted.
    pub expires: String,
}

/// A baseline file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BaselineError(pub String);

/// What is left once a baseline is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// New findings, and those whose acceptance has run out.
    pub remaining: Vec<GateFinding>,
    /// How many findings the baseline accepted.
    pub accepted: usize,
    /// How many remaining findings had an entry that has run out.
    pub expired: usize,
}

fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, &fmt).ok()
}

fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl Baseline {
    /// Reads a baseline file's text, checking its version and dates.
    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        let b: Baseline = serde_json::from_str(text)
            .map_err(|e| BaselineError(format!("it is not a bbkeys baseline: {e}")))?;
        if b.version != BASELINE_VERSION {
            return Err(BaselineError(format!(
                "it has format version {}, and this bbkeys reads version {BASELINE_VERSION}",
                b.version
            )));
        }
        if let Some(e) = b.entries.iter().find(|e| parse_date(&e.expires).is_none()) {
            return Err(BaselineError(format!(
                "the entry for {} at {} expires on {:?}, which is not a YYYY-MM-DD date",
                e.code, e.place, e.expires
            )));
        }
        Ok(b)
    }

    /// Pretty JSON, one entry per finding.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// Drops the findings this baseline still accepts on `now`'s date.
    pub fn apply(&self, findings: Vec<GateFinding>, now: OffsetDateTime) -> Applied {
        let today = now.to_offset(time::UtcOffset::UTC).date();
        let by_id: HashMap<&str, &BaselineEntry> =
            self.entries.iter().map(|e| (e.id.as_str(), e)).collect();
        let (mut accepted, mut expired) = (0, 0);
        let mut remaining = Vec::new();
        for f in findings {
            let entry = by_id.get(f.stable_id().as_str());
            match entry.and_then(|e| parse_date(&e.expires)) {
                Some(until) if today <= until => accepted += 1,
                Some(until) => {
                    expired += 1;
                    let mut f = f;
                    f.reason = format!(
                        "{} (baseline acceptance ended {})",
                        f.reason,
                        date_text(until)
                    );
                    remaining.push(f);
                }
                None => remaining.push(f),
            }
        }
        Applied {
            remaining,
            accepted,
            expired,
        }
    }

    /// A baseline accepting `findings`: entries still valid in `previous` keep their reason
    /// and date, the others get `reason` and an expiry `days` from `now`.
    pub fn accept(
        findings: &[GateFinding],
        previous: Option<&Baseline>,
        reason: &str,
        days: u32,
        now: OffsetDateTime,
    ) -> Baseline {
        let today = now.to_offset(time::UtcOffset::UTC).date();
        let until = today
            .checked_add(Duration::days(i64::from(days)))
            .unwrap_or(Date::MAX);
        let kept: HashMap<&str, &BaselineEntry> = previous
            .map(|b| {
                b.entries
                    .iter()
                    .filter(|e| parse_date(&e.expires).is_some_and(|d| today <= d))
                    .map(|e| (e.id.as_str(), e))
                    .collect()
            })
            .unwrap_or_default();
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .map(|f| {
                let id = f.stable_id();
                if let Some(e) = kept.get(id.as_str()) {
                    return (*e).clone();
                }
                BaselineEntry {
                    id,
                    code: f.code.clone(),
                    place: f.place.text(),
                    fingerprint: f.fingerprint.clone(),
                    reason: reason.to_string(),
                    expires: date_text(until),
                }
            })
            .collect();
        entries.sort_by(|a, b| (&a.code, &a.place, &a.id).cmp(&(&b.code, &b.place, &b.id)));
        entries.dedup_by(|a, b| a.id == b.id);
        Baseline {
            version: BASELINE_VERSION,
            entries,
        }
    }
}
