//! What the query language reads from the audit inventory, and how a filter text is read.
//!
//! One adapter: a holding of the inventory, with its key's type and size, and the audit's
//! findings for that holding. The TUI's All keys view and `keys list --where` both go through
//! it, so `finding:` means the same in both.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::{Holding, Query, QueryError, Term, parse_query};
use crate::config::AuditConfig;
use crate::forge::Place;
use crate::ops::audit::{BadgeIndex, Inventory, KeyEntry, KeyHolding, audit};
use crate::ops::policy::TypeName;

/// The short type name (`ed25519`, `rsa`, ...) of an OpenSSH algorithm name.
pub fn short_type_name(algorithm: &str) -> Option<&'static str> {
    TypeName::of_algorithm(algorithm).map(TypeName::as_str)
}

/// One holding of an inventory key, as a query sees it.
pub struct InventoryHolding<'a> {
    /// The key.
    pub entry: &'a KeyEntry,
    /// Where it sits.
    pub holding: &'a KeyHolding,
    /// The repository's project, for a repository holding.
    pub project_of_repo: Option<&'a str>,
    /// The audit's findings by holding; empty when the query does not ask about findings.
    pub badges: &'a BadgeIndex,
}

impl Holding for InventoryHolding<'_> {
    fn label(&self) -> &str {
        &self.holding.label
    }
    fn key_type(&self) -> Option<&str> {
        short_type_name(&self.entry.key_type)
    }
    fn bits(&self) -> Option<u32> {
        Some(self.entry.bits)
    }
    fn last_used(&self) -> Option<OffsetDateTime> {
        self.holding.last_used.map(|t| t.0)
    }
    fn added(&self) -> Option<OffsetDateTime> {
        self.holding.created_on.map(|t| t.0)
    }
    fn repo(&self) -> Option<&str> {
        match &self.holding.scope {
            Place::Repository { repo, .. } => Some(repo),
            Place::Project { .. } => None,
        }
    }
    fn project(&self) -> Option<&str> {
        match &self.holding.scope {
            Place::Repository { .. } => self.project_of_repo,
            Place::Project { project, .. } => Some(project),
        }
    }
    fn has_finding(&self, code: &str) -> bool {
        self.badges.has(&self.holding.scope, self.holding.id, code)
    }
}

/// A query ready to judge the keys of one inventory: the audit run once (only when the query
/// asks about findings), and each repository's project looked up once.
pub struct InventoryQuery<'a> {
    query: &'a Query,
    badges: BadgeIndex,
    project_of: HashMap<&'a str, &'a str>,
    now: OffsetDateTime,
}

impl<'a> InventoryQuery<'a> {
    /// Prepares `query` for the keys of `inv`.
    pub fn new(
        query: &'a Query,
        inv: &'a Inventory,
        rules: &AuditConfig,
        now: OffsetDateTime,
    ) -> InventoryQuery<'a> {
        // Indexed once, so each holding's `finding:` is a lookup, not a pass over every finding.
        let badges = if query.uses_finding() {
            BadgeIndex::build(inv, &audit(inv, rules, now), now)
        } else {
            BadgeIndex::default()
        };
        let project_of = inv
            .project_repositories
            .iter()
            .flat_map(|(p, repos)| repos.iter().map(move |r| (r.as_str(), p.as_str())))
            .collect();
        InventoryQuery {
            query,
            badges,
            project_of,
            now,
        }
    }

    /// Whether any holding of `entry` matches: `used:` is judged per holding, so a key
    /// matches when one of its places does.
    pub fn matches(&self, entry: &KeyEntry) -> bool {
        entry
            .holdings
            .iter()
            .any(|holding| self.matches_holding(entry, holding))
    }

    /// Whether one holding of `entry` matches: what a selection of "every matching holding"
    /// takes, where [`InventoryQuery::matches`] keeps a key if any of its places does.
    pub fn matches_holding(&self, entry: &KeyEntry, holding: &KeyHolding) -> bool {
        let project_of_repo = match &holding.scope {
            Place::Repository { repo, .. } => self.project_of.get(repo.as_str()).copied(),
            Place::Project { .. } => None,
        };
        let h = InventoryHolding {
            entry,
            holding,
            project_of_repo,
            badges: &self.badges,
        };
        self.query.matches(&h, self.now)
    }
}

/// A filter text as the TUI reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Plain words: the view's own substring match, as before the query language.
    Words(String),
    /// A query with at least one field term.
    Query(Query),
}

/// Reads a filter text. A text of plain words keeps the substring match it always had, even
/// when the parser would refuse it (a lone quote, say) as long as it names no field; a text
/// with a field term is a query, and a malformed one is an error.
pub fn read_filter(text: &str) -> Result<Filter, QueryError> {
    match parse_query(text) {
        Ok(q) if q.terms.iter().all(|t| matches!(t, Term::Word(_))) => {
            Ok(Filter::Words(text.to_string()))
        }
        Ok(q) => Ok(Filter::Query(q)),
        Err(_) if !text.contains(':') => Ok(Filter::Words(text.to_string())),
        Err(e) => Err(e),
    }
}

impl Query {
    /// Whether a term asks about findings: only then must the caller run the audit.
    pub fn uses_finding(&self) -> bool {
        self.terms.iter().any(|t| matches!(t, Term::Finding(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_words_even_when_the_parser_would_refuse_them() {
        assert_eq!(
            read_filter("ci deploy"),
            Ok(Filter::Words("ci deploy".into()))
        );
        assert_eq!(
            read_filter("o'brien \"x"),
            Ok(Filter::Words("o'brien \"x".into()))
        );
        assert_eq!(read_filter(""), Ok(Filter::Words(String::new())));
    }

    #[test]
    fn a_field_term_makes_a_query_and_a_bad_one_an_error() {
        let Ok(Filter::Query(q)) = read_filter("ci type:rsa") else {
            panic!("a field term is a query");
        };
        assert_eq!(q.to_string(), "ci type:rsa");
        assert!(!q.uses_finding());
        let Ok(Filter::Query(q)) = read_filter("finding:never_used") else {
            panic!("a field term is a query");
        };
        assert!(q.uses_finding());
        let e = read_filter("bits:<x").unwrap_err();
        assert_eq!(e.position, 6);
    }

    #[test]
    fn short_type_names_are_the_policy_gates() {
        assert_eq!(short_type_name("ssh-ed25519"), Some("ed25519"));
        assert_eq!(short_type_name("ecdsa-sha2-nistp384"), Some("ecdsa"));
        assert_eq!(short_type_name("ssh-dss"), Some("dsa"));
        assert_eq!(
            short_type_name("sk-ssh-ed25519@openssh.com"),
            Some("sk-ed25519")
        );
        assert_eq!(short_type_name("ssh-unknown"), None);
    }
}
