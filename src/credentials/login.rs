//! `bbkeys auth login` and `logout` as library functions: the terminal is behind [`Prompter`]
//! and the keyring behind [`TokenStore`], so tests drive both.

use std::path::{Path, PathBuf};

use super::config_file::{ProfileUpdate, remove_inline_token, upsert_profile};
use super::store::{StoreError, TokenStore};
use crate::bitbucket::client::{ClientOptions, Credential, Secret};
use crate::bitbucket::{ApiError, Client, User};
use crate::config::{Config, ConfigError, TokenKind};

/// Questions for the person at the terminal.
pub trait Prompter {
    /// Reads one visible line ("Atlassian account email: ").
    fn line(&mut self, prompt: &str) -> Result<String, String>;
    /// Reads one line without echoing it (the token).
    fn secret(&mut self, prompt: &str) -> Result<String, String>;
    /// A y/N question whose default answer is No.
    fn confirm(&mut self, question: &str) -> Result<bool, String>;
    /// Tells the person something (a fallback, a warning).
    fn say(&mut self, message: &str);
}

/// What `auth login` was asked to do.
#[derive(Debug, Clone)]
pub struct LoginRequest {
    /// The profile to create or update.
    pub profile: String,
    /// API token (with an email) or access token.
    pub kind: TokenKind,
    /// The email, when given on the command line; asked otherwise.
    pub email: Option<String>,
    /// The token, when read from standard input (`--with-token`); asked otherwise.
    pub token: Option<Secret>,
    /// The user agreed up front to keep the token in the config file (`--store-in-file`).
    pub store_in_file: bool,
    /// The config file to update.
    pub config_path: PathBuf,
    /// Client settings (API URL, timeouts) for verifying the token; the credential is replaced.
    pub client: ClientOptions,
}

/// Where the token ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredIn {
    /// The token store (the OS keyring in the product).
    Keyring,
    /// The config file, private to the user.
    ConfigFile(PathBuf),
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// The profile written.
    pub profile: String,
    /// The account `GET /user` returned.
    pub account: User,
    /// Where the token is.
    pub stored: StoredIn,
    /// Whether runs without `--profile` will use this profile.
    pub is_default: bool,
}

/// Why a login ended without storing anything.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Bitbucket refused the credential, or could not be reached.
    #[error("{0}")]
    Api(#[from] ApiError),
    /// Data Center refused the credential, or could not be reached.
    #[error("{0}")]
    Forge(#[from] crate::forge::ForgeError),
    /// The config could not be read or written, or the profile cannot take a stored token.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The answers were unusable (empty token, no terminal, a username instead of an email).
    #[error("{0}")]
    Input(String),
    /// The token is fine, but there is nowhere the user agreed to keep it.
    #[error("{0}")]
    NotStored(String),
}

/// Times an invalid email is asked for again before giving up: enough for a typo, and a
/// bound for an input that can only repeat itself.
const EMAIL_TRIES: usize = 3;

fn read_email(req: &LoginRequest, prompter: &mut dyn Prompter) -> Result<String, LoginError> {
    // Given on the command line, a wrong email is an error: nobody is there to ask again.
    if let Some(e) = &req.email {
        return check_email(e.trim()).map_err(LoginError::Input);
    }
    let mut tries = 0;
    loop {
        let email = prompter
            .line("Atlassian account email: ")
            .map_err(LoginError::Input)?
            .trim()
            .to_string();
        tries += 1;
        match check_email(&email) {
            Ok(email) => return Ok(email),
            Err(why) if tries >= EMAIL_TRIES => return Err(LoginError::Input(why)),
            Err(why) => prompter.say(&format!("{why}. Try again.")),
        }
    }
}

fn check_email(email: &str) -> Result<String, String> {
    if email.is_empty() {
        return Err("no email given: API tokens are sent with your Atlassian account email".into());
    }
    if !email.contains('@') {
        return Err(format!(
            "{email:?} is not an email: use your Atlassian account email, not your username"
        ));
    }
    Ok(email.to_string())
}

/// Refuses a login to a profile whose `token_command` would go on winning over the stored
/// token.
pub(super) fn refuse_token_command(config: &Config, profile: &str) -> Result<(), LoginError> {
    if let Some(p) = config.profiles.get(profile)
        && let Some(cmd) = &p.token_command
    {
        return Err(LoginError::Config(ConfigError::Credential(format!(
            "profile {profile} gets its token from token_command `{cmd}`, which would go on winning over a stored token; remove token_command from it, or log in with another --profile"
        ))));
    }
    Ok(())
}

/// The token given on the command line or stdin, else asked for (`what`, not shown); an empty
/// one is refused.
pub(super) fn given_or_asked(
    given: Option<&Secret>,
    what: &str,
    prompter: &mut dyn Prompter,
) -> Result<Secret, LoginError> {
    let token = match given {
        Some(t) => t.expose().trim().to_string(),
        None => prompter
            .secret(&format!("{what} (not shown): "))
            .map_err(LoginError::Input)?
            .trim()
            .to_string(),
    };
    if token.is_empty() {
        return Err(LoginError::Input("no token given".into()));
    }
    Ok(Secret::new(token))
}

/// A name and token as Basic, or the token alone as Bearer.
pub(super) fn credential_of(name: Option<&str>, token: &Secret) -> Credential {
    match name {
        Some(name) => Credential::ApiToken {
            email: name.to_string(),
            token: token.clone(),
        },
        None => Credential::Bearer {
            token: token.clone(),
        },
    }
}

/// Asks for what is missing, verifies it with `GET /user`, then stores the token in `store`,
/// or in the config file (mode 0600) when the user agrees, and records the profile in the
/// config file. Nothing is written unless Bitbucket accepted the credential.
pub async fn login(
    req: &LoginRequest,
    config: &Config,
    prompter: &mut dyn Prompter,
    store: &dyn TokenStore,
) -> Result<LoginOutcome, LoginError> {
    refuse_token_command(config, &req.profile)?;
    let email = match req.kind {
        TokenKind::ApiToken => Some(read_email(req, prompter)?),
        TokenKind::AccessToken => None,
    };
    let what = match req.kind {
        TokenKind::ApiToken => "API token",
        TokenKind::AccessToken => "access token",
    };
    let token = given_or_asked(req.token.as_ref(), what, prompter)?;
    let credential = credential_of(email.as_deref(), &token);
    let mut options = req.client.clone();
    options.credential = credential;
    // The refresher belongs to token_command profiles; a typed token is checked as it is.
    options.token_refresher = None;
    let account = Client::new(options)?.current_user().await?;

    let update = ProfileUpdate {
        name: &req.profile,
        email: email.as_deref(),
        kind: req.kind,
        inline_token: None,
        data_center: None,
    };
    let target = StoreTarget {
        profile: &req.profile,
        store_in_file: req.store_in_file,
        config_path: &req.config_path,
        env_hint: "the environment variables BBKEYS_EMAIL and BBKEYS_API_TOKEN",
    };
    let stored = store_token(&target, update, &token, prompter, store)?;
    let written = Config::load(&req.config_path, true)?;
    Ok(LoginOutcome {
        profile: req.profile.clone(),
        account,
        stored,
        is_default: written.default_profile_name().as_deref() == Some(req.profile.as_str()),
    })
}

/// Where a verified token goes, and what to suggest when it can go nowhere.
pub(super) struct StoreTarget<'a> {
    /// The profile.
    pub profile: &'a str,
    /// `--store-in-file`.
    pub store_in_file: bool,
    /// The config file.
    pub config_path: &'a Path,
    /// The environment variables that would carry the credential instead.
    pub env_hint: &'a str,
}

/// Keeps a verified token in `store`, or in the config file when the user agrees, and writes
/// the profile (`update`) along with it.
pub(super) fn store_token<'a>(
    req: &StoreTarget<'_>,
    mut update: ProfileUpdate<'a>,
    token: &'a Secret,
    prompter: &mut dyn Prompter,
    store: &dyn TokenStore,
) -> Result<StoredIn, LoginError> {
    if !req.store_in_file {
        match store.set(req.profile, token) {
            Ok(()) => {
                // The profile must not also carry an inline token, or the two could drift.
                upsert_profile(req.config_path, &update)?;
                return Ok(StoredIn::Keyring);
            }
            Err(StoreError::Unavailable(why) | StoreError::Failed(why)) => {
                prompter.say(&format!(
                    "Cannot keep the token in {}: {why}.",
                    store.describe()
                ));
            }
        }
        let question = format!(
            "Store the token in {} instead, readable only by you (mode 0600)?",
            req.config_path.display()
        );
        if !prompter.confirm(&question).unwrap_or(false) {
            return Err(LoginError::NotStored(format!(
                "the token works (account checked) but was not stored. Use a token_command (such as `pass show bitbucket`), {}, or run `bbkeys auth login --profile {} --store-in-file` to keep it in {}",
                req.env_hint,
                req.profile,
                req.config_path.display()
            )));
        }
    }
    update.inline_token = Some(token.expose());
    upsert_profile(req.config_path, &update)?;
    Ok(StoredIn::ConfigFile(req.config_path.to_path_buf()))
}

/// What `auth logout` removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoutOutcome {
    /// The keyring entry of the profile was deleted.
    RemovedFromKeyring,
    /// The inline token was deleted from the config file.
    RemovedFromFile(PathBuf),
    /// Nothing was stored for the profile.
    NothingStored,
    /// The profile uses a `token_command`: bbkeys stores nothing to remove.
    UsesTokenCommand(String),
}

/// Removes the stored token of `profile`: its inline token from the config file, or its
/// keyring entry. The profile itself (email, API URL) stays.
pub fn logout(
    profile: &str,
    config_path: &Path,
    config: &Config,
    store: &dyn TokenStore,
) -> Result<LogoutOutcome, LoginError> {
    match config.profiles.get(profile) {
        Some(p) if p.token_command.is_some() => Ok(LogoutOutcome::UsesTokenCommand(
            p.token_command.clone().unwrap_or_default(),
        )),
        Some(p) if p.token.is_some() => {
            remove_inline_token(config_path, profile)?;
            Ok(LogoutOutcome::RemovedFromFile(config_path.to_path_buf()))
        }
        _ => match store.delete(profile) {
            Ok(true) => Ok(LogoutOutcome::RemovedFromKeyring),
            Ok(false) => Ok(LogoutOutcome::NothingStored),
            Err(e) => Err(LoginError::Input(format!(
                "could not remove the token of profile {profile} from {}: {e}",
                store.describe()
            ))),
        },
    }
}
