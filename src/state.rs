//! What every handler and server function shares: `AppState`, and `app_state()` to reach it
//! from a server function. It lies below every capability (auth, tasks) and above the
//! services it holds, so none of them has to import the server's start-up to find it.

use std::{sync::Arc, time::Duration};

use axum::extract::FromRef;
use leptos::{config::LeptosOptions, prelude::use_context};
use sqlx::PgPool;

use crate::{
    admission::Gate,
    auth::{password::Passwords, throttle},
    client::TrustedProxies,
    config::Quotas,
    error::AppError,
    health::Draining,
    live::hub::Hub,
    security::SiteSecurity,
    tokens::limits::{ApiLimits, BadTokenLimits},
};

/// Shared by every handler and, through Leptos context, every server function.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub passwords: Passwords,
    pub sessions: SessionSettings,
    pub limits: throttle::Limits,
    pub site: SiteSecurity,
    pub trusted_proxies: TrustedProxies,
    pub quotas: Quotas,
    /// The open live streams of this instance.
    pub live: Arc<Hub>,
    /// Requests per API token on this instance.
    pub api_limits: Arc<ApiLimits>,
    /// Unknown tokens presented per client address on this instance.
    pub bad_tokens: Arc<BadTokenLimits>,
    /// Set while this instance drains before it stops (`/healthz` answers 503).
    pub draining: Draining,
    /// Imports running at once (each holds its file and its tasks in memory).
    #[from_ref(skip)]
    pub imports: Gate,
    /// Exports streaming at once.
    #[from_ref(skip)]
    pub exports: Gate,
}

/// The state of this request's server, from the Leptos context (`startup` provides it).
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

/// How long sessions live and how their cookie is sent.
#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// A session unused this long is over (default 7 days).
    pub idle: Duration,
    /// A session is over this long after sign-in, however busy (default 30 days).
    pub absolute: Duration,
    /// Send the cookie only over HTTPS (when the site is served over HTTPS).
    pub secure: bool,
}

impl SessionSettings {
    pub fn cookie_name(&self) -> &'static str {
        // `__Host-` makes the browser insist on Secure, Path=/ and no Domain.
        if self.secure {
            "__Host-session"
        } else {
            "session"
        }
    }
}
