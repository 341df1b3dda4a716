-- Live updates and concurrent edits.
--
-- Every task carries a version, moved on by every update: an edit or a toggle names the
-- version it was based on and is refused when the row has moved on (see tasks/db.rs).
--
-- Every change to a person's tasks, tags or sessions sends one notification on the channel
-- `tasklist_events` when its transaction commits, with ids and versions only (never row
-- data): each server instance LISTENs there and passes it to that person's open pages
-- (src/live). One notification per person per statement, so marking 100,000 tasks done sends
-- one, not 100,000. Payloads (JSON, well under PostgreSQL's 8,000-byte limit):
--   {"u": <user id>, "k": "task", "id": <task id>, "v": <version>}   one task added or changed
--   {"u": <user id>, "k": "deleted", "id": <task id>}               one task deleted
--   {"u": <user id>, "k": "tasks"}                                  several tasks at once
--   {"u": <user id>, "k": "tags"}                                   tags added, renamed, deleted
--   {"u": <user id>, "k": "session"}                                a session of theirs ended
--
-- Expand only: an older instance still running during a rollout neither reads nor writes
-- `version` (its inserts take the default, its updates move it on through the trigger) and
-- ignores the notifications.

alter table tasks add column version integer not null default 1;

create or replace function tasks_bump_version() returns trigger
language plpgsql as $$
begin
    new.version := old.version + 1;
    return new;
end;
$$;

create trigger tasks_bump_version
    before update on tasks
    for each row execute function tasks_bump_version();

create or replace function notify_task_changes() returns trigger
language plpgsql as $$
declare
    r record;
begin
    if tg_op = 'DELETE' then
        for r in select user_id, count(*) as n, min(id) as id from old_rows group by user_id loop
            perform pg_notify('tasklist_events', case
                when r.n = 1 then json_build_object('u', r.user_id, 'k', 'deleted', 'id', r.id)
                else json_build_object('u', r.user_id, 'k', 'tasks')
            end::text);
        end loop;
    else
        for r in
            select user_id, count(*) as n, min(id) as id, min(version) as v
            from new_rows group by user_id
        loop
            perform pg_notify('tasklist_events', case
                when r.n = 1 then json_build_object('u', r.user_id, 'k', 'task', 'id', r.id, 'v', r.v)
                else json_build_object('u', r.user_id, 'k', 'tasks')
            end::text);
        end loop;
    end if;
    return null;
end;
$$;

create trigger tasks_notify_insert after insert on tasks
    referencing new table as new_rows
    for each statement execute function notify_task_changes();
create trigger tasks_notify_update after update on tasks
    referencing new table as new_rows
    for each statement execute function notify_task_changes();
create trigger tasks_notify_delete after delete on tasks
    referencing old table as old_rows
    for each statement execute function notify_task_changes();

create or replace function notify_tag_changes() returns trigger
language plpgsql as $$
declare
    r record;
begin
    if tg_op = 'DELETE' then
        for r in select distinct user_id from old_rows loop
            perform pg_notify('tasklist_events', json_build_object('u', r.user_id, 'k', 'tags')::text);
        end loop;
    else
        for r in select distinct user_id from new_rows loop
            perform pg_notify('tasklist_events', json_build_object('u', r.user_id, 'k', 'tags')::text);
        end loop;
    end if;
    return null;
end;
$$;

create trigger tags_notify_insert after insert on tags
    referencing new table as new_rows
    for each statement execute function notify_tag_changes();
create trigger tags_notify_update after update on tags
    referencing new table as new_rows
    for each statement execute function notify_tag_changes();
create trigger tags_notify_delete after delete on tags
    referencing old table as old_rows
    for each statement execute function notify_tag_changes();

-- A session ended (sign-out, expiry, account deletion through the cascade) or every session
-- of a person ended at once (a password change moves the epoch): their open streams check
-- their own session again and close if it is over.
create or replace function notify_session_end() returns trigger
language plpgsql as $$
declare
    r record;
begin
    if tg_op = 'DELETE' then
        for r in select distinct user_id from old_rows where user_id is not null loop
            perform pg_notify('tasklist_events', json_build_object('u', r.user_id, 'k', 'session')::text);
        end loop;
    else
        perform pg_notify('tasklist_events', json_build_object('u', new.id, 'k', 'session')::text);
    end if;
    return null;
end;
$$;

create trigger sessions_notify_delete after delete on sessions
    referencing old table as old_rows
    for each statement execute function notify_session_end();
create trigger users_notify_epoch after update of session_epoch on users
    for each row when (old.session_epoch is distinct from new.session_epoch)
    execute function notify_session_end();
