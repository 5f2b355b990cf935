//! The worker: the only part of the UI that talks to Bitbucket. It owns the client, runs each
//! command in its own task (the client caps how many requests are in flight) and answers
//! with the command's request id, so `update()` can drop stale answers.

pub(crate) mod drift;
pub mod insight;
pub(crate) mod ops;
pub(crate) mod single;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use futures::future::join_all;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::task::JoinSet;

use crate::forge::paging::collect_all;
use crate::forge::{
    AccessKey, Forge, ForgeError, ForgeErrorKind, ForgeKind, Owner, Place, Project, Repository,
};
use crate::ops::scan::{ScanProgress, scan_workspace};
use crate::sanitize::{clean_line, clean_owned};
use crate::sshkey::PublicKey;
use crate::tui::Services;
use crate::tui::state::{Escaped, KeyFacts, KeyView, ProjectGroup, RepoView, ReqId, WorkspaceView};
use crate::tui::update::{Command, WorkerMsg};

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
                .map(|keys| repo_key_views(&ws, &repo, keys));
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
        | Command::Recover { .. }
        | Command::PlanBulk { .. }
        | Command::ApplyBulk { .. } => ops::execute(services, flags, cmd, answers).await?,
        Command::CancelJob { job_id } => {
            ops::cancel(flags, job_id);
            return None;
        }
        Command::Insight(cmd) => {
            let doctor = services.doctor.as_ref();
            return insight::execute(doctor, cmd, answers).await;
        }
        Command::Drift(cmd) => drift::execute(client, cmd).await,
        // The event loop does these itself and never sends them here.
        Command::CopyToClipboard(_) | Command::Suspend | Command::Quit | Command::OpenDemo => {
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
            project_group(&ws, p, keys.map_err(|e| e.to_string()))
        }
    });
    Ok(join_all(fetches).await)
}

pub(crate) fn project_group(
    ws: &str,
    p: Project,
    keys: Result<Vec<AccessKey>, String>,
) -> ProjectGroup {
    project_group_with(ws, p, keys, key_view)
}

/// [`project_group`], converting each key with `convert` (a [`ParseMemo`] for a whole scan).
pub(crate) fn project_group_with(
    ws: &str,
    p: Project,
    keys: Result<Vec<AccessKey>, String>,
    mut convert: impl FnMut(AccessKey, Place) -> KeyView,
) -> ProjectGroup {
    let scope = Place::project(ForgeKind::Cloud, ws.to_string(), p.key.clone());
    ProjectGroup {
        name: clean_line(p.name.as_deref().unwrap_or(&p.key)),
        keys: keys.map(|keys| {
            keys.into_iter()
                .map(|k| convert(k, scope.clone()))
                .collect()
        }),
        key: clean_line(&p.key),
    }
}

fn workspace_view(w: Owner) -> WorkspaceView {
    WorkspaceView {
        name: clean_line(&w.name),
        slug: clean_line(&w.slug),
    }
}

pub(crate) fn repo_view(r: Repository) -> RepoView {
    RepoView {
        name: clean_line(&r.name),
        slug: clean_line(&r.slug),
        project: r.project.map(|p| clean_line(&p)),
    }
}

pub(crate) fn repo_key_views(
    ws: &str,
    repo: &str,
    keys: impl IntoIterator<Item = AccessKey>,
) -> Vec<KeyView> {
    let scope = Place::repository(ForgeKind::Cloud, ws.to_string(), repo.to_string());
    keys.into_iter()
        .map(|k| key_view(k, scope.clone()))
        .collect()
}

/// Converts a server key for display and parses it for its fingerprint (a key that does
/// not parse is still shown, without one).
pub fn key_view(k: AccessKey, scope: Place) -> KeyView {
    view_with(k, scope, |text| Arc::new(facts_of(clean_owned(text))))
}

/// A key with every field the server sent cleaned here, once, so nothing it sent can reach the
/// terminal as an escape sequence; `facts` turns the key text into its facts (and must clean
/// it). The strings are moved, not copied: clean text (nearly all) is kept as it came.
fn view_with(k: AccessKey, scope: Place, facts: impl FnOnce(String) -> Arc<KeyFacts>) -> KeyView {
    let (label, raw_label) = shown(Some(k.label));
    let (comment, raw_comment) = shown(k.comment);
    let escaped = (raw_label.is_some() || raw_comment.is_some()).then(|| {
        Box::new(Escaped {
            label: raw_label,
            comment: raw_comment,
        })
    });
    KeyView {
        id: k.id,
        label,
        comment,
        facts: facts(k.key),
        created: k.created.map(clean_owned),
        last_used: k.last_used.map(clean_owned),
        scope,
        escaped,
    }
}

/// A label or comment cleaned for display and, when it was deceptive, also escaped: the
/// cleaned text alone would pass for the clean label it imitates.
fn shown(text: Option<String>) -> (String, Option<String>) {
    match text {
        Some(t) if crate::sanitize::is_deceptive(&t) => (
            crate::sanitize::clean_cell(&t),
            Some(crate::sanitize::escape_visible(&t)),
        ),
        Some(t) => (clean_owned(t), None),
        None => (String::new(), None),
    }
}

/// Parses a (cleaned) key text. One that does not parse keeps the first word of its text as
/// its type, and no fingerprint.
fn facts_of(public_key: String) -> KeyFacts {
    match PublicKey::from_server(&public_key) {
        Ok(p) => KeyFacts {
            fingerprint: Some(p.fingerprint().to_string()),
            key_type: p.key_type().to_string(),
            short_type: p.short_type().to_string(),
            bits: Some(p.bits()),
            public_key,
        },
        Err(_) => {
            let first_word = public_key.split_whitespace().next().unwrap_or("unknown");
            KeyFacts {
                fingerprint: None,
                key_type: first_word.to_string(),
                // Upper case like `ssh-keygen -l` and `PublicKey::short_type`.
                short_type: first_word
                    .strip_prefix("ssh-")
                    .unwrap_or(first_word)
                    .to_uppercase(),
                bits: None,
                public_key,
            }
        }
    }
}

/// The facts of the key texts met while converting one scan. A deploy key usually sits on
/// many repositories: each distinct text is cleaned and parsed once (an ECDSA point check
/// costs about 0.1 ms) and its facts are shared by every copy.
#[derive(Default)]
pub(crate) struct ParseMemo(HashMap<String, Arc<KeyFacts>>);

impl ParseMemo {
    /// [`key_view`], sharing the facts of texts already seen. Looked up by the text as the
    /// server sent it, so a copy seen before is not even cleaned again.
    pub(crate) fn key_view(&mut self, mut k: AccessKey, scope: Place) -> KeyView {
        let facts = match self.0.get(&k.key) {
            Some(facts) => facts.clone(),
            None => {
                let text = std::mem::take(&mut k.key);
                let facts = Arc::new(facts_of(clean_line(&text)));
                self.0.insert(text, facts.clone());
                facts
            }
        };
        view_with(k, scope, |_| facts)
    }
}
