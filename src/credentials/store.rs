//! Where `bbkeys auth login` keeps tokens: the OS keyring behind a trait, so tests use
//! [`MemoryStore`] and never touch a real keyring.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::bitbucket::client::Secret;

/// The keyring service name every bbkeys entry is filed under; the entry's user is the
/// profile name.
pub const KEYRING_SERVICE: &str = "bbkeys";

/// How long a keyring call may take. A missing or locked secret service can block a D-Bus
/// call for a long time, and bbkeys must never hang on it.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

/// Why a token store could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// There is no usable store (no secret service, feature off, timed out). The sentence says
    /// what to use instead.
    #[error("{0}")]
    Unavailable(String),
    /// The store answered with an error.
    #[error("{0}")]
    Failed(String),
}

/// A place that holds one token per profile.
pub trait TokenStore: Send + Sync {
    /// The token of `profile`, or `None` when there is no entry.
    fn get(&self, profile: &str) -> Result<Option<Secret>, StoreError>;
    /// Stores (or replaces) the token of `profile`.
    fn set(&self, profile: &str, token: &Secret) -> Result<(), StoreError>;
    /// Removes the token of `profile`; `Ok(false)` when there was none.
    fn delete(&self, profile: &str) -> Result<bool, StoreError>;
    /// What the store is, for messages ("the OS keyring").
    fn describe(&self) -> String;
}

/// An in-memory store, for tests and for runs that must not use the keyring. `Debug` shows
/// the profiles, never their tokens.
#[derive(Clone, Default)]
pub struct MemoryStore {
    entries: Arc<Mutex<BTreeMap<String, String>>>,
    unavailable: Option<String>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let profiles: Vec<String> = self
            .entries
            .lock()
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default();
        f.debug_struct("MemoryStore")
            .field("profiles", &profiles)
            .field("unavailable", &self.unavailable)
            .finish()
    }
}

impl MemoryStore {
    /// An empty, working store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// A store that refuses every call as [`StoreError::Unavailable`], like a system without a
    /// secret service.
    pub fn unavailable(why: impl Into<String>) -> Self {
        MemoryStore {
            entries: Arc::default(),
            unavailable: Some(why.into()),
        }
    }

    /// The stored token of `profile`, exposed (tests check what login stored).
    pub fn peek(&self, profile: &str) -> Option<String> {
        self.lock().get(profile).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn check(&self) -> Result<(), StoreError> {
        match &self.unavailable {
            Some(why) => Err(StoreError::Unavailable(why.clone())),
            None => Ok(()),
        }
    }
}

impl TokenStore for MemoryStore {
    fn get(&self, profile: &str) -> Result<Option<Secret>, StoreError> {
        self.check()?;
        Ok(self.lock().get(profile).map(Secret::new))
    }

    fn set(&self, profile: &str, token: &Secret) -> Result<(), StoreError> {
        self.check()?;
        self.lock()
            .insert(profile.to_string(), token.expose().to_string());
        Ok(())
    }

    fn delete(&self, profile: &str) -> Result<bool, StoreError> {
        self.check()?;
        Ok(self.lock().remove(profile).is_some())
    }

    fn describe(&self) -> String {
        "the in-memory token store".into()
    }
}

/// The OS keyring: macOS Keychain, Windows Credential Manager, or the Secret Service on Linux
/// and BSD (GNOME Keyring, KWallet), through the `keyring` crate. Every call runs on its own
/// thread with [`KEYRING_TIMEOUT`].
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyringStore;

impl KeyringStore {
    #[cfg(feature = "keyring")]
    fn call<T: Send + 'static>(
        what: &'static str,
        f: impl FnOnce() -> Result<T, keyring::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        with_timeout(what, KEYRING_TIMEOUT, move || {
            f().map_err(|e| classify(what, e))
        })
    }
}

/// Runs `f` on a helper thread and gives up after `timeout`. A call that hangs keeps its
/// thread until the process ends; that is the price of never hanging the user.
#[cfg_attr(not(feature = "keyring"), allow(dead_code))]
fn with_timeout<T: Send + 'static>(
    what: &str,
    timeout: Duration,
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("bbkeys-keyring".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| StoreError::Failed(format!("cannot start the keyring thread: {e}")))?;
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(_) => Err(StoreError::Unavailable(format!(
            "the OS keyring did not answer within {} s while {what} (is the secret service locked or stuck?)",
            timeout.as_secs_f32()
        ))),
    }
}

#[cfg(feature = "keyring")]
fn classify(what: &str, e: keyring::Error) -> StoreError {
    use keyring::Error as E;
    match e {
        E::NoStorageAccess(inner) | E::PlatformFailure(inner) => StoreError::Unavailable(format!(
            "the OS keyring is not available while {what} ({inner}); on Linux it needs a running secret service such as GNOME Keyring or KWallet"
        )),
        E::NoDefaultStore => StoreError::Unavailable(format!(
            "no OS keyring could be opened while {what}; on Linux it needs a running secret service such as GNOME Keyring or KWallet"
        )),
        other => StoreError::Failed(format!("the OS keyring failed while {what}: {other}")),
    }
}

#[cfg(feature = "keyring")]
impl TokenStore for KeyringStore {
    fn get(&self, profile: &str) -> Result<Option<Secret>, StoreError> {
        let profile = profile.to_string();
        KeyringStore::call("reading the token", move || {
            let entry = keyring::Entry::new(KEYRING_SERVICE, &profile)?;
            match entry.get_password() {
                Ok(p) => Ok(Some(Secret::new(p))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn set(&self, profile: &str, token: &Secret) -> Result<(), StoreError> {
        let profile = profile.to_string();
        let token = token.clone();
        KeyringStore::call("storing the token", move || {
            keyring::Entry::new(KEYRING_SERVICE, &profile)?.set_password(token.expose())
        })
    }

    fn delete(&self, profile: &str) -> Result<bool, StoreError> {
        let profile = profile.to_string();
        KeyringStore::call("removing the token", move || {
            match keyring::Entry::new(KEYRING_SERVICE, &profile)?.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(e) => Err(e),
            }
        })
    }

    fn describe(&self) -> String {
        "the OS keyring".into()
    }
}

/// Without the `keyring` feature every call says so.
#[cfg(not(feature = "keyring"))]
impl TokenStore for KeyringStore {
    fn get(&self, _profile: &str) -> Result<Option<Secret>, StoreError> {
        Err(no_feature())
    }

    fn set(&self, _profile: &str, _token: &Secret) -> Result<(), StoreError> {
        Err(no_feature())
    }

    fn delete(&self, _profile: &str) -> Result<bool, StoreError> {
        Err(no_feature())
    }

    fn describe(&self) -> String {
        "the OS keyring (not in this build)".into()
    }
}

#[cfg(not(feature = "keyring"))]
fn no_feature() -> StoreError {
    StoreError::Unavailable(
        "this bbkeys was built without the `keyring` feature, so it cannot use the OS keyring"
            .into(),
    )
}

/// The OS keyring switched off: every call says why, and messages still call it the keyring.
#[derive(Debug, Clone)]
pub struct DisabledKeyring {
    why: String,
}

impl DisabledKeyring {
    /// A keyring that is off for `why`.
    pub fn new(why: impl Into<String>) -> Self {
        DisabledKeyring { why: why.into() }
    }
}

impl TokenStore for DisabledKeyring {
    fn get(&self, _profile: &str) -> Result<Option<Secret>, StoreError> {
        Err(StoreError::Unavailable(self.why.clone()))
    }

    fn set(&self, _profile: &str, _token: &Secret) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(self.why.clone()))
    }

    fn delete(&self, _profile: &str) -> Result<bool, StoreError> {
        Err(StoreError::Unavailable(self.why.clone()))
    }

    fn describe(&self) -> String {
        "the OS keyring".into()
    }
}

/// The store the product uses: the OS keyring, unless `BBKEYS_KEYRING=off` asks for none (for
/// machines whose secret service misbehaves, and for test harnesses).
pub fn default_store() -> Arc<dyn TokenStore> {
    let off = std::env::var("BBKEYS_KEYRING")
        .map(|v| matches!(v.trim(), "off" | "0" | "false" | "no"))
        .unwrap_or(false);
    if off {
        Arc::new(DisabledKeyring::new(
            "it is switched off by BBKEYS_KEYRING=off",
        ))
    } else {
        Arc::new(KeyringStore)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trip() {
        let s = MemoryStore::new();
        assert_eq!(s.get("w").unwrap(), None);
        s.set("w", &Secret::new("t1")).unwrap();
        assert_eq!(s.get("w").unwrap(), Some(Secret::new("t1")));
        assert_eq!(s.peek("w").as_deref(), Some("t1"));
        assert!(s.delete("w").unwrap());
        assert!(!s.delete("w").unwrap());
    }

    #[test]
    fn a_hanging_store_call_gives_up() {
        let started = std::time::Instant::now();
        let e = with_timeout("reading the token", Duration::from_millis(50), || {
            std::thread::sleep(Duration::from_secs(5));
            Ok(())
        })
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(4));
        assert!(
            matches!(&e, StoreError::Unavailable(m) if m.contains("did not answer within 0.05 s")),
            "{e}"
        );
        assert_eq!(
            with_timeout("x", Duration::from_secs(1), || Ok(7)).unwrap(),
            7
        );
    }

    #[test]
    fn disabled_keyring_is_still_called_the_keyring() {
        let k = DisabledKeyring::new("it is switched off by BBKEYS_KEYRING=off");
        assert_eq!(k.describe(), "the OS keyring");
        assert!(
            k.get("w")
                .unwrap_err()
                .to_string()
                .contains("BBKEYS_KEYRING=off")
        );
    }

    #[test]
    fn unavailable_store_says_why() {
        let s = MemoryStore::unavailable("no secret service");
        let e = s.set("w", &Secret::new("t")).unwrap_err();
        assert_eq!(e, StoreError::Unavailable("no secret service".into()));
    }
}
