//! `keys list --where`: the query language over the rows of a listing.
//!
//! A row is one holding (a key on one repository or project), so `used:` is judged per row.
//! `finding:` needs the audit, which needs the whole workspace: it is run on the scan only when
//! the query asks about findings.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::key_row::KeyRow;
use super::output::{CliError, Exit};
use crate::config::AuditConfig;
use crate::forge::{ForgeKind, Place};
use crate::ops::audit::{Inventory, Snapshot, Timestamp, audit, codes_for_holding};
use crate::ops::query::{FIELDS, Holding, Query, parse_query, short_type_name};
use crate::ops::scan::WorkspaceScan;

/// The finding codes of each holding, by place and key id.
pub(super) type HoldingFindings = HashMap<(Place, u64), Vec<&'static str>>;

/// Reads `--where`. A malformed query is a usage error naming the character and the fields.
pub(super) fn parse_where(text: &str) -> Result<Query, CliError> {
    parse_query(text).map_err(|e| {
        let fields: Vec<String> = FIELDS
            .iter()
            .filter(|f| !f.is_empty())
            .map(|f| format!("{f}:"))
            .collect();
        CliError::new(
            Exit::Usage,
            format!(
                "--where: {e}. The fields are {}; a plain word matches the label.",
                fields.join(" ")
            ),
        )
    })
}

/// Audits the scan of a workspace and keeps, per holding, the codes of its findings. The scan
/// is borrowed: the rows are made from it afterwards.
pub(super) fn findings_of_scan(
    scan: &WorkspaceScan,
    rules: &AuditConfig,
    now: OffsetDateTime,
) -> HoldingFindings {
    let inventory = Inventory::build(&Snapshot::from_scan(scan, now));
    let findings = audit(&inventory, rules, now);
    let mut out = HoldingFindings::new();
    for e in &inventory.keys {
        for h in &e.holdings {
            let codes = codes_for_holding(&findings, Some(&e.fingerprint), h);
            out.insert(
                (h.scope.clone(), h.id),
                codes.iter().map(|c| c.as_str()).collect(),
            );
        }
    }
    for u in &inventory.unparsable {
        let codes = codes_for_holding(&findings, None, &u.holding);
        out.insert(
            (u.holding.scope.clone(), u.holding.id),
            codes.iter().map(|c| c.as_str()).collect(),
        );
    }
    out
}

/// A listing row as a query sees it.
struct RowHolding<'a> {
    row: &'a KeyRow,
    codes: &'a [&'static str],
}

fn time_of(s: &Option<String>) -> Option<OffsetDateTime> {
    s.as_deref().and_then(Timestamp::parse).map(|t| t.0)
}

impl Holding for RowHolding<'_> {
    fn label(&self) -> &str {
        &self.row.label
    }
    fn key_type(&self) -> Option<&str> {
        self.row.key_type.as_deref().and_then(short_type_name)
    }
    fn bits(&self) -> Option<u32> {
        self.row.bits
    }
    fn last_used(&self) -> Option<OffsetDateTime> {
        time_of(&self.row.last_used)
    }
    fn added(&self) -> Option<OffsetDateTime> {
        time_of(&self.row.created_on)
    }
    fn repo(&self) -> Option<&str> {
        self.row.repo.as_deref()
    }
    fn project(&self) -> Option<&str> {
        self.row.project.as_deref()
    }
    fn has_finding(&self, code: &str) -> bool {
        self.codes.iter().any(|c| c.eq_ignore_ascii_case(code))
    }
}

/// The place a row sits in, to look its findings up.
fn place_of(row: &KeyRow) -> Place {
    // Only Data Center rows carry a permission.
    let forge = if row.permission.is_some() {
        ForgeKind::DataCenter
    } else {
        ForgeKind::Cloud
    };
    match (&row.repo, &row.project) {
        (Some(repo), _) => Place::repository(forge, row.workspace.clone(), repo.clone()),
        (None, project) => Place::project(
            forge,
            row.workspace.clone(),
            project.clone().unwrap_or_default(),
        ),
    }
}

/// Keeps the rows `q` matches. The label is read cleaned, as tables show it.
pub(super) fn retain(
    rows: &mut Vec<KeyRow>,
    q: &Query,
    findings: &HoldingFindings,
    now: OffsetDateTime,
) {
    rows.retain(|row| {
        let codes = if q.uses_finding() {
            findings
                .get(&(place_of(row), row.id))
                .map(Vec::as_slice)
                .unwrap_or_default()
        } else {
            &[]
        };
        let cleaned = KeyRow {
            label: crate::sanitize::clean_line(&row.label),
            ..row.clone()
        };
        q.matches(
            &RowHolding {
                row: &cleaned,
                codes,
            },
            now,
        )
    });
}
