//! Keys as code from the command line: `export`, `plan` and `apply` of a declared set of access
//! keys in TOML (see docs/keys-as-code.md).

mod apply;
mod export;
mod plan;

pub use apply::{ApplyArgs, apply};
pub use export::{ExportArgs, export};
pub use plan::{PlanArgs, plan};
