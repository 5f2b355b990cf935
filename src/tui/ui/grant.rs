//! How a grant's permission and expiry read in the keys pane and the detail, on forges that
//! have them (Data Center); Cloud shows neither.

use crate::forge::Permission;
use crate::tui::state::{ForgeFacts, KeyView};

/// `R` or `W`, the permission column of the keys pane.
pub fn letter(p: Permission) -> &'static str {
    match p {
        Permission::Read => "R",
        Permission::Write => "W",
    }
}

/// `expires in 6 days` or `expired 2025-03-01`; `None` for a key that never expires (or
/// whose creation date is unknown), and on forges without expiry.
pub fn expiry(forge: &ForgeFacts, key: &KeyView) -> Option<String> {
    let at = key.expires.filter(|_| forge.caps.expiry)?;
    Some(crate::ops::expiry::describe(Some(at), forge.now))
}

/// Whether the expiry has passed: drawn as an error.
pub fn expired(forge: &ForgeFacts, key: &KeyView) -> bool {
    forge.caps.expiry && key.expires.is_some_and(|at| at <= forge.now)
}
