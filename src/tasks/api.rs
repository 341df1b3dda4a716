//! The task server functions: the page's door to `service`. Each is thin: the caller from
//! the session (never from the request), the form parsed into a `TaskInput`, one call into
//! the service, and for a plain form post (no JavaScript) the way back to the page.

use leptos::{prelude::*, server_fn::codec::GetUrl};

use super::{input::TaskForm, list::ListParams, Completion, Task, TaskError, TaskPage};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::{db::Insert, input::TaskInput, list::ListQuery, service::Tasks, PAGE_SIZE},
    crate::{auth::session::require_user, forms::finish, request::redirect_back, state::app_state},
};

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
    Tasks::of(&state, &user)
        .page(&query, after.as_deref(), PAGE_SIZE)
        .await
}

/// Adds a task (its fields: `TaskForm`; new tag names are created).
#[server(prefix = "/api", endpoint = "add_task")]
pub async fn add_task(#[server(flatten)] task: TaskForm) -> Result<Task, AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        let input = TaskInput::parse(&task)?;
        let task = Tasks::of(&state, &user).add(&Insert::new(input)).await?;
        // Without JavaScript: back to the first page, where the new task is.
        redirect_back(&["after", "edit"]);
        Ok(task)
    }
    .await;
    finish("add_task", &task.fields(), result).await
}

/// Changes the fields of the caller's task `id` to `task`'s: every field the posting form
/// has (`form_fields`, the list it sends; a form without one has the fields of the release
/// that began sending it), so a page built before a field existed leaves that field as it
/// is. With `version` (the one the edit was based on; the page always sends it), a task that
/// has changed since is left as it is and the answer is the conflict, with the task as it is
/// now.
#[server(prefix = "/api", endpoint = "update_task")]
pub async fn update_task(
    id: i64,
    version: Option<i32>,
    #[server(default)] form_fields: Option<String>,
    #[server(flatten)] task: TaskForm,
) -> Result<Task, TaskError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        let tasks = Tasks::of(&state, &user);
        let not_sent = TaskForm::not_sent(form_fields.as_deref());
        let form = if not_sent.is_empty() {
            task.clone()
        } else {
            // One read more, only for a form that lacks some of today's fields.
            let kept = TaskForm::from_task(&tasks.get(id).await?, &user.time_zone);
            task.clone().keeping(&not_sent, &kept)
        };
        let input = TaskInput::parse(&form)?;
        let task = tasks.update(id, version, &input).await?;
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
/// since (else the conflict, with the task as it is now). Answers with what changed: the
/// task, and a repeating one's next occurrence added or taken back.
#[server(prefix = "/api", endpoint = "set_task_completed")]
pub async fn set_task_completed(
    id: i64,
    completed: bool,
    version: Option<i32>,
) -> Result<Completion, TaskError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        let done = Tasks::of(&state, &user)
            .set_completed(id, version, completed)
            .await?;
        redirect_back(&["edit"]);
        Ok(done)
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
        let changed = Tasks::of(&state, &user)
            .set_all_completed(completed)
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
        Tasks::of(&state, &user).delete(id).await?;
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
        let cleared = Tasks::of(&state, &user).clear_completed().await?;
        redirect_back(&["edit", "after"]);
        Ok(cleared)
    }
    .await;
    finish("task_action", &[], result).await
}
