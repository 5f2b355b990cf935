//! Opening the terminal UI on a context: its forge, its settings, and the profiles `P` can
//! switch to.

use std::sync::Arc;

use super::GlobalArgs;
use super::context::Context;
use super::output::{CliError, Exit};
use crate::config::CredentialSource;
use crate::forge::Forge;

impl Context {
    /// The forge the UI runs on; `None` without a credential (the first-run screen).
    pub(super) fn tui_forge(&self) -> Option<Arc<dyn Forge>> {
        (self.source != CredentialSource::None).then(|| self.forge.clone())
    }

    /// The settings of the UI's workspace-wide views for this account.
    pub(super) fn insight_settings(&self) -> crate::tui::state::insight::InsightSettings {
        crate::tui::state::insight::InsightSettings {
            cache_dir: Some(self.cache_dir()),
            export_dir: std::env::current_dir().unwrap_or_else(|_| self.cache_dir()),
            rules: self.config.audit,
            credential_source: self.source.to_string(),
            edit_strategy: self.config.edit_strategy,
            clock: None,
        }
    }

    /// Opens the terminal UI on this context; the first-run screen's "open the demo" restarts
    /// it on the built-in simulator.
    pub async fn run_tui(self, global: &GlobalArgs) -> Result<Exit, CliError> {
        crate::tui::validate_config(&self.config.keys, &self.config.theme).map_err(|e| {
            let file = self
                .config
                .source
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "config".into());
            CliError::new(Exit::Error, format!("{file}: {e}"))
        })?;
        self.warn_pending();
        let opts = crate::tui::TuiOptions {
            forge: self.tui_forge(),
            profiles: Some(super::profile_switch::ConfigProfiles::new(
                global,
                &self.config,
            )),
            keys: self.config.keys.clone(),
            theme: self.config.theme.clone(),
            demo: self.is_demo(),
            state_dir: Some(self.state_dir()),
            edit_strategy: self.config.edit_strategy,
            concurrency: self.concurrency(),
            desired: global
                .desired
                .clone()
                .or_else(|| self.profile_desired_state()),
            insight: self.insight_settings(),
        };
        let outcome = crate::tui::run(opts)
            .await
            .map_err(|e| CliError::new(Exit::Error, format!("the terminal UI failed: {e:#}")))?;
        match outcome {
            crate::tui::TuiOutcome::Quit => Ok(Exit::Ok),
            // `tui::run` opens a chosen profile itself and never ends with it.
            crate::tui::TuiOutcome::SwitchProfile(_) => Ok(Exit::Ok),
            crate::tui::TuiOutcome::OpenDemo => {
                let demo = Context::demo(global, self.config, self.config_path, self.dirs).await?;
                Box::pin(demo.run_tui(global)).await
            }
        }
    }
}
