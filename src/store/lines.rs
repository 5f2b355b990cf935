//! The shapes of a stored scan on disk, and the reading of its listing lines.
//!
//! Formats 1 and 2 are one JSON document; formats 3 to 5 are JSON lines (see [`super::FORMAT`]).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::forge::{AccessKey, KeyText, KeyTexts};
use crate::ops::audit::{Listing, Snapshot};

/// The first line of a format 3 to 5 file.
#[derive(Serialize)]
pub(super) struct HeadOut<'a> {
    pub format: u32,
    /// How many listing lines follow: a file cut at a line's end is found short, not taken
    /// for a smaller workspace.
    pub repo_listings: usize,
    /// The snapshot with `repo_keys` empty: they follow, one line each. Its project keys
    /// hold their texts in place, so this line is read alone.
    pub snapshot: &'a Snapshot,
}

/// The second line of a format 5 file: the distinct key texts of the listings.
#[derive(Serialize)]
pub(super) struct TextsOut<'a> {
    pub key_texts: &'a [KeyText],
}

#[derive(Deserialize)]
pub(super) struct TextsIn {
    pub key_texts: Vec<KeyText>,
}

/// One listing line.
#[derive(Serialize)]
pub(super) struct LineOut<'a> {
    pub repo: &'a str,
    pub listing: &'a Listing,
}

#[derive(Deserialize)]
struct LineIn {
    repo: String,
    listing: Listing,
}

/// A whole format 1 or 2 file, or the first line of a later one.
#[derive(Deserialize)]
pub(super) struct FileIn {
    pub format: u32,
    #[serde(default)]
    pub repo_listings: usize,
    /// Formats 2 to 4 hold the table here; format 5 on a line of its own.
    #[serde(default)]
    pub key_texts: Vec<KeyText>,
    pub snapshot: Snapshot,
}

#[derive(Deserialize)]
pub(super) struct FormatOnly {
    pub format: u32,
}

/// The keys of some listings, mutably.
fn keys_of<'a>(
    listings: impl Iterator<Item = &'a mut Listing>,
) -> impl Iterator<Item = &'a mut AccessKey> {
    listings
        .filter_map(|l| match l {
            Listing::Keys(keys) => Some(keys),
            Listing::Failed(_) => None,
        })
        .flatten()
}

/// Every key of a snapshot, mutably.
fn keys_mut(snapshot: &mut Snapshot) -> impl Iterator<Item = &mut AccessKey> {
    keys_of(
        snapshot
            .repo_keys
            .values_mut()
            .chain(snapshot.project_keys.values_mut()),
    )
}

/// Restores the key texts of a format 2 to 4 file (format 1 held them in place; format 5
/// restores its listings as they are read). The place summaries that files written before
/// snapshots left them out still hold are not read at all.
pub(super) fn resolve(file: &mut FileIn) -> Result<(), String> {
    if (2..=4).contains(&file.format) {
        let texts = std::mem::take(&mut file.key_texts);
        return from_references(keys_mut(&mut file.snapshot), &texts);
    }
    if file.format < 2 {
        share_in_place(keys_mut(&mut file.snapshot), &[]);
    }
    Ok(())
}

/// Makes keys that hold their texts in place (format 1, and the project keys of format 5)
/// share them with each other and with `table`, as keys read through the table do.
pub(super) fn share_in_place<'a>(keys: impl Iterator<Item = &'a mut AccessKey>, table: &[KeyText]) {
    let mut texts = KeyTexts::default();
    for t in table {
        texts.intern(t.clone());
    }
    for key in keys {
        texts.share(&mut key.key);
    }
}

/// [`share_in_place`] over the project keys of a snapshot.
pub(super) fn share_project_keys(snapshot: &mut Snapshot, table: &[KeyText]) {
    share_in_place(keys_of(snapshot.project_keys.values_mut()), table);
}

/// Moves each repository key's text into a table of distinct texts and leaves `#<index>` in
/// its place; project keys, few and read with the head, keep theirs.
pub(super) fn to_references(snapshot: &mut Snapshot) -> Vec<KeyText> {
    let mut index: HashMap<KeyText, usize> = HashMap::new();
    for key in keys_of(snapshot.repo_keys.values_mut()) {
        let next = index.len();
        let at = *index.entry(std::mem::take(&mut key.key)).or_insert(next);
        key.key = format!("#{at}").into();
    }
    let mut texts = vec![KeyText::default(); index.len()];
    for (text, at) in index {
        if let Some(slot) = texts.get_mut(at) {
            *slot = text;
        }
    }
    texts
}

/// Puts the texts back in place of `#<index>`; fails on an index outside the table.
pub(super) fn from_references<'a>(
    mut keys: impl Iterator<Item = &'a mut AccessKey>,
    texts: &[KeyText],
) -> Result<(), String> {
    keys.try_for_each(|key| from_reference(key, texts))
}

/// [`from_references`] over the repository keys of a snapshot.
pub(super) fn restore_repo_keys(snapshot: &mut Snapshot, texts: &[KeyText]) -> Result<(), String> {
    from_references(keys_of(snapshot.repo_keys.values_mut()), texts)
}

/// [`from_references`] over the project keys of a snapshot.
pub(super) fn restore_project_keys(
    snapshot: &mut Snapshot,
    texts: &[KeyText],
) -> Result<(), String> {
    from_references(keys_of(snapshot.project_keys.values_mut()), texts)
}

fn from_reference(key: &mut AccessKey, texts: &[KeyText]) -> Result<(), String> {
    let Some(at) = key.key.strip_prefix('#') else {
        return Ok(());
    };
    let text = at
        .parse::<usize>()
        .ok()
        .and_then(|at| texts.get(at))
        .ok_or_else(|| format!("key {} refers to a key text it does not hold", key.id))?;
    // A clone of the table's text: every grant of the key shares one allocation.
    key.key = text.clone();
    Ok(())
}

/// The repository listings of a format 3 to 5 file: `lines` after the head (and, in format 5,
/// the texts), `expected` of them, the first on line `first`. A large file is split at a line
/// break near its middle and its halves are parsed side by side; with `texts`, each half
/// restores its own key texts while it is still hot in the cache.
pub(super) fn read_listings(
    lines: &[u8],
    first: usize,
    expected: usize,
    texts: Option<&[KeyText]>,
) -> Result<BTreeMap<String, Listing>, String> {
    let middle = lines.len() / 2;
    let cut = lines[middle..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(lines.len(), |at| middle + at + 1);
    let (front, back) = lines.split_at(cut);
    let back_first = first + front.iter().filter(|&&b| b == b'\n').count();
    let (front, back) = std::thread::scope(|scope| {
        let back = scope.spawn(|| parse_lines(back, back_first, texts));
        let front = parse_lines(front, first, texts);
        (front, back.join())
    });
    let back = back.map_err(|_| "a listing could not be read".to_string())??;
    let mut listings = BTreeMap::new();
    for (repo, listing) in front?.into_iter().chain(back) {
        if listings.insert(repo.clone(), listing).is_some() {
            return Err(format!("it lists repository {repo:?} twice"));
        }
    }
    if listings.len() != expected {
        return Err(format!(
            "it holds {} of its {expected} repository listings",
            listings.len()
        ));
    }
    Ok(listings)
}

/// Each non-blank line of `part` as one repository's listing; `first` is the file's line
/// number of the first.
fn parse_lines(
    part: &[u8],
    first: usize,
    texts: Option<&[KeyText]>,
) -> Result<Vec<(String, Listing)>, String> {
    part.split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .map(|(i, line)| {
            let mut l = serde_json::from_slice::<LineIn>(line)
                .map_err(|e| format!("line {}: {e}", first + i))?;
            if let Some(texts) = texts {
                from_references(keys_of(std::iter::once(&mut l.listing)), texts)?;
            }
            Ok((l.repo, l.listing))
        })
        .collect()
}
