//! Integration tests: the real app on a free port, a fresh database per test.
//! One binary, so the crate is linked once.

mod abuse;
mod access;
mod accounts;
mod api_v1;
mod compat;
mod db_proxy;
mod errors_and_headers;
mod health;
#[allow(dead_code)] // not every test binary module uses every helper
mod helpers;
mod limits;
mod list;
mod live;
mod operations;
mod pages;
mod plans;
mod portability;
mod readme;
mod schema;
mod sessions;
mod statements;
mod task_fields;
mod tasks;
mod throttling;
mod time;
mod without_javascript;
