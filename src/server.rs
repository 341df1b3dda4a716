//! Helpers that every server function shares: the app state, the client's address, and
//! `finish`, which turns an error into the right answer for the kind of caller.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::{auth::session::current_session, error::AppError, forms::FormFlash, startup::AppState};

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

/// The address of the peer that sent the request.
pub async fn client_address() -> IpAddr {
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| {
            addr.ip()
        })
}

/// True for a plain HTML form post (JavaScript off): the browser wants a page back, and
/// leptos_axum answers it with a redirect to the page the form was on.
fn is_plain_form_post() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
}

/// Ends a server function. On error: a hydrated caller gets the matching HTTP status; a plain
/// form post is redirected back to its page, so the error and what was typed (never a
/// password) are kept in the session for that page to show once.
pub async fn finish<T>(
    form: &str,
    values: &[(&str, &str)],
    result: Result<T, AppError>,
) -> Result<T, AppError> {
    if let Err(error) = &result {
        if is_plain_form_post() {
            if let Ok(session) = current_session().await {
                let flash = FormFlash {
                    form: form.to_owned(),
                    error: error.clone(),
                    values: values
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect(),
                };
                if let Err(err) = session.insert(FormFlash::SESSION_KEY, flash).await {
                    tracing::warn!(error = %err, "could not keep a form error for the next page");
                }
            }
        } else if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(error.status_code());
        }
    }
    result
}

