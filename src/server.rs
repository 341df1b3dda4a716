//! Helpers that every server function shares: the app state, the client's address, and
//! `finish`, which turns an error into the right answer for the kind of caller.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use leptos::prelude::*;

use crate::{
    client::RateKey,
    error::AppError,
    forms::{self, FormFlash},
    startup::AppState,
};

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

/// What this request's client is counted under by the rate limits: its address (the
/// socket's, or behind a trusted proxy the one `X-Forwarded-For` names; see `client`), an
/// IPv6 one as its /64.
pub async fn client_address() -> RateKey {
    let peer = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| {
            addr.ip()
        });
    let ip = match (app_state(), use_context::<http::request::Parts>()) {
        (Ok(state), Some(parts)) => state.trusted_proxies.client_ip(peer, &parts.headers),
        _ => peer,
    };
    RateKey::of(ip)
}

/// True for a plain HTML form post (JavaScript off): the browser wants a page back, and
/// leptos_axum answers it with a redirect to the page the form was on.
pub fn is_plain_form_post() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
}

/// Ends a server function. On error, a plain form post (JavaScript off) is redirected back
/// to its page, so the error and what was typed (never a password), cut to each field's
/// limit, are kept in a short-lived cookie for that page to show once (`forms::keep`):
/// nothing is stored on the server for a refused request. (A hydrated caller gets the
/// error's own HTTP status from `error::server_fn_error_status`.)
pub async fn finish<T>(
    form: &str,
    values: &[(&str, &str)],
    result: Result<T, AppError>,
) -> Result<T, AppError> {
    if let Err(error) = &result {
        if is_plain_form_post() {
            forms::keep(FormFlash::new(form, error.clone(), values));
        }
    }
    result
}

/// For a plain form post (JavaScript off): redirect back to the page the form was on, less
/// the query parameters in `drop` (e.g. `edit` once an edit is saved). Only a path on this
/// site is followed; anything else goes to `/`. Hydrated callers stay where they are.
pub fn redirect_back(drop: &[&str]) {
    if !is_plain_form_post() {
        return;
    }
    let referer = use_context::<http::request::Parts>()
        .and_then(|parts| parts.headers.get(http::header::REFERER).cloned())
        .and_then(|v| v.to_str().ok().map(str::to_owned))
        .unwrap_or_default();
    leptos_axum::redirect(&back_path(&referer, drop));
}

/// The path and query of `referer`, without the parameters in `drop`.
fn back_path(referer: &str, drop: &[&str]) -> String {
    let path = match referer.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => referer,
    };
    let path = crate::auth::safe_next(Some(path));
    let Some((base, query)) = path.split_once('?') else {
        return path;
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            !pair.is_empty() && !drop.contains(&name)
        })
        .collect();
    if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::back_path;

    #[test]
    fn back_path_keeps_the_page_and_drops_what_it_is_told() {
        assert_eq!(
            back_path("http://127.0.0.1:3000/?filter=active&edit=4", &["edit"]),
            "/?filter=active"
        );
        assert_eq!(back_path("http://h/?edit=4", &["edit"]), "/");
        assert_eq!(back_path("http://h/account", &["edit"]), "/account");
        assert_eq!(back_path("http://h", &[]), "/");
    }

    #[test]
    fn back_path_never_leaves_the_site() {
        assert_eq!(back_path("//evil.com/x", &[]), "/");
        assert_eq!(back_path("", &[]), "/");
        assert_eq!(back_path("https://evil.com//evil.org", &[]), "/");
    }
}
