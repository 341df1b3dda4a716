//! The repeat picker's half of the task form: its weekdays, filling it from a rule, reading
//! a rule from it and saying it in words. `input` holds the form and the rest of its rules.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::{
    fields::{parse_count, parse_date, parse_due_date, TaskForm},
    recurrence::{End, Frequency, Recurrence, COUNT_MAX, INTERVAL_MAX},
};
use crate::{error::AppError, zone::iso_date};

/// How a task repeats, as validated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeat {
    pub rule: Recurrence,
    /// Counted from the day of completion rather than from the due date.
    pub from_completion: bool,
}

/// A day a weekly repeat may be on: its `TaskForm` field, the day, and its name in full (for
/// screen readers; the box shows the short one).
#[derive(Clone, Copy, Debug)]
pub struct RepeatDay {
    pub field: &'static str,
    pub day: Weekday,
    pub short: &'static str,
    pub full: &'static str,
}

/// The days a weekly repeat may be on, Monday first: the one list every use reads.
pub const REPEAT_DAYS: [RepeatDay; 7] = [
    RepeatDay {
        field: "repeat_mon",
        day: Weekday::Mon,
        short: "Mon",
        full: "Monday",
    },
    RepeatDay {
        field: "repeat_tue",
        day: Weekday::Tue,
        short: "Tue",
        full: "Tuesday",
    },
    RepeatDay {
        field: "repeat_wed",
        day: Weekday::Wed,
        short: "Wed",
        full: "Wednesday",
    },
    RepeatDay {
        field: "repeat_thu",
        day: Weekday::Thu,
        short: "Thu",
        full: "Thursday",
    },
    RepeatDay {
        field: "repeat_fri",
        day: Weekday::Fri,
        short: "Fri",
        full: "Friday",
    },
    RepeatDay {
        field: "repeat_sat",
        day: Weekday::Sat,
        short: "Sat",
        full: "Saturday",
    },
    RepeatDay {
        field: "repeat_sun",
        day: Weekday::Sun,
        short: "Sun",
        full: "Sunday",
    },
];

/// The form's fields that shape a repeat, beside `repeat` itself.
const PICKER_FIELDS: [&str; 5] = [
    "repeat_every",
    "repeat_monthly",
    "repeat_from",
    "repeat_until",
    "repeat_count",
];

impl TaskForm {
    /// Fills the repeat picker's fields for `rule` (what `parse_repeat` reads back as it).
    pub fn set_repeat(&mut self, rule: &Recurrence, from_completion: bool) {
        let weekdays = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ];
        self.repeat = match rule.frequency {
            Frequency::Daily => "daily",
            Frequency::Weekly if rule.interval == 1 && rule.weekdays == weekdays => "weekdays",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::Yearly => "yearly",
        }
        .to_owned();
        self.repeat_every = match rule.interval {
            1 => String::new(),
            n => n.to_string(),
        };
        for RepeatDay {
            field: name, day, ..
        } in REPEAT_DAYS
        {
            let on = self.repeat == "weekly" && rule.weekdays.contains(&day);
            if let Some(slot) = self.field_mut(name) {
                *slot = if on { "on".to_owned() } else { String::new() };
            }
        }
        self.repeat_monthly = match rule.month_day {
            None => String::new(),
            Some(-1) => "last".to_owned(),
            Some(day) => day.to_string(),
        };
        (self.repeat_until, self.repeat_count) = match rule.end {
            End::Never => (String::new(), String::new()),
            End::Until(date) => (iso_date(date), String::new()),
            End::Count(n) => (String::new(), n.to_string()),
        };
        self.repeat_from = if from_completion { "completion" } else { "" }.to_owned();
    }

    /// What the repeat fields say in plain words ("every 2 weeks on Mon and Thu"), or the
    /// reason they say nothing valid; `None` when the task does not repeat.
    pub fn repeat_summary(&self) -> Result<Option<String>, AppError> {
        let day = parse_due_date(&self.due_date).ok().flatten();
        Ok(parse_repeat(self, day)?.map(|repeat| {
            let from = if repeat.from_completion {
                ", counted from completion"
            } else {
                ""
            };
            format!("Repeats {}{from}", repeat.rule.summary())
        }))
    }

    /// Empties every field of the repeat picker (`repeat` included).
    pub fn clear_repeat(&mut self) {
        let days = REPEAT_DAYS.iter().map(|d| d.field);
        for name in ["repeat"].into_iter().chain(PICKER_FIELDS).chain(days) {
            self.set(name, String::new());
        }
    }
}

/// The repeat the form's `repeat…` fields describe; `day` is the due date, if valid.
pub(super) fn parse_repeat(
    form: &TaskForm,
    day: Option<NaiveDate>,
) -> Result<Option<Repeat>, AppError> {
    let from_completion = match form.repeat_from.trim() {
        "" | "due" => false,
        "completion" => true,
        _ => {
            return Err(AppError::validation(
                "repeat_from",
                "Repeat from the due date or from completion.",
            ))
        }
    };
    let kind = form.repeat.trim();
    if kind.is_empty() {
        return Ok(None);
    }
    if kind.contains('=') {
        let rule = Recurrence::parse(kind)?;
        return Ok(Some(Repeat {
            rule,
            from_completion,
        }));
    }
    let interval = parse_count(
        &form.repeat_every,
        "repeat_every",
        INTERVAL_MAX,
        "how often",
    )?
    .unwrap_or(1);
    // Counted from completion, "weekly" and "monthly" with no day chosen mean a week or a
    // month after the day it is done; from the due date, on the due date's weekday or day.
    let day = day.filter(|_| !from_completion);
    let (frequency, weekdays, month_day) = match kind {
        "daily" => (Frequency::Daily, Vec::new(), None),
        "weekdays" => (
            Frequency::Weekly,
            vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            None,
        ),
        "weekly" => {
            let days: Vec<Weekday> = REPEAT_DAYS
                .iter()
                .filter(|d| !form.get(d.field).trim().is_empty())
                .map(|d| d.day)
                .collect();
            let days = match (days.is_empty(), day) {
                (true, Some(day)) => vec![day.weekday()],
                _ => days,
            };
            (Frequency::Weekly, days, None)
        }
        "monthly" => {
            let month_day = match form.repeat_monthly.trim() {
                "" => day.map(|d| d.day() as i8),
                "last" => Some(-1),
                n => Some(
                    n.parse::<i8>()
                        .ok()
                        .filter(|n| (1..=31).contains(n))
                        .ok_or_else(|| {
                            AppError::validation(
                                "repeat_monthly",
                                "Choose a day of the month from 1 to 31, or the last day.",
                            )
                        })?,
                ),
            };
            (Frequency::Monthly, Vec::new(), month_day)
        }
        "yearly" => (Frequency::Yearly, Vec::new(), None),
        _ => {
            return Err(AppError::validation(
                "repeat",
                "Choose how it repeats: daily, on weekdays, weekly, monthly or yearly.",
            ))
        }
    };
    let interval = if kind == "weekdays" { 1 } else { interval };
    let until = parse_date(&form.repeat_until, "repeat_until", "end date")?;
    let count = parse_count(
        &form.repeat_count,
        "repeat_count",
        COUNT_MAX,
        "how many times",
    )?;
    let end = match (until, count) {
        (None, None) => End::Never,
        (Some(until), None) => End::Until(until),
        (None, Some(count)) => End::Count(count),
        (Some(_), Some(_)) => {
            return Err(AppError::validation(
                "repeat_count",
                "Choose an end date or a number of times, not both.",
            ))
        }
    };
    Ok(Some(Repeat {
        rule: Recurrence {
            frequency,
            interval,
            weekdays,
            month_day,
            end,
        },
        from_completion,
    }))
}
