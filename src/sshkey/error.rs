//! Why a key or fingerprint was refused, one sentence per mistake.

use super::*;

/// Why a key text (or a fingerprint) was refused.
///
/// Each refusal has its own sentence telling the user what to do. None of them quotes the
/// input: a user who pastes the wrong thing may well paste a secret. They name at most a key
/// type, and only one that looks like a key type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Nothing but whitespace.
    #[error(
        "no key given: paste one OpenSSH public key line, such as the contents of ~/.ssh/id_ed25519.pub"
    )]
    Empty,
    /// Longer than [`MAX_INPUT_LEN`].
    #[error(
        "the text is {len} bytes long, more than the {limit} bytes one public key can take: paste a single line from a `.pub` file"
    )]
    TooLong {
        /// Length of the input in bytes.
        len: usize,
        /// The limit, [`MAX_INPUT_LEN`].
        limit: usize,
    },
    /// A private key in PEM, PKCS#8 or OpenSSH form (encrypted or not).
    #[error(
        "this is a PRIVATE key: never paste a private key anywhere; use the public key instead, the `.pub` file next to it (for example ~/.ssh/id_ed25519.pub), or print it with `ssh-keygen -y -f <private key file>`"
    )]
    PrivateKey,
    /// A PuTTY `.ppk` file, which always holds the private key.
    #[error(
        "this is a PuTTY PRIVATE key file (.ppk): never paste a private key anywhere; use the public key instead: in PuTTYgen copy \"Public key for pasting into OpenSSH authorized_keys file\", or run `puttygen <file>.ppk -O public-openssh` to get the `.pub` line"
    )]
    PuttyPrivateKey,
    /// An RFC 4716 block (`---- BEGIN SSH2 PUBLIC KEY ----`), as PuTTYgen and SSH.com tools write.
    #[error(
        "this is an RFC 4716 (SSH2) public key block, not an OpenSSH key line: convert it with `ssh-keygen -i -f <file>` and paste the one line it prints"
    )]
    Ssh2PublicKey,
    /// A PEM public key (`-----BEGIN PUBLIC KEY-----` or `-----BEGIN RSA PUBLIC KEY-----`).
    #[error(
        "this is a PEM public key, not an OpenSSH key line: convert it with `ssh-keygen -i -m PKCS8 -f <file>` (for `BEGIN RSA PUBLIC KEY` use `-m PEM`) and paste the one line it prints"
    )]
    PemPublicKey,
    /// More than one non-empty line.
    #[error(
        "found {lines} non-empty lines: add one key at a time, one key per line (a second line would otherwise end up hidden in the first key's comment)"
    )]
    MultipleLines {
        /// How many non-empty lines there were.
        lines: usize,
    },
    /// A second key after the first one on the same line, where it would pass for the comment.
    #[error(
        "the comment after the key holds a second key: add one key at a time, one key per line"
    )]
    SecondKeyInComment,
    /// A control character (or an invisible bidirectional-text control) inside the line.
    #[error(
        "control character U+{code:04X} at position {position}: a public key is a single line of printable text; copy it again from the `.pub` file"
    )]
    ControlCharacter {
        /// 1-based position of the character in the input, counted in characters.
        position: usize,
        /// The character's code point.
        code: u32,
    },
    /// An authorized_keys line with options (`from="..."`, `command="..."`, `restrict`, ...).
    #[error(
        "authorized_keys options (such as from=, command=, no-pty, restrict) are not allowed for access keys: remove everything before the key type (for example `ssh-ed25519`)"
    )]
    Options,
    /// The first word is not a key type this tool knows.
    #[error("{}", unknown_type_message(.found.as_deref()))]
    UnknownKeyType {
        /// The unknown type, only when it looks like a key type name (otherwise it could be
        /// anything the user pasted, and is not repeated).
        found: Option<String>,
    },
    /// The line starts with the base64 data: the type in front of it was lost.
    #[error(
        "the key type is missing: the line must start with the type (for example `ssh-ed25519`), then the base64 key data"
    )]
    MissingKeyType,
    /// A key type and nothing after it.
    #[error(
        "`{key_type}` is not followed by any key data: paste the whole line from the `.pub` file"
    )]
    MissingKeyData {
        /// The declared key type.
        key_type: String,
    },
    /// An OpenSSH certificate (`*-cert-v01@openssh.com`).
    #[error(
        "`{key_type}` is an OpenSSH certificate, not a plain public key: access keys must be plain keys; paste the key's own `.pub` file, not the `-cert.pub` one"
    )]
    Certificate {
        /// The certificate type.
        key_type: String,
    },
    /// The key data is not valid (padded, standard) base64.
    #[error("{}", base64_message(*.position))]
    InvalidBase64 {
        /// 1-based position in the key data of the first bad character, when there is one.
        position: Option<usize>,
    },
    /// The type named in front of the data differs from the type inside the data.
    #[error("{}", mismatch_message(.declared, .embedded.as_deref()))]
    TypeMismatch {
        /// The type written in front of the data.
        declared: String,
        /// The type found inside the data, when it is a known one.
        embedded: Option<String>,
    },
    /// The key data stops in the middle of a field.
    #[error(
        "the `{key_type}` key data is truncated: part of the line was lost while copying; copy the whole line again"
    )]
    TruncatedBlob {
        /// The declared key type.
        key_type: String,
    },
    /// Bytes left over after the last field of the key.
    #[error(
        "the `{key_type}` key data has extra bytes after the end of the key: it was altered or two keys were joined; copy the line again"
    )]
    TrailingData {
        /// The declared key type.
        key_type: String,
    },
    /// The fields are all there but their values cannot be a key of that type.
    #[error("the `{key_type}` key data is invalid: {reason}")]
    InvalidKeyData {
        /// The declared key type.
        key_type: String,
        /// What is wrong, in words.
        reason: &'static str,
    },
    /// An RSA key under [`MIN_RSA_BITS`].
    #[error(
        "this RSA key has {bits} bits: Bitbucket refuses RSA keys under 2048 bits; generate an ed25519 key: ssh-keygen -t ed25519"
    )]
    RsaTooSmall {
        /// The modulus size.
        bits: u32,
    },
    /// A fingerprint in the old MD5 form.
    #[error(
        "this is an MD5 fingerprint: use the SHA256 form (`SHA256:...`), which `ssh-keygen -lf <file>` prints"
    )]
    Md5Fingerprint,
    /// A fingerprint without the `SHA256:` prefix.
    #[error(
        "a fingerprint starts with `SHA256:` followed by 43 characters, as `ssh-keygen -lf <file>` prints it"
    )]
    FingerprintNotSha256,
    /// `SHA256:` followed by something that is not 43 base64 characters.
    #[error(
        "after `SHA256:` a fingerprint has exactly 43 base64 characters: it was probably cut while copying; copy it again"
    )]
    InvalidFingerprint,
}

fn unknown_type_message(found: Option<&str>) -> String {
    let accepted = ACCEPTED_KEY_TYPES.join(", ");
    match found {
        Some(t) => format!("unknown key type `{t}`; accepted types: {accepted}"),
        None => format!("the line does not start with a key type; accepted types: {accepted}"),
    }
}

fn base64_message(position: Option<usize>) -> String {
    let at = position.map_or_else(String::new, |p| format!(" (at character {p} of the data)"));
    format!(
        "the key data is not valid base64{at}: the line was cut or altered while copying; copy it again from the `.pub` file"
    )
}

fn mismatch_message(declared: &str, embedded: Option<&str>) -> String {
    match embedded {
        Some(e) => format!(
            "the line says `{declared}` but its data holds a `{e}` key: the type or the data was edited; copy the line again"
        ),
        None => format!(
            "the line says `{declared}` but its data is not a `{declared}` key: copy the line again from the `.pub` file"
        ),
    }
}
