//! `GET /healthz`: 200 when the database answers, 503 when it does not. Load balancers and
//! the test harness use it; it never needs a restart to turn green again, because the pool
//! checks connections before handing them out.

use std::time::Duration;

use axum::{extract::State, http::StatusCode, response::IntoResponse};
use sqlx::PgPool;

const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz(State(pool): State<PgPool>) -> impl IntoResponse {
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
