//! Credentials beyond the config file: the token store (OS keyring) and the
//! `auth login`/`logout` flows that verify a token and put it there.

pub mod config_file;
pub mod login;
pub mod login_dc;
pub mod store;
