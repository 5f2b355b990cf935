//! Reading a policy: the `[policy]` table of the config file, or a policy file with the same
//! keys at its top level. Every mistake is refused before any request, with the file, line and
//! column of the offending value and a sentence saying what would be accepted.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use super::Severity;

/// A policy file or `[policy]` table that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct PolicyError {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong and what would be accepted.
    pub message: String,
}

/// The short key-type names a policy may use in `allowed_types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeName {
    /// `ssh-ed25519`.
    Ed25519,
    /// `ecdsa-sha2-nistp256/384/521`.
    Ecdsa,
    /// `ssh-rsa`.
    Rsa,
    /// `ssh-dss`.
    Dsa,
    /// `sk-ssh-ed25519@openssh.com`.
    SkEd25519,
    /// `sk-ecdsa-sha2-nistp256@openssh.com`.
    SkEcdsa,
}

impl TypeName {
    /// Every short name, in the order the error sentence lists them.
    pub const ALL: [TypeName; 6] = [
        TypeName::Ed25519,
        TypeName::Ecdsa,
        TypeName::Rsa,
        TypeName::Dsa,
        TypeName::SkEd25519,
        TypeName::SkEcdsa,
    ];

    /// The short name.
    pub fn as_str(self) -> &'static str {
        match self {
            TypeName::Ed25519 => "ed25519",
            TypeName::Ecdsa => "ecdsa",
            TypeName::Rsa => "rsa",
            TypeName::Dsa => "dsa",
            TypeName::SkEd25519 => "sk-ed25519",
            TypeName::SkEcdsa => "sk-ecdsa",
        }
    }

    /// The short name of an OpenSSH algorithm name; `None` for one bbkeys does not know.
    pub fn of_algorithm(algorithm: &str) -> Option<TypeName> {
        Some(match algorithm {
            "ssh-ed25519" => TypeName::Ed25519,
            "ssh-rsa" => TypeName::Rsa,
            "ssh-dss" => TypeName::Dsa,
            "sk-ssh-ed25519@openssh.com" => TypeName::SkEd25519,
            "sk-ecdsa-sha2-nistp256@openssh.com" => TypeName::SkEcdsa,
            a if a.starts_with("ecdsa-sha2-") => TypeName::Ecdsa,
            _ => return None,
        })
    }
}

/// A checked policy. Rules left out do not apply.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// A key added more than this many days ago is a finding (`max_age`).
    pub max_age_days: Option<u32>,
    /// A key not used (or never used and added) more than this many days ago (`max_unused`).
    pub max_unused_days: Option<u32>,
    /// RSA keys under this many bits (`min_rsa_bits`).
    pub min_rsa_bits: Option<u32>,
    /// Key types allowed; any other is a finding (`type_not_allowed`).
    pub allowed_types: Option<BTreeSet<TypeName>>,
    /// Fingerprints of keys known to be compromised (`forbidden`).
    pub forbidden: BTreeSet<String>,
    /// A regex every label must match (`label_pattern`).
    pub label_pattern: Option<Regex>,
    /// Repositories one key may reach at most (`max_reach`).
    pub max_reach: Option<usize>,
    /// Keys must carry an expiry, where the forge has expiry (`no_expiry`).
    pub require_expiry: bool,
    /// An expiry further out than this many days (`max_expiry`).
    pub max_expiry_days: Option<u32>,
    /// Severity per finding code, replacing the built-in one.
    pub severity: BTreeMap<String, Severity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    max_age_days: Option<Spanned<i64>>,
    max_unused_days: Option<Spanned<i64>>,
    min_rsa_bits: Option<Spanned<i64>>,
    allowed_types: Option<Vec<Spanned<String>>>,
    forbidden: Option<Spanned<toml::Value>>,
    label_pattern: Option<Spanned<String>>,
    max_reach: Option<Spanned<i64>>,
    require_expiry: Option<bool>,
    max_expiry_days: Option<Spanned<i64>>,
    severity: Option<BTreeMap<String, Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
struct ConfigWithPolicy {
    policy: Option<RawPolicy>,
}

/// Where positions are counted from: the text and its file name.
struct Source<'a> {
    text: &'a str,
    file: &'a Path,
}

impl Source<'_> {
    fn error(&self, span: Range<usize>, message: impl Into<String>) -> PolicyError {
        let upto = &self.text[..span.start.min(self.text.len())];
        let line = upto.matches('\n').count() + 1;
        let column = upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        PolicyError {
            file: self.file.display().to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    fn toml_error(&self, e: &toml::de::Error) -> PolicyError {
        let message = e.message().trim().to_string();
        self.error(e.span().unwrap_or(0..0), message)
    }
}

impl Policy {
    /// Reads a policy file (`--policy F`): the rules at its top level. `known_codes` are the
    /// finding codes `severity` may name besides the policy's own.
    pub fn parse_file(
        text: &str,
        file: &Path,
        known_codes: &[&str],
    ) -> Result<Policy, PolicyError> {
        let src = Source { text, file };
        let raw: RawPolicy = toml::from_str(text).map_err(|e| src.toml_error(&e))?;
        check(raw, &src, known_codes)
    }

    /// Reads the `[policy]` table of a config file; `None` when it has none. Positions are those
    /// of the config file.
    pub fn parse_config(
        text: &str,
        file: &Path,
        known_codes: &[&str],
    ) -> Result<Option<Policy>, PolicyError> {
        let src = Source { text, file };
        let doc: ConfigWithPolicy = toml::from_str(text).map_err(|e| src.toml_error(&e))?;
        doc.policy
            .map(|raw| check(raw, &src, known_codes))
            .transpose()
    }
}

fn days(v: Option<Spanned<i64>>, key: &str, src: &Source) -> Result<Option<u32>, PolicyError> {
    ranged(v, key, 1, 36_500, "a number of days", src)
}

fn ranged(
    v: Option<Spanned<i64>>,
    key: &str,
    min: i64,
    max: i64,
    what: &str,
    src: &Source,
) -> Result<Option<u32>, PolicyError> {
    let Some(v) = v else { return Ok(None) };
    let n = *v.get_ref();
    if (min..=max).contains(&n) {
        Ok(u32::try_from(n).ok())
    } else {
        Err(src.error(
            v.span(),
            format!("{key} = {n}: it must be {what} between {min} and {max}"),
        ))
    }
}

fn check(raw: RawPolicy, src: &Source, known_codes: &[&str]) -> Result<Policy, PolicyError> {
    let mut p = Policy {
        max_age_days: days(raw.max_age_days, "max_age_days", src)?,
        max_unused_days: days(raw.max_unused_days, "max_unused_days", src)?,
        min_rsa_bits: ranged(
            raw.min_rsa_bits,
            "min_rsa_bits",
            1024,
            16_384,
            "a key size in bits",
            src,
        )?,
        max_reach: ranged(
            raw.max_reach,
            "max_reach",
            1,
            1_000_000,
            "a number of repositories",
            src,
        )?
        .map(|n| n as usize),
        require_expiry: raw.require_expiry.unwrap_or(false),
        max_expiry_days: days(raw.max_expiry_days, "max_expiry_days", src)?,
        ..Policy::default()
    };
    if let Some(types) = raw.allowed_types {
        let mut set = BTreeSet::new();
        for t in types {
            let name = TypeName::ALL
                .into_iter()
                .find(|n| n.as_str() == t.get_ref().as_str())
                .ok_or_else(|| {
                    let names: Vec<&str> = TypeName::ALL.iter().map(|n| n.as_str()).collect();
                    src.error(
                        t.span(),
                        format!(
                            "allowed_types: {:?} is not a key type; use {}",
                            t.get_ref(),
                            names.join(", ")
                        ),
                    )
                })?;
            set.insert(name);
        }
        p.allowed_types = Some(set);
    }
    if let Some(pat) = raw.label_pattern {
        let re = Regex::new(pat.get_ref()).map_err(|e| {
            let first = e.to_string();
            let first = first.lines().last().unwrap_or("").trim().to_string();
            src.error(
                pat.span(),
                format!("label_pattern is not a regular expression: {first}"),
            )
        })?;
        p.label_pattern = Some(re);
    }
    if let Some(f) = raw.forbidden {
        p.forbidden = forbidden(f, src)?;
    }
    for (code, level) in raw.severity.unwrap_or_default() {
        if !known_codes.contains(&code.as_str()) && !super::POLICY_CODES.contains(&code.as_str()) {
            return Err(src.error(
                level.span(),
                format!("severity.{code}: there is no finding code {code:?}; the codes are in the README's audit and policy tables"),
            ));
        }
        let s = Severity::parse(level.get_ref()).ok_or_else(|| {
            src.error(
                level.span(),
                format!(
                    "severity.{code} = {:?}: use high, medium, low or info",
                    level.get_ref()
                ),
            )
        })?;
        p.severity.insert(code, s);
    }
    Ok(p)
}

/// `forbidden` is a list of fingerprints, or the path of a file of them (one a line, `#`
/// comments), relative to the policy file.
fn forbidden(v: Spanned<toml::Value>, src: &Source) -> Result<BTreeSet<String>, PolicyError> {
    let span = v.span();
    let entries: Vec<(String, Option<usize>)> = match v.into_inner() {
        toml::Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    toml::Value::String(s) => out.push((s, None)),
                    other => {
                        return Err(src.error(
                            span,
                            format!(
                                "forbidden: {other} is not a fingerprint; list strings such as \"SHA256:...\""
                            ),
                        ));
                    }
                }
            }
            out
        }
        toml::Value::String(path) => {
            let path = resolve(src.file, &path);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                src.error(
                    span.clone(),
                    format!("forbidden: cannot read {}: {e}", path.display()),
                )
            })?;
            text.lines()
                .enumerate()
                .map(|(i, l)| {
                    (
                        l.split('#').next().unwrap_or("").trim().to_string(),
                        Some(i),
                    )
                })
                .filter(|(l, _)| !l.is_empty())
                .collect()
        }
        other => {
            return Err(src.error(
                span,
                format!(
                    "forbidden = {other}: give a list of fingerprints or the path of a file of them"
                ),
            ));
        }
    };
    let mut set = BTreeSet::new();
    for (fp, line) in entries {
        if !valid_fingerprint(&fp) {
            let at = line.map(|l| format!(" (line {} of the file)", l + 1));
            return Err(src.error(
                span,
                format!(
                    "forbidden: {fp:?}{} is not a SHA256 fingerprint as `ssh-keygen -lf` prints it (SHA256: and 43 base64 characters)",
                    at.unwrap_or_default()
                ),
            ));
        }
        set.insert(fp);
    }
    Ok(set)
}

fn valid_fingerprint(s: &str) -> bool {
    s.strip_prefix("SHA256:").is_some_and(|b| {
        b.len() == 43
            && b.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
    })
}

fn resolve(policy_file: &Path, path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() {
        return p;
    }
    policy_file.parent().map(|d| d.join(&p)).unwrap_or(p)
}
