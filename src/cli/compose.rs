//! The composition root: the one place that names the forge adapters. It turns the profile's
//! forge, API URL and credential into the `Arc<dyn Forge>` every command works on, plus the
//! Cloud client where the forge is Cloud (its TUI, `auth` and `doctor` still need it).

use std::sync::Arc;

use super::GlobalArgs;
use super::output::{CliError, Exit};
use crate::bitbucket::Client;
use crate::bitbucket::client::{ClientOptions, Credential, DEFAULT_API_URL};
use crate::config::Config;
use crate::datacenter::{DcClient, DcCredential, DcOptions, Secret};
use crate::demo::datacenter::{DcSimulator, credentials as dc_cred};
use crate::forge::{Forge, ForgeKind};
use crate::paths::Namespace;

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

/// This demo run's own temporary state and cache directories, removed when it ends (both
/// forges' demos).
pub(super) fn demo_run() -> Result<crate::paths::DemoRun, CliError> {
    crate::paths::DemoRun::create().map_err(|e| {
        CliError::new(
            Exit::Error,
            format!("the demo's temporary directory could not be created: {e}"),
        )
    })
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

/// The scheme, host and port of an API address, which names its stored state.
pub(super) fn origin_of(api_url: &str) -> String {
    url::Url::parse(api_url.trim())
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| api_url.to_string())
}

/// How many requests run at once: the flag, then the config, then 8.
pub(super) fn concurrency_of(config: &Config, global: &GlobalArgs) -> usize {
    global
        .concurrency
        .map(usize::from)
        .or(config.concurrency)
        .unwrap_or(8)
}

/// Where the state of this server and credential is kept, apart from any other's.
pub(super) fn namespace_for(api_url: &str, credential: &Credential) -> Namespace {
    let origin = origin_of(api_url);
    match credential {
        Credential::ApiToken { email, .. } => Namespace::Account {
            origin,
            account: email.to_lowercase(),
        },
        Credential::Bearer { token } => {
            use sha2::Digest;
            let d = sha2::Sha256::digest(token.expose().as_bytes());
            let short: String = d.iter().take(6).map(|b| format!("{b:02x}")).collect();
            Namespace::Account {
                origin,
                account: format!("access-token-{short}"),
            }
        }
        Credential::None => Namespace::Anonymous,
    }
}
