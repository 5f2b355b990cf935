//! `workspaces`, `repos` and `keys list|add|relabel|rm`.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use clap::Subcommand;
use serde::Serialize;

use super::context::Context;
use super::output::{CliError, Exit, print_table};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::bitbucket::{ApiError, DeployKey, KeyScope, RepoRef, valid_project_key, valid_slug};
use crate::config::EditStrategy;
use crate::ops::keyops::{AddOutcome, KeyOps, OpError, RelabelOutcome, fingerprint_of, list_keys};
use crate::sanitize::clean_line;
use crate::sshkey::{Fingerprint, PublicKey};

/// `bbkeys keys ...`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List access keys: of a whole workspace (all admin repositories and projects), of one
    /// repository (its own keys plus the project keys it inherits), or of one project.
    List {
        /// `<workspace>` or `<workspace>/<repository>`.
        target: String,
        /// List the keys of this project of the workspace.
        #[arg(long, value_name = "KEY")]
        project: Option<String>,
        /// CSV output.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
    },
    /// Add a key to one repository (or, with --project, to a project), or to several
    /// repositories at once: `keys add acme/api acme/web --key k.pub --label ci`.
    Add {
        /// `<workspace>/<repository>` (one or more), or `<workspace>` with --project.
        #[arg(required = true, num_args = 1..)]
        targets: Vec<String>,
        /// The public key: a `.pub` file, or `-` for standard input.
        #[arg(long, value_name = "FILE|-")]
        key: String,
        /// The label shown in Bitbucket.
        #[arg(long)]
        label: String,
        /// Add to this project of the workspace.
        #[arg(long, value_name = "KEY")]
        project: Option<String>,
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Change a key's label: delete and re-add it behind a journal entry that never loses the
    /// key (or, with edit_strategy = "in-place", PUT it for repository keys). The fan-out form
    /// `--fingerprint SHA256:... --workspace <ws> --label <text|template>` relabels every copy.
    Relabel {
        /// `<workspace>/<repository>`, or `<workspace>` with --project.
        target: Option<String>,
        /// The key id, or its `SHA256:` fingerprint.
        key: Option<String>,
        /// The new label.
        new_label: Option<String>,
        /// Relabel a key of this project of the workspace.
        #[arg(long, value_name = "KEY")]
        project: Option<String>,
        /// Fan-out: the key to relabel wherever it is in --workspace.
        #[arg(long, value_name = "SHA256:...")]
        fingerprint: Option<String>,
        /// Fan-out: the workspace to search.
        #[arg(long, value_name = "WS")]
        workspace: Option<String>,
        /// Fan-out: the new label, or a template with {workspace}, {repo}, {project}, {label}.
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Remove a key from a repository (or, with --project, from a project). The fan-out form
    /// `--fingerprint SHA256:... --workspace <ws> [--repo <slug>...]` removes it from every
    /// repository and project holding it.
    Rm {
        /// `<workspace>/<repository>`, or `<workspace>` with --project.
        target: Option<String>,
        /// The key id, or its `SHA256:` fingerprint.
        key: Option<String>,
        /// Remove from this project of the workspace.
        #[arg(long, value_name = "KEY")]
        project: Option<String>,
        /// Fan-out: the key to remove wherever it is in --workspace.
        #[arg(long, value_name = "SHA256:...")]
        fingerprint: Option<String>,
        /// Fan-out: the workspace to search.
        #[arg(long, value_name = "WS")]
        workspace: Option<String>,
        /// Fan-out: only these repositories (slugs); default: every repository and project.
        #[arg(long = "repo", value_name = "SLUG")]
        repos: Vec<String>,
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Replace one key with another in every repository and project of a workspace that holds
    /// it: per place, add the new key, verify it, then delete the old one.
    Rotate {
        /// The key to replace: `SHA256:...` or its `.pub` file.
        #[arg(long, value_name = "SHA256:...|FILE")]
        from: String,
        /// The new key's `.pub` file (`-` for standard input).
        #[arg(long, value_name = "FILE|-")]
        to: String,
        /// The workspace.
        #[arg(long, value_name = "WS")]
        workspace: String,
        /// Label of the new key (default: the old key's label in each place).
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Find every repository and project of a workspace that holds a key.
    Find(super::find::FindArgs),
}

/// Options of every command that changes keys.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct BulkArgs {
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
}

/// One key as `--json` and `--csv` print it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyRow {
    /// Workspace slug.
    pub workspace: String,
    /// Repository slug; null for project keys.
    pub repo: Option<String>,
    /// Project key, for project keys.
    pub project: Option<String>,
    /// `repository` or `project`.
    pub scope: &'static str,
    /// Key id.
    pub id: u64,
    /// Label.
    pub label: String,
    /// Comment, null when absent.
    pub comment: Option<String>,
    /// `SHA256:...`; null only if the server sent a key bbkeys cannot read.
    pub fingerprint: Option<String>,
    /// OpenSSH type string.
    pub key_type: Option<String>,
    /// Key size in bits.
    pub bits: Option<u32>,
    /// Creation time.
    pub created_on: Option<String>,
    /// Last use, null if never used.
    pub last_used: Option<String>,
}

impl KeyRow {
    /// Builds a row; server text is sanitised here, once.
    pub fn new(scope: &KeyScope, key: &DeployKey) -> Self {
        let parsed = PublicKey::from_server(&key.key).ok();
        let (workspace, repo, project) = match scope {
            KeyScope::Repository { workspace, repo } => {
                (workspace.clone(), Some(repo.clone()), None)
            }
            KeyScope::Project { workspace, project } => {
                (workspace.clone(), None, Some(project.clone()))
            }
        };
        KeyRow {
            workspace,
            repo,
            project,
            scope: scope.kind(),
            id: key.id,
            label: clean_line(key.label.as_deref().unwrap_or("")),
            comment: key
                .comment
                .as_deref()
                .map(clean_line)
                .filter(|c| !c.is_empty()),
            fingerprint: parsed.as_ref().map(|p| p.fingerprint().to_string()),
            key_type: parsed.as_ref().map(|p| p.key_type().to_string()),
            bits: parsed.as_ref().map(|p| p.bits()),
            created_on: key.created_on.as_deref().map(clean_line),
            last_used: key.last_used.as_deref().map(clean_line),
        }
    }
}

fn sort_rows(rows: &mut [KeyRow]) {
    rows.sort_by(|a, b| {
        (&a.workspace, &a.repo, &a.project, &a.created_on, a.id).cmp(&(
            &b.workspace,
            &b.repo,
            &b.project,
            &b.created_on,
            b.id,
        ))
    });
}

pub(super) fn print_json<T: Serialize>(value: &T) -> Result<(), CliError> {
    // Written as it is produced: 30,000 rows need not also sit in memory as one string.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::other)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush())
        .map_err(|e| CliError::new(Exit::Error, format!("cannot write JSON: {e}")))
}

fn date(s: &Option<String>) -> String {
    s.as_deref()
        .map(|d| d.get(..10).unwrap_or(d).to_string())
        .unwrap_or_else(|| "never".into())
}

/// `bbkeys workspaces`.
pub async fn workspaces(ctx: &Context) -> Result<Exit, CliError> {
    let list = ctx.client.workspaces().await?;
    if ctx.json {
        print_json(&list)?;
    } else {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|w| {
                vec![
                    w.slug.clone(),
                    w.name.clone(),
                    if w.administrator {
                        "yes".into()
                    } else {
                        "no".into()
                    },
                ]
            })
            .collect();
        print_table(&["WORKSPACE", "NAME", "ADMIN"], &rows);
    }
    Ok(Exit::Ok)
}

/// `bbkeys repos <ws>`.
pub async fn repos(ctx: &Context, ws: &str) -> Result<Exit, CliError> {
    check_workspace(ws)?;
    let list = ctx.client.repositories(ws).await?;
    if ctx.json {
        #[derive(Serialize)]
        struct Row<'a> {
            slug: &'a str,
            name: Option<String>,
            project: Option<&'a str>,
            uuid: Option<&'a str>,
        }
        let rows: Vec<Row> = list
            .iter()
            .map(|r| Row {
                slug: &r.slug,
                name: r.name.as_deref().map(clean_line),
                project: r.project.as_ref().map(|p| p.key.as_str()),
                uuid: r.uuid.as_deref(),
            })
            .collect();
        print_json(&rows)?;
    } else {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|r| {
                vec![
                    r.slug.clone(),
                    r.name.clone().unwrap_or_default(),
                    r.project
                        .as_ref()
                        .map(|p| p.key.clone())
                        .unwrap_or_default(),
                ]
            })
            .collect();
        print_table(&["REPOSITORY", "NAME", "PROJECT"], &rows);
    }
    Ok(Exit::Ok)
}

pub(super) fn check_workspace(ws: &str) -> Result<(), CliError> {
    if valid_slug(ws) {
        Ok(())
    } else {
        Err(CliError::new(
            Exit::Usage,
            format!("{ws:?} is not a workspace slug (letters, digits, '-', '_' and '.')"),
        ))
    }
}

fn check_project(p: &str) -> Result<(), CliError> {
    if valid_project_key(p) {
        Ok(())
    } else {
        Err(CliError::new(
            Exit::Usage,
            format!("{p:?} is not a project key (letters, digits and '_', such as API)"),
        ))
    }
}

/// Where a single-target command acts.
fn scope_of(target: &str, project: Option<&str>) -> Result<KeyScope, CliError> {
    match project {
        Some(p) => {
            if target.contains('/') {
                return Err(CliError::new(
                    Exit::Usage,
                    format!("with --project, name only the workspace, not {target:?}"),
                ));
            }
            check_workspace(target)?;
            check_project(p)?;
            Ok(KeyScope::Project {
                workspace: target.into(),
                project: p.into(),
            })
        }
        None => {
            let r: RepoRef = target
                .parse()
                .map_err(|e: String| CliError::new(Exit::Usage, e))?;
            Ok(KeyScope::Repository {
                workspace: r.workspace,
                repo: r.repo,
            })
        }
    }
}

/// Dispatches `keys` subcommands. A command takes the single-target form or the fan-out
/// form, never both.
pub async fn run(ctx: &Context, cmd: KeysCommand) -> Result<Exit, CliError> {
    match cmd {
        KeysCommand::Find(args) => super::find::run(ctx, args).await,
        KeysCommand::List {
            target,
            project,
            csv,
        } => list(ctx, &target, project.as_deref(), csv).await,
        KeysCommand::Add {
            targets,
            key,
            label,
            project,
            bulk,
        } => {
            if targets.len() == 1 && !bulk.dry_run {
                let scope = scope_of(&targets[0], project.as_deref())?;
                return add(ctx, &scope, &key, &label).await;
            }
            if project.is_some() && targets.len() > 1 {
                return Err(CliError::new(
                    Exit::Usage,
                    "with --project, name one workspace only",
                ));
            }
            let scopes = targets
                .iter()
                .map(|t| scope_of(t, project.as_deref()))
                .collect::<Result<Vec<_>, _>>()?;
            super::bulk::add_many(ctx, scopes, &key, &label, bulk).await
        }
        KeysCommand::Rm {
            target,
            key,
            project,
            fingerprint,
            workspace,
            repos,
            bulk,
        } => match (fingerprint, target) {
            (Some(_), Some(_)) => Err(both_forms("rm")),
            (Some(fp), None) => {
                if key.is_some() || project.is_some() {
                    return Err(both_forms("rm"));
                }
                let ws = workspace.ok_or_else(|| {
                    CliError::new(Exit::Usage, "--fingerprint needs --workspace <ws>")
                })?;
                super::bulk::remove_everywhere(ctx, &ws, &fp, &repos, bulk).await
            }
            (None, Some(target)) => {
                if workspace.is_some() || !repos.is_empty() {
                    return Err(both_forms("rm"));
                }
                let key = key.ok_or_else(|| {
                    CliError::new(
                        Exit::Usage,
                        "name the key to remove: its id or SHA256:... fingerprint",
                    )
                })?;
                let scope = scope_of(&target, project.as_deref())?;
                rm(ctx, &scope, &key, bulk).await
            }
            (None, None) => Err(CliError::new(
                Exit::Usage,
                "name a key: `keys rm <ws>/<repo> <id|SHA256:...>`, or `keys rm --fingerprint SHA256:... --workspace <ws>`",
            )),
        },
        KeysCommand::Relabel {
            target,
            key,
            new_label,
            project,
            fingerprint,
            workspace,
            label,
            bulk,
        } => match (fingerprint, target) {
            (Some(_), Some(_)) => Err(both_forms("relabel")),
            (Some(fp), None) => {
                if project.is_some() {
                    return Err(both_forms("relabel"));
                }
                let ws = workspace.ok_or_else(|| {
                    CliError::new(Exit::Usage, "--fingerprint needs --workspace <ws>")
                })?;
                let label = label.ok_or_else(|| {
                    CliError::new(Exit::Usage, "--fingerprint needs --label <text|template>")
                })?;
                super::bulk::relabel_everywhere(ctx, &ws, &fp, &label, bulk).await
            }
            (None, Some(target)) => {
                if workspace.is_some() || label.is_some() {
                    return Err(both_forms("relabel"));
                }
                let (Some(key), Some(new_label)) = (key, new_label) else {
                    return Err(CliError::new(
                        Exit::Usage,
                        "usage: keys relabel <ws>/<repo> <id|SHA256:...> <new-label>",
                    ));
                };
                let scope = scope_of(&target, project.as_deref())?;
                relabel(ctx, &scope, &key, &new_label, bulk).await
            }
            (None, None) => Err(CliError::new(
                Exit::Usage,
                "name a key: `keys relabel <ws>/<repo> <id|SHA256:...> <new-label>`, or `keys relabel --fingerprint SHA256:... --workspace <ws> --label <text>`",
            )),
        },
        KeysCommand::Rotate {
            from,
            to,
            workspace,
            label,
            bulk,
        } => super::bulk::rotate(ctx, &workspace, &from, &to, label.as_deref(), bulk).await,
    }
}

fn both_forms(cmd: &str) -> CliError {
    CliError::new(
        Exit::Usage,
        format!(
            "keys {cmd} takes either a single target (<ws>/<repo> <key>) or the fan-out options (--fingerprint, --workspace), not both"
        ),
    )
}

async fn list(
    ctx: &Context,
    target: &str,
    project: Option<&str>,
    csv: bool,
) -> Result<Exit, CliError> {
    let mut rows = Vec::new();
    let mut failures: Vec<ApiError> = Vec::new();
    if let Some(p) = project {
        let scope = scope_of(target, Some(p))?;
        let keys = ctx.client.project_keys(scope.workspace(), p).await?;
        rows.extend(keys.iter().map(|k| KeyRow::new(&scope, k)));
    } else if let Some((ws, repo)) = target.split_once('/') {
        let r: RepoRef = target
            .parse()
            .map_err(|e: String| CliError::new(Exit::Usage, e))?;
        let scope = KeyScope::Repository {
            workspace: r.workspace.clone(),
            repo: r.repo.clone(),
        };
        let (keys, repository) = tokio::join!(
            ctx.client.repo_keys(ws, repo),
            ctx.client.repository(ws, repo)
        );
        rows.extend(keys?.iter().map(|k| KeyRow::new(&scope, k)));
        // Inherited project keys: a project key grants read access to every repository of it.
        match repository {
            Ok(repository) => {
                if let Some(p) = repository.project {
                    let pscope = KeyScope::Project {
                        workspace: ws.into(),
                        project: p.key.clone(),
                    };
                    match ctx.client.project_keys(ws, &p.key).await {
                        Ok(keys) => rows.extend(keys.iter().map(|k| KeyRow::new(&pscope, k))),
                        Err(e) => failures.push(e),
                    }
                }
            }
            Err(e) => failures.push(e),
        }
    } else {
        check_workspace(target)?;
        let scan = super::scan_cost::scan(ctx, target).await?;
        // Consumed as rows are made, so the scan and the rows are not both held in full.
        for (slug, keys) in scan.repo_keys {
            let scope = KeyScope::Repository {
                workspace: target.into(),
                repo: slug,
            };
            match keys {
                Ok(keys) => rows.extend(keys.iter().map(|k| KeyRow::new(&scope, k))),
                Err(e) => failures.push(e),
            }
        }
        for (pkey, keys) in scan.project_keys {
            let scope = KeyScope::Project {
                workspace: target.into(),
                project: pkey,
            };
            match keys {
                Ok(keys) => rows.extend(keys.iter().map(|k| KeyRow::new(&scope, k))),
                Err(e) => failures.push(e),
            }
        }
        if let Some(e) = scan.projects_error {
            failures.push(e);
        }
    }
    sort_rows(&mut rows);
    if ctx.json {
        print_json(&rows)?;
    } else if csv {
        print!("{}", rows_to_csv(&rows));
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    match (&r.repo, &r.project) {
                        (Some(repo), _) => format!("{}/{}", r.workspace, repo),
                        (None, Some(p)) => format!("{} project {}", r.workspace, p),
                        _ => r.workspace.clone(),
                    },
                    r.id.to_string(),
                    r.label.clone(),
                    r.fingerprint
                        .clone()
                        .unwrap_or_else(|| "(unreadable key)".into()),
                    match (&r.key_type, r.bits) {
                        (Some(t), Some(b)) => format!("{t} {b}"),
                        _ => "?".into(),
                    },
                    date(&r.created_on),
                    date(&r.last_used),
                ]
            })
            .collect();
        print_table(
            &[
                "WHERE",
                "ID",
                "LABEL",
                "FINGERPRINT",
                "TYPE",
                "CREATED",
                "LAST USED",
            ],
            &table,
        );
    }
    if failures.is_empty() {
        return Ok(Exit::Ok);
    }
    for f in &failures {
        CliError::from(f.clone()).print(ctx.json);
    }
    Ok(Exit::Partial)
}

/// CSV with a header; fields quoted where needed.
pub fn rows_to_csv(rows: &[KeyRow]) -> String {
    fn field(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) || s.starts_with(['=', '+', '-', '@']) {
            // A leading formula character is neutralised so spreadsheets do not run it.
            let s = if s.starts_with(['=', '+', '-', '@']) {
                format!("'{s}")
            } else {
                s.to_string()
            };
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    let mut out = String::from(
        "workspace,repo,project,scope,id,label,comment,fingerprint,key_type,bits,created_on,last_used\n",
    );
    for r in rows {
        let cols = [
            r.workspace.clone(),
            r.repo.clone().unwrap_or_default(),
            r.project.clone().unwrap_or_default(),
            r.scope.to_string(),
            r.id.to_string(),
            r.label.clone(),
            r.comment.clone().unwrap_or_default(),
            r.fingerprint.clone().unwrap_or_default(),
            r.key_type.clone().unwrap_or_default(),
            r.bits.map(|b| b.to_string()).unwrap_or_default(),
            r.created_on.clone().unwrap_or_default(),
            r.last_used.clone().unwrap_or_default(),
        ];
        out.push_str(&cols.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// Reads a public key from a file or standard input, and validates it before any request.
pub(super) fn read_key(source: &str) -> Result<PublicKey, CliError> {
    let text = if source == "-" {
        let mut s = String::new();
        std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut s)
            .map_err(|e| {
                CliError::new(
                    Exit::Error,
                    format!("cannot read the key from standard input: {e}"),
                )
            })?;
        s
    } else {
        let path = PathBuf::from(source);
        let meta = std::fs::metadata(&path).map_err(|e| {
            CliError::new(
                Exit::Error,
                format!("cannot read the key file {}: {e}", path.display()),
            )
        })?;
        if meta.len() > 64 * 1024 {
            return Err(CliError::new(
                Exit::Error,
                format!("{} is too large to be a public key", path.display()),
            ));
        }
        let bytes = std::fs::read(&path).map_err(|e| {
            CliError::new(
                Exit::Error,
                format!("cannot read the key file {}: {e}", path.display()),
            )
        })?;
        String::from_utf8(bytes).map_err(|_| {
            CliError::new(
                Exit::Error,
                format!(
                    "{} is not a text file; expected an OpenSSH public key (.pub)",
                    path.display()
                ),
            )
        })?
    };
    PublicKey::parse(&text).map_err(|e| {
        let from = if source == "-" {
            "the key on standard input".to_string()
        } else {
            source.to_string()
        };
        CliError::new(Exit::Error, format!("{from}: {e}"))
    })
}

pub(super) fn check_label(label: &str) -> Result<String, CliError> {
    let trimmed = label.trim();
    if trimmed.is_empty() {
        return Err(CliError::new(
            Exit::Usage,
            "the label is empty: give a name such as --label ci-deploy",
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(CliError::new(
            Exit::Usage,
            "the label contains control characters",
        ));
    }
    if trimmed.chars().count() > 255 {
        return Err(CliError::new(
            Exit::Usage,
            "the label is longer than 255 characters",
        ));
    }
    Ok(trimmed.to_string())
}

async fn add(ctx: &Context, scope: &KeyScope, source: &str, label: &str) -> Result<Exit, CliError> {
    let label = check_label(label)?;
    let key = read_key(source)?;
    let fp = key.fingerprint();
    let journal = ctx.journal();
    let ops = KeyOps {
        client: &ctx.client,
        journal: &journal,
        stop: None,
    };
    let (status, k) = match ops.add(scope, &key, &label, None).await.map_err(op_error)? {
        AddOutcome::Added(k) => ("added", k),
        AddOutcome::AlreadyPresent(k) => ("already present", k),
    };
    if ctx.json {
        print_json(&serde_json::json!({
            "status": status,
            "where": scope.to_string(),
            "fingerprint": fp.to_string(),
            "key": KeyRow::new(scope, &k),
        }))?;
    } else if status == "added" {
        println!(
            "Added {} ({} {}) to {} as id {} with label {:?}.",
            fp,
            key.key_type(),
            key.bits(),
            scope,
            k.id,
            label
        );
    } else {
        println!(
            "{fp} is already present on {scope} (id {}); nothing to do.",
            k.id
        );
    }
    Ok(Exit::Ok)
}

/// Maps an operation error to the CLI's exit codes.
pub fn op_error(e: OpError) -> CliError {
    match e {
        OpError::Api(api) => api.into(),
        other => {
            let exit = if other.is_auth_problem() {
                Exit::Auth
            } else {
                Exit::Error
            };
            CliError::new(exit, other.to_string())
        }
    }
}

/// Finds the key named by id or fingerprint on `scope`.
async fn resolve_key(ctx: &Context, scope: &KeyScope, which: &str) -> Result<DeployKey, CliError> {
    let by_fp = if which.starts_with("SHA256:") {
        Some(
            Fingerprint::parse(which)
                .map_err(|e| CliError::new(Exit::Usage, format!("{which}: {e}")))?,
        )
    } else {
        None
    };
    let by_id = match by_fp {
        Some(_) => None,
        None => Some(which.parse::<u64>().map_err(|_| {
            CliError::new(
                Exit::Usage,
                format!("{which:?} is neither a key id (a number) nor a SHA256:... fingerprint"),
            )
        })?),
    };
    let keys = list_keys(&ctx.client, scope).await?;
    keys.into_iter()
        .find(|k| match (&by_id, &by_fp) {
            (Some(id), _) => k.id == *id,
            (_, Some(fp)) => fingerprint_of(k).is_some_and(|f| f == *fp),
            _ => false,
        })
        .ok_or_else(|| CliError::new(Exit::Error, format!("there is no key {which} on {scope}")))
}

/// Asks a yes/no question on the terminal; the default is No.
pub(super) fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
}

pub(super) fn require_yes_off_terminal(yes: bool, what: &str) -> Result<(), CliError> {
    if !yes && !std::io::stdin().is_terminal() {
        return Err(CliError::new(
            Exit::Usage,
            format!(
                "refusing to {what} without confirmation: stdin is not a terminal, so pass --yes"
            ),
        ));
    }
    Ok(())
}

async fn relabel(
    ctx: &Context,
    scope: &KeyScope,
    which: &str,
    new_label: &str,
    bulk: BulkArgs,
) -> Result<Exit, CliError> {
    let yes = bulk.yes;
    if bulk.dry_run {
        let key = resolve_key(ctx, scope, which).await?;
        println!(
            "-/+ {scope}  {}  '{}' -> '{}' (dry run: nothing changed)",
            fingerprint_of(&key)
                .map(|f| f.to_string())
                .unwrap_or_default(),
            clean_line(key.label.as_deref().unwrap_or("")),
            clean_line(new_label)
        );
        return Ok(Exit::Ok);
    }
    let new_label = check_label(new_label)?;
    require_yes_off_terminal(yes, "relabel")?;
    let key = resolve_key(ctx, scope, which).await?;
    let row = KeyRow::new(scope, &key);
    if row.label == new_label {
        println!(
            "Key {} on {} is already labelled {:?}; nothing to do.",
            row.id, scope, new_label
        );
        return Ok(Exit::Ok);
    }
    let in_place = ctx.config.edit_strategy == EditStrategy::InPlace
        && matches!(scope, KeyScope::Repository { .. });
    if !yes {
        let how = if in_place {
            format!(
                "The label of key {} will be changed to '{}' in place. If Bitbucket refuses, the key will be deleted and re-added instead: its id will change and its last-used date will reset, and for a moment {} will not accept this key.",
                row.fingerprint.as_deref().unwrap_or("?"),
                new_label,
                scope
            )
        } else {
            format!(
                "The key {} ('{}') will be deleted and re-added with the label '{}'. Its id will change and its last-used date will reset. For a moment {} will not accept this key.",
                row.fingerprint.as_deref().unwrap_or("?"),
                row.label,
                new_label,
                scope
            )
        };
        eprintln!("{how}");
        if !confirm("Go ahead?") {
            eprintln!("Nothing changed.");
            return Ok(Exit::Ok);
        }
    }
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let _guard = StopOnSignal::install(stop.clone());
    let journal = ctx.journal();
    let ops = KeyOps {
        client: &ctx.client,
        journal: &journal,
        stop: Some(&stop),
    };
    let outcome = ops
        .relabel(scope, &key, &new_label, ctx.config.edit_strategy, None)
        .await
        .map_err(op_error)?;
    let (how, k) = match outcome {
        RelabelOutcome::InPlace(k) => ("changed in place", k),
        RelabelOutcome::Replaced(k) => ("deleted and re-added", k),
        RelabelOutcome::Unchanged(k) => ("unchanged", k),
    };
    if ctx.json {
        print_json(
            &serde_json::json!({ "status": how, "where": scope.to_string(), "key": KeyRow::new(scope, &k) }),
        )?;
    } else {
        println!(
            "Key {} on {} is now labelled {:?} ({how}; id {}).",
            row.fingerprint.as_deref().unwrap_or("?"),
            scope,
            new_label,
            k.id
        );
    }
    Ok(Exit::Ok)
}

/// Sets a flag on Ctrl-C or SIGTERM instead of dying, so a journaled operation finishes its
/// current step and leaves its entry pending or done.
pub struct StopOnSignal(tokio::task::JoinHandle<()>);

impl StopOnSignal {
    /// Starts listening.
    pub fn install(flag: std::sync::Arc<AtomicBool>) -> StopOnSignal {
        StopOnSignal(tokio::spawn(async move {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{SignalKind, signal};
                if let (Ok(mut term), Ok(mut hup)) = (
                    signal(SignalKind::terminate()),
                    signal(SignalKind::hangup()),
                ) {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                        _ = hup.recv() => {}
                    }
                    flag.store(true, Ordering::SeqCst);
                    eprintln!("bbkeys: stopping after the current step…");
                    return;
                }
            }
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::SeqCst);
                eprintln!("bbkeys: stopping after the current step…");
            }
        }))
    }
}

impl Drop for StopOnSignal {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn rm(
    ctx: &Context,
    scope: &KeyScope,
    which: &str,
    bulk: BulkArgs,
) -> Result<Exit, CliError> {
    let yes = bulk.yes;
    if bulk.dry_run {
        let key = resolve_key(ctx, scope, which).await?;
        println!(
            "-   {scope}  {}  '{}' (id {}) (dry run: nothing changed)",
            fingerprint_of(&key)
                .map(|f| f.to_string())
                .unwrap_or_default(),
            clean_line(key.label.as_deref().unwrap_or("")),
            key.id
        );
        return Ok(Exit::Ok);
    }
    require_yes_off_terminal(yes, "delete")?;
    let key = resolve_key(ctx, scope, which).await?;
    let row = KeyRow::new(scope, &key);
    if !yes
        && !confirm(&format!(
            "Delete key {} ({}) labelled {:?} from {}?",
            row.id,
            row.fingerprint.as_deref().unwrap_or("unreadable key"),
            row.label,
            scope
        ))
    {
        eprintln!("Nothing deleted.");
        return Ok(Exit::Ok);
    }
    let journal = ctx.journal();
    let ops = KeyOps {
        client: &ctx.client,
        journal: &journal,
        stop: None,
    };
    ops.delete(scope, &key, None).await.map_err(op_error)?;
    if ctx.json {
        print_json(
            &serde_json::json!({ "status": "deleted", "where": scope.to_string(), "key": row }),
        )?;
    } else {
        println!(
            "Deleted key {} ({}) labelled {:?} from {}.",
            row.id,
            row.fingerprint.as_deref().unwrap_or("?"),
            row.label,
            scope
        );
    }
    Ok(Exit::Ok)
}
