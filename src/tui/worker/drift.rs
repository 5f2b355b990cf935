//! The worker half of the Drift view: reading the keys file and the stored scans, and the
//! re-read before applying. All I/O.

use std::collections::BTreeSet;
use std::path::Path;

use crate::forge::{Forge, ForgeKind};
use crate::ops::desired::{KeysFile, Observed, parse_keys_file, plan_desired, to_bulk_plan};
use crate::sanitize::clean_line;
use crate::store::{self, CacheLoad};
use crate::tui::state::drift::{DriftCommand, DriftMsg, DriftStatus};
use crate::tui::state::msg::WorkerMsg;

/// Runs one Drift command.
pub async fn execute(forge: &dyn Forge, cmd: DriftCommand) -> WorkerMsg {
    match cmd {
        DriftCommand::Plan {
            req_id,
            file,
            cache_dir,
        } => {
            let status = tokio::task::spawn_blocking(move || plan(&file, cache_dir.as_deref()))
                .await
                .unwrap_or_else(|e| DriftStatus::Refused(format!("planning failed: {e}")));
            WorkerMsg::Drift(DriftMsg::Planned { req_id, status })
        }
        DriftCommand::Recheck { req_id, changes } => match to_bulk_plan(forge, &changes).await {
            Ok(plan) => WorkerMsg::Planned {
                req_id,
                plan: Box::new(plan),
                unreadable: Vec::new(),
            },
            Err(e) => WorkerMsg::Drift(DriftMsg::Refused {
                req_id,
                sentence: clean_lines(&e.to_string()),
            }),
        },
    }
}

/// Checks the file, then plans it against the stored scan of every workspace it names.
pub fn plan(file: &Path, cache_dir: Option<&Path>) -> DriftStatus {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            return DriftStatus::FileErrors(vec![format!("{}: {e}", file.display())]);
        }
    };
    let read = |p: &Path| std::fs::read_to_string(p);
    let keys = match parse_keys_file(file, &text, ForgeKind::Cloud, &read) {
        Ok(k) => k,
        Err(errors) => {
            return DriftStatus::FileErrors(
                errors.iter().map(|e| clean_line(&e.to_string())).collect(),
            );
        }
    };
    let mut observed = Observed::default();
    let mut missing = Vec::new();
    for ws in workspaces(&keys) {
        match cache_dir.map(|d| store::load(d, &ws)) {
            Some(CacheLoad::Found(cached)) => observed.add_snapshot(&cached.snapshot),
            _ => missing.push(ws),
        }
    }
    if !missing.is_empty() {
        return DriftStatus::NeedsScan(missing);
    }
    match plan_desired(&keys, &observed) {
        Ok(plan) => DriftStatus::Planned(plan),
        Err(errors) => DriftStatus::FileErrors(errors.iter().map(|e| clean_line(e)).collect()),
    }
}

/// Cleans each line of a multi-line sentence, keeping the line breaks.
pub(crate) fn clean_lines(text: &str) -> String {
    text.lines().map(clean_line).collect::<Vec<_>>().join("\n")
}

/// The workspaces the file's selectors and prune scopes name.
fn workspaces(keys: &KeysFile) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for k in &keys.keys {
        out.extend(k.repos.iter().map(|s| s.glob.owner().to_string()));
        out.extend(k.projects.iter().map(|(owner, _)| owner.clone()));
    }
    if let Some(p) = &keys.prune {
        out.extend(p.scopes.iter().map(|s| s.glob.owner().to_string()));
    }
    out
}
