//! Tasks: each person's own list. Shared with the browser: the DTOs, the filter and the
//! validating newtypes, so input is checked as it is typed and, authoritatively, on the server.

pub mod api;
pub mod query;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
pub use query::{Cursor, Due, ListQuery, Priority, Sort, TagCursor};

pub const TITLE_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 1000;
/// Tasks per page of the list; the rest is reached with "load more".
pub const PAGE_SIZE: i64 = 50;
pub const TAG_MAX_CHARS: usize = 40;
pub const MAX_TAGS_PER_TASK: usize = 10;
/// Tags per page of the tags page (and of the tag filter on the task page).
pub const TAG_PAGE_SIZE: i64 = 200;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// One of a person's tags and how many of their tasks carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    pub tasks: i64,
}

/// A tag name: 1 to 40 characters, not blank, no commas (they separate tags) and no
/// control characters.
pub fn check_tag_name(field: &str, name: &str) -> Result<(), AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::validation(field, "Enter a name for the tag."));
    }
    if name.chars().count() > TAG_MAX_CHARS {
        return Err(AppError::validation(
            field,
            format!("Keep each tag to {TAG_MAX_CHARS} characters or fewer."),
        ));
    }
    if name.contains(',') || name.chars().any(char::is_control) {
        return Err(AppError::validation(
            field,
            "A tag cannot contain commas or control characters.",
        ));
    }
    Ok(())
}

/// One page of a person's tags, A to Z, and where the next one starts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagPage {
    pub tags: Vec<Tag>,
    pub next_cursor: Option<String>,
}

/// How many of the person's tasks are still to do and how many are done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// Which tasks the list shows; it lives in the URL as `?filter=`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Filter {
    #[default]
    All,
    Active,
    Completed,
}

impl Filter {
    /// Unknown or missing values mean all tasks: a bad link still shows the list.
    pub fn from_query(value: Option<&str>) -> Self {
        match value {
            Some("active") => Self::Active,
            Some("completed") => Self::Completed,
            _ => Self::All,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Active => "active",
            Self::Completed => "completed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::All => "All",
            Self::Active => "Active",
            Self::Completed => "Completed",
        }
    }

    /// The `completed` value this filter keeps, if it keeps only one.
    pub fn completed(self) -> Option<bool> {
        match self {
            Self::All => None,
            Self::Active => Some(false),
            Self::Completed => Some(true),
        }
    }

    pub fn shows(self, task: &Task) -> bool {
        self.completed().is_none_or(|c| c == task.completed)
    }
}

/// A new or edited task as typed, validated field by field: in the browser before it is
/// sent, and authoritatively by the server function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskInput {
    pub title: TaskTitle,
    pub description: TaskDescription,
    pub priority: Priority,
    pub due_date: Option<NaiveDate>,
    pub tags: Vec<String>,
}

impl TaskInput {
    pub fn parse(
        title: &str,
        description: &str,
        priority: &str,
        due_date: &str,
        tags: &str,
    ) -> Result<Self, AppError> {
        Ok(Self {
            title: TaskTitle::parse(title)?,
            description: TaskDescription::parse(description)?,
            priority: Priority::parse(priority)?,
            due_date: query::parse_due_date(due_date)?,
            tags: query::parse_tags(tags)?,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn unknown_filters_mean_all() {
        assert_eq!(Filter::from_query(Some("active")), Filter::Active);
        assert_eq!(Filter::from_query(Some("completed")), Filter::Completed);
        assert_eq!(Filter::from_query(Some("nonsense")), Filter::All);
        assert_eq!(Filter::from_query(None), Filter::All);
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

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn task_forms_parse_or_name_the_field_in_error(
                title in ".{0,220}", description in "(.|\\n|\\r){0,1100}", priority in ".{0,10}",
                due in "[0-9-]{0,12}|.{0,12}", tags in "[a-z ,]{0,80}|.{0,60}",
            ) {
                match TaskInput::parse(&title, &description, &priority, &due, &tags) {
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

            #[test]
            fn tag_names_are_checked_without_panic(raw in ".{0,60}") {
                if let Err(e) = check_tag_name("name", &raw) {
                    prop_assert!(e.field_message("name").is_some());
                }
            }
        }
    }
}
