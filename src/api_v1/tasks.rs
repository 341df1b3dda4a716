//! `/api/v1/tasks`: list (every filter, search and sort of the page, keyset pages), create,
//! read, update, delete, complete and reopen. Each handler is the server function's twin: the
//! same input types, the same `service` calls, the same rules; only the wire differs.

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    auth::{Reader, Writer},
    problem::Problem,
    ApiJson, ApiPath, ApiQuery,
};
use crate::{
    error::AppError,
    state::AppState,
    tags::tags_field,
    tasks::{
        input::{TaskForm, TaskInput},
        json::NewTask,
        list::{Due, Filter, ListParams as PageParams, ListQuery, Sort},
        service::Tasks,
        Counts, Priority, Task, PAGE_SIZE,
    },
    zone::{local_input, Zone},
};

/// The most tasks one page of the API holds.
pub const MAX_LIMIT: i64 = 200;

/// The list's view, as query parameters. Unlike the page's links, a value this API does
/// not know is refused (422), so a typo is not silently a different list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `all` (default), `active` or `completed`.
    status: Option<String>,
    /// `high`, `medium`, `low` or `none`.
    priority: Option<String>,
    /// A tag's name (any case).
    tag: Option<String>,
    /// `overdue`, `today`, `week` (today and the 6 days after) or `none` (no due date).
    due: Option<String>,
    /// Words that must all appear in the title or description (any case, partial words).
    q: Option<String>,
    /// `newest` (default), `oldest`, `due` (soonest first, by time within a day), `priority`
    /// or `title`.
    sort: Option<String>,
    /// `true`: only tasks that repeat.
    repeating: Option<String>,
    /// The `next_cursor` of the page before (for the same view).
    cursor: Option<String>,
    /// Tasks per page, 1 to 200 (default 50).
    limit: Option<String>,
}

impl ListParams {
    /// The view and page size, or every parameter in error.
    fn parse(&self) -> Result<(ListQuery, i64), Vec<AppError>> {
        let mut errors = Vec::new();
        let mut known =
            |name: &str, value: &Option<String>, ok: &dyn Fn(&str) -> bool, message: &str| {
                if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                    if !ok(v) {
                        errors.push(AppError::validation(name, message));
                    }
                }
            };
        known(
            "status",
            &self.status,
            &|v| Filter::from_query(Some(v)).as_str() == v,
            "Use all, active or completed.",
        );
        known(
            "priority",
            &self.priority,
            &|v| Priority::parse(v).is_ok(),
            "Use high, medium, low or none.",
        );
        known(
            "due",
            &self.due,
            &|v| Due::from_query(Some(v)).is_some(),
            "Use overdue, today, week or none.",
        );
        known(
            "sort",
            &self.sort,
            &|v| Sort::from_query(Some(v)).as_str() == v,
            "Use newest, oldest, due, priority or title.",
        );
        known(
            "repeating",
            &self.repeating,
            &|v| v == "true" || v == "false",
            "Use true or false.",
        );
        let limit = match self.limit.as_deref().filter(|v| !v.is_empty()) {
            None => PAGE_SIZE,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    errors.push(AppError::validation(
                        "limit",
                        format!("Use a whole number from 1 to {MAX_LIMIT}."),
                    ));
                    PAGE_SIZE
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        // The page's own parameters (`status` is its `filter`), read as the page reads them.
        let params = PageParams {
            filter: self.status.clone(),
            priority: self.priority.clone(),
            tag: self.tag.clone(),
            due: self.due.clone(),
            q: self.q.clone(),
            sort: self.sort.clone(),
            repeating: (self.repeating.as_deref() == Some("true")).then(|| "1".to_owned()),
        };
        let query = ListQuery::from_params(|name| params.get(name));
        Ok((query, limit))
    }
}

/// A page of tasks and where the next one starts (`null` on the last page).
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskList {
    results: Vec<Task>,
    next_cursor: Option<String>,
    /// The person's whole list, whatever the view.
    counts: Counts,
}

/// Changes to a task: only the fields sent change (`null` clears `description` and
/// `due_date`). With `version`, the change is made only if the task is still at that
/// version, else 409 with the task as it is now.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskChanges {
    #[serde(default)]
    title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    due_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    due_time: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    repeat: Option<Option<String>>,
    #[serde(default)]
    repeat_from: Option<String>,
    /// `null` removes the reminder (also one set as minutes before).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    remind_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_number")]
    #[schema(value_type = Option<u32>)]
    remind_before_minutes: Option<Option<u32>>,
    #[serde(default, deserialize_with = "some_tag_list")]
    tags: Option<Vec<String>>,
    #[serde(default)]
    version: Option<i32>,
}

impl TaskChanges {
    /// `form` (the task as it is) with the fields sent changed.
    fn merged(&self, mut form: TaskForm, current: &Task, zone: &Zone) -> Result<TaskForm, Problem> {
        let sent = |field: &Option<Option<String>>| field.clone().map(Option::unwrap_or_default);
        if let Some(title) = &self.title {
            form.title = title.clone();
        }
        if let Some(priority) = &self.priority {
            form.priority = priority.clone();
        }
        form.description = sent(&self.description).unwrap_or(form.description);
        form.due_date = sent(&self.due_date).unwrap_or(form.due_date);
        form.due_time = sent(&self.due_time).unwrap_or(form.due_time);
        // The rule as sent, else as stored (not restated by the picker's fields).
        let rule = sent(&self.repeat).unwrap_or_else(|| current.repeat.clone().unwrap_or_default());
        let from = self.repeat_from.clone().unwrap_or_else(|| {
            if current.repeat_from_completion {
                "completion"
            } else {
                "due"
            }
            .to_owned()
        });
        form.clear_repeat();
        form.repeat = rule;
        form.repeat_from = from;
        // The reminder: as sent (either field; `null` removes it), else as it is.
        if self.remind_at.is_some() || self.remind_before_minutes.is_some() {
            (form.remind, form.remind_at) = remind_fields(
                self.remind_at.clone().flatten(),
                self.remind_before_minutes.flatten(),
                zone,
            )?;
        }
        if let Some(tags) = &self.tags {
            form.tags = tags_field(tags).map_err(|e| Problem::invalid(vec![e]))?;
        }
        Ok(form)
    }
}

/// A list of tag names read one by one and refused past `TAG_LIST_MAX` (a body of 85,000
/// empty strings would otherwise be 2 MiB of `String`s before any rule looks at it).
fn some_tag_list<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<Vec<String>>, D::Error> {
    crate::tags::bounded_tag_list(de).map(Some)
}

/// A field that was sent (`Some`), possibly as `null` (`Some(None)`); absent is `None`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn present_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
    Option::<u32>::deserialize(d).map(Some)
}

/// The form's `remind` and `remind_at` for a reminder at `at` (RFC 3339, seen in `zone`, or
/// already a wall-clock time) or `before` minutes before due; both is refused.
fn remind_fields(
    at: Option<String>,
    before: Option<u32>,
    zone: &Zone,
) -> Result<(String, String), Problem> {
    match (at, before) {
        (None, None) => Ok((String::new(), String::new())),
        (None, Some(minutes)) => Ok((minutes.to_string(), String::new())),
        (Some(at), None) => {
            let at = match chrono::DateTime::parse_from_rfc3339(at.trim()) {
                Ok(moment) => local_input(zone.local(moment.to_utc())),
                Err(_) => at,
            };
            Ok(("at".to_owned(), at))
        }
        (Some(_), Some(_)) => Err(Problem::invalid(vec![AppError::validation(
            "remind_at",
            "Send remind_at or remind_before_minutes, not both.",
        )])),
    }
}

#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(ListParams),
    responses(
        (status = 200, description = "A page of tasks", body = TaskList),
        (status = 400, description = "A cursor that is not one of this view's", body = Problem),
        (status = 422, description = "Unknown filter or sort values", body = Problem),
    ),
    security(("token" = [])))]
/// List tasks: one page in the view the parameters describe.
pub async fn list(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<TaskList>, Problem> {
    let (query, limit) = params.parse().map_err(Problem::invalid)?;
    let page = Tasks::of(&state, &caller.user)
        .page(&query, params.cursor.as_deref(), limit)
        .await?;
    Ok(Json(TaskList {
        results: page.tasks,
        next_cursor: page.next_cursor,
        counts: page.counts,
    }))
}

#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", request_body = NewTask,
    responses(
        (status = 201, description = "The task as stored", body = Task),
        (status = 422, description = "Fields in error, or a quota reached", body = Problem),
    ),
    security(("token" = [])))]
/// Create a task.
pub async fn create(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiJson(task): ApiJson<NewTask>,
) -> Result<impl IntoResponse, Problem> {
    let zone = &caller.user.time_zone;
    let task = task.parse(zone).map_err(Problem::invalid)?;
    let task = Tasks::of(&state, &caller.user).add(&task).await?;
    let location = format!("/api/v1/tasks/{}", task.id);
    Ok((
        StatusCode::CREATED,
        [(http::header::LOCATION, location)],
        Json(task),
    ))
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = i64, Path, description = "The task's id")),
    responses(
        (status = 200, description = "The task", body = Task),
        (status = 404, description = "No such task of yours", body = Problem),
    ),
    security(("token" = [])))]
/// Read a task.
pub async fn read(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Task>, Problem> {
    Ok(Json(Tasks::of(&state, &caller.user).get(id).await?))
}

#[utoipa::path(patch, path = "/api/v1/tasks/{id}", tag = "tasks", request_body = TaskChanges,
    params(("id" = i64, Path, description = "The task's id")),
    responses(
        (status = 200, description = "The task as stored", body = Task),
        (status = 404, description = "No such task of yours", body = Problem),
        (status = 409, description = "Changed since `version` (the task as it is now is in `current`)", body = Problem),
        (status = 422, description = "Fields in error", body = Problem),
    ),
    security(("token" = [])))]
/// Update a task: the fields sent change, the others stay.
pub async fn update(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(changes): ApiJson<TaskChanges>,
) -> Result<Json<Task>, Problem> {
    let zone = &caller.user.time_zone;
    let tasks = Tasks::of(&state, &caller.user);
    let current = tasks.get(id).await?;
    let form = changes.merged(TaskForm::from_task(&current, zone), &current, zone)?;
    let input = TaskInput::parse_all(&form).map_err(Problem::invalid)?;
    // Without a version the change is based on the task as just read: if another write
    // lands in between, this one is refused rather than undoing it.
    let version = changes.version.unwrap_or(current.version);
    Ok(Json(tasks.update(id, Some(version), &input).await?))
}

#[utoipa::path(delete, path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = i64, Path, description = "The task's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such task of yours", body = Problem),
    ),
    security(("token" = [])))]
/// Delete a task.
pub async fn delete(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, Problem> {
    Tasks::of(&state, &caller.user).delete(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_completed(
    state: &AppState,
    caller: &Writer,
    id: i64,
    completed: bool,
) -> Result<Json<Task>, Problem> {
    let done = Tasks::of(state, &caller.0.user)
        .set_completed(id, None, completed)
        .await?;
    Ok(Json(done.task))
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/complete", tag = "tasks",
    params(("id" = i64, Path, description = "The task's id")),
    responses(
        (status = 200, description = "The task, done", body = Task),
        (status = 404, description = "No such task of yours", body = Problem),
    ),
    security(("token" = [])))]
/// Mark a task done. A repeating task's next occurrence is added in the same transaction
/// (with its priority and tags); reopening it deletes that occurrence again while it is
/// untouched.
pub async fn complete(
    State(state): State<AppState>,
    caller: Writer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Task>, Problem> {
    set_completed(&state, &caller, id, true).await
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/reopen", tag = "tasks",
    params(("id" = i64, Path, description = "The task's id")),
    responses(
        (status = 200, description = "The task, not done", body = Task),
        (status = 404, description = "No such task of yours", body = Problem),
    ),
    security(("token" = [])))]
/// Mark a task not done.
pub async fn reopen(
    State(state): State<AppState>,
    caller: Writer,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Task>, Problem> {
    set_completed(&state, &caller, id, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> ListParams {
        let mut p = ListParams::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "status" => p.status = v,
                "priority" => p.priority = v,
                "due" => p.due = v,
                "sort" => p.sort = v,
                "limit" => p.limit = v,
                "q" => p.q = v,
                _ => unreachable!(),
            }
        }
        p
    }

    #[test]
    fn known_values_make_the_pages_view() {
        let (query, limit) = params(&[
            ("status", "active"),
            ("priority", "high"),
            ("due", "week"),
            ("sort", "due"),
            ("limit", "200"),
            ("q", " milk "),
        ])
        .parse()
        .unwrap();
        assert_eq!(query.status, Filter::Active);
        assert_eq!(query.priority, Some(Priority::High));
        assert_eq!(query.due, Some(Due::Week));
        assert_eq!(query.sort, Sort::Due);
        assert_eq!(query.search.as_deref(), Some("milk"));
        assert_eq!(limit, 200);
        assert_eq!(params(&[]).parse().unwrap().1, PAGE_SIZE);
    }

    #[test]
    fn unknown_values_are_each_refused() {
        let errors = params(&[
            ("status", "done"),
            ("priority", "urgent"),
            ("due", "soon"),
            ("sort", "random"),
            ("limit", "0"),
        ])
        .parse()
        .unwrap_err();
        let fields: Vec<_> = errors
            .iter()
            .map(|e| match e {
                AppError::Validation { field, .. } => field.as_str(),
                _ => "?",
            })
            .collect();
        assert_eq!(fields, ["status", "priority", "due", "sort", "limit"]);
        assert!(params(&[("limit", "201")]).parse().is_err());
        assert!(params(&[("limit", "ten")]).parse().is_err());
    }
}
