//! Task queries. Every statement takes the owner's id and has it in its `where`: there is
//! no function here that reads or writes a task by id alone. A task that is not the
//! caller's is, to every function, a task that does not exist.

use sqlx::PgPool;
use uuid::Uuid;

use super::{Counts, Cursor, Task};

// sqlx maps `timestamptz` to the `time` crate when its feature is on (the session store
// turns it on); `"created_at: _"` and `as _` let these queries use chrono's types instead.

/// A page of `user`'s tasks, newest first (ties broken by id), optionally only the
/// completed or only the active ones, starting after `after`.
pub async fn tasks_page(
    pool: &PgPool,
    user: Uuid,
    completed: Option<bool>,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Vec<Task>, sqlx::Error> {
    match after {
        None => {
            sqlx::query_as!(
                Task,
                r#"
                select id, title, description, completed,
                       created_at as "created_at: _", updated_at as "updated_at: _"
                from tasks
                where user_id = $1 and ($2::bool is null or completed = $2)
                order by created_at desc, id desc
                limit $3
                "#,
                user,
                completed,
                limit,
            )
            .fetch_all(pool)
            .await
        }
        Some(Cursor { created_at, id }) => {
            sqlx::query_as!(
                Task,
                r#"
                select id, title, description, completed,
                       created_at as "created_at: _", updated_at as "updated_at: _"
                from tasks
                where user_id = $1 and ($2::bool is null or completed = $2)
                  and (created_at, id) < ($3, $4)
                order by created_at desc, id desc
                limit $5
                "#,
                user,
                completed,
                created_at as _,
                id,
                limit,
            )
            .fetch_all(pool)
            .await
        }
    }
}

pub async fn counts(pool: &PgPool, user: Uuid) -> Result<Counts, sqlx::Error> {
    sqlx::query_as!(
        Counts,
        r#"
        select count(*) filter (where not completed) as "active!",
               count(*) filter (where completed) as "completed!"
        from tasks where user_id = $1
        "#,
        user,
    )
    .fetch_one(pool)
    .await
}

pub async fn insert_task(
    pool: &PgPool,
    user: Uuid,
    title: &str,
    description: Option<&str>,
) -> Result<Task, sqlx::Error> {
    sqlx::query_as!(
        Task,
        r#"
        insert into tasks (user_id, title, description) values ($1, $2, $3)
        returning id, title, description, completed,
                  created_at as "created_at: _", updated_at as "updated_at: _"
        "#,
        user,
        title,
        description,
    )
    .fetch_one(pool)
    .await
}

/// `None` when `user` has no task `id`.
pub async fn update_task(
    pool: &PgPool,
    user: Uuid,
    id: i64,
    title: &str,
    description: Option<&str>,
) -> Result<Option<Task>, sqlx::Error> {
    sqlx::query_as!(
        Task,
        r#"
        update tasks set title = $3, description = $4
        where user_id = $1 and id = $2
        returning id, title, description, completed,
                  created_at as "created_at: _", updated_at as "updated_at: _"
        "#,
        user,
        id,
        title,
        description,
    )
    .fetch_optional(pool)
    .await
}

/// `None` when `user` has no task `id`.
pub async fn set_completed(
    pool: &PgPool,
    user: Uuid,
    id: i64,
    completed: bool,
) -> Result<Option<Task>, sqlx::Error> {
    sqlx::query_as!(
        Task,
        r#"
        update tasks set completed = $3
        where user_id = $1 and id = $2
        returning id, title, description, completed,
                  created_at as "created_at: _", updated_at as "updated_at: _"
        "#,
        user,
        id,
        completed,
    )
    .fetch_optional(pool)
    .await
}

/// Marks every one of `user`'s tasks done (or not done); returns how many changed.
pub async fn set_all_completed(
    pool: &PgPool,
    user: Uuid,
    completed: bool,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"update tasks set completed = $2 where user_id = $1 and completed <> $2"#,
        user,
        completed,
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// False when `user` has no task `id`.
pub async fn delete_task(pool: &PgPool, user: Uuid, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"delete from tasks where user_id = $1 and id = $2"#,
        user,
        id
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes `user`'s completed tasks; returns how many.
pub async fn clear_completed(pool: &PgPool, user: Uuid) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"delete from tasks where user_id = $1 and completed"#,
        user
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
