-- Time: each person's time zone, due times, repeating tasks and reminders.
--
-- Expand only: an older instance still running during a rollout neither reads nor writes
-- these columns (its inserts take the defaults: no time, no repeat, no reminder) and keeps
-- its own due-date index.

-- An IANA name (`Europe/Berlin`), checked by the server; every "today" and every shown time
-- of this person is in it.
alter table users add column time_zone text not null default 'UTC'
    constraint users_time_zone_length check (char_length(time_zone) between 1 and 64);

alter table tasks
    -- The time of day the task is due, in its owner's zone, and that moment. Both or neither,
    -- and only with a date; `due_date` stays the date in the owner's zone, so the list's
    -- "today" and sort read one column. A change of zone moves `due_date` and `due_time` to
    -- say the same moment in the new zone.
    add column due_time time,
    add column due_at timestamptz,
    -- An RFC 5545 RRULE (`FREQ=WEEKLY;BYDAY=MO,TH`), checked by src/tasks/recurrence.rs;
    -- the next occurrence is counted from the due date, or from the day it was completed.
    add column repeat text
        constraint tasks_repeat_length check (char_length(repeat) between 1 and 200),
    add column repeat_from_completion boolean not null default false,
    -- The task whose completion made this one (its next occurrence). Undoing that completion
    -- deletes this task if it is still as it was made (`version = 1`). No foreign key:
    -- deleting the earlier task leaves this one as it is.
    add column previous_id bigint,
    -- When to remind: a moment, and, for "N minutes before due", how many minutes (the moment
    -- follows the due time when it moves, and the next occurrence keeps it).
    add column remind_at timestamptz,
    add column remind_before_minutes integer
        constraint tasks_remind_before_range check (remind_before_minutes between 0 and 525600),
    add constraint tasks_due_time_with_date check (
        (due_time is null) = (due_at is null) and (due_time is null or due_date is not null));

-- Due soonest first, and within a day by time (tasks without a time after those with one).
create index tasks_user_id_due_at_idx on tasks
    (user_id, coalesce(due_date, 'infinity'::date), coalesce(due_at, 'infinity'::timestamptz), id);

create index tasks_previous_id_idx on tasks (previous_id) where previous_id is not null;

-- The reminders still to show, soonest first.
create index tasks_user_id_remind_at_idx on tasks (user_id, remind_at)
    where remind_at is not null and not completed;

-- Reminders that have been shown: one row per task and reminder moment, taken by the first
-- open page that shows it, so it shows once per person whatever the tabs and devices. A
-- snooze moves `remind_at`, which makes a new reminder.
create table reminders_shown (
    task_id   bigint not null constraint reminders_shown_task_id_fkey references tasks (id) on delete cascade,
    remind_at timestamptz not null,
    user_id   uuid not null constraint reminders_shown_user_id_fkey references users (id) on delete cascade,
    shown_at  timestamptz not null default now(),
    primary key (task_id, remind_at)
);
create index reminders_shown_user_id_idx on reminders_shown (user_id);
