//! Find a key: every repository and project of a workspace that holds it.
//!
//! "Which of our repositories hold this key?" has no answer in Bitbucket itself; the answer
//! here is a lookup by fingerprint in the [`Inventory`] of a scan.

use serde::Serialize;

use crate::ops::audit::{Inventory, KeyEntry, UnreadableListing};
use crate::sshkey::{Fingerprint, KeyError, PublicKey};

/// What the user asked to find: always a fingerprint, plus the key when one was pasted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyNeedle {
    /// The fingerprint looked up.
    pub fingerprint: Fingerprint,
    /// The pasted key, when the needle was a key rather than a fingerprint.
    pub key: Option<PublicKey>,
}

impl KeyNeedle {
    /// Reads a `SHA256:...` fingerprint or one OpenSSH public key line.
    ///
    /// A key is parsed strictly (private keys, two keys, options and the like are refused with
    /// their own sentence), except that RSA under 2048 bits is accepted: such keys are exactly
    /// the ones an audit turns up, and nothing is sent to Bitbucket, so they must be findable.
    pub fn parse(text: &str) -> Result<KeyNeedle, KeyError> {
        let trimmed = text.trim();
        let looks_like_fingerprint = trimmed
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("SHA256:"))
            || trimmed
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("MD5:"));
        if looks_like_fingerprint {
            return Ok(KeyNeedle {
                fingerprint: Fingerprint::parse(trimmed)?,
                key: None,
            });
        }
        let key = match PublicKey::parse(text) {
            Ok(k) => k,
            Err(KeyError::RsaTooSmall { .. }) => PublicKey::from_server(text)?,
            Err(e) => return Err(e),
        };
        Ok(KeyNeedle {
            fingerprint: key.fingerprint(),
            key: Some(key),
        })
    }
}

/// Where a key was found, and what the scan could not see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindResult<'i> {
    /// The fingerprint looked up.
    pub fingerprint: Fingerprint,
    /// The key's entry (every holding and every repository it reaches), if it was found.
    pub entry: Option<&'i KeyEntry>,
    /// Listings that could not be read: the key may sit there too.
    pub unreadable: &'i [UnreadableListing],
}

impl FindResult<'_> {
    /// Whether the key sits anywhere the scan could read.
    pub fn found(&self) -> bool {
        self.entry.is_some()
    }
}

/// Looks `fp` up in an inventory.
pub fn find_key<'i>(inventory: &'i Inventory, fp: &Fingerprint) -> FindResult<'i> {
    FindResult {
        fingerprint: fp.clone(),
        entry: inventory.get(fp),
        unreadable: &inventory.unreadable,
    }
}
