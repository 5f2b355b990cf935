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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TuiOutcome {
    /// The user quit.
    Quit,
    /// The first-run screen's "open the demo" was chosen: restart on the simulator.
    OpenDemo,
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
    let mut state = State::new(opts.forge.is_some(), opts.demo, keymap, theme);
    state.edit_strategy = opts.edit_strategy;
    state.drift.file = opts.desired;
    let services = opts.forge.map(|forge| Services {
        forge,
        journal: opts
            .state_dir
            .as_deref()
            .map(crate::journal::Journal::in_dir),
        concurrency: opts.concurrency.max(1),
    });
    state.insight.settings = opts.insight;
    terminal::install_panic_hook();
    let inputs = terminal::inputs()?;
    terminal::enter()?;
    let result = async {
        let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        runloop::run_with(&mut term, inputs, state, services, &mut terminal::RealHost).await
    }
    .await;
    terminal::restore();
    result
}

#[cfg(test)]
mod tests;
