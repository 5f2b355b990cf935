//! `bbkeys keys`: its subcommands, and the choice between the single-target and fan-out forms.

use clap::Subcommand;

use super::context::Context;
use super::fields::FieldsArg;
use super::key_input::{BulkArgs, scope_on};
use super::listing::list;
use super::output::{CliError, Exit};
use super::single::{add, relabel, rm};
use super::skipped::StrictArg;
use crate::forge::Permission;
use crate::ops::keyops::Grant;

/// Reads `read` or `write`.
fn parse_permission(s: &str) -> Result<Permission, String> {
    s.parse()
}

/// The options of `keys list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// `<workspace>` or `<workspace>/<repository>` [default: BBKEYS_WORKSPACE or the
    /// profile's default_workspace].
    target: Option<String>,
    /// Every workspace your credential sees, one after the other.
    #[arg(long, conflicts_with_all = ["target", "project"])]
    all_workspaces: bool,
    /// List the keys of this project of the workspace.
    #[arg(long, value_name = "KEY")]
    project: Option<String>,
    /// CSV output.
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// Only the keys this query matches, such as `type:rsa bits:<3072` or `used:never`
    /// (fields: label type bits used added repo project finding; plain words match the
    /// label). Each row is one holding, so `used:` is judged per repository or project.
    #[arg(long = "where", value_name = "QUERY")]
    where_: Option<String>,
    #[command(flatten)]
    fields: FieldsArg,
    #[command(flatten)]
    strict: StrictArg,
}

/// `bbkeys keys ...`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List access keys: of a whole workspace (all admin repositories and projects), of one
    /// repository (its own keys plus the project keys it inherits), or of one project.
    List(ListArgs),
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
        /// Data Center: `read` (default) or `write` access.
        #[arg(long, value_name = "read|write", value_parser = parse_permission)]
        permission: Option<Permission>,
        /// Data Center: the key expires this many days after it is added.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        expiry_days: Option<u32>,
        #[command(flatten)]
        bulk: BulkArgs,
    },
    /// Data Center: change what a key may do on one repository (or, with --project, project):
    /// `keys permission PROJ/repo <id> read|write`, one request.
    Permission {
        /// `<project>/<repository>`, or `<project>` with --project.
        target: String,
        /// The key id, or its `SHA256:` fingerprint.
        key: String,
        /// `read` or `write`.
        #[arg(value_parser = parse_permission)]
        permission: Permission,
        /// Change the key's permission on this project.
        #[arg(long, value_name = "KEY")]
        project: Option<String>,
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
        /// Fan-out: the workspace to search [default: BBKEYS_WORKSPACE or the profile's
        /// default_workspace].
        #[arg(long, short = 'w', value_name = "WS")]
        workspace: Option<String>,
        /// Fan-out: the new label, or a template with {workspace}, {repo}, {project}, {label}.
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        bulk: BulkArgs,
        #[command(flatten)]
        strict: StrictArg,
    },
    /// Remove a key from a repository (or, with --project, from a project). The fan-out form
    /// `--fingerprint SHA256:... --workspace <ws> [--repo <slug>...]` removes it from every
    /// repository and project holding it.
    #[command(visible_aliases = ["delete", "remove"])]
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
        /// Fan-out: the workspace to search [default: BBKEYS_WORKSPACE or the profile's
        /// default_workspace].
        #[arg(long, short = 'w', value_name = "WS")]
        workspace: Option<String>,
        /// Fan-out: only these repositories (slugs); default: every repository and project.
        #[arg(long = "repo", value_name = "SLUG")]
        repos: Vec<String>,
        #[command(flatten)]
        bulk: BulkArgs,
        #[command(flatten)]
        strict: StrictArg,
    },
    /// Replace one key with another in every repository and project of a workspace that holds
    /// it: per place, add the new key, verify it, then delete the old one.
    ///
    /// With --stage the rotation leaves no window of risk: step one adds the new key everywhere
    /// and keeps the old one; step two removes the old key from a place only once Bitbucket
    /// shows the new key used there (`bbkeys journal advance`, safe to run from cron), or
    /// everywhere at once with `bbkeys journal finish <id>`. `bbkeys journal list` shows the
    /// places still waiting; `bbkeys journal undo <id>` removes the new keys and keeps the old.
    Rotate {
        /// The key to replace: `SHA256:...` or its `.pub` file.
        #[arg(long, value_name = "SHA256:...|FILE")]
        from: String,
        /// The new key's `.pub` file (`-` for standard input).
        #[arg(long, value_name = "FILE|-")]
        to: String,
        /// The workspace [default: BBKEYS_WORKSPACE or the profile's default_workspace].
        #[arg(long, short = 'w', value_name = "WS")]
        workspace: Option<String>,
        /// Label of the new key (default: the old key's label in each place).
        #[arg(long)]
        label: Option<String>,
        /// Only these repositories (slugs), for example one: `--repo api`; default: every
        /// repository and project of the workspace.
        #[arg(long = "repo", value_name = "SLUG")]
        repos: Vec<String>,
        /// Add the new key now and remove the old one only once the new one has been used
        /// (see `bbkeys journal advance` and `bbkeys journal finish`).
        #[arg(long)]
        stage: bool,
        #[command(flatten)]
        bulk: BulkArgs,
        #[command(flatten)]
        strict: StrictArg,
    },
    /// Find every repository and project of a workspace that holds a key.
    Find(super::find_args::FindArgs),
}

/// Dispatches `keys` subcommands. A command takes the single-target form or the fan-out
/// form, never both.
pub async fn run(ctx: &Context, cmd: KeysCommand) -> Result<Exit, CliError> {
    match cmd {
        KeysCommand::Find(args) => super::find::run(ctx, args).await,
        KeysCommand::List(args) => run_list(ctx, args).await,
        KeysCommand::Permission {
            target,
            key,
            permission,
            project,
        } => {
            let scope = scope_on(ctx.kind(), &target, project.as_deref())?;
            super::single::set_permission(ctx, &scope, &key, permission).await
        }
        KeysCommand::Add {
            targets,
            key,
            label,
            project,
            permission,
            expiry_days,
            bulk,
        } => {
            let grant = Grant {
                permission: permission.unwrap_or_default(),
                expiry_days,
            };
            run_add(ctx, &targets, &key, &label, project.as_deref(), grant, bulk).await
        }
        KeysCommand::Rm {
            target,
            key,
            project,
            fingerprint,
            workspace,
            repos,
            bulk,
            strict,
        } => {
            let form = RmForm {
                target,
                key,
                project,
                fingerprint,
                workspace,
                repos,
            };
            run_rm(ctx, form, bulk, strict.strict).await
        }
        KeysCommand::Relabel {
            target,
            key,
            new_label,
            project,
            fingerprint,
            workspace,
            label,
            bulk,
            strict,
        } => {
            let form = RelabelForm {
                target,
                key,
                new_label,
                project,
                fingerprint,
                workspace,
                label,
            };
            run_relabel(ctx, form, bulk, strict.strict).await
        }
        KeysCommand::Rotate {
            from,
            to,
            workspace,
            label,
            repos,
            stage,
            bulk,
            strict,
        } => {
            let workspace = ctx.workspace_or_default(workspace)?;
            let rotation = super::bulk::Rotation {
                from: &from,
                to: &to,
                label: label.as_deref(),
                repos: &repos,
                stage,
            };
            super::bulk::rotate(ctx, &workspace, rotation, bulk, strict.strict).await
        }
    }
}

/// `keys list`: one workspace, repository or project, or every workspace.
async fn run_list(ctx: &Context, args: ListArgs) -> Result<Exit, CliError> {
    let out = args
        .fields
        .output(ctx, args.csv, super::fields::KEY_FIELDS)?;
    let query = args
        .where_
        .as_deref()
        .map(super::key_query::parse_where)
        .transpose()?;
    let strict = args.strict.strict;
    if args.all_workspaces {
        return super::all_workspaces::list(ctx, &out, strict, query.as_ref()).await;
    }
    let target = ctx.workspace_or_default(args.target)?;
    list(
        ctx,
        &target,
        args.project.as_deref(),
        &out,
        strict,
        query.as_ref(),
    )
    .await
}

/// `keys add`: one place (with a permission and expiry where the forge has them), or many.
async fn run_add(
    ctx: &Context,
    targets: &[String],
    key: &str,
    label: &str,
    project: Option<&str>,
    grant: Grant,
    bulk: BulkArgs,
) -> Result<Exit, CliError> {
    grant
        .check(ctx.forge())
        .map_err(|e| CliError::new(Exit::Usage, e.advice))?;
    if targets.len() == 1 && !bulk.dry_run {
        let scope = scope_on(ctx.kind(), &targets[0], project)?;
        return add(ctx, &scope, key, label, grant).await;
    }
    if grant != Grant::default() {
        return Err(CliError::new(
            Exit::Usage,
            "--permission and --expiry-days take one target, without --dry-run, for now",
        ));
    }
    if project.is_some() && targets.len() > 1 {
        return Err(CliError::new(
            Exit::Usage,
            "with --project, name one workspace only",
        ));
    }
    let scopes = targets
        .iter()
        .map(|t| scope_on(ctx.kind(), t, project))
        .collect::<Result<Vec<_>, _>>()?;
    super::bulk::add_many(ctx, scopes, key, label, bulk).await
}

/// The two forms of `keys relabel`, as parsed.
struct RelabelForm {
    target: Option<String>,
    key: Option<String>,
    new_label: Option<String>,
    project: Option<String>,
    fingerprint: Option<String>,
    workspace: Option<String>,
    label: Option<String>,
}

/// `keys relabel`: one place, or a fan-out by fingerprint; on Data Center a replace-everywhere.
async fn run_relabel(
    ctx: &Context,
    form: RelabelForm,
    bulk: BulkArgs,
    strict: bool,
) -> Result<Exit, CliError> {
    let RelabelForm {
        target,
        key,
        new_label,
        project,
        fingerprint,
        workspace,
        label,
    } = form;
    match (fingerprint, target) {
        (Some(_), Some(_)) => Err(both_forms("relabel")),
        // A label belongs to the key and is shared by every grant, and no REST call
        // changes it: Data Center relabels by replacing the key at every grant.
        (Some(fp), None) if ctx.kind() == crate::forge::ForgeKind::DataCenter => {
            if project.is_some() || strict {
                return Err(both_forms("relabel"));
            }
            let ws = ctx.workspace_or_default(workspace)?;
            let label = label
                .ok_or_else(|| CliError::new(Exit::Usage, "--fingerprint needs --label <text>"))?;
            let which = super::dc_relabel::Which::InProject {
                project: &ws,
                fingerprint: &fp,
            };
            super::dc_relabel::run(ctx, which, &label, bulk).await
        }
        (None, Some(target)) if ctx.kind() == crate::forge::ForgeKind::DataCenter => {
            if workspace.is_some() || label.is_some() || strict {
                return Err(both_forms("relabel"));
            }
            let (Some(key), Some(new_label)) = (key, new_label) else {
                return Err(CliError::new(
                    Exit::Usage,
                    "usage: keys relabel <PROJ>/<repo> <id|SHA256:...> <new-label>",
                ));
            };
            let scope = scope_on(ctx.kind(), &target, project.as_deref())?;
            let which = super::dc_relabel::Which::At {
                scope: &scope,
                key: &key,
            };
            super::dc_relabel::run(ctx, which, &new_label, bulk).await
        }
        (Some(fp), None) => {
            if project.is_some() {
                return Err(both_forms("relabel"));
            }
            let ws = ctx.workspace_or_default(workspace)?;
            let label = label.ok_or_else(|| {
                CliError::new(Exit::Usage, "--fingerprint needs --label <text|template>")
            })?;
            super::bulk::relabel_everywhere(ctx, &ws, &fp, &label, bulk, strict).await
        }
        (None, Some(target)) => {
            if workspace.is_some() || label.is_some() || strict {
                return Err(both_forms("relabel"));
            }
            let (Some(key), Some(new_label)) = (key, new_label) else {
                return Err(CliError::new(
                    Exit::Usage,
                    "usage: keys relabel <ws>/<repo> <id|SHA256:...> <new-label>",
                ));
            };
            let scope = scope_on(ctx.kind(), &target, project.as_deref())?;
            relabel(ctx, &scope, &key, &new_label, bulk).await
        }
        (None, None) => Err(CliError::new(
            Exit::Usage,
            "name a key: `keys relabel <ws>/<repo> <id|SHA256:...> <new-label>`, or `keys relabel --fingerprint SHA256:... --workspace <ws> --label <text>`",
        )),
    }
}

/// The two forms of `keys rm`, as parsed.
struct RmForm {
    target: Option<String>,
    key: Option<String>,
    project: Option<String>,
    fingerprint: Option<String>,
    workspace: Option<String>,
    repos: Vec<String>,
}

/// `keys rm`: one place, or everywhere in a workspace by fingerprint.
async fn run_rm(
    ctx: &Context,
    form: RmForm,
    bulk: BulkArgs,
    strict: bool,
) -> Result<Exit, CliError> {
    let RmForm {
        target,
        key,
        project,
        fingerprint,
        workspace,
        repos,
    } = form;
    match (fingerprint, target) {
        (Some(_), Some(_)) => Err(both_forms("rm")),
        (Some(fp), None) => {
            if key.is_some() || project.is_some() {
                return Err(both_forms("rm"));
            }
            let ws = ctx.workspace_or_default(workspace)?;
            super::bulk::remove_everywhere(ctx, &ws, &fp, &repos, bulk, strict).await
        }
        (None, Some(target)) => {
            if workspace.is_some() || !repos.is_empty() || strict {
                return Err(both_forms("rm"));
            }
            let key = key.ok_or_else(|| {
                CliError::new(
                    Exit::Usage,
                    "name the key to remove: its id or SHA256:... fingerprint",
                )
            })?;
            let scope = scope_on(ctx.kind(), &target, project.as_deref())?;
            rm(ctx, &scope, &key, bulk).await
        }
        (None, None) => Err(CliError::new(
            Exit::Usage,
            "name a key: `keys rm <ws>/<repo> <id|SHA256:...>`, or `keys rm --fingerprint SHA256:... --workspace <ws>`",
        )),
    }
}

fn both_forms(cmd: &str) -> CliError {
    CliError::new(
        Exit::Usage,
        format!(
            "keys {cmd} takes either a single target (<ws>/<repo> <key>) or the fan-out options (--fingerprint, --workspace, --strict), not both"
        ),
    )
}
