//! Server-side sessions in PostgreSQL (tower-sessions and its PostgreSQL store), and the one
//! helper every server function uses to learn who is calling: `require_user`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_sessions::{
    cookie::{time, SameSite},
    session::{Id, Record},
    session_store::{self, SessionStore},
    Expiry, Session, SessionManagerLayer,
};
use tower_sessions_sqlx_store::PostgresStore;
use uuid::Uuid;

use super::{db, User};
use crate::{error::AppError, server::app_state};

const AUTH_KEY: &str = "auth";

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

/// What a signed-in session holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct SessionUser {
    user_id: Uuid,
    /// Must equal `users.session_epoch`; a password change moves that on.
    epoch: i32,
    signed_in_at: u64,
    seen_at: u64,
}

/// The PostgreSQL session store, except that saving a session that already exists only
/// updates its row. The store's own save is an upsert: a request that loaded the session
/// before sign-out (or a password change, or expiry) deleted its row, and saved it afterwards
/// (the seen-at refresh), would bring the sign-in back. Here it finds no row and writes none.
#[derive(Clone, Debug)]
pub struct Store {
    inner: PostgresStore,
    pool: PgPool,
}

impl Store {
    /// The store on `pool`, in the `tower_sessions.session` table the inner store migrates.
    pub fn new(pool: PgPool) -> Self {
        Self {
            inner: PostgresStore::new(pool.clone()),
            pool,
        }
    }

    /// The inner store: its migrations and its deletion of expired rows.
    pub fn postgres(&self) -> &PostgresStore {
        &self.inner
    }
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.inner.create(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = rmp_serde::to_vec(record)
            .map_err(|err| session_store::Error::Encode(err.to_string()))?;
        // The store's own table; not a `query!`: our migrations do not create it.
        sqlx::query(
            r#"update tower_sessions.session set data = $2, expiry_date = $3 where id = $1"#,
        )
        .bind(record.id.to_string())
        .bind(data)
        .bind(record.expiry_date)
        .execute(&self.pool)
        .await
        .map_err(|err| session_store::Error::Backend(err.to_string()))?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.inner.load(id).await
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.inner.delete(id).await
    }
}

pub fn layer(store: Store, settings: &SessionSettings) -> SessionManagerLayer<Store> {
    let idle = time::Duration::try_from(settings.idle).unwrap_or(time::Duration::days(7));
    SessionManagerLayer::new(store)
        .with_name(settings.cookie_name())
        .with_secure(settings.secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn store_error(err: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %err, "session store error");
    AppError::Unavailable
}

/// The session of the current request.
pub async fn current_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|err| {
        tracing::error!(error = %err, "no session layer");
        AppError::Internal
    })
}

/// The signed-in user, or `None`. A session whose user is gone, whose epoch is stale (the
/// password changed elsewhere) or that outlived its absolute lifetime is ended here.
pub async fn current_user() -> Result<Option<User>, AppError> {
    let state = app_state()?;
    let session = current_session().await?;
    let Some(mut auth) = session
        .get::<SessionUser>(AUTH_KEY)
        .await
        .map_err(store_error)?
    else {
        return Ok(None);
    };
    let settings = &state.sessions;
    let now = now();
    let expired = now.saturating_sub(auth.signed_in_at) > settings.absolute.as_secs()
        || now.saturating_sub(auth.seen_at) > settings.idle.as_secs();
    let user = if expired {
        None
    } else {
        db::user_by_id(&state.pool, auth.user_id)
            .await?
            .filter(|row| row.session_epoch == auth.epoch)
    };
    let Some(row) = user else {
        session.flush().await.map_err(store_error)?;
        return Ok(None);
    };
    // Sliding idle expiry without a write on every request: save (and so push the expiry
    // out) once a quarter of the idle window has passed since the last save.
    if now.saturating_sub(auth.seen_at) >= (settings.idle.as_secs() / 4).max(1) {
        auth.seen_at = now;
        session.insert(AUTH_KEY, &auth).await.map_err(store_error)?;
    }
    Ok(Some(row.user))
}

/// The signed-in user, or `Unauthorized`. Every server function that is not public starts here.
pub async fn require_user() -> Result<User, AppError> {
    current_user().await?.ok_or(AppError::Unauthorized)
}

/// Signs `user_id` in on this session, under a new session id (no fixation).
pub async fn sign_in(session: &Session, user_id: Uuid, epoch: i32) -> Result<(), AppError> {
    session.cycle_id().await.map_err(store_error)?;
    let now = now();
    let auth = SessionUser {
        user_id,
        epoch,
        signed_in_at: now,
        seen_at: now,
    };
    session.insert(AUTH_KEY, &auth).await.map_err(store_error)
}

/// Ends the session on the server (the row is deleted) and in the browser.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(store_error)
}
