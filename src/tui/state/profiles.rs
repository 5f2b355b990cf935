//! The profiles of the config file, as `P` lists them (issue 17: Cloud and Data Center side
//! by side). Plain data; the composition root fills it and opens the one chosen.

use crate::forge::ForgeKind;

/// A profile `P` offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileChoice {
    /// The profile's name in the config file.
    pub name: String,
    /// The forge it names.
    pub forge: ForgeKind,
    /// The profile in use.
    pub current: bool,
}

/// The `P` dialog: the profiles and the highlighted one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfilePicker {
    /// Every profile, in the config's order.
    pub choices: Vec<ProfileChoice>,
    /// The highlighted row.
    pub cursor: usize,
}
