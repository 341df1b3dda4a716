//! Tag queries. Every statement takes the owner's id and has it in its `where`. Tag names are
//! compared and ordered by PostgreSQL's `lower()` only (see the module above). Linking tags
//! to a task is the task's write (`tasks::db`).

use sqlx::PgPool;
use uuid::Uuid;

use super::Tag;

/// A page of `user`'s tags, A to Z (as the database folds names), with how many tasks
/// carry each, after the tag `after` (its name and id).
pub async fn tags_page(
    pool: &PgPool,
    user: Uuid,
    after: Option<(&str, i64)>,
    limit: i64,
) -> Result<Vec<Tag>, sqlx::Error> {
    let (name, id) = after.map_or((None, None), |(n, i)| (Some(n), Some(i)));
    sqlx::query_as!(
        Tag,
        r#"
        select g.id, g.name, (select count(*) from task_tags tt where tt.tag_id = g.id) as "tasks!"
        from tags g
        where g.user_id = $1
          and ($2::text is null or (lower(g.name), g.id) > (lower($2), $3::bigint))
        order by lower(g.name), g.id
        limit $4
        "#,
        user,
        name,
        id,
        limit,
    )
    .fetch_all(pool)
    .await
}

pub const TAG_NAME_UNIQUE_CONSTRAINT: &str = "tags_user_id_name_key";

/// `None` when `user` has no tag `id`.
pub async fn rename_tag(
    pool: &PgPool,
    user: Uuid,
    id: i64,
    name: &str,
) -> Result<Option<()>, sqlx::Error> {
    let renamed = sqlx::query_scalar!(
        r#"update tags set name = $3 where user_id = $1 and id = $2 returning id"#,
        user,
        id,
        name,
    )
    .fetch_optional(pool)
    .await?;
    Ok(renamed.map(|_| ()))
}

/// False when `user` has no tag `id`. Its tasks stay; they lose the tag.
pub async fn delete_tag(pool: &PgPool, user: Uuid, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"delete from tags where user_id = $1 and id = $2"#,
        user,
        id
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
