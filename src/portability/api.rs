//! The account page's word on an upload: how many tasks it added, from the server's own
//! record (a one-minute cookie set by the upload's answer, `routes::import`), never from the
//! URL, which anyone can write into a link.

use leptos::prelude::*;

use crate::error::AppError;

/// The name of the cookie that carries an upload's count to the page.
#[cfg(feature = "ssr")]
pub const IMPORTED_COOKIE: &str = "imported";

/// How many tasks this browser's last upload added, once (reading it clears it).
#[server(prefix = "/api", endpoint = "take_import_result")]
pub async fn take_import_result() -> Result<Option<u64>, AppError> {
    Ok(crate::once_cookie::take(IMPORTED_COOKIE, |v| {
        v.len() <= 20 && v.parse::<u64>().is_ok()
    })
    .and_then(|v| v.parse().ok()))
}
