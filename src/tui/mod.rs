//! The interactive terminal UI (design.md §1 and §3).
//!
//! `app::update` holds all behaviour and does no I/O; `worker` talks to Bitbucket; `runloop`
//! ties them to the terminal; `ui` draws; `keymap` is the one list of key bindings.

pub mod action;
pub mod app;
pub mod insight;
pub mod insight_worker;
pub mod keymap;
pub mod msg;
pub mod runloop;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod worker;

use keymap::Keymap;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use state::State;
use theme::Theme;

/// What the caller hands the UI.
pub struct TuiOptions {
    /// `None` when no credential is configured: the first-run screen is shown.
    pub client: Option<crate::bitbucket::Client>,
    /// The raw `[keys]` section of the config file.
    pub keys: toml::Table,
    /// The raw `[theme]` section of the config file.
    pub theme: toml::Table,
    /// Running on the built-in simulator (shows the DEMO badge).
    pub demo: bool,
    /// Cache, export, audit and credential settings of the workspace-wide views.
    pub insight: insight::InsightSettings,
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
    let mut state = State::new(opts.client.is_some(), opts.demo, keymap, theme);
    state.insight.settings = opts.insight;
    terminal::install_panic_hook();
    let inputs = terminal::inputs()?;
    terminal::enter()?;
    let result = async {
        let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        runloop::run_with(
            &mut term,
            inputs,
            state,
            opts.client,
            &mut terminal::RealHost,
        )
        .await
    }
    .await;
    terminal::restore();
    result
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod insight_fixtures;
#[cfg(test)]
mod insight_render_tests;
#[cfg(test)]
mod insight_tests;
#[cfg(test)]
mod render_tests;
#[cfg(test)]
mod update_tests;
