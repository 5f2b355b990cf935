//! The command line: clap definitions and dispatch. Each subcommand lives in its own file and
//! calls the same client and `ops` the TUI uses.

mod all_workspaces;
mod audit;
mod audit_gate;
mod auth;
mod auth_dc;
mod auth_setup;
mod bulk;
mod bulk_report;
mod cli_error;
mod compose;
mod context;
mod context_dc;
mod dc_find;
mod dc_listing;
mod dc_relabel;
mod demo_server;
mod desired;
mod doctor;
mod fields;
mod find;
mod find_args;
mod frame;
mod help;
mod journal;
mod key_input;
mod key_query;
mod key_row;
mod keys;
mod label_projects;
mod listing;
mod man;
mod output;
mod profile_switch;
mod prompt;
mod raw_text;
mod scan_cost;
mod single;
mod skipped;
mod staged;
mod stop_signal;
mod tui_launch;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, FromArgMatches, Parser, Subcommand};

pub use context::Context;
pub use help::command;
pub use output::{CliError, Exit};

/// Manage Bitbucket Cloud repository and project access keys ("deploy keys").
///
/// With no subcommand, bbkeys opens its terminal UI.
#[derive(Debug, Parser)]
#[command(name = "bbkeys", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every subcommand accepts. They are listed once, under their own heading, in
/// `bbkeys --help`; a subcommand's help leaves them out (see [`help::command`]).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Run against the built-in Bitbucket simulator with its demo data (no real credentials used).
    #[arg(long, global = true)]
    pub demo: bool,
    /// Which Bitbucket: `cloud` [default] or `datacenter` (self-hosted); a profile may set it.
    #[arg(long, global = true, env = "BBKEYS_FORGE", value_name = "FORGE", value_parser = parse_forge)]
    pub forge: Option<crate::forge::ForgeKind>,
    /// Cloud: the API base with its version path [default: https://api.bitbucket.org/2.0].
    /// Data Center: the server root with its context path, such as https://host/bitbucket.
    #[arg(long, global = true, env = "BBKEYS_API_URL", value_name = "URL")]
    pub api_url: Option<String>,
    /// Use this profile of the config file.
    #[arg(long, global = true, env = "BBKEYS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// Config file [default: $XDG_CONFIG_HOME/bbkeys/config.toml].
    #[arg(long, global = true, env = "BBKEYS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Requests in flight at most [default: 8].
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: Option<u16>,
    /// Machine-readable JSON output (errors go to stderr as one JSON object).
    #[arg(long, global = true)]
    pub json: bool,
    /// No progress messages on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// More detail in the trace log: -v debug, -vv trace (overrides BBKEYS_LOG).
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// A keys file for the TUI's Drift view (`D`), instead of the profile's `desired_state`.
    #[arg(long, global = true, value_name = "FILE")]
    pub desired: Option<PathBuf>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the workspaces your credential can see.
    Workspaces {
        /// Fields (columns) to print, separated by commas; also picks the fields of --json.
        #[arg(long, value_name = "FIELDS", value_delimiter = ',')]
        fields: Vec<String>,
    },
    /// List the repositories you administer in a workspace.
    Repos {
        /// Workspace slug [default: BBKEYS_WORKSPACE or the profile's default_workspace].
        workspace: Option<String>,
        /// Fields (columns) to print, separated by commas; also picks the fields of --json.
        #[arg(long, value_name = "FIELDS", value_delimiter = ',')]
        fields: Vec<String>,
    },
    /// List, add and remove access keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Audit workspaces: weak, unused, shared and project keys, and what could not be read;
    /// with a policy and `--fail-on`, a gate for CI (exit 5, SARIF, Markdown, baselines).
    Audit(audit::AuditArgs),
    /// Write a keys file (TOML) of everything a workspace holds, for `plan`.
    Export(desired::ExportArgs),
    /// Compare a keys file with what Bitbucket holds and print the changes (exit 6 with
    /// `--detailed-exitcode` when there are some).
    Plan(desired::PlanArgs),
    /// Apply a plan saved by `plan --out`, or plan and apply a keys file (`-f F --yes`); every
    /// touched place is read again first, and the whole change is journaled.
    Apply(desired::ApplyArgs),
    /// Show, finish or undo journaled operations (relabels, adds, deletes).
    #[command(subcommand)]
    Journal(journal::JournalCommand),
    /// Check the config, the credential and what it may do, writing nothing (exit 3 when it
    /// cannot authenticate or list workspaces).
    Doctor,
    /// Log in (store a verified token), show the credential in use, or log out.
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// Print a shell completion script.
    Completions {
        /// Shell to generate for.
        shell: clap_complete::Shell,
    },
    /// Run the built-in Bitbucket simulator until interrupted (for trying bbkeys and scripts).
    DemoServer(demo_server::DemoServerArgs),
    /// Write manual pages (roff), one per command and subcommand.
    Man(man::ManArgs),
}

/// Reads `--forge`/`BBKEYS_FORGE`, naming the accepted values when it is neither.
fn parse_forge(s: &str) -> Result<crate::forge::ForgeKind, String> {
    s.parse()
}

/// Parses the arguments and runs; returns the process exit code.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> i32 {
    let parsed = command()
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage as i32
            } else {
                Exit::Ok as i32
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bbkeys: cannot start the async runtime: {e}");
            return Exit::Error as i32;
        }
    };
    let json = cli.global.json;
    let code = match runtime.block_on(run(cli)) {
        Ok(code) => code as i32,
        Err(err) => {
            err.print(json);
            err.exit as i32
        }
    };
    scan_cost::report_peak_rss();
    code
}

async fn run(cli: Cli) -> Result<Exit, CliError> {
    let global = cli.global;
    match cli.command {
        Some(Command::Completions { shell }) => {
            clap_complete::generate(shell, &mut command(), "bbkeys", &mut std::io::stdout());
            Ok(Exit::Ok)
        }
        Some(Command::Man(args)) => man::run(&global, args),
        Some(Command::DemoServer(args)) => demo_server::run(&global, args).await,
        Some(Command::Doctor) => doctor::run(&global).await,
        Some(Command::Auth(cmd)) => auth::run(&global, cmd).await,
        Some(Command::Workspaces { fields }) => {
            let ctx = Context::build(&global).await?;
            ctx.warn_pending();
            listing::workspaces(&ctx, &fields).await
        }
        Some(Command::Repos { workspace, fields }) => {
            let ctx = Context::build(&global).await?;
            ctx.warn_pending();
            let workspace = ctx.workspace_or_default(workspace)?;
            listing::repos(&ctx, &workspace, &fields).await
        }
        Some(Command::Keys(cmd)) => {
            let ctx = Context::build(&global).await?;
            ctx.warn_pending();
            keys::run(&ctx, cmd).await
        }
        Some(Command::Audit(args)) => {
            let ctx = Context::build(&global).await?;
            ctx.warn_pending();
            audit::run(&ctx, args).await
        }
        Some(Command::Export(args)) => {
            let ctx = Context::build(&global).await?;
            ctx.warn_pending();
            desired::export(&ctx, args).await
        }
        Some(Command::Plan(args)) => {
            let ctx = Context::build(&global).await?;
            ctx.warn_pending();
            desired::plan(&ctx, args).await
        }
        Some(Command::Apply(args)) => {
            let ctx = Context::build(&global).await?;
            ctx.warn_pending();
            desired::apply(&ctx, args).await
        }
        Some(Command::Journal(cmd)) => {
            let ctx = Context::build(&global).await?;
            journal::run(&ctx, cmd).await
        }
        None => {
            require_terminal()?;
            let ctx = Context::build_for_tui(&global).await?;
            ctx.run_tui(&global).await
        }
    }
}

/// The terminal UI reads keys from stdin and draws on stdout, so it needs both to be a
/// terminal. Under cron, CI or `ssh host bbkeys` without `-t` there is none: crossterm would
/// panic reading events and write escape sequences into a log, so say what works instead,
/// before anything is started or written.
fn require_terminal() -> Result<(), CliError> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return Ok(());
    }
    Err(CliError::new(
        Exit::Usage,
        "the terminal UI needs a terminal, and stdin or stdout is not one (cron, CI, a pipe, or `ssh` without `-t`). The CLI subcommands work without one: for example `bbkeys workspaces`, `bbkeys keys list WORKSPACE`, `bbkeys audit WORKSPACE`; see `bbkeys --help`.",
    ))
}
