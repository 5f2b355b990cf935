//! Why a key operation did not complete, as `update()` receives it: a sentence, and the
//! forge's error behind it so its kind can be told apart.

use crate::forge::ForgeError;

/// Why a key operation did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpFailure {
    /// The sentence.
    pub sentence: String,
    /// The journal entry stays pending (the key may be missing until recovered).
    pub pending: bool,
    /// The forge's error behind it, when the forge failed (not the journal or the input).
    pub cause: Option<ForgeError>,
}

impl OpFailure {
    /// A failure of the forge: its sentence, and the error for `update()` to tell kinds apart.
    pub fn of_forge(e: &ForgeError) -> OpFailure {
        OpFailure {
            sentence: e.to_string(),
            pending: false,
            cause: Some(e.clone()),
        }
    }

    /// A failure that is not the forge's (the journal, a local file), as its sentence.
    pub fn local(sentence: impl Into<String>) -> OpFailure {
        OpFailure {
            sentence: sentence.into(),
            pending: false,
            cause: None,
        }
    }
}

/// Reads as its sentence, which is what the screen shows.
impl std::fmt::Display for OpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.sentence)
    }
}
