//! Tasks: each person's own list. Shared with the browser: the task as pages see it, its
//! priority and the counts (here), the list's view of the URL (`list`), page links
//! (`cursor`) and the validated form (`input`), so input is checked as it is typed and,
//! authoritatively, on the server. A module here uses this file and its siblings below it,
//! never the other way round.

pub mod api;
pub mod cursor;
pub mod input;
pub mod list;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const TITLE_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 1000;
/// Tasks per page of the list; the rest is reached with "load more".
pub const PAGE_SIZE: i64 = 50;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "27 Nov 2026", as the page shows a date. Written by hand rather than with chrono's
/// `format`: its format-string machinery is a sizeable part of the browser build.
pub fn date_label(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// "2026-11-27", as `<input type=date>` and the forms take a date.
pub fn iso_date(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// A task as pages and the JSON API (`/api/v1`) see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    pub priority: Priority,
    pub due_date: Option<NaiveDate>,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_chrono_would() {
        for (y, m, d) in [(2026, 11, 27), (1900, 1, 1), (2999, 12, 31), (2024, 2, 29)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(date_label(date), date.format("%-d %b %Y").to_string());
            assert_eq!(iso_date(date), date.format("%Y-%m-%d").to_string());
        }
    }

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
