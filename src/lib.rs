//! A multi-user task list: Leptos pages rendered on the server and hydrated in the browser,
//! with server functions reading and writing PostgreSQL.
//!
//! Shared modules (compiled for the server and for the browser) hold the views, DTOs,
//! validating newtypes, the error type and the server-function signatures. Everything that
//! touches sqlx or axum sits behind the `ssr` feature.

#[cfg(feature = "ssr")]
pub mod admission;
#[cfg(feature = "ssr")]
pub mod api_v1;
pub mod app;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod client;
pub mod error;
pub mod forms;
pub mod live;
pub mod paging;
pub mod portability;
pub mod tags;
pub mod tasks;
pub mod text;
pub mod theme;
pub mod tokens;
pub mod urls;
pub mod work;
pub mod zone;

#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod health;
#[cfg(feature = "ssr")]
pub mod monitoring;
#[cfg(feature = "ssr")]
pub mod once_cookie;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod serve;
#[cfg(feature = "ssr")]
pub mod startup;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod telemetry;

/// Entry point of the browser build: attaches the server-rendered page to the reactive app.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // `hydrate_lazy`: a lazy route (app.rs) first loads its WASM file, then hydrates.
    leptos::mount::hydrate_lazy(app::App);
}
