//! The task server functions. Each is thin: the caller from the session (never from the
//! request), the input parsed into newtypes, one call into `db`, errors mapped. Missing and
//! not-yours are the same answer: `NotFound`.

use leptos::{prelude::*, server_fn::codec::GetUrl};

use super::{input::TaskForm, list::ListParams, Task, TaskPage};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::{cursor::Cursor, db, input::TaskInput, list::ListQuery, PAGE_SIZE},
    crate::{auth::session::require_user, forms::finish, request::redirect_back, state::app_state},
};

/// A write refused for a quota, said plainly where the form shows it.
#[cfg(feature = "ssr")]
impl From<db::WriteError> for AppError {
    fn from(err: db::WriteError) -> Self {
        match err {
            db::WriteError::TooManyTasks(max) => AppError::validation(
                "form",
                format!(
                    "Your list is full: it holds {max} tasks, the most one list can. \
                     Clear completed tasks or delete some to add more."
                ),
            ),
            db::WriteError::TooManyTags(max) => AppError::validation(
                "tags",
                format!(
                    "You have {max} tags, the most one person can. Use one you have, or \
                     delete some on the Tags page."
                ),
            ),
            db::WriteError::Stale(_) => AppError::Conflict,
            db::WriteError::Db(err) => AppError::from(err),
        }
    }
}

/// One page of the caller's tasks in the view the URL describes (status `filter`,
/// `priority`, `tag` name, `due`, search `q`, `sort`; unknown values are ignored) after the
/// cursor `after`, with the counts of the whole list.
#[server(prefix = "/api", endpoint = "list_tasks", input = GetUrl)]
pub async fn list_tasks(
    #[server(flatten)] view: ListParams,
    after: Option<String>,
) -> Result<TaskPage, AppError> {
    let user = require_user().await?;
    let state = app_state()?;
    let query = ListQuery::from_params(|name| view.get(name));
    page(&state.pool, &user, &query, after.as_deref(), PAGE_SIZE).await
}

/// A page of at most `size` of `user`'s tasks in `query`'s view, after the cursor `after`
/// (a page's `next_cursor`; empty is none), with the counts of the whole list: what
/// `list_tasks` answers the page and the JSON API answers a program.
#[cfg(feature = "ssr")]
pub async fn page(
    pool: &sqlx::PgPool,
    user: &crate::auth::User,
    query: &ListQuery,
    after: Option<&str>,
    size: i64,
) -> Result<TaskPage, AppError> {
    let after = after
        .filter(|a| !a.is_empty())
        .map(|a| Cursor::parse(query.sort, a))
        .transpose()?;
    let (mut tasks, counts) = db::tasks_page(
        pool,
        user.id,
        query,
        after.as_ref(),
        &user.time_zone,
        size + 1,
    )
    .await?;
    let next_cursor = if tasks.len() as i64 > size {
        tasks.truncate(size as usize);
        tasks.last().map(|t| Cursor::after(query.sort, t).encode())
    } else {
        None
    };
    Ok(TaskPage {
        tasks,
        next_cursor,
        counts,
        zone: user.time_zone.clone(),
    })
}

/// Adds a task (its fields: `TaskForm`; new tag names are created).
#[server(prefix = "/api", endpoint = "add_task")]
pub async fn add_task(#[server(flatten)] task: TaskForm) -> Result<Task, AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        let input = TaskInput::parse(&task)?;
        let task = db::insert_task(
            &state.pool,
            user.id,
            &user.time_zone,
            &db::Insert::new(input),
            state.quotas,
        )
        .await?;
        // Without JavaScript: back to the first page, where the new task is.
        redirect_back(&["after", "edit"]);
        Ok(task)
    }
    .await;
    finish("add_task", &task.fields(), result).await
}

/// The caller's task `id` as it is now.
#[server(prefix = "/api", endpoint = "get_task", input = GetUrl)]
pub async fn get_task(id: i64) -> Result<Task, AppError> {
    let user = require_user().await?;
    let state = app_state()?;
    db::task(&state.pool, user.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Changes the fields of the caller's task `id` to `task`'s: every field the posting form
/// has (`form_fields`, the list it sends; a form without one has the fields of the release
/// that began sending it), so a page built before a field existed leaves that field as it
/// is. With `version` (the one the edit was based on; the page always sends it), a task that
/// has changed since is left as it is and the answer is `Conflict`.
#[server(prefix = "/api", endpoint = "update_task")]
pub async fn update_task(
    id: i64,
    version: Option<i32>,
    #[server(default)] form_fields: Option<String>,
    #[server(flatten)] task: TaskForm,
) -> Result<Task, AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        let not_sent = TaskForm::not_sent(form_fields.as_deref());
        let form = if not_sent.is_empty() {
            task.clone()
        } else {
            // One read more, only for a form that lacks some of today's fields.
            let current = db::task(&state.pool, user.id, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let kept = TaskForm::from_task(&current, &user.time_zone);
            task.clone().keeping(&not_sent, &kept)
        };
        let input = TaskInput::parse(&form)?;
        let task = db::update_task(
            &state.pool,
            user.id,
            &user.time_zone,
            id,
            version,
            &input,
            state.quotas,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        redirect_back(&["edit"]);
        Ok(task)
    }
    .await;
    let id = id.to_string();
    let mut fields = vec![("id", id.as_str())];
    fields.extend(task.fields());
    finish("update_task", &fields, result).await
}

/// Marks the caller's task `id` done or not done; with `version`, only if it has not changed
/// since (else `Conflict`).
#[server(prefix = "/api", endpoint = "set_task_completed")]
pub async fn set_task_completed(
    id: i64,
    completed: bool,
    version: Option<i32>,
) -> Result<Task, AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        let (task, _next) = db::set_completed(
            &state.pool,
            user.id,
            &user.time_zone,
            id,
            version,
            completed,
            state.quotas,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        redirect_back(&["edit"]);
        Ok(task)
    }
    .await;
    // The task's id is kept with a refused plain post, so the page marks that task.
    finish("task_action", &[("id", &id.to_string())], result).await
}

/// Marks all of the caller's tasks done (or all not done). Returns how many changed.
#[server(prefix = "/api", endpoint = "set_all_completed")]
pub async fn set_all_completed(completed: bool) -> Result<u64, AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        let changed = db::set_all_completed(
            &state.pool,
            user.id,
            &user.time_zone,
            completed,
            state.quotas,
        )
        .await?;
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
