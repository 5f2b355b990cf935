//! Turns global options, the config file and the environment into a ready client.

use std::path::PathBuf;
use std::sync::Arc;

use super::GlobalArgs;
use super::compose::{Composed, concurrency_of, namespace_for, origin_of};
pub use super::compose::{api_url_for, client_options};
use super::output::{CliError, Exit};
use crate::bitbucket::client::{Credential, Secret};
use crate::bitbucket::{BudgetOwner, Client};
use crate::config::{
    Config, ConfigError, CredentialEnv, CredentialSource, ResolvedCredential,
    resolve_credential_with,
};
use crate::credentials::store::default_store;
use crate::forge::{Forge, ForgeKind};
use crate::paths::{Dirs, Namespace};

/// Everything a subcommand needs.
pub struct Context {
    /// The forge of the run, Cloud or Data Center: what forge-neutral commands work on.
    pub forge: Arc<dyn Forge>,
    /// The Cloud client on Cloud (its credential may be `None` only for the TUI's first-run
    /// screen); `None` on Data Center.
    pub(super) cloud: Option<Client>,
    /// Where the credential came from.
    pub source: CredentialSource,
    /// The loaded config.
    pub config: Config,
    /// Where the config file is (or would be: it may not exist yet).
    pub config_path: PathBuf,
    /// bbkeys' directories.
    pub dirs: Dirs,
    /// Which origin and account this run's files belong to.
    pub namespace: Namespace,
    /// Whose hourly allowance this credential spends (`None` without a credential).
    pub budget_owner: Option<BudgetOwner>,
    /// `--json`.
    pub json: bool,
    /// `--quiet`.
    pub quiet: bool,
    /// `--verbose` count: the trace log's level.
    pub verbose: u8,
    /// The concurrency limit in use.
    pub(super) concurrency: usize,
    /// The in-process simulator under `--demo`; kept alive as long as the context.
    pub simulator: Option<crate::demo::Simulator>,
    /// The in-process Data Center simulator under `--demo --forge datacenter`.
    pub(super) _dc_simulator: Option<crate::demo::datacenter::DcSimulator>,
    /// Under `--demo`, this run's own state and cache directories, removed at the end.
    pub(super) _demo_run: Option<crate::paths::DemoRun>,
}

/// Where a context's credential and files come from, and what it keeps alive: all in which
/// the contexts differ besides their client.
pub(super) struct RunOrigin {
    pub(super) source: CredentialSource,
    pub(super) namespace: Namespace,
    pub(super) budget_owner: Option<BudgetOwner>,
    pub(super) simulator: Option<crate::demo::Simulator>,
    pub(super) dc_simulator: Option<crate::demo::datacenter::DcSimulator>,
    pub(super) demo_run: Option<crate::paths::DemoRun>,
}

impl RunOrigin {
    /// A profile's own server: nothing to keep alive.
    pub(super) fn profile(
        source: CredentialSource,
        namespace: Namespace,
        budget_owner: Option<BudgetOwner>,
    ) -> RunOrigin {
        RunOrigin {
            source,
            namespace,
            budget_owner,
            simulator: None,
            dc_simulator: None,
            demo_run: None,
        }
    }

    /// A demo: its own directories, removed at the end; the caller adds its simulator.
    pub(super) fn demo(run: crate::paths::DemoRun) -> RunOrigin {
        RunOrigin {
            demo_run: Some(run),
            ..RunOrigin::profile(CredentialSource::Demo, Namespace::Demo, None)
        }
    }

    /// The context of the run: the one place a context is put together, whichever forge and
    /// credential it has.
    pub(super) fn into_context(
        self,
        global: &GlobalArgs,
        (config, config_path, dirs): (Config, PathBuf, Dirs),
        composed: Composed,
    ) -> Context {
        let concurrency = concurrency_of(&config, global);
        let Composed { forge, cloud } = composed;
        let ctx = Context {
            forge,
            cloud,
            source: self.source,
            config,
            config_path,
            dirs,
            namespace: self.namespace,
            budget_owner: self.budget_owner,
            json: global.json,
            quiet: global.quiet,
            verbose: global.verbose,
            concurrency,
            simulator: self.simulator,
            _dc_simulator: self.dc_simulator,
            _demo_run: self.demo_run,
        };
        ctx.init_logging();
        ctx
    }
}

impl Context {
    /// Running on a built-in simulator (`--demo`, either forge).
    pub fn is_demo(&self) -> bool {
        self.simulator.is_some() || self._dc_simulator.is_some()
    }

    /// Builds the context for a subcommand; no credential is an error (exit 3).
    pub async fn build(global: &GlobalArgs) -> Result<Context, CliError> {
        let ctx = Context::build_for_tui(global).await?;
        if ctx.source == CredentialSource::None && ctx.kind() == ForgeKind::DataCenter {
            return Err(CliError::new(
                Exit::Auth,
                "no Bitbucket Data Center credential is configured. Set BBKEYS_ACCESS_TOKEN (an HTTP access token: personal, project or repository), or BBKEYS_USERNAME and BBKEYS_API_TOKEN (your username and a personal token), or add a profile with forge = \"datacenter\" to the config file (see config.example.toml). Try it without a server: bbkeys --demo --forge datacenter",
            ));
        }
        if ctx.source == CredentialSource::None {
            return Err(CliError::new(
                Exit::Auth,
                "no Bitbucket credential is configured. Run `bbkeys auth login` to store an API token (one with Bitbucket scopes from https://id.atlassian.com/manage-profile/security/api-tokens), or set BBKEYS_EMAIL and BBKEYS_API_TOKEN, or add a profile to the config file (see config.example.toml). Try it without an account: bbkeys --demo",
            ));
        }
        Ok(ctx)
    }

    /// Builds the context; a missing credential is allowed (the TUI shows its first-run screen).
    pub async fn build_for_tui(global: &GlobalArgs) -> Result<Context, CliError> {
        let dirs = Dirs::discover().map_err(|e| CliError::new(Exit::Error, e))?;
        let (config_path, required) = config_location(global, &dirs);
        let config = Config::load(&config_path, required)?;
        if global.demo && global.forge == Some(ForgeKind::DataCenter) {
            return Context::demo_data_center(global, config, config_path, dirs).await;
        }
        if global.demo {
            return Context::demo(global, config, config_path, dirs).await;
        }
        let resolved = resolve(global, &config)?;
        Context::from_resolved(global, config, config_path, dirs, resolved)
    }

    /// Builds the context from a credential already resolved (doctor resolves it itself, to
    /// report a failure instead of stopping at it).
    pub fn from_resolved(
        global: &GlobalArgs,
        config: Config,
        config_path: PathBuf,
        dirs: Dirs,
        resolved: ResolvedCredential,
    ) -> Result<Context, CliError> {
        if resolved.forge == ForgeKind::DataCenter {
            return Context::data_center(global, config, config_path, dirs, resolved);
        }
        let api_url = api_url_for(global, &config, resolved.api_url.as_deref());
        let namespace = namespace_for(&api_url, &resolved.credential);
        let budget_owner =
            BudgetOwner::of(&resolved.credential, resolved.rate_limit_user.as_deref());
        let log = request_log_file(&dirs, &api_url, budget_owner.as_ref(), &namespace);
        let mut options = client_options(&config, global, api_url, resolved.credential);
        options.token_refresher = resolved.refresher;
        options.request_log = Some(log);
        let client = Client::new(options)?;
        let origin = RunOrigin::profile(resolved.source, namespace, budget_owner);
        Ok(origin.into_context(global, (config, config_path, dirs), Composed::cloud(client)))
    }

    pub(super) async fn demo(
        global: &GlobalArgs,
        config: Config,
        config_path: PathBuf,
        dirs: Dirs,
    ) -> Result<Context, CliError> {
        let run = super::compose::demo_run()?;
        let dirs = run.dirs(&dirs);
        let sim = crate::demo::start(crate::demo::SimOptions {
            now: Some(time::OffsetDateTime::now_utc()),
            ..crate::demo::SimOptions::default()
        })
        .await
        .map_err(|e| {
            CliError::new(
                Exit::Error,
                format!("the built-in demo server could not start: {e}"),
            )
        })?;
        let credential = Credential::ApiToken {
            email: crate::demo::credentials::EMAIL.to_string(),
            token: Secret::new(crate::demo::credentials::TOKEN),
        };
        let mut options = client_options(&config, global, sim.api_url(), credential);
        options.request_log = Some(dirs.state_for(&Namespace::Demo).join(REQUEST_LOG));
        let client = Client::new(options)?;
        let origin = RunOrigin {
            budget_owner: Some(BudgetOwner::User(
                crate::demo::credentials::EMAIL.to_string(),
            )),
            simulator: Some(sim),
            ..RunOrigin::demo(run)
        };
        Ok(origin.into_context(global, (config, config_path, dirs), Composed::cloud(client)))
    }

    /// The forge of the run.
    pub fn forge(&self) -> &dyn Forge {
        self.forge.as_ref()
    }

    /// Cloud or Data Center.
    pub fn kind(&self) -> ForgeKind {
        self.forge.kind()
    }

    /// The Cloud client, for what only Cloud has so far; on Data Center a usage error (exit 2)
    /// saying so.
    pub fn client(&self) -> Result<&Client, CliError> {
        self.cloud.as_ref().ok_or_else(|| {
            CliError::new(
                Exit::Usage,
                "this command is not available on Bitbucket Data Center yet; on Data Center use workspaces, repos, keys list/add/rm/permission/find, keys rm --fingerprint and audit",
            )
        })
    }

    /// This account's state directory (journal, logs).
    pub fn state_dir(&self) -> PathBuf {
        self.dirs.state_for(&self.namespace)
    }

    /// Requests in flight at most, for bulk operations.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// This account's journal.
    pub fn journal(&self) -> crate::journal::Journal {
        crate::journal::Journal::in_dir(&self.state_dir())
    }

    /// Warns on stderr about journal entries left pending by an earlier run.
    pub fn warn_pending(&self) {
        let journal = self.journal();
        match journal.outstanding() {
            Ok(outstanding) => {
                if let Some(w) = outstanding.report.warning(journal.path()) {
                    eprintln!("bbkeys: warning: {w}");
                }
                for f in outstanding.all() {
                    eprintln!(
                        "bbkeys: warning: unfinished operation {}: {}. Run `bbkeys journal recover` to finish it.",
                        f.id(),
                        f.describe()
                    );
                }
                for b in &outstanding.staged {
                    eprintln!(
                        "bbkeys: note: {}: {}. `bbkeys journal advance` removes the old key where the new one was used.",
                        b.id,
                        b.describe()
                    );
                }
            }
            Err(e) => eprintln!("bbkeys: warning: {e}"),
        }
    }

    /// This account's cache directory.
    pub fn cache_dir(&self) -> PathBuf {
        self.dirs.cache_for(&self.namespace)
    }

    /// Brings the stored scan up to date with finished writes, so `--cached` and the TUI's
    /// next start do not show a key that is gone. A failure is only a warning: the write
    /// itself is done.
    pub fn store_edits(&self, edits: &[crate::ops::edits::KeyEdit]) {
        if edits.is_empty() {
            return;
        }
        if let Err(e) = crate::store::apply_edits(&self.cache_dir(), edits) {
            eprintln!("bbkeys: warning: {e}");
        }
    }

    /// The trace log of this account.
    pub fn log_file(&self) -> PathBuf {
        self.state_dir().join("bbkeys.log")
    }

    /// The profile's `desired_state`, if it names one.
    pub(super) fn profile_desired_state(&self) -> Option<PathBuf> {
        self.source
            .profile()
            .and_then(|p| self.config.profiles.get(p))
            .and_then(|p| p.desired_state.clone())
    }

    /// The workspace a command acts on: the one named, else `BBKEYS_WORKSPACE`, else the
    /// profile's `default_workspace`. None of them is a usage error (exit 2).
    pub fn workspace_or_default(&self, named: Option<String>) -> Result<String, CliError> {
        let profile = self
            .source
            .profile()
            .and_then(|p| self.config.profiles.get(p))
            .and_then(|p| p.default_workspace.as_deref());
        let env = std::env::var("BBKEYS_WORKSPACE").ok();
        pick_workspace(named, env.as_deref(), profile).ok_or_else(|| {
            CliError::new(
                Exit::Usage,
                "name a workspace (`-w <ws>`, or as the first argument), or set one: BBKEYS_WORKSPACE=<ws>, or default_workspace = \"<ws>\" in the profile",
            )
        })
    }

    /// Logs go to a file in the state directory, never to the terminal; `BBKEYS_LOG` sets the
    /// level (default `info`). A log that cannot be opened is skipped silently: logging must
    /// never stop the work.
    pub(super) fn init_logging(&self) {
        let dir = self.state_dir();
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let Ok(file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_file())
        else {
            return;
        };
        let filter = log_filter(self.verbose, std::env::var("BBKEYS_LOG").ok().as_deref());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .try_init();
        tracing::info!(version = env!("CARGO_PKG_VERSION"), source = %self.source, "bbkeys started");
    }
}

/// The workspace named on the command line, else the environment's, else the profile's; blank
/// values count as unset.
pub fn pick_workspace(
    named: Option<String>,
    env: Option<&str>,
    profile: Option<&str>,
) -> Option<String> {
    named
        .filter(|w| !w.trim().is_empty())
        .or_else(|| {
            env.map(str::trim)
                .filter(|w| !w.is_empty())
                .map(String::from)
        })
        .or_else(|| profile.map(String::from))
}

/// The trace log's filter: `-v` is debug and `-vv` trace, over `BBKEYS_LOG` (any
/// `tracing` filter, such as `debug` or `bbkeys=trace`), over the default `info`.
pub fn log_filter(verbose: u8, env: Option<&str>) -> tracing_subscriber::EnvFilter {
    let level = match (verbose, env) {
        (0, Some(e)) if !e.trim().is_empty() => e.to_string(),
        (0, _) => "info".into(),
        (1, _) => "debug".into(),
        _ => "trace".into(),
    };
    tracing_subscriber::EnvFilter::try_new(&level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
}

/// The config file: `--config`/`BBKEYS_CONFIG` (then it must exist), else the default path.
pub fn config_location(global: &GlobalArgs, dirs: &Dirs) -> (PathBuf, bool) {
    match &global.config {
        Some(p) => (p.clone(), true),
        None => (dirs.config_file(), false),
    }
}

/// Resolves the credential chain with the OS keyring (or what `BBKEYS_KEYRING` says).
pub fn resolve(global: &GlobalArgs, config: &Config) -> Result<ResolvedCredential, ConfigError> {
    let mut env = CredentialEnv::from_process();
    env.forge = global.forge;
    resolve_credential_with(
        config,
        global.profile.as_deref(),
        &env,
        default_store().as_ref(),
    )
}

const REQUEST_LOG: &str = "request-count.txt";

/// The rolling-hour request count of the allowance this credential spends, so CLI runs and the
/// TUI add up. It is kept with the files of the account that owns the allowance: a person's
/// API token and OAuth token share one count, and each access token has its own.
fn request_log_file(
    dirs: &Dirs,
    api_url: &str,
    owner: Option<&BudgetOwner>,
    namespace: &Namespace,
) -> PathBuf {
    let ns = match owner {
        Some(o) => Namespace::Account {
            origin: origin_of(api_url),
            account: o.account().to_string(),
        },
        None => namespace.clone(),
    };
    dirs.state_for(&ns).join(REQUEST_LOG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_named_workspace_wins_then_the_environment_then_the_profile() {
        let p = |n: Option<&str>, e, f| pick_workspace(n.map(String::from), e, f);
        assert_eq!(p(Some("a"), Some("b"), Some("c")).as_deref(), Some("a"));
        assert_eq!(p(None, Some("b"), Some("c")).as_deref(), Some("b"));
        assert_eq!(p(None, Some("  "), Some("c")).as_deref(), Some("c"));
        assert_eq!(p(None, None, Some("c")).as_deref(), Some("c"));
        assert_eq!(p(None, None, None), None);
    }

    /// Both demos are demos: the TUI shows its DEMO badge on either simulator.
    #[tokio::test]
    async fn both_demos_say_they_are_demos() {
        use clap::Parser;
        let home = tempfile::tempdir().unwrap();
        let dirs = || Dirs {
            config: home.path().join("config"),
            state: home.path().join("state"),
            cache: home.path().join("cache"),
        };
        let config_path = home.path().join("config.toml");
        let cloud = super::super::Cli::try_parse_from(["bbkeys", "--demo"]).unwrap();
        let ctx = Context::demo(
            &cloud.global,
            Config::default(),
            config_path.clone(),
            dirs(),
        )
        .await
        .unwrap();
        assert!(ctx.is_demo());
        let dc = super::super::Cli::try_parse_from(["bbkeys", "--demo", "--forge", "datacenter"])
            .unwrap();
        let ctx = Context::demo_data_center(&dc.global, Config::default(), config_path, dirs())
            .await
            .unwrap();
        assert!(ctx.is_demo(), "the Data Center demo");
    }

    #[test]
    fn verbose_sets_the_level_over_bbkeys_log() {
        assert_eq!(log_filter(0, None).to_string(), "info");
        assert_eq!(log_filter(0, Some("warn")).to_string(), "warn");
        assert_eq!(log_filter(1, Some("warn")).to_string(), "debug");
        assert_eq!(log_filter(2, Some("warn")).to_string(), "trace");
        assert_eq!(log_filter(5, None).to_string(), "trace");
        assert_eq!(log_filter(0, Some("  ")).to_string(), "info");
        assert_eq!(
            log_filter(0, Some("bbkeys=trace")).to_string(),
            "bbkeys=trace"
        );
    }
}
