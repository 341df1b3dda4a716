//! Token statements. Every one but `authenticate` is scoped by the owner's id;
//! `authenticate` finds a token by its hash alone, which is what a bearer token is.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{Scope, TokenInfo, TokenInput, MAX_TOKENS_PER_USER};
use crate::auth::User;

/// Who a request's token speaks for.
#[derive(Clone, Debug)]
pub struct Caller {
    pub token_id: i64,
    pub scope: Scope,
    pub user: User,
}

/// A token's row as the account page lists it.
struct TokenRow {
    id: i64,
    name: String,
    scope: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
}

impl From<TokenRow> for TokenInfo {
    fn from(r: TokenRow) -> Self {
        TokenInfo {
            id: r.id,
            name: r.name,
            scope: scope(&r.scope),
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
        }
    }
}

fn scope(raw: &str) -> Scope {
    // The table's check constraint allows only these two.
    if raw == "write" {
        Scope::Write
    } else {
        Scope::Read
    }
}

/// The token with this hash, if it exists and has not expired, and its owner: one statement,
/// which also records the use when the last one recorded is a minute old or more (so a busy
/// token writes once a minute, not on every request).
pub async fn authenticate(pool: &PgPool, hash: &[u8; 32]) -> Result<Option<Caller>, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        with found as (
          select k.id, k.user_id, k.scope, k.last_used_at
            from api_tokens k
           where k.token_hash = $1 and (k.expires_at is null or k.expires_at > now())
        ), touched as (
          update api_tokens k set last_used_at = now()
            from found f
           where k.id = f.id
             and (f.last_used_at is null or f.last_used_at < now() - interval '1 minute')
        )
        select f.id, f.scope, u.id as user_id, u.email, u.name, u.time_zone
          from found f join users u on u.id = f.user_id
        "#,
        &hash[..],
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Caller {
        token_id: r.id,
        scope: scope(&r.scope),
        user: User {
            id: r.user_id,
            email: r.email,
            name: r.name,
            time_zone: crate::zone::Zone::from_stored(r.time_zone),
        },
    }))
}

/// Stores a new token of `user` under `hash`, unless they already hold
/// `MAX_TOKENS_PER_USER` (then `None`). The person's row is locked first, so that creations
/// at once are counted one after another and the limit holds exactly: the count is a
/// statement of its own, which sees every token committed before the lock was granted.
pub async fn insert(
    pool: &PgPool,
    user: Uuid,
    input: &TokenInput,
    hash: &[u8; 32],
) -> Result<Option<TokenInfo>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // `for no key update`: it orders token creations without holding up the inserts of
    // other rows that refer to the person (their `for key share` does not conflict).
    sqlx::query!("select id from users where id = $1 for no key update", user)
        .fetch_optional(&mut *tx)
        .await?;
    let row = sqlx::query_as!(
        TokenRow,
        r#"
        insert into api_tokens (user_id, name, scope, token_hash, expires_at)
        select $1, $2, $3, $4, now() + make_interval(days => $5::int)
         where (select count(*) from api_tokens where user_id = $1) < $6
        returning id, name, scope, created_at as "created_at: DateTime<Utc>",
                  expires_at as "expires_at: DateTime<Utc>",
                  last_used_at as "last_used_at: DateTime<Utc>"
        "#,
        user,
        input.name,
        input.scope.as_str(),
        &hash[..],
        input.expires_in_days.map(|d| d as i32),
        MAX_TOKENS_PER_USER,
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row.map(TokenInfo::from))
}

/// `user`'s tokens, oldest first (at most `MAX_TOKENS_PER_USER`), expired ones included.
pub async fn list(pool: &PgPool, user: Uuid) -> Result<Vec<TokenInfo>, sqlx::Error> {
    let rows = sqlx::query_as!(
        TokenRow,
        r#"
        select id, name, scope, created_at as "created_at: DateTime<Utc>",
               expires_at as "expires_at: DateTime<Utc>",
               last_used_at as "last_used_at: DateTime<Utc>"
          from api_tokens where user_id = $1
         order by created_at, id
         limit $2
        "#,
        user,
        MAX_TOKENS_PER_USER,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(TokenInfo::from).collect())
}

/// Whether `user`'s token `id` is still there and unexpired (a long export asks again).
pub async fn still_valid(pool: &PgPool, user: Uuid, id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        select exists (
          select 1 from api_tokens
           where id = $1 and user_id = $2 and (expires_at is null or expires_at > now())
        ) as "valid!"
        "#,
        id,
        user,
    )
    .fetch_one(pool)
    .await
}

/// Deletes every token of `user`; how many there were.
pub async fn revoke_all(pool: &PgPool, user: Uuid) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!("delete from api_tokens where user_id = $1", user)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Deletes `user`'s token `id`; false when they have none such.
pub async fn revoke(pool: &PgPool, user: Uuid, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "delete from api_tokens where user_id = $1 and id = $2",
        user,
        id
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
