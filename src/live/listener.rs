//! The instance's one `LISTEN` connection. It hands every notification to the hub; when the
//! connection is lost it connects again (waiting longer each time it fails, at most
//! `MAX_BACKOFF`) and, once listening again, tells every stream to resync: whatever was
//! sent while it was away is gone.
//!
//! It connects with its own URL (`DATABASE_DIRECT_URL`, else `DATABASE_URL`): a transaction
//! pooler cannot hold a LISTEN, so behind one this must be a direct connection.

use std::{sync::Arc, time::Duration};

use sqlx::postgres::PgListener;

use super::hub::Hub;

/// The channel the triggers notify on.
pub const CHANNEL: &str = "tasklist_events";

const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Listens until the process ends.
pub async fn run(url: String, hub: Arc<Hub>) {
    let mut backoff = FIRST_BACKOFF;
    let mut connected_before = false;
    loop {
        match listen(&url).await {
            Ok(mut listener) => {
                if connected_before {
                    tracing::info!("live updates: listening again; every open page resyncs");
                }
                backoff = FIRST_BACKOFF;
                connected_before = true;
                // Anything sent before this LISTEN began was not heard.
                hub.resync_all();
                receive(&mut listener, &hub).await;
            }
            Err(err) => {
                tracing::warn!(error = %err, retry_in_ms = backoff.as_millis() as u64,
                    "live updates: cannot listen");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn listen(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Hands on notifications until the connection is lost. Never `recv()`: it reconnects
/// silently and would lose what was sent in the gap without anyone knowing.
async fn receive(listener: &mut PgListener, hub: &Hub) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => hub.dispatch(notification.payload()),
            Ok(None) => {
                tracing::warn!("live updates: the LISTEN connection was lost");
                return;
            }
            Err(err) => {
                tracing::warn!(error = %err, "live updates: the LISTEN connection failed");
                return;
            }
        }
    }
}
