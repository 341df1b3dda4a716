//! What can be done to a person's tasks, whichever door it comes through: the page's server
//! functions (`api`), the JSON API (`api_v1::tasks`) and the import. Each door reads its
//! own wire into a `TaskInput` or an `Insert` and answers on its own wire; the rules, the
//! quotas and what a refusal says are here, once: `db`'s `WriteError` becomes a `TaskError`
//! in one place (`From` below), and every door shows that.

use sqlx::PgPool;

use super::{
    cursor::Cursor,
    db::{self, Insert, WriteError},
    input::TaskInput,
    list::ListQuery,
    Completion, Task, TaskError, TaskPage,
};
use crate::{auth::User, config::Quotas, error::AppError, state::AppState};

/// The one mapping of a refused write: quotas as the message a person can act on (beside
/// the field it concerns), a stale version with the task as it is now.
impl From<WriteError> for TaskError {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::TooManyTasks(max) => Self::App(AppError::validation(
                "form",
                format!(
                    "That would take your list past {max} tasks, the most one list can \
                     hold. Clear completed tasks or delete some to make room."
                ),
            )),
            WriteError::TooManyTags(max) => Self::App(AppError::validation(
                "tags",
                format!(
                    "That would take you past {max} tags, the most one person can have. \
                     Use tags you have, or delete some on the Tags page."
                ),
            )),
            WriteError::Stale(now) => Self::Stale { conflict: now },
            WriteError::Db(err) => Self::App(AppError::from(err)),
        }
    }
}

impl From<sqlx::Error> for TaskError {
    fn from(err: sqlx::Error) -> Self {
        Self::App(AppError::from(err))
    }
}

/// One person's tasks. Missing and not theirs are the same answer: `NotFound`.
pub struct Tasks<'a> {
    pool: &'a PgPool,
    user: &'a User,
    quotas: Quotas,
}

impl<'a> Tasks<'a> {
    pub fn of(state: &'a AppState, user: &'a User) -> Self {
        Self::new(&state.pool, user, state.quotas)
    }

    pub fn new(pool: &'a PgPool, user: &'a User, quotas: Quotas) -> Self {
        Self { pool, user, quotas }
    }

    /// A page of at most `size` tasks in `query`'s view, after the cursor `after` (a page's
    /// `next_cursor`; empty is none), with the counts of the whole list.
    pub async fn page(
        &self,
        query: &ListQuery,
        after: Option<&str>,
        size: i64,
    ) -> Result<TaskPage, AppError> {
        let after = after
            .filter(|a| !a.is_empty())
            .map(|a| Cursor::parse(query.sort, a))
            .transpose()?;
        let zone = &self.user.time_zone;
        let (mut tasks, counts) = db::tasks_page(
            self.pool,
            self.user.id,
            query,
            after.as_ref(),
            zone,
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
            zone: zone.clone(),
        })
    }

    /// The task `id` as it is now.
    pub async fn get(&self, id: i64) -> Result<Task, TaskError> {
        db::task(self.pool, self.user.id, id)
            .await?
            .ok_or(TaskError::App(AppError::NotFound))
    }

    /// Adds a task (new tag names are created); refused when the list is full.
    pub async fn add(&self, task: &Insert) -> Result<Task, TaskError> {
        let user = self.user;
        Ok(db::insert_task(self.pool, user.id, &user.time_zone, task, self.quotas).await?)
    }

    /// Adds every one of `tasks`, or none (the quotas counted for them as a whole).
    pub async fn import(&self, tasks: &[Insert]) -> Result<u64, TaskError> {
        let user = self.user;
        Ok(db::import_tasks(self.pool, user.id, &user.time_zone, tasks, self.quotas).await?)
    }

    /// Changes task `id` to `input`; with `based_on`, only if it is still at that version.
    pub async fn update(
        &self,
        id: i64,
        based_on: Option<i32>,
        input: &TaskInput,
    ) -> Result<Task, TaskError> {
        let user = self.user;
        db::update_task(
            self.pool,
            user.id,
            &user.time_zone,
            id,
            based_on,
            input,
            self.quotas,
        )
        .await?
        .ok_or(TaskError::App(AppError::NotFound))
    }

    /// Marks task `id` done or not done (with `based_on`, only if it is still at that
    /// version): with a repeating task's next occurrence added, or taken back.
    pub async fn set_completed(
        &self,
        id: i64,
        based_on: Option<i32>,
        completed: bool,
    ) -> Result<Completion, TaskError> {
        let user = self.user;
        db::set_completed(
            self.pool,
            user.id,
            &user.time_zone,
            id,
            based_on,
            completed,
            self.quotas,
        )
        .await?
        .ok_or(TaskError::App(AppError::NotFound))
    }

    /// Marks every task done (or not done); how many changed.
    pub async fn set_all_completed(&self, completed: bool) -> Result<u64, TaskError> {
        let user = self.user;
        Ok(
            db::set_all_completed(self.pool, user.id, &user.time_zone, completed, self.quotas)
                .await?,
        )
    }

    pub async fn delete(&self, id: i64) -> Result<(), TaskError> {
        if db::delete_task(self.pool, self.user.id, id).await? {
            Ok(())
        } else {
            Err(TaskError::App(AppError::NotFound))
        }
    }

    /// Deletes the completed tasks; how many.
    pub async fn clear_completed(&self) -> Result<u64, TaskError> {
        Ok(db::clear_completed(self.pool, self.user.id).await?)
    }
}
