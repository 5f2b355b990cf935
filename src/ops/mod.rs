//! Domain operations shared by the TUI and the CLI (one implementation for both).

pub mod bulk;
pub mod doctor;
pub mod keyops;
pub mod scan;
