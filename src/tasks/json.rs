//! A task as a program sends it: the one JSON input shape that `POST /api/v1/tasks` and each
//! task of a JSON import read, and that takes what an export (and `GET /api/v1/tasks`)
//! writes, so what one reads out can be sent back in. The API reads it strictly (an unknown
//! member is refused); the import leniently (unknown members are skipped, see
//! `portability::lenient`). Every field goes through the task form's own parsers.

use chrono::{DateTime, Datelike, Utc};
use serde::{de::IgnoredAny, Deserialize};
use utoipa::ToSchema;

use super::{
    db::Insert,
    input::{TaskForm, TaskInput},
    YEARS,
};
use crate::{
    error::AppError,
    tags::tags_field,
    zone::{local_input, Zone},
};

/// A new task. Only `title` is required. A task as the API or an export writes it is
/// accepted as it is: `id`, `due_at`, `updated_at` and `version` are the server's and are
/// ignored.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    /// 1 to 200 characters.
    pub title: String,
    /// At most 1,000 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// `high`, `medium`, `low` or `none` (default).
    #[serde(default)]
    pub priority: Option<String>,
    /// `YYYY-MM-DD`, in the person's time zone.
    #[serde(default)]
    pub due_date: Option<String>,
    /// `HH:MM` (or `HH:MM:SS`, as the API writes it) on `due_date`, in the person's time zone.
    #[serde(default)]
    pub due_time: Option<String>,
    /// An RRULE: `FREQ` `DAILY`, `WEEKLY`, `MONTHLY` or `YEARLY`; `INTERVAL` 1 to 999;
    /// `BYDAY` (weekly; `MO` to `SU`); `BYMONTHDAY` (monthly; 1 to 31, or -1 for the last
    /// day); `COUNT` (1 to 999) or `UNTIL` (`YYYYMMDD`). Completing the task adds the next.
    #[serde(default)]
    #[schema(example = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH")]
    pub repeat: Option<String>,
    /// `due` (default): the next occurrence counts from the due date; `completion`: from the
    /// day it is completed.
    #[serde(default)]
    pub repeat_from: Option<String>,
    /// The same as `repeat_from: completion`, as the API writes it.
    #[serde(default)]
    pub repeat_from_completion: Option<bool>,
    /// When to remind: RFC 3339 (`2026-12-24T08:00:00Z`), or `YYYY-MM-DDTHH:MM` in the
    /// person's time zone. With `remind_before_minutes` (as the API writes a reminder set
    /// before due) it is the moment that gives, and what is sent here is not read.
    #[serde(default)]
    pub remind_at: Option<String>,
    /// Remind this many minutes before due (0 to 525,600; 09:00 on a date without a time).
    #[serde(default)]
    pub remind_before_minutes: Option<u32>,
    /// Tag names, at most 10, each 1 to 40 characters without commas; new ones are created.
    #[serde(default, deserialize_with = "crate::tags::bounded_tag_list")]
    pub tags: Vec<String>,
    /// Added as done.
    #[serde(default)]
    pub completed: bool,
    /// When it was made (RFC 3339, in the years 1900 to 2999); now if not sent.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    // The server's own fields, as an export writes them: read past, never used.
    #[serde(default)]
    #[schema(ignore)]
    #[allow(dead_code)]
    id: Option<IgnoredAny>,
    #[serde(default)]
    #[schema(ignore)]
    #[allow(dead_code)]
    due_at: Option<IgnoredAny>,
    #[serde(default)]
    #[schema(ignore)]
    #[allow(dead_code)]
    updated_at: Option<IgnoredAny>,
    #[serde(default)]
    #[schema(ignore)]
    #[allow(dead_code)]
    version: Option<IgnoredAny>,
}

impl NewTask {
    /// The task to add, validated as the form is for a person in `zone`: every field in
    /// error, in the form's order.
    pub fn parse(self, zone: &Zone) -> Result<Insert, Vec<AppError>> {
        let mut errors = Vec::new();
        let created_at = self.created_at.filter(|at| {
            let known = YEARS.contains(&at.year());
            if !known {
                errors.push(created_at_error());
            }
            known
        });
        let tags = tags_field(&self.tags).map_err(|e| vec![e])?;
        let from_completion = match (self.repeat_from.as_deref(), self.repeat_from_completion) {
            (None, None) => String::new(),
            (None, Some(completion)) => if completion { "completion" } else { "due" }.to_owned(),
            (Some(from), None) => from.to_owned(),
            (Some(from), Some(completion)) if (from.trim() == "completion") == completion => {
                from.to_owned()
            }
            (Some(_), Some(_)) => {
                return Err(vec![AppError::validation(
                    "repeat_from",
                    "Send repeat_from or repeat_from_completion, or both saying the same.",
                )])
            }
        };
        let (remind, remind_at) = match (&self.remind_at, self.remind_before_minutes) {
            (_, Some(minutes)) => (minutes.to_string(), String::new()),
            (Some(at), None) => ("at".to_owned(), wall_clock(at, zone)),
            (None, None) => (String::new(), String::new()),
        };
        let form = TaskForm {
            title: self.title,
            description: self.description.unwrap_or_default(),
            priority: self.priority.unwrap_or_default(),
            due_date: self.due_date.unwrap_or_default(),
            due_time: self.due_time.unwrap_or_default(),
            repeat: self.repeat.unwrap_or_default(),
            repeat_from: from_completion,
            remind,
            remind_at,
            tags,
            ..TaskForm::default()
        };
        let input = match TaskInput::parse_all(&form) {
            Ok(input) => input,
            Err(mut field_errors) => {
                field_errors.append(&mut errors);
                return Err(field_errors);
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Insert {
            input,
            completed: self.completed,
            created_at,
        })
    }
}

/// A reminder moment as sent (RFC 3339, seen on the clock of `zone`), or as the wall-clock
/// time it already is.
fn wall_clock(at: &str, zone: &Zone) -> String {
    match DateTime::parse_from_rfc3339(at.trim()) {
        Ok(moment) => local_input(zone.local(moment.to_utc())),
        Err(_) => at.to_owned(),
    }
}

/// A creation time that cannot be kept: not a time, or outside the product's years.
pub fn created_at_error() -> AppError {
    AppError::validation(
        "created_at",
        format!(
            "Write the creation time as 2026-11-28T09:30:00Z or 2026-11-28, in the years {} to {}.",
            YEARS.start(),
            YEARS.end()
        ),
    )
}
