//! The text of an access key, shared between every grant of the same key.
//!
//! A deploy key usually sits on many repositories, and its text runs to 700 characters for an
//! RSA 4096 key: a 50,000-repository workspace of about a hundred distinct keys held 150,000
//! copies of a hundred texts, most of a loaded scan's memory (issue 21). [`KeyText`] is one
//! reference-counted text; [`KeyTexts`] hands out one per distinct text, so equal texts share
//! a single allocation. On the wire and in every file it is a plain JSON string.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use rustc_hash::FxHashSet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An access key's text (`<type> <base64>`), cheap to clone: clones share one allocation.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyText(Arc<str>);

impl KeyText {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address of the shared allocation: equal for every clone, so a memo can know a text
    /// it has seen without hashing or comparing its hundreds of bytes.
    pub fn address(&self) -> usize {
        self.0.as_ptr() as usize
    }

    /// Whether `self` and `other` are one allocation (not merely equal texts).
    pub fn shares_with(&self, other: &KeyText) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Default for KeyText {
    fn default() -> Self {
        KeyText(Arc::from(""))
    }
}

impl Deref for KeyText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for KeyText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for KeyText {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for KeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for KeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for KeyText {
    fn from(s: String) -> Self {
        KeyText(Arc::from(s))
    }
}

impl From<&str> for KeyText {
    fn from(s: &str) -> Self {
        KeyText(Arc::from(s))
    }
}

impl From<&String> for KeyText {
    fn from(s: &String) -> Self {
        KeyText(Arc::from(s.as_str()))
    }
}

impl From<KeyText> for String {
    fn from(k: KeyText) -> String {
        k.0.to_string()
    }
}

impl PartialEq<str> for KeyText {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for KeyText {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for KeyText {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<KeyText> for String {
    fn eq(&self, other: &KeyText) -> bool {
        **self == *other.0
    }
}

impl PartialEq<KeyText> for &str {
    fn eq(&self, other: &KeyText) -> bool {
        **self == *other.0
    }
}

impl Serialize for KeyText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key text")
            }
            // Borrowed or not, the text is copied once, straight into its shared allocation.
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText::from(v))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<KeyText, E> {
                Ok(KeyText::from(v))
            }
        }
        d.deserialize_str(Text)
    }
}

/// Hands out one [`KeyText`] per distinct text, so every grant of a key shares its text.
#[derive(Debug, Default)]
pub struct KeyTexts(FxHashSet<KeyText>);

impl KeyTexts {
    /// The shared text equal to `text`: the one seen first.
    pub fn intern(&mut self, text: KeyText) -> KeyText {
        match self.0.get(text.as_str()) {
            Some(seen) => seen.clone(),
            None => {
                self.0.insert(text.clone());
                text
            }
        }
    }

    /// Makes `text` the shared one, in place.
    pub fn share(&mut self, text: &mut KeyText) {
        if let Some(seen) = self.0.get(text.as_str()) {
            if !seen.shares_with(text) {
                *text = seen.clone();
            }
        } else {
            self.0.insert(text.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_text_is_a_plain_string_in_json() {
        let t = KeyText::from("ssh-ed25519 AAAA");
        assert_eq!(serde_json::to_string(&t).unwrap(), r#""ssh-ed25519 AAAA""#);
        let back: KeyText = serde_json::from_str(r#""ssh-ed25519 A\u0041AA""#).unwrap();
        assert_eq!(back, "ssh-ed25519 AAAA");
        assert!(serde_json::from_str::<KeyText>("12").is_err());
    }

    #[test]
    fn equal_texts_interned_share_one_allocation() {
        let mut texts = KeyTexts::default();
        let a = texts.intern(KeyText::from("ssh-ed25519 AAAA"));
        let mut b = KeyText::from(String::from("ssh-ed25519 AAAA"));
        assert!(!a.shares_with(&b));
        texts.share(&mut b);
        assert!(a.shares_with(&b));
        let other = texts.intern(KeyText::from("ssh-rsa BBBB"));
        assert!(!other.shares_with(&a));
        assert_eq!(
            format!("{a:?} {other}"),
            r#""ssh-ed25519 AAAA" ssh-rsa BBBB"#
        );
    }
}
