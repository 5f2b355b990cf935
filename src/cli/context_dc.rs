//! The contexts of Data Center runs: a profile's server, or the built-in simulator.

use std::path::PathBuf;

use super::GlobalArgs;
use super::compose::{
    Composed, data_center_client, dc_credential, namespace_for, server_root, start_dc_demo,
};
use super::context::{Context, RunOrigin};
use super::output::CliError;
use crate::config::{Config, ResolvedCredential};
use crate::datacenter::{DcCredential, Secret};
use crate::demo::datacenter::credentials as dc_cred;
use crate::paths::Dirs;

impl Context {
    /// The context of a Data Center profile: the client for its server root and credential.
    pub(super) fn data_center(
        global: &GlobalArgs,
        config: Config,
        config_path: PathBuf,
        dirs: Dirs,
        resolved: ResolvedCredential,
    ) -> Result<Context, CliError> {
        let root = server_root(global, &config, resolved.api_url.as_deref())?;
        let namespace = namespace_for(&root, &resolved.credential);
        let credential = dc_credential(&resolved.credential);
        let client = data_center_client(&config, global, root, credential)?;
        // Data Center limits by a token bucket, not an hourly allowance (§6): no budget owner.
        let origin = RunOrigin::profile(resolved.source, namespace, None);
        Ok(origin.into_context(
            global,
            (config, config_path, dirs),
            Composed::data_center(client),
        ))
    }

    /// `--demo --forge datacenter`: the built-in Data Center simulator, as its demo admin.
    pub(super) async fn demo_data_center(
        global: &GlobalArgs,
        config: Config,
        config_path: PathBuf,
        dirs: Dirs,
    ) -> Result<Context, CliError> {
        let run = super::compose::demo_run()?;
        let dirs = run.dirs(&dirs);
        let sim = start_dc_demo(0, std::time::Duration::ZERO).await?;
        let credential = DcCredential::Basic {
            username: dc_cred::ADMIN_USERNAME.to_string(),
            token: Secret::new(dc_cred::ADMIN_TOKEN),
        };
        let client = data_center_client(&config, global, sim.api_url(), credential)?;
        let origin = RunOrigin {
            dc_simulator: Some(sim),
            ..RunOrigin::demo(run)
        };
        Ok(origin.into_context(
            global,
            (config, config_path, dirs),
            Composed::data_center(client),
        ))
    }
}
