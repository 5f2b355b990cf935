//! bbkeys: a terminal UI and CLI for Bitbucket Cloud repository and project access keys.
#![forbid(unsafe_code)]
// ApiError carries the scope detail a person needs to act; it is built once per failed call,
// so its size does not matter and boxing would only hide the fields.
#![allow(clippy::result_large_err)]

pub mod bitbucket;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod datacenter;
pub mod demo;
pub mod fold;
pub mod forge;
pub mod journal;
pub mod ops;
pub mod paths;
pub mod sanitize;
pub mod sshkey;
pub mod store;
pub mod tui;
