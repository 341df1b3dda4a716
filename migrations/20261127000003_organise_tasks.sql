-- Organising tasks: priority, due dates, per-person tags, search, and per-person counts
-- that stay cheap at 100,000 tasks.

create extension if not exists pg_trgm;

-- 0 none, 1 low, 2 medium, 3 high.
alter table tasks
    add column priority smallint not null default 0
        constraint tasks_priority_range check (priority between 0 and 3),
    add column due_date date;

-- Each person's own tags; a name is unique per person whatever its case.
create table tags (
    id         bigint generated always as identity primary key,
    user_id    uuid not null constraint tags_user_id_fkey references users (id) on delete cascade,
    name       text not null
               constraint tags_name_length check (char_length(name) between 1 and 40)
               constraint tags_name_not_blank check (name ~ '[^[:space:]]'),
    created_at timestamptz not null default now()
);
create unique index tags_user_id_name_key on tags (user_id, lower(name));

create table task_tags (
    task_id bigint not null constraint task_tags_task_id_fkey references tasks (id) on delete cascade,
    tag_id  bigint not null constraint task_tags_tag_id_fkey references tags (id) on delete cascade,
    primary key (task_id, tag_id)
);
create index task_tags_tag_id_task_id_idx on task_tags (tag_id, task_id);

-- Search: case-insensitive substring matches on title and description (partial words),
-- served by a trigram index on the same expression the queries use.
create index tasks_search_trgm_idx on tasks
    using gin ((title || ' ' || coalesce(description, '')) gin_trgm_ops);

-- The sort orders of the list, each with the owner first and the id as the tie-breaker.
create index tasks_user_id_due_date_idx on tasks (user_id, due_date, id);
create index tasks_user_id_priority_idx on tasks (user_id, priority desc, created_at desc, id desc);
create index tasks_user_id_title_idx on tasks (user_id, lower(title), id);

-- How many tasks each person has, kept by triggers, so the counter under the list costs one
-- row read instead of a count over all of their tasks.
create table task_counts (
    user_id   uuid primary key constraint task_counts_user_id_fkey references users (id) on delete cascade,
    active    bigint not null default 0,
    completed bigint not null default 0
);

insert into task_counts (user_id, active, completed)
select u.id,
       count(t.id) filter (where not t.completed),
       count(t.id) filter (where t.completed)
from users u left join tasks t on t.user_id = u.id
group by u.id;

-- Statement-level triggers with transition tables: "mark all done" on 100,000 tasks
-- updates the counter row once, not 100,000 times.
create or replace function task_counts_after_insert() returns trigger
language plpgsql as $$
begin
    insert into task_counts (user_id, active, completed)
    select user_id, count(*) filter (where not completed), count(*) filter (where completed)
    from new_rows group by user_id
    on conflict (user_id) do update
        set active = task_counts.active + excluded.active,
            completed = task_counts.completed + excluded.completed;
    return null;
end;
$$;

create or replace function task_counts_after_delete() returns trigger
language plpgsql as $$
begin
    update task_counts c
       set active = c.active - d.active,
           completed = c.completed - d.completed
      from (select user_id,
                   count(*) filter (where not completed) as active,
                   count(*) filter (where completed) as completed
              from old_rows group by user_id) d
     where c.user_id = d.user_id;
    return null;
end;
$$;

create or replace function task_counts_after_update() returns trigger
language plpgsql as $$
begin
    update task_counts c
       set active = c.active - d.newly_completed,
           completed = c.completed + d.newly_completed
      from (select n.user_id,
                   sum(case when n.completed then 1 else -1 end) as newly_completed
              from new_rows n join old_rows o on o.id = n.id
             where n.completed is distinct from o.completed
             group by n.user_id) d
     where c.user_id = d.user_id;
    return null;
end;
$$;

create trigger tasks_counts_insert after insert on tasks
    referencing new table as new_rows
    for each statement execute function task_counts_after_insert();
create trigger tasks_counts_delete after delete on tasks
    referencing old table as old_rows
    for each statement execute function task_counts_after_delete();
create trigger tasks_counts_update after update on tasks
    referencing old table as old_rows new table as new_rows
    for each statement execute function task_counts_after_update();
