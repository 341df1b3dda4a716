//! `GET /healthz`: 200 when the database answers, 503 when it does not, and 503 while the
//! instance drains before it stops (`Draining`). Load balancers and the test harness use it;
//! it never needs a restart to turn green again, because the pool checks connections before
//! handing them out.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use axum::{extract::State, http::StatusCode, response::IntoResponse};
use sqlx::PgPool;

const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Set once this instance has been told to stop: it still serves every request, but tells
/// the load balancer to send no more (`SHUTDOWN_DRAIN_SECS`).
#[derive(Clone, Debug, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_on(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

pub async fn healthz(
    State(pool): State<PgPool>,
    State(draining): State<Draining>,
) -> impl IntoResponse {
    if draining.is_on() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining\n");
    }
    let check = sqlx::query_scalar!(r#"select 1 as "one!""#).fetch_one(&pool);
    match tokio::time::timeout(DATABASE_CHECK_TIMEOUT, check).await {
        Ok(Ok(_)) => (StatusCode::OK, "ok\n"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
        Err(_) => {
            tracing::warn!("health check: database did not answer in time");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}
