//! Slowing down password guessing, counted in the database so that the limits hold across
//! server instances and restarts.
//!
//! - per normalised email: after `max_failures` failed password checks within `window` (at
//!   sign-in, or a signed-in person's current password when they change it or delete their
//!   account), every password check for that email (even with the right password) is
//!   refused until the oldest failure leaves the window. Unknown emails are counted the same
//!   way.
//!
//! Both are checked and recorded under a PostgreSQL advisory lock on the email or address,
//! so concurrent attempts cannot slip past the limit together.
//! - per client address (`client::RateKey`: an IPv4 address or an IPv6 /64): at most
//!   `address_limit` sign-in and sign-up attempts per `window`.
//!
//! Rows are written only up to each limit, so what one key can store is bounded too.

use std::time::Duration;

use sqlx::{postgres::types::PgInterval, PgPool};

use crate::client::RateKey;

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

/// Takes one password attempt for `email`: false when its failures within the window have
/// reached the limit. The attempt is recorded as a failure at once (a successful sign-in
/// then clears it), under a per-email lock, so that guesses sent all at once cannot all
/// pass the check before any of them is counted.
pub async fn take_password_attempt(
    pool: &PgPool,
    limits: &Limits,
    email: &str,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        r#"select 1 as "locked!" from (select pg_advisory_xact_lock(hashtext('sign_in:' || $1))) as l"#,
        email,
    )
    .fetch_one(&mut *tx)
    .await?;
    let failures = sqlx::query_scalar!(
        r#"
        select count(*) as "count!" from sign_in_failures
        where email = $1 and failed_at > now() - $2::interval
        "#,
        email,
        interval(limits.window),
    )
    .fetch_one(&mut *tx)
    .await?;
    if failures >= limits.max_failures {
        tx.commit().await?;
        return Ok(false);
    }
    sqlx::query!(r#"insert into sign_in_failures (email) values ($1)"#, email)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// A password check that succeeded forgets the earlier failures of that email.
pub async fn clear_failures(pool: &PgPool, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(r#"delete from sign_in_failures where email = $1"#, email)
        .execute(pool)
        .await?;
    Ok(())
}

/// Takes one sign-in or sign-up attempt for `address`: false when its attempts within the
/// window have reached the limit. Counted and recorded under a per-address lock, so that
/// attempts sent all at once get no more than the limit between them.
pub async fn take_address_attempt(
    pool: &PgPool,
    limits: &Limits,
    address: &RateKey,
) -> Result<bool, sqlx::Error> {
    let address = address.as_str();
    let mut tx = pool.begin().await?;
    sqlx::query!(
        r#"select 1 as "locked!" from (select pg_advisory_xact_lock(hashtext('address:' || $1))) as l"#,
        address,
    )
    .fetch_one(&mut *tx)
    .await?;
    let attempts = sqlx::query_scalar!(
        r#"
        select count(*) as "count!" from auth_attempts
        where address = $1 and attempted_at > now() - $2::interval
        "#,
        address,
        interval(limits.window),
    )
    .fetch_one(&mut *tx)
    .await?;
    let allowed = attempts < limits.address_limit;
    if allowed {
        sqlx::query!(
            r#"insert into auth_attempts (address) values ($1)"#,
            address
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(allowed)
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
