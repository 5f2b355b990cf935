//! `bbkeys auth login|status|logout`: the flows live in `crate::credentials::login`; this file
//! is the command side (flags, messages); the prompts live in `prompt`.

use clap::Subcommand;

use super::GlobalArgs;
use super::auth_setup::{load, login_error, profile_name};
use super::context::{Context, api_url_for, client_options};
use super::output::{CliError, Exit};
use super::prompt::{TerminalPrompter, read_token_from_stdin};
use crate::bitbucket::client::Credential;
use crate::config::TokenKind;
use crate::credentials::login::{LoginRequest, LogoutOutcome, StoredIn, login, logout};
use crate::credentials::store::default_store;
use crate::forge::ForgeKind;
use crate::ops::doctor::{CredentialCheck, DoctorSetup, diagnose, local_checks};

/// `bbkeys auth ...`
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Ask for your email and token, check them with Bitbucket, and store the token in the OS
    /// keyring (or, if you agree, in the config file readable only by you).
    Login {
        /// Read the token from standard input instead of asking (for scripts).
        #[arg(long)]
        with_token: bool,
        /// Your Atlassian account email (asked when missing).
        #[arg(long, value_name = "EMAIL")]
        email: Option<String>,
        /// Data Center (`--forge datacenter`): your username, sent with a personal token
        /// (asked when missing).
        #[arg(long, value_name = "NAME", conflicts_with_all = ["email", "access_token"])]
        username: Option<String>,
        /// The token is a workspace, project or repository access token (sent without email;
        /// on Data Center an HTTP access token, sent as Bearer).
        #[arg(long, conflicts_with = "email")]
        access_token: bool,
        /// Keep the token in the config file (mode 0600) instead of the OS keyring.
        #[arg(long)]
        store_in_file: bool,
    },
    /// Show which credential is used, whose it is and what it can do.
    Status,
    /// Remove the stored token of the profile (from the keyring or the config file).
    Logout,
}

/// Runs an `auth` subcommand.
pub async fn run(global: &GlobalArgs, cmd: AuthCommand) -> Result<Exit, CliError> {
    match cmd {
        AuthCommand::Login {
            with_token,
            email,
            username,
            access_token,
            store_in_file,
        } => {
            let kind = if access_token {
                TokenKind::AccessToken
            } else {
                TokenKind::ApiToken
            };
            let (_, config) = load(global)?;
            if super::compose::forge_asked(global, &config) == ForgeKind::DataCenter {
                if email.is_some() {
                    return Err(CliError::new(
                        Exit::Usage,
                        "Data Center signs in with a username: use --username, not --email",
                    ));
                }
                let login = super::auth_dc::DcLogin {
                    with_token,
                    username,
                    kind,
                    store_in_file,
                };
                return super::auth_dc::run_login(global, login).await;
            }
            if username.is_some() {
                return Err(CliError::new(
                    Exit::Usage,
                    "--username is for Bitbucket Data Center (--forge datacenter); Bitbucket Cloud API tokens are sent with --email",
                ));
            }
            run_login(global, with_token, email, kind, store_in_file).await
        }
        AuthCommand::Status => run_status(global).await,
        AuthCommand::Logout => run_logout(global),
    }
}

async fn run_login(
    global: &GlobalArgs,
    with_token: bool,
    email: Option<String>,
    kind: TokenKind,
    store_in_file: bool,
) -> Result<Exit, CliError> {
    if global.demo {
        return Err(CliError::new(
            Exit::Usage,
            "--demo uses the simulator's own account; there is nothing to log in to",
        ));
    }
    let (path, config) = load(global)?;
    let profile = profile_name(global, &config);
    let token = if with_token {
        Some(read_token_from_stdin()?)
    } else {
        None
    };
    let profile_url = config
        .profiles
        .get(&profile)
        .and_then(|p| p.api_url.clone());
    let api_url = api_url_for(global, &config, profile_url.as_deref());
    let req = LoginRequest {
        profile,
        kind,
        email,
        token,
        store_in_file,
        config_path: path,
        client: client_options(&config, global, api_url, Credential::None),
    };
    let mut prompter = TerminalPrompter {
        stdin_taken: with_token,
    };
    let store = default_store();
    let outcome = login(&req, &config, &mut prompter, store.as_ref())
        .await
        .map_err(login_error)?;
    let who = outcome
        .account
        .display_name
        .clone()
        .unwrap_or_else(|| "your account".into());
    let place = match &outcome.stored {
        StoredIn::Keyring => "the OS keyring".to_string(),
        StoredIn::ConfigFile(p) => format!("{} (mode 0600)", p.display()),
    };
    if global.json {
        println!(
            "{}",
            serde_json::json!({
                "profile": outcome.profile,
                "account": outcome.account,
                "stored_in": match outcome.stored { StoredIn::Keyring => "keyring", StoredIn::ConfigFile(_) => "config_file" },
                "default": outcome.is_default,
            })
        );
    } else {
        eprintln!(
            "Logged in as {}. The token of profile {} is in {place}.",
            crate::sanitize::clean_line(&who),
            outcome.profile
        );
        if !outcome.is_default {
            eprintln!(
                "Use it with --profile {0} (or BBKEYS_PROFILE={0}), or set default_profile = \"{0}\" in the config file.",
                outcome.profile
            );
        }
        let env = crate::config::CredentialEnv::from_process();
        if global.profile.is_none() && (env.api_token.is_some() || env.access_token.is_some()) {
            eprintln!(
                "Note: BBKEYS_API_TOKEN or BBKEYS_ACCESS_TOKEN is set, and wins over the profile until you unset it or pass --profile."
            );
        }
    }
    Ok(Exit::Ok)
}

async fn run_status(global: &GlobalArgs) -> Result<Exit, CliError> {
    // Logged out is a state to report, as `gh auth status` does: exit 1, not an error.
    let ctx = Context::build_for_tui(global).await?;
    if ctx.source == crate::config::CredentialSource::None {
        print_logged_out(global.json);
        return Ok(Exit::Error);
    }
    if ctx.kind() == ForgeKind::DataCenter {
        return super::auth_dc::status(&ctx).await;
    }
    let local = local_checks(
        &ctx.config_path,
        ctx.config_path.exists(),
        Ok(&ctx.config),
        CredentialCheck::Found(&ctx.source),
    );
    let report = diagnose(
        ctx.client()?,
        DoctorSetup {
            local,
            credential_source: ctx.source.to_string(),
            edit_strategy: ctx.config.edit_strategy,
        },
    )
    .await;
    if global.json {
        let doc = serde_json::json!({
            "logged_in": true,
            "credential_source": report.credential_source,
            "profile": ctx.source.profile(),
            "auth_kind": report.auth_kind,
            "api_url": report.api_url,
            "account": report.account,
            "workspaces": report.workspaces,
            "operations": report.operations,
            "outcome": report.outcome,
        });
        println!("{doc}");
    } else {
        let kind = match report.auth_kind {
            crate::bitbucket::error::AuthKind::ApiToken => "API token",
            crate::bitbucket::error::AuthKind::AccessToken => "access token",
            crate::bitbucket::error::AuthKind::None => "none",
        };
        println!("Credential: {} ({kind})", report.credential_source);
        println!("API:        {}", report.api_url);
        match report.account_line() {
            Some(a) => println!("Account:    {}", crate::sanitize::clean_line(&a)),
            None => println!("Account:    unknown"),
        }
        for c in report.connection.iter().filter(|c| {
            c.status == crate::ops::doctor::CheckStatus::Failed
                || c.status == crate::ops::doctor::CheckStatus::Warning
        }) {
            println!("Problem:    {}", crate::sanitize::clean_line(&c.detail));
        }
        if !report.workspaces.is_empty() {
            println!("Workspaces: {}", report.workspaces.join(", "));
        }
        println!();
        for row in &report.operations {
            println!("  {:22}  {}", row.title(), row.verdict);
        }
        for n in &report.notes {
            println!("\nNote: {n}");
        }
    }
    Ok(super::doctor::exit_for(&report))
}

fn print_logged_out(json: bool) {
    if json {
        let doc = serde_json::json!({
            "logged_in": false,
            "credential_source": "none",
            "profile": null,
        });
        println!("{doc}");
    } else {
        println!("Not logged in: no Bitbucket credential is configured.");
        println!(
            "Log in with `bbkeys auth login`, or set BBKEYS_EMAIL and BBKEYS_API_TOKEN (or BBKEYS_ACCESS_TOKEN)."
        );
    }
}

fn run_logout(global: &GlobalArgs) -> Result<Exit, CliError> {
    let (path, config) = load(global)?;
    let profile = profile_name(global, &config);
    let store = default_store();
    let outcome = logout(&profile, &path, &config, store.as_ref()).map_err(login_error)?;
    let message = match &outcome {
        LogoutOutcome::RemovedFromKeyring => {
            format!("Removed the token of profile {profile} from the OS keyring.")
        }
        LogoutOutcome::RemovedFromFile(p) => format!(
            "Removed the token of profile {profile} from {}.",
            p.display()
        ),
        LogoutOutcome::NothingStored => {
            format!("No token was stored for profile {profile}; nothing to remove.")
        }
        LogoutOutcome::UsesTokenCommand(cmd) => format!(
            "Profile {profile} gets its token from token_command `{cmd}`; bbkeys stores nothing for it. Remove or revoke the token where that command reads it."
        ),
    };
    eprintln!("{message}");
    let env = crate::config::CredentialEnv::from_process();
    if env.api_token.is_some() || env.access_token.is_some() {
        eprintln!(
            "Note: BBKEYS_API_TOKEN or BBKEYS_ACCESS_TOKEN is still set in this shell; unset it too."
        );
    }
    Ok(Exit::Ok)
}
