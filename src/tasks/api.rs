//! The task server functions. Each is thin: the caller from the session (never from the
//! request), the input parsed into newtypes, one call into `db`, errors mapped. Missing and
//! not-yours are the same answer: `NotFound`.

use leptos::{prelude::*, server_fn::codec::GetUrl};

use super::{Task, TaskPage};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::{db, Cursor, Filter, TaskDescription, TaskTitle, PAGE_SIZE},
    crate::{
        auth::session::require_user,
        server::{app_state, finish, redirect_back},
    },
};

/// One page of the caller's tasks (`filter`: all, active or completed; `after`: a cursor
/// from the previous page) with the counts of the whole list.
#[server(prefix = "/api", endpoint = "list_tasks", input = GetUrl)]
pub async fn list_tasks(
    filter: Option<String>,
    after: Option<String>,
) -> Result<TaskPage, AppError> {
    let user = require_user().await?;
    let state = app_state()?;
    let filter = Filter::from_query(filter.as_deref());
    let after = after
        .filter(|a| !a.is_empty())
        .map(|a| Cursor::parse(&a))
        .transpose()?;
    let (tasks, counts) = tokio::try_join!(
        db::tasks_page(
            &state.pool,
            user.id,
            filter.completed(),
            after,
            PAGE_SIZE + 1
        ),
        db::counts(&state.pool, user.id),
    )?;
    let mut tasks = tasks;
    let next_cursor = if tasks.len() as i64 > PAGE_SIZE {
        tasks.truncate(PAGE_SIZE as usize);
        tasks.last().map(|t| Cursor::after(t).encode())
    } else {
        None
    };
    Ok(TaskPage {
        tasks,
        next_cursor,
        counts,
    })
}

#[server(prefix = "/api", endpoint = "add_task")]
pub async fn add_task(title: String, description: Option<String>) -> Result<Task, AppError> {
    let description = description.unwrap_or_default();
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        let title = TaskTitle::parse(&title)?;
        let description = TaskDescription::parse(&description)?;
        let task =
            db::insert_task(&state.pool, user.id, title.as_str(), description.as_deref()).await?;
        // Without JavaScript: back to the first page, where the new task is.
        redirect_back(&["after", "edit"]);
        Ok(task)
    }
    .await;
    finish(
        "add_task",
        &[("title", &title), ("description", &description)],
        result,
    )
    .await
}

#[server(prefix = "/api", endpoint = "update_task")]
pub async fn update_task(
    id: i64,
    title: String,
    description: Option<String>,
) -> Result<Task, AppError> {
    let description = description.unwrap_or_default();
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        let title = TaskTitle::parse(&title)?;
        let description = TaskDescription::parse(&description)?;
        let task = db::update_task(
            &state.pool,
            user.id,
            id,
            title.as_str(),
            description.as_deref(),
        )
        .await?
        .ok_or(AppError::NotFound)?;
        redirect_back(&["edit"]);
        Ok(task)
    }
    .await;
    let id = id.to_string();
    finish(
        "update_task",
        &[
            ("id", &id),
            ("title", &title),
            ("description", &description),
        ],
        result,
    )
    .await
}

#[server(prefix = "/api", endpoint = "set_task_completed")]
pub async fn set_task_completed(id: i64, completed: bool) -> Result<Task, AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        let task = db::set_completed(&state.pool, user.id, id, completed)
            .await?
            .ok_or(AppError::NotFound)?;
        redirect_back(&["edit"]);
        Ok(task)
    }
    .await;
    finish("task_action", &[], result).await
}

/// Marks all of the caller's tasks done (or all not done). Returns how many changed.
#[server(prefix = "/api", endpoint = "set_all_completed")]
pub async fn set_all_completed(completed: bool) -> Result<u64, AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        let changed = db::set_all_completed(&state.pool, user.id, completed).await?;
        redirect_back(&["edit"]);
        Ok(changed)
    }
    .await;
    finish("task_action", &[], result).await
}

#[server(prefix = "/api", endpoint = "delete_task")]
pub async fn delete_task(id: i64) -> Result<(), AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        if !db::delete_task(&state.pool, user.id, id).await? {
            return Err(AppError::NotFound);
        }
        redirect_back(&["edit"]);
        Ok(())
    }
    .await;
    finish("task_action", &[], result).await
}

/// Deletes the caller's completed tasks. Returns how many.
#[server(prefix = "/api", endpoint = "clear_completed")]
pub async fn clear_completed() -> Result<u64, AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        let cleared = db::clear_completed(&state.pool, user.id).await?;
        redirect_back(&["edit", "after"]);
        Ok(cleared)
    }
    .await;
    finish("task_action", &[], result).await
}
