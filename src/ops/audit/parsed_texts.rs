//! The key texts of a snapshot, each parsed once, for [`super::Inventory::build`].

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::snapshot::{Listing, Snapshot};
use crate::sshkey::{Fingerprint, PublicKey};

/// Every key text of a snapshot parsed once, and which text each key holds.
pub(super) struct ParsedTexts {
    /// One per distinct text.
    pub parsed: Vec<ParsedText>,
    /// For every key of every readable listing, in the order [`Inventory::build`] walks them
    /// (repositories, then projects), its index in `parsed`.
    pub slots: Vec<usize>,
    /// Holdings of each fingerprint.
    per_fingerprint: BTreeMap<Fingerprint, usize>,
}

pub(super) struct ParsedText {
    /// The fingerprint and the parsed key, or why the text does not parse.
    pub outcome: Result<(Fingerprint, PublicKey), String>,
    /// Keys holding the text.
    holdings: usize,
}

impl ParsedTexts {
    pub fn of(snapshot: &Snapshot) -> ParsedTexts {
        // A deploy key usually sits on many repositories, and parsing one is not free (an
        // ECDSA point check takes about 0.1 ms), so each distinct text is parsed once. The
        // texts of a scan or a stored scan share one allocation per text, so the allocation
        // is looked up first; a text not shared is found by its content.
        let mut by_address: FxHashMap<usize, usize> = FxHashMap::default();
        let mut by_text: FxHashMap<&str, usize> = FxHashMap::default();
        let mut parsed: Vec<ParsedText> = Vec::new();
        let keys = snapshot
            .repo_keys
            .values()
            .chain(snapshot.project_keys.values())
            .filter_map(|l| match l {
                Listing::Keys(keys) => Some(keys),
                Listing::Failed(_) => None,
            })
            .flatten();
        let mut slots = Vec::new();
        for key in keys {
            let slot = *by_address.entry(key.key.address()).or_insert_with(|| {
                *by_text.entry(key.key.as_str()).or_insert_with(|| {
                    // Lenient parse: weak keys exist on servers and are exactly what an audit
                    // must report, so they are indexed like any other.
                    let outcome = PublicKey::from_server(&key.key)
                        .map(|pk| (pk.fingerprint(), pk))
                        .map_err(|e| e.to_string());
                    parsed.push(ParsedText {
                        outcome,
                        holdings: 0,
                    });
                    parsed.len() - 1
                })
            });
            if let Some(p) = parsed.get_mut(slot) {
                p.holdings += 1;
            }
            slots.push(slot);
        }
        let mut per_fingerprint = BTreeMap::new();
        for p in &parsed {
            if let Ok((fp, _)) = &p.outcome {
                *per_fingerprint.entry(fp.clone()).or_default() += p.holdings;
            }
        }
        ParsedTexts {
            parsed,
            slots,
            per_fingerprint,
        }
    }

    /// How many holdings the key of `fp` has, over all its texts.
    pub fn holdings_of(&self, fp: &Fingerprint) -> usize {
        self.per_fingerprint.get(fp).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::{AccessKey, KeyText};
    use crate::ops::audit::Timestamp;

    fn key(id: u64, text: KeyText) -> AccessKey {
        let mut k: AccessKey =
            serde_json::from_value(serde_json::json!({"id": id, "key": ""})).expect("a key");
        k.key = text;
        k
    }

    #[test]
    fn each_distinct_text_is_parsed_once_whether_shared_or_not() {
        let line =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua";
        let shared = KeyText::from(line);
        let mut snapshot: Snapshot = serde_json::from_value(serde_json::json!({
            "workspace": "acme",
            "scanned_at": "2026-11-28T09:30:00Z",
            "repositories": [],
            "projects": [],
            "repo_keys": {},
            "project_keys": {}
        }))
        .expect("a snapshot");
        snapshot.scanned_at = Timestamp(time::macros::datetime!(2026-11-28 09:30 UTC));
        let listings = [
            (
                "api",
                vec![key(1, shared.clone()), key(2, "ssh-rsa nope".into())],
            ),
            ("web", vec![key(3, shared.clone())]),
            // The same text in an allocation of its own, as a file of format 1 held it.
            ("ops", vec![key(4, KeyText::from(line))]),
        ];
        for (repo, keys) in listings {
            snapshot.repo_keys.insert(repo.into(), Listing::Keys(keys));
        }
        let texts = ParsedTexts::of(&snapshot);
        assert_eq!(texts.parsed.len(), 2);
        // api: the key, the broken one; ops; web.
        assert_eq!(texts.slots, [0, 1, 0, 0]);
        let Ok((fp, _)) = &texts.parsed[0].outcome else {
            panic!("the key did not parse")
        };
        assert_eq!(texts.holdings_of(fp), 3);
        assert!(texts.parsed[1].outcome.is_err());
    }
}
