//! SARIF 2.1.0, for scanning dashboards: one rule per finding code, one result per finding, each
//! with a logical location (workspace, project, repository, key) and a `partialFingerprints`
//! entry so a dashboard recognises the same finding across nightly runs.

use serde_json::{Value, json};

use super::{GateFinding, Severity};

/// The key of `partialFingerprints`; versioned so a change of identity can start a new one.
pub const FINGERPRINT_KEY: &str = "bbkeysFinding/v1";

/// One rule of the report: a finding code and its one-sentence description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleText {
    /// The code.
    pub code: String,
    /// Its default severity (after overrides).
    pub severity: Severity,
    /// The rule in one sentence.
    pub text: String,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn logical_locations(f: &GateFinding) -> Vec<Value> {
    let ws = &f.place.workspace;
    let mut out = vec![json!({"name": ws, "fullyQualifiedName": ws, "kind": "workspace"})];
    let mut path = ws.clone();
    if let Some(p) = &f.place.project {
        path = format!("{path}/project:{p}");
        out.push(json!({"name": p, "fullyQualifiedName": path, "kind": "project"}));
    }
    if let Some(r) = &f.place.repo {
        path = format!("{path}/{r}");
        out.push(json!({"name": r, "fullyQualifiedName": path, "kind": "repository"}));
    }
    if let Some(fp) = &f.fingerprint {
        out.push(json!({"name": fp, "fullyQualifiedName": format!("{path}#{fp}"), "kind": "key"}));
    }
    out
}

/// The SARIF document of one run over `findings`, with `rules` describing every code.
/// `artifact` is a file of the repository the run belongs to (the policy file): dashboards
/// such as GitHub code scanning only take results that point at a file, so each result then
/// points at its first line as well as at its logical place.
pub fn render(
    findings: &[GateFinding],
    rules: &[RuleText],
    version: &str,
    artifact: Option<&str>,
) -> Value {
    let rule_values: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.code,
                "shortDescription": {"text": r.text},
                "help": {"text": format!("{} (bbkeys finding `{}`; see `bbkeys audit --help` and the README's audit and policy tables)", r.text, r.code)},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"severity": r.severity.as_str()}
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut location = json!({"logicalLocations": logical_locations(f)});
            if let Some(uri) = artifact {
                location["physicalLocation"] = json!({
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": 1}
                });
            }
            let mut result = json!({
                "ruleId": f.code,
                "level": level(f.severity),
                "message": {"text": f.reason},
                "locations": [location],
                "partialFingerprints": {FINGERPRINT_KEY: f.stable_id()},
                "properties": {"severity": f.severity.as_str()}
            });
            if let Some(i) = rules.iter().position(|r| r.code == f.code) {
                result["ruleIndex"] = json!(i);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "bbkeys",
                "version": version,
                "semanticVersion": version,
                "rules": rule_values
            }},
            "results": results
        }]
    })
}
