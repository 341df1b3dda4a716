//! A page of the list: the filters as bind parameters, how each page is planned, one
//! statement per sort (`task_query!`), and the export's pages.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{
    postgres::{PgArguments, PgRow},
    Execute, PgPool, Postgres,
};
use uuid::Uuid;

use crate::tasks::{
    cursor::Cursor,
    list::{Due, ListQuery, Sort},
    Counts, Priority, Task,
};
use crate::zone::Zone;

use super::rows::{page, PageRow};

/// The filters of a list query, as bind parameters.
struct Filters {
    completed: Option<bool>,
    priority: Option<i16>,
    tag: Option<String>,
    due_from: Option<NaiveDate>,
    due_to: Option<NaiveDate>,
    no_due: bool,
    /// Overdue: a date before `due_to`, or a due moment before this one.
    due_before: Option<DateTime<Utc>>,
    /// Only tasks that repeat.
    repeating: bool,
    /// The longest search word's pattern: the one the trigram index looks up.
    search: Option<String>,
    /// Every search word's pattern: all must match.
    all_words: Vec<String>,
}

impl Filters {
    fn new(query: &ListQuery, now: DateTime<Utc>, zone: &Zone) -> Self {
        let (due_from, due_to, no_due) = query
            .due
            .map_or((None, None, false), |due| due.range(zone.local(now).date()));
        let due_before = (query.due == Some(Due::Overdue)).then_some(now);
        let all_words = query.search_patterns();
        Self {
            completed: query.status.completed(),
            priority: query.priority.map(Priority::as_i16),
            tag: query.tag.clone(),
            due_from,
            due_to,
            no_due,
            due_before,
            repeating: query.repeating,
            search: all_words.iter().max_by_key(|w| w.len()).cloned(),
            all_words,
        }
    }
}

/// How PostgreSQL plans a page's statement.
#[derive(Clone, Copy)]
enum Plan {
    /// As a prepared statement, which PostgreSQL plans for every value at once after a few
    /// executions if that plan costs no more (`plan_cache_mode = auto`). For a page of the
    /// whole list or of its active or done tasks: that plan reads the sort's index from the
    /// cursor and stops after a page, however long the list.
    Kept,
    /// As an unnamed statement, planned for the values of this execution (one more round
    /// trip). A page of a tag or a search, whose matches may be a few among many: a plan made
    /// for them can start from the tag's links or the trigram index rather than read the
    /// whole list in order looking for them.
    ForTheseValues,
}

/// Runs a checked `task_query!` statement with the chosen `Plan`.
trait FetchPage {
    async fn fetch_page(self, pool: &PgPool, plan: Plan) -> Result<Vec<PageRow>, sqlx::Error>;
}

impl<'q, F> FetchPage for sqlx::query::Map<'q, Postgres, F, PgArguments>
where
    F: FnMut(PgRow) -> Result<PageRow, sqlx::Error> + Send,
{
    async fn fetch_page(mut self, pool: &PgPool, plan: Plan) -> Result<Vec<PageRow>, sqlx::Error> {
        match plan {
            Plan::Kept => self.fetch_all(pool).await,
            Plan::ForTheseValues => {
                // The same checked text and arguments, sent as an unnamed statement.
                let sql = self.sql();
                let args = self.take_arguments().map_err(sqlx::Error::Encode)?;
                sqlx::query_as_with::<_, PageRow, _>(sql, args.unwrap_or_default())
                    .persistent(false)
                    .fetch_all(pool)
                    .await
            }
        }
    }
}

/// A page of `user`'s tasks in `query`'s order and filters, after `after` (a cursor of
/// that same order, as `Cursor::parse` guarantees), with the counts of their whole list: one
/// statement, and a second only when the page is empty.
pub async fn tasks_page(
    pool: &PgPool,
    user: Uuid,
    query: &ListQuery,
    after: Option<&Cursor>,
    zone: &Zone,
    limit: i64,
) -> Result<(Vec<Task>, Counts), sqlx::Error> {
    let filters = Filters::new(query, Utc::now(), zone);
    let plan = if filters.tag.is_some() || filters.search.is_some() {
        Plan::ForTheseValues
    } else {
        Plan::Kept
    };
    let rows = match query.sort {
        Sort::Newest => {
            let (at, id) = match after {
                Some(Cursor::Newest { created_at, id }) => (Some(*created_at), Some(*id)),
                _ => (None, None),
            };
            task_query!(list where r#"
              and (t.created_at, t.id) < (coalesce($12::timestamptz, 'infinity'), coalesce($13::bigint, 0))"#
                order by "t.created_at desc, t.id desc" limit "$14",
                user, filters, at as _, id, limit,
            )
            .fetch_page(pool, plan)
            .await?
        }
        Sort::Oldest => {
            let (at, id) = match after {
                Some(Cursor::Oldest { created_at, id }) => (Some(*created_at), Some(*id)),
                _ => (None, None),
            };
            task_query!(list where r#"
              and (t.created_at, t.id) > (coalesce($12::timestamptz, '-infinity'), coalesce($13::bigint, 0))"#
                order by "t.created_at, t.id" limit "$14",
                user, filters, at as _, id, limit,
            )
            .fetch_page(pool, plan)
            .await?
        }
        // Soonest due first; within a day by time, tasks without a time after those with
        // one; tasks without a date last.
        Sort::Due => {
            let (has_cursor, due, due_at, id) = match after {
                Some(Cursor::Due { due, at, id }) => (true, *due, *at, Some(*id)),
                _ => (false, None, None, None),
            };
            task_query!(list where r#"
              and (coalesce(t.due_date, 'infinity'), coalesce(t.due_at, 'infinity'), t.id)
                  > (case when $12::bool then coalesce($13::date, 'infinity') else '-infinity' end,
                     case when $12::bool then coalesce($14::timestamptz, 'infinity') else '-infinity' end,
                     coalesce($15::bigint, 0))"#
                order by "coalesce(t.due_date, 'infinity'), coalesce(t.due_at, 'infinity'), t.id" limit "$16",
                user, filters, has_cursor, due as _, due_at as _, id, limit,
            )
            .fetch_page(pool, plan)
            .await?
        }
        // Highest priority first, then newest.
        Sort::Priority => {
            let (after_priority, at, id) = match after {
                Some(Cursor::Priority {
                    priority,
                    created_at,
                    id,
                }) => (Some(priority.as_i16()), Some(*created_at), Some(*id)),
                _ => (None, None, None),
            };
            task_query!(list where r#"
              and (t.priority, t.created_at, t.id)
                  < (coalesce($12::smallint, 32767), coalesce($13::timestamptz, 'infinity'),
                     coalesce($14::bigint, 0))"#
                order by "t.priority desc, t.created_at desc, t.id desc" limit "$15",
                user, filters, after_priority, at as _, id, limit,
            )
            .fetch_page(pool, plan)
            .await?
        }
        // A to Z, whatever the case.
        Sort::Title => {
            let (title, id) = match after {
                Some(Cursor::Title { title, id }) => (Some(title.as_str()), Some(*id)),
                _ => (None, None),
            };
            task_query!(list where r#"
              and (lower(t.title), t.id) > (lower(coalesce($12::text, '')), coalesce($13::bigint, 0))"#
                order by "lower(t.title), t.id" limit "$14",
                user, filters, title, id, limit,
            )
            .fetch_page(pool, plan)
            .await?
        }
    };
    let (tasks, counts) = page(rows);
    let counts = match counts {
        Some(counts) => counts,
        // An empty page has no row to bring the counts: a second, small statement.
        None => list_counts(pool, user).await?,
    };
    Ok((tasks, counts))
}

/// How many of `user`'s tasks are active and done.
async fn list_counts(pool: &PgPool, user: Uuid) -> Result<Counts, sqlx::Error> {
    let counts = sqlx::query_as!(
        Counts,
        r#"select active, completed from task_counts where user_id = $1"#,
        user,
    )
    .fetch_optional(pool)
    .await?;
    Ok(counts.unwrap_or_default())
}

/// A page of `user`'s tasks for an export: oldest first (the list's `oldest` order and its
/// statement), after `after`.
pub async fn export_page(
    pool: &PgPool,
    user: Uuid,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<Task>, sqlx::Error> {
    let query = ListQuery {
        sort: Sort::Oldest,
        ..ListQuery::default()
    };
    Ok(
        tasks_page(pool, user, &query, after, &Zone::default(), limit)
            .await?
            .0,
    )
}
