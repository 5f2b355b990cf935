//! `bbkeys auth login --forge datacenter`: a Data Center username (never an email) with a
//! personal token, or an HTTP access token alone, verified with the server before anything is
//! stored. The check itself is passed in, so this module names no adapter.

use std::path::PathBuf;

use futures::future::BoxFuture;

use super::config_file::{DcProfile, ProfileUpdate};
use super::login::{
    LoginError, Prompter, StoreTarget, StoredIn, credential_of, given_or_asked,
    refuse_token_command, store_token,
};
use super::store::TokenStore;
use crate::bitbucket::client::{Credential, Secret};
use crate::config::{Config, TokenKind};
use crate::forge::{ForgeError, Identity};

/// What `auth login --forge datacenter` was asked to do.
#[derive(Debug, Clone)]
pub struct DcLoginRequest {
    /// The profile to create or update.
    pub profile: String,
    /// A personal token with a username (`ApiToken`), or an HTTP access token alone.
    pub kind: TokenKind,
    /// The username, when given on the command line; asked otherwise.
    pub username: Option<String>,
    /// The token, when read from standard input; asked otherwise.
    pub token: Option<Secret>,
    /// Keep the token in the config file instead of the keyring.
    pub store_in_file: bool,
    /// The config file to update.
    pub config_path: PathBuf,
    /// The server root, context path included.
    pub api_url: String,
}

/// A successful Data Center login.
#[derive(Debug, Clone)]
pub struct DcLoginOutcome {
    /// The profile written.
    pub profile: String,
    /// Who the server says the credential is.
    pub identity: Identity,
    /// Where the token is.
    pub stored: StoredIn,
    /// Whether runs without `--profile` use this profile.
    pub is_default: bool,
}

/// Asks a credential `verify`s against the server.
pub type Verify<'v> =
    dyn Fn(Credential) -> BoxFuture<'static, Result<Identity, ForgeError>> + Sync + 'v;

fn read_username(req: &DcLoginRequest, prompter: &mut dyn Prompter) -> Result<String, LoginError> {
    let name = match &req.username {
        Some(u) => u.trim().to_string(),
        None => prompter
            .line("Data Center username: ")
            .map_err(LoginError::Input)?
            .trim()
            .to_string(),
    };
    if name.is_empty() {
        return Err(LoginError::Input(
            "no username given: a personal token is sent with your Data Center username (or pass --access-token for an HTTP access token)".into(),
        ));
    }
    Ok(name)
}

/// Asks for what is missing, verifies the credential with `verify`, then stores the token and
/// writes the profile with `forge = "datacenter"`. Nothing is written unless the server
/// accepted the credential.
pub async fn login_data_center(
    req: &DcLoginRequest,
    config: &Config,
    prompter: &mut dyn Prompter,
    store: &dyn TokenStore,
    verify: &Verify<'_>,
) -> Result<DcLoginOutcome, LoginError> {
    refuse_token_command(config, &req.profile)?;
    let username = match req.kind {
        TokenKind::ApiToken => Some(read_username(req, prompter)?),
        TokenKind::AccessToken => None,
    };
    let what = match req.kind {
        TokenKind::ApiToken => "personal access token",
        TokenKind::AccessToken => "HTTP access token",
    };
    let token = given_or_asked(req.token.as_ref(), what, prompter)?;
    let credential = credential_of(username.as_deref(), &token);
    let identity = verify(credential).await?;
    let update = ProfileUpdate {
        name: &req.profile,
        email: None,
        kind: req.kind,
        inline_token: None,
        data_center: Some(DcProfile {
            api_url: &req.api_url,
            username: username.as_deref(),
        }),
    };
    let target = StoreTarget {
        profile: &req.profile,
        store_in_file: req.store_in_file,
        config_path: &req.config_path,
        env_hint: "the environment variables BBKEYS_USERNAME and BBKEYS_API_TOKEN (or BBKEYS_ACCESS_TOKEN)",
    };
    let stored = store_token(&target, update, &token, prompter, store)?;
    let written = Config::load(&req.config_path, true)?;
    Ok(DcLoginOutcome {
        profile: req.profile.clone(),
        identity,
        stored,
        is_default: written.default_profile_name().as_deref() == Some(req.profile.as_str()),
    })
}
