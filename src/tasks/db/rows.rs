//! What every read shares: a task's row as `task_query!` selects it (the columns spelled
//! once), one task by id, and why a write was not made.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::tasks::{Counts, Priority, Task};

/// A row of `task_query!`: one task, and the counts of its owner's whole list. The column
/// names are those of the statement, type annotations included (`FetchPage` reads a row by
/// them when it sends the statement unnamed).
#[derive(sqlx::FromRow)]
pub(super) struct PageRow {
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) description: Option<String>,
    pub(super) completed: bool,
    pub(super) priority: i16,
    #[sqlx(rename = "due_date: _")]
    pub(super) due_date: Option<NaiveDate>,
    #[sqlx(rename = "due_time: _")]
    pub(super) due_time: Option<NaiveTime>,
    #[sqlx(rename = "due_at: _")]
    pub(super) due_at: Option<DateTime<Utc>>,
    pub(super) repeat: Option<String>,
    pub(super) repeat_from_completion: bool,
    #[sqlx(rename = "remind_at: _")]
    pub(super) remind_at: Option<DateTime<Utc>>,
    pub(super) remind_before_minutes: Option<i32>,
    #[sqlx(rename = "tags!")]
    pub(super) tags: Vec<String>,
    #[sqlx(rename = "created_at: _")]
    pub(super) created_at: DateTime<Utc>,
    #[sqlx(rename = "updated_at: _")]
    pub(super) updated_at: DateTime<Utc>,
    pub(super) version: i32,
    #[sqlx(rename = "active!")]
    pub(super) active: i64,
    #[sqlx(rename = "done!")]
    pub(super) done: i64,
}

impl From<PageRow> for Task {
    fn from(r: PageRow) -> Self {
        Task {
            id: r.id,
            title: r.title,
            description: r.description,
            completed: r.completed,
            priority: Priority::from_i16(r.priority),
            due_date: r.due_date,
            due_time: r.due_time,
            due_at: r.due_at,
            repeat: r.repeat,
            repeat_from_completion: r.repeat_from_completion,
            remind_at: r.remind_at,
            remind_before_minutes: r.remind_before_minutes,
            tags: r.tags,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

/// The tasks of a page, in order, and the counts of the whole list (`None` for an empty
/// page, which has no row to carry them).
pub(super) fn page(rows: Vec<PageRow>) -> (Vec<Task>, Option<Counts>) {
    let counts = rows.first().map(|r| Counts {
        active: r.active,
        completed: r.done,
    });
    (rows.into_iter().map(Task::from).collect(), counts)
}

/// The one statement behind every read of tasks: the tasks the conditions pick, in `order`,
/// at most `limit`, each with its owner's counts (two subqueries that do not depend on the row,
/// so PostgreSQL runs each once). A task's columns are spelled here once; each sort of the
/// list adds only its cursor condition and order, and stays a static, checked query of its
/// own, so PostgreSQL plans each with the index of its order. `$1` is always the owner.
///
/// The pieces are string literals joined with `+`, which `query_as!` reads as one literal:
/// the full text of each statement is in `.sqlx/`, where the bench's copy check finds it.
macro_rules! task_query {
    // A page of the list: every filter of `Filters` ($2 to $11), then the sort's cursor.
    //
    // Status, priority, due dates and the search's every word are one condition
    // (`coalesce(… and …, false)`, true exactly when each holds). A plan made for every value
    // at once (`Plan::Kept`) cannot know which filters are off and so counts on that one
    // condition keeping some of the rows; as separate conditions, each guessed selective (an
    // `ilike all` over an unknown array alone is guessed to keep one row in 200), they would
    // make it expect a handful of rows and read and sort all of them rather than read the
    // index in order. The tag and the longest search word stay conditions of their own, so
    // a plan for their values (`Plan::ForTheseValues`) can start from the tag's links or
    // the trigram index.
    //
    // The filters are bound by name from one `Filters` value `$f` (no positional list of
    // them to keep in order, where two `bool`s swapped would still compile); a sort passes
    // the owner, that value and its cursor's own arguments ($12 on).
    (list where $cond:tt order by $order:tt limit $limit:tt, $user:expr, $f:ident,
     $($arg:expr),+ $(,)?) => {
        task_query!(@statement
            [r#"
              and coalesce(($2::bool is null or t.completed = $2)
                and ($3::smallint is null or t.priority = $3)
                and ($5::date is null or t.due_date >= $5)
                and ($6::date is null or t.due_date <= $6)
                and (not $7::bool or t.due_date is null)
                and ($10::timestamptz is null or t.due_date < $6 or t.due_at < $10)
                and (not $11::bool or t.repeat is not null)
                and (t.title || ' ' || coalesce(t.description, '')) ilike all ($9::text[]), false)
              and ($4::text is null or t.id in (
                    select tt.task_id from task_tags tt join tags g on g.id = tt.tag_id
                     where g.user_id = $1 and lower(g.name) = lower($4)))
              and ($8::text is null or (t.title || ' ' || coalesce(t.description, '')) ilike $8)"#
             $cond]
            order by $order limit $limit,
            $user, $f.completed, $f.priority, $f.tag.as_deref(), $f.due_from as _,
            $f.due_to as _, $f.no_due, $f.search.as_deref(), &$f.all_words, $f.due_before as _,
            $f.repeating, $($arg),+)
    };
    // Tasks read from the table.
    (@statement [$($cond:tt)*] order by $order:tt limit $limit:tt, $($arg:expr),+ $(,)?) => {
        task_query!(@statement with "" from "tasks" [$($cond)*]
            order by $order limit $limit, $($arg),+)
    };
    // Tasks read from `$from`, a data-modifying `with` query that returns whole task rows
    // (the statement itself sees the table as it was before the change).
    (@statement with $with:tt from $from:tt [$($cond:tt)*] order by $order:tt limit $limit:tt,
     $($arg:expr),+ $(,)?) => {
        sqlx::query_as!(
            PageRow,
            $with + r#"
            select t.id, t.title, t.description, t.completed, t.priority,
                   t.due_date as "due_date: _", t.due_time as "due_time: _",
                   t.due_at as "due_at: _", t.repeat, t.repeat_from_completion,
                   t.remind_at as "remind_at: _", t.remind_before_minutes,
                   coalesce((select array_agg(g.name order by lower(g.name))
                               from task_tags tt join tags g on g.id = tt.tag_id
                              where tt.task_id = t.id), '{}') as "tags!",
                   t.created_at as "created_at: _", t.updated_at as "updated_at: _", t.version,
                   coalesce((select c.active from task_counts c where c.user_id = $1), 0)
                     as "active!",
                   coalesce((select c.completed from task_counts c where c.user_id = $1), 0)
                     as "done!"
            from "# + $from + r#" t
            where t.user_id = $1"#
            $(+ $cond)*
            + "\n            order by " + $order + "\n            limit " + $limit,
            $($arg),+
        )
    };
}

/// One of `user`'s tasks, with its tags.
pub(super) async fn task_by_id(
    conn: &mut PgConnection,
    user: Uuid,
    id: i64,
) -> Result<Option<Task>, sqlx::Error> {
    let rows = task_query!(@statement [r#"
              and t.id = $2"#]
        order by "t.id" limit "1",
        user, id,
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(page(rows).0.pop())
}

/// Why a write was not made: a quota, a stale version, or the database.
#[derive(Debug)]
pub enum WriteError {
    TooManyTasks(i64),
    TooManyTags(i64),
    /// The task has moved on from the version the write was based on; this is it now.
    Stale(Box<Task>),
    Db(sqlx::Error),
}

/// `user`'s task `id`, or `None`.
pub async fn task(pool: &PgPool, user: Uuid, id: i64) -> Result<Option<Task>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    task_by_id(&mut conn, user, id).await
}

impl From<sqlx::Error> for WriteError {
    fn from(err: sqlx::Error) -> Self {
        Self::Db(err)
    }
}
