//! `P` in the terminal UI: the composition root's side. The UI lists the config's profiles
//! and asks for the one chosen; this builds its forge the way a start with `--profile NAME`
//! would, so the UI never names an adapter.

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;

use super::GlobalArgs;
use super::context::Context;
use crate::config::Config;
use crate::tui::state::profiles::ProfileChoice;
use crate::tui::{OpenedProfile, ProfileSwitcher};

/// The profiles of one config file, and the arguments the run started with.
pub struct ConfigProfiles {
    global: GlobalArgs,
    choices: Vec<(String, crate::forge::ForgeKind)>,
    current: Mutex<Option<String>>,
}

impl ConfigProfiles {
    /// The profiles of `config`; the one in use is `--profile`'s, else the default one.
    pub fn new(global: &GlobalArgs, config: &Config) -> Arc<ConfigProfiles> {
        let choices = config
            .profiles
            .iter()
            .map(|(name, p)| (name.clone(), p.forge_kind()))
            .collect();
        let current = if global.demo {
            None
        } else {
            global
                .profile
                .clone()
                .or_else(|| config.default_profile_name())
        };
        Arc::new(ConfigProfiles {
            global: global.clone(),
            choices,
            current: Mutex::new(current),
        })
    }

    fn current(&self) -> Option<String> {
        self.current.lock().map(|c| c.clone()).unwrap_or(None)
    }
}

impl ProfileSwitcher for ConfigProfiles {
    fn profiles(&self) -> Vec<ProfileChoice> {
        let current = self.current();
        self.choices
            .iter()
            .map(|(name, forge)| ProfileChoice {
                name: name.clone(),
                forge: *forge,
                current: current.as_deref() == Some(name.as_str()),
            })
            .collect()
    }

    fn open<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<OpenedProfile, String>> {
        Box::pin(async move {
            // The profile alone decides: flags and variables that chose the first forge would
            // otherwise override it.
            let mut global = self.global.clone();
            global.profile = Some(name.to_string());
            global.forge = None;
            global.api_url = None;
            global.demo = false;
            let ctx = Context::build_for_tui(&global)
                .await
                .map_err(|e| e.message)?;
            let opened = OpenedProfile {
                forge: ctx.tui_forge(),
                state_dir: Some(ctx.state_dir()),
                insight: ctx.insight_settings(),
                demo: false,
                keep_alive: Box::new(ctx),
            };
            if let Ok(mut c) = self.current.lock() {
                *c = Some(name.to_string());
            }
            Ok(opened)
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::forge::ForgeKind;

    fn config(text: &str) -> Config {
        toml::from_str(text).unwrap()
    }

    const TWO: &str = r#"
default_profile = "work"
[profiles.work]
token_command = "true"
[profiles.onprem]
forge = "datacenter"
api_url = "https://bitbucket.example.com"
username = "dana"
token_command = "true"
"#;

    #[test]
    fn the_profiles_are_the_config_s_with_the_one_in_use_marked() {
        let cli = super::super::Cli::try_parse_from(["bbkeys"]).unwrap();
        let listed = ConfigProfiles::new(&cli.global, &config(TWO)).profiles();
        let got: Vec<(&str, ForgeKind, bool)> = listed
            .iter()
            .map(|p| (p.name.as_str(), p.forge, p.current))
            .collect();
        assert_eq!(
            got,
            [
                ("onprem", ForgeKind::DataCenter, false),
                ("work", ForgeKind::Cloud, true)
            ]
        );
        let named = super::super::Cli::try_parse_from(["bbkeys", "--profile", "onprem"]).unwrap();
        let listed = ConfigProfiles::new(&named.global, &config(TWO)).profiles();
        assert!(listed.iter().any(|p| p.name == "onprem" && p.current));
        assert!(listed.iter().any(|p| p.name == "work" && !p.current));
    }
}
