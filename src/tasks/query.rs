//! What the list shows: the search, filters and sort that live in the URL, and the cursor
//! that continues a page. Shared with the browser, which builds the same links.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Filter, Task};
use crate::error::AppError;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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

/// The order of the list. Ties are always broken by id, so the order is total and stable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
    Due,
    Priority,
    Title,
}

impl Sort {
    pub const ALL: [Sort; 5] = [
        Self::Newest,
        Self::Oldest,
        Self::Due,
        Self::Priority,
        Self::Title,
    ];

    /// Unknown values mean the default: a bad link still shows the list.
    pub fn from_query(value: Option<&str>) -> Self {
        match value {
            Some("oldest") => Self::Oldest,
            Some("due") => Self::Due,
            Some("priority") => Self::Priority,
            Some("title") => Self::Title,
            _ => Self::Newest,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::Due => "due",
            Self::Priority => "priority",
            Self::Title => "title",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Newest => "Newest first",
            Self::Oldest => "Oldest first",
            Self::Due => "Due date",
            Self::Priority => "Priority",
            Self::Title => "Title (A–Z)",
        }
    }
}

/// Which due dates to show. "Today" is the server's date in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Due {
    Overdue,
    Today,
    Week,
    NoDate,
}

impl Due {
    pub const ALL: [Due; 4] = [Self::Overdue, Self::Today, Self::Week, Self::NoDate];

    pub fn from_query(value: Option<&str>) -> Option<Self> {
        match value {
            Some("overdue") => Some(Self::Overdue),
            Some("today") => Some(Self::Today),
            Some("week") => Some(Self::Week),
            Some("none") => Some(Self::NoDate),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::Today => "today",
            Self::Week => "week",
            Self::NoDate => "none",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Overdue => "Overdue",
            Self::Today => "Due today",
            Self::Week => "Due this week",
            Self::NoDate => "No due date",
        }
    }

    /// The inclusive date range (or "no date") this filter keeps, seen from `today`.
    pub fn range(self, today: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>, bool) {
        match self {
            Self::Overdue => (None, today.pred_opt(), false),
            Self::Today => (Some(today), Some(today), false),
            Self::Week => (Some(today), today.checked_add_days(Days::new(6)), false),
            Self::NoDate => (None, None, true),
        }
    }
}

pub const SEARCH_MAX_CHARS: usize = 100;
/// Search words used, at most: each is one more `ILIKE` per task scanned.
pub const SEARCH_MAX_WORDS: usize = 8;

/// Everything the list URL can say, parsed leniently: unknown values are ignored, so a bad
/// link shows the list rather than an error. Only a cursor that does not parse is refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    pub status: Filter,
    pub priority: Option<Priority>,
    pub tag: Option<String>,
    pub due: Option<Due>,
    pub search: Option<String>,
    pub sort: Sort,
}

impl ListQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let nonempty = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Self {
            status: Filter::from_query(get("filter").as_deref()),
            priority: nonempty("priority").and_then(|p| match p.as_str() {
                "" => None,
                p => Priority::parse(p).ok(),
            }),
            tag: nonempty("tag").map(|t| cut(&t, super::TAG_MAX_CHARS)),
            due: Due::from_query(get("due").as_deref()),
            search: nonempty("q").map(|q| cut(&q, SEARCH_MAX_CHARS)),
            sort: Sort::from_query(get("sort").as_deref()),
        }
    }

    /// The query string for this view (without `?`), with `extra` pairs appended.
    pub fn to_query(&self, extra: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if self.status != Filter::All {
            pairs.push(("filter", self.status.as_str().to_owned()));
        }
        if let Some(p) = self.priority {
            pairs.push(("priority", p.as_str().to_owned()));
        }
        if let Some(t) = &self.tag {
            pairs.push(("tag", t.clone()));
        }
        if let Some(d) = self.due {
            pairs.push(("due", d.as_str().to_owned()));
        }
        if let Some(q) = &self.search {
            pairs.push(("q", q.clone()));
        }
        if self.sort != Sort::Newest {
            pairs.push(("sort", self.sort.as_str().to_owned()));
        }
        for (k, v) in extra {
            pairs.push((k, (*v).to_owned()));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::urls::encode_query_value(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// `/` with this view's query string and `extra`.
    pub fn href(&self, extra: &[(&str, &str)]) -> String {
        match self.to_query(extra) {
            q if q.is_empty() => "/".to_owned(),
            q => format!("/?{q}"),
        }
    }

    pub fn with_status(&self, status: Filter) -> Self {
        Self {
            status,
            ..self.clone()
        }
    }

    /// True when anything narrows the list beyond the status filter.
    pub fn is_narrowed(&self) -> bool {
        self.priority.is_some() || self.tag.is_some() || self.due.is_some() || self.search.is_some()
    }

    /// Whether a task (for example one just added or changed in the browser) belongs in
    /// this view. Search, tag and due filters are left to the server.
    pub fn shows(&self, task: &Task) -> bool {
        self.status.shows(task) && self.priority.is_none_or(|p| p == task.priority)
    }

    /// Search words for `ILIKE` patterns (with `%`, `_` and `\\` escaped so they match
    /// themselves): at most `SEARCH_MAX_WORDS` distinct words, each at most
    /// `SEARCH_MAX_CHARS`. Case is left to `ILIKE`, PostgreSQL's own folding.
    pub fn search_patterns(&self) -> Vec<String> {
        let mut words: Vec<&str> = Vec::new();
        for word in self
            .search
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
        {
            crate::work::step();
            if !words.contains(&word) {
                words.push(word);
                if words.len() == SEARCH_MAX_WORDS {
                    break;
                }
            }
        }
        words
            .into_iter()
            .map(|word| {
                let escaped = word
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                format!("%{escaped}%")
            })
            .collect()
    }
}

/// The first `max` characters of `text`, without the spaces the cut may leave at its end.
fn cut(text: &str, max: usize) -> String {
    let end = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    text[..end].trim_end().to_owned()
}

/// Where the next page starts: the sort key and id of the last task shown, written so that
/// it names its sort (a cursor of another sort is refused).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cursor {
    Newest {
        created_at: DateTime<Utc>,
        id: i64,
    },
    Oldest {
        created_at: DateTime<Utc>,
        id: i64,
    },
    Due {
        due: Option<NaiveDate>,
        id: i64,
    },
    Priority {
        priority: Priority,
        created_at: DateTime<Utc>,
        id: i64,
    },
    Title {
        title: String,
        id: i64,
    },
}

impl Cursor {
    pub fn after(sort: Sort, task: &Task) -> Self {
        let id = task.id;
        match sort {
            Sort::Newest => Self::Newest {
                created_at: task.created_at,
                id,
            },
            Sort::Oldest => Self::Oldest {
                created_at: task.created_at,
                id,
            },
            Sort::Due => Self::Due {
                due: task.due_date,
                id,
            },
            Sort::Priority => Self::Priority {
                priority: task.priority,
                created_at: task.created_at,
                id,
            },
            // As stored: the query folds it with the same `lower()` as the column.
            Sort::Title => Self::Title {
                title: task.title.clone(),
                id,
            },
        }
    }

    pub fn encode(&self) -> String {
        match self {
            Self::Newest { created_at, id } => format!("n.{}.{id}", created_at.timestamp_micros()),
            Self::Oldest { created_at, id } => format!("o.{}.{id}", created_at.timestamp_micros()),
            Self::Due { due, id } => match due {
                Some(d) => format!("d.{}.{id}", d.format("%Y%m%d")),
                None => format!("d.none.{id}"),
            },
            Self::Priority {
                priority,
                created_at,
                id,
            } => {
                format!(
                    "p.{}.{}.{id}",
                    priority.as_i16(),
                    created_at.timestamp_micros()
                )
            }
            Self::Title { title, id } => format!("t.{}.{id}", encode_text(title)),
        }
    }

    /// Parses a cursor made by `encode` for `sort`; anything else is a `BadRequest`. Every
    /// value is checked against the range the database can hold (and the app can have
    /// written) before it is used, and the whole cursor is bounded in length first.
    pub fn parse(sort: Sort, raw: &str) -> Result<Self, AppError> {
        if raw.len() > CURSOR_MAX_BYTES {
            return Err(bad_link());
        }
        let parts: Vec<&str> = raw.splitn(5, '.').collect();
        let micros = |s: &str| {
            s.parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_micros)
                .filter(|at| (CURSOR_MIN_YEAR..=CURSOR_MAX_YEAR).contains(&at.year()))
                .ok_or_else(bad_link)
        };
        match (sort, parts.as_slice()) {
            (Sort::Newest, ["n", at, i]) => Ok(Self::Newest {
                created_at: micros(at)?,
                id: parse_id(i)?,
            }),
            (Sort::Oldest, ["o", at, i]) => Ok(Self::Oldest {
                created_at: micros(at)?,
                id: parse_id(i)?,
            }),
            (Sort::Due, ["d", "none", i]) => Ok(Self::Due {
                due: None,
                id: parse_id(i)?,
            }),
            (Sort::Due, ["d", day, i]) => {
                let due = (day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| NaiveDate::parse_from_str(day, "%Y%m%d").ok())
                    .flatten()
                    .filter(|d| (DUE_MIN_YEAR..=DUE_MAX_YEAR).contains(&d.year()))
                    .ok_or_else(bad_link)?;
                Ok(Self::Due {
                    due: Some(due),
                    id: parse_id(i)?,
                })
            }
            (Sort::Priority, ["p", p, at, i]) => {
                let p: i16 = p
                    .parse()
                    .ok()
                    .filter(|p| (0..=3).contains(p))
                    .ok_or_else(bad_link)?;
                Ok(Self::Priority {
                    priority: Priority::from_i16(p),
                    created_at: micros(at)?,
                    id: parse_id(i)?,
                })
            }
            (Sort::Title, ["t", hex, i]) => {
                let title = decode_text(hex, super::TITLE_MAX_CHARS).ok_or_else(bad_link)?;
                Ok(Self::Title {
                    title,
                    id: parse_id(i)?,
                })
            }
            _ => Err(bad_link()),
        }
    }
}

/// Where the next page of tags starts: the name and id of the last tag shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagCursor {
    pub name: String,
    pub id: i64,
}

impl TagCursor {
    pub fn after(tag: &super::Tag) -> Self {
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
        if raw.len() > 2 + 2 * 4 * super::TAG_MAX_CHARS + 1 + 20 {
            return Err(bad_link());
        }
        match raw.splitn(4, '.').collect::<Vec<_>>().as_slice() {
            ["g", hex, id] => Ok(Self {
                name: decode_text(hex, super::TAG_MAX_CHARS).ok_or_else(bad_link)?,
                id: parse_id(id)?,
            }),
            _ => Err(bad_link()),
        }
    }
}

/// The longest cursor read: a title cursor of the longest title (800 bytes as hex) and an id.
pub const CURSOR_MAX_BYTES: usize = 2 + 2 * 4 * super::TITLE_MAX_CHARS + 1 + 20;
/// Times in a cursor are creation times: anything outside these years was never written.
const CURSOR_MIN_YEAR: i32 = 2000;
const CURSOR_MAX_YEAR: i32 = 9999;
/// The years a due date may have (`parse_due_date`).
const DUE_MIN_YEAR: i32 = 1900;
const DUE_MAX_YEAR: i32 = 2999;

/// The answer to any page link (cursor) that is not one the app wrote.
fn bad_link() -> AppError {
    AppError::BadRequest("that page link is not valid".into())
}

/// A row id in a cursor: a positive whole number.
fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(bad_link)
}

/// Text in a cursor (a title, a tag name), as hex of its UTF-8 bytes.
fn encode_text(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The text `encode_text` wrote, if it is valid UTF-8 of at most `max_chars` characters.
fn decode_text(hex: &str, max_chars: usize) -> Option<String> {
    decode_hex(hex)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|text| !exceeds_chars(text, max_chars))
}

/// Lower-case or upper-case hex to bytes; `None` for an odd length or a non-hex byte.
fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = hex.as_bytes();
    if bytes.len() % 2 != 0 {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| {
            crate::work::step();
            Some(digit(pair[0])? << 4 | digit(pair[1])?)
        })
        .collect()
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

/// The longest `tags` field read: ten tags of the longest name with their separators fit.
pub const TAGS_FIELD_MAX_CHARS: usize = 500;

/// Tag names typed as a comma-separated list: trimmed, blank ones dropped, exact duplicates
/// dropped, each 1 to 40 characters, at most 10.
///
/// Bounded before any work: a field longer than `TAGS_FIELD_MAX_CHARS` is refused before it
/// is split, and the loop stops at the eleventh name. Names that differ only in case are left
/// for the database to merge: its `lower()` is the one place tag names are folded (the
/// unique index and every lookup use it), so Rust's case rules never have to agree with it.
pub fn parse_tags(raw: &str) -> Result<Vec<String>, AppError> {
    if exceeds_chars(raw, TAGS_FIELD_MAX_CHARS) {
        return Err(AppError::validation(
            "tags",
            format!(
                "Keep the tags to {TAGS_FIELD_MAX_CHARS} characters or fewer, at most {} tags.",
                super::MAX_TAGS_PER_TASK
            ),
        ));
    }
    let mut tags: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        crate::work::step();
        super::check_tag_name("tags", name)?;
        if seen.insert(name) {
            if tags.len() == super::MAX_TAGS_PER_TASK {
                return Err(AppError::validation(
                    "tags",
                    format!("Use at most {} tags on one task.", super::MAX_TAGS_PER_TASK),
                ));
            }
            tags.push(name.to_owned());
        }
    }
    Ok(tags)
}

/// True when `raw` has more than `max` characters, found in at most `max + 1` steps (and
/// without counting at all when even four bytes a character would not fit).
pub fn exceeds_chars(raw: &str, max: usize) -> bool {
    raw.len() > max.saturating_mul(4) || raw.chars().nth(max).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn task(id: i64) -> Task {
        Task {
            id,
            title: "Write Report.v2".into(),
            description: None,
            completed: false,
            priority: Priority::Medium,
            due_date: NaiveDate::from_ymd_opt(2026, 12, 24),
            tags: vec![],
            created_at: DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap(),
            updated_at: DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap(),
        }
    }

    #[test]
    fn cursors_round_trip_for_every_sort() {
        let mut t = task(42);
        for sort in Sort::ALL {
            let c = Cursor::after(sort, &t);
            assert_eq!(Cursor::parse(sort, &c.encode()).unwrap(), c, "{sort:?}");
        }
        t.due_date = None;
        let c = Cursor::after(Sort::Due, &t);
        assert_eq!(Cursor::parse(Sort::Due, &c.encode()).unwrap(), c);
    }

    #[test]
    fn tampered_cursors_and_cursors_of_another_sort_are_refused() {
        let c = Cursor::after(Sort::Newest, &task(42)).encode();
        assert!(Cursor::parse(Sort::Title, &c).is_err());
        for bad in [
            "",
            "abc",
            "n.1.2.3",
            "n.x.5",
            "n.5.x",
            "n.1764000000123456.-1",
            "n.99999999999999999999.1",
            "d.2026-12-24.1",
            "d.20261340.1",
            "p.9.1.1",
            "t.zz.1",
            "t.abc.1",
            "t.ff.1",
        ] {
            for sort in Sort::ALL {
                assert!(
                    matches!(Cursor::parse(sort, bad), Err(AppError::BadRequest(_))),
                    "{bad:?} {sort:?}"
                );
            }
        }
    }

    #[test]
    fn the_list_query_is_read_leniently_from_the_url() {
        let params: HashMap<&str, &str> = [
            ("filter", "active"),
            ("priority", "high"),
            ("tag", " work "),
            ("due", "week"),
            ("q", "  milk  "),
            ("sort", "title"),
        ]
        .into();
        let q = ListQuery::from_params(|k| params.get(k).map(|v| v.to_string()));
        assert_eq!(q.status, Filter::Active);
        assert_eq!(q.priority, Some(Priority::High));
        assert_eq!(q.tag.as_deref(), Some("work"));
        assert_eq!(q.due, Some(Due::Week));
        assert_eq!(q.search.as_deref(), Some("milk"));
        assert_eq!(q.sort, Sort::Title);
        assert_eq!(
            q.href(&[]),
            "/?filter=active&priority=high&tag=work&due=week&q=milk&sort=title"
        );

        let junk: HashMap<&str, &str> = [
            ("sort", "'; drop"),
            ("priority", "urgent"),
            ("due", "yesterday"),
        ]
        .into();
        let q = ListQuery::from_params(|k| junk.get(k).map(|v| v.to_string()));
        assert_eq!(q, ListQuery::default());
        assert_eq!(q.href(&[("after", "n.1.2")]), "/?after=n.1.2");
    }

    #[test]
    fn search_words_become_escaped_patterns() {
        let q = ListQuery {
            search: Some("Milk 100% a_b".into()),
            ..Default::default()
        };
        assert_eq!(q.search_patterns(), vec!["%Milk%", "%100\\%%", "%a\\_b%"]);
        assert!(ListQuery::default().search_patterns().is_empty());
    }

    #[test]
    fn due_ranges_are_seen_from_today() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(
            Due::Overdue.range(today),
            (None, NaiveDate::from_ymd_opt(2026, 11, 26), false)
        );
        assert_eq!(Due::Today.range(today), (Some(today), Some(today), false));
        assert_eq!(
            Due::Week.range(today),
            (Some(today), NaiveDate::from_ymd_opt(2026, 12, 3), false)
        );
        assert_eq!(Due::NoDate.range(today), (None, None, true));
    }

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

    #[test]
    fn a_title_cursor_with_non_ascii_hex_is_refused_not_a_panic() {
        for raw in [
            "t.a\u{e9}a.1",
            "t.aé.1",
            "t.éa.1",
            "t.\u{1f600}.1",
            "t.0é.1",
        ] {
            assert!(matches!(
                Cursor::parse(Sort::Title, raw),
                Err(AppError::BadRequest(_))
            ));
        }
        let (result, steps) =
            crate::work::count(|| Cursor::parse(Sort::Title, &"t.".repeat(100_000)));
        assert!(result.is_err());
        assert_eq!(steps, 0, "refused by its length before it was decoded");
    }

    #[test]
    fn cursor_times_and_dates_outside_what_the_database_holds_are_refused() {
        for (sort, raw) in [
            (Sort::Newest, format!("n.{}.1", i64::MAX)),
            (Sort::Newest, format!("n.{}.1", i64::MIN)),
            (Sort::Newest, "n.-62135596800000000.1".to_owned()),
            (Sort::Oldest, "o.253402300800000000.1".to_owned()),
            (
                Sort::Priority,
                format!("p.1.{}.1", 8_210_298_412_800_000_000_i64),
            ),
            (Sort::Due, "d.00000101.1".to_owned()),
            (Sort::Due, "d.99991231.1".to_owned()),
            (Sort::Due, "d.+2026121.1".to_owned()),
        ] {
            assert!(
                matches!(Cursor::parse(sort, &raw), Err(AppError::BadRequest(_))),
                "{raw}"
            );
        }
    }

    #[test]
    fn search_words_are_deduplicated_and_bounded() {
        let q = ListQuery {
            search: Some("a a b c d e f g h i j k".into()),
            ..Default::default()
        };
        let patterns = q.search_patterns();
        assert_eq!(patterns.len(), SEARCH_MAX_WORDS);
        assert_eq!(patterns[0], "%a%");
        assert_eq!(patterns[1], "%b%");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Strings that look like what each parser expects, with bytes that break them.
        fn near_cursor() -> impl Strategy<Value = String> {
            prop_oneof![
                "[ndopt]\\.[0-9a-fA-Fé.+-]{0,40}\\.[0-9-]{0,22}",
                "[ndopt](\\.[0-9]{0,20}){1,4}",
                ".{0,64}",
            ]
        }

        proptest! {
            #[test]
            fn cursors_parse_or_refuse_never_panic(raw in near_cursor()) {
                for sort in Sort::ALL {
                    match Cursor::parse(sort, &raw) {
                        Ok(c) => prop_assert_eq!(Cursor::parse(sort, &c.encode()).unwrap(), c),
                        Err(e) => prop_assert!(matches!(e, AppError::BadRequest(_))),
                    }
                }
            }

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
                    Ok(tags) => prop_assert!(tags.len() <= crate::tasks::MAX_TAGS_PER_TASK),
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
            fn due_dates_parse_or_give_a_field_error(raw in ".{0,80}") {
                if let Err(e) = parse_due_date(&raw) {
                    prop_assert!(e.field_message("due_date").is_some());
                }
            }

            #[test]
            fn list_urls_always_give_a_view(
                filter in ".{0,20}", priority in ".{0,20}", tag in ".{0,80}",
                due in ".{0,20}", q in ".{0,300}", sort in ".{0,20}",
            ) {
                let params = [("filter", filter), ("priority", priority), ("tag", tag),
                              ("due", due), ("q", q), ("sort", sort)];
                let view = ListQuery::from_params(|k| {
                    params.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
                });
                prop_assert!(view.search_patterns().len() <= SEARCH_MAX_WORDS);
                prop_assert!(view.tag.as_ref().is_none_or(|t| t.chars().count() <= crate::tasks::TAG_MAX_CHARS));
                // The view's own link reads back as the same view.
                let href = view.href(&[]);
                let query = href.trim_start_matches('/').trim_start_matches('?');
                let pairs: Vec<(String, String)> = query
                    .split('&')
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        let (k, v) = p.split_once('=').unwrap();
                        (k.to_owned(), percent_decode(v))
                    })
                    .collect();
                let again = ListQuery::from_params(|k| {
                    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
                });
                prop_assert_eq!(again, view);
            }
        }

        fn percent_decode(v: &str) -> String {
            let bytes = v.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' {
                    out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).unwrap()
        }
    }
}
