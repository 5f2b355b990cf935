//! `bbkeys auth login --forge datacenter`: the terminal side of the Data Center login, with
//! the server check the credentials module asks for (the composition root builds the client).

use futures::FutureExt;

use super::GlobalArgs;
use super::auth_setup::{load, login_error, profile_name};
use super::output::{CliError, Exit};
use super::prompt::{TerminalPrompter, read_token_from_stdin};
use crate::config::TokenKind;
use crate::credentials::login::StoredIn;
use crate::credentials::login_dc::{DcLoginRequest, login_data_center};
use crate::credentials::store::default_store;
use crate::forge::Forge;

/// The options of a Data Center login.
pub(super) struct DcLogin {
    /// `--with-token`.
    pub with_token: bool,
    /// `--username`.
    pub username: Option<String>,
    /// Personal token with a username, or an HTTP access token.
    pub kind: TokenKind,
    /// `--store-in-file`.
    pub store_in_file: bool,
}

/// Logs in to a Data Center server: asks, verifies with the server, stores.
pub(super) async fn run_login(global: &GlobalArgs, login: DcLogin) -> Result<Exit, CliError> {
    if global.demo {
        return Err(CliError::new(
            Exit::Usage,
            "--demo uses the simulator's own account; there is nothing to log in to",
        ));
    }
    let (path, config) = load(global)?;
    let profile = profile_name(global, &config);
    let profile_url = config
        .profiles
        .get(&profile)
        .and_then(|p| p.api_url.clone());
    let root = super::compose::server_root(global, &config, profile_url.as_deref())?;
    let token = if login.with_token {
        Some(read_token_from_stdin()?)
    } else {
        None
    };
    let req = DcLoginRequest {
        profile,
        kind: login.kind,
        username: login.username,
        token,
        store_in_file: login.store_in_file,
        config_path: path,
        api_url: root.clone(),
    };
    let verify = |credential| {
        let client = super::compose::data_center_client(
            &config,
            global,
            root.clone(),
            super::compose::dc_credential(&credential),
        );
        async move {
            let client = client.map_err(|e| {
                crate::forge::ForgeError::new(crate::forge::ForgeErrorKind::Unsupported, e.message)
            })?;
            client.whoami().await
        }
        .boxed()
    };
    let mut prompter = TerminalPrompter {
        stdin_taken: login.with_token,
    };
    let store = default_store();
    let outcome = login_data_center(&req, &config, &mut prompter, store.as_ref(), &verify)
        .await
        .map_err(login_error)?;
    let place = match &outcome.stored {
        StoredIn::Keyring => "the OS keyring".to_string(),
        StoredIn::ConfigFile(p) => format!("{} (mode 0600)", p.display()),
    };
    if global.json {
        println!(
            "{}",
            serde_json::json!({
                "profile": outcome.profile,
                "forge": "datacenter",
                "account": outcome.identity,
                "stored_in": match outcome.stored { StoredIn::Keyring => "keyring", StoredIn::ConfigFile(_) => "config_file" },
                "default": outcome.is_default,
            })
        );
    } else {
        eprintln!(
            "Logged in to {} as {}. The token of profile {} is in {place}.",
            root,
            crate::sanitize::clean_line(&outcome.identity.display_name),
            outcome.profile
        );
        if !outcome.is_default {
            eprintln!(
                "Use it with --profile {0} (or BBKEYS_PROFILE={0}), or set default_profile = \"{0}\" in the config file.",
                outcome.profile
            );
        }
    }
    Ok(Exit::Ok)
}

/// `auth status` on Data Center: where the credential comes from, who the server says it is,
/// and the projects it reaches. A refused credential exits 3 with the server's reason.
pub(super) async fn status(ctx: &super::Context) -> Result<Exit, CliError> {
    let identity = ctx.forge().whoami().await?;
    let owners = ctx.forge().owners().await?;
    let administered: Vec<&str> = owners
        .iter()
        .filter(|o| o.administrator)
        .map(|o| o.slug.as_str())
        .collect();
    let through_repositories: Vec<&str> = owners
        .iter()
        .filter(|o| !o.administrator)
        .map(|o| o.slug.as_str())
        .collect();
    if ctx.json {
        let doc = serde_json::json!({
            "logged_in": true,
            "forge": "datacenter",
            "credential_source": ctx.source.to_string(),
            "profile": ctx.source.profile(),
            "account": identity,
            "projects_administered": administered,
            "projects_through_repositories": through_repositories,
        });
        println!("{doc}");
    } else {
        println!("Credential: {} (Bitbucket Data Center)", ctx.source);
        println!(
            "Account:    {}",
            crate::sanitize::clean_line(&identity.display_name)
        );
        println!("Projects:   {} administered", administered.join(", "));
        if !through_repositories.is_empty() {
            println!(
                "            {} through some of their repositories",
                through_repositories.join(", ")
            );
        }
    }
    Ok(Exit::Ok)
}
