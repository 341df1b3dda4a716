//! Account queries. Each returns `sqlx::Error`; callers map it to `AppError`.

use sqlx::PgPool;
use uuid::Uuid;

use super::User;
use crate::zone::Zone;

/// What sign-in needs to know about an email.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub session_epoch: i32,
}

pub const EMAIL_UNIQUE_CONSTRAINT: &str = "users_email_key";

pub async fn insert_user(
    pool: &PgPool,
    email: &str,
    name: Option<&str>,
    password_hash: &str,
    time_zone: &Zone,
) -> Result<User, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"
        insert into users (id, email, name, password_hash, time_zone)
        values ($1, $2, $3, $4, $5)
        returning id, email, name, time_zone as "time_zone: Zone"
        "#,
        Uuid::new_v4(),
        email,
        name,
        password_hash,
        time_zone.as_str(),
    )
    .fetch_one(pool)
    .await
}

pub async fn credentials_by_email(
    pool: &PgPool,
    email: &str,
) -> Result<Option<Credentials>, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        select id, email, name, password_hash, session_epoch, time_zone from users
        where lower(email) = lower($1)
        "#,
        email,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Credentials {
        user: User {
            id: r.id,
            email: r.email,
            name: r.name,
            time_zone: Zone::from_stored(r.time_zone),
        },
        password_hash: r.password_hash,
        session_epoch: r.session_epoch,
    }))
}

pub async fn password_hash_by_id(pool: &PgPool, id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(r#"select password_hash from users where id = $1"#, id)
        .fetch_optional(pool)
        .await
}

/// `None` when the account is gone (deleted from another tab meanwhile).
pub async fn update_name(
    pool: &PgPool,
    id: Uuid,
    name: Option<&str>,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"update users set name = $2 where id = $1 returning id, email, name, time_zone as "time_zone: Zone""#,
        id,
        name,
    )
    .fetch_optional(pool)
    .await
}

/// Stores a new hash and moves the session epoch on, which ends every other session.
/// Returns the new epoch for the session that made the change (`None` when the account is
/// gone).
pub async fn update_password(
    pool: &PgPool,
    id: Uuid,
    password_hash: &str,
    revoke_tokens: bool,
) -> Result<Option<i32>, sqlx::Error> {
    // One statement: the new password and, when asked, no token left of the old one.
    sqlx::query_scalar!(
        r#"
        with revoked as (delete from api_tokens where user_id = $1 and $3)
        update users set password_hash = $2, session_epoch = session_epoch + 1
        where id = $1
        returning session_epoch
        "#,
        id,
        password_hash,
        revoke_tokens,
    )
    .fetch_optional(pool)
    .await
}

/// Deletes the user; their tasks go with them (`on delete cascade`).
pub async fn delete_user(pool: &PgPool, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(r#"delete from users where id = $1"#, id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Moves `id` to the time zone `zone`, and their tasks' due dates and times with it: a task
/// due at a moment keeps that moment, shown on the new zone's clock (a task with a date
/// only keeps its date). One transaction. A zone this PostgreSQL does not know is a
/// `Database` error with code 22023; `None` when the account is gone.
pub async fn update_time_zone(
    pool: &PgPool,
    id: Uuid,
    zone: &Zone,
) -> Result<Option<User>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let user = sqlx::query_as!(
        User,
        r#"update users set time_zone = $2 where id = $1
           returning id, email, name, time_zone as "time_zone: Zone""#,
        id,
        zone.as_str(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user) = user else {
        return Ok(None);
    };
    sqlx::query!(
        r#"
        update tasks set due_date = (due_at at time zone $2)::date,
                         due_time = (due_at at time zone $2)::time
         where user_id = $1 and due_at is not null
           and (due_date, due_time) is distinct from
               ((due_at at time zone $2)::date, (due_at at time zone $2)::time)
        "#,
        id,
        zone.as_str(),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(user))
}
