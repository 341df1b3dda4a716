//! Slowing down password guessing, counted in the database so that the limits hold across
//! server instances and restarts.
//!
//! - per normalised email: after `max_failures` failed sign-ins within `window`, every
//!   sign-in for that email (even with the right password) is refused until the oldest
//!   failure leaves the window. Unknown emails are counted the same way.
//! - per client address: at most `address_limit` sign-in and sign-up attempts per `window`.

use std::{net::IpAddr, time::Duration};

use sqlx::{postgres::types::PgInterval, PgPool};

#[derive(Clone, Debug)]
pub struct Limits {
    pub max_failures: i64,
    pub address_limit: i64,
    pub window: Duration,
}

fn interval(d: Duration) -> PgInterval {
    PgInterval {
        months: 0,
        days: 0,
        microseconds: d.as_micros() as i64,
    }
}

/// True when this email may try to sign in now.
pub async fn email_allowed(
    pool: &PgPool,
    limits: &Limits,
    email: &str,
) -> Result<bool, sqlx::Error> {
    let failures = sqlx::query_scalar!(
        r#"
        select count(*) as "count!" from sign_in_failures
        where email = $1 and failed_at > now() - $2::interval
        "#,
        email,
        interval(limits.window),
    )
    .fetch_one(pool)
    .await?;
    Ok(failures < limits.max_failures)
}

pub async fn record_failure(pool: &PgPool, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(r#"insert into sign_in_failures (email) values ($1)"#, email)
        .execute(pool)
        .await?;
    Ok(())
}

/// A successful sign-in forgets the earlier failures of that email.
pub async fn clear_failures(pool: &PgPool, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(r#"delete from sign_in_failures where email = $1"#, email)
        .execute(pool)
        .await?;
    Ok(())
}

/// Records an attempt from `address` and says whether it is within the limit.
pub async fn address_allowed(
    pool: &PgPool,
    limits: &Limits,
    address: IpAddr,
) -> Result<bool, sqlx::Error> {
    let address = address.to_string();
    let earlier = sqlx::query_scalar!(
        r#"
        with attempt as (insert into auth_attempts (address) values ($1))
        select count(*) as "count!" from auth_attempts
        where address = $1 and attempted_at > now() - $2::interval
        "#,
        address,
        interval(limits.window),
    )
    .fetch_one(pool)
    .await?;
    // `earlier` does not see the row inserted by the same statement.
    Ok(earlier < limits.address_limit)
}

/// Deletes rows that no window can count any more. Run periodically.
pub async fn delete_expired(pool: &PgPool, window: Duration) -> Result<u64, sqlx::Error> {
    let window = interval(window);
    let failures = sqlx::query!(
        r#"delete from sign_in_failures where failed_at <= now() - $1::interval"#,
        window.clone(),
    )
    .execute(pool)
    .await?
    .rows_affected();
    let attempts = sqlx::query!(
        r#"delete from auth_attempts where attempted_at <= now() - $1::interval"#,
        window,
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(failures + attempts)
}
