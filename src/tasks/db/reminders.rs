//! Reminders: those still to show, claiming one for the page that shows it, snoozing.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// A reminder still to show: one of `user`'s tasks not done, whose reminder moment has not
/// been shown yet.
#[derive(Debug)]
pub struct PendingReminder {
    pub id: i64,
    pub title: String,
    pub remind_at: DateTime<Utc>,
    pub due_date: Option<NaiveDate>,
    pub due_at: Option<DateTime<Utc>>,
}

/// `user`'s reminders not shown yet that come before `until`, soonest first, at most `limit`.
pub async fn pending_reminders(
    pool: &PgPool,
    user: Uuid,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<PendingReminder>, sqlx::Error> {
    sqlx::query_as!(
        PendingReminder,
        r#"
        select t.id, t.title, t.remind_at as "remind_at!: _", t.due_date as "due_date: _",
               t.due_at as "due_at: _"
          from tasks t
         where t.user_id = $1 and t.remind_at is not null and not t.completed
           and t.remind_at <= $2
           and not exists (select 1 from reminders_shown r
                            where r.task_id = t.id and r.remind_at = t.remind_at)
         order by t.remind_at, t.id
         limit $3
        "#,
        user,
        until as _,
        limit,
    )
    .fetch_all(pool)
    .await
}

/// Takes the reminder of `user`'s task `id` at `remind_at` for the page asking: true for the
/// first page of this person to ask (which shows it), false for every other, and for a task
/// that is done, not theirs, or whose reminder has moved since. One statement, and one row
/// per task: a new moment (after a snooze or an edit) takes the place of the one before.
pub async fn claim_reminder(
    pool: &PgPool,
    user: Uuid,
    id: i64,
    remind_at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"
        insert into reminders_shown (task_id, remind_at, user_id)
        select t.id, t.remind_at, t.user_id from tasks t
         where t.user_id = $1 and t.id = $2 and t.remind_at = $3 and not t.completed
        on conflict (task_id) do update
           set remind_at = excluded.remind_at, shown_at = now()
         where reminders_shown.remind_at <> excluded.remind_at
        "#,
        user,
        id,
        remind_at as _,
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves the reminder of `user`'s task `id` to `at` (a snooze): a new moment, so a new
/// reminder. A reminder set as "before due" becomes one at that moment. `None` when `user`
/// has no task `id`.
pub async fn snooze_reminder(
    pool: &PgPool,
    user: Uuid,
    id: i64,
    at: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        update tasks set remind_at = $3, remind_before_minutes = null
         where user_id = $1 and id = $2
        returning remind_at as "remind_at!: _"
        "#,
        user,
        id,
        at as _,
    )
    .fetch_optional(pool)
    .await
}
