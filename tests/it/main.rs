#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests: one binary, one module per area.

mod audit;
mod auth;
mod bulk_cli;
mod cli;
mod client;
mod common;
mod contract;
mod crash;
mod demo;
mod readme;
mod sshkey;
mod tui_bulk;
mod tui_e2e;
mod tui_flow;
mod tui_harness;
mod tui_readme;
