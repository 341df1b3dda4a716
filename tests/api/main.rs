//! Integration tests: the real app on a free port, a fresh database per test.
//! One binary, so the crate is linked once.

mod db_proxy;
mod health;
mod helpers;
mod pages;
mod schema;
