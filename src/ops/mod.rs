//! Domain operations shared by the TUI and the CLI (one implementation for both).

pub mod audit;
pub mod bulk;
pub mod desired;
pub mod doctor;
pub mod edits;
pub mod expiry;
pub mod find;
pub mod keyops;
pub mod listing;
pub mod policy;
pub mod query;
pub mod scan;
