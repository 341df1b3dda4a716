//! What can be done to a person's tags, whichever door it comes through: the tags page's
//! server functions (`api`) and the JSON API (`api_v1::tags`). The name rules and what a
//! refusal says are here, once. Missing and not theirs are the same answer: `NotFound`.

use sqlx::PgPool;
use uuid::Uuid;

use super::{check_tag_name, db, TagCursor, TagPage};
use crate::{error::AppError, error::ResultExt};

/// One person's tags.
pub struct Tags<'a> {
    pool: &'a PgPool,
    user: Uuid,
}

impl<'a> Tags<'a> {
    pub fn new(pool: &'a PgPool, user: Uuid) -> Self {
        Self { pool, user }
    }

    /// A page of at most `size` tags, A to Z, with how many tasks carry each, after the
    /// cursor `after` (a page's `next_cursor`; empty is none).
    pub async fn page(&self, after: Option<&str>, size: i64) -> Result<TagPage, AppError> {
        let after = after
            .filter(|a| !a.is_empty())
            .map(TagCursor::parse)
            .transpose()?;
        let mut tags = db::tags_page(
            self.pool,
            self.user,
            after.as_ref().map(|c| (c.name.as_str(), c.id)),
            size + 1,
        )
        .await?;
        let next_cursor = if tags.len() as i64 > size {
            tags.truncate(size as usize);
            tags.last().map(|t| TagCursor::after(t).encode())
        } else {
            None
        };
        Ok(TagPage { tags, next_cursor })
    }

    /// Renames tag `id` to `name` (checked here); a name the person already uses, in any
    /// case, is refused beside the field `name`.
    pub async fn rename(&self, id: i64, name: &str) -> Result<(), AppError> {
        check_tag_name("name", name)?;
        db::rename_tag(self.pool, self.user, id, name.trim())
            .await
            .on_constraint(db::TAG_NAME_UNIQUE_CONSTRAINT, || {
                AppError::validation("name", "You already have a tag with that name.")
            })?
            .ok_or(AppError::NotFound)
    }

    /// Deletes tag `id`; the tasks stay, without it.
    pub async fn delete(&self, id: i64) -> Result<(), AppError> {
        if db::delete_tag(self.pool, self.user, id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }
}
