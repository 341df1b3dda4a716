-- ############################################################################################
-- #  THE LIST PAGE'S SQL, COPIED FROM .sqlx/ (the statement of `tasks_page` for its default  #
-- #  sort, `newest`, which `task_query!` in src/tasks/db/rows.rs assembles; it also reads the#
-- #  counts). This is the one place to update when that query changes: paste the `query` of  #
-- #  its .sqlx/ file between the header and the `;`, and fix the @params line (and @setting, #
-- #  if startup::connect changes the pool's session settings).                              #
-- ############################################################################################
--
-- bench/run.sh runs these through pgbench (-M prepared, or -M extended for the searched page,
-- as the app sends each: tasks::db::Plan; the same clients as the HTTP run,
-- the same user ids, cursor and search values) as the ceiling that GET /api/list_tasks is
-- measured against. The load generator turns this file into one pgbench script per scenario
-- (bench/work/pgbench-*.sql) and checks, before anything runs, that every statement below
-- is still, whitespace aside, one of the app's checked statements in .sqlx/; the report says
-- if not.
--
-- Format:
--   -- @setting <name>=<value>   a session setting for pgbench's connections (PGOPTIONS), as
--                               the app's pool sets it (startup::connect)
--   -- @query <name>
--   -- @for <scenarios whose script runs it: first (first page, default sort),
--   --       search (the filtered and searched page), deep (a page far down, via cursor)>
--   -- @params $1=<value>:<sql type> $2=...   (the sqlx bind arguments, in order)
--   <SQL exactly as in .sqlx/>
--   ;
-- Values the harness sets for every scenario (`Scenario::values` in bench/loadgen/src/main.rs):
-- user, completed, priority, tag, due_from, due_to, no_due, search, all_words, due_before,
-- repeating, after_created_at, after_id, limit. A value the scenario leaves unset is bound as
-- SQL null (what sqlx binds for None). Each $n stays a bound parameter of the SQL type given here.

-- @setting plan_cache_mode=auto

-- @query tasks_page, sort newest, with the counts (db.rs `tasks_page`, `Sort::Newest`)
-- @for first search deep
-- @params $1=user:uuid $2=completed:bool $3=priority:smallint $4=tag:text $5=due_from:date $6=due_to:date $7=no_due:bool $8=search:text $9=all_words:text[] $10=due_before:timestamptz $11=repeating:bool $12=after_created_at:timestamptz $13=after_id:int8 $14=limit:int8
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
            from tasks t
            where t.user_id = $1
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
              and ($8::text is null or (t.title || ' ' || coalesce(t.description, '')) ilike $8)
              and (t.created_at, t.id) < (coalesce($12::timestamptz, 'infinity'), coalesce($13::bigint, 0))
            order by t.created_at desc, t.id desc
            limit $14
;
