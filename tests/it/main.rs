#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests: one binary, one module per area.

mod audit;
mod auth;
mod cli;
mod client;
mod common;
mod contract;
mod demo;
mod perf;
mod readme;
mod sshkey;
mod tui_e2e;
mod tui_flow;
