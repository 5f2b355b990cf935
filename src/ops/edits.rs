//! What a finished write did to the key list of one place, told by the write's own answer.
//!
//! Every view that outlives a write (the TUI's panes, its inventory, the stored scan on disk)
//! is brought up to date from these, so none of them needs a rescan or another request to
//! stop showing a key that is gone. Applying an edit twice gives the same list as applying it
//! once, so an edit can be replayed over a copy that may or may not have it already.

use crate::forge::AccessKey;
use crate::forge::Place;

/// One change to one place's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyEdit {
    /// The key is there now: added, or found already there.
    Added {
        /// Where.
        scope: Place,
        /// The key as the server returned it.
        key: AccessKey,
    },
    /// The key is gone.
    Removed {
        /// Where.
        scope: Place,
        /// The key as it was.
        key: AccessKey,
    },
    /// A key took another's place: a relabel (same text, new label, often a new id) or a
    /// rotation (a new text).
    Replaced {
        /// Where.
        scope: Place,
        /// The key that went.
        old: AccessKey,
        /// The key there now.
        new: AccessKey,
    },
    /// Every key of the place, as read while finishing a journal entry.
    Listed {
        /// Where.
        scope: Place,
        /// The whole list.
        keys: Vec<AccessKey>,
    },
}

impl KeyEdit {
    /// Where the edit happened.
    pub fn scope(&self) -> &Place {
        match self {
            KeyEdit::Added { scope, .. }
            | KeyEdit::Removed { scope, .. }
            | KeyEdit::Replaced { scope, .. }
            | KeyEdit::Listed { scope, .. } => scope,
        }
    }

    /// The id a key had before the edit and the id it has after, when the edit moved one
    /// key to a new id (so a cursor on it can follow).
    pub fn moved(&self) -> Option<(u64, u64)> {
        match self {
            KeyEdit::Replaced { old, new, .. } => Some((old.id, new.id)),
            _ => None,
        }
    }

    /// Applies the edit to one place's list. `id_of` reads an item's key id; `convert` makes an
    /// item from a key of the edit. A replaced key keeps its row.
    pub fn apply_to<T>(
        &self,
        list: &mut Vec<T>,
        id_of: impl Fn(&T) -> u64,
        mut convert: impl FnMut(&AccessKey) -> T,
    ) {
        let mut put = |list: &mut Vec<T>, at: Option<usize>, key: &AccessKey| {
            list.retain(|t| id_of(t) != key.id);
            let at = at.map_or(list.len(), |i| i.min(list.len()));
            list.insert(at, convert(key));
        };
        match self {
            KeyEdit::Added { key, .. } => {
                let at = list.iter().position(|t| id_of(t) == key.id);
                put(list, at, key);
            }
            KeyEdit::Removed { key, .. } => list.retain(|t| id_of(t) != key.id),
            KeyEdit::Replaced { old, new, .. } => {
                let at = list
                    .iter()
                    .position(|t| id_of(t) == old.id)
                    .or_else(|| list.iter().position(|t| id_of(t) == new.id));
                list.retain(|t| id_of(t) != old.id);
                put(list, at, new);
            }
            KeyEdit::Listed { keys, .. } => *list = keys.iter().map(convert).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::ForgeKind;

    fn dk(id: u64, label: &str) -> AccessKey {
        serde_json::from_value(
            serde_json::json!({"id": id, "key": "ssh-ed25519 AAAA", "label": label}),
        )
        .unwrap()
    }

    fn scope() -> Place {
        Place::repository(ForgeKind::Cloud, "acme", "api")
    }

    fn applied(edits: &[KeyEdit], start: &[u64]) -> Vec<(u64, String)> {
        let mut list: Vec<AccessKey> = start.iter().map(|&id| dk(id, "old")).collect();
        for _ in 0..2 {
            for e in edits {
                e.apply_to(&mut list, |k| k.id, AccessKey::clone);
            }
        }
        list.into_iter().map(|k| (k.id, k.label)).collect()
    }

    #[test]
    fn edits_keep_rows_in_place_and_apply_twice_as_once() {
        let s = scope();
        let replaced = KeyEdit::Replaced {
            scope: s.clone(),
            old: dk(2, "old"),
            new: dk(9, "new"),
        };
        assert_eq!(
            applied(&[replaced], &[1, 2, 3]),
            [(1, "old".into()), (9, "new".into()), (3, "old".into())]
        );
        let added = KeyEdit::Added {
            scope: s.clone(),
            key: dk(4, "x"),
        };
        let removed = KeyEdit::Removed {
            scope: s.clone(),
            key: dk(1, "old"),
        };
        assert_eq!(
            applied(&[added, removed], &[1, 2]),
            [(2, "old".into()), (4, "x".into())]
        );
        let listed = KeyEdit::Listed {
            scope: s,
            keys: vec![dk(7, "l")],
        };
        assert_eq!(applied(&[listed], &[1, 2]), [(7, "l".into())]);
    }
}
