//! The All keys filter over one flat, lowered text: walking 150,000 entries and their label,
//! repository and project sets on every keystroke cost tens of milliseconds (issue 21), one
//! substring search through a single string costs a few.

use std::sync::OnceLock;

use memchr::memmem::Finder;

/// What the search text is built from: an entry's searchable fields, and the entry-by-entry
/// match used where the flat text cannot answer.
pub(super) trait Searchable {
    /// The fields a filter looks in, as they are (lowered when the text is built).
    fn fields(&self) -> impl Iterator<Item = &str>;
    /// Whether the entry matches `needle` on its own.
    fn matches(&self, needle: &str) -> bool;
}

/// Separates the fields in the flat text. Labels are sanitised to one line, and a needle that
/// holds one is matched field by field instead, so no match can span two fields.
const SEPARATOR: char = '\n';

/// Every entry's fingerprint, labels, repository slugs and project keys, lowered, one entry
/// after the other.
#[derive(Debug)]
struct SearchText {
    text: String,
    /// Where each entry's fields begin in `text`.
    starts: Vec<usize>,
}

impl SearchText {
    fn build<T: Searchable>(keys: &[T]) -> SearchText {
        let mut text = String::new();
        let mut starts = Vec::with_capacity(keys.len());
        for e in keys {
            starts.push(text.len());
            for field in e.fields() {
                // The same lowering `fold::contains_ignoring_case` compares with.
                text.push_str(&field.to_lowercase());
                text.push(SEPARATOR);
            }
        }
        SearchText { text, starts }
    }

    /// The indices of the entries whose text holds `needle` (already lowered), ascending.
    fn matching(&self, needle: &str) -> Vec<usize> {
        let finder = Finder::new(needle.as_bytes());
        let hay = self.text.as_bytes();
        let mut out = Vec::new();
        // Hits come in order, so the entry holding each is found by walking on from the
        // last one: when every entry matches, a binary search per hit was most of the time.
        let mut entry = 0;
        let mut from = 0;
        while let Some(found) = finder.find(hay.get(from..).unwrap_or_default()) {
            let at = from + found;
            while self.starts.get(entry + 1).is_some_and(|&next| next <= at) {
                entry += 1;
            }
            out.push(entry);
            // One hit per entry is enough: go on with the next one.
            entry += 1;
            match self.starts.get(entry) {
                Some(&next) => from = next,
                None => break,
            }
        }
        out
    }
}

/// The search text of an inventory, built the first time a filter is typed and dropped when
/// the inventory's keys change.
#[derive(Default)]
pub(super) struct SearchCache(OnceLock<SearchText>);

impl SearchCache {
    /// The indices of `keys` matching `needle` as [`Searchable::matches`] would, ascending.
    pub(super) fn matching<T: Searchable>(&self, keys: &[T], needle: &str) -> Vec<usize> {
        let needle = needle.trim();
        if needle.is_empty() {
            return (0..keys.len()).collect();
        }
        let lowered = needle.to_lowercase();
        let text = self.0.get_or_init(|| SearchText::build(keys));
        // A cache that no longer fits its keys, or a needle the flat text cannot answer
        // exactly, takes the entry-by-entry path.
        if text.starts.len() != keys.len() || lowered.contains(SEPARATOR) {
            return (0..keys.len())
                .filter(|&i| keys[i].matches(needle))
                .collect();
        }
        text.matching(&lowered)
    }
}

/// A copy starts empty: the text is cheap to build again.
impl Clone for SearchCache {
    fn clone(&self) -> Self {
        SearchCache::default()
    }
}

/// Two caches are always equal: what they hold follows from the keys they sit next to.
impl PartialEq for SearchCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SearchCache {}

impl std::fmt::Debug for SearchCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SearchCache")
    }
}
