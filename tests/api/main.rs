//! Integration tests: the real app on a free port, a fresh database per test.
//! One binary, so the crate is linked once.

mod abuse;
mod auth;
mod db_proxy;
mod health;
#[allow(dead_code)] // not every test binary module uses every helper
mod helpers;
mod organise;
mod pages;
mod schema;
mod statements;
mod tasks;
