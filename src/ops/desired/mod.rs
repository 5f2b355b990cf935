//! Keys as code: a declared set of access keys, read from a TOML file and checked before any
//! request is made.
//!
//! Identity is the fingerprint, never the key text or the label, so a comment the forge drops
//! can never show up as drift. There is no state file: the forge is the state.

pub mod apply;
pub mod export;
pub mod file;
pub mod glob;
mod observe;
pub mod plan;
pub mod read;

pub use apply::{
    Applicable, ApplyRefusal, PermissionChange, set_permissions, to_applicable, to_bulk_plan,
};
pub use export::export_keys_file;
pub use file::{DeclaredKey, FileError, KeysFile, Location, Prune, Selector, parse_keys_file};
pub use glob::Glob;
pub use plan::{DesiredChange, DesiredPlan, Observed, RelabelMethod, plan_desired};
pub use read::observe_touched;

#[cfg(test)]
mod apply_tests;
#[cfg(test)]
mod plan_tests;
#[cfg(test)]
mod tests;
