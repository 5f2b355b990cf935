//! bbkeys: a terminal UI and CLI for Bitbucket Cloud repository and project access keys.
#![forbid(unsafe_code)]

pub mod bitbucket;
pub mod cli;
pub mod config;
pub mod demo;
pub mod ops;
pub mod paths;
pub mod sanitize;
pub mod sshkey;
pub mod tui;
