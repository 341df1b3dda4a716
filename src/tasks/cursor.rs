//! Where the next page of the list starts: the sort key and id of the last task shown,
//! written so that it names its sort (a cursor of another sort is refused).

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::{list::Sort, Priority, Task, DUE_MAX_YEAR, DUE_MIN_YEAR, TITLE_MAX_CHARS, YEARS};
use crate::{
    error::AppError,
    paging::{bad_link, decode_text, encode_text, parse_id},
};

/// The longest cursor read: a title cursor of the longest title (800 bytes as hex) and an id.
pub const CURSOR_MAX_BYTES: usize = 2 + 2 * 4 * TITLE_MAX_CHARS + 1 + 20;
/// Times in a cursor are creation times: anything outside these years was never written.
const CURSOR_MIN_YEAR: i32 = 2000;
const CURSOR_MAX_YEAR: i32 = 9999;

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
        /// The due moment, for a task with a time.
        at: Option<DateTime<Utc>>,
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
                at: task.due_at,
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
            Self::Due { due, at, id } => match (due, at) {
                (Some(d), Some(at)) => {
                    format!("d.{}.{}.{id}", d.format("%Y%m%d"), at.timestamp_micros())
                }
                (Some(d), None) => format!("d.{}.{id}", d.format("%Y%m%d")),
                (None, _) => format!("d.none.{id}"),
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
                at: None,
                id: parse_id(i)?,
            }),
            (Sort::Due, ["d", day, i]) => Ok(Self::Due {
                due: Some(due_day(day)?),
                at: None,
                id: parse_id(i)?,
            }),
            (Sort::Due, ["d", day, at, i]) => Ok(Self::Due {
                due: Some(due_day(day)?),
                at: Some(
                    at.parse::<i64>()
                        .ok()
                        .and_then(DateTime::from_timestamp_micros)
                        // A day either side of the due dates that can be written.
                        .filter(|at| (DUE_MIN_YEAR - 1..=DUE_MAX_YEAR + 1).contains(&at.year()))
                        .ok_or_else(bad_link)?,
                ),
                id: parse_id(i)?,
            }),
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

/// A due date in a cursor: `YYYYMMDD` within the years a due date may have.
fn due_day(day: &str) -> Result<NaiveDate, AppError> {
    (day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit()))
        .then(|| NaiveDate::parse_from_str(day, "%Y%m%d").ok())
        .flatten()
        .filter(|d| YEARS.contains(&d.year()))
        .ok_or_else(bad_link)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: i64) -> Task {
        Task {
            id,
            title: "Write Report.v2".into(),
            description: None,
            completed: false,
            priority: Priority::Medium,
            due_date: NaiveDate::from_ymd_opt(2026, 12, 24),
            due_time: None,
            due_at: None,
            repeat: None,
            repeat_from_completion: false,
            remind_at: None,
            remind_before_minutes: None,
            tags: vec![],
            created_at: DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap(),
            updated_at: DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap(),
            version: 1,
        }
    }

    #[test]
    fn cursors_round_trip_for_every_sort() {
        let mut t = task(42);
        for sort in Sort::ALL {
            let c = Cursor::after(sort, &t);
            assert_eq!(Cursor::parse(sort, &c.encode()).unwrap(), c, "{sort:?}");
        }
        t.due_at = DateTime::from_timestamp_micros(1_766_563_200_000_000);
        let c = Cursor::after(Sort::Due, &t);
        assert_eq!(Cursor::parse(Sort::Due, &c.encode()).unwrap(), c);
        (t.due_date, t.due_at) = (None, None);
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

    mod properties {
        use super::*;
        use crate::paging::near_cursor;
        use proptest::prelude::*;

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
        }
    }
}
