//! The query language in the TUI's filters: the keys pane's `/` and All keys (`K`).
//!
//! A filter of plain words keeps the substring match each view always had; a filter with a
//! field term (`type:rsa`, `used:never`, ...) is a query. While the text is a malformed query
//! the status line says where, and the rows stay those of the last text that could be read,
//! so a half-typed query does not blank the view.

use time::OffsetDateTime;

use crate::forge::Place;
use crate::ops::audit::{BadgeIndex, Inventory, KeyEntry, KeyHolding, Timestamp, audit};
use crate::ops::query::{Filter, Holding, Query, QueryError, read_filter, short_type_name};
use crate::tui::state::{KeyRow, KeyView, State};

/// Checks the new filter `text` after an edit. A good text drops the fallback; a malformed one
/// keeps (or starts) it with the last good text, `previous` when there was no fallback yet.
/// Returns the error, or whether a shown error should be cleared.
pub fn check(
    text: &str,
    previous: String,
    fallback: &mut Option<String>,
) -> Result<bool, QueryError> {
    match read_filter(text) {
        Ok(_) => Ok(fallback.take().is_some()),
        Err(e) => {
            fallback.get_or_insert(previous);
            Err(e)
        }
    }
}

/// Shows a query error in the status line, or clears the one shown once the text is good.
pub fn report(message: &mut Option<(String, bool)>, checked: Result<bool, QueryError>) {
    match checked {
        Err(e) => *message = Some((e.to_string(), true)),
        Ok(true) => *message = None,
        Ok(false) => {}
    }
}

/// A keys pane row as a query sees it.
struct PaneHolding<'a> {
    key: &'a KeyView,
    /// The project of the repository the pane shows, for the repository's own keys.
    repo_project: Option<&'a str>,
    /// The key's holding in the scanned inventory, when there is a scan.
    audited: Option<(&'a KeyEntry, &'a KeyHolding)>,
    /// The findings of the scan, by holding.
    badges: &'a BadgeIndex,
}

fn parse_time(s: &Option<String>) -> Option<OffsetDateTime> {
    s.as_deref().and_then(Timestamp::parse).map(|t| t.0)
}

impl Holding for PaneHolding<'_> {
    fn label(&self) -> &str {
        &self.key.label
    }
    fn key_type(&self) -> Option<&str> {
        short_type_name(&self.key.facts.key_type)
    }
    fn bits(&self) -> Option<u32> {
        self.key.facts.bits
    }
    fn last_used(&self) -> Option<OffsetDateTime> {
        parse_time(&self.key.last_used)
    }
    fn added(&self) -> Option<OffsetDateTime> {
        parse_time(&self.key.created)
    }
    fn repo(&self) -> Option<&str> {
        match &self.key.scope {
            Place::Repository { repo, .. } => Some(repo),
            Place::Project { .. } => None,
        }
    }
    fn project(&self) -> Option<&str> {
        match &self.key.scope {
            Place::Repository { .. } => self.repo_project,
            Place::Project { project, .. } => Some(project),
        }
    }
    /// Findings come from the workspace's scan: without one (no `R`, no cache) nothing matches.
    fn has_finding(&self, code: &str) -> bool {
        self.audited
            .is_some_and(|(_, h)| self.badges.has(&h.scope, h.id, code))
    }
}

/// The holding of `key` in the scanned inventory, found by fingerprint, place and id.
fn holding_in<'a>(inv: &'a Inventory, key: &KeyView) -> Option<(&'a KeyEntry, &'a KeyHolding)> {
    let fp: crate::sshkey::Fingerprint = key.fingerprint()?.parse().ok()?;
    let entry = inv.get(&fp)?;
    let holding = entry
        .holdings
        .iter()
        .find(|h| h.scope == key.scope && h.id == key.id)?;
    Some((entry, holding))
}

/// The keys pane's filter, read once per list and then asked row by row: plain words as a
/// substring of the label, comment, fingerprint or type (as always), a query per
/// [`Query::matches`].
pub(crate) enum RowFilter<'a> {
    /// No filter: every row.
    All,
    /// Plain words, lowered.
    Words(String),
    /// A query, with what it judges rows against.
    Query(Box<QueryRows<'a>>),
}

/// What a query needs besides the row: read once, not once per row.
pub(crate) struct QueryRows<'a> {
    query: Query,
    now: OffsetDateTime,
    inv: Option<&'a Inventory>,
    badges: BadgeIndex,
    repo_project: Option<&'a str>,
}

impl<'a> RowFilter<'a> {
    /// The filter of the keys pane; `repo_project` is the project of the repository the pane
    /// shows, which its own keys are judged in.
    pub(crate) fn new(state: &'a State, repo_project: Option<&'a str>) -> RowFilter<'a> {
        let text = state.filter_fallback[2]
            .as_deref()
            .unwrap_or(&state.filter[2]);
        match read_filter(text) {
            Ok(Filter::Query(query)) => {
                let now = OffsetDateTime::now_utc();
                let inv =
                    crate::tui::state::insight::focused_inventory(state).map(|w| &*w.inventory);
                // One audit and one index per filtering, not one per row.
                let badges = match inv {
                    Some(inv) if query.uses_finding() => {
                        BadgeIndex::build(inv, &audit(inv, &state.insight.settings.rules, now), now)
                    }
                    _ => BadgeIndex::default(),
                };
                RowFilter::Query(Box::new(QueryRows {
                    query,
                    now,
                    inv,
                    badges,
                    repo_project,
                }))
            }
            Ok(Filter::Words(_)) | Err(_) if text.is_empty() => RowFilter::All,
            Ok(Filter::Words(_)) | Err(_) => RowFilter::Words(text.to_lowercase()),
        }
    }

    /// Whether the pane shows `row`.
    pub(crate) fn keeps(&self, row: &KeyRow<'_>) -> bool {
        match self {
            RowFilter::All => true,
            RowFilter::Words(f) => match row {
                KeyRow::Key { key, .. } => words_match(
                    f,
                    &[
                        &key.label,
                        &key.comment,
                        key.fingerprint().unwrap_or(""),
                        key.key_type(),
                    ],
                ),
                KeyRow::Problem(p, e) => words_match(f, &[p, &e.advice]),
            },
            RowFilter::Query(q) => match row {
                KeyRow::Key { key, .. } => {
                    let h = PaneHolding {
                        key,
                        repo_project: q.repo_project,
                        audited: q.inv.and_then(|i| holding_in(i, key)),
                        badges: &q.badges,
                    };
                    q.query.matches(&h, q.now)
                }
                // A place that could not be read has no key to judge.
                KeyRow::Problem(..) => false,
            },
        }
    }
}

/// Case-insensitive substring match; `filter` is already lowercase.
fn words_match(filter: &str, fields: &[&str]) -> bool {
    filter.is_empty()
        || fields
            .iter()
            .any(|f| crate::fold::contains_ignoring_case(f, filter))
}
