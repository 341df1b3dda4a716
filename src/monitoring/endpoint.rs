//! `/metrics` on its own address: the counts of `monitoring`, and the gauges read at scrape
//! time from the pool, the live streams and the password threads.

use std::net::SocketAddr;

use axum::{extract::State, response::IntoResponse, routing::get, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::{auth::password::Passwords, live::hub::Hub};

/// What `/metrics` reads at scrape time.
#[derive(Clone)]
pub struct Gauges {
    pub pool: PgPool,
    pub live: std::sync::Arc<Hub>,
    pub passwords: Passwords,
    pub handle: PrometheusHandle,
}

/// Binds `addr` and serves `GET /metrics` there until the task is aborted.
pub async fn serve(
    addr: SocketAddr,
    gauges: Gauges,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = Router::new()
        .route("/metrics", get(render))
        .with_state(gauges);
    let task = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!(error = %err, "the metrics server stopped");
        }
    });
    Ok((bound, task))
}

async fn render(State(g): State<Gauges>) -> impl IntoResponse {
    let max = g.pool.options().get_max_connections();
    let size = g.pool.size();
    let idle = u32::try_from(g.pool.num_idle()).unwrap_or(u32::MAX);
    metrics::gauge!("db_pool_max_connections").set(f64::from(max));
    metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("db_pool_connections", "state" => "in_use")
        .set(f64::from(size.saturating_sub(idle)));
    metrics::gauge!("live_streams_open").set(g.live.open_streams() as f64);
    metrics::gauge!("password_checks_in_progress").set(g.passwords.in_progress() as f64);
    (
        [(
            http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        g.handle.render(),
    )
}
