//! Integration tests, one binary (each test binary links separately, which is slow on 2 cores).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod demo;
