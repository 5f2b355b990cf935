//! The audit view (`A`): the findings of the focused workspace, most severe first, and which
//! holdings a finding concerns, so that Enter can select them.

use crate::ops::audit::{Finding, Severity};
use crate::tui::state::State;
pub use crate::tui::state::audit_cursor::AuditCursor;
use crate::tui::state::insight::focused_inventory;
use crate::tui::state::selection::RowItem;
use crate::tui::state::view_marks::{every_holding, holding_item};

/// The findings of the focused workspace, most severe first; empty before a scan.
pub fn findings(state: &State) -> &[Finding] {
    focused_inventory(state).map_or(&[], |w| w.findings.as_slice())
}

/// How many findings each severity has, most severe first, leaving out those with none.
pub fn counts(findings: &[Finding]) -> Vec<(Severity, usize)> {
    let mut out: Vec<(Severity, usize)> = Vec::new();
    for f in findings {
        match out.last_mut() {
            Some((s, n)) if *s == f.severity => *n += 1,
            _ => out.push((f.severity, 1)),
        }
    }
    out
}

/// The holdings finding `f` concerns: the one it names, or every holding of its key when it is
/// about the key wherever it sits. A finding about a place (a listing not read) has none.
pub fn concerned(state: &State, f: &Finding) -> Vec<RowItem> {
    let Some(w) = focused_inventory(state) else {
        return Vec::new();
    };
    let Some(entry) = f.fingerprint.as_ref().and_then(|fp| w.inventory.get(fp)) else {
        return Vec::new();
    };
    match (&f.location, f.key_id) {
        (Some(place), Some(id)) => entry
            .holdings
            .iter()
            .filter(|h| &h.scope == place && h.id == id)
            .map(|h| holding_item(entry, h))
            .collect(),
        (None, _) => every_holding(entry),
        (Some(_), None) => Vec::new(),
    }
}
