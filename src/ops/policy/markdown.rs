//! Markdown for a job summary or a pull-request comment: a summary table and the top findings,
//! with the rest folded in `<details>` so the summary stays short.

use super::{GateFinding, Severity};

/// Findings shown before the rest is folded away.
pub const TOP: usize = 10;

/// One workspace's line of the summary table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceSummary {
    /// Workspace slug.
    pub workspace: String,
    /// Distinct keys.
    pub keys: usize,
    /// Findings left after the baseline, per severity (high, medium, low, info).
    pub counts: [usize; 4],
    /// Findings the baseline accepted.
    pub accepted: usize,
}

/// What the report says about the gate as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateOutcome {
    /// The `--fail-on` level, if one was given.
    pub fail_on: Option<Severity>,
    /// Whether a finding at or above it remains.
    pub failed: bool,
    /// Whether some workspace or listing could not be read: then a pass says little.
    pub incomplete: bool,
}

/// Text from the server goes into a table cell: no pipes, no newlines, no HTML.
fn cell(s: &str) -> String {
    crate::sanitize::clean_cell(s)
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn row(f: &GateFinding) -> String {
    format!(
        "| {} | `{}` | {} | {} | {} |\n",
        f.severity.as_str(),
        f.code,
        cell(&f.place.text()),
        f.fingerprint
            .as_deref()
            .map(|fp| format!("`{fp}`"))
            .unwrap_or_else(|| "-".into()),
        cell(&f.reason)
    )
}

const FINDINGS_HEADER: &str =
    "| Severity | Finding | Where | Key | Reason |\n|---|---|---|---|---|\n";

/// The report: outcome line, a table per workspace, the top findings, the rest folded.
pub fn render(
    summaries: &[WorkspaceSummary],
    findings: &[GateFinding],
    outcome: &GateOutcome,
) -> String {
    let mut out = String::from("## bbkeys audit\n\n");
    if outcome.incomplete {
        out.push_str("**Incomplete**: not everything could be read; the job log says what, and the findings below cover only what was read.\n\n");
    }
    match outcome.fail_on {
        Some(level) if outcome.failed => out.push_str(&format!(
            "**Failed**: {} finding(s) at or above `{}` remain after the baseline.\n\n",
            findings
                .iter()
                .filter(|f| f.severity.at_least(level))
                .count(),
            level.as_str()
        )),
        Some(level) => out.push_str(&format!(
            "**Passed**: no finding at or above `{}` remains after the baseline.\n\n",
            level.as_str()
        )),
        None => out.push_str(&format!(
            "{} finding(s) remain after the baseline (no `--fail-on` level was given).\n\n",
            findings.len()
        )),
    }
    out.push_str("| Workspace | Keys | High | Medium | Low | Info | Accepted in baseline |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for s in summaries {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            cell(&s.workspace),
            s.keys,
            s.counts[0],
            s.counts[1],
            s.counts[2],
            s.counts[3],
            s.accepted
        ));
    }
    if findings.is_empty() {
        out.push_str("\nNo findings.\n");
        return out;
    }
    let shown = findings.len().min(TOP);
    out.push_str(&format!("\n### Top findings\n\n{FINDINGS_HEADER}"));
    for f in &findings[..shown] {
        out.push_str(&row(f));
    }
    if findings.len() > shown {
        out.push_str(&format!(
            "\n<details>\n<summary>{} more finding(s)</summary>\n\n{FINDINGS_HEADER}",
            findings.len() - shown
        ));
        for f in &findings[shown..] {
            out.push_str(&row(f));
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// Counts per severity, high first.
pub fn counts(findings: &[GateFinding]) -> [usize; 4] {
    let mut c = [0; 4];
    for f in findings {
        let i = Severity::ALL
            .iter()
            .position(|s| *s == f.severity)
            .unwrap_or(3);
        c[i] += 1;
    }
    c
}
