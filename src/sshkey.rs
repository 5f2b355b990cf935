//! Parse, normalise, validate and fingerprint OpenSSH public keys (`bitbucket-api.md` §6).
// (interface first; bodies are being written)

/// A `SHA256:<unpadded base64>` fingerprint, exactly as `ssh-keygen -lf` prints it.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// The text form, `SHA256:...`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Parses `SHA256:...`.
    pub fn parse(s: &str) -> Result<Fingerprint, KeyError> {
        let _ = s;
        todo!()
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How strong a key is considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Nothing to say.
    Good,
    /// RSA of exactly 2048 bits: acceptable but legacy.
    Legacy,
    /// DSA, or RSA under 2048 bits.
    Weak,
}

/// Why a key text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Placeholder while the parser is written.
    #[error("invalid key")]
    Invalid,
}

/// A parsed public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    _private: (),
}

#[allow(unused_variables)]
impl PublicKey {
    /// Strict parse for a key a user wants to add.
    pub fn parse(input: &str) -> Result<PublicKey, KeyError> {
        todo!()
    }
    /// Lenient parse for keys that come from the server (weak keys accepted, comment optional).
    pub fn from_server(key: &str) -> Result<PublicKey, KeyError> {
        todo!()
    }
    /// OpenSSH type string, such as `ssh-ed25519`.
    pub fn key_type(&self) -> &str {
        todo!()
    }
    /// Bit length as `ssh-keygen -l` reports it.
    pub fn bits(&self) -> u32 {
        todo!()
    }
    /// The comment, if any.
    pub fn comment(&self) -> Option<&str> {
        todo!()
    }
    /// SHA256 fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        todo!()
    }
    /// `MD5:aa:bb:...`.
    pub fn md5_fingerprint(&self) -> String {
        todo!()
    }
    /// `<type> <base64>` without the comment.
    pub fn to_openssh(&self) -> String {
        todo!()
    }
    /// `ED25519`, `RSA`, ...
    pub fn short_type(&self) -> &'static str {
        todo!()
    }
    /// `<type> <base64> <comment>`.
    pub fn to_openssh_with_comment(&self) -> String {
        todo!()
    }
    /// Strength classification.
    pub fn strength(&self) -> Strength {
        todo!()
    }
}
