//! A task's times as stored, from what the person typed on their wall clock: the due moment,
//! the reminder's moment, and (on the server) the next occurrence of a repeating task.
//! Moments are made in the person's zone (`zone::Zone`), with its summer time, the same way
//! on both sides: the page shows a change at once with the moments the server will store.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

#[cfg(feature = "ssr")]
use super::recurrence::{local_instant, next_due_at, Recurrence};
use super::{
    input::{Remind, TaskInput},
    Task,
};
use crate::zone::Zone;

/// A repeating task's next occurrence: its time columns, and the task it follows.
pub type NextOf = (i64, Timing);

/// The time a reminder "N minutes before" counts from when a task has a date but no time.
pub const ALL_DAY_REMINDER_TIME: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(time) => time,
    None => NaiveTime::MIN,
};

/// A task's time columns as they are written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    pub due_date: Option<NaiveDate>,
    pub due_time: Option<NaiveTime>,
    pub due_at: Option<DateTime<Utc>>,
    pub repeat: Option<String>,
    pub repeat_from_completion: bool,
    pub remind_at: Option<DateTime<Utc>>,
    pub remind_before_minutes: Option<i32>,
}

impl Timing {
    /// The columns for `input`, typed by a person in `zone`. A due time that the clocks skip
    /// that day (02:30 when summer time starts) is kept as the moment after the gap, and the
    /// time stored is the one the clock then shows.
    pub fn new(input: &TaskInput, zone: &Zone) -> Self {
        let due_at = match (input.due_date, input.due_time) {
            (Some(date), Some(time)) => zone.moment(date, time),
            _ => None,
        };
        let (due_date, due_time) = match due_at {
            Some(at) => {
                let local = zone.local(at);
                (Some(local.date()), Some(local.time()))
            }
            None => (input.due_date, None),
        };
        let (remind_at, remind_before_minutes) = match input.remind {
            None => (None, None),
            Some(Remind::At(at)) => (zone.moment(at.date(), at.time()), None),
            Some(Remind::Before(minutes)) => (
                reminder_before(due_date, due_at, minutes as i32, zone),
                Some(minutes as i32),
            ),
        };
        Self {
            due_date,
            due_time,
            due_at,
            repeat: input.repeat.as_ref().map(|r| r.rule.to_rule()),
            repeat_from_completion: input.repeat.as_ref().is_some_and(|r| r.from_completion),
            remind_at,
            remind_before_minutes,
        }
    }

    /// The time columns of `task` as stored.
    pub fn of(task: &Task) -> Self {
        Self {
            due_date: task.due_date,
            due_time: task.due_time,
            due_at: task.due_at,
            repeat: task.repeat.clone(),
            repeat_from_completion: task.repeat_from_completion,
            remind_at: task.remind_at,
            remind_before_minutes: task.remind_before_minutes,
        }
    }

    /// The next occurrence of a repeating task with these columns, completed at `now` by a
    /// person in `zone`: its due date (and time, and reminder) moved on by its rule, from its
    /// due date or from the day of completion. `None` when it does not repeat or its series
    /// has ended.
    #[cfg(feature = "ssr")]
    pub fn next_occurrence(&self, zone: &Zone, now: DateTime<Utc>) -> Option<Self> {
        let task = self;
        let rule = Recurrence::parse(task.repeat.as_deref()?).ok()?;
        let today = zone.local(now).date();
        let (due_date, due_time, due_at, next_rule) = match (task.due_at, task.due_date) {
            // A time of day: the same wall-clock time on the next date, in the zone.
            (Some(due_at), _) => {
                let base = if task.repeat_from_completion {
                    let time = zone.local(due_at).time();
                    local_instant(today, time, zone.tz()).unwrap_or(due_at)
                } else {
                    due_at
                };
                let (at, next_rule) = next_due_at(&rule, base, zone.tz())?;
                let local = zone.local(at);
                (Some(local.date()), Some(local.time()), Some(at), next_rule)
            }
            (None, due_date) => {
                let base = match due_date {
                    Some(date) if !task.repeat_from_completion => date,
                    _ => today,
                };
                let (date, next_rule) = rule.next(base)?;
                (Some(date), None, None, next_rule)
            }
        };
        let remind_at = match (task.remind_before_minutes, task.remind_at, task.due_at) {
            (Some(minutes), _, _) => reminder_before(due_date, due_at, minutes, zone),
            // A reminder at a moment keeps its distance from the due time.
            (None, Some(remind_at), Some(old_due)) => due_at.map(|new| new - (old_due - remind_at)),
            (None, Some(remind_at), None) => match (task.due_date, due_date) {
                (Some(old), Some(new)) => Some(remind_at + Duration::days((new - old).num_days())),
                _ => None,
            },
            (None, None, _) => None,
        };
        Some(Self {
            due_date,
            due_time,
            due_at,
            repeat: Some(next_rule.to_rule()),
            repeat_from_completion: task.repeat_from_completion,
            remind_at,
            remind_before_minutes: task.remind_before_minutes,
        })
    }
}

impl TaskInput {
    /// The task as the page shows it the moment it is added (under the stand-in `id`, at
    /// `now`) or, laid over the task as it was, edited: every field the server will store,
    /// its moments made in `zone` as the server makes them.
    pub fn preview(&self, id: i64, now: DateTime<Utc>, zone: &Zone) -> Task {
        let Timing {
            due_date,
            due_time,
            due_at,
            repeat,
            repeat_from_completion,
            remind_at,
            remind_before_minutes,
        } = Timing::new(self, zone);
        Task {
            id,
            title: self.title.as_str().to_owned(),
            description: self.description.as_deref().map(str::to_owned),
            completed: false,
            priority: self.priority,
            due_date,
            due_time,
            due_at,
            repeat,
            repeat_from_completion,
            remind_at,
            remind_before_minutes,
            tags: self.sorted_tags(),
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }
}

/// `minutes` before the due moment, or before 09:00 on the due date when it has no time.
fn reminder_before(
    due_date: Option<NaiveDate>,
    due_at: Option<DateTime<Utc>>,
    minutes: i32,
    zone: &Zone,
) -> Option<DateTime<Utc>> {
    let due = due_at.or_else(|| zone.moment(due_date?, ALL_DAY_REMINDER_TIME))?;
    Some(due - Duration::minutes(minutes.into()))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::tasks::input::TaskForm;

    fn zone(name: &str) -> Zone {
        Zone::parse(name).unwrap()
    }

    fn input(fields: &[(&str, &str)]) -> TaskInput {
        let mut form = TaskForm {
            title: "t".into(),
            ..TaskForm::default()
        };
        for (name, value) in fields {
            form.set(name, (*value).to_owned());
        }
        TaskInput::parse(&form).unwrap()
    }

    fn at(raw: &str) -> DateTime<Utc> {
        raw.parse().unwrap()
    }

    #[test]
    fn a_due_time_is_a_moment_in_the_persons_zone() {
        let t = Timing::new(
            &input(&[("due_date", "2026-07-01"), ("due_time", "09:30")]),
            &zone("Europe/Berlin"),
        );
        assert_eq!(t.due_at, Some(at("2026-07-01T07:30:00Z")));
        let t = Timing::new(
            &input(&[("due_date", "2026-07-01"), ("due_time", "09:30")]),
            &zone("America/New_York"),
        );
        assert_eq!(t.due_at, Some(at("2026-07-01T13:30:00Z")));
        // A date alone has no moment.
        let t = Timing::new(
            &input(&[("due_date", "2026-07-01")]),
            &zone("Europe/Berlin"),
        );
        assert_eq!((t.due_time, t.due_at), (None, None));
    }

    #[test]
    fn a_due_time_the_clocks_skip_is_kept_as_the_time_after_the_gap() {
        let t = Timing::new(
            &input(&[("due_date", "2026-03-29"), ("due_time", "02:30")]),
            &zone("Europe/Berlin"),
        );
        assert_eq!(t.due_at, Some(at("2026-03-29T01:30:00Z")));
        assert_eq!(t.due_time, NaiveTime::from_hms_opt(3, 30, 0));
    }

    #[test]
    fn reminders_are_moments_at_a_time_or_before_due() {
        let berlin = zone("Europe/Berlin");
        let t = Timing::new(
            &input(&[("remind", "at"), ("remind_at", "2026-12-24T08:00")]),
            &berlin,
        );
        assert_eq!(
            (t.remind_at, t.remind_before_minutes),
            (Some(at("2026-12-24T07:00:00Z")), None)
        );
        let t = Timing::new(
            &input(&[
                ("due_date", "2026-12-24"),
                ("due_time", "18:00"),
                ("remind", "90"),
            ]),
            &berlin,
        );
        assert_eq!(
            (t.remind_at, t.remind_before_minutes),
            (Some(at("2026-12-24T15:30:00Z")), Some(90))
        );
        // A date without a time counts from 09:00 that day.
        let t = Timing::new(
            &input(&[("due_date", "2026-12-24"), ("remind", "1440")]),
            &berlin,
        );
        assert_eq!(t.remind_at, Some(at("2026-12-23T08:00:00Z")));
    }

    #[test]
    fn the_next_occurrence_keeps_the_wall_clock_time_across_summer_time() {
        let berlin = zone("Europe/Berlin");
        let t = Timing::new(
            &input(&[
                ("due_date", "2026-03-28"),
                ("due_time", "09:00"),
                ("repeat", "daily"),
                ("remind", "15"),
            ]),
            &berlin,
        );
        let next = t
            .next_occurrence(&berlin, at("2026-03-28T10:00:00Z"))
            .unwrap();
        assert_eq!(next.due_date, NaiveDate::from_ymd_opt(2026, 3, 29));
        assert_eq!(next.due_time, NaiveTime::from_hms_opt(9, 0, 0));
        // 09:00 in summer time is 07:00 UTC, an hour earlier than the day before.
        assert_eq!(next.due_at, Some(at("2026-03-29T07:00:00Z")));
        assert_eq!(next.remind_at, Some(at("2026-03-29T06:45:00Z")));
        assert_eq!(next.remind_before_minutes, Some(15));
    }

    #[test]
    fn from_completion_counts_from_the_day_it_was_done_in_the_persons_zone() {
        let tokyo = zone("Asia/Tokyo");
        let t = Timing::new(
            &input(&[
                ("due_date", "2026-01-10"),
                ("repeat", "weekly"),
                ("repeat_every", "2"),
                ("repeat_from", "completion"),
            ]),
            &tokyo,
        );
        // 20:00 UTC on the 1st of February is already the 2nd in Tokyo.
        let next = t
            .next_occurrence(&tokyo, at("2026-02-01T20:00:00Z"))
            .unwrap();
        assert_eq!(next.due_date, NaiveDate::from_ymd_opt(2026, 2, 16));
        assert!(next.repeat_from_completion);
        // From the due date, the same task comes two weeks after the 10th.
        let mut from_due = t.clone();
        from_due.repeat_from_completion = false;
        let next = from_due
            .next_occurrence(&tokyo, at("2026-02-01T20:00:00Z"))
            .unwrap();
        assert_eq!(next.due_date, NaiveDate::from_ymd_opt(2026, 1, 24));
    }

    #[test]
    fn a_counted_series_ends_and_a_task_that_does_not_repeat_has_no_next() {
        let utc = Zone::default();
        let t = Timing::new(
            &input(&[
                ("due_date", "2026-01-10"),
                ("repeat", "daily"),
                ("repeat_count", "2"),
            ]),
            &utc,
        );
        let next = t.next_occurrence(&utc, Utc::now()).unwrap();
        assert_eq!(next.repeat.as_deref(), Some("FREQ=DAILY;COUNT=1"));
        assert_eq!(next.next_occurrence(&utc, Utc::now()), None);
        let once = Timing::new(&input(&[("due_date", "2026-01-10")]), &utc);
        assert_eq!(once.next_occurrence(&utc, Utc::now()), None);
    }
}
