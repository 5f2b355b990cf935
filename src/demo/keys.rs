//! The server's own, minimal view of SSH public keys.
//!
//! The simulator imitates Bitbucket, not bbkeys, so it does not share `crate::sshkey`: it
//! checks what the server checks (`bitbucket-api.md` §6): one `<type> <base64> [comment]`
//! line, a blob whose embedded type matches the declared one, RSA of at least 2048 bits.
//! Keys are compared by blob bytes, which is why a relabelled or re-commented key is still
//! "the same key" (§3).

use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha2::{Digest, Sha256};

/// The 107 demo keys (see `tests/fixtures/gen-demo-keys.sh`), one OpenSSH line each.
pub(crate) const KEYS_TXT: &str = include_str!("keys.txt");

/// Bitbucket refuses RSA keys shorter than this (§6).
pub(crate) const MIN_RSA_BITS: u32 = 2048;

/// Key types the simulated server accepts. `ssh-dss` is still listed by Bitbucket; FIDO `sk-`
/// types are accepted too, since the contract calls their status unverified and a lenient
/// server makes the client's own checks the thing under test.
const ACCEPTED_TYPES: [&str; 8] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "ssh-dss",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// The stored part of a key: what the server returns in `key` (no comment).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct KeyMaterial {
    /// Declared and embedded type, such as `ssh-ed25519`.
    pub key_type: String,
    /// The decoded blob; equality of keys is equality of these bytes.
    pub blob: Vec<u8>,
    /// Modulus (RSA) or prime (DSA) length in bits; `None` for fixed-size types.
    pub bits: Option<u32>,
}

impl KeyMaterial {
    /// `<type> <base64>`, exactly as the server prints the `key` field.
    pub(crate) fn openssh(&self) -> String {
        format!("{} {}", self.key_type, STANDARD.encode(&self.blob))
    }

    /// `SHA256:<unpadded base64>`, what `ssh-keygen -lf` prints.
    pub(crate) fn fingerprint(&self) -> String {
        format!(
            "SHA256:{}",
            STANDARD_NO_PAD.encode(Sha256::digest(&self.blob))
        )
    }
}

/// A key line as submitted in a POST/PUT body, split the way Bitbucket splits it.
#[derive(Debug)]
pub(crate) struct SubmittedKey {
    /// The key itself.
    pub material: KeyMaterial,
    /// Everything after the base64, trimmed; `None` when empty.
    pub comment: Option<String>,
}

/// Why a submitted key was refused. Bitbucket answers both with the same sentence (§4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyProblem {
    /// Not one well-formed OpenSSH public key line.
    Malformed,
    /// Well-formed, but RSA under [`MIN_RSA_BITS`].
    TooWeak,
}

/// Parses one key line without applying the size policy (the data set holds weak keys that
/// predate it). Use [`check_policy`] for what a POST must pass.
pub(crate) fn parse_line(text: &str) -> Result<SubmittedKey, KeyProblem> {
    let text = text.trim();
    if text.is_empty() || text.contains(['\n', '\r']) {
        return Err(KeyProblem::Malformed);
    }
    let (declared, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let rest = rest.trim_start();
    let (b64, comment) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let comment = Some(comment.trim())
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    if !ACCEPTED_TYPES.contains(&declared) {
        return Err(KeyProblem::Malformed);
    }
    let blob = STANDARD.decode(b64).map_err(|_| KeyProblem::Malformed)?;
    let bits = check_blob(declared, &blob).ok_or(KeyProblem::Malformed)?;
    Ok(SubmittedKey {
        material: KeyMaterial {
            key_type: declared.to_string(),
            blob,
            bits,
        },
        comment,
    })
}

/// The server-side policy on top of well-formedness: RSA keys of at least 2048 bits (§6).
pub(crate) fn check_policy(material: &KeyMaterial) -> Result<(), KeyProblem> {
    match (material.key_type.as_str(), material.bits) {
        ("ssh-rsa", Some(bits)) if bits < MIN_RSA_BITS => Err(KeyProblem::TooWeak),
        _ => Ok(()),
    }
}

/// One parsed line of `keys.txt`, shared by every holding of that key.
#[derive(Debug)]
pub(crate) struct DemoKey {
    /// The key material, shared (`Arc`) so that large data sets stay cheap.
    pub material: Arc<KeyMaterial>,
    /// The comment of the line, such as `ci-1@demo.example`.
    pub comment: Option<String>,
}

/// The demo keys, parsed once per process; index 0 is line 1 of `keys.txt`. A line that
/// fails to parse is `None` (a unit test makes sure none does).
pub(crate) fn demo_keys() -> &'static [Option<DemoKey>] {
    static KEYS: OnceLock<Vec<Option<DemoKey>>> = OnceLock::new();
    KEYS.get_or_init(|| {
        KEYS_TXT
            .lines()
            .map(|line| {
                parse_line(line).ok().map(|k| DemoKey {
                    material: Arc::new(k.material),
                    comment: k.comment,
                })
            })
            .collect()
    })
}

/// The demo key of `keys.txt` line `line` (1-based).
pub(crate) fn demo_key(line: usize) -> Option<&'static DemoKey> {
    demo_keys().get(line.checked_sub(1)?)?.as_ref()
}

/// Walks the wire encoding (RFC 4253 §6.6, RFC 5656, PROTOCOL.u2f) and returns the size in
/// bits where the type has one; `None` when the blob is not a well-formed key of `declared`.
fn check_blob(declared: &str, blob: &[u8]) -> Option<Option<u32>> {
    let mut r = Reader { rest: blob };
    if r.string()? != declared.as_bytes() {
        return None;
    }
    let bits = match declared {
        "ssh-ed25519" => {
            (r.string()?.len() == 32).then_some(())?;
            None
        }
        "sk-ssh-ed25519@openssh.com" => {
            (r.string()?.len() == 32).then_some(())?;
            r.string()?; // application, usually "ssh:"
            None
        }
        "ssh-rsa" => {
            let e = r.string()?;
            let n = r.string()?;
            (!e.is_empty()).then_some(())?;
            Some(mpint_bits(n)?)
        }
        "ssh-dss" => {
            let p = r.string()?;
            for _ in 0..3 {
                r.string()?;
            }
            Some(mpint_bits(p)?)
        }
        "sk-ecdsa-sha2-nistp256@openssh.com" => {
            ecdsa_point(&mut r, "nistp256")?;
            r.string()?;
            None
        }
        other => {
            let curve = other.strip_prefix("ecdsa-sha2-")?;
            ecdsa_point(&mut r, curve)?;
            None
        }
    };
    r.rest.is_empty().then_some(bits)
}

fn ecdsa_point(r: &mut Reader<'_>, curve: &str) -> Option<()> {
    let coordinate = match curve {
        "nistp256" => 32,
        "nistp384" => 48,
        "nistp521" => 66,
        _ => return None,
    };
    if r.string()? != curve.as_bytes() {
        return None;
    }
    let point = r.string()?;
    (point.len() == 1 + 2 * coordinate && point.first() == Some(&4)).then_some(())
}

/// Bit length of an SSH mpint (big-endian, possibly with a leading zero byte).
fn mpint_bits(n: &[u8]) -> Option<u32> {
    let start = n.iter().position(|&b| b != 0)?;
    let significant = &n[start..];
    let first = *significant.first()?;
    let len = u32::try_from(significant.len()).ok()?;
    Some((len - 1) * 8 + (8 - first.leading_zeros()))
}

/// Reads SSH `string`s (u32 big-endian length, then bytes).
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn string(&mut self) -> Option<&'a [u8]> {
        let (len, tail) = self.rest.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
        if tail.len() < len {
            return None;
        }
        let (value, rest) = tail.split_at(len);
        self.rest = rest;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FINGERPRINTS: &str = include_str!("../../tests/fixtures/demo-key-fingerprints.txt");

    #[test]
    fn every_demo_line_parses_and_fingerprints_like_ssh_keygen() {
        let keys = demo_keys();
        assert_eq!(keys.len(), 107);
        for (i, (key, expected)) in keys.iter().zip(FINGERPRINTS.lines()).enumerate() {
            let key = key
                .as_ref()
                .unwrap_or_else(|| panic!("line {} does not parse", i + 1));
            let expected_fp = expected.split_whitespace().nth(1).unwrap();
            let expected_bits: u32 = expected.split_whitespace().next().unwrap().parse().unwrap();
            assert_eq!(key.material.fingerprint(), expected_fp, "line {}", i + 1);
            if let Some(bits) = key.material.bits {
                assert_eq!(bits, expected_bits, "line {}", i + 1);
            }
            assert!(key.comment.as_deref().unwrap().ends_with("@demo.example"));
        }
    }

    #[test]
    fn sizes_and_policy_by_line() {
        assert_eq!(demo_key(69).unwrap().material.bits, Some(3072));
        assert_eq!(demo_key(85).unwrap().material.bits, Some(4096));
        assert_eq!(demo_key(93).unwrap().material.bits, Some(2048));
        assert_eq!(demo_key(103).unwrap().material.bits, Some(1024));
        assert!(check_policy(&demo_key(93).unwrap().material).is_ok());
        assert_eq!(
            check_policy(&demo_key(103).unwrap().material),
            Err(KeyProblem::TooWeak)
        );
        assert!(
            check_policy(&demo_key(106).unwrap().material).is_ok(),
            "dsa is listed"
        );
    }

    #[test]
    fn refuses_malformed_lines() {
        let good = KEYS_TXT.lines().next().unwrap();
        let (ty, rest) = good.split_once(' ').unwrap();
        let b64 = rest.split(' ').next().unwrap();
        for bad in [
            String::new(),
            "ssh-ed25519".to_string(),
            format!("ssh-rsa {b64}"), // declared type differs from blob
            format!("{ty} {}", &b64[..b64.len() - 4]), // truncated blob
            format!("{ty} not*base64"),
            format!("{good}\n{good}"),
            format!("ssh-foo {b64}"),
            "-----BEGIN OPENSSH PRIVATE KEY-----".to_string(),
        ] {
            assert_eq!(
                parse_line(&bad).err(),
                Some(KeyProblem::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn splits_the_comment_off_and_prints_without_it() {
        let line = format!("  {}  with  spaces ", KEYS_TXT.lines().next().unwrap());
        let parsed = parse_line(&line).unwrap();
        assert_eq!(
            parsed.comment.as_deref(),
            Some("ci-1@demo.example  with  spaces")
        );
        assert!(!parsed.material.openssh().contains("demo.example"));
        assert_eq!(parsed.material, *demo_key(1).unwrap().material);
    }
}
