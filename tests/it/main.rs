#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests: one binary, one module per area.

mod audit;
mod auth;
mod bad_input;
mod bulk_cli;
mod cli;
mod client;
mod common;
mod contract;
mod crash;
mod datacenter;
mod demo;
mod faults;
mod forge_cloud;
mod perf;
mod props;
mod readme;
mod secrets;
mod sshkey;
mod terminal;
mod tui_bulk;
mod tui_e2e;
mod tui_flow;
mod tui_harness;
mod tui_insight_flow;
mod tui_readme;
