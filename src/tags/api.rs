//! The tag server functions: list (a page at a time), rename, delete. Thin, like the task
//! ones: the caller from the session, the input checked, one call into `db`.

use leptos::{prelude::*, server_fn::codec::GetUrl};

use super::TagPage;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::{check_tag_name, db, TagCursor, TAG_PAGE_SIZE},
    crate::{
        auth::session::require_user, error::ResultExt, forms::finish, request::redirect_back,
        state::app_state,
    },
};

/// A page of the caller's tags, A to Z, with how many tasks carry each, after the cursor
/// `after` (from the previous page's `next_cursor`).
#[server(prefix = "/api", endpoint = "list_tags", input = GetUrl)]
pub async fn list_tags(after: Option<String>) -> Result<TagPage, AppError> {
    let user = require_user().await?;
    let state = app_state()?;
    page(&state.pool, user.id, after.as_deref(), TAG_PAGE_SIZE).await
}

/// A page of at most `size` of `user`'s tags after the cursor `after` (empty is none): what
/// `list_tags` and the JSON API answer.
#[cfg(feature = "ssr")]
pub async fn page(
    pool: &sqlx::PgPool,
    user: uuid::Uuid,
    after: Option<&str>,
    size: i64,
) -> Result<TagPage, AppError> {
    let after = after
        .filter(|a| !a.is_empty())
        .map(TagCursor::parse)
        .transpose()?;
    let mut tags = db::tags_page(
        pool,
        user,
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

/// Renames `user`'s tag `id` to `name` (checked here); a name they already use, in any case,
/// is refused beside the field `name`.
#[cfg(feature = "ssr")]
pub async fn rename(
    pool: &sqlx::PgPool,
    user: uuid::Uuid,
    id: i64,
    name: &str,
) -> Result<(), AppError> {
    check_tag_name("name", name)?;
    db::rename_tag(pool, user, id, name.trim())
        .await
        .on_constraint(db::TAG_NAME_UNIQUE_CONSTRAINT, || {
            AppError::validation("name", "You already have a tag with that name.")
        })?
        .ok_or(AppError::NotFound)
}

/// Renames one of the caller's tags; a name they already use (in any case) is refused.
#[server(prefix = "/api", endpoint = "rename_tag")]
pub async fn rename_tag(id: i64, name: String) -> Result<(), AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        rename(&state.pool, user.id, id, &name).await?;
        redirect_back(&["edit"]);
        Ok(())
    }
    .await;
    let id = id.to_string();
    finish("rename_tag", &[("id", &id), ("name", &name)], result).await
}

/// Deletes one of the caller's tags; the tasks stay, without it.
#[server(prefix = "/api", endpoint = "delete_tag")]
pub async fn delete_tag(id: i64) -> Result<(), AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        if !db::delete_tag(&state.pool, user.id, id).await? {
            return Err(AppError::NotFound);
        }
        redirect_back(&["edit"]);
        Ok(())
    }
    .await;
    // Errors show where the tags page shows rename errors.
    finish("rename_tag", &[], result).await
}
