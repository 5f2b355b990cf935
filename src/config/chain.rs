//! The credential chain: which credential a run uses, and where it came from.

use super::*;
use crate::forge::ForgeKind;

/// Where the credential in use came from (for `auth status` and error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// `BBKEYS_EMAIL` + `BBKEYS_API_TOKEN` or `BBKEYS_ACCESS_TOKEN`.
    Environment,
    /// A profile's `token_command`.
    TokenCommand {
        /// Profile name.
        profile: String,
    },
    /// The OS keyring entry of a profile (stored by `bbkeys auth login`).
    Keyring {
        /// Profile name.
        profile: String,
    },
    /// A profile's inline `token`.
    InlineToken {
        /// Profile name.
        profile: String,
    },
    /// The built-in simulator's demo account.
    Demo,
    /// Nothing configured.
    None,
}

impl CredentialSource {
    /// The profile the credential belongs to, if it came from one.
    pub fn profile(&self) -> Option<&str> {
        match self {
            CredentialSource::TokenCommand { profile }
            | CredentialSource::Keyring { profile }
            | CredentialSource::InlineToken { profile } => Some(profile),
            _ => None,
        }
    }
}

impl std::fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialSource::Environment => f.write_str("environment variables"),
            CredentialSource::TokenCommand { profile } => {
                write!(f, "token_command of profile {profile}")
            }
            CredentialSource::Keyring { profile } => {
                write!(f, "OS keyring entry of profile {profile}")
            }
            CredentialSource::InlineToken { profile } => {
                write!(f, "inline token of profile {profile}")
            }
            CredentialSource::Demo => f.write_str("the built-in demo"),
            CredentialSource::None => f.write_str("none"),
        }
    }
}

/// A resolved credential and where it came from.
#[derive(Debug, Clone)]
pub struct ResolvedCredential {
    /// The forge the credential is for: `--forge`/`BBKEYS_FORGE`, else the profile's.
    pub forge: ForgeKind,
    /// The credential. On Data Center, `ApiToken`'s `email` holds the username (HTTP Basic
    /// with a personal token) and `Bearer` is an HTTP access token.
    pub credential: Credential,
    /// Its source.
    pub source: CredentialSource,
    /// The profile's API URL, if the profile sets one.
    pub api_url: Option<String>,
    /// For a `token_command`: runs it again when a token expires mid-work.
    pub refresher: Option<TokenRefresher>,
    /// The person whose hourly allowance a Bearer (OAuth) token spends, from the profile's
    /// `rate_limit_user`; `None` for an access token, which has its own.
    pub rate_limit_user: Option<String>,
}

/// The environment variables the credential chain reads; a struct so tests need not touch the
/// process environment. `Debug` hides the tokens.
#[derive(Clone, Default)]
pub struct CredentialEnv {
    /// `BBKEYS_EMAIL`.
    pub email: Option<String>,
    /// `BBKEYS_API_TOKEN`.
    pub api_token: Option<String>,
    /// `BBKEYS_ACCESS_TOKEN`.
    pub access_token: Option<String>,
    /// `BBKEYS_USERNAME` (Data Center).
    pub username: Option<String>,
    /// `--forge` or `BBKEYS_FORGE`, already checked by the command line.
    pub forge: Option<ForgeKind>,
}

impl std::fmt::Debug for CredentialEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |t: &Option<String>| t.as_ref().map(|_| "<redacted>");
        f.debug_struct("CredentialEnv")
            .field("email", &self.email)
            .field("api_token", &hidden(&self.api_token))
            .field("access_token", &hidden(&self.access_token))
            .field("username", &self.username)
            .field("forge", &self.forge)
            .finish()
    }
}

impl CredentialEnv {
    /// Reads the process environment; empty values count as unset.
    pub fn from_process() -> Self {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        CredentialEnv {
            email: get("BBKEYS_EMAIL"),
            api_token: get("BBKEYS_API_TOKEN"),
            access_token: get("BBKEYS_ACCESS_TOKEN"),
            username: get("BBKEYS_USERNAME"),
            forge: None,
        }
    }
}

/// Resolves the credential chain without the OS keyring: a profile that keeps its token there
/// is reported as missing it. `profile` is `--profile` or `BBKEYS_PROFILE`.
pub fn resolve_credential(
    cfg: &Config,
    profile: Option<&str>,
    env: &CredentialEnv,
) -> Result<ResolvedCredential, ConfigError> {
    let none = crate::credentials::store::DisabledKeyring::new("it is not consulted here");
    resolve_credential_with(cfg, profile, env, &none)
}

/// Resolves the credential chain (see the module documentation), reading keyring entries from
/// `store`. `profile` is `--profile` or `BBKEYS_PROFILE`.
pub fn resolve_credential_with(
    cfg: &Config,
    profile: Option<&str>,
    env: &CredentialEnv,
    store: &dyn TokenStore,
) -> Result<ResolvedCredential, ConfigError> {
    if let Some(name) = profile {
        let p = cfg.profiles.get(name).ok_or_else(|| {
            let known: Vec<&str> = cfg.profiles.keys().map(String::as_str).collect();
            ConfigError::Credential(if known.is_empty() {
                format!(
                    "profile {name:?} is not defined: the config file has no [profiles] sections"
                )
            } else {
                format!(
                    "profile {name:?} is not defined; known profiles: {}",
                    known.join(", ")
                )
            })
        })?;
        return profile_credential(cfg, name, p, store, env.forge);
    }
    let env_forge = env.forge.unwrap_or_default();
    if env_forge == ForgeKind::DataCenter
        && let Some(resolved) = data_center_env_credential(env)?
    {
        return Ok(resolved);
    }
    if let Some(resolved) = cloud_env_credential(env)? {
        return Ok(resolved);
    }
    match cfg.default_profile_name() {
        Some(name) => match cfg.profiles.get(&name) {
            Some(p) => profile_credential(cfg, &name, p, store, env.forge),
            None => Err(ConfigError::Credential(format!(
                "default profile {name:?} is not defined"
            ))),
        },
        None if !cfg.profiles.is_empty() => Err(ConfigError::Credential(format!(
            "the config has several profiles ({}) and no default_profile: set default_profile, or pass --profile",
            cfg.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
        ))),
        None => Ok(ResolvedCredential {
            forge: env_forge,
            credential: Credential::None,
            source: CredentialSource::None,
            api_url: None,
            refresher: None,
            rate_limit_user: None,
        }),
    }
}

/// The environment's credential on Cloud: `BBKEYS_EMAIL` + `BBKEYS_API_TOKEN`, or
/// `BBKEYS_ACCESS_TOKEN`. `None` when none is set, so the profiles are asked next; a half-set
/// or contradictory pair is an error that says what to change.
fn cloud_env_credential(env: &CredentialEnv) -> Result<Option<ResolvedCredential>, ConfigError> {
    match (&env.email, &env.api_token, &env.access_token) {
        (Some(_), Some(_), Some(_)) | (None, Some(_), Some(_)) => Err(ConfigError::Credential(
            "both BBKEYS_API_TOKEN and BBKEYS_ACCESS_TOKEN are set: unset one of them so it is clear which credential to use".into(),
        )),
        (Some(email), Some(token), None) => {
            if !email.contains('@') {
                return Err(ConfigError::Credential(format!(
                    "BBKEYS_EMAIL={email:?} is not an email: use your Atlassian account email, not your Bitbucket username"
                )));
            }
            Ok(Some(ResolvedCredential {
                credential: Credential::ApiToken {
                    email: email.clone(),
                    token: Secret::new(token.trim()),
                },
                source: CredentialSource::Environment,
                forge: ForgeKind::Cloud,
                api_url: None,
                refresher: None,
                rate_limit_user: None,
            }))
        }
        (Some(_), None, Some(_)) => Err(ConfigError::Credential(
            "BBKEYS_EMAIL is set together with BBKEYS_ACCESS_TOKEN: access tokens are sent without an email; unset BBKEYS_EMAIL, or use BBKEYS_API_TOKEN".into(),
        )),
        (Some(_), None, None) => Err(ConfigError::Credential(
            "BBKEYS_EMAIL is set but BBKEYS_API_TOKEN is not: set the API token too (create one with Bitbucket scopes at https://id.atlassian.com/manage-profile/security/api-tokens)".into(),
        )),
        (None, Some(_), None) => {
            let hint = if env.username.is_some() {
                " (BBKEYS_USERNAME is for Bitbucket Data Center: add --forge datacenter or BBKEYS_FORGE=datacenter)"
            } else {
                ""
            };
            Err(ConfigError::Credential(format!(
                "BBKEYS_API_TOKEN is set but BBKEYS_EMAIL is not: API tokens are sent with your Atlassian account email{hint}"
            )))
        }
        (None, None, Some(token)) => Ok(Some(ResolvedCredential {
            credential: Credential::Bearer {
                token: Secret::new(token.trim()),
            },
            source: CredentialSource::Environment,
            forge: ForgeKind::Cloud,
            api_url: None,
            refresher: None,
            rate_limit_user: None,
        })),
        (None, None, None) => Ok(None),
    }
}

/// The environment's credential on Data Center (§2 of the contract): `BBKEYS_ACCESS_TOKEN` as
/// Bearer, or `BBKEYS_USERNAME` + `BBKEYS_API_TOKEN` as Basic. `None` when none is set, so the
/// profiles are asked next. An email is not asked for: Data Center has usernames.
fn data_center_env_credential(
    env: &CredentialEnv,
) -> Result<Option<ResolvedCredential>, ConfigError> {
    let resolved = |credential| {
        Ok(Some(ResolvedCredential {
            forge: ForgeKind::DataCenter,
            credential,
            source: CredentialSource::Environment,
            api_url: None,
            refresher: None,
            rate_limit_user: None,
        }))
    };
    match (&env.username, &env.api_token, &env.access_token) {
        (_, Some(_), Some(_)) => Err(ConfigError::Credential(
            "both BBKEYS_API_TOKEN and BBKEYS_ACCESS_TOKEN are set: unset one of them so it is clear which credential to use".into(),
        )),
        (Some(_), None, Some(_)) => Err(ConfigError::Credential(
            "BBKEYS_USERNAME is set together with BBKEYS_ACCESS_TOKEN: an HTTP access token is sent alone (Bearer); unset BBKEYS_USERNAME, or use BBKEYS_API_TOKEN for a personal token".into(),
        )),
        (None, None, Some(token)) => resolved(Credential::Bearer {
            token: Secret::new(token.trim()),
        }),
        (Some(user), Some(token), None) => resolved(Credential::ApiToken {
            email: user.trim().to_string(),
            token: Secret::new(token.trim()),
        }),
        (None, Some(_), None) => Err(ConfigError::Credential(
            "BBKEYS_API_TOKEN is set but BBKEYS_USERNAME is not: on Data Center a personal token is sent with your username; or set BBKEYS_ACCESS_TOKEN instead to send an HTTP access token alone".into(),
        )),
        (Some(_), None, None) => Err(ConfigError::Credential(
            "BBKEYS_USERNAME is set but BBKEYS_API_TOKEN is not: set the personal token too".into(),
        )),
        (None, None, None) if env.email.is_some() => Err(ConfigError::Credential(
            "BBKEYS_EMAIL is for Bitbucket Cloud: on Data Center set BBKEYS_USERNAME (your Data Center username) and BBKEYS_API_TOKEN, or BBKEYS_ACCESS_TOKEN".into(),
        )),
        (None, None, None) => Ok(None),
    }
}

fn profile_credential(
    cfg: &Config,
    name: &str,
    p: &Profile,
    store: &dyn TokenStore,
    forced: Option<ForgeKind>,
) -> Result<ResolvedCredential, ConfigError> {
    let forge = forced.unwrap_or_else(|| p.forge_kind());
    let mut refresher = None;
    let (token, source) = if let Some(cmd) = &p.token_command {
        let (profile, command) = (name.to_string(), cmd.clone());
        refresher = Some(TokenRefresher::new(move || {
            run_token_command(&profile, &command)
                .map(Secret::new)
                .map_err(|e| e.to_string())
        }));
        (
            run_token_command(name, cmd)?,
            CredentialSource::TokenCommand {
                profile: name.to_string(),
            },
        )
    } else if let Some(token) = &p.token {
        if cfg.world_readable {
            let file = cfg
                .source
                .as_ref()
                .map(|s| s.display().to_string())
                .unwrap_or_else(|| "the config file".into());
            return Err(ConfigError::Credential(format!(
                "{file} holds an inline token but other users can read it; run `chmod 600 {file}`, or use token_command instead"
            )));
        }
        (
            token.trim().to_string(),
            CredentialSource::InlineToken {
                profile: name.to_string(),
            },
        )
    } else {
        let token = match store.get(name) {
            Ok(Some(t)) => t.expose().trim().to_string(),
            Ok(None) => {
                return Err(ConfigError::Credential(format!(
                    "profile {name} has no token_command or token, and {} holds no token for it: run `bbkeys auth login --profile {name}`",
                    store.describe()
                )));
            }
            Err(StoreError::Unavailable(why)) => {
                return Err(ConfigError::Credential(format!(
                    "profile {name} keeps its token in the OS keyring, but {why}. Use BBKEYS_EMAIL and BBKEYS_API_TOKEN, a token_command, or `bbkeys auth login --profile {name} --store-in-file`"
                )));
            }
            Err(StoreError::Failed(why)) => {
                return Err(ConfigError::Credential(format!("profile {name}: {why}")));
            }
        };
        (
            token,
            CredentialSource::Keyring {
                profile: name.to_string(),
            },
        )
    };
    let credential = match p.kind {
        TokenKind::ApiToken => Credential::ApiToken {
            email: match forge {
                ForgeKind::Cloud => p.email.clone(),
                ForgeKind::DataCenter => p.username.clone().or_else(|| p.email.clone()),
            }
            .unwrap_or_default(),
            token: Secret::new(token),
        },
        TokenKind::AccessToken => Credential::Bearer {
            token: Secret::new(token),
        },
    };
    Ok(ResolvedCredential {
        forge,
        credential,
        source,
        api_url: p.api_url.clone(),
        refresher,
        rate_limit_user: p.rate_limit_user.clone(),
    })
}

/// Runs a `token_command` through the shell and takes its first line of output as the token.
pub fn run_token_command(profile: &str, cmd: &str) -> Result<String, ConfigError> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| {
            ConfigError::Credential(format!(
                "profile {profile}: token_command could not start: {e}"
            ))
        })?;
    if !out.status.success() {
        return Err(ConfigError::Credential(format!(
            "profile {profile}: token_command `{cmd}` failed ({}); run it by hand to see why",
            out.status
        )));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let token = stdout.lines().next().unwrap_or("").trim().to_string();
    if token.is_empty() {
        return Err(ConfigError::Credential(format!(
            "profile {profile}: token_command `{cmd}` printed nothing"
        )));
    }
    Ok(token)
}
