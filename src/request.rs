//! What a server function learns about the request it serves, beyond its arguments: its
//! session, the client's address, and whether it is a plain form post. Below every
//! capability; `auth::session` builds the caller on top of it.

use std::net::{IpAddr, Ipv4Addr};

use leptos::prelude::*;
use tower_sessions::Session;

use crate::{client::RateKey, error::AppError, state::app_state, urls};

/// The session of the current request (loaded from the store at most once per request,
/// however many server functions ask).
pub async fn current_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|err| {
        tracing::error!(error = %err, "no session layer");
        AppError::Internal
    })
}

/// What this request's client is counted under by the rate limits: its address (the
/// socket's, or behind a trusted proxy the one `X-Forwarded-For` names; see `client`), an
/// IPv6 one as its /64.
pub async fn client_address() -> RateKey {
    match (app_state(), use_context::<http::request::Parts>()) {
        (Ok(state), Some(parts)) => state
            .trusted_proxies
            .rate_key(&parts.extensions, &parts.headers),
        _ => RateKey::of(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
    }
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
    leptos_axum::redirect(&urls::back_path(&referer, drop));
}
