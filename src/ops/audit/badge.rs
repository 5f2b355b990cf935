//! Findings as badges: a severity and a few words, short enough to sit beside a key in a list,
//! plus a full sentence for a detail view. Forge-neutral: every number comes from the
//! inventory the findings were made from, never from a forge's wire format.
//!
//! The badge wording, per finding code:
//!
//! | Code | Badge |
//! |---|---|
//! | `dsa`, `rsa_under_2048` | `weak` |
//! | `rsa_2048` | `legacy` |
//! | `never_used` | `never` |
//! | `unused` | `unused <age>`, the time since last use: `29d`, `11mo`, `2y` (rounded down) |
//! | `shared` | `shared <n>`, the repositories the key reaches |
//! | `many_labels` | `<n> labels` |
//! | `project_key` | `project <n>`, the repositories of the project |
//! | `unparsable_key` | `unreadable key` |
//! | `unreadable` | `unreadable` |
//! | `not_permitted` | `not admin` |
//! | `write_access` | `write` |
//! | `expired` | `expired` |
//! | `expires_soon` | `expires <time left>`, such as `expires 6d` |

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use time::OffsetDateTime;

use super::codes::{Finding, FindingCode, Severity};
use super::inventory::{Inventory, KeyEntry, KeyHolding};
use crate::forge::Place;

/// One finding, short: what a list shows beside a key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Badge {
    /// How much it matters (the colour, in a terminal).
    pub severity: Severity,
    /// The finding's code.
    pub code: FindingCode,
    /// A few words, such as `weak`, `unused 2y` or `shared 20`.
    pub text: String,
}

impl std::fmt::Display for Badge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// An age in whole days, rounded down to the largest unit that fits: days under a month
/// (`29d`), months under a year (`11mo`), then years (`2y`). A month is a twelfth of 365 days,
/// so 364 days read `11mo` and 365 read `1y`. A negative age (a clock ahead of ours) reads `0d`.
pub fn age_text(days: i64) -> String {
    let days = days.max(0);
    let months = days * 12 / 365;
    if months == 0 {
        format!("{days}d")
    } else if days < 365 {
        format!("{months}mo")
    } else {
        format!("{}y", days / 365)
    }
}

/// The holding a finding is about, by place and key id.
fn holding_of<'a>(f: &Finding, entry: &'a KeyEntry) -> Option<&'a KeyHolding> {
    let place = f.location.as_ref()?;
    entry
        .holdings
        .iter()
        .find(|h| &h.scope == place && Some(h.id) == f.key_id)
}

/// The badge of `f`, one of the findings of `inv` at `now` (the same `now` the audit used, so
/// that `unused 1y` agrees with the finding's reason).
pub fn badge(f: &Finding, inv: &Inventory, now: OffsetDateTime) -> Badge {
    let entry = f.fingerprint.as_ref().and_then(|fp| inv.get(fp));
    let text = match f.code {
        FindingCode::Dsa | FindingCode::RsaUnder2048 => "weak".to_string(),
        FindingCode::Rsa2048 => "legacy".to_string(),
        FindingCode::NeverUsed => "never".to_string(),
        FindingCode::Unused => {
            match entry
                .and_then(|e| holding_of(f, e))
                .and_then(|h| h.last_used)
            {
                Some(used) => format!("unused {}", age_text(used.days_before(now))),
                None => "unused".to_string(),
            }
        }
        FindingCode::Shared => match entry {
            Some(e) => format!("shared {}", e.reach),
            None => "shared".to_string(),
        },
        FindingCode::ManyLabels => match entry {
            Some(e) => format!("{} labels", e.labels.len()),
            None => "labels".to_string(),
        },
        FindingCode::ProjectKey => match &f.location {
            Some(Place::Project { project, .. }) => format!(
                "project {}",
                inv.project_repositories.get(project).map_or(0, |r| r.len())
            ),
            _ => "project".to_string(),
        },
        FindingCode::UnparsableKey => "unreadable key".to_string(),
        FindingCode::Unreadable => "unreadable".to_string(),
        FindingCode::NotPermitted => "not admin".to_string(),
        FindingCode::WriteAccess => "write".to_string(),
        FindingCode::Expired => "expired".to_string(),
        FindingCode::ExpiresSoon => {
            match entry.and_then(|e| e.holdings.iter().find_map(|h| h.expires_on)) {
                Some(at) => format!(
                    "expires {}",
                    age_text(crate::ops::expiry::days_left(at.0, now))
                ),
                None => "expires soon".to_string(),
            }
        }
    };
    Badge {
        severity: f.severity,
        code: f.code,
        text,
    }
}

/// The finding as a full sentence, for a detail view: `High (rsa_under_2048): RSA key of 1024
/// bits: ...`. The reason is cleaned of control characters, since it may quote a label.
pub fn sentence(f: &Finding) -> String {
    let severity = f.severity.as_str();
    let mut capital = severity.chars();
    let severity = match capital.next() {
        Some(c) => c.to_uppercase().chain(capital).collect::<String>(),
        None => String::new(),
    };
    let reason = crate::sanitize::clean_line(&f.reason);
    let end = if reason.ends_with('.') { "" } else { "." };
    format!("{severity} ({}): {reason}{end}", f.code.as_str())
}

/// A holding (place and key id) and its badges.
type HoldingBadges = ((Place, u64), Arc<[Badge]>);

/// The badges of every holding of a workspace, made once from its findings, so that a list can
/// show each row's badges (or filter on `finding:`) without auditing once per row.
///
/// Most holdings of a large workspace carry one of a few dozen lists (`never`, `shared 20`,
/// ...), so each distinct list is kept once and shared, and the holdings sit in one sorted
/// vector rather than a tree: a list and a tree entry per holding were tens of megabytes for
/// 150,000 holdings (issue 21).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadgeIndex {
    /// By place and key id, sorted: findings about the key everywhere, and about this very
    /// holding.
    holdings: Vec<HoldingBadges>,
    /// By place: findings about a place rather than a key (a listing that could not be read).
    places: BTreeMap<Place, Vec<Badge>>,
}

impl BadgeIndex {
    /// Indexes `findings`, the audit of `inv` at `now`.
    pub fn build(inv: &Inventory, findings: &[Finding], now: OffsetDateTime) -> BadgeIndex {
        let mut index = BadgeIndex::default();
        let mut table = BadgeTable::default();
        // The holdings of the inventory by their position in it (entry by entry), each with
        // a badge's number: 8 bytes a pair where a place and an id were 72. Holdings outside
        // the entries (keys that could not be read) keep their place.
        let starts: Vec<usize> = inv
            .keys
            .iter()
            .scan(0, |at, e| {
                let start = *at;
                *at += e.holdings.len();
                Some(start)
            })
            .collect();
        // Sized up front: grown by doubling, a large vector leaves every smaller copy of
        // itself in the process's memory at the start-up peak.
        let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(pair_count(inv, findings));
        let mut other: Vec<((Place, u64), u32)> = Vec::new();
        for f in findings {
            let b = badge(f, inv, now);
            let entry = f.fingerprint.as_ref().and_then(|fp| {
                let k = inv.keys.binary_search_by(|e| e.fingerprint.cmp(fp)).ok()?;
                Some((inv.keys.get(k)?, starts.get(k).copied()?))
            });
            match (entry, &f.location, f.key_id) {
                // About one holding (of a key with or without a fingerprint).
                (entry, Some(place), Some(id)) => {
                    let n = table.number(b);
                    let at = entry.and_then(|(e, start)| {
                        let j = e
                            .holdings
                            .binary_search_by(|h| (&h.scope, h.id).cmp(&(place, id)))
                            .ok()?;
                        u32::try_from(start + j).ok()
                    });
                    match at {
                        Some(at) => pairs.push((at, n)),
                        None => other.push(((place.clone(), id), n)),
                    }
                }
                // About a key wherever it sits.
                (Some((e, start)), None, _) => {
                    let n = table.number(b);
                    let first = u32::try_from(start).unwrap_or(u32::MAX);
                    let count = u32::try_from(e.holdings.len()).unwrap_or(0);
                    pairs.extend((first..first.saturating_add(count)).map(|at| (at, n)));
                }
                (None, Some(place), None) => index.places.entry(place.clone()).or_default().push(b),
                // A place without an id, or an id without a place, names no row: the audit
                // writes neither.
                (Some(_), Some(_), None) | (None, None, _) => {}
            }
        }
        for list in index.places.values_mut() {
            list.sort();
            list.dedup();
        }
        let (table, rank) = table.in_order();
        let rank_of = |n: u32| rank.get(n as usize).copied().unwrap_or(n);
        pairs.iter_mut().for_each(|p| p.1 = rank_of(p.1));
        other.iter_mut().for_each(|p| p.1 = rank_of(p.1));
        pairs.sort_unstable();
        pairs.dedup();
        other.sort_unstable();
        other.dedup();
        let holdings: Vec<&KeyHolding> = inv.keys.iter().flat_map(|e| &e.holdings).collect();
        let mut lists = Lists::new(&table);
        index.holdings = Vec::with_capacity(distinct(&pairs) + distinct(&other));
        for (at, ns) in groups(pairs) {
            if let Some(h) = holdings.get(at as usize) {
                index
                    .holdings
                    .push(((h.scope.clone(), h.id), lists.get(ns)));
            }
        }
        for (at, ns) in groups(other) {
            index.holdings.push((at, lists.get(ns)));
        }
        // In place: the holdings were in the inventory's order, by key.
        index.holdings.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        index
    }

    /// The badges of key `id` on `place`, most severe first; empty when it has none.
    pub fn of(&self, place: &Place, id: u64) -> &[Badge] {
        self.holdings
            .binary_search_by(|((p, i), _)| (p, *i).cmp(&(place, id)))
            .ok()
            .and_then(|at| self.holdings.get(at))
            .map_or(&[], |(_, list)| list)
    }

    /// The badges about `place` itself (it could not be read, or is not administered).
    pub fn of_place(&self, place: &Place) -> &[Badge] {
        self.places.get(place).map_or(&[], Vec::as_slice)
    }

    /// Whether key `id` on `place` has a finding whose code is `code` (case-insensitive), as
    /// the query language's `finding:` field asks.
    pub fn has(&self, place: &Place, id: u64, code: &str) -> bool {
        self.of(place, id)
            .iter()
            .any(|b| b.code.as_str().eq_ignore_ascii_case(code))
    }
}

/// How many (holding, badge) pairs [`BadgeIndex::build`] makes of `findings`.
fn pair_count(inv: &Inventory, findings: &[Finding]) -> usize {
    findings
        .iter()
        .map(|f| {
            let entry = || f.fingerprint.as_ref().and_then(|fp| inv.get(fp));
            match (&f.location, f.key_id) {
                (Some(_), Some(_)) => 1,
                (None, _) => entry().map_or(0, |e| e.holdings.len()),
                (Some(_), None) => 0,
            }
        })
        .sum()
}

/// Each distinct badge once, numbered as first seen.
#[derive(Default)]
struct BadgeTable {
    badges: Vec<Badge>,
    numbers: BTreeMap<Badge, u32>,
}

impl BadgeTable {
    /// The number of `b`, adding it the first time.
    fn number(&mut self, b: Badge) -> u32 {
        if let Some(n) = self.numbers.get(&b) {
            return *n;
        }
        let n = u32::try_from(self.badges.len()).unwrap_or(u32::MAX);
        self.badges.push(b.clone());
        self.numbers.insert(b, n);
        n
    }

    /// The badges in badge order, and each number's rank in it: renumbered so, a holding's
    /// numbers sort as its badges do.
    fn in_order(self) -> (Vec<Badge>, Vec<u32>) {
        let rank: Vec<u32> = self.numbers.values().copied().collect();
        let mut by_number = vec![0; rank.len()];
        for (r, n) in rank.iter().enumerate() {
            if let Some(slot) = by_number.get_mut(*n as usize) {
                *slot = u32::try_from(r).unwrap_or(u32::MAX);
            }
        }
        (self.numbers.into_keys().collect(), by_number)
    }
}

/// Each distinct list of badges once, shared by every holding that carries it.
struct Lists<'a> {
    table: &'a [Badge],
    seen: HashMap<Vec<u32>, Arc<[Badge]>>,
}

impl<'a> Lists<'a> {
    fn new(table: &'a [Badge]) -> Lists<'a> {
        Lists {
            table,
            seen: HashMap::new(),
        }
    }

    fn get(&mut self, ns: Vec<u32>) -> Arc<[Badge]> {
        let table = self.table;
        self.seen
            .entry(ns)
            .or_insert_with_key(|ns| {
                ns.iter()
                    .filter_map(|n| table.get(*n as usize))
                    .cloned()
                    .collect()
            })
            .clone()
    }
}

/// How many distinct holdings sorted `pairs` name.
fn distinct<T: PartialEq>(pairs: &[(T, u32)]) -> usize {
    let breaks = pairs.windows(2).filter(|w| w[0].0 != w[1].0).count();
    if pairs.is_empty() { 0 } else { breaks + 1 }
}

/// Sorted `pairs` grouped by holding: each holding with its badges' numbers.
fn groups<T: PartialEq>(pairs: Vec<(T, u32)>) -> impl Iterator<Item = (T, Vec<u32>)> {
    let mut pairs = pairs.into_iter().peekable();
    std::iter::from_fn(move || {
        let (at, n) = pairs.next()?;
        let mut ns = vec![n];
        while let Some((_, n)) = pairs.next_if(|(next, _)| *next == at) {
            ns.push(n);
        }
        Some((at, ns))
    })
}
