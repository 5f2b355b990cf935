//! Edits a profile in the config file while keeping the user's comments and layout
//! (`toml_edit`), and writes the file private (0600) whenever it holds a token.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Table, value};

use crate::config::{Config, ConfigError, TokenKind};

/// What a profile should say after `auth login`. `Debug` hides the token.
#[derive(Clone, Default)]
pub struct ProfileUpdate<'a> {
    /// Profile name.
    pub name: &'a str,
    /// Account email (API tokens), `None` for access tokens.
    pub email: Option<&'a str>,
    /// Kind of token.
    pub kind: TokenKind,
    /// An inline token (the user agreed to keep it in the file), or `None` when the token lives
    /// in the keyring.
    pub inline_token: Option<&'a str>,
    /// A Data Center profile: `forge = "datacenter"`, its server and username; `None` leaves
    /// the profile's forge keys as they are (Cloud).
    pub data_center: Option<DcProfile<'a>>,
}

/// The keys of a Data Center profile that `auth login` writes.
#[derive(Debug, Clone, Copy)]
pub struct DcProfile<'a> {
    /// The server root, context path included.
    pub api_url: &'a str,
    /// The username sent with a personal token; `None` for an HTTP access token.
    pub username: Option<&'a str>,
}

impl std::fmt::Debug for ProfileUpdate<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileUpdate")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("kind", &self.kind)
            .field("inline_token", &self.inline_token.map(|_| "<redacted>"))
            .field("data_center", &self.data_center)
            .finish()
    }
}

fn read_document(path: &Path) -> Result<DocumentMut, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(ConfigError::Invalid(format!(
                "cannot read the config file {}: {e}",
                path.display()
            )));
        }
    };
    text.parse::<DocumentMut>()
        .map_err(|e| ConfigError::Invalid(format!("{}: {e}", path.display())))
}

fn profile_table<'d>(doc: &'d mut DocumentMut, name: &str) -> Option<&'d mut Table> {
    doc.get_mut("profiles")?
        .as_table_mut()?
        .get_mut(name)?
        .as_table_mut()
}

/// Creates or updates `[profiles.NAME]`: sets email and kind, and either sets the inline token
/// or removes it (the keyring holds it then). The result is checked by parsing it as a config
/// before it replaces the file, so a login can never leave a broken config behind.
pub fn upsert_profile(path: &Path, update: &ProfileUpdate<'_>) -> Result<(), ConfigError> {
    let mut doc = read_document(path)?;
    if !doc.contains_key("profiles") {
        let mut t = Table::new();
        t.set_implicit(true);
        doc.insert("profiles", Item::Table(t));
    }
    let profiles = doc
        .get_mut("profiles")
        .and_then(Item::as_table_mut)
        .ok_or_else(|| {
            ConfigError::Invalid(format!(
                "{}: `profiles` is not a table; fix it by hand first",
                path.display()
            ))
        })?;
    if !profiles.contains_key(update.name) {
        profiles.insert(update.name, Item::Table(Table::new()));
    }
    let table = profile_table(&mut doc, update.name).ok_or_else(|| {
        ConfigError::Invalid(format!(
            "{}: [profiles.{}] is not a table; fix it by hand first",
            path.display(),
            update.name
        ))
    })?;
    match update.email {
        Some(e) => {
            table.insert("email", value(e));
        }
        None => {
            table.remove("email");
        }
    }
    match update.kind {
        TokenKind::ApiToken => {
            table.remove("kind");
        }
        TokenKind::AccessToken => {
            table.insert("kind", value("access_token"));
        }
    }
    if let Some(dc) = &update.data_center {
        table.insert("forge", value("datacenter"));
        table.insert("api_url", value(dc.api_url));
        match dc.username {
            Some(u) => {
                table.insert("username", value(u));
            }
            None => {
                table.remove("username");
            }
        }
    }
    match update.inline_token {
        Some(t) => {
            table.insert("token", value(t));
        }
        None => {
            table.remove("token");
        }
    }
    write_checked(path, &doc, update.inline_token.is_some())
}

/// Removes the inline token of a profile; `Ok(false)` when it had none (or no such profile).
pub fn remove_inline_token(path: &Path, name: &str) -> Result<bool, ConfigError> {
    if !path.exists() {
        return Ok(false);
    }
    let mut doc = read_document(path)?;
    let removed = profile_table(&mut doc, name)
        .and_then(|t| t.remove("token"))
        .is_some();
    if removed {
        write_checked(path, &doc, false)?;
    }
    Ok(removed)
}

/// Checks the new text as a config, then replaces the file through a temporary file in the same
/// directory (a crash leaves the old file or the new one, never half of one). A file that holds
/// a token is created with mode 0600 before any byte is written.
fn write_checked(path: &Path, doc: &DocumentMut, holds_token: bool) -> Result<(), ConfigError> {
    let text = doc.to_string();
    Config::parse(&text).map_err(|e| {
        ConfigError::Invalid(format!(
            "{}: the updated config would be invalid ({e}); nothing was written",
            path.display()
        ))
    })?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| {
        ConfigError::Invalid(format!(
            "cannot create the directory {}: {e}",
            dir.display()
        ))
    })?;
    let private = holds_token || was_private(path);
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "config.toml".into()),
        std::process::id()
    ));
    let fail = |e: std::io::Error| {
        let _ = std::fs::remove_file(&tmp);
        ConfigError::Invalid(format!("cannot write {}: {e}", path.display()))
    };
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(if private { 0o600 } else { 0o644 });
        }
        let mut file = opts.open(&tmp).map_err(fail)?;
        file.write_all(text.as_bytes()).map_err(fail)?;
        file.sync_all().map_err(fail)?;
    }
    #[cfg(unix)]
    if !private && let Ok(meta) = std::fs::metadata(path) {
        // Keep the mode the user chose for a file without a token.
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(fail)
}

#[cfg(unix)]
fn was_private(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o077 == 0)
        .unwrap_or(true)
}

#[cfg(not(unix))]
fn was_private(_path: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_comments_and_other_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "# my settings\nconcurrency = 4\n\n[profiles.old]\nemail = \"o@x.io\" # work\ntoken_command = \"pass bb\"\n",
        )
        .unwrap();
        upsert_profile(
            &path,
            &ProfileUpdate {
                name: "new",
                email: Some("n@x.io"),
                kind: TokenKind::ApiToken,
                inline_token: None,
                ..Default::default()
            },
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("# my settings") && text.contains("# work"),
            "{text}"
        );
        let cfg = Config::parse(&text).unwrap();
        assert_eq!(cfg.profiles["new"].email.as_deref(), Some("n@x.io"));
        assert!(cfg.profiles["new"].token.is_none());
        assert!(cfg.profiles["old"].token_command.is_some());
    }

    #[cfg(unix)]
    #[test]
    fn a_token_makes_the_file_private_and_logout_removes_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("config.toml");
        upsert_profile(
            &path,
            &ProfileUpdate {
                name: "default",
                email: Some("a@x.io"),
                kind: TokenKind::ApiToken,
                inline_token: Some("s3cret"),
                ..Default::default()
            },
        )
        .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(remove_inline_token(&path, "default").unwrap());
        assert!(!remove_inline_token(&path, "default").unwrap());
        assert!(!std::fs::read_to_string(&path).unwrap().contains("s3cret"));
    }

    #[test]
    fn an_invalid_result_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[profiles.w]\ntoken_command = \"x\"\nemail = \"a@x.io\"\n",
        )
        .unwrap();
        // token_command and an inline token together are refused by Config::check.
        let e = upsert_profile(
            &path,
            &ProfileUpdate {
                name: "w",
                email: Some("a@x.io"),
                kind: TokenKind::ApiToken,
                inline_token: Some("t"),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("nothing was written"), "{e}");
        assert!(!std::fs::read_to_string(&path).unwrap().contains("token ="));
    }
}
