//! One access key as the panes show it, with what is worked out from its text once.

use std::sync::Arc;

use crate::forge::Place;

/// An access key, ready to display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyView {
    /// Bitbucket's id.
    pub id: u64,
    /// Label (cleaned; may be empty).
    pub label: String,
    /// Comment split off the key (cleaned; may be empty).
    pub comment: String,
    /// What the key text says. A deploy key usually sits on many repositories: every copy of
    /// the same text shares one, so a workspace of 30,000 holdings of a hundred keys keeps a
    /// hundred key texts, not 30,000.
    pub facts: Arc<KeyFacts>,
    /// Creation time as the server wrote it.
    pub created: Option<String>,
    /// Last use as the server wrote it; `None` means never.
    pub last_used: Option<String>,
    /// Where the key lives.
    pub scope: Place,
    /// Read or write (always read on Cloud).
    pub permission: crate::forge::Permission,
    /// When the key expires, where the forge has expiry; `None` for never or unknown.
    pub expires: Option<time::OffsetDateTime>,
    /// The label and comment as the server sent them, escaped, when either held control or
    /// escape characters, bidi overrides or zero-width characters (`None` for clean keys).
    pub escaped: Option<Box<Escaped>>,
}

/// A deceptive label or comment, escaped (`\x1b]0;…`) so it can be shown as it was sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Escaped {
    /// The label, when it was deceptive.
    pub label: Option<String>,
    /// The comment, when it was deceptive.
    pub comment: Option<String>,
}

/// What a key text says, once parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFacts {
    /// `<type> <base64>`, as Bitbucket returns it (cleaned).
    pub public_key: String,
    /// `SHA256:...`, or `None` when the key could not be parsed.
    pub fingerprint: Option<String>,
    /// `ssh-ed25519` etc.
    pub key_type: String,
    /// `ED25519`, `RSA`, `ECDSA-256`: for narrow columns.
    pub short_type: String,
    /// Bit length, when known.
    pub bits: Option<u32>,
}

impl KeyView {
    /// `<type> <base64>`, as Bitbucket returns it (cleaned).
    pub fn public_key(&self) -> &str {
        &self.facts.public_key
    }
    /// `SHA256:...`, or `None` when the key could not be parsed.
    pub fn fingerprint(&self) -> Option<&str> {
        self.facts.fingerprint.as_deref()
    }
    /// `ssh-ed25519` etc.
    pub fn key_type(&self) -> &str {
        &self.facts.key_type
    }
    /// `ED25519`, `RSA`, `ECDSA-256`: for narrow columns.
    pub fn short_type(&self) -> &str {
        &self.facts.short_type
    }
    /// Bit length, when known.
    pub fn bits(&self) -> Option<u32> {
        self.facts.bits
    }
}
