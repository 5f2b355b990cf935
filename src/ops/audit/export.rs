//! The audit as one JSON document or as CSV: what `bbkeys audit --json|--csv` prints and what
//! the TUI's `E` writes, built in one place so the two cannot differ.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use super::Timestamp;
use super::codes::{Finding, Severity};
use super::findings::codes_for_holding;
use super::inventory::{
    Inventory, KeyEntry, KeyHolding, SkippedPlace, UnparsableKey, UnreadableListing,
};
use crate::config::AuditConfig;
use crate::forge::Place;
use crate::sshkey::Fingerprint;

/// Counts for a reader who wants the gist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditSummary {
    /// Distinct keys.
    pub keys: usize,
    /// Key holdings (one key on one repository or project).
    pub holdings: usize,
    /// Repository listings read.
    pub repositories_read: usize,
    /// Project listings read.
    pub projects_read: usize,
    /// Listings that could not be read (places skipped as not administered left out).
    pub unreadable: usize,
    /// Repositories and projects skipped because the credential does not administer them.
    pub not_permitted: usize,
    /// Findings per severity (`high`, `medium`, `low`, `info`; zero counts included).
    pub findings: BTreeMap<&'static str, usize>,
}

/// The audit of one workspace: the JSON document of `bbkeys audit --json`.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport<'a> {
    /// Workspace slug.
    pub workspace: &'a str,
    /// When the scan was made.
    pub scanned_at: Timestamp,
    /// The clock the rules were applied with.
    pub audited_at: Timestamp,
    /// Whether the scan came from the cache.
    pub cached: bool,
    /// The thresholds in force.
    pub thresholds: AuditConfig,
    /// Counts.
    pub summary: AuditSummary,
    /// One entry per distinct key.
    pub inventory: &'a [KeyEntry],
    /// Every finding, most severe first.
    pub findings: &'a [Finding],
    /// Listings the scan could not read, with the reason.
    pub unreadable: Vec<&'a UnreadableListing>,
    /// Places skipped because the credential does not administer them.
    pub skipped: Vec<SkippedPlace>,
    /// Keys whose text could not be read.
    pub unparsable_keys: &'a [UnparsableKey],
}

impl<'a> AuditReport<'a> {
    /// Puts the pieces together.
    pub fn new(
        inventory: &'a Inventory,
        findings: &'a [Finding],
        thresholds: AuditConfig,
        audited_at: OffsetDateTime,
        cached: bool,
    ) -> AuditReport<'a> {
        let mut by_severity: BTreeMap<&'static str, usize> = [
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
        .iter()
        .map(|s| (s.as_str(), 0))
        .collect();
        for f in findings {
            *by_severity.entry(f.severity.as_str()).or_default() += 1;
        }
        let unreadable = inventory.read_failures();
        let skipped = inventory.skipped();
        AuditReport {
            workspace: &inventory.workspace,
            scanned_at: inventory.scanned_at,
            audited_at: Timestamp(audited_at),
            cached,
            thresholds,
            summary: AuditSummary {
                keys: inventory.keys.len(),
                holdings: inventory.holdings(),
                repositories_read: inventory.repositories_read,
                projects_read: inventory.projects_read,
                unreadable: unreadable.len(),
                not_permitted: skipped.len(),
                findings: by_severity,
            },
            inventory: &inventory.keys,
            findings,
            unreadable,
            skipped,
            unparsable_keys: &inventory.unparsable,
        }
    }

    /// Pretty-printed JSON.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// One row per key holding, with a `findings` column of semicolon-separated codes.
    /// Unreadable listings hold no known keys and so have no row; they are in the JSON.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(CSV_HEADER);
        out.push('\n');
        for e in self.inventory {
            for h in &e.holdings {
                csv_row(&mut out, h, Some(e), self.findings);
            }
        }
        for u in self.unparsable_keys {
            csv_row(&mut out, &u.holding, None, self.findings);
        }
        out
    }
}

/// The CSV header of [`AuditReport::to_csv`].
pub const CSV_HEADER: &str = "workspace,scope,repo,project,id,label,comment,fingerprint,key_type,bits,created_on,last_used,reach,findings";

fn csv_row(out: &mut String, h: &KeyHolding, e: Option<&KeyEntry>, findings: &[Finding]) {
    let (ws, repo, project) = match &h.scope {
        Place::Repository {
            owner: workspace,
            repo,
            ..
        } => (workspace, repo.as_str(), ""),
        Place::Project {
            owner: workspace,
            project,
            ..
        } => (workspace, "", project.as_str()),
    };
    let fp: Option<&Fingerprint> = e.map(|e| &e.fingerprint);
    let codes: Vec<&str> = codes_for_holding(findings, fp, h)
        .iter()
        .map(|c| c.as_str())
        .collect();
    let date = |t: &Option<Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    let cols = [
        ws.clone(),
        h.scope.kind().to_string(),
        repo.to_string(),
        project.to_string(),
        h.id.to_string(),
        h.label.clone(),
        h.comment.clone().unwrap_or_default(),
        fp.map(|f| f.to_string()).unwrap_or_default(),
        e.map(|e| e.key_type.clone()).unwrap_or_default(),
        e.map(|e| e.bits.to_string()).unwrap_or_default(),
        date(&h.created_on),
        date(&h.last_used),
        e.map(|e| e.reach.to_string()).unwrap_or_default(),
        codes.join(";"),
    ];
    let line: Vec<String> = cols.iter().map(|c| csv_field(c)).collect();
    out.push_str(&line.join(","));
    out.push('\n');
}

/// Quotes where needed, and defuses a leading formula character: labels are server text, and
/// a label such as `=HYPERLINK(...)` must not run when the file is opened in a spreadsheet.
fn csv_field(s: &str) -> String {
    let defused = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if defused != s || s.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("ci"), "ci");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "\"'=1+1\"");
        assert_eq!(csv_field("dsa;shared"), "\"dsa;shared\"");
    }
}
