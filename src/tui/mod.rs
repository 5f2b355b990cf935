//! The interactive terminal UI (design.md §1 and §3), in rooms that import downwards only:
//!
//! - `state/`: the one `State` and plain data: the messages between `update()` and the
//!   worker (`msg`), dialogs, jobs, the selection, the full-screen views as one enum
//!   (`full_view::FullView`), and the views of what the forge sent (`from_forge`).
//! - `update/`: `update()`, synchronous and without I/O: keys and worker answers in, the
//!   state changed and `Command`s out. Each view's keys and answers have a file of their own.
//! - `worker/`: the only part that talks to the forge, the journal and the disk; one
//!   exhaustive `match` gives every `Command` its work.
//! - `ui/`: pure rendering, one file per pane or view.
//! - `tests/`: the unit and snapshot tests, with their fixtures.
//!
//! `runloop` ties them to the terminal, `terminal` owns it, and `keymap` is the one list of
//! key bindings (`action` names what a key means). The forge is held as `Arc<dyn Forge>`, so
//! the caller chooses the adapter.

pub mod action;
mod frame_probe;
pub mod keymap;
pub mod line_edit;
pub mod runloop;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod update;
pub mod worker;

use std::path::PathBuf;
use std::sync::Arc;

use keymap::Keymap;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use state::State;
use theme::Theme;

use crate::forge::Forge;

/// What the caller hands the UI.
pub struct TuiOptions {
    /// `None` when no credential is configured: the first-run screen is shown.
    pub forge: Option<Arc<dyn Forge>>,
    /// The raw `[keys]` section of the config file.
    pub keys: toml::Table,
    /// The raw `[theme]` section of the config file.
    pub theme: toml::Table,
    /// Running on the built-in simulator (shows the DEMO badge).
    pub demo: bool,
    /// The account's state directory, which holds its journal. `None` disables changes:
    /// without a journal, a relabel could lose a key.
    pub state_dir: Option<PathBuf>,
    /// How a label edit is done (`edit_strategy` in the config).
    pub edit_strategy: crate::config::EditStrategy,
    /// Bulk items applied at once.
    pub concurrency: usize,
    /// The keys file of the Drift view (`--desired`, or the profile's `desired_state`).
    pub desired: Option<PathBuf>,
    /// Cache, export, audit and credential settings of the workspace-wide views.
    pub insight: state::insight::InsightSettings,
    /// The config's profiles and how to open one (`P`); `None` offers no switch.
    pub profiles: Option<Arc<dyn ProfileSwitcher>>,
}

/// What the composition root lends the UI to switch profiles without naming any adapter: the
/// profiles of the config file, and the forge and settings of the one chosen.
pub trait ProfileSwitcher: Send + Sync {
    /// The profiles, the one in use marked.
    fn profiles(&self) -> Vec<state::profiles::ProfileChoice>;
    /// Builds what the UI needs to run on profile `name` (its forge, journal and settings), or
    /// says why it cannot. The profile opened becomes the one in use.
    fn open<'a>(
        &'a self,
        name: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<OpenedProfile, String>>;
}

/// A profile opened by a [`ProfileSwitcher`].
pub struct OpenedProfile {
    /// The forge, or `None` when the profile has no credential (the first-run screen).
    pub forge: Option<Arc<dyn Forge>>,
    /// The profile's state directory (its journal).
    pub state_dir: Option<PathBuf>,
    /// Its cache, export, audit and credential settings.
    pub insight: state::insight::InsightSettings,
    /// The profile runs on a built-in simulator (the DEMO badge).
    pub demo: bool,
    /// Whatever must live as long as the forge does (a simulator, say).
    pub keep_alive: Box<dyn std::any::Any + Send>,
}

/// A Cloud client alone: the panes load, and every change is refused for want of a journal.
impl From<crate::bitbucket::Client> for Services {
    fn from(client: crate::bitbucket::Client) -> Self {
        Services {
            forge: Arc::new(client),
            journal: None,
            concurrency: 8,
        }
    }
}

/// What the worker needs besides the terminal: the forge, the journal and the settings of
/// writes.
#[derive(Clone)]
pub struct Services {
    /// The forge of the profile in use, chosen by the caller (Cloud, Data Center or a test's).
    pub forge: Arc<dyn Forge>,
    /// The account's journal; `None` refuses every change.
    pub journal: Option<crate::journal::Journal>,
    /// Bulk items applied at once.
    pub concurrency: usize,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("forge", &self.forge.kind())
            .field("journal", &self.journal)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// How the UI ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TuiOutcome {
    /// The user quit.
    Quit,
    /// The first-run screen's "open the demo" was chosen: restart on the simulator.
    OpenDemo,
    /// `P` chose this profile: [`run`] opens it through [`TuiOptions::profiles`] and goes on,
    /// so its caller never sees this.
    SwitchProfile(String),
}

/// Checks `[keys]` and `[theme]` without opening the screen, so a bad config is reported as
/// a plain error. The message names the entry, such as `[keys] quit = "ctrl-?": unknown key`.
pub fn validate_config(keys: &toml::Table, theme: &toml::Table) -> Result<(), String> {
    Keymap::from_config(keys)?;
    Theme::from_config(theme, false)?;
    Ok(())
}

/// Opens the UI on the real terminal and runs it until the user quits.
pub async fn run(opts: TuiOptions) -> anyhow::Result<TuiOutcome> {
    let keymap = Keymap::from_config(&opts.keys).map_err(anyhow::Error::msg)?;
    let theme =
        Theme::from_config(&opts.theme, theme::no_color_requested()).map_err(anyhow::Error::msg)?;
    let fresh = |signed_in: bool, demo: bool, insight: state::insight::InsightSettings| {
        let mut state = State::new(signed_in, demo, keymap.clone(), theme.clone());
        state.edit_strategy = opts.edit_strategy;
        state.drift.file = opts.desired.clone();
        state.insight.settings = insight;
        state.profiles = opts
            .profiles
            .as_ref()
            .map(|p| p.profiles())
            .unwrap_or_default();
        state
    };
    let services_of = |forge: Option<Arc<dyn Forge>>, state_dir: Option<&std::path::Path>| {
        forge.map(|forge| Services {
            forge,
            journal: state_dir.map(crate::journal::Journal::in_dir),
            concurrency: opts.concurrency.max(1),
        })
    };
    let (mut demo, mut insight) = (opts.demo, opts.insight.clone());
    let mut state = fresh(opts.forge.is_some(), demo, insight.clone());
    let mut services = services_of(opts.forge.clone(), opts.state_dir.as_deref());
    let mut _keep_alive: Option<Box<dyn std::any::Any + Send>> = None;
    terminal::install_panic_hook();
    let mut inputs = terminal::inputs()?;
    terminal::enter()?;
    let result = async {
        let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        loop {
            let outcome = runloop::run_with(
                &mut term,
                &mut inputs,
                state,
                services.clone(),
                &mut terminal::RealHost,
            )
            .await?;
            let TuiOutcome::SwitchProfile(name) = outcome else {
                return Ok(outcome);
            };
            // A switch starts afresh, like a new start: the panes, the selection and the
            // jobs belonged to the other forge.
            let opened = match &opts.profiles {
                Some(p) => p.open(&name).await,
                None => Err("no profiles to switch between".to_string()),
            };
            match opened {
                Ok(o) => {
                    (demo, insight) = (o.demo, o.insight);
                    state = fresh(o.forge.is_some(), demo, insight.clone());
                    services = services_of(o.forge, o.state_dir.as_deref());
                    _keep_alive = Some(o.keep_alive);
                    state.message = Some((format!("Switched to profile {name}"), false));
                }
                Err(e) => {
                    state = fresh(services.is_some(), demo, insight.clone());
                    let text = format!("Could not open profile {name}: {e}");
                    state.message = Some((crate::sanitize::clean_line(&text), true));
                }
            }
            term.clear()?;
        }
    }
    .await;
    terminal::restore();
    result
}

#[cfg(test)]
mod tests;
