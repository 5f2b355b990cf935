//! The labels and comments of a scan as the server sent them, for `--json`.
//!
//! The inventory cleans labels and comments once, for every view that shows them. A JSON
//! reader is owed the original instead (a label that hides an escape sequence must be seen as
//! such), and `print_json` escapes it safely. Nearly every label is clean, so only the few that
//! cleaning changed are remembered here, and a document is rewritten only when there are any.

use std::collections::HashMap;

use serde_json::Value;

use crate::forge::{ForgeKind, Place};
use crate::ops::audit::{Listing, Snapshot};
use crate::sanitize::clean_line;

/// The original label and comment of the holdings whose text cleaning changed, by place and id.
#[derive(Debug, Default)]
pub struct RawText {
    by_holding: HashMap<(Place, u64), (Option<String>, Option<String>)>,
}

impl RawText {
    /// Remembers, from a scan, the text that the inventory will clean.
    pub fn from_snapshot(snapshot: &Snapshot) -> RawText {
        let ws = &snapshot.workspace;
        let repos = snapshot.repo_keys.iter().map(|(slug, l)| {
            let scope = Place::repository(ForgeKind::Cloud, ws.clone(), slug.clone());
            (scope, l)
        });
        let projects = snapshot.project_keys.iter().map(|(key, l)| {
            let scope = Place::project(ForgeKind::Cloud, ws.clone(), key.clone());
            (scope, l)
        });
        // Printable ASCII (nearly every label) is clean: checked without building a copy.
        let changed = |s: &Option<String>| {
            s.as_deref().is_some_and(|s| {
                !s.bytes().all(|b| (0x20..0x7f).contains(&b)) && clean_line(s) != s
            })
        };
        let mut by_holding = HashMap::new();
        for (scope, listing) in repos.chain(projects) {
            let Listing::Keys(keys) = listing else {
                continue;
            };
            for k in keys {
                if changed(&k.label().map(String::from)) || changed(&k.comment) {
                    by_holding.insert(
                        (scope.clone(), k.id),
                        (k.label().map(String::from), k.comment.clone()),
                    );
                }
            }
        }
        RawText { by_holding }
    }

    /// Whether every label and comment was clean already.
    pub fn is_empty(&self) -> bool {
        self.by_holding.is_empty()
    }

    /// Puts the original label and comment back into every key holding of `doc`: each object
    /// with `scope`, `workspace`, `repo` or `project`, `id` and `label`.
    pub fn restore(&self, doc: &mut Value) {
        match doc {
            Value::Object(o) => {
                if let Some((label, comment)) = holding_key(o).and_then(|k| self.by_holding.get(&k))
                {
                    o.insert("label".into(), label.clone().unwrap_or_default().into());
                    if let Some(c) = comment {
                        o.insert("comment".into(), c.clone().into());
                    }
                }
                o.values_mut().for_each(|v| self.restore(v));
            }
            Value::Array(a) => a.iter_mut().for_each(|v| self.restore(v)),
            _ => {}
        }
    }
}

/// The place and id of a holding as its JSON object names them.
fn holding_key(o: &serde_json::Map<String, Value>) -> Option<(Place, u64)> {
    if !o.contains_key("label") {
        return None;
    }
    let id = o.get("id")?.as_u64()?;
    let workspace = o.get("workspace")?.as_str()?.to_string();
    let text = |k: &str| o.get(k).and_then(Value::as_str).map(String::from);
    let scope = match o.get("scope")?.as_str()? {
        "repository" => Place::repository(ForgeKind::Cloud, workspace, text("repo")?),
        "project" => Place::project(ForgeKind::Cloud, workspace, text("project")?),
        _ => return None,
    };
    Some((scope, id))
}

/// `value` as JSON, with the original labels and comments of `raw` put back.
pub fn json_with_raw<T: serde::Serialize>(
    value: &T,
    raw: &RawText,
) -> Result<serde_json::Value, super::output::CliError> {
    let mut doc = serde_json::to_value(value).map_err(|e| {
        super::output::CliError::new(
            super::output::Exit::Error,
            format!("cannot write JSON: {e}"),
        )
    })?;
    raw.restore(&mut doc);
    Ok(doc)
}

/// Prints `value` under `--json`, with the original labels and comments of `raw` put back.
pub fn print_json_with_raw<T: serde::Serialize>(
    value: &T,
    raw: &RawText,
) -> Result<(), super::output::CliError> {
    if raw.is_empty() {
        return super::output::print_json(value);
    }
    let mut doc = serde_json::to_value(value).map_err(|e| {
        super::output::CliError::new(
            super::output::Exit::Error,
            format!("cannot write JSON: {e}"),
        )
    })?;
    raw.restore(&mut doc);
    super::output::print_json(&doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_holdings_get_their_text_back() {
        let scope = Place::repository(ForgeKind::Cloud, "acme", "api");
        let mut raw = RawText::default();
        raw.by_holding.insert(
            (scope, 7),
            (Some("a\u{1b}[2Jb".into()), Some("c\u{7}".into())),
        );
        let mut doc = serde_json::json!({
            "holdings": [
                {"scope": "repository", "workspace": "acme", "repo": "api", "id": 7, "label": "ab", "comment": "c"},
                {"scope": "repository", "workspace": "acme", "repo": "web", "id": 7, "label": "ab"},
            ],
            "findings": [{"location": {"scope": "repository", "workspace": "acme", "repo": "api"}, "key_id": 7, "reason": "ab"}],
        });
        raw.restore(&mut doc);
        assert_eq!(doc["holdings"][0]["label"], "a\u{1b}[2Jb");
        assert_eq!(doc["holdings"][0]["comment"], "c\u{7}");
        assert_eq!(doc["holdings"][1]["label"], "ab");
        assert_eq!(doc["findings"][0]["reason"], "ab");
    }
}
