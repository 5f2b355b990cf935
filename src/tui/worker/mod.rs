//! The worker: the only part of the UI that talks to Bitbucket. It owns the client, runs each
//! command in its own task (the client caps how many requests are in flight) and answers
//! with the command's request id, so `update()` can drop stale answers.

pub(crate) mod drift;
pub mod insight;
pub(crate) mod journal;
pub(crate) mod ops;
pub(crate) mod replace;
pub(crate) mod single;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use futures::future::join_all;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::task::JoinSet;

use crate::forge::paging::collect_all;
use crate::forge::{Forge, ForgeError, ForgeErrorKind, Place};
use crate::ops::scan::{ScanProgress, scan_workspace};
use crate::tui::Services;
pub use crate::tui::state::from_forge::key_view;
use crate::tui::state::from_forge::{project_group, repo_key_views, repo_view, workspace_view};
use crate::tui::state::msg::{Command, WorkerMsg};
use crate::tui::state::{ProjectGroup, ReqId};

/// The cancel flags of running jobs, shared by the task applying a job and the `x` that
/// stops it.
pub type CancelFlags = Arc<Mutex<HashMap<ReqId, Arc<AtomicBool>>>>;

/// Runs until the command channel closes; dropping the task aborts every request in flight.
pub async fn run(
    services: Services,
    mut commands: UnboundedReceiver<Command>,
    answers: UnboundedSender<WorkerMsg>,
) {
    let mut tasks = JoinSet::new();
    let flags: CancelFlags = Arc::default();
    while let Some(cmd) = commands.recv().await {
        let services = services.clone();
        let answers = answers.clone();
        let flags = flags.clone();
        tasks.spawn(async move {
            let forge = &*services.forge;
            if let Some(msg) = execute(&services, &flags, cmd, &answers).await {
                let _ = answers.send(msg);
            }
            let _ = answers.send(WorkerMsg::RequestCount(forge.budget().used_last_hour));
        });
        // Reap finished tasks so the set does not grow over a long session.
        while tasks.try_join_next().is_some() {}
    }
}

/// Runs one command: the one place every command is given its work, so a new command does
/// not compile until it has some. Answers `None` when nothing (more) needs saying.
async fn execute(
    services: &Services,
    flags: &CancelFlags,
    cmd: Command,
    answers: &UnboundedSender<WorkerMsg>,
) -> Option<WorkerMsg> {
    let client = &*services.forge;
    Some(match cmd {
        Command::LoadWorkspaces { req_id } => WorkerMsg::Workspaces {
            req_id,
            result: Forge::owners(client)
                .await
                .map(|list| list.into_iter().map(workspace_view).collect()),
        },
        Command::LoadRepos { req_id, ws } => {
            let result = Forge::repositories(client, &ws)
                .await
                .map(|list| list.into_iter().map(repo_view).collect());
            WorkerMsg::Repos { req_id, ws, result }
        }
        Command::LoadKeys { req_id, ws, repo } => {
            let place = Place::repository(Forge::kind(client), ws.as_str(), repo.as_str());
            let result = Forge::keys(client, &place)
                .await
                .map(|keys| repo_key_views(Forge::kind(client), &ws, &repo, keys));
            WorkerMsg::Keys {
                req_id,
                ws,
                repo,
                result,
            }
        }
        Command::LoadProjectKeys { req_id, ws } => {
            let result = project_groups(client, &ws).await;
            WorkerMsg::ProjectKeys { req_id, ws, result }
        }
        Command::Rescan {
            req_id,
            ws,
            cache_dir,
        } => rescan(client, req_id, ws, cache_dir, answers).await,
        Command::ReadKeyFile { req_id, path } => ops::read_key_file(req_id, path).await,
        Command::CheckJournal
        | Command::AddKey { .. }
        | Command::DeleteKey { .. }
        | Command::RelabelKey { .. }
        | Command::ChangePermission { .. }
        | Command::Replace(_)
        | Command::Recover { .. }
        | Command::ListJournal { .. }
        | Command::UndoJournal { .. }
        | Command::PlanBulk { .. }
        | Command::ApplyBulk { .. } => ops::execute(services, flags, cmd, answers).await?,
        Command::CancelJob { job_id } => {
            ops::cancel(flags, job_id);
            return None;
        }
        Command::Insight(cmd) => {
            return insight::execute(&*services.forge, cmd, answers).await;
        }
        Command::Drift(cmd) => drift::execute(client, cmd).await,
        // The event loop does these itself and never sends them here.
        Command::CopyToClipboard(_)
        | Command::Suspend
        | Command::Quit
        | Command::OpenDemo
        | Command::SwitchProfile(_) => {
            return None;
        }
    })
}

/// Scans `ws`, saying its progress through `answers`, and stores the scan in `cache_dir`.
async fn rescan(
    client: &dyn Forge,
    req_id: ReqId,
    ws: String,
    cache_dir: Option<std::path::PathBuf>,
    answers: &UnboundedSender<WorkerMsg>,
) -> WorkerMsg {
    let progress_to = answers.clone();
    let progress = move |p: ScanProgress| {
        let _ = progress_to.send(WorkerMsg::ScanProgress {
            req_id,
            done: p.done,
            total: p.total,
        });
    };
    let result = match scan_workspace(client, &ws, &progress).await {
        Ok(scan) => {
            // Storing and converting a large scan is blocking work.
            let to = answers.clone();
            tokio::task::spawn_blocking(move || {
                let mut say = |m| {
                    let _ = to.send(WorkerMsg::Insight(m));
                };
                Box::new(insight::settle_scan(
                    scan,
                    cache_dir.as_deref(),
                    req_id,
                    &mut say,
                ))
            })
            .await
            // Only a panic while settling the scan gets here: the answer could not
            // be turned into views, which is what `Decode` means to `update()`.
            .map_err(|e| {
                ForgeError::new(
                    ForgeErrorKind::Decode,
                    format!("The scan of {ws} could not be shown: {e}"),
                )
            })
        }
        Err(e) => Err(e),
    };
    WorkerMsg::Scanned { req_id, ws, result }
}

async fn project_groups(client: &dyn Forge, ws: &str) -> Result<Vec<ProjectGroup>, ForgeError> {
    // Paged rather than `Forge::projects`: the groups show the projects' names.
    let mut projects = collect_all(Forge::project_pages(client, ws)).await?;
    projects.sort_by(|a, b| a.key.cmp(&b.key));
    let ws: Arc<str> = Arc::from(ws);
    let fetches = projects.into_iter().map(|p| {
        let ws = ws.clone();
        async move {
            let place = Place::project(Forge::kind(client), &*ws, p.key.as_str());
            let keys = Forge::keys(client, &place).await;
            project_group(place.forge(), &ws, p, keys)
        }
    });
    Ok(join_all(fetches).await)
}
