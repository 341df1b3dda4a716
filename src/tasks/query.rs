//! What the list shows: the search, filters and sort that live in the URL, and the cursor
//! that continues a page. Shared with the browser, which builds the same links.

use chrono::{DateTime, Days, NaiveDate, Utc};
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
            tag: nonempty("tag").map(|t| t.chars().take(super::TAG_MAX_CHARS).collect()),
            due: Due::from_query(get("due").as_deref()),
            search: nonempty("q").map(|q| q.chars().take(SEARCH_MAX_CHARS).collect()),
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
            .map(|(k, v)| format!("{k}={}", crate::auth::encode_query_value(v)))
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

    /// Search words, lowercased, each at most `SEARCH_MAX_CHARS`, for `ILIKE` patterns
    /// (with `%`, `_` and `\` escaped so they match themselves).
    pub fn search_patterns(&self) -> Vec<String> {
        self.search
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(|word| {
                let escaped = word
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                format!("%{escaped}%")
            })
            .collect()
    }
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
            Sort::Title => Self::Title {
                title: task.title.to_lowercase(),
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
            Self::Title { title, id } => {
                let hex: String = title.bytes().map(|b| format!("{b:02x}")).collect();
                format!("t.{hex}.{id}")
            }
        }
    }

    /// Parses a cursor made by `encode` for `sort`; anything else is a `BadRequest`.
    pub fn parse(sort: Sort, raw: &str) -> Result<Self, AppError> {
        let bad = || AppError::BadRequest("that page link is not valid".into());
        let parts: Vec<&str> = raw.split('.').collect();
        let id = |s: &str| s.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(bad);
        let micros = |s: &str| {
            s.parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_micros)
                .ok_or_else(bad)
        };
        match (sort, parts.as_slice()) {
            (Sort::Newest, ["n", at, i]) => Ok(Self::Newest {
                created_at: micros(at)?,
                id: id(i)?,
            }),
            (Sort::Oldest, ["o", at, i]) => Ok(Self::Oldest {
                created_at: micros(at)?,
                id: id(i)?,
            }),
            (Sort::Due, ["d", "none", i]) => Ok(Self::Due {
                due: None,
                id: id(i)?,
            }),
            (Sort::Due, ["d", day, i]) => Ok(Self::Due {
                due: Some(NaiveDate::parse_from_str(day, "%Y%m%d").map_err(|_| bad())?),
                id: id(i)?,
            }),
            (Sort::Priority, ["p", p, at, i]) => {
                let p: i16 = p
                    .parse()
                    .ok()
                    .filter(|p| (0..=3).contains(p))
                    .ok_or_else(bad)?;
                Ok(Self::Priority {
                    priority: Priority::from_i16(p),
                    created_at: micros(at)?,
                    id: id(i)?,
                })
            }
            (Sort::Title, ["t", hex, i]) => {
                if hex.len() % 2 != 0 || hex.len() > 1600 {
                    return Err(bad());
                }
                let bytes = (0..hex.len())
                    .step_by(2)
                    .map(|k| u8::from_str_radix(&hex[k..k + 2], 16))
                    .collect::<Result<Vec<u8>, _>>()
                    .map_err(|_| bad())?;
                let title = String::from_utf8(bytes).map_err(|_| bad())?;
                Ok(Self::Title { title, id: id(i)? })
            }
            _ => Err(bad()),
        }
    }
}

/// A date typed in a form (`YYYY-MM-DD`, as `<input type=date>` sends it); blank is none.
pub fn parse_due_date(raw: &str) -> Result<Option<NaiveDate>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| AppError::validation("due_date", "Enter the due date as YYYY-MM-DD."))?;
    let year = chrono::Datelike::year(&date);
    if !(1900..=2999).contains(&year) {
        return Err(AppError::validation(
            "due_date",
            "Enter a due date between 1900 and 2999.",
        ));
    }
    Ok(Some(date))
}

/// Tag names typed as a comma-separated list: trimmed, blank ones dropped, duplicates
/// (in any case) dropped, each 1 to 40 characters, at most 10.
pub fn parse_tags(raw: &str) -> Result<Vec<String>, AppError> {
    let mut tags: Vec<String> = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        super::check_tag_name("tags", name)?;
        if !tags.iter().any(|t| t.to_lowercase() == name.to_lowercase()) {
            tags.push(name.to_owned());
        }
    }
    if tags.len() > super::MAX_TAGS_PER_TASK {
        return Err(AppError::validation(
            "tags",
            format!("Use at most {} tags on one task.", super::MAX_TAGS_PER_TASK),
        ));
    }
    Ok(tags)
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
        assert_eq!(q.search_patterns(), vec!["%milk%", "%100\\%%", "%a\\_b%"]);
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
        assert_eq!(
            parse_tags(" work, Home ,,WORK ").unwrap(),
            vec!["work", "Home"]
        );
        assert!(parse_tags("").unwrap().is_empty());
        assert!(parse_tags(&"x".repeat(41)).is_err());
        let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert!(parse_tags(&eleven.join(",")).is_err());
    }
}
