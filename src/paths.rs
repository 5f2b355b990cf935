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

/// The files of one `--demo` run: a fresh directory that is removed when the run ends.
///
/// The simulator starts from the demo data every run, so a cache, journal or request count
/// kept from an earlier run would describe a server that no longer exists (a fresh simulator
/// showing the last run's deleted keys, a journal entry nobody can recover).
#[derive(Debug)]
pub struct DemoRun {
    root: PathBuf,
}

impl DemoRun {
    /// Creates the run's directory under the system's temporary directory, readable by the
    /// owner only.
    pub fn create() -> std::io::Result<DemoRun> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let root =
            std::env::temp_dir().join(format!("bbkeys-demo-{}-{nanos:08x}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&root)?;
        Ok(DemoRun { root })
    }

    /// `dirs` with its state and cache directories moved into this run's directory; the
    /// config file stays the user's, so keys and theme apply to the demo too.
    pub fn dirs(&self, dirs: &Dirs) -> Dirs {
        Dirs {
            config: dirs.config.clone(),
            state: self.root.join("state"),
            cache: self.root.join("cache"),
        }
    }
}

impl Drop for DemoRun {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
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
