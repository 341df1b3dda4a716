//! A new or edited task as typed, and its validation: in the browser before it is sent, and
//! authoritatively by the server function.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Priority, DESCRIPTION_MAX_CHARS, TITLE_MAX_CHARS};
use crate::{error::AppError, tags::parse_tags};

/// The years a due date may have (`parse_due_date`).
pub(crate) const DUE_MIN_YEAR: i32 = 1900;
pub(crate) const DUE_MAX_YEAR: i32 = 2999;

/// A task's fields as a form sends them: a plain HTML form (these are its inputs' names) or
/// the hydrated page. The server functions take it flattened, so the names stay flat and a
/// form without JavaScript posts to them as it is. A field left out is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskForm {
    pub title: String,
    pub description: String,
    /// high, medium, low, or empty for none.
    pub priority: String,
    /// `YYYY-MM-DD`, or empty.
    pub due_date: String,
    /// Names separated by commas.
    pub tags: String,
}

impl TaskForm {
    /// Each field by its name: what a refused plain post keeps for the form to show again.
    pub fn fields(&self) -> [(&'static str, &str); 5] {
        [
            ("title", &self.title),
            ("description", &self.description),
            ("priority", &self.priority),
            ("due_date", &self.due_date),
            ("tags", &self.tags),
        ]
    }
}

/// A new or edited task, validated field by field from its `TaskForm`: in the browser before
/// it is sent, and authoritatively by the server function. This is what `db` writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskInput {
    pub title: TaskTitle,
    pub description: TaskDescription,
    pub priority: Priority,
    pub due_date: Option<NaiveDate>,
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
        let tags = parse_tags(&form.tags);
        match (title, description, priority, due_date, tags) {
            (Ok(title), Ok(description), Ok(priority), Ok(due_date), Ok(tags)) => Ok(Self {
                title,
                description,
                priority,
                due_date,
                tags,
            }),
            (title, description, priority, due_date, tags) => Err([
                title.err(),
                description.err(),
                priority.err(),
                due_date.err(),
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
            due_date: self.due_date.map(super::iso_date).unwrap_or_default(),
            tags: self.tags.join(", "),
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

/// A date typed in a form (`YYYY-MM-DD`, as `<input type=date>` sends it); blank is none.
pub fn parse_due_date(raw: &str) -> Result<Option<NaiveDate>, AppError> {
    if raw.len() > 64 {
        return Err(AppError::validation(
            "due_date",
            "Enter the due date as YYYY-MM-DD.",
        ));
    }
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| AppError::validation("due_date", "Enter the due date as YYYY-MM-DD."))?;
    if !(DUE_MIN_YEAR..=DUE_MAX_YEAR).contains(&date.year()) {
        return Err(AppError::validation(
            "due_date",
            "Enter a due date between 1900 and 2999.",
        ));
    }
    Ok(Some(date))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::MAX_TAGS_PER_TASK;

    #[test]
    fn form_values_are_validated() {
        assert_eq!(Priority::parse("").unwrap(), Priority::None);
        assert_eq!(Priority::parse("high").unwrap(), Priority::High);
        assert!(Priority::parse("urgent")
            .unwrap_err()
            .field_message("priority")
            .is_some());
        assert_eq!(parse_due_date(" ").unwrap(), None);
        assert_eq!(
            parse_due_date("2026-12-24").unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 24)
        );
        for bad in ["24/12/2026", "2026-13-01", "tomorrow", "0001-01-01"] {
            assert!(
                parse_due_date(bad)
                    .unwrap_err()
                    .field_message("due_date")
                    .is_some(),
                "{bad}"
            );
        }
    }

    #[test]
    fn titles_are_trimmed_and_must_not_be_blank() {
        assert_eq!(
            TaskTitle::parse("  Buy milk ").unwrap().as_str(),
            "Buy milk"
        );
        for blank in ["", "   ", "\t"] {
            let err = TaskTitle::parse(blank).unwrap_err();
            assert_eq!(
                err.field_message("title").unwrap(),
                "Enter a title for the task."
            );
        }
    }

    #[test]
    fn titles_are_at_most_200_characters_not_bytes() {
        assert!(TaskTitle::parse(&"é".repeat(200)).is_ok());
        assert!(TaskTitle::parse(&"a".repeat(201)).is_err());
        assert!(TaskTitle::parse(&"é".repeat(201)).is_err());
    }

    #[test]
    fn titles_refuse_control_characters() {
        assert!(TaskTitle::parse("a\nb").is_err());
        assert!(TaskTitle::parse("a\u{0}b").is_err());
    }

    #[test]
    fn text_is_kept_exactly_as_typed() {
        for t in [
            "<script>alert(1)</script>",
            "'); drop table tasks; --",
            "emoji 🎉 ok",
        ] {
            assert_eq!(TaskTitle::parse(t).unwrap().as_str(), t);
        }
    }

    #[test]
    fn descriptions_are_optional_and_at_most_1000_characters() {
        assert_eq!(TaskDescription::parse("  ").unwrap().as_deref(), None);
        assert!(TaskDescription::parse(&"ü".repeat(1000)).is_ok());
        let err = TaskDescription::parse(&"ü".repeat(1001)).unwrap_err();
        assert!(err.field_message("description").unwrap().contains("1000"));
    }

    #[test]
    fn descriptions_keep_line_breaks_but_no_other_control_characters() {
        assert_eq!(
            TaskDescription::parse("line one\r\nline two\tend")
                .unwrap()
                .as_deref(),
            Some("line one\nline two\tend")
        );
        assert!(TaskDescription::parse("bell\u{7}").is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn due_dates_parse_or_give_a_field_error(raw in ".{0,80}") {
                if let Err(e) = parse_due_date(&raw) {
                    prop_assert!(e.field_message("due_date").is_some());
                }
            }

            #[test]
            fn task_forms_parse_or_name_the_field_in_error(
                title in ".{0,220}", description in "(.|\\n|\\r){0,1100}", priority in ".{0,10}",
                due in "[0-9-]{0,12}|.{0,12}", tags in "[a-z ,]{0,80}|.{0,60}",
            ) {
                match TaskInput::parse(&TaskForm { title, description, priority, due_date: due, tags }) {
                    Ok(input) => {
                        prop_assert!(input.title.as_str().chars().count() <= TITLE_MAX_CHARS);
                        prop_assert!(input.tags.len() <= MAX_TAGS_PER_TASK);
                    }
                    Err(e) => {
                        let named = ["title", "description", "priority", "due_date", "tags"]
                            .iter()
                            .any(|f| e.field_message(f).is_some());
                        prop_assert!(named, "{:?}", e);
                    }
                }
            }
        }
    }
}
