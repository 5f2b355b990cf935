//! What every `auth` flow needs before it forks by forge: the config file, the profile's name,
//! and how a login failure becomes an exit code.

use super::GlobalArgs;
use super::context::config_location;
use super::output::{CliError, Exit};
use crate::config::Config;
use crate::credentials::login::LoginError;
use crate::paths::Dirs;

pub(super) fn load(global: &GlobalArgs) -> Result<(std::path::PathBuf, Config), CliError> {
    let dirs = Dirs::discover().map_err(|e| CliError::new(Exit::Error, e))?;
    let (path, required) = config_location(global, &dirs);
    let config = Config::load(&path, required)?;
    Ok((path, config))
}

pub(super) fn profile_name(global: &GlobalArgs, config: &Config) -> String {
    global
        .profile
        .clone()
        .or_else(|| config.default_profile_name())
        .unwrap_or_else(|| "default".to_string())
}

pub(super) fn login_error(e: LoginError) -> CliError {
    match e {
        LoginError::Api(api) => api.into(),
        LoginError::Forge(e) => e.into(),
        LoginError::Config(c) => c.into(),
        LoginError::Input(m) => CliError::new(Exit::Usage, m),
        LoginError::NotStored(m) => CliError::new(Exit::Error, m),
    }
}
