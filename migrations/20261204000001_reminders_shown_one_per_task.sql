-- One row per task in reminders_shown: the moment of its reminder last shown. Each snooze (a
-- new moment) and each claim used to add a row, without limit and outside every quota; now
-- a claim of a new moment replaces the task's row (`tasks::db::claim_reminder`), so the
-- table holds at most one row per task and is bounded by the task quota.
--
-- Expand only: the older release's claim (`insert ... on conflict do nothing`) still runs;
-- on a task already claimed once it now does nothing (a snoozed reminder is then shown by
-- the newer instances only), and it never fails.
delete from reminders_shown r
 using reminders_shown newer
 where newer.task_id = r.task_id and newer.remind_at > r.remind_at;

create unique index reminders_shown_task_id_key on reminders_shown (task_id);
