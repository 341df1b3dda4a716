//! Tags: each person's own names for grouping tasks, kept A to Z, renamed and deleted on the
//! tags page. Shared with the browser: the DTOs, the name rules and the tags field's parser.
//!
//! Tag names are folded in one place only, PostgreSQL's `lower()`: the unique index, every
//! lookup and the order use it, so Rust's case rules never have to agree with it.

pub mod api;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    paging::{bad_link, decode_text, encode_text, parse_id},
};

pub const TAG_MAX_CHARS: usize = 40;
pub const MAX_TAGS_PER_TASK: usize = 10;
/// Tags per page of the tags page (and of the tag filter on the task page).
pub const TAG_PAGE_SIZE: i64 = 200;
/// The longest `tags` field read: ten tags of the longest name with their separators fit.
pub const TAGS_FIELD_MAX_CHARS: usize = 500;
/// The most names a list of tags (the API's, an import's) is read to: past it the list is
/// refused before it is kept (the rules then allow `MAX_TAGS_PER_TASK`).
pub const TAG_LIST_MAX: usize = 4 * MAX_TAGS_PER_TASK;

/// Deserializes a list of tag names one at a time, refusing it past `TAG_LIST_MAX`.
#[cfg(feature = "ssr")]
pub fn bounded_tag_list<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Vec<String>, D::Error> {
    struct Names;
    impl<'de> serde::de::Visitor<'de> for Names {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a list of at most {MAX_TAGS_PER_TASK} tag names")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Vec<String>, A::Error> {
            let mut names = Vec::new();
            while let Some(name) = seq.next_element::<String>()? {
                if names.len() == TAG_LIST_MAX {
                    return Err(serde::de::Error::custom(format!(
                        "a task has at most {MAX_TAGS_PER_TASK} tags"
                    )));
                }
                names.push(name);
            }
            Ok(names)
        }
    }
    de.deserialize_seq(Names)
}

/// One of a person's tags and how many of their tasks carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Tag {
    pub id: i64,
    pub name: String,
    pub tasks: i64,
}

/// One page of a person's tags, A to Z, and where the next one starts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagPage {
    pub tags: Vec<Tag>,
    pub next_cursor: Option<String>,
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

/// Tag names typed as a comma-separated list: trimmed, blank ones dropped, exact duplicates
/// dropped, each 1 to 40 characters, at most 10.
///
/// Bounded before any work: a field longer than `TAGS_FIELD_MAX_CHARS` is refused before it
/// is split, and the loop stops at the eleventh name. Names that differ only in case are left
/// for the database to merge: its `lower()` is the one place tag names are folded (the
/// unique index and every lookup use it), so Rust's case rules never have to agree with it.
pub fn parse_tags(raw: &str) -> Result<Vec<String>, AppError> {
    if crate::text::exceeds_chars(raw, TAGS_FIELD_MAX_CHARS) {
        return Err(AppError::validation(
            "tags",
            format!(
                "Keep the tags to {TAGS_FIELD_MAX_CHARS} characters or fewer, at most {} tags.",
                MAX_TAGS_PER_TASK
            ),
        ));
    }
    let mut tags: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        crate::work::step();
        check_tag_name("tags", name)?;
        if seen.insert(name) {
            if tags.len() == MAX_TAGS_PER_TASK {
                return Err(AppError::validation(
                    "tags",
                    format!("Use at most {} tags on one task.", MAX_TAGS_PER_TASK),
                ));
            }
            tags.push(name.to_owned());
        }
    }
    Ok(tags)
}

/// Tag names sent as a list (the JSON API, an import) as the tags field that `parse_tags`
/// reads. A name with a comma would be split there, so it is refused here with the field's
/// own message.
pub fn tags_field(names: &[String]) -> Result<String, AppError> {
    for name in names.iter().filter(|n| n.contains(',')) {
        check_tag_name("tags", name)?;
    }
    Ok(names.join(","))
}

/// Where the next page of tags starts: the name and id of the last tag shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagCursor {
    pub name: String,
    pub id: i64,
}

impl TagCursor {
    pub fn after(tag: &Tag) -> Self {
        Self {
            name: tag.name.clone(),
            id: tag.id,
        }
    }

    pub fn encode(&self) -> String {
        format!("g.{}.{}", encode_text(&self.name), self.id)
    }

    /// Parses a cursor made by `encode`; anything else is a `BadRequest`.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        if raw.len() > 2 + 2 * 4 * TAG_MAX_CHARS + 1 + 20 {
            return Err(bad_link());
        }
        match raw.splitn(4, '.').collect::<Vec<_>>().as_slice() {
            ["g", hex, id] => Ok(Self {
                name: decode_text(hex, TAG_MAX_CHARS).ok_or_else(bad_link)?,
                id: parse_id(id)?,
            }),
            _ => Err(bad_link()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn a_list_of_tags_is_read_no_further_than_its_bound() {
        let list = |n: usize| format!("[{}]", vec!["\"t\""; n].join(","));
        let read = |json: &str| {
            bounded_tag_list(&mut serde_json::Deserializer::from_str(json))
                .map_err(|e| e.to_string())
        };
        assert_eq!(read(&list(TAG_LIST_MAX)).unwrap().len(), TAG_LIST_MAX);
        let refused = read(&list(TAG_LIST_MAX + 1)).unwrap_err();
        assert!(refused.contains("at most 10 tags"), "{refused}");
        assert!(
            read(&list(100_000)).is_err(),
            "a long list stops at the bound"
        );
    }

    #[test]
    fn a_listed_tag_with_a_comma_is_refused_not_split() {
        assert!(tags_field(&["a,b".into()]).is_err());
        assert_eq!(tags_field(&["a".into(), "b c".into()]).unwrap(), "a,b c");
    }

    #[test]
    fn tags_are_trimmed_deduplicated_and_bounded() {
        // Exact duplicates go here; case variants are merged by the database's `lower()`.
        assert_eq!(
            parse_tags(" work, Home ,,work, WORK ").unwrap(),
            vec!["work", "Home", "WORK"]
        );
        assert!(parse_tags("").unwrap().is_empty());
        assert!(parse_tags(&"x".repeat(41)).is_err());
        let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert!(parse_tags(&eleven.join(",")).is_err());
        let ten: Vec<String> = (0..10).map(|i| format!("{i:0>40}")).collect();
        assert_eq!(parse_tags(&ten.join(", ")).unwrap().len(), 10);
    }

    #[test]
    fn a_huge_tags_field_is_refused_before_any_work() {
        // 50,000 names in 250 KB: the old parser compared each with every earlier one.
        let huge: String = (0..50_000).map(|i| format!("{i:04},")).collect();
        assert!(huge.len() >= 250_000);
        let (result, steps) = crate::work::count(|| parse_tags(&huge));
        let message = result.unwrap_err().field_message("tags").unwrap();
        assert!(message.contains("500 characters"), "{message}");
        assert_eq!(steps, 0, "refused before it was split");

        // Within the length limit, the work grows with the names, never with their square.
        let many_duplicates = "a,".repeat(TAGS_FIELD_MAX_CHARS / 2);
        let (result, steps) = crate::work::count(|| parse_tags(&many_duplicates));
        assert_eq!(result.unwrap(), vec!["a"]);
        assert!(steps <= TAGS_FIELD_MAX_CHARS as u64 / 2, "{steps} steps");
        let many_names: String = (0..60).map(|i| format!("{i},")).collect();
        let (result, steps) = crate::work::count(|| parse_tags(&many_names));
        assert!(result.is_err());
        assert_eq!(steps, 11, "stops at the eleventh name");
    }

    mod properties {
        use super::*;
        use crate::paging::near_cursor;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn tag_cursors_parse_or_refuse_never_panic(raw in near_cursor()) {
                let raw = format!("g{}", raw.get(1..).unwrap_or_default());
                match TagCursor::parse(&raw) {
                    Ok(c) => prop_assert_eq!(TagCursor::parse(&c.encode()).unwrap(), c),
                    Err(e) => prop_assert!(matches!(e, AppError::BadRequest(_))),
                }
            }

            #[test]
            fn tags_parse_or_give_a_tags_error(raw in "[a-zé ,\\u{3a3}\\u{130}\\t\\n]{0,600}") {
                match parse_tags(&raw) {
                    Ok(tags) => prop_assert!(tags.len() <= MAX_TAGS_PER_TASK),
                    Err(e) => prop_assert!(e.field_message("tags").is_some()),
                }
            }

            #[test]
            fn tag_parsing_is_linear(names in 1usize..400) {
                let raw = "ab,".repeat(names);
                let (_, steps) = crate::work::count(|| parse_tags(&raw));
                prop_assert!(steps <= names as u64);
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
