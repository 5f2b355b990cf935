//! The keys file (`keys.toml`): parsing, with every mistake reported as `file:line:column`
//! and a sentence, all at once, before anything is read from a forge.
//!
//! ```toml
//! [[key]]
//! name = "ci-deploy"
//! public_key = "keys/ci.pub"        # a path (relative to this file), or the key line itself
//! label = "ci-{repo}"
//! repos = ["acme/api-*", "acme/web"]
//! projects = ["acme/WEB"]
//!
//! [prune]
//! scopes = ["acme/api-*"]
//! ```

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::glob::Glob;
use crate::forge::{ForgeKind, Permission};
use crate::sshkey::{Fingerprint, KeyError, PublicKey};

/// A line and column in the file, both counted from 1 (columns in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// One mistake in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// Where, when known.
    pub at: Option<Location>,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Some(at) => write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                at.line,
                at.column,
                self.message
            ),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// A repository selector, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// The pattern.
    pub glob: Glob,
    /// Where it stands in the file, for the warning when it matches nothing.
    pub at: Location,
}

/// One declared key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredKey {
    /// Its name, unique in the file.
    pub name: String,
    /// The public key.
    pub key: PublicKey,
    /// What identifies it.
    pub fingerprint: Fingerprint,
    /// The label template (`{repo}`, `{workspace}`, `{project}`).
    pub label: String,
    /// Repository selectors.
    pub repos: Vec<Selector>,
    /// Projects as `owner/PROJECT`.
    pub projects: Vec<(String, String)>,
    /// Read or write (Data Center only; read elsewhere).
    pub permission: Permission,
    /// Expiry in days (Data Center only).
    pub expiry_days: Option<u32>,
    /// Where the declaration starts.
    pub at: Location,
}

/// The opt-in deletion of undeclared keys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prune {
    /// Only places matching these are pruned.
    pub scopes: Vec<Selector>,
}

/// A checked keys file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysFile {
    /// The file it was read from.
    pub path: PathBuf,
    /// The declared keys, in file order.
    pub keys: Vec<DeclaredKey>,
    /// What to prune, if anything.
    pub prune: Option<Prune>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    key: Vec<Spanned<RawKey>>,
    #[serde(default)]
    prune: Option<RawPrune>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    name: Spanned<String>,
    public_key: Spanned<String>,
    label: Spanned<String>,
    #[serde(default)]
    repos: Vec<Spanned<String>>,
    #[serde(default)]
    projects: Vec<Spanned<String>>,
    #[serde(default)]
    permission: Option<Spanned<String>>,
    #[serde(default)]
    expiry_days: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrune {
    scopes: Vec<Spanned<String>>,
}

/// Byte offsets to line and column.
struct Lines<'t> {
    text: &'t str,
}

impl Lines<'_> {
    fn at(&self, offset: usize) -> Location {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Location { line, column }
    }
}

/// Collects the errors of one file.
struct Checker<'t> {
    path: PathBuf,
    lines: Lines<'t>,
    errors: Vec<FileError>,
}

impl Checker<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let at = Some(self.lines.at(span.start));
        self.errors.push(FileError {
            path: self.path.clone(),
            at,
            message: message.into(),
        });
    }
}

/// Parses and checks the keys file at `path`, whose text is `text`, for `forge`.
/// `read` reads a key file named by `public_key` (relative paths are taken from the keys
/// file's folder). Every error is returned, in file order.
pub fn parse_keys_file(
    path: &Path,
    text: &str,
    forge: ForgeKind,
    read: &dyn Fn(&Path) -> std::io::Result<String>,
) -> Result<KeysFile, Vec<FileError>> {
    let mut c = Checker {
        path: path.to_path_buf(),
        lines: Lines { text },
        errors: Vec::new(),
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let at = e.span().map(|s| c.lines.at(s.start));
            return Err(vec![FileError {
                path: c.path,
                at,
                message: e.message().trim().to_string(),
            }]);
        }
    };
    let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut keys = Vec::new();
    let mut names: BTreeMap<String, Location> = BTreeMap::new();
    for spanned in raw.key {
        let at = c.lines.at(spanned.span().start);
        let raw_key = spanned.into_inner();
        let name = raw_key.name.get_ref().trim().to_string();
        if name.is_empty() {
            c.error(
                raw_key.name.span(),
                "the name is empty: give every key a name",
            );
        } else if let Some(first) = names.get(&name) {
            let message = format!(
                "the name {name:?} is used twice (first at line {}): names must be unique",
                first.line
            );
            c.error(raw_key.name.span(), message);
        } else {
            names.insert(name.clone(), c.lines.at(raw_key.name.span().start));
        }
        if let Some(k) = check_key(&mut c, &base, raw_key, name, at, forge, read) {
            keys.push(k);
        }
    }
    conflicting_labels(&mut c, &keys);
    let prune = raw.prune.map(|p| Prune {
        scopes: selectors(&mut c, p.scopes),
    });
    c.errors.sort_by_key(|e| e.at);
    if c.errors.is_empty() {
        Ok(KeysFile {
            path: c.path,
            keys,
            prune,
        })
    } else {
        Err(c.errors)
    }
}

fn check_key(
    c: &mut Checker<'_>,
    base: &Path,
    raw: RawKey,
    name: String,
    at: Location,
    forge: ForgeKind,
    read: &dyn Fn(&Path) -> std::io::Result<String>,
) -> Option<DeclaredKey> {
    let key = public_key(c, base, &raw.public_key, read);
    let granted_somewhere = !raw.repos.is_empty() || !raw.projects.is_empty();
    let label = raw.label.get_ref().trim().to_string();
    if let Err(e) = crate::ops::bulk::validate_template(&label) {
        c.error(raw.label.span(), format!("the label: {e}"));
    }
    let repos = selectors(c, raw.repos);
    let mut projects = Vec::new();
    for p in raw.projects {
        match p.get_ref().split_once('/') {
            Some((owner, project))
                if !owner.is_empty()
                    && !project.is_empty()
                    && crate::forge::valid_project_key(project) =>
            {
                projects.push((owner.to_string(), project.to_string()));
            }
            _ => {
                let message = format!(
                    "{:?} is not a project: write it as <workspace>/<PROJECT KEY>, such as \"acme/WEB\"",
                    p.get_ref()
                );
                c.error(p.span(), message);
            }
        }
    }
    if !granted_somewhere {
        let message = format!("the key {name:?} is granted nowhere: give it repos or projects");
        c.error(raw.name.span(), message);
    }
    let permission = match &raw.permission {
        None => Permission::Read,
        Some(p) if forge != ForgeKind::DataCenter => {
            c.error(
                p.span(),
                "permission is a Data Center field: Bitbucket Cloud access keys are always read-only; remove it",
            );
            Permission::Read
        }
        Some(p) => p.get_ref().parse().unwrap_or_else(|e: String| {
            c.error(p.span(), e);
            Permission::Read
        }),
    };
    let expiry_days = match &raw.expiry_days {
        None => None,
        Some(d) if forge != ForgeKind::DataCenter => {
            c.error(
                d.span(),
                "expiry_days is a Data Center field: Bitbucket Cloud access keys do not expire; remove it",
            );
            None
        }
        Some(d) => match u32::try_from(*d.get_ref()) {
            Ok(n) if (1..=3650).contains(&n) => Some(n),
            _ => {
                c.error(
                    d.span(),
                    "expiry_days must be a whole number of days from 1 to 3650",
                );
                None
            }
        },
    };
    let key = key?;
    Some(DeclaredKey {
        name,
        fingerprint: key.fingerprint(),
        key,
        label,
        repos,
        projects,
        permission,
        expiry_days,
        at,
    })
}

/// The key itself, or the file it names. Key material is never quoted in an error: a private
/// key pasted by mistake must not be echoed to a terminal or a CI log.
fn public_key(
    c: &mut Checker<'_>,
    base: &Path,
    value: &Spanned<String>,
    read: &dyn Fn(&Path) -> std::io::Result<String>,
) -> Option<PublicKey> {
    let v = value.get_ref().trim();
    let inline = v.contains(char::is_whitespace)
        || v.starts_with("-----BEGIN")
        || v.starts_with("PuTTY-User-Key-File");
    let (text, source) = if inline {
        (v.to_string(), "the key".to_string())
    } else {
        let file = base.join(v);
        match read(&file) {
            Ok(t) => (t, format!("the key file {}", file.display())),
            Err(e) => {
                c.error(
                    value.span(),
                    format!("the key file {} cannot be read: {e}", file.display()),
                );
                return None;
            }
        }
    };
    match PublicKey::parse(&text) {
        Ok(k) => Some(k),
        // A key Bitbucket no longer takes may still be held, and an export writes it: declaring
        // it keeps it where it is. Adding it anywhere is refused before the first write.
        Err(KeyError::RsaTooSmall { .. }) => PublicKey::from_server(&text).ok(),
        Err(e) => {
            c.error(value.span(), format!("{source}: {e}"));
            None
        }
    }
}

fn selectors(c: &mut Checker<'_>, raw: Vec<Spanned<String>>) -> Vec<Selector> {
    let mut out = Vec::new();
    for s in raw {
        match Glob::parse(s.get_ref().trim()) {
            Ok(glob) => out.push(Selector {
                glob,
                at: c.lines.at(s.span().start),
            }),
            Err(e) => c.error(s.span(), e),
        }
    }
    out
}

/// Two declarations of one key that name the same repository or project with different
/// labels cannot both hold: the file must say which label it wants. Known from the file alone
/// only where the patterns name one repository; overlaps of wildcards are found by the plan.
fn conflicting_labels(c: &mut Checker<'_>, keys: &[DeclaredKey]) {
    for (i, a) in keys.iter().enumerate() {
        for b in &keys[i + 1..] {
            if a.fingerprint != b.fingerprint || a.label == b.label {
                continue;
            }
            let same_repo = a
                .repos
                .iter()
                .find(|x| x.glob.is_literal() && b.repos.iter().any(|y| y.glob == x.glob));
            let same_project = a.projects.iter().find(|p| b.projects.contains(p));
            let place = match (same_repo, same_project) {
                (Some(r), _) => r.glob.to_string(),
                (None, Some((o, p))) => format!("project {p} of {o}"),
                (None, None) => continue,
            };
            c.errors.push(FileError {
                path: c.path.clone(),
                at: Some(b.at),
                message: format!(
                    "{:?} and {:?} (line {}) give {place} the same key with different labels ({:?} and {:?}): a place holds a key once, under one label",
                    b.name, a.name, a.at.line, b.label, a.label
                ),
            });
        }
    }
}
