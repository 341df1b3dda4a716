//! A person's data out and back in: the export (every task with its tags, as JSON in the
//! API's own shapes or as CSV, streamed a page at a time) and the import (that JSON or CSV,
//! or a CSV in the columns other task apps export), all or nothing. Used by the JSON API
//! (`/api/v1/export`, `/api/v1/import`) and the account page (`/account/export`,
//! `/account/import`, `routes`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod import;
#[cfg(feature = "ssr")]
pub mod routes;

#[cfg(feature = "ssr")]
mod csv_lines;
#[cfg(feature = "ssr")]
mod files;
#[cfg(feature = "ssr")]
mod lenient;

#[cfg(feature = "ssr")]
pub use files::{csv_text_in, csv_text_out, Format, RowError};
