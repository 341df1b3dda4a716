//! A new or edited task as typed, and its validation: in the browser before it is sent, and
//! authoritatively by the server function.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use super::{
    fields::parse_due_date, recurrence::Recurrence, repeat_form::parse_repeat, Priority, Task,
    DESCRIPTION_MAX_CHARS, TITLE_MAX_CHARS, YEARS,
};
pub use super::{fields::TaskForm, repeat_form::Repeat};
use crate::{
    error::AppError,
    tags::parse_tags,
    zone::{iso_date, local_input, time_label, Zone},
};

/// Most minutes a reminder may come before the due time: a year.
pub const REMIND_BEFORE_MAX_MINUTES: u32 = 525_600;

impl TaskForm {
    /// The form that shows `task`, its moments on the clock of `zone`: the edit form's
    /// values, and what the API's changes and an import's fields are laid over.
    pub fn from_task(task: &Task, zone: &Zone) -> Self {
        let mut form = Self {
            title: task.title.clone(),
            description: task.description.clone().unwrap_or_default(),
            priority: match task.priority {
                Priority::None => String::new(),
                p => p.as_str().to_owned(),
            },
            due_date: task.due_date.map(iso_date).unwrap_or_default(),
            due_time: task.due_time.map(time_label).unwrap_or_default(),
            tags: task.tags.join(", "),
            ..Self::default()
        };
        if let Some(raw) = &task.repeat {
            match Recurrence::parse(raw) {
                Ok(rule) => form.set_repeat(&rule, task.repeat_from_completion),
                Err(_) => form.repeat = raw.clone(),
            }
        }
        match (task.remind_before_minutes, task.remind_at) {
            (Some(minutes), _) => form.remind = minutes.to_string(),
            (None, Some(at)) => {
                form.remind = "at".to_owned();
                form.remind_at = local_input(zone.local(at));
            }
            (None, None) => {}
        }
        form
    }
}

/// When a task reminds, as validated: at a moment on the person's wall clock, or minutes
/// before the task is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Remind {
    At(NaiveDateTime),
    Before(u32),
}

/// A new or edited task, validated field by field from its `TaskForm`: in the browser before
/// it is sent, and authoritatively by the server function. This is what `db` writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskInput {
    pub title: TaskTitle,
    pub description: TaskDescription,
    pub priority: Priority,
    pub due_date: Option<NaiveDate>,
    pub due_time: Option<NaiveTime>,
    pub repeat: Option<Repeat>,
    pub remind: Option<Remind>,
    pub tags: Vec<String>,
}

impl TaskInput {
    /// The first field in error, if any: what a form shows.
    pub fn parse(form: &TaskForm) -> Result<Self, AppError> {
        Self::parse_all(form).map_err(|mut errors| errors.swap_remove(0))
    }

    /// Every field in error, in the form's order (never empty on `Err`): what the JSON API
    /// and an import list. The same parsers as `parse`.
    pub fn parse_all(form: &TaskForm) -> Result<Self, Vec<AppError>> {
        let title = TaskTitle::parse(&form.title);
        let description = TaskDescription::parse(&form.description);
        let priority = Priority::parse(&form.priority);
        let due_date = parse_due_date(&form.due_date);
        let due_time = parse_time(&form.due_time, "due_time").and_then(|time| {
            match (time, due_date.as_ref().ok()) {
                (Some(_), Some(None)) => Err(AppError::validation(
                    "due_time",
                    "Choose a due date for the time, or leave the time empty.",
                )),
                (time, _) => Ok(time),
            }
        });
        let day = due_date.clone().ok().flatten();
        let repeat = parse_repeat(form, day);
        let remind = parse_remind(form, day);
        let tags = parse_tags(&form.tags);
        match (
            title,
            description,
            priority,
            due_date,
            due_time,
            repeat,
            remind,
            tags,
        ) {
            (
                Ok(title),
                Ok(description),
                Ok(priority),
                Ok(due_date),
                Ok(due_time),
                Ok(repeat),
                Ok(remind),
                Ok(tags),
            ) => Ok(Self {
                title,
                description,
                priority,
                due_date,
                due_time,
                repeat,
                remind,
                tags,
            }),
            (title, description, priority, due_date, due_time, repeat, remind, tags) => Err([
                title.err(),
                description.err(),
                priority.err(),
                due_date.err(),
                due_time.err(),
                repeat.err(),
                remind.err(),
                tags.err(),
            ]
            .into_iter()
            .flatten()
            .collect()),
        }
    }

    /// The form that parses to this input (its values as the server would keep them).
    pub fn form(&self) -> TaskForm {
        TaskForm {
            title: self.title.as_str().to_owned(),
            description: self.description.as_deref().unwrap_or_default().to_owned(),
            priority: self.priority.as_str().to_owned(),
            due_date: self.due_date.map(iso_date).unwrap_or_default(),
            due_time: self.due_time.map(time_label).unwrap_or_default(),
            repeat: self
                .repeat
                .as_ref()
                .map(|r| r.rule.to_rule())
                .unwrap_or_default(),
            repeat_from: match &self.repeat {
                Some(r) if r.from_completion => "completion".to_owned(),
                _ => String::new(),
            },
            remind: match self.remind {
                None => String::new(),
                Some(Remind::At(_)) => "at".to_owned(),
                Some(Remind::Before(minutes)) => minutes.to_string(),
            },
            remind_at: match self.remind {
                Some(Remind::At(at)) => local_input(at),
                _ => String::new(),
            },
            tags: self.tags.join(", "),
            ..TaskForm::default()
        }
    }

    /// The tags A to Z, as the server returns them.
    pub fn sorted_tags(&self) -> Vec<String> {
        let mut tags = self.tags.clone();
        tags.sort_by_key(|t| t.to_lowercase());
        tags
    }
}

/// A task title: trimmed, 1 to 200 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskTitle(String);

impl TaskTitle {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let title = raw.trim();
        if title.is_empty() {
            return Err(AppError::validation("title", "Enter a title for the task."));
        }
        let chars = title.chars().count();
        if chars > TITLE_MAX_CHARS {
            return Err(AppError::validation(
                "title",
                format!("Keep the title to {TITLE_MAX_CHARS} characters or fewer (this one has {chars})."),
            ));
        }
        if title.chars().any(char::is_control) {
            return Err(AppError::validation(
                "title",
                "The title cannot contain control characters such as line breaks.",
            ));
        }
        Ok(Self(title.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An optional description: trimmed (blank means none), at most 1000 characters, line
/// breaks and tabs allowed but no other control characters. `\r\n` is stored as `\n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskDescription(Option<String>);

impl TaskDescription {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let text = raw.replace("\r\n", "\n");
        let text = text.trim();
        if text.is_empty() {
            return Ok(Self(None));
        }
        let chars = text.chars().count();
        if chars > DESCRIPTION_MAX_CHARS {
            return Err(AppError::validation(
                "description",
                format!(
                    "Keep the description to {DESCRIPTION_MAX_CHARS} characters or fewer (this one has {chars})."
                ),
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(AppError::validation(
                "description",
                "The description cannot contain control characters.",
            ));
        }
        Ok(Self(Some(text.to_owned())))
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// A time of day (`HH:MM`, or `HH:MM:SS` as some browsers send it); blank is none.
fn parse_time(raw: &str, field: &'static str) -> Result<Option<NaiveTime>, AppError> {
    let malformed = || AppError::validation(field, "Enter the time as HH:MM, such as 09:30.");
    if raw.len() > 16 {
        return Err(malformed());
    }
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    NaiveTime::parse_from_str(raw, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M:%S"))
        .map(|t| {
            t.with_second(0)
                .unwrap_or(t)
                .with_nanosecond(0)
                .unwrap_or(t)
        })
        .map(Some)
        .map_err(|_| malformed())
}

/// The reminder the form's `remind` fields describe; `day` is the due date, if valid.
fn parse_remind(form: &TaskForm, day: Option<NaiveDate>) -> Result<Option<Remind>, AppError> {
    let refused = || {
        AppError::validation(
            "remind",
            "Choose when to be reminded: at a time, or a number of minutes before it is due.",
        )
    };
    if form.remind.len() > 16 {
        return Err(refused());
    }
    match form.remind.trim() {
        "" => Ok(None),
        "at" => {
            let raw = form.remind_at.trim();
            let at = (raw.len() <= 32)
                .then(|| {
                    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
                        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
                        .ok()
                })
                .flatten()
                .filter(|at| YEARS.contains(&at.year()))
                .ok_or_else(|| {
                    AppError::validation(
                        "remind_at",
                        "Enter the reminder's date and time, such as 2026-12-24 09:00.",
                    )
                })?;
            Ok(Some(Remind::At(at.with_second(0).unwrap_or(at))))
        }
        minutes => {
            let minutes = minutes
                .parse::<u32>()
                .ok()
                .filter(|m| *m <= REMIND_BEFORE_MAX_MINUTES)
                .ok_or_else(refused)?;
            if day.is_none() {
                return Err(AppError::validation(
                    "remind",
                    "A reminder before the task is due needs a due date.",
                ));
            }
            Ok(Some(Remind::Before(minutes)))
        }
    }
}

#[cfg(test)]
#[path = "input_tests.rs"]
mod tests;
