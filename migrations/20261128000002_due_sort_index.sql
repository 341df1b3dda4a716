-- The due-date sort orders by `coalesce(due_date, 'infinity')`, which puts tasks without a
-- date last exactly as `due_date nulls last` did, but lets a page's cursor be one row
-- comparison, `(coalesce(due_date, 'infinity'), id) > (…)`: an index condition even in a
-- generic plan, so a prepared statement that PostgreSQL plans once reads a page deep in the
-- list straight from its place in this index.
create index tasks_user_id_due_idx on tasks (user_id, coalesce(due_date, 'infinity'::date), id);

-- The index of the old order. An older instance still running during a rollout sorts the
-- same rows correctly without it, only by reading more of them.
drop index tasks_user_id_due_date_idx;
