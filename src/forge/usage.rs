//! "Where is this key used", answered by the forge itself ([`super::Caps::usage_lookup`]): how
//! far to look, and what the answer rests on. The answer is never more than the credential
//! may see, so every caller says so.

use serde::Serialize;

use super::types::Place;

/// How far [`super::Forge::usage`] looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UsageSearch {
    /// The forge's usage lookups alone (two requests on Data Center); only when they answer
    /// nothing, or are refused, the places the credential administers are read instead.
    Lookups,
    /// The lookups and every administered place they cannot show, read one by one: what a
    /// change to every grant needs, since a grant it missed would be lost.
    Thorough,
}

/// What an answer to "where is this key used" rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageSource {
    /// The usage lookups answered, and nothing else was read.
    Lookups,
    /// The lookups answered nothing (or were refused), so the administered places were read
    /// one by one: the fallback of the Data Center contract §4.
    Fallback,
    /// The lookups and every administered place they cannot show ([`UsageSearch::Thorough`]).
    Thorough,
}

/// Where a key is used, as far as the credential may see.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Usage {
    /// The places that grant the key, sorted.
    pub places: Vec<Place>,
    /// What the answer rests on.
    pub source: UsageSource,
    /// Whether the server refused the usage lookups to this credential (401 or 403).
    pub lookups_refused: bool,
    /// How many places were read one by one besides the lookups.
    pub read_one_by_one: usize,
}

impl Usage {
    /// An answer of the lookups alone.
    pub fn from_lookups(places: Vec<Place>) -> Usage {
        Usage {
            places,
            source: UsageSource::Lookups,
            lookups_refused: false,
            read_one_by_one: 0,
        }
    }

    /// The sentence that says how far the answer reaches: always that it is limited to what
    /// the credential may see, and which reads it rests on.
    pub fn reach_sentence(&self) -> String {
        let limited = "Results are limited to what this credential may see";
        match self.source {
            UsageSource::Lookups if self.lookups_refused => format!(
                "{limited}: one usage lookup was refused to this credential and the other shows only projects it administers. Repositories it administers in other projects are not read."
            ),
            UsageSource::Lookups => format!(
                "{limited}: the usage lookups show only projects it administers (2 requests). Repositories it administers in other projects are not read."
            ),
            UsageSource::Fallback => {
                let n = self.read_one_by_one;
                let why = match (self.lookups_refused, n) {
                    (true, _) => format!(
                        "the server refused the usage lookups to this credential, so the {n} projects and repositories it administers were read one by one instead"
                    ),
                    (false, 0) => "the usage lookups found nothing in the projects it administers, and it administers no repositories in other projects".to_string(),
                    (false, _) => format!(
                        "the usage lookups found nothing in the projects it administers, so the {n} repositories it administers in other projects were read one by one instead"
                    ),
                };
                format!("{limited}, and they are partial: {why}.")
            }
            UsageSource::Thorough => {
                let lookups = if self.lookups_refused {
                    "the usage lookups (refused to this credential)"
                } else {
                    "the usage lookups"
                };
                format!(
                    "{limited}: {lookups}, and {} place(s) it administers that they cannot show, read one by one.",
                    self.read_one_by_one
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(source: UsageSource, lookups_refused: bool) -> Usage {
        Usage {
            places: Vec::new(),
            source,
            lookups_refused,
            read_one_by_one: 3,
        }
    }

    #[test]
    fn every_answer_says_it_is_limited_and_what_it_rests_on() {
        let cases = [
            (usage(UsageSource::Lookups, false), "(2 requests)"),
            (
                usage(UsageSource::Lookups, true),
                "one usage lookup was refused",
            ),
            (usage(UsageSource::Fallback, false), "found nothing"),
            (
                usage(UsageSource::Fallback, true),
                "refused the usage lookups",
            ),
            (
                usage(UsageSource::Thorough, false),
                "3 place(s) it administers",
            ),
        ];
        for (u, says) in cases {
            let text = u.reach_sentence();
            assert!(
                text.starts_with("Results are limited to what this credential may see"),
                "{text}"
            );
            assert!(text.contains(says), "{says}: {text}");
            assert_eq!(
                text.contains("partial"),
                u.source == UsageSource::Fallback,
                "{text}"
            );
        }
    }
}
