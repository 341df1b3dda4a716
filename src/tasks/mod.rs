//! Tasks: each person's own list. Shared with the browser: the task as pages see it, its
//! priority and the counts (here), the list's view of the URL (`list`), page links
//! (`cursor`) and the validated form (`input`), so input is checked as it is typed and,
//! authoritatively, on the server. A module here uses this file and its siblings below it,
//! never the other way round.

pub mod api;
pub mod cursor;
pub mod fields;
pub mod input;
pub mod list;
pub mod recurrence;
pub mod reminders;
pub mod repeat_form;
pub mod schedule;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod json;
#[cfg(feature = "ssr")]
pub mod service;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{error::AppError, zone::Zone};

pub const TITLE_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 1000;
/// The years a due date may have (`fields::parse_due_date`), and a repeat reach.
pub(crate) const DUE_MIN_YEAR: i32 = 1900;
pub(crate) const DUE_MAX_YEAR: i32 = 2999;
/// The years a date or time of a task may fall in: due dates, reminders, repeats' ends,
/// and the creation times an import brings (PostgreSQL holds far more; these are the
/// product's).
pub(crate) const YEARS: std::ops::RangeInclusive<i32> = DUE_MIN_YEAR..=DUE_MAX_YEAR;
/// Tasks per page of the list; the rest is reached with "load more".
pub const PAGE_SIZE: i64 = 50;

/// A task as pages and the JSON API (`/api/v1`) see it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    pub priority: Priority,
    /// The date it is due, in its owner's time zone.
    pub due_date: Option<NaiveDate>,
    /// The time of day it is due on that date, in its owner's time zone, if it has one.
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>, example = "09:30:00"))]
    pub due_time: Option<NaiveTime>,
    /// The moment it is due: `due_date` at `due_time` in its owner's zone (none without a time).
    pub due_at: Option<DateTime<Utc>>,
    /// How it repeats: an RFC 5545 RRULE subset (`FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH`; FREQ
    /// DAILY, WEEKLY, MONTHLY or YEARLY, INTERVAL, BYDAY for weekly, BYMONTHDAY for monthly
    /// (`-1` the last day), COUNT or UNTIL). Completing it adds the next occurrence.
    #[cfg_attr(feature = "ssr", schema(example = "FREQ=WEEKLY;BYDAY=MO,TH"))]
    pub repeat: Option<String>,
    /// The next occurrence counts from the day it is completed rather than from its due date.
    pub repeat_from_completion: bool,
    /// When its reminder shows, if it has one.
    pub remind_at: Option<DateTime<Utc>>,
    /// For a reminder set as "N minutes before due": N (`remind_at` follows the due time).
    pub remind_before_minutes: Option<i32>,
    /// Names of the task's tags, A to Z.
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Moved on by every change: an edit or a toggle names the version it was based on and is
    /// refused (`AppError::Conflict`) when the task has moved on since.
    pub version: i32,
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Priority {
    #[default]
    None,
    Low,
    Medium,
    High,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Self::High, Self::Medium, Self::Low, Self::None];

    pub fn from_i16(value: i16) -> Self {
        match value {
            1 => Self::Low,
            2 => Self::Medium,
            3 => Self::High,
            _ => Self::None,
        }
    }

    pub fn as_i16(self) -> i16 {
        self as i16
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::None => "No priority",
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
        }
    }

    /// A form value: empty or "none" is no priority; anything unknown is refused.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        match raw.trim() {
            "" | "none" => Ok(Self::None),
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            _ => Err(AppError::validation(
                "priority",
                "Choose high, medium, low or no priority.",
            )),
        }
    }
}

/// How many of the person's tasks are still to do and how many are done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Counts {
    pub active: i64,
    pub completed: i64,
}

impl Counts {
    pub fn total(&self) -> i64 {
        self.active + self.completed
    }

    /// "1 item left", "3 items left".
    pub fn items_left(&self) -> String {
        match self.active {
            1 => "1 item left".to_owned(),
            n => format!("{n} items left"),
        }
    }
}

/// One page of the list, newest first, and where the next one starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPage {
    pub tasks: Vec<Task>,
    pub next_cursor: Option<String>,
    pub counts: Counts,
    /// The person's time zone, which every date and time of the page is shown in.
    pub zone: Zone,
}

/// What marking a task done or not done did: the task as it is now and, for a repeating
/// task, the occurrence that completing it added or those that undoing it took back, so the
/// page shows the change from this one answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    pub task: Task,
    pub added: Option<Task>,
    pub withdrawn: Vec<i64>,
}

impl Completion {
    /// A change that added and took back nothing.
    pub fn of(task: Task) -> Self {
        Self {
            task,
            added: None,
            withdrawn: Vec::new(),
        }
    }
}

/// A task write refused: any `AppError`, or a stale version, with the task as it is now so
/// the page shows it without asking again. Written on the wire as the `AppError` itself, or
/// as `{"conflict": task}` (answered 409, as `AppError::Conflict`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(untagged)]
pub enum TaskError {
    #[error(transparent)]
    App(AppError),
    #[error("{}", AppError::Conflict)]
    Stale { conflict: Box<Task> },
}

impl From<AppError> for TaskError {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

impl From<TaskError> for AppError {
    fn from(error: TaskError) -> Self {
        match error {
            TaskError::App(error) => error,
            TaskError::Stale { .. } => AppError::Conflict,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for TaskError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        Self::App(AppError::from_server_fn_error(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_left_has_the_right_plural() {
        let c = |active| Counts {
            active,
            completed: 0,
        };
        assert_eq!(c(0).items_left(), "0 items left");
        assert_eq!(c(1).items_left(), "1 item left");
        assert_eq!(c(3).items_left(), "3 items left");
    }
}
