//! The tag server functions: list (a page at a time), rename, delete. The tags page's door
//! to `service`: the caller from the session, one call, the way back for a plain post.

use leptos::{prelude::*, server_fn::codec::GetUrl};

use super::TagPage;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::{service::Tags, TAG_PAGE_SIZE},
    crate::{auth::session::require_user, forms::finish, request::redirect_back, state::app_state},
};

/// A page of the caller's tags, A to Z, with how many tasks carry each, after the cursor
/// `after` (from the previous page's `next_cursor`).
#[server(prefix = "/api", endpoint = "list_tags", input = GetUrl)]
pub async fn list_tags(after: Option<String>) -> Result<TagPage, AppError> {
    let user = require_user().await?;
    let state = app_state()?;
    Tags::new(&state.pool, user.id)
        .page(after.as_deref(), TAG_PAGE_SIZE)
        .await
}

/// Renames one of the caller's tags; a name they already use (in any case) is refused.
#[server(prefix = "/api", endpoint = "rename_tag")]
pub async fn rename_tag(id: i64, name: String) -> Result<(), AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        Tags::new(&state.pool, user.id).rename(id, &name).await?;
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
        Tags::new(&state.pool, user.id).delete(id).await?;
        redirect_back(&["edit"]);
        Ok(())
    }
    .await;
    // Errors show where the tags page shows rename errors.
    finish("rename_tag", &[], result).await
}
