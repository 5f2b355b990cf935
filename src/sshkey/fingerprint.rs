//! Key fingerprints: the identity of a key wherever it is granted.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use sha2::Digest as _;

use super::KeyError;

/// A `SHA256:<unpadded base64>` fingerprint, exactly as `ssh-keygen -lf` prints it.
///
/// Bitbucket returns keys without their comment (§3), so keys are compared by this value,
/// never by their text or label.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Fingerprint(pub(super) String);

impl Fingerprint {
    /// Length of the base64 part: 32 bytes of SHA-256 make 43 characters without padding.
    const BASE64_LEN: usize = 43;

    /// The text form, `SHA256:...`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads a fingerprint typed or pasted by a user, for instance to find where a key is used.
    ///
    /// Accepts `SHA256:` followed by 43 base64 characters, as `ssh-keygen -lf` prints it. The
    /// prefix may be in any case, surrounding whitespace and trailing `=` padding (which some
    /// tools add) are dropped. The result is always in `ssh-keygen`'s form, so it compares equal
    /// to [`PublicKey::fingerprint`].
    pub fn parse(s: &str) -> Result<Fingerprint, KeyError> {
        let text = s.trim();
        let prefix_len = "SHA256:".len();
        let has_prefix = text
            .get(..prefix_len)
            .is_some_and(|p| p.eq_ignore_ascii_case("SHA256:"));
        if !has_prefix {
            let md5 = text
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("MD5:"))
                || looks_like_hex_pairs(text);
            return Err(if md5 {
                KeyError::Md5Fingerprint
            } else {
                KeyError::FingerprintNotSha256
            });
        }
        let body = text
            .get(prefix_len..)
            .unwrap_or_default()
            .trim_end_matches('=');
        // Decoding (not just counting) rejects foreign characters and non-zero trailing bits.
        let decodes_to_digest = STANDARD_NO_PAD.decode(body).is_ok_and(|d| d.len() == 32);
        if body.len() != Self::BASE64_LEN || !decodes_to_digest {
            return Err(KeyError::InvalidFingerprint);
        }
        Ok(Fingerprint(format!("SHA256:{body}")))
    }

    pub(super) fn of_blob(blob: &[u8]) -> Fingerprint {
        let digest = sha2::Sha256::digest(blob);
        Fingerprint(format!("SHA256:{}", STANDARD_NO_PAD.encode(digest)))
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = KeyError;

    /// Same as [`Fingerprint::parse`], so clap arguments can be fingerprints.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fingerprint::parse(s)
    }
}

/// `aa:bb:...`: an MD5 fingerprint pasted without its `MD5:` prefix (16 hex pairs).
fn looks_like_hex_pairs(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 16
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}
