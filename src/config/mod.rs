//! The TOML config file, profiles and the credential chain.
//!
//! Order of precedence for the credential (first match wins): `--profile`/`BBKEYS_PROFILE`,
//! the environment (`BBKEYS_EMAIL` + `BBKEYS_API_TOKEN`, or `BBKEYS_ACCESS_TOKEN`), then the
//! config's default profile. A profile's token comes from its `token_command`, else from the
//! OS keyring (where `bbkeys auth login` puts it), else from an inline `token` in a private
//! file. The keyring is asked only for a profile with neither of the other two, so a run never
//! waits on a secret service it does not need.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::bitbucket::client::{Credential, Secret, TokenRefresher};
use crate::credentials::store::{StoreError, TokenStore};
use crate::forge::ForgeKind;

/// A configuration or credential problem, with a sentence that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read or parsed, or a value is wrong.
    #[error("{0}")]
    Invalid(String),
    /// The credential setup is wrong (exit code 3).
    #[error("{0}")]
    Credential(String),
    /// A value names something that does not exist, such as an unknown forge (exit code 2).
    #[error("{0}")]
    Usage(String),
}

/// How a label edit is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EditStrategy {
    /// Delete and re-add (works for every key; the default).
    #[default]
    Replace,
    /// PUT with the same key (repository keys only), falling back to replace when refused.
    InPlace,
}

/// Thresholds of the audit (`[audit]` in the config file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// A key never used and added more than this many days ago is reported.
    pub unused_never_days: u32,
    /// A key not used for more than this many days is reported.
    pub unused_days: u32,
    /// A key reaching more than this many repositories is reported.
    pub shared_threshold: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            unused_never_days: 90,
            unused_days: 365,
            shared_threshold: 5,
        }
    }
}

impl AuditConfig {
    /// Checks the ranges; the sentence names the key to fix.
    pub fn check(&self) -> Result<(), String> {
        // A hundred years is far beyond any key's life; larger values are typing mistakes.
        const MAX_DAYS: u32 = 36_500;
        for (key, v) in [
            ("unused_never_days", self.unused_never_days),
            ("unused_days", self.unused_days),
        ] {
            if !(1..=MAX_DAYS).contains(&v) {
                return Err(format!(
                    "[audit] {key} = {v}: it must be a number of days between 1 and {MAX_DAYS}"
                ));
            }
        }
        if !(1..=100_000).contains(&self.shared_threshold) {
            return Err(format!(
                "[audit] shared_threshold = {}: it must be a number of repositories between 1 and 100000",
                self.shared_threshold
            ));
        }
        Ok(())
    }
}

/// The kind of token a profile holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// Atlassian API token, sent with the account email (HTTP Basic).
    #[default]
    ApiToken,
    /// Workspace/project/repository access token or OAuth token (Bearer).
    AccessToken,
}

/// One account in the config file.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// `cloud` (default) or `datacenter`: which forge the profile's account is on.
    pub forge: Option<String>,
    /// Atlassian account email (Cloud API tokens only).
    pub email: Option<String>,
    /// Data Center username, sent with a personal token (HTTP Basic); Cloud uses `email`.
    pub username: Option<String>,
    /// `api_token` (default) or `access_token`.
    #[serde(default)]
    pub kind: TokenKind,
    /// A command whose standard output is the token, such as `pass show bitbucket`.
    pub token_command: Option<String>,
    /// The token itself; accepted only when the file is readable by its owner alone. With
    /// neither this nor `token_command`, the token is read from the OS keyring.
    pub token: Option<String>,
    /// API URL for this profile: on Cloud the API base with `/2.0`, on Data Center the server
    /// root with its context path.
    pub api_url: Option<String>,
    /// For an OAuth token (`kind = "access_token"`): the Atlassian account email it acts for.
    /// Bitbucket counts OAuth requests against that person's hourly allowance, so bbkeys
    /// counts them with the person's API-token requests. Leave it out for workspace, project
    /// and repository access tokens: each has an allowance of its own.
    pub rate_limit_user: Option<String>,
    /// Workspace of commands that name none (`BBKEYS_WORKSPACE` wins over it).
    pub default_workspace: Option<String>,
    /// A keys file (keys as code) the TUI's Drift view compares the workspaces with;
    /// `--desired` wins over it. A relative path is taken from the current directory.
    pub desired_state: Option<PathBuf>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("forge", &self.forge)
            .field("email", &self.email)
            .field("username", &self.username)
            .field("kind", &self.kind)
            .field("token_command", &self.token_command)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("api_url", &self.api_url)
            .field("rate_limit_user", &self.rate_limit_user)
            .field("default_workspace", &self.default_workspace)
            .field("desired_state", &self.desired_state)
            .finish()
    }
}

/// The config file's contents. Unknown keys are errors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Base URL including `/2.0`.
    pub api_url: Option<String>,
    /// Profile used when none is named.
    pub default_profile: Option<String>,
    /// Requests in flight at most.
    pub concurrency: Option<usize>,
    /// TCP connect timeout in seconds.
    pub connect_timeout_secs: Option<f64>,
    /// Whole-request timeout in seconds.
    pub request_timeout_secs: Option<f64>,
    /// Extra CA bundle (PEM).
    pub ca_file: Option<PathBuf>,
    /// Tries for a GET before giving up (default 5).
    pub max_tries: Option<u32>,
    /// First retry delay in milliseconds (default 500); doubles each try, with jitter.
    pub backoff_ms: Option<u64>,
    /// Requests per rolling hour this account may spend (default 1,000, Bitbucket's limit); a
    /// scan that would go over it asks first.
    pub hourly_budget: Option<u32>,
    /// How label edits are done.
    #[serde(default)]
    pub edit_strategy: EditStrategy,
    /// Audit thresholds (`[audit]`).
    #[serde(default)]
    pub audit: AuditConfig,
    /// Accounts.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
    /// The CI policy (`[policy]`), read and checked with its positions by `ops::policy`.
    #[serde(default)]
    pub policy: Option<toml::Table>,
    /// Key bindings, validated by the TUI.
    #[serde(default)]
    pub keys: toml::Table,
    /// Colours, validated by the TUI.
    #[serde(default)]
    pub theme: toml::Table,
    /// Where the config was read from (not a config key).
    #[serde(skip)]
    pub source: Option<PathBuf>,
    /// Whether the file is readable by group or others (not a config key).
    #[serde(skip)]
    pub world_readable: bool,
}

impl Config {
    /// Reads `path`. A missing file is an empty config only when `required` is false.
    pub fn load(path: &Path, required: bool) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Config::default());
            }
            Err(e) => {
                return Err(ConfigError::Invalid(format!(
                    "cannot read the config file {}: {e}",
                    path.display()
                )));
            }
        };
        let mut cfg = Config::parse(&text).map_err(|e| {
            let what = format!("{}: {e}", path.display());
            // A wrong forge name is a usage error (exit 2), as for --forge and BBKEYS_FORGE.
            if e.contains("] forge = ") {
                ConfigError::Usage(what)
            } else {
                ConfigError::Invalid(what)
            }
        })?;
        cfg.source = Some(path.to_path_buf());
        cfg.world_readable = readable_by_others(path);
        Ok(cfg)
    }

    /// Parses config text and checks its values.
    pub fn parse(text: &str) -> Result<Config, String> {
        let cfg: Config = toml::from_str(text).map_err(|e| {
            // toml's message names the line, column and key; keep it, on one line.
            e.to_string()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" | ")
        })?;
        cfg.check().map(|_| cfg)
    }

    fn check(&self) -> Result<(), String> {
        self.audit.check()?;
        if let Some(url) = &self.api_url {
            crate::bitbucket::client::parse_base_url(url).map_err(|e| format!("api_url: {e}"))?;
        }
        if let Some(c) = self.concurrency
            && !(1..=64).contains(&c)
        {
            return Err(format!("concurrency = {c}: it must be between 1 and 64"));
        }
        for (key, v) in [
            ("connect_timeout_secs", self.connect_timeout_secs),
            ("request_timeout_secs", self.request_timeout_secs),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0 && v <= 3600.0)
            {
                return Err(format!(
                    "{key} = {v}: it must be a number of seconds above 0 and at most 3600"
                ));
            }
        }
        if let Some(t) = self.max_tries
            && !(1..=10).contains(&t)
        {
            return Err(format!("max_tries = {t}: it must be between 1 and 10"));
        }
        if let Some(b) = self.hourly_budget
            && !(1..=1_000_000).contains(&b)
        {
            return Err(format!(
                "hourly_budget = {b}: it must be a number of requests between 1 and 1000000"
            ));
        }
        if let Some(name) = &self.default_profile
            && !self.profiles.contains_key(name)
        {
            return Err(format!(
                "default_profile = {name:?}: there is no [profiles.{name}] section"
            ));
        }
        self.check_forges()?;
        for (name, p) in &self.profiles {
            if p.forge_kind() == ForgeKind::DataCenter {
                check_data_center_profile(name, p)?;
                continue;
            }
            if let Some(u) = &p.username {
                return Err(format!(
                    "[profiles.{name}] username = {u:?}: a username is for Data Center profiles (forge = \"datacenter\"); Bitbucket Cloud API tokens are sent with email = \"you@example.com\""
                ));
            }
            if p.token.is_some() && p.token_command.is_some() {
                return Err(format!(
                    "[profiles.{name}]: set token_command or token, not both"
                ));
            }
            match p.kind {
                TokenKind::ApiToken => match &p.email {
                    None => {
                        return Err(format!(
                            "[profiles.{name}]: an API token needs email = \"you@example.com\" (your Atlassian account email)"
                        ));
                    }
                    Some(e) if !e.contains('@') => {
                        return Err(format!(
                            "[profiles.{name}] email = {e:?}: use your Atlassian account email, not your Bitbucket username"
                        ));
                    }
                    Some(_) => {}
                },
                TokenKind::AccessToken if p.email.is_some() => {
                    return Err(format!(
                        "[profiles.{name}]: an access token is sent without an email; remove email or set kind = \"api_token\""
                    ));
                }
                TokenKind::AccessToken => {}
            }
            match (&p.rate_limit_user, p.kind) {
                (Some(_), TokenKind::ApiToken) => {
                    return Err(format!(
                        "[profiles.{name}]: rate_limit_user is for OAuth tokens (kind = \"access_token\"); an API token already counts against its email's allowance"
                    ));
                }
                (Some(u), _) if !u.contains('@') => {
                    return Err(format!(
                        "[profiles.{name}] rate_limit_user = {u:?}: use the Atlassian account email the OAuth token acts for"
                    ));
                }
                _ => {}
            }
            if let Some(url) = &p.api_url {
                crate::bitbucket::client::parse_base_url(url)
                    .map_err(|e| format!("[profiles.{name}] api_url: {e}"))?;
            }
        }
        Ok(())
    }

    /// Checks every profile's `forge` value, so a typo is named with the accepted values.
    pub fn check_forges(&self) -> Result<(), String> {
        for (name, p) in &self.profiles {
            if let Some(f) = &p.forge {
                f.parse::<ForgeKind>()
                    .map_err(|e| format!("[profiles.{name}] forge = {f:?}: {e}"))?;
            }
        }
        Ok(())
    }

    /// The profile used when none is named: `default_profile`, else the only profile, else
    /// one called `default`.
    pub fn default_profile_name(&self) -> Option<String> {
        self.default_profile
            .clone()
            .or_else(|| {
                if self.profiles.len() == 1 {
                    self.profiles.keys().next().cloned()
                } else {
                    None
                }
            })
            .or_else(|| {
                self.profiles
                    .contains_key("default")
                    .then(|| "default".to_string())
            })
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.connect_timeout_secs.unwrap_or(10.0))
    }

    /// Request timeout (default 30 s).
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.request_timeout_secs.unwrap_or(30.0))
    }
}

impl Profile {
    /// The profile's forge; Cloud when it names none (or a wrong one, which
    /// [`Config::check_forges`] refuses first).
    pub fn forge_kind(&self) -> ForgeKind {
        self.forge
            .as_deref()
            .and_then(|f| f.parse().ok())
            .unwrap_or_default()
    }
}

/// A Data Center profile: a username (never an email) for a personal token over Basic, none
/// for an HTTP access token over Bearer; no Cloud-only settings.
fn check_data_center_profile(name: &str, p: &Profile) -> Result<(), String> {
    if p.token.is_some() && p.token_command.is_some() {
        return Err(format!(
            "[profiles.{name}]: set token_command or token, not both"
        ));
    }
    if p.email.is_some() {
        return Err(format!(
            "[profiles.{name}]: Data Center signs in with a username: replace email with username = \"...\" (or, for an HTTP access token, set kind = \"access_token\")"
        ));
    }
    if p.rate_limit_user.is_some() {
        return Err(format!(
            "[profiles.{name}]: rate_limit_user is for Bitbucket Cloud; Data Center limits requests with a token bucket of its own"
        ));
    }
    match (p.kind, &p.username) {
        (TokenKind::ApiToken, None) => {
            return Err(format!(
                "[profiles.{name}]: a personal token on Data Center is sent with your username: set username = \"...\", or kind = \"access_token\" to send the token alone (Bearer)"
            ));
        }
        (TokenKind::AccessToken, Some(_)) => {
            return Err(format!(
                "[profiles.{name}]: an HTTP access token is sent without a username; remove username or leave kind out"
            ));
        }
        _ => {}
    }
    if let Some(url) = &p.api_url {
        crate::datacenter::parse_root_url(url)
            .map_err(|e| format!("[profiles.{name}] api_url: {e}"))?;
    }
    Ok(())
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o077 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> bool {
    false
}

mod chain;

pub use chain::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_line_and_key() {
        let err = Config::parse("api_url = \"https://x/2.0\"\nbogus = 1\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("bogus"), "{err}");
        let err =
            Config::parse("[profiles.w]\nemail = \"a@b\"\ntoken_command = \"x\"\ncolour = 1\n")
                .unwrap_err();
        assert!(err.contains("colour") && err.contains("line 4"), "{err}");
    }

    #[test]
    fn bad_values_are_named() {
        assert!(
            Config::parse("concurrency = 0")
                .unwrap_err()
                .contains("concurrency")
        );
        assert!(
            Config::parse("concurrency = \"many\"")
                .unwrap_err()
                .contains("concurrency")
        );
        assert!(
            Config::parse("api_url = \"ftp://x\"")
                .unwrap_err()
                .contains("api_url")
        );
        assert!(
            Config::parse("edit_strategy = \"sideways\"")
                .unwrap_err()
                .contains("edit_strategy")
        );
        assert!(
            Config::parse("default_profile = \"w\"")
                .unwrap_err()
                .contains("[profiles.w]")
        );
        let e = Config::parse("[profiles.w]\nemail = \"nick\"\ntoken_command = \"x\"").unwrap_err();
        assert!(e.contains("not your Bitbucket username"), "{e}");
    }

    #[test]
    fn a_profile_may_name_its_default_workspace_and_a_misspelt_key_is_refused() {
        let c = Config::parse(
            "[profiles.w]\nemail = \"a@b.c\"\ntoken_command = \"x\"\ndefault_workspace = \"acme\"",
        )
        .unwrap();
        assert_eq!(c.profiles["w"].default_workspace.as_deref(), Some("acme"));
        let e = Config::parse(
            "[profiles.w]\nemail = \"a@b.c\"\ntoken_command = \"x\"\ndefault_worksapce = \"acme\"",
        )
        .unwrap_err();
        assert!(e.contains("default_worksapce"), "{e}");
    }

    #[test]
    fn a_profile_may_name_its_keys_file_and_a_misspelt_key_is_refused() {
        let c = Config::parse(
            "[profiles.w]\nemail = \"a@b.c\"\ntoken_command = \"x\"\ndesired_state = \"keys.toml\"",
        )
        .unwrap();
        assert_eq!(
            c.profiles["w"].desired_state.as_deref(),
            Some(std::path::Path::new("keys.toml"))
        );
        let e = Config::parse(
            "[profiles.w]\nemail = \"a@b.c\"\ntoken_command = \"x\"\ndesired_states = \"keys.toml\"",
        )
        .unwrap_err();
        assert!(e.contains("desired_states"), "{e}");
    }

    #[test]
    fn env_chain_rules() {
        let cfg = Config::default();
        let env = |e: Option<&str>, a: Option<&str>, b: Option<&str>| CredentialEnv {
            email: e.map(String::from),
            api_token: a.map(String::from),
            access_token: b.map(String::from),
            ..Default::default()
        };
        assert!(matches!(
            resolve_credential(&cfg, None, &env(Some("a@b.c"), Some("t"), None))
                .unwrap()
                .credential,
            Credential::ApiToken { .. }
        ));
        assert!(matches!(
            resolve_credential(&cfg, None, &env(None, None, Some("t")))
                .unwrap()
                .credential,
            Credential::Bearer { .. }
        ));
        for bad in [
            env(Some("a@b.c"), Some("t"), Some("u")),
            env(Some("a@b.c"), None, None),
            env(None, Some("t"), None),
            env(Some("nick"), Some("t"), None),
        ] {
            let e = resolve_credential(&cfg, None, &bad).unwrap_err();
            assert!(matches!(e, ConfigError::Credential(_)), "{e}");
        }
        assert_eq!(
            resolve_credential(&cfg, None, &env(None, None, None))
                .unwrap()
                .source,
            CredentialSource::None
        );
    }

    #[test]
    fn profile_beats_environment_and_token_command_runs() {
        let cfg =
            Config::parse("[profiles.w]\nemail = \"me@x.io\"\ntoken_command = \"echo s3cret\"\n")
                .unwrap();
        let env = CredentialEnv {
            access_token: Some("envtoken".into()),
            ..Default::default()
        };
        let r = resolve_credential(&cfg, Some("w"), &env).unwrap();
        assert_eq!(
            r.credential,
            Credential::ApiToken {
                email: "me@x.io".into(),
                token: Secret::new("s3cret")
            }
        );
        assert!(!format!("{r:?}").contains("s3cret"));
        assert!(resolve_credential(&cfg, Some("nope"), &env).is_err());
        // With no env, the single profile is the default.
        assert!(matches!(
            resolve_credential(&cfg, None, &CredentialEnv::default())
                .unwrap()
                .source,
            CredentialSource::TokenCommand { .. }
        ));
    }

    #[test]
    fn failing_token_command_is_explained() {
        let cfg = Config::parse("[profiles.w]\nemail = \"me@x.io\"\ntoken_command = \"exit 3\"\n")
            .unwrap();
        let e = resolve_credential(&cfg, None, &CredentialEnv::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("failed") && e.contains("profile w"), "{e}");
    }

    #[test]
    fn inline_token_needs_a_private_file() {
        let mut cfg =
            Config::parse("[profiles.w]\nemail = \"me@x.io\"\ntoken = \"inline-secret\"\n")
                .unwrap();
        cfg.world_readable = true;
        cfg.source = Some("/tmp/c.toml".into());
        let e = resolve_credential(&cfg, None, &CredentialEnv::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("chmod 600 /tmp/c.toml"), "{e}");
        assert!(!e.contains("inline-secret"));
        cfg.world_readable = false;
        assert!(resolve_credential(&cfg, None, &CredentialEnv::default()).is_ok());
        assert!(!format!("{cfg:?}").contains("inline-secret"));
    }

    #[test]
    fn audit_section_has_defaults_and_checked_ranges() {
        assert_eq!(Config::parse("").unwrap().audit, AuditConfig::default());
        let cfg = Config::parse("[audit]\nunused_days = 180\nshared_threshold = 10\n").unwrap();
        assert_eq!(cfg.audit.unused_days, 180);
        assert_eq!(cfg.audit.shared_threshold, 10);
        assert_eq!(cfg.audit.unused_never_days, 90);
        let err = Config::parse("[audit]\nunused_days = 0\n").unwrap_err();
        assert!(err.contains("unused_days"), "{err}");
        let err = Config::parse("[audit]\nshared_threshold = 0\n").unwrap_err();
        assert!(err.contains("shared_threshold"), "{err}");
        let err = Config::parse("[audit]\nunused_dayz = 3\n").unwrap_err();
        assert!(err.contains("unused_dayz"), "{err}");
    }

    #[test]
    fn a_data_center_profile_takes_a_username_and_a_cloud_profile_an_email() {
        let dc = Config::parse(
            "[profiles.dc]\nforge = \"datacenter\"\napi_url = \"https://git.example.com/bitbucket\"\nusername = \"dana\"\ntoken_command = \"x\"\n",
        )
        .unwrap();
        assert_eq!(dc.profiles["dc"].forge_kind(), ForgeKind::DataCenter);
        assert_eq!(Profile::default().forge_kind(), ForgeKind::Cloud);
        for (text, says) in [
            (
                "[profiles.dc]\nforge = \"datacenter\"\nemail = \"a@b.c\"\ntoken_command = \"x\"",
                "username",
            ),
            (
                "[profiles.dc]\nforge = \"datacenter\"\ntoken_command = \"x\"",
                "username",
            ),
            (
                "[profiles.dc]\nforge = \"datacenter\"\nkind = \"access_token\"\nusername = \"dana\"\ntoken_command = \"x\"",
                "without a username",
            ),
            (
                "[profiles.w]\nemail = \"a@b.c\"\nusername = \"dana\"\ntoken_command = \"x\"",
                "Data Center",
            ),
            (
                "[profiles.w]\nforge = \"gitlab\"\ntoken_command = \"x\"",
                "\"datacenter\"",
            ),
        ] {
            let e = Config::parse(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn the_environment_on_data_center_is_a_username_or_an_access_token() {
        let cfg = Config::default();
        let dc = |user: Option<&str>, api: Option<&str>, access: Option<&str>| CredentialEnv {
            username: user.map(String::from),
            api_token: api.map(String::from),
            access_token: access.map(String::from),
            forge: Some(ForgeKind::DataCenter),
            ..Default::default()
        };
        let basic = resolve_credential(&cfg, None, &dc(Some("dana"), Some("t"), None)).unwrap();
        assert_eq!(basic.forge, ForgeKind::DataCenter);
        assert!(
            matches!(&basic.credential, Credential::ApiToken { email, .. } if email == "dana"),
            "the username, no email check"
        );
        let bearer = resolve_credential(&cfg, None, &dc(None, None, Some("t"))).unwrap();
        assert!(matches!(bearer.credential, Credential::Bearer { .. }));
        for (env, says) in [
            (dc(None, Some("t"), None), "BBKEYS_USERNAME"),
            (dc(Some("dana"), None, None), "BBKEYS_API_TOKEN"),
            (dc(Some("dana"), None, Some("t")), "Bearer"),
            (
                CredentialEnv {
                    email: Some("a@b.c".into()),
                    ..dc(None, None, None)
                },
                "BBKEYS_EMAIL is for Bitbucket Cloud",
            ),
        ] {
            let e = resolve_credential(&cfg, None, &env)
                .unwrap_err()
                .to_string();
            assert!(e.contains(says), "{env:?}: {e}");
            assert!(!e.contains("not an email"), "{e}");
        }
        // The flag wins over a profile's forge.
        let cfg = Config::parse(
            "[profiles.dc]\nforge = \"datacenter\"\nusername = \"dana\"\ntoken_command = \"echo t\"\n",
        )
        .unwrap();
        let from_profile = resolve_credential(&cfg, None, &CredentialEnv::default()).unwrap();
        assert_eq!(from_profile.forge, ForgeKind::DataCenter);
        let forced = CredentialEnv {
            forge: Some(ForgeKind::Cloud),
            ..Default::default()
        };
        assert_eq!(
            resolve_credential(&cfg, None, &forced).unwrap().forge,
            ForgeKind::Cloud
        );
    }
}
