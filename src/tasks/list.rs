//! What the list shows: the status filter, search, filters and sort that live in the URL.
//! Shared with the browser, which builds the same links.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Priority, Task};

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
            Self::Due => "Due date and time",
            Self::Priority => "Priority",
            Self::Title => "Title (A–Z)",
        }
    }
}

/// Which due dates to show, seen from the person's own today (in their time zone).
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

    /// The inclusive date range (or "no date") this filter keeps, seen from `today`. Overdue
    /// keeps today too: the query keeps only those of today whose due time has passed.
    pub fn range(self, today: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>, bool) {
        match self {
            Self::Overdue => (None, Some(today), false),
            Self::Today => (Some(today), Some(today), false),
            Self::Week => (Some(today), today.checked_add_days(Days::new(6)), false),
            Self::NoDate => (None, None, true),
        }
    }
}

pub const SEARCH_MAX_CHARS: usize = 100;
/// Search words used, at most: each is one more `ILIKE` per task scanned.
pub const SEARCH_MAX_WORDS: usize = 8;

/// The list URL's parameters as they come: what `list_tasks` takes (flattened, so a link's
/// query string is its request) and what `ListQuery` is read from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListParams {
    pub filter: Option<String>,
    pub priority: Option<String>,
    pub tag: Option<String>,
    pub due: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    /// `1` (or `on`, as a checkbox sends it): only tasks that repeat.
    pub repeating: Option<String>,
}

impl ListParams {
    pub fn get(&self, name: &str) -> Option<String> {
        match name {
            "filter" => self.filter.clone(),
            "priority" => self.priority.clone(),
            "tag" => self.tag.clone(),
            "due" => self.due.clone(),
            "q" => self.q.clone(),
            "sort" => self.sort.clone(),
            "repeating" => self.repeating.clone(),
            _ => None,
        }
    }
}

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
    /// Only tasks that repeat.
    pub repeating: bool,
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
            tag: nonempty("tag").map(|t| cut(&t, crate::tags::TAG_MAX_CHARS)),
            due: Due::from_query(get("due").as_deref()),
            search: nonempty("q").map(|q| cut(&q, SEARCH_MAX_CHARS)),
            sort: Sort::from_query(get("sort").as_deref()),
            repeating: matches!(get("repeating").as_deref(), Some("1" | "on" | "true")),
        }
    }

    /// This view as the parameters of its URL.
    pub fn params(&self) -> ListParams {
        ListParams {
            filter: Some(self.status.as_str().to_owned()),
            priority: self.priority.map(|p| p.as_str().to_owned()),
            tag: self.tag.clone(),
            due: self.due.map(|d| d.as_str().to_owned()),
            q: self.search.clone(),
            sort: Some(self.sort.as_str().to_owned()),
            repeating: self.repeating.then(|| "1".to_owned()),
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
        if self.repeating {
            pairs.push(("repeating", "1".to_owned()));
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
        self.priority.is_some()
            || self.tag.is_some()
            || self.due.is_some()
            || self.search.is_some()
            || self.repeating
    }

    /// Whether a task (for example one just added or changed in the browser) belongs in
    /// this view. Search, tag and due filters are left to the server.
    pub fn shows(&self, task: &Task) -> bool {
        self.status.shows(task)
            && self.priority.is_none_or(|p| p == task.priority)
            && (!self.repeating || task.repeat.is_some())
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn the_list_query_is_read_leniently_from_the_url() {
        let params: HashMap<&str, &str> = [
            ("filter", "active"),
            ("priority", "high"),
            ("tag", " work "),
            ("due", "week"),
            ("q", "  milk  "),
            ("sort", "title"),
            ("repeating", "1"),
        ]
        .into();
        let q = ListQuery::from_params(|k| params.get(k).map(|v| v.to_string()));
        assert_eq!(q.status, Filter::Active);
        assert_eq!(q.priority, Some(Priority::High));
        assert_eq!(q.tag.as_deref(), Some("work"));
        assert_eq!(q.due, Some(Due::Week));
        assert_eq!(q.search.as_deref(), Some("milk"));
        assert_eq!(q.sort, Sort::Title);
        assert!(q.repeating);
        assert_eq!(
            q.href(&[]),
            "/?filter=active&priority=high&tag=work&due=week&q=milk&sort=title&repeating=1"
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
        assert_eq!(Due::Overdue.range(today), (None, Some(today), false));
        assert_eq!(Due::Today.range(today), (Some(today), Some(today), false));
        assert_eq!(
            Due::Week.range(today),
            (Some(today), NaiveDate::from_ymd_opt(2026, 12, 3), false)
        );
        assert_eq!(Due::NoDate.range(today), (None, None, true));
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

    #[test]
    fn unknown_filters_mean_all() {
        assert_eq!(Filter::from_query(Some("active")), Filter::Active);
        assert_eq!(Filter::from_query(Some("completed")), Filter::Completed);
        assert_eq!(Filter::from_query(Some("nonsense")), Filter::All);
        assert_eq!(Filter::from_query(None), Filter::All);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

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

        proptest! {
            #[test]
            fn list_urls_always_give_a_view(
                filter in ".{0,20}", priority in ".{0,20}", tag in ".{0,80}",
                due in ".{0,20}", q in ".{0,300}", sort in ".{0,20}", repeating in ".{0,4}",
            ) {
                let params = [("filter", filter), ("priority", priority), ("tag", tag),
                              ("due", due), ("q", q), ("sort", sort), ("repeating", repeating)];
                let view = ListQuery::from_params(|k| {
                    params.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
                });
                prop_assert!(view.search_patterns().len() <= SEARCH_MAX_WORDS);
                prop_assert!(view.tag.as_ref().is_none_or(|t| t.chars().count() <= crate::tags::TAG_MAX_CHARS));
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
    }
}
