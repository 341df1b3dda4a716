//! [ssr] A value for the next page this browser loads, read once: a one-minute `HttpOnly`,
//! `SameSite=Strict` cookie (`__Host-` and `Secure` over HTTPS) that the page's server
//! function takes and clears. What a plain form post's answer hands to the page it
//! redirects to (a token just made, how many tasks an upload added) without the URL, which
//! anyone can write, and without storing anything on the server.

use http::{header, HeaderValue};
use leptos::prelude::use_context;

fn secure() -> bool {
    crate::state::app_state().is_ok_and(|s| s.sessions.secure)
}

fn cookie_name(name: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{name}")
    } else {
        name.to_owned()
    }
}

/// The `Set-Cookie` value that keeps `value` under `name` (an empty value clears it).
pub fn header(name: &str, value: &str, secure: bool) -> Option<HeaderValue> {
    let max_age = if value.is_empty() { 0 } else { 60 };
    let attributes = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{attributes}",
        cookie_name(name, secure)
    ))
    .ok()
}

fn respond_with(name: &str, value: &str) {
    if let (Some(res), Some(header)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        header(name, value, secure()),
    ) {
        res.append_header(header::SET_COOKIE, header);
    }
}

/// From a server function: keeps `value` for the next page.
pub fn keep(name: &str, value: &str) {
    respond_with(name, value);
}

/// From a server function: the value kept under `name`, if `accept` takes it; the browser
/// is told to forget it.
pub fn take(name: &str, accept: impl Fn(&str) -> bool) -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    let prefix = format!("{}=", cookie_name(name, secure()));
    let value = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .find_map(|c| c.strip_prefix(prefix.as_str()))
        .filter(|v| accept(v))?
        .to_owned();
    respond_with(name, "");
    Some(value)
}
