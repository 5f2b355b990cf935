//! Doctor's local checks: the config file, its permissions, and the credential source.

use std::path::Path;

use super::{Check, CheckStatus};
use crate::config::{Config, CredentialSource};

/// How resolving the credential went, as the caller saw it.
#[derive(Debug, Clone, Copy)]
pub enum CredentialCheck<'a> {
    /// A credential was found here.
    Found(&'a CredentialSource),
    /// The chain failed with this sentence.
    Failed(&'a str),
    /// Not tried (the config could not be read).
    NotTried,
}

/// The three local checks. `config` is the loaded config or why it could not be loaded;
/// `exists` says whether a file is at `path` at all (a missing file is fine).
pub fn local_checks(
    path: &Path,
    exists: bool,
    config: Result<&Config, &str>,
    credential: CredentialCheck<'_>,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let shown = path.display();
    checks.push(match (&config, exists) {
        (Err(why), _) => Check::new("config file", CheckStatus::Failed, *why),
        (Ok(cfg), true) => Check::new(
            "config file",
            CheckStatus::Ok,
            format!(
                "{shown} (read; {} profile{})",
                cfg.profiles.len(),
                if cfg.profiles.len() == 1 { "" } else { "s" }
            ),
        ),
        (Ok(_), false) => Check::new(
            "config file",
            CheckStatus::Ok,
            format!("none at {shown} (optional)"),
        ),
    });
    checks.push(match (&config, exists) {
        (Ok(cfg), true) => permissions(cfg, &shown.to_string()),
        _ => Check::new("file permissions", CheckStatus::Skipped, "no config file"),
    });
    checks.push(match credential {
        CredentialCheck::Found(CredentialSource::None) => Check::new(
            "credential source",
            CheckStatus::Failed,
            "none: set BBKEYS_EMAIL and BBKEYS_API_TOKEN, run `bbkeys auth login`, or add a profile",
        ),
        CredentialCheck::Found(source) => {
            Check::new("credential source", CheckStatus::Ok, source.to_string())
        }
        CredentialCheck::Failed(why) => Check::new("credential source", CheckStatus::Failed, why),
        CredentialCheck::NotTried => Check::new(
            "credential source",
            CheckStatus::Skipped,
            "the config file could not be read",
        ),
    });
    checks
}

fn permissions(cfg: &Config, shown: &str) -> Check {
    let inline: Vec<&str> = cfg
        .profiles
        .iter()
        .filter(|(_, p)| p.token.is_some())
        .map(|(n, _)| n.as_str())
        .collect();
    match (cfg.world_readable, inline.is_empty()) {
        (true, false) => Check::new(
            "file permissions",
            CheckStatus::Failed,
            format!(
                "other users can read {shown}, which holds the inline token of profile {}: it is refused until you run `chmod 600 {shown}`",
                inline.join(", ")
            ),
        ),
        (true, true) => Check::new(
            "file permissions",
            CheckStatus::Ok,
            "readable by other users, but it holds no token",
        ),
        (false, _) => Check::new("file permissions", CheckStatus::Ok, "readable by you alone"),
    }
}
