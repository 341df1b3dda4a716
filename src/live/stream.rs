//! `GET /api/events`: a signed-in page's stream of changes, as Server-Sent Events.
//!
//! Each event's data is one `Change` as JSON; the first is always `Resync`. The stream ends
//! when its session does (sign-out, a password change, account deletion, expiry: checked
//! when the database says one of the person's sessions ended, and every `CHECK_EVERY`), when
//! the server shuts down, and after `MAX_AGE` in any case (the browser connects again at
//! once, which checks the session as any request does). A comment every `KEEP_ALIVE` keeps
//! proxies from closing a quiet stream.

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use futures::{stream, Stream};
use sqlx::PgPool;
use tokio::sync::broadcast::error::RecvError;
use tower_sessions::{session::Id, Session};
use uuid::Uuid;

use super::{
    hub::{Refused, Signal, Subscription},
    Change,
};
use crate::{
    auth::session::{signed_in, still_signed_in},
    error::AppError,
    state::AppState,
};

const CHECK_EVERY: Duration = Duration::from_secs(60);
const MAX_AGE: Duration = Duration::from_secs(15 * 60);
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How soon the browser connects again after a stream ends (the `retry` field).
const RETRY: Duration = Duration::from_secs(1);

pub async fn events(
    State(state): State<AppState>,
    parts: http::request::Parts,
    session: Session,
) -> Response {
    let (user, epoch) = match signed_in(&session, &state.sessions).await {
        Ok(Some(found)) => found,
        Ok(None) => return AppError::Unauthorized.into_response(),
        Err(err) => return err.into_response(),
    };
    let Some(session_id) = session.id() else {
        return AppError::Unauthorized.into_response();
    };
    // Counted by client address too (behind `TRUSTED_PROXIES`, the address it forwards for).
    let address = state
        .trusted_proxies
        .rate_key(&parts.extensions, &parts.headers);
    let subscription = match state.live.subscribe(user.id, address) {
        Ok(subscription) => subscription,
        Err(refused) => {
            tracing::warn!(?refused, "live stream refused");
            return match refused {
                Refused::UserFull | Refused::AddressFull => {
                    AppError::TooManyRequests.into_response()
                }
                Refused::Full => AppError::Unavailable.into_response(),
            };
        }
    };
    let open = Open {
        subscription,
        pool: state.pool.clone(),
        session_id,
        user: user.id,
        epoch,
        check: tokio::time::interval_at(tokio::time::Instant::now() + CHECK_EVERY, CHECK_EVERY),
        ends: tokio::time::Instant::now() + MAX_AGE,
        started: false,
    };
    let mut res = Sse::new(changes(open))
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    let headers = res.headers_mut();
    headers.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    // nginx would otherwise hold the stream back in its buffers.
    headers.insert("x-accel-buffering", http::HeaderValue::from_static("no"));
    res
}

/// One open stream's state.
struct Open {
    subscription: Subscription,
    pool: PgPool,
    session_id: Id,
    user: Uuid,
    epoch: i32,
    check: tokio::time::Interval,
    ends: tokio::time::Instant,
    started: bool,
}

impl Open {
    /// Whether the session is still signed in. A database that cannot answer keeps the
    /// stream open: it is asked again at the next check.
    async fn signed_in(&self) -> bool {
        match still_signed_in(&self.pool, &self.session_id, self.user, self.epoch).await {
            Ok(alive) => alive,
            Err(err) => {
                tracing::warn!(error = %err, "live stream: could not check its session");
                true
            }
        }
    }

    /// The next change to send, or `None` when the stream ends.
    async fn next(&mut self) -> Option<Change> {
        if !self.started {
            self.started = true;
            return Some(Change::Resync);
        }
        loop {
            let check = tokio::select! {
                signal = self.subscription.signals.recv() => match signal {
                    Ok(Signal::Change(change)) => return Some(change),
                    Ok(Signal::Session) => true,
                    Err(RecvError::Lagged(_)) => return Some(Change::Resync),
                    Err(RecvError::Closed) => return None,
                },
                _ = self.check.tick() => true,
                _ = self.subscription.closing.wait_for(|closing| *closing) => return None,
                _ = tokio::time::sleep_until(self.ends) => return None,
            };
            if check && !self.signed_in().await {
                return None;
            }
        }
    }
}

fn changes(open: Open) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(open, |mut open| async move {
        let first = !open.started;
        let change = open.next().await?;
        let data = serde_json::to_string(&change).unwrap_or_default();
        let mut event = Event::default().data(data);
        if first {
            event = event.retry(RETRY);
        }
        Some((Ok(event), open))
    })
}
