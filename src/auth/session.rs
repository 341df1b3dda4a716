//! Server-side sessions in PostgreSQL (tower-sessions, with its PostgreSQL store for deletion)
//! and the caller: `current_user` / `require_user`, which every server function and page
//! uses to learn who is calling.
//!
//! One lookup per request: the session is loaded at most once per request (tower-sessions
//! keeps it for the request), and that one statement also reads the signed-in person's
//! current row (`sessions.user_id` joined to `users`), so the name, email and the epoch a
//! password change moves on are checked without a second round trip.

use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_sessions::{
    cookie::{time, time::OffsetDateTime, SameSite},
    session::{Id, Record},
    session_store::{self, SessionStore},
    Expiry, Session, SessionManagerLayer,
};
use tower_sessions_sqlx_store::PostgresStore;
use uuid::Uuid;

use super::User;
use crate::{
    error::AppError,
    request::current_session,
    state::{app_state, SessionSettings},
    zone::Zone,
};

const AUTH_KEY: &str = "auth";
/// The person's row as the session's load found it. Put in by `load`, never written back.
const USER_KEY: &str = "user";

/// What a signed-in session holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct SessionUser {
    user_id: Uuid,
    /// Must equal `users.session_epoch`; a password change moves that on.
    epoch: i32,
    signed_in_at: u64,
    seen_at: u64,
}

/// The signed-in person as the session's load found them: their row now, not at sign-in.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct LoadedUser {
    user: User,
    epoch: i32,
}

/// Sessions in the app's `sessions` table (see its migration). Loading a session also reads
/// its person's current row; saving one that exists only updates its row (the PostgreSQL
/// store's save is an upsert: a request that loaded the session before sign-out, a password
/// change or expiry deleted it, and saved it afterwards, would bring the sign-in back). The
/// PostgreSQL store, on the same table, deletes sessions and expired rows.
#[derive(Clone, Debug)]
pub struct Store {
    inner: PostgresStore,
    pool: PgPool,
}

fn backend(err: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

/// What is stored of `record`: its data without the loaded person, and whose session it is.
fn stored(record: &Record) -> session_store::Result<(Vec<u8>, Option<Uuid>)> {
    let user_id = record
        .data
        .get(AUTH_KEY)
        .and_then(|auth| serde_json::from_value::<SessionUser>(auth.clone()).ok())
        .map(|auth| auth.user_id);
    let encode = |r: &Record| {
        rmp_serde::to_vec(r).map_err(|err| session_store::Error::Encode(err.to_string()))
    };
    let data = if record.data.contains_key(USER_KEY) {
        let mut kept = record.clone();
        kept.data.remove(USER_KEY);
        encode(&kept)?
    } else {
        encode(record)?
    };
    Ok((data, user_id))
}

impl Store {
    pub fn new(pool: PgPool) -> Self {
        let inner = PostgresStore::new(pool.clone())
            .with_schema_name("public")
            .and_then(|store| store.with_table_name("sessions"))
            .expect("valid identifiers");
        Self { inner, pool }
    }

    /// The PostgreSQL store on the same table: its deletion of expired rows.
    pub fn postgres(&self) -> &PostgresStore {
        &self.inner
    }
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let (data, user_id) = stored(record)?;
        // A new random id until one is free (a collision of 128 random bits is not expected).
        loop {
            let inserted = sqlx::query!(
                r#"
                insert into sessions (id, data, expiry_date, user_id) values ($1, $2, $3, $4)
                on conflict (id) do nothing
                "#,
                record.id.to_string(),
                data,
                record.expiry_date,
                user_id,
            )
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (data, user_id) = stored(record)?;
        sqlx::query!(
            r#"update sessions set data = $2, expiry_date = $3, user_id = $4 where id = $1"#,
            record.id.to_string(),
            data,
            record.expiry_date,
            user_id,
        )
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = sqlx::query!(
            r#"
            select s.data, u.id as "user_id?", u.email as "email?", u.name,
                   u.session_epoch as "session_epoch?", u.time_zone as "time_zone?"
            from sessions s left join users u on u.id = s.user_id
            where s.id = $1 and s.expiry_date > $2
            "#,
            id.to_string(),
            OffsetDateTime::now_utc(),
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?
        else {
            return Ok(None);
        };
        let mut record: Record = rmp_serde::from_slice(&row.data)
            .map_err(|err| session_store::Error::Decode(err.to_string()))?;
        if let (Some(id), Some(email), Some(epoch), Some(zone)) =
            (row.user_id, row.email, row.session_epoch, row.time_zone)
        {
            let loaded = LoadedUser {
                user: User {
                    id,
                    email,
                    name: row.name,
                    time_zone: Zone::from_stored(zone),
                },
                epoch,
            };
            let value = serde_json::to_value(loaded)
                .map_err(|err| session_store::Error::Encode(err.to_string()))?;
            record.data.insert(USER_KEY.to_owned(), value);
        }
        Ok(Some(record))
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

/// The signed-in user, or `None`. A session whose user is gone, whose epoch is stale (the
/// password changed elsewhere) or that outlived its absolute lifetime is ended here. No
/// statement of its own: the session's load read the person's row (see `Store::load`).
pub async fn current_user() -> Result<Option<User>, AppError> {
    let state = app_state()?;
    let session = current_session().await?;
    Ok(signed_in(&session, &state.sessions)
        .await?
        .map(|(user, _)| user))
}

/// `current_user` for any handler that has the session: the signed-in person and the epoch
/// their session was signed in at, or `None`.
pub async fn signed_in(
    session: &Session,
    settings: &SessionSettings,
) -> Result<Option<(User, i32)>, AppError> {
    let Some(mut auth) = session
        .get::<SessionUser>(AUTH_KEY)
        .await
        .map_err(store_error)?
    else {
        return Ok(None);
    };
    let loaded = session
        .get::<LoadedUser>(USER_KEY)
        .await
        .map_err(store_error)?;
    let now = now();
    let expired = now.saturating_sub(auth.signed_in_at) > settings.absolute.as_secs()
        || now.saturating_sub(auth.seen_at) > settings.idle.as_secs();
    let user = loaded.filter(|l| !expired && l.user.id == auth.user_id && l.epoch == auth.epoch);
    let Some(LoadedUser { user, epoch }) = user else {
        session.flush().await.map_err(store_error)?;
        return Ok(None);
    };
    // Sliding idle expiry without a write on every request: save (and so push the expiry
    // out) once a quarter of the idle window has passed since the last save.
    if now.saturating_sub(auth.seen_at) >= (settings.idle.as_secs() / 4).max(1) {
        auth.seen_at = now;
        session.insert(AUTH_KEY, &auth).await.map_err(store_error)?;
    }
    Ok(Some((user, epoch)))
}

/// Whether the session `id` of `user`, signed in at `epoch`, is still signed in: its row is
/// there and unexpired, and no password change has moved the epoch on since. For what
/// outlives a request (a live stream).
pub async fn still_signed_in(
    pool: &PgPool,
    id: &Id,
    user: Uuid,
    epoch: i32,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        select exists (
          select 1 from sessions s join users u on u.id = s.user_id
          where s.id = $1 and s.user_id = $2 and s.expiry_date > $3 and u.session_epoch = $4
        ) as "alive!"
        "#,
        id.to_string(),
        user,
        OffsetDateTime::now_utc(),
        epoch,
    )
    .fetch_one(pool)
    .await
}

/// The signed-in user, or `Unauthorized`. Every server function that is not public starts here.
pub async fn require_user() -> Result<User, AppError> {
    current_user().await?.ok_or(AppError::Unauthorized)
}

/// Signs `user` in on this session, under a new session id (no fixation).
pub async fn sign_in(session: &Session, user: &User, epoch: i32) -> Result<(), AppError> {
    session.cycle_id().await.map_err(store_error)?;
    let now = now();
    let auth = SessionUser {
        user_id: user.id,
        epoch,
        signed_in_at: now,
        seen_at: now,
    };
    session.insert(AUTH_KEY, &auth).await.map_err(store_error)?;
    // This request's caller from now on, as a load would have found them.
    let loaded = LoadedUser {
        user: user.clone(),
        epoch,
    };
    session.insert(USER_KEY, &loaded).await.map_err(store_error)
}

/// Ends the session on the server (the row is deleted) and in the browser.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(store_error)
}
