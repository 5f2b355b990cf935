//! Where bbkeys keeps its files (XDG through the `directories` crate).
//!
//! Everything stored (journal, cache, logs, request counts) is kept per API origin and
//! account, so a demo run never touches a real account's files and two accounts never mix.

use std::path::PathBuf;

/// The directories bbkeys uses.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// Holds `config.toml`.
    pub config: PathBuf,
    /// Journal and logs (the data directory where the platform has no state directory).
    pub state: PathBuf,
    /// Last scans.
    pub cache: PathBuf,
}

impl Dirs {
    /// The platform directories, or an error when no home directory can be found.
    pub fn discover() -> Result<Dirs, String> {
        let pd = directories::ProjectDirs::from("", "", "bbkeys").ok_or_else(|| {
            "cannot find a home directory for bbkeys' files; set HOME".to_string()
        })?;
        Ok(Dirs {
            config: pd.config_dir().to_path_buf(),
            state: pd
                .state_dir()
                .unwrap_or_else(|| pd.data_local_dir())
                .to_path_buf(),
            cache: pd.cache_dir().to_path_buf(),
        })
    }

    /// The default config file path.
    pub fn config_file(&self) -> PathBuf {
        self.config.join("config.toml")
    }

    /// The state directory of one API origin and account.
    pub fn state_for(&self, ns: &Namespace) -> PathBuf {
        self.state.join(ns.dir_name())
    }

    /// The cache directory of one API origin and account.
    pub fn cache_for(&self, ns: &Namespace) -> PathBuf {
        self.cache.join(ns.dir_name())
    }
}

/// Which API origin and account files belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Namespace {
    /// The built-in simulator: its port changes every run, so it has one fixed namespace.
    Demo,
    /// A real (or custom) API origin and the account (email, or `access-token`).
    Account {
        /// `scheme://host:port` of the API.
        origin: String,
        /// The account: email for API tokens, a token digest for access tokens.
        account: String,
    },
    /// No credential configured yet.
    Anonymous,
}

impl Namespace {
    /// A directory name safe on every platform: readable, and unique through a short hash.
    pub fn dir_name(&self) -> String {
        match self {
            Namespace::Demo => "demo".to_string(),
            Namespace::Anonymous => "anonymous".to_string(),
            Namespace::Account { origin, account } => {
                use sha2::Digest;
                let digest = sha2::Sha256::digest(format!("{origin}\n{account}").as_bytes());
                let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
                let readable: String = format!("{origin}-{account}")
                    .trim_start_matches("https://")
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '.' || c == '@' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .take(80)
                    .collect();
                format!("{readable}-{hex}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_do_not_collide_and_are_path_safe() {
        let a = Namespace::Account {
            origin: "https://api.bitbucket.org".into(),
            account: "a@x.io".into(),
        };
        let b = Namespace::Account {
            origin: "https://api.bitbucket.org".into(),
            account: "b@x.io".into(),
        };
        assert_ne!(a.dir_name(), b.dir_name());
        assert!(!a.dir_name().contains('/'));
        assert_ne!(Namespace::Demo.dir_name(), a.dir_name());
    }
}
