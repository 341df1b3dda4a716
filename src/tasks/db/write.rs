//! Every write of a task: adding one or a whole import (one `unnest` insert), editing,
//! completing (with a repeating task's next occurrence), deleting; the quota counted under
//! the person's locked counter row; tags created and linked.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::{Acquire, PgConnection, PgPool};
use uuid::Uuid;

use crate::tasks::{
    input::TaskInput,
    schedule::{NextOf, Timing},
    Completion, Task,
};
use crate::{config::Quotas, zone::Zone};

use super::rows::{page, task_by_id, PageRow, WriteError};

/// Gives `user`'s task `task` exactly the tags `names` (created if they do not exist yet).
async fn set_tags(
    conn: &mut PgConnection,
    user: Uuid,
    task: i64,
    names: &[String],
    quotas: Quotas,
) -> Result<(), WriteError> {
    ensure_tags(conn, user, names, quotas).await?;
    sqlx::query!(
        r#"
        delete from task_tags
        where task_id = $2 and task_id in (select id from tasks where user_id = $1 and id = $2)
        "#,
        user,
        task,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"
        insert into task_tags (task_id, tag_id)
        select t.id, g.id from tasks t join tags g on g.user_id = t.user_id
        where t.user_id = $1 and t.id = $2
          and lower(g.name) in (select lower(n) from unnest($3::text[]) as n)
        "#,
        user,
        task,
        names,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Creates those of the tags `names` that `user` does not have yet, unless that would take
/// them past `quotas.tags`.
async fn ensure_tags(
    conn: &mut PgConnection,
    user: Uuid,
    names: &[String],
    quotas: Quotas,
) -> Result<(), WriteError> {
    if names.is_empty() {
        return Ok(());
    }
    // Names that are new to this person (as the database folds them) must fit the quota.
    // Concurrent edits can overshoot it by at most their own new names.
    let counts = sqlx::query!(
        r#"
        select (select count(*) from tags where user_id = $1) as "total!",
               (select count(distinct lower(n)) from unnest($2::text[]) as n
                 where not exists (select 1 from tags g
                                    where g.user_id = $1 and lower(g.name) = lower(n))) as "new!"
        "#,
        user,
        names,
    )
    .fetch_one(&mut *conn)
    .await?;
    if counts.new > 0 && counts.total + counts.new > quotas.tags {
        return Err(WriteError::TooManyTags(quotas.tags));
    }
    sqlx::query!(
        r#"
        insert into tags (user_id, name) select $1, name from unnest($2::text[]) as name
        on conflict (user_id, lower(name)) do nothing
        "#,
        user,
        names,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A task to add: validated as any new task, with the state it had where it came from (an
/// import, or a program that sends what it read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Insert {
    pub input: TaskInput,
    pub completed: bool,
    /// When it was made; now if not known.
    pub created_at: Option<DateTime<Utc>>,
}

impl Insert {
    /// A task as the person adds it now.
    pub fn new(input: TaskInput) -> Self {
        Self {
            input,
            completed: false,
            created_at: None,
        }
    }
}

/// The columns a person's input writes, spelled once: an add, an import and an edit write
/// these (a next occurrence copies them from the task before it, with its own `Timing`).
struct Columns<'a> {
    title: &'a str,
    description: Option<&'a str>,
    priority: i16,
    timing: Timing,
}

impl<'a> Columns<'a> {
    fn new(input: &'a TaskInput, zone: &Zone) -> Self {
        Self {
            title: input.title.as_str(),
            description: input.description.as_deref(),
            priority: input.priority.as_i16(),
            timing: Timing::new(input, zone),
        }
    }
}

/// `Columns` of many tasks as the arrays an `unnest` insert binds, position by position.
#[derive(Default)]
struct ColumnArrays<'a> {
    titles: Vec<&'a str>,
    descriptions: Vec<Option<&'a str>>,
    priorities: Vec<i16>,
    due_dates: Vec<Option<NaiveDate>>,
    due_times: Vec<Option<NaiveTime>>,
    due_ats: Vec<Option<DateTime<Utc>>>,
    repeats: Vec<Option<String>>,
    from_completion: Vec<bool>,
    remind_ats: Vec<Option<DateTime<Utc>>>,
    remind_befores: Vec<Option<i32>>,
}

impl<'a> ColumnArrays<'a> {
    fn push(&mut self, c: Columns<'a>) {
        let Columns {
            title,
            description,
            priority,
            timing:
                Timing {
                    due_date,
                    due_time,
                    due_at,
                    repeat,
                    repeat_from_completion,
                    remind_at,
                    remind_before_minutes,
                },
        } = c;
        self.titles.push(title);
        self.descriptions.push(description);
        self.priorities.push(priority);
        self.due_dates.push(due_date);
        self.due_times.push(due_time);
        self.due_ats.push(due_at);
        self.repeats.push(repeat);
        self.from_completion.push(repeat_from_completion);
        self.remind_ats.push(remind_at);
        self.remind_befores.push(remind_before_minutes);
    }
}

/// Adds `rows` to `user`'s list in the transaction `tx`, whose task count the caller has
/// locked and checked: one `unnest` insert for one task or a whole import, the new tags
/// created and linked in two statements more. Returns the id of the one row, when there is
/// exactly one.
async fn insert_rows(
    tx: &mut PgConnection,
    user: Uuid,
    zone: &Zone,
    rows: &[Insert],
    quotas: Quotas,
) -> Result<Option<i64>, WriteError> {
    let mut names: Vec<String> = rows
        .iter()
        .flat_map(|t| t.input.tags.iter().cloned())
        .collect();
    names.sort_unstable();
    names.dedup();
    ensure_tags(tx, user, &names, quotas).await?;
    // With tags to link to more than one task, the ids are taken first so each link finds
    // its task by position; otherwise the insert takes them itself.
    let ids: Vec<Option<i64>> = if names.is_empty() || rows.len() == 1 {
        vec![None; rows.len()]
    } else {
        sqlx::query_scalar!(
            r#"select nextval(pg_get_serial_sequence('tasks', 'id')) as "id!" from generate_series(1, $1::bigint)"#,
            rows.len() as i64,
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(Some)
        .collect()
    };
    let mut columns = ColumnArrays::default();
    for row in rows {
        columns.push(Columns::new(&row.input, zone));
    }
    let completed: Vec<bool> = rows.iter().map(|t| t.completed).collect();
    let created: Vec<Option<DateTime<Utc>>> = rows.iter().map(|t| t.created_at).collect();
    let ColumnArrays {
        titles,
        descriptions,
        priorities,
        due_dates,
        due_times,
        due_ats,
        repeats,
        from_completion,
        remind_ats,
        remind_befores,
    } = columns;
    let added = sqlx::query_scalar!(
        r#"
        insert into tasks (id, user_id, title, description, priority, due_date, completed, created_at,
                           due_time, due_at, repeat, repeat_from_completion, remind_at,
                           remind_before_minutes)
        overriding system value
        select coalesce(i.id, nextval(pg_get_serial_sequence('tasks', 'id'))), $1, i.title,
               i.description, i.priority, i.due_date, i.completed,
               coalesce(i.created_at, now()), i.due_time, i.due_at, i.repeat,
               i.repeat_from_completion, i.remind_at, i.remind_before_minutes
          from unnest($2::bigint[], $3::text[], $4::text[], $5::smallint[], $6::date[],
                      $7::bool[], $8::timestamptz[], $9::time[], $10::timestamptz[], $11::text[],
                      $12::bool[], $13::timestamptz[], $14::int[])
               as i(id, title, description, priority, due_date, completed, created_at,
                    due_time, due_at, repeat, repeat_from_completion, remind_at,
                    remind_before_minutes)
        returning id
        "#,
        user,
        &ids as _,
        &titles as _,
        &descriptions as _,
        &priorities,
        &due_dates as _,
        &completed,
        &created as _,
        &due_times as _,
        &due_ats as _,
        &repeats as _,
        &from_completion,
        &remind_ats as _,
        &remind_befores as _,
    )
    .fetch_all(&mut *tx)
    .await?;
    let one = match added.as_slice() {
        [id] => Some(*id),
        _ => None,
    };
    let ids: Vec<i64> = match one {
        Some(id) => vec![id],
        None => ids.into_iter().flatten().collect(),
    };
    let (link_ids, link_names): (Vec<i64>, Vec<&str>) = rows
        .iter()
        .zip(&ids)
        .flat_map(|(t, id)| t.input.tags.iter().map(move |name| (*id, name.as_str())))
        .unzip();
    if !link_ids.is_empty() {
        sqlx::query!(
            r#"
            insert into task_tags (task_id, tag_id)
            select p.task_id, g.id
              from unnest($2::bigint[], $3::text[]) as p(task_id, name)
              join tags g on g.user_id = $1 and lower(g.name) = lower(p.name)
            on conflict do nothing
            "#,
            user,
            &link_ids,
            &link_names as _,
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(one)
}

/// Adds every task of `tasks` to `user`'s list, or none: one transaction, counted against
/// the quotas as a whole (the counter row locked as for one add). Six statements at most
/// (three without tags), however many tasks. Returns how many were added.
pub async fn import_tasks(
    pool: &PgPool,
    user: Uuid,
    zone: &Zone,
    tasks: &[Insert],
    quotas: Quotas,
) -> Result<u64, WriteError> {
    let count = tasks.len() as i64;
    let mut tx = pool.begin().await?;
    let kept = lock_task_count(&mut tx, user).await?;
    if kept + count > quotas.tasks {
        return Err(WriteError::TooManyTasks(quotas.tasks));
    }
    insert_rows(&mut tx, user, zone, tasks, quotas).await?;
    tx.commit().await?;
    Ok(count as u64)
}

/// After a conditional write changed no row: `Stale` with the task as it is now, or `None`
/// when `user` has no task `id`.
async fn stale_or_missing(
    conn: &mut PgConnection,
    user: Uuid,
    id: i64,
) -> Result<Option<Task>, WriteError> {
    match task_by_id(conn, user, id).await? {
        Some(now) => Err(WriteError::Stale(Box::new(now))),
        None => Ok(None),
    }
}

/// How many tasks `user` has, with their counter row locked until the transaction ends, so
/// that concurrent adds and imports are counted one after another and the quota holds exactly.
async fn lock_task_count(conn: &mut PgConnection, user: Uuid) -> Result<i64, sqlx::Error> {
    Ok(sqlx::query_scalar!(
        r#"select active + completed as "kept!" from task_counts where user_id = $1 for update"#,
        user,
    )
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or(0))
}

/// Adds a task unless `user` already has `quotas.tasks`. The person's counter row is locked
/// first, so concurrent adds are counted one after another and the quota holds exactly.
pub async fn insert_task(
    pool: &PgPool,
    user: Uuid,
    zone: &Zone,
    task: &Insert,
    quotas: Quotas,
) -> Result<Task, WriteError> {
    let mut tx = pool.begin().await?;
    let kept = lock_task_count(&mut tx, user).await?;
    if kept >= quotas.tasks {
        return Err(WriteError::TooManyTasks(quotas.tasks));
    }
    let id = insert_rows(&mut tx, user, zone, std::slice::from_ref(task), quotas)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    // Missing right after its insert is a fault (500, logged), not a task that is not theirs.
    let task = task_by_id(&mut tx, user, id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    tx.commit().await?;
    Ok(task)
}

/// `None` when `user` has no task `id`; `Stale` when `based_on` is given and the task is no
/// longer at that version (nothing is written).
#[allow(clippy::too_many_arguments)]
pub async fn update_task(
    pool: &PgPool,
    user: Uuid,
    zone: &Zone,
    id: i64,
    based_on: Option<i32>,
    task: &TaskInput,
    quotas: Quotas,
) -> Result<Option<Task>, WriteError> {
    let mut tx = pool.begin().await?;
    let Columns {
        title,
        description,
        priority,
        timing,
    } = Columns::new(task, zone);
    let updated = sqlx::query_scalar!(
        r#"
        update tasks set title = $3, description = $4, priority = $5, due_date = $6,
                         due_time = $7, due_at = $8, repeat = $9, repeat_from_completion = $10,
                         remind_at = $11, remind_before_minutes = $12
        where user_id = $1 and id = $2 and ($13::int is null or version = $13)
        returning id
        "#,
        user,
        id,
        title,
        description,
        priority,
        timing.due_date as _,
        timing.due_time as _,
        timing.due_at as _,
        timing.repeat,
        timing.repeat_from_completion,
        timing.remind_at as _,
        timing.remind_before_minutes,
        based_on,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if updated.is_none() {
        return stale_or_missing(&mut tx, user, id).await;
    }
    set_tags(&mut tx, user, id, &task.tags, quotas).await?;
    let task = task_by_id(&mut tx, user, id).await?;
    tx.commit().await?;
    Ok(task)
}

/// `None` when `user` has no task `id`; `Stale` when `based_on` is given and the task is no
/// longer at that version (nothing is written). A task that does not repeat is one
/// statement; a repeating one is one transaction: completing it adds its next occurrence
/// (`Timing::next_occurrence`, with the task's priority and tags; none when it already has
/// one); undoing that deletes the occurrence again if it is as it was made. Returns the
/// task, the next occurrence added and the occurrences taken back.
pub async fn set_completed(
    pool: &PgPool,
    user: Uuid,
    zone: &Zone,
    id: i64,
    based_on: Option<i32>,
    completed: bool,
    quotas: Quotas,
) -> Result<Option<Completion>, WriteError> {
    let mut conn = pool.acquire().await?;
    // A task that does not repeat: one statement, no transaction around it.
    if let Some(task) = complete(&mut conn, user, id, based_on, completed, false).await? {
        return Ok(Some(Completion::of(task)));
    }
    // It repeats (or has moved on, or is not theirs): the transaction.
    let mut tx = conn.begin().await?;
    let Some(task) = complete(&mut tx, user, id, based_on, completed, true).await? else {
        return stale_or_missing(&mut tx, user, id)
            .await
            .map(|none| none.map(Completion::of));
    };
    let mut done = Completion::of(task);
    match (completed, done.task.repeat.is_some()) {
        (true, true) => {
            if let Some(next) = add_next_occurrence(&mut tx, user, zone, &done.task, quotas).await?
            {
                done.added = task_by_id(&mut tx, user, next).await?;
            }
        }
        (false, true) => {
            done.withdrawn = sqlx::query_scalar!(
                r#"
                delete from tasks
                where user_id = $1 and previous_id = $2 and version = 1 and not completed
                returning id
                "#,
                user,
                id,
            )
            .fetch_all(&mut *tx)
            .await?;
        }
        (_, false) => {}
    }
    tx.commit().await?;
    Ok(Some(done))
}

/// Adds the next occurrence of `task`, which was just completed, unless it has one already
/// or its series has ended. Counted against the quota like any add.
async fn add_next_occurrence(
    conn: &mut PgConnection,
    user: Uuid,
    zone: &Zone,
    task: &Task,
    quotas: Quotas,
) -> Result<Option<i64>, WriteError> {
    let Some(next) = Timing::of(task).next_occurrence(zone, Utc::now()) else {
        return Ok(None);
    };
    let added = add_next_occurrences(conn, user, &[(task.id, next)], quotas).await?;
    Ok(added.first().copied())
}

/// Adds each of `next` (a task just completed and its next occurrence's times): a copy of
/// that task (title, description, priority, tags) with those times, unless it already has
/// one. All or none, counted against the quota as a whole; three statements however many.
/// Returns the ids added.
async fn add_next_occurrences(
    conn: &mut PgConnection,
    user: Uuid,
    next: &[NextOf],
    quotas: Quotas,
) -> Result<Vec<i64>, WriteError> {
    if next.is_empty() {
        return Ok(Vec::new());
    }
    if lock_task_count(conn, user).await? + next.len() as i64 > quotas.tasks {
        return Err(WriteError::TooManyTasks(quotas.tasks));
    }
    let of: Vec<i64> = next.iter().map(|(id, _)| *id).collect();
    let column = |f: fn(&Timing) -> Option<DateTime<Utc>>| -> Vec<Option<DateTime<Utc>>> {
        next.iter().map(|(_, t)| f(t)).collect()
    };
    let due_ats = column(|t| t.due_at);
    let remind_ats = column(|t| t.remind_at);
    let due_dates: Vec<Option<NaiveDate>> = next.iter().map(|(_, t)| t.due_date).collect();
    let due_times: Vec<Option<NaiveTime>> = next.iter().map(|(_, t)| t.due_time).collect();
    let repeats: Vec<Option<&str>> = next.iter().map(|(_, t)| t.repeat.as_deref()).collect();
    let from_completion: Vec<bool> = next.iter().map(|(_, t)| t.repeat_from_completion).collect();
    let remind_befores: Vec<Option<i32>> =
        next.iter().map(|(_, t)| t.remind_before_minutes).collect();
    let added = sqlx::query!(
        r#"
        insert into tasks (user_id, title, description, priority, due_date, due_time, due_at,
                           repeat, repeat_from_completion, remind_at, remind_before_minutes,
                           previous_id)
        select t.user_id, t.title, t.description, t.priority, n.due_date, n.due_time, n.due_at,
               n.repeat, n.repeat_from_completion, n.remind_at, n.remind_before_minutes, t.id
          from unnest($2::bigint[], $3::date[], $4::time[], $5::timestamptz[], $6::text[],
                      $7::bool[], $8::timestamptz[], $9::int[])
               as n(previous_id, due_date, due_time, due_at, repeat, repeat_from_completion,
                    remind_at, remind_before_minutes)
          join tasks t on t.id = n.previous_id and t.user_id = $1
         where not exists (select 1 from tasks x where x.previous_id = t.id)
        returning id, previous_id as "previous_id!"
        "#,
        user,
        &of,
        &due_dates as _,
        &due_times as _,
        &due_ats as _,
        &repeats as _,
        &from_completion,
        &remind_ats as _,
        &remind_befores as _,
    )
    .fetch_all(&mut *conn)
    .await?;
    let (ids, previous): (Vec<i64>, Vec<i64>) =
        added.into_iter().map(|r| (r.id, r.previous_id)).unzip();
    if !ids.is_empty() {
        sqlx::query!(
            r#"
            insert into task_tags (task_id, tag_id)
            select n.id, tt.tag_id
              from unnest($2::bigint[], $3::bigint[]) as n(id, previous_id)
              join tasks t on t.id = n.previous_id and t.user_id = $1
              join task_tags tt on tt.task_id = t.id
            "#,
            user,
            &ids,
            &previous,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(ids)
}

/// Marks `user`'s task `id` done or not, if it is at `based_on` (when given) and, unless
/// `repeating_too`, does not repeat: the task as it is then, or `None` when nothing was
/// written. One statement.
async fn complete(
    conn: &mut PgConnection,
    user: Uuid,
    id: i64,
    based_on: Option<i32>,
    completed: bool,
    repeating_too: bool,
) -> Result<Option<Task>, sqlx::Error> {
    let rows = task_query!(@statement
        with r#"
            with changed as (
              update tasks set completed = $3
              where user_id = $1 and id = $2 and ($4::int is null or version = $4)
                and ($5 or repeat is null)
              returning *
            )"#
        from "changed"
        [r#"
              and t.id = $2"#]
        order by "t.id" limit "1",
        user, id, completed, based_on, repeating_too,
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(page(rows).0.pop())
}

/// Marks every one of `user`'s tasks done (or not done); returns how many changed. As for
/// one task: the repeating ones completed get their next occurrences (one statement for all
/// of them), and marking all not done deletes the untouched occurrences their completion
/// made. One transaction.
pub async fn set_all_completed(
    pool: &PgPool,
    user: Uuid,
    zone: &Zone,
    completed: bool,
    quotas: Quotas,
) -> Result<u64, WriteError> {
    let mut tx = pool.begin().await?;
    let changed = if completed {
        let done = sqlx::query!(
            r#"
            update tasks set completed = true where user_id = $1 and not completed
            returning id, due_date as "due_date: NaiveDate", due_time as "due_time: NaiveTime",
                      due_at as "due_at: DateTime<Utc>", repeat, repeat_from_completion,
                      remind_at as "remind_at: DateTime<Utc>", remind_before_minutes
            "#,
            user,
        )
        .fetch_all(&mut *tx)
        .await?;
        let changed = done.len() as u64;
        let now = Utc::now();
        let next: Vec<NextOf> = done
            .into_iter()
            .filter(|r| r.repeat.is_some())
            .filter_map(|r| {
                let timing = Timing {
                    due_date: r.due_date,
                    due_time: r.due_time,
                    due_at: r.due_at,
                    repeat: r.repeat,
                    repeat_from_completion: r.repeat_from_completion,
                    remind_at: r.remind_at,
                    remind_before_minutes: r.remind_before_minutes,
                };
                Some((r.id, timing.next_occurrence(zone, now)?))
            })
            .collect();
        add_next_occurrences(&mut tx, user, &next, quotas).await?;
        changed
    } else {
        sqlx::query!(
            r#"
            delete from tasks
             where user_id = $1 and not completed and version = 1
               and previous_id in (select id from tasks
                                    where user_id = $1 and completed and repeat is not null)
            "#,
            user,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            r#"update tasks set completed = false where user_id = $1 and completed"#,
            user,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
    };
    tx.commit().await?;
    Ok(changed)
}

/// False when `user` has no task `id`.
pub async fn delete_task(pool: &PgPool, user: Uuid, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"delete from tasks where user_id = $1 and id = $2"#,
        user,
        id
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes `user`'s completed tasks; returns how many.
pub async fn clear_completed(pool: &PgPool, user: Uuid) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"delete from tasks where user_id = $1 and completed"#,
        user
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
