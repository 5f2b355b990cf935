//! The composition root: the one place that names the forge adapters. It turns the profile's
//! forge, API URL and credential into the `Arc<dyn Forge>` every command works on, plus the
//! Cloud client where the forge is Cloud (its TUI, `auth` and `doctor` still need it).

use std::path::PathBuf;
use std::sync::Arc;

use super::GlobalArgs;
use super::context::{Context, concurrency_of, namespace_for};
use super::output::{CliError, Exit};
use crate::bitbucket::Client;
use crate::bitbucket::client::{ClientOptions, Credential, DEFAULT_API_URL};
use crate::config::{Config, CredentialSource, ResolvedCredential};
use crate::datacenter::{DcClient, DcCredential, DcOptions, Secret};
use crate::demo::datacenter::{DcSimulator, credentials as dc_cred};
use crate::forge::{Forge, ForgeKind};
use crate::paths::{Dirs, Namespace};

/// The forge of a run, and the Cloud client behind it when the forge is Cloud.
pub(super) struct Composed {
    /// What the commands work on.
    pub forge: Arc<dyn Forge>,
    /// The same client as `forge`, typed, on Cloud; `None` on Data Center.
    pub cloud: Option<Client>,
}

impl Composed {
    /// A Cloud run.
    pub fn cloud(client: Client) -> Composed {
        Composed {
            forge: Arc::new(client.clone()),
            cloud: Some(client),
        }
    }

    /// A Data Center run.
    pub fn data_center(client: DcClient) -> Composed {
        Composed {
            forge: Arc::new(client),
            cloud: None,
        }
    }
}

/// The API URL: `--api-url`/`BBKEYS_API_URL`, the profile's, the config's, or the default.
pub fn api_url_for(global: &GlobalArgs, config: &Config, profile_url: Option<&str>) -> String {
    global
        .api_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .or(profile_url.map(String::from))
        .or(config.api_url.clone())
        .unwrap_or_else(|| DEFAULT_API_URL.to_string())
}

/// Client settings from the config and the global options.
pub fn client_options(
    config: &Config,
    global: &GlobalArgs,
    api_url: String,
    credential: Credential,
) -> ClientOptions {
    let mut o = ClientOptions::new(api_url, credential);
    o.connect_timeout = config.connect_timeout();
    o.request_timeout = config.request_timeout();
    o.concurrency = global
        .concurrency
        .map(usize::from)
        .or(config.concurrency)
        .unwrap_or(8);
    o.ca_file = config.ca_file.clone();
    if let Some(t) = config.max_tries {
        o.max_tries = t;
    }
    if let Some(ms) = config.backoff_ms {
        o.backoff_base = std::time::Duration::from_millis(ms);
        o.backoff_max = o.backoff_max.max(o.backoff_base);
    }
    o
}

/// The Data Center server root: `--api-url`/`BBKEYS_API_URL`, the profile's, the config's.
/// There is no default: every server has its own address.
pub(super) fn server_root(
    global: &GlobalArgs,
    config: &Config,
    profile_url: Option<&str>,
) -> Result<String, CliError> {
    global
        .api_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .or(profile_url.map(String::from))
        .or(config.api_url.clone())
        .ok_or_else(|| {
            CliError::new(
                Exit::Usage,
                "Bitbucket Data Center needs the server's address: pass --api-url https://host[/context], set BBKEYS_API_URL, or api_url in the profile",
            )
        })
}

/// The Data Center credential: a username with a personal token is Basic, an HTTP access token
/// is Bearer (the credential chain keeps the username where Cloud keeps the email).
pub(super) fn dc_credential(credential: &Credential) -> DcCredential {
    match credential {
        Credential::ApiToken { email, token } => DcCredential::Basic {
            username: email.clone(),
            token: Secret::new(token.expose()),
        },
        Credential::Bearer { token } => DcCredential::Bearer {
            token: Secret::new(token.expose()),
        },
        Credential::None => DcCredential::None,
    }
}

/// The Data Center client, with the config's timeouts, retries, concurrency and CA bundle.
pub(super) fn data_center_client(
    config: &Config,
    global: &GlobalArgs,
    root: String,
    credential: DcCredential,
) -> Result<DcClient, CliError> {
    let mut o = DcOptions::new(root, credential);
    o.connect_timeout = config.connect_timeout();
    o.request_timeout = config.request_timeout();
    o.concurrency = global
        .concurrency
        .map(usize::from)
        .or(config.concurrency)
        .unwrap_or(8);
    o.ca_file = config.ca_file.clone();
    if let Some(t) = config.max_tries {
        o.max_tries = t;
    }
    if let Some(ms) = config.backoff_ms {
        o.backoff_base = std::time::Duration::from_millis(ms);
        o.backoff_max = o.backoff_max.max(o.backoff_base);
    }
    DcClient::new(o).map_err(|e| CliError::new(Exit::Usage, e.advice))
}

/// The forge a run asks for before any credential is read: `--forge`/`BBKEYS_FORGE`, else the
/// profile's (`--profile`, else the default one).
pub(super) fn forge_asked(global: &GlobalArgs, config: &Config) -> ForgeKind {
    global.forge.unwrap_or_else(|| {
        global
            .profile
            .clone()
            .or_else(|| config.default_profile_name())
            .and_then(|name| config.profiles.get(&name).map(|p| p.forge_kind()))
            .unwrap_or_default()
    })
}

impl Context {
    /// Refuses `what` on Data Center for now (exit 2): commands whose Data Center form needs
    /// more than the Cloud one does (keeping permissions and expiry, or a label shared by
    /// every grant).
    pub fn cloud_only(&self, what: &str) -> Result<(), CliError> {
        if self.kind() == ForgeKind::DataCenter {
            return Err(CliError::new(
                Exit::Usage,
                format!("{what} is not available on Bitbucket Data Center yet"),
            ));
        }
        Ok(())
    }

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
        let concurrency = concurrency_of(&config, global);
        let Composed { forge, cloud } = Composed::data_center(client);
        let ctx = Context {
            forge,
            cloud,
            source: resolved.source,
            config,
            config_path,
            dirs,
            namespace,
            // Data Center limits by a token bucket, not an hourly allowance (§6).
            budget_owner: None,
            json: global.json,
            quiet: global.quiet,
            verbose: global.verbose,
            concurrency,
            simulator: None,
            _dc_simulator: None,
            _demo_run: None,
        };
        ctx.init_logging();
        Ok(ctx)
    }

    /// `--demo --forge datacenter`: the built-in Data Center simulator, as its demo admin.
    pub(super) async fn demo_data_center(
        global: &GlobalArgs,
        config: Config,
        config_path: PathBuf,
        dirs: Dirs,
    ) -> Result<Context, CliError> {
        let run = crate::paths::DemoRun::create().map_err(|e| {
            CliError::new(
                Exit::Error,
                format!("the demo's temporary directory could not be created: {e}"),
            )
        })?;
        let dirs = run.dirs(&dirs);
        let sim = start_dc_demo(0, std::time::Duration::ZERO).await?;
        let credential = DcCredential::Basic {
            username: dc_cred::ADMIN_USERNAME.to_string(),
            token: Secret::new(dc_cred::ADMIN_TOKEN),
        };
        let client = data_center_client(&config, global, sim.api_url(), credential)?;
        let concurrency = concurrency_of(&config, global);
        let Composed { forge, cloud } = Composed::data_center(client);
        let ctx = Context {
            forge,
            cloud,
            source: CredentialSource::Demo,
            config,
            config_path,
            dirs,
            namespace: Namespace::Demo,
            budget_owner: None,
            json: global.json,
            quiet: global.quiet,
            verbose: global.verbose,
            concurrency,
            simulator: None,
            _dc_simulator: Some(sim),
            _demo_run: Some(run),
        };
        ctx.init_logging();
        Ok(ctx)
    }
}

/// Starts the Data Center simulator with its demo data dated from now, on `port` (0: any).
pub(super) async fn start_dc_demo(
    port: u16,
    latency: std::time::Duration,
) -> Result<DcSimulator, CliError> {
    crate::demo::datacenter::start(crate::demo::datacenter::DcSimOptions {
        port,
        latency,
        now: Some(time::OffsetDateTime::now_utc()),
        ..crate::demo::datacenter::DcSimOptions::default()
    })
    .await
    .map_err(|e| {
        CliError::new(
            Exit::Error,
            format!("the built-in Data Center demo server could not start: {e}"),
        )
    })
}

/// The environment line that points bbkeys at a running Data Center demo server.
pub(super) fn dc_export_line(sim: &DcSimulator) -> String {
    format!(
        "export BBKEYS_FORGE=datacenter BBKEYS_API_URL={} BBKEYS_USERNAME={} BBKEYS_API_TOKEN={}",
        sim.api_url(),
        dc_cred::ADMIN_USERNAME,
        dc_cred::ADMIN_TOKEN
    )
}
