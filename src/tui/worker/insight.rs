//! The worker half of the workspace-wide views: cache, export and doctor, all I/O.
//!
//! Called from `worker/mod.rs`; kept here so the worker's own file stays about panes.

use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use tokio::sync::mpsc::UnboundedSender;

use crate::config::AuditConfig;
use crate::forge::{Forge, Place, UsageSearch};
use crate::ops::audit::{AuditReport, Inventory, Listing, Snapshot, audit};
use crate::ops::doctor::{DoctorSetup, diagnose};
use crate::ops::scan::WorkspaceScan;
use crate::store::{self, HeadLoad};
use crate::tui::state::from_forge::{ParseMemo, project_group_with, repo_view};
use crate::tui::state::insight::{CacheAnswer, Diagnosis, InsightCommand, InsightMsg, Judgement};
use crate::tui::state::msg::WorkerMsg;
use crate::tui::state::op_failure::OpFailure;
use crate::tui::state::{ReqId, ScanData};

/// Runs one command; `None` when nothing (more) needs saying. `answers` carries what is
/// said before the command is done.
pub async fn execute(
    forge: &dyn Forge,
    cmd: InsightCommand,
    answers: &UnboundedSender<WorkerMsg>,
) -> Option<WorkerMsg> {
    let msg = match cmd {
        InsightCommand::LoadCache {
            req_id,
            dir,
            ws,
            rules,
            clock,
        } => {
            let judge = JudgeBy { rules, clock };
            load_cache_off_runtime(dir, ws, req_id, judge, answers).await?
        }
        InsightCommand::LoadWorkspaceList { req_id, dir } => {
            let list = tokio::task::spawn_blocking(move || store::workspaces::load(&dir))
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            InsightMsg::WorkspaceList {
                req_id,
                list: list.into_iter().map(stored_workspace_view).collect(),
            }
        }
        InsightCommand::StoreWorkspaceList { dir, list } => store_workspace_list(dir, list).await?,
        InsightCommand::Export {
            req_id,
            dir,
            inventory,
            rules,
            cached,
        } => {
            let result = tokio::task::spawn_blocking(move || {
                export(&dir, &inventory, rules, cached, OffsetDateTime::now_utc())
            })
            .await
            .unwrap_or_else(|e| Err(format!("The export stopped: {e}")));
            InsightMsg::Exported { req_id, result }
        }
        InsightCommand::StoreEdits { dir, edits } => {
            let stored =
                tokio::task::spawn_blocking(move || store::apply_edits(&dir, &edits)).await;
            match stored {
                Ok(Ok(())) => return None,
                Ok(Err(e)) => InsightMsg::StoreFailed(e.to_string()),
                Err(e) => InsightMsg::StoreFailed(format!("Updating the scan cache failed: {e}")),
            }
        }
        InsightCommand::Usage { req_id, id } => InsightMsg::Usage {
            req_id,
            // What `f` asks is "where used", not a change to every grant: the two lookups.
            result: forge
                .usage(id, UsageSearch::Lookups)
                .await
                .map_err(|e| OpFailure::of_forge(&e)),
        },
        InsightCommand::Diagnose {
            req_id,
            source,
            edit_strategy,
        } => {
            // The forge answers what the credential can do; doctor adds the local checks.
            let report = diagnose(forge, DoctorSetup::for_source(source, edit_strategy)).await;
            InsightMsg::Diagnosed {
                req_id,
                report: Diagnosis(Box::new(report)),
            }
        }
    };
    Some(WorkerMsg::Insight(msg))
}

/// Reads and parses a stored scan off the runtime (it is blocking work); the answers go out
/// through `answers` as they are ready. `None` when the read ended as it should.
async fn load_cache_off_runtime(
    dir: PathBuf,
    ws: String,
    req_id: ReqId,
    judge: JudgeBy,
    answers: &UnboundedSender<WorkerMsg>,
) -> Option<InsightMsg> {
    let to = answers.clone();
    let name = ws.clone();
    let read = tokio::task::spawn_blocking(move || {
        load_cache(&dir, &ws, req_id, Some(judge), &mut |m| {
            let _ = to.send(WorkerMsg::Insight(m));
        })
    })
    .await;
    // The panes of the workspace wait for this answer: there must be one.
    match read {
        Ok(()) => None,
        Err(e) => Some(InsightMsg::Cache {
            req_id,
            ws: name,
            answer: CacheAnswer::Ignored(format!("Reading the scan cache failed: {e}")),
        }),
    }
}

/// Stores the workspace list for the next start; `None` when it was stored.
async fn store_workspace_list(
    dir: PathBuf,
    list: Vec<crate::tui::state::WorkspaceView>,
) -> Option<InsightMsg> {
    let list: Vec<_> = list
        .into_iter()
        .map(|w| store::workspaces::StoredWorkspace {
            slug: w.slug,
            name: w.name,
        })
        .collect();
    let stored = tokio::task::spawn_blocking(move || store::workspaces::store(&dir, &list)).await;
    match stored {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(InsightMsg::StoreFailed(e.to_string())),
        Err(e) => Some(InsightMsg::StoreFailed(format!(
            "Storing the workspace list failed: {e}"
        ))),
    }
}

/// Settles a finished `R` scan: stores it in `cache_dir` (unless it read nothing, which would
/// replace a useful cache with an empty one), says its inventory through `say` (before the
/// panes are refreshed, so the All keys view and a waiting find have it), and returns it in
/// the panes' form. The scan is moved from step to step, never copied: a 10,000-repository
/// scan held twice would be the peak of the TUI's memory.
pub(crate) fn settle_scan(
    scan: WorkspaceScan,
    cache_dir: Option<&Path>,
    req_id: ReqId,
    say: &mut dyn FnMut(InsightMsg),
) -> ScanData {
    let mut snapshot = Snapshot::from_owned_scan(scan, OffsetDateTime::now_utc());
    if let Some(dir) = cache_dir
        && !snapshot.nothing_readable()
        && let Err(e) = store::store_snapshot(dir, &mut snapshot)
    {
        say(InsightMsg::StoreFailed(e.to_string()));
    }
    say(InsightMsg::Scanned {
        req_id,
        inventory: Box::new(Inventory::build(&snapshot)),
    });
    scan_data(snapshot)
}

/// The rules and the time a cached scan's inventory is judged by.
pub(crate) struct JudgeBy {
    pub rules: AuditConfig,
    /// `None` for the clock.
    pub clock: Option<OffsetDateTime>,
}

/// Reads the cached scan of `ws` and says what it found through `say`: the panes' form of its
/// first part ([`CacheAnswer::Head`]: what the panes show first, read without its repository
/// listings, which hold nearly all of its keys), then of all of it ([`CacheAnswer::Found`]),
/// then the inventory ([`InsightMsg::CacheIndexed`]), judged by `judge` when given. The
/// inventory is built before the whole panes' form, from the scan as read; that form is then
/// made by taking the scan apart, so its strings are moved rather than copied and a large scan
/// is never held twice over. The audit follows, here rather than on the UI thread; not on a
/// thread of its own beside the panes' form, which held both at once and measured no faster
/// on two busy cores.
pub(crate) fn load_cache(
    dir: &Path,
    ws: &str,
    req_id: ReqId,
    judge: Option<JudgeBy>,
    say: &mut dyn FnMut(InsightMsg),
) {
    let answer = |answer| InsightMsg::Cache {
        req_id,
        ws: ws.to_string(),
        answer,
    };
    let head = match store::load_head(dir, ws) {
        HeadLoad::Found(head) => head,
        HeadLoad::Missing => return say(answer(CacheAnswer::Missing)),
        HeadLoad::Ignored { warning } => return say(answer(CacheAnswer::Ignored(warning))),
    };
    let age = head.age(OffsetDateTime::now_utc());
    say(answer(CacheAnswer::Head {
        panes: Box::new(scan_data(head_part(&head.snapshot))),
        age,
    }));
    let cached = match head.complete() {
        Ok(cached) => cached,
        Err(warning) => return say(answer(CacheAnswer::Ignored(warning))),
    };
    let inventory = Inventory::build(&cached.snapshot);
    let panes = scan_data(cached.snapshot);
    let judgement = judge.map(|by| {
        let now = by.clock.unwrap_or_else(OffsetDateTime::now_utc);
        Judgement::of(&inventory, &by.rules, now)
    });
    say(answer(CacheAnswer::Found {
        panes: Box::new(panes),
        age,
    }));
    say(InsightMsg::CacheIndexed {
        req_id,
        ws: ws.to_string(),
        inventory: Box::new(inventory),
        age,
        judgement: judgement.map(Box::new),
    });
}

/// A copy of what the panes show first: everything but the repository keys.
fn head_part(s: &Snapshot) -> Snapshot {
    Snapshot {
        forge: s.forge,
        workspace: s.workspace.clone(),
        scanned_at: s.scanned_at,
        repositories: s.repositories.clone(),
        projects: s.projects.clone(),
        repo_keys: Default::default(),
        project_keys: s.project_keys.clone(),
        projects_error: s.projects_error.clone(),
    }
}

/// A stored workspace in the panes' form; its text is cleaned again, as the file may have
/// been edited.
fn stored_workspace_view(
    w: store::workspaces::StoredWorkspace,
) -> crate::tui::state::WorkspaceView {
    crate::tui::state::WorkspaceView {
        slug: crate::sanitize::clean_line(&w.slug),
        name: crate::sanitize::clean_line(&w.name),
    }
}

/// A scan, cached or fresh, in the form the panes show.
pub(crate) fn scan_data(s: Snapshot) -> ScanData {
    let ws = s.workspace;
    let kind = s.forge;
    let mut memo = ParseMemo::default();
    let listing = |l: Option<Listing>| match l {
        Some(Listing::Keys(keys)) => Ok(keys),
        Some(Listing::Failed(f)) => Err(f.to_forge_error()),
        None => Ok(Vec::new()),
    };
    let repo_keys = s
        .repo_keys
        .into_iter()
        .map(|(slug, l)| {
            let scope = Place::repository(kind, ws.clone(), slug.clone());
            let views = listing(Some(l)).map(|keys| {
                keys.into_iter()
                    .map(|k| memo.key_view(k, scope.clone()))
                    .collect()
            });
            (slug, views)
        })
        .collect();
    let mut project_keys = s.project_keys;
    let projects = match s.projects_error {
        Some(f) => Err(f.to_forge_error()),
        None => Ok(s
            .projects
            .into_iter()
            .map(|p| {
                let keys = listing(project_keys.remove(&p.key));
                project_group_with(kind, &ws, p, keys, |k, scope| memo.key_view(k, scope))
            })
            .collect()),
    };
    ScanData {
        repos: s.repositories.into_iter().map(repo_view).collect(),
        repo_keys,
        projects,
    }
}

/// Writes `bbkeys-audit-<ws>-<date>.json` and `.csv` into `dir`; returns both paths.
pub fn export(
    dir: &Path,
    inventory: &Inventory,
    rules: AuditConfig,
    cached: bool,
    now: OffsetDateTime,
) -> Result<(PathBuf, PathBuf), String> {
    let findings = audit(inventory, &rules, now);
    let report = AuditReport::new(inventory, &findings, rules, now, cached);
    let json = report
        .to_json()
        .map_err(|e| format!("Could not write the audit as JSON: {e}"))?;
    let date = crate::ops::audit::Timestamp(now).date();
    // The slug came from the server: it must not steer the file name out of `dir`.
    let ws: String = inventory
        .workspace
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = dir.join(format!("bbkeys-audit-{ws}-{date}"));
    let json_path = base.with_extension("json");
    let csv_path = base.with_extension("csv");
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|e| format!("Could not write {}: {e}", path.display()))
    };
    write(&json_path, &json)?;
    write(&csv_path, &report.to_csv())?;
    Ok((json_path, csv_path))
}
