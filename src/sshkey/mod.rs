//! Parse, normalise, validate and fingerprint OpenSSH public keys (`bitbucket-api.md` §6).
//!
//! The parser reads the wire-format blob itself (RFC 4253 §6.6: length-prefixed strings and
//! mpints) instead of going through the `ssh-key` crate. §6 lists that crate's traps: its `==`
//! compares comments, it rejects leading blanks, and a second pasted line silently becomes part
//! of the first key's comment. Doing it by hand also lets every refusal carry its own sentence,
//! and those sentences never repeat the input, which might be a secret pasted by mistake.
//!
//! What counts as "the same key" and what the fingerprint is both follow `ssh-keygen -lf`: the
//! blob is re-encoded canonically (as OpenSSH does before hashing), so a key whose mpints carry
//! superfluous leading zero bytes still gets the fingerprint OpenSSH prints.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::Digest as _;

/// Longest text [`PublicKey::parse`] looks at. The largest public key OpenSSH handles (RSA
/// 16384 bits) is about 2.8 KB of base64; anything far beyond that is not one public key.
pub const MAX_INPUT_LEN: usize = 16 * 1024;

/// Smallest RSA modulus Bitbucket accepts (§6); smaller keys are refused before any request.
pub const MIN_RSA_BITS: u32 = 2048;

/// Largest RSA modulus OpenSSH accepts (`SSHBUF_MAX_BIGNUM`); `ssh-keygen -lf` refuses more.
const MAX_RSA_BITS: u32 = 16384;

/// Key types [`PublicKey::parse`] accepts, in the order they are listed to the user (§6).
pub const ACCEPTED_KEY_TYPES: [&str; 8] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "ssh-dss",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// How strong a key is considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Nothing to say.
    Good,
    /// RSA of exactly 2048 bits: acceptable but legacy.
    Legacy,
    /// DSA (removed from OpenSSH 10.0, §6), or RSA under 2048 bits (refused by Bitbucket).
    Weak,
}

pub use error::KeyError;

/// The key types this module understands; [`PublicKey`] keeps one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum KeyKind {
    Ed25519,
    EcdsaP256,
    EcdsaP384,
    EcdsaP521,
    Rsa,
    Dsa,
    SkEd25519,
    SkEcdsaP256,
}

impl KeyKind {
    const ALL: [KeyKind; 8] = [
        KeyKind::Ed25519,
        KeyKind::EcdsaP256,
        KeyKind::EcdsaP384,
        KeyKind::EcdsaP521,
        KeyKind::Rsa,
        KeyKind::Dsa,
        KeyKind::SkEd25519,
        KeyKind::SkEcdsaP256,
    ];

    fn name(self) -> &'static str {
        match self {
            KeyKind::Ed25519 => "ssh-ed25519",
            KeyKind::EcdsaP256 => "ecdsa-sha2-nistp256",
            KeyKind::EcdsaP384 => "ecdsa-sha2-nistp384",
            KeyKind::EcdsaP521 => "ecdsa-sha2-nistp521",
            KeyKind::Rsa => "ssh-rsa",
            KeyKind::Dsa => "ssh-dss",
            KeyKind::SkEd25519 => "sk-ssh-ed25519@openssh.com",
            KeyKind::SkEcdsaP256 => "sk-ecdsa-sha2-nistp256@openssh.com",
        }
    }

    /// What `ssh-keygen -l` prints in parentheses (OpenSSH's `sshkey_type`).
    fn short(self) -> &'static str {
        match self {
            KeyKind::Ed25519 => "ED25519",
            KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::EcdsaP521 => "ECDSA",
            KeyKind::Rsa => "RSA",
            KeyKind::Dsa => "DSA",
            KeyKind::SkEd25519 => "ED25519-SK",
            KeyKind::SkEcdsaP256 => "ECDSA-SK",
        }
    }

    fn from_name(name: &[u8]) -> Option<KeyKind> {
        KeyKind::ALL
            .into_iter()
            .find(|k| k.name().as_bytes() == name)
    }
}

/// Certificates are named after their key type: `<type>-cert-v01@openssh.com`.
fn is_certificate_type(name: &str) -> bool {
    name.ends_with("-cert-v01@openssh.com") || name.ends_with("-cert-v00@openssh.com")
}

/// Whether a word is safe to quote back as "the key type": it has the shape of an SSH algorithm
/// name, so it is not a password or token pasted by mistake.
fn looks_like_key_type(word: &str) -> bool {
    const PREFIXES: [&str; 7] = ["ssh-", "ecdsa-", "sk-", "rsa-", "x509v3-", "pgp-", "spki-"];
    word.len() <= 64
        && PREFIXES.iter().any(|p| word.starts_with(p))
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '@' | '.' | '_'))
}

/// Option names of sshd's authorized_keys format (sshd(8), AUTHORIZED_KEYS FILE FORMAT).
const AUTHORIZED_KEYS_OPTIONS: [&str; 22] = [
    "agent-forwarding",
    "cert-authority",
    "command=",
    "environment=",
    "expiry-time=",
    "from=",
    "no-agent-forwarding",
    "no-port-forwarding",
    "no-pty",
    "no-touch-required",
    "no-user-rc",
    "no-x11-forwarding",
    "permitlisten=",
    "permitopen=",
    "port-forwarding",
    "principals=",
    "pty",
    "restrict",
    "touch-required",
    "tunnel=",
    "user-rc",
    "verify-required",
];

/// A parsed public key.
///
/// Two keys are equal when their type and key material are equal; the comment does not take
/// part, because Bitbucket hands keys back without it (§3) and the same key often carries
/// different comments on different machines.
#[derive(Clone)]
pub struct PublicKey {
    kind: KeyKind,
    /// Canonical wire encoding; the type string is its first field, so equality covers the type.
    blob: Vec<u8>,
    bits: u32,
    comment: Option<String>,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.blob == other.blob
    }
}

impl Eq for PublicKey {}

impl std::hash::Hash for PublicKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.blob.hash(state);
    }
}

impl std::fmt::Debug for PublicKey {
    // The blob in full is noise in logs and test failures; the fingerprint identifies the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey")
            .field("key_type", &self.kind.name())
            .field("bits", &self.bits)
            .field("fingerprint", &self.fingerprint().0)
            .field("comment", &self.comment)
            .finish()
    }
}

impl std::str::FromStr for PublicKey {
    type Err = KeyError;

    /// Same as [`PublicKey::parse`] (the strict form, for keys a user wants to add).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PublicKey::parse(s)
    }
}

/// Which rules apply: a user's key about to be added, or a key the server already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Strict,
    Lenient,
}

impl PublicKey {
    /// Strict parse for a key a user wants to add, run before any request is made (§6).
    ///
    /// Takes one OpenSSH public key line, `<type> <base64> [comment]`, with any surrounding
    /// whitespace and line break. Refuses (each with its own [`KeyError`]): private keys of any
    /// form, RFC 4716 and PEM public keys, more than one line or a second key in the comment,
    /// control characters, authorized_keys options, unknown types, certificates, bad base64, a
    /// blob that is truncated, too long, of another type or not a valid key, and RSA under 2048
    /// bits. DSA is accepted but rated [`Strength::Weak`].
    pub fn parse(input: &str) -> Result<PublicKey, KeyError> {
        let line = screen(input, Mode::Strict)?;
        let key = parse_line(line, Mode::Strict)?;
        if key.kind == KeyKind::Rsa && key.bits < MIN_RSA_BITS {
            return Err(KeyError::RsaTooSmall { bits: key.bits });
        }
        Ok(key)
    }

    /// Lenient parse for key text returned by Bitbucket: `<type> <base64>`, comment optional.
    ///
    /// Weak keys (RSA under 2048 bits, DSA) are accepted because they exist on servers and
    /// must still be listed, fingerprinted and deleted. A comment may hold control characters;
    /// it is untrusted server text, cleaned by `sanitize` before display. The blob itself is
    /// checked as strictly as in [`PublicKey::parse`], so the fingerprint is the one
    /// `ssh-keygen` would print. Never panics, whatever the text.
    pub fn from_server(key: &str) -> Result<PublicKey, KeyError> {
        let line = screen(key, Mode::Lenient)?;
        parse_line(line, Mode::Lenient)
    }

    /// OpenSSH type string, such as `ssh-ed25519` or `sk-ssh-ed25519@openssh.com`.
    pub fn key_type(&self) -> &str {
        self.kind.name()
    }

    /// Type as `ssh-keygen -l` prints it in parentheses: `ED25519`, `ECDSA`, `RSA`, `DSA`,
    /// `ED25519-SK` or `ECDSA-SK`.
    pub fn short_type(&self) -> &'static str {
        self.kind.short()
    }

    /// Bit length, the first column of `ssh-keygen -lf`: the modulus size for RSA and DSA, the
    /// curve size for ECDSA, 256 for Ed25519.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The comment after the key data, if any (inner spacing kept, outer spacing dropped).
    pub fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }

    /// `SHA256:` + unpadded base64 of the SHA-256 of the blob, as `ssh-keygen -lf` prints it.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of_blob(&self.blob)
    }

    /// `MD5:aa:bb:...`, as `ssh-keygen -E md5 -lf` prints it (shown only on request, §6).
    pub fn md5_fingerprint(&self) -> String {
        let digest = md5::Md5::digest(&self.blob);
        let pairs: Vec<String> = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("MD5:{}", pairs.join(":"))
    }

    /// `<type> <base64>` without the comment, from the canonical re-encoding of the blob. This
    /// is the form to send to Bitbucket and to compare with what it returns.
    pub fn to_openssh(&self) -> String {
        format!("{} {}", self.kind.name(), STANDARD.encode(&self.blob))
    }

    /// `<type> <base64> <comment>`, or [`PublicKey::to_openssh`] when there is no comment.
    pub fn to_openssh_with_comment(&self) -> String {
        match &self.comment {
            Some(c) => format!("{} {c}", self.to_openssh()),
            None => self.to_openssh(),
        }
    }

    /// Strength classification: DSA and RSA under 2048 bits are weak, RSA of exactly 2048
    /// bits is legacy, everything else is good.
    pub fn strength(&self) -> Strength {
        match self.kind {
            KeyKind::Dsa => Strength::Weak,
            KeyKind::Rsa if self.bits < MIN_RSA_BITS => Strength::Weak,
            KeyKind::Rsa if self.bits == MIN_RSA_BITS => Strength::Legacy,
            _ => Strength::Good,
        }
    }
}

/// Characters that end a line. Besides LF and CR this takes in the rarer breaks an editor or a
/// web page may produce, so that no form of "two lines" slips through as one.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Invisible characters that reorder displayed text (the same set `sanitize` strips): a comment
/// holding them could make a key look like another in a list.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
    )
}

/// Everything that can be decided about the text as a whole, before looking at its fields.
/// Returns the single line, trimmed.
fn screen(input: &str, mode: Mode) -> Result<&str, KeyError> {
    // Private keys first, whatever else is wrong with the text: that is what the user must hear.
    // `b3BlbnNzaC1rZXktdjE` is the base64 of "openssh-key-v1", the body of an OpenSSH private
    // key pasted without its armour lines.
    if input.contains("PuTTY-User-Key-File-") {
        return Err(KeyError::PuttyPrivateKey);
    }
    if input.contains("PRIVATE KEY") || input.contains("b3BlbnNzaC1rZXktdjE") {
        return Err(KeyError::PrivateKey);
    }
    if input.contains("BEGIN SSH2 PUBLIC KEY") {
        return Err(KeyError::Ssh2PublicKey);
    }
    if input.contains("-----BEGIN ") && input.contains("PUBLIC KEY-----") {
        return Err(KeyError::PemPublicKey);
    }
    if input.len() > MAX_INPUT_LEN {
        return Err(KeyError::TooLong {
            len: input.len(),
            limit: MAX_INPUT_LEN,
        });
    }
    // A byte-order mark is what Windows editors put in front of a saved `.pub` file.
    let unmarked = input.strip_prefix('\u{feff}').unwrap_or(input);
    let line = unmarked.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
    if line.is_empty() {
        return Err(KeyError::Empty);
    }
    let lines = line
        .split(is_line_break)
        .filter(|l| !l.chars().all(is_blank))
        .count();
    if lines > 1 {
        return Err(KeyError::MultipleLines { lines });
    }
    if mode == Mode::Strict {
        // `line` lies inside `input`; positions are counted from the start of what was pasted.
        let offset = (line.as_ptr() as usize).saturating_sub(input.as_ptr() as usize);
        let leading_chars = input.get(..offset).map_or(0, |s| s.chars().count());
        for (i, c) in line.chars().enumerate() {
            if (c.is_control() && c != '\t') || is_bidi_control(c) {
                return Err(KeyError::ControlCharacter {
                    position: leading_chars + i + 1,
                    code: u32::from(c),
                });
            }
        }
    }
    Ok(line)
}

/// Splits off the first blank-separated field; the rest starts at the next non-blank character.
fn split_field(s: &str) -> (&str, &str) {
    match s.find(is_blank) {
        Some(end) => (
            s.get(..end).unwrap_or_default(),
            s.get(end..)
                .unwrap_or_default()
                .trim_start_matches(is_blank),
        ),
        None => (s, ""),
    }
}

fn parse_line(line: &str, mode: Mode) -> Result<PublicKey, KeyError> {
    let (first, rest) = split_field(line);
    let Some(kind) = KeyKind::from_name(first.as_bytes()) else {
        return Err(classify_unknown_start(first, rest));
    };
    let (data, comment) = split_field(rest);
    if data.is_empty() {
        return Err(KeyError::MissingKeyData {
            key_type: kind.name().to_owned(),
        });
    }
    let blob = STANDARD.decode(data).map_err(|e| KeyError::InvalidBase64 {
        position: match e {
            base64::DecodeError::InvalidByte(at, _)
            | base64::DecodeError::InvalidLastSymbol(at, _) => Some(at + 1),
            base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidPadding => None,
        },
    })?;
    let (blob, bits) = decode_blob(kind, &blob)?;
    let comment = comment.trim_end_matches(is_blank);
    if mode == Mode::Strict && holds_key(comment) {
        return Err(KeyError::SecondKeyInComment);
    }
    Ok(PublicKey {
        kind,
        blob,
        bits,
        comment: (!comment.is_empty()).then(|| comment.to_owned()),
    })
}

/// Decides why a line does not start with a key type, to give the most useful refusal.
fn classify_unknown_start(first: &str, rest: &str) -> KeyError {
    if is_certificate_type(first) {
        let key_type = if looks_like_key_type(first) {
            first
        } else {
            "certificate"
        };
        return KeyError::Certificate {
            key_type: key_type.to_owned(),
        };
    }
    // sshd reads an unknown first word as options and looks for the key type after it; a known
    // type later on the line, or a known option name in front, means exactly that shape.
    let type_later = rest
        .split(is_blank)
        .any(|w| KeyKind::from_name(w.as_bytes()).is_some() || is_certificate_type(w));
    let lower = first.to_ascii_lowercase();
    let starts_with_option = AUTHORIZED_KEYS_OPTIONS.iter().any(|o| {
        // `restrict` and `restrict,command=...` are options; `restricted` is not.
        lower
            .strip_prefix(o)
            .is_some_and(|after| o.ends_with('=') || after.is_empty() || after.starts_with(','))
    });
    if type_later || starts_with_option {
        return KeyError::Options;
    }
    if STANDARD.decode(first).is_ok_and(|blob| {
        Reader::new(&blob)
            .string()
            .and_then(KeyKind::from_name)
            .is_some()
    }) {
        return KeyError::MissingKeyType;
    }
    KeyError::UnknownKeyType {
        found: looks_like_key_type(first).then(|| first.to_owned()),
    }
}

/// Whether a comment contains `<type> <base64 of a blob of that type>`: a second key that
/// would otherwise travel hidden in the first one's comment.
fn holds_key(comment: &str) -> bool {
    let words: Vec<&str> = comment.split(is_blank).filter(|w| !w.is_empty()).collect();
    words.windows(2).any(|pair| match pair {
        [kind, data] => KeyKind::from_name(kind.as_bytes()).is_some_and(|k| {
            STANDARD
                .decode(data)
                .is_ok_and(|blob| Reader::new(&blob).string() == Some(k.name().as_bytes()))
        }),
        _ => false,
    })
}

mod curve;
mod error;
mod fingerprint;

pub use fingerprint::Fingerprint;
mod wire;

use wire::{Reader, decode_blob};

#[cfg(test)]
mod tests {
    use super::curve::{Nat, P256, P384, P521};
    use super::wire::bit_length;
    use super::*;

    /// The base points from SEC 2 lie on their curves; flipping one bit of y leaves the curve.
    #[test]
    fn generator_points_are_on_their_curves() {
        let generators = [
            (
                &P256,
                "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
            ),
            (
                &P384,
                "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab73617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
            ),
            (
                &P521,
                "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650",
            ),
        ];
        for (curve, hex) in generators {
            let mut point = vec![4u8];
            point.extend(
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()),
            );
            assert_eq!(curve.check_point(&point), Ok(()), "{}", curve.name);
            *point.last_mut().unwrap() ^= 1;
            assert_eq!(
                curve.check_point(&point),
                Err("the point is not on the curve"),
                "{}",
                curve.name
            );
            point[0] = 2;
            assert!(curve.check_point(&point).is_err());
        }
    }

    #[test]
    fn big_number_arithmetic() {
        let a = Nat::from_be_bytes(&u128::MAX.to_be_bytes());
        let one = Nat::from_be_bytes(&[1]);
        let square = a.mul(&a);
        // (2^128 − 1)² = 2^256 − 2^129 + 1
        assert_eq!(square.bits(), 256);
        assert_eq!(square.rem(&a), Nat::from_be_bytes(&[]));
        assert_eq!(square.add(&one).rem(&a), one);
        assert_eq!(a.add(&one).sub(&one), a);
        assert_eq!(
            Nat::from_be_bytes(&[0, 0, 7]).rem(&Nat::from_be_bytes(&[3])),
            one
        );
    }

    #[test]
    fn bit_length_counts_from_the_top_bit() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[1]), 1);
        assert_eq!(bit_length(&[0x80, 0]), 16);
        assert_eq!(bit_length(&[0x7f, 0, 0]), 23);
    }

    #[test]
    fn accepted_types_list_matches_the_parser() {
        let names: Vec<&str> = KeyKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, ACCEPTED_KEY_TYPES);
    }

    #[test]
    fn reader_stops_at_a_short_field() {
        let mut r = Reader::new(&[0, 0, 0, 3, b'a', b'b']);
        assert_eq!(r.string(), None);
        let mut r = Reader::new(&[0, 0, 0, 1, b'a', 0, 0]);
        assert_eq!(r.string(), Some(&b"a"[..]));
        assert_eq!(r.string(), None);
    }
}
