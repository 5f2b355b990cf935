//! One query language for finding keys: the same in the TUI's filters and the CLI's
//! `--where`.
//!
//! ```text
//! label:jenkins*  type:rsa  bits:<3072  used:>365d  used:never  added:<2022-01-01
//! repo:api-*  project:API  finding:never_used  deploy
//! ```
//!
//! Terms are combined with AND. A plain word matches the label as a case-insensitive
//! substring. `used:` is judged per holding (one key on one repository or project):
//! `used:never` means the holding has no last-used date at all, whatever its age, and
//! `used:>365d` means it was last used more than 365 days ago, so it never includes a holding
//! that was never used.

mod holdings;
mod parse;

pub use holdings::{Filter, InventoryHolding, InventoryQuery, read_filter, short_type_name};
pub use parse::{QueryError, parse_query};

use time::{Date, OffsetDateTime};

/// The fields a term can name, in the order error messages list them.
pub const FIELDS: [&str; 9] = [
    "label", "type", "bits", "used", "added", "repo", "project", "finding", "",
];

/// The key types `type:` takes; the policy gate uses the same names.
pub const KEY_TYPES: [&str; 6] = ["ed25519", "ecdsa", "rsa", "dsa", "sk-ed25519", "sk-ecdsa"];

/// How a number or a date is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=` (or no operator)
    Eq,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
            Cmp::Eq => a == b,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Eq => "",
        }
    }
}

/// A point in time, as a term writes it: a date, or an age (`365d`, `6w`, `2y`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// A calendar date (UTC).
    Date(Date),
    /// An age in days; `>365d` means older than 365 days.
    AgeDays(u32),
}

/// One term of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A plain word: a substring of the label, any case.
    Word(String),
    /// `label:` glob, any case.
    Label(String),
    /// `type:` short type name.
    Type(String),
    /// `bits:` comparison.
    Bits(Cmp, u32),
    /// `used:never`.
    NeverUsed,
    /// `used:` comparison with a time.
    Used(Cmp, When),
    /// `added:` comparison with a time.
    Added(Cmp, When),
    /// `repo:` glob over the repository slug.
    Repo(String),
    /// `project:` glob over the project key.
    Project(String),
    /// `finding:` code.
    Finding(String),
}

/// A parsed query: every term must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// The terms.
    pub terms: Vec<Term>,
}

/// What a query looks at: one holding of a key.
pub trait Holding {
    /// The label.
    fn label(&self) -> &str;
    /// The short type name (`ed25519`, `rsa`, ...), when the key could be read.
    fn key_type(&self) -> Option<&str>;
    /// The key's size in bits, when the key could be read.
    fn bits(&self) -> Option<u32>;
    /// When this holding was last used.
    fn last_used(&self) -> Option<OffsetDateTime>;
    /// When this holding was added.
    fn added(&self) -> Option<OffsetDateTime>;
    /// The repository slug, for repository keys.
    fn repo(&self) -> Option<&str>;
    /// The project key: of a project key, or of a repository's project.
    fn project(&self) -> Option<&str>;
    /// Whether the audit reports `code` for this holding.
    fn has_finding(&self, code: &str) -> bool;
}

impl Query {
    /// Whether every term holds for `h` at `now`.
    pub fn matches(&self, h: &dyn Holding, now: OffsetDateTime) -> bool {
        self.terms.iter().all(|t| t.matches(h, now))
    }

    /// Whether the query has no term (matches everything).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

impl Term {
    fn matches(&self, h: &dyn Holding, now: OffsetDateTime) -> bool {
        match self {
            Term::Word(w) => h.label().to_lowercase().contains(&w.to_lowercase()),
            Term::Label(g) => glob(g, h.label()),
            Term::Type(t) => h.key_type().is_some_and(|k| k.eq_ignore_ascii_case(t)),
            Term::Bits(c, n) => h.bits().is_some_and(|b| c.holds(b, *n)),
            Term::NeverUsed => h.last_used().is_none(),
            Term::Used(c, w) => h.last_used().is_some_and(|t| compare(*c, t, *w, now)),
            Term::Added(c, w) => h.added().is_some_and(|t| compare(*c, t, *w, now)),
            Term::Repo(g) => h.repo().is_some_and(|r| glob(g, r)),
            Term::Project(g) => h.project().is_some_and(|p| glob(g, p)),
            Term::Finding(code) => h.has_finding(code),
        }
    }
}

/// `t` compared with `w`. Ages read the other way round: `used:>365d` (more than 365 days
/// ago) is a time *before* now minus 365 days.
fn compare(c: Cmp, t: OffsetDateTime, w: When, now: OffsetDateTime) -> bool {
    match w {
        When::Date(d) => c.holds(t.date(), d),
        When::AgeDays(days) => {
            let age = (now - t).whole_days();
            c.holds(age, i64::from(days))
        }
    }
}

/// `*` and `?` matching, any case, linear in the input.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti, mut star) = (0, 0, None);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

impl std::fmt::Display for When {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            When::Date(d) => write!(
                f,
                "{:04}-{:02}-{:02}",
                d.year(),
                u8::from(d.month()),
                d.day()
            ),
            When::AgeDays(n) => write!(f, "{n}d"),
        }
    }
}

/// A value written so that it parses back to itself: bare when it has no space, quote or
/// colon, else in double quotes with `"` and `\` escaped.
fn value(v: &str) -> String {
    if !v.is_empty() && !v.contains(|c: char| c.is_whitespace() || matches!(c, '"' | '\\' | ':')) {
        v.to_string()
    } else {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

impl std::fmt::Display for Term {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Term::Word(w) => write!(f, "{}", value(w)),
            Term::Label(g) => write!(f, "label:{}", value(g)),
            Term::Type(t) => write!(f, "type:{t}"),
            Term::Bits(c, n) => write!(f, "bits:{}{n}", c.as_str()),
            Term::NeverUsed => write!(f, "used:never"),
            Term::Used(c, w) => write!(f, "used:{}{w}", c.as_str()),
            Term::Added(c, w) => write!(f, "added:{}{w}", c.as_str()),
            Term::Repo(g) => write!(f, "repo:{}", value(g)),
            Term::Project(g) => write!(f, "project:{}", value(g)),
            Term::Finding(c) => write!(f, "finding:{c}"),
        }
    }
}

impl std::fmt::Display for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let terms: Vec<String> = self.terms.iter().map(ToString::to_string).collect();
        f.write_str(&terms.join(" "))
    }
}

#[cfg(test)]
mod tests;
