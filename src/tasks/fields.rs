//! A task's form as it is posted: its fields declared once (`TaskForm`), which of them a
//! posting page had, and the parsers of its plain values (dates, counts) that the task's
//! rules (`input`) and the repeat picker (`repeat_form`) both read.

use chrono::{Datelike, NaiveDate};

use super::{DUE_MAX_YEAR, DUE_MIN_YEAR, YEARS};
use crate::error::AppError;

crate::text_form! {
    /// A task's fields as a form sends them: a plain HTML form (these are its inputs' names) or
    /// the hydrated page. The server functions take it flattened, so the names stay flat and a
    /// form without JavaScript posts to them as it is. A field left out is empty. The order is
    /// the form's.
    pub struct TaskForm {
        title,
        description,
        /// high, medium, low, or empty for none.
        priority,
        /// `YYYY-MM-DD`, or empty.
        due_date,
        /// `HH:MM` on the due date, in the person's zone, or empty for none.
        due_time,
        /// Empty for none; `daily`, `weekdays`, `weekly`, `monthly`, `yearly` (shaped by the
        /// fields below); or an RRULE (`FREQ=WEEKLY;BYDAY=MO,TH`), which says it all itself.
        repeat,
        /// Every how many days, weeks, months or years; empty is 1.
        repeat_every,
        /// The days of a weekly repeat: `on` for each chosen (checkboxes); none is the due
        /// date's day.
        repeat_mon,
        repeat_tue,
        repeat_wed,
        repeat_thu,
        repeat_fri,
        repeat_sat,
        repeat_sun,
        /// A monthly repeat's day: empty for the due date's, `last`, or `1` to `31`.
        repeat_monthly,
        /// `due` (or empty) or `completion`: what the next occurrence counts from.
        repeat_from,
        /// The last date it may repeat on (`YYYY-MM-DD`), or empty.
        repeat_until,
        /// How many more times it may occur, this one included, or empty.
        repeat_count,
        /// Empty for none, `at` (at `remind_at`), or minutes before due (`0`, `15`, `1440`, …).
        remind,
        /// `YYYY-MM-DDTHH:MM` in the person's zone, as `<input type=datetime-local>` sends it.
        remind_at,
        /// Names separated by commas.
        tags,
    }
}

/// The fields of a task form posted without a list of its own (`TaskForm::sent`): every
/// field the form had when the list was introduced. Never changes: a field added later is
/// not in it, so a page built before that field existed keeps it as it is.
const FIELDS_BEFORE_THE_LIST: [&str; 21] = [
    "title",
    "description",
    "priority",
    "due_date",
    "due_time",
    "repeat",
    "repeat_every",
    "repeat_mon",
    "repeat_tue",
    "repeat_wed",
    "repeat_thu",
    "repeat_fri",
    "repeat_sat",
    "repeat_sun",
    "repeat_monthly",
    "repeat_from",
    "repeat_until",
    "repeat_count",
    "remind",
    "remind_at",
    "tags",
];

impl TaskForm {
    /// The list of its fields a form posts beside them (`form_fields`): what the page that
    /// sends it knows of the form.
    pub fn field_list() -> String {
        Self::NAMES.join(",")
    }

    /// The fields a form that posted `list` (its `form_fields`, or none) did not have: a
    /// page built before they existed (a browser still on the previous release during a
    /// rolling deploy). An edit keeps what the task has in them rather than clearing them.
    pub fn not_sent(list: Option<&str>) -> Vec<&'static str> {
        let sent = |name: &str| match list {
            Some(list) => list.split(',').any(|n| n.trim() == name),
            None => FIELDS_BEFORE_THE_LIST.contains(&name),
        };
        Self::NAMES.iter().copied().filter(|n| !sent(n)).collect()
    }

    /// This form with the fields `names` taken from `from`.
    pub fn keeping(mut self, names: &[&str], from: &TaskForm) -> Self {
        for name in names {
            self.set(name, from.get(name).to_owned());
        }
        self
    }
}

/// A date typed in a form (`YYYY-MM-DD`, as `<input type=date>` sends it); blank is none.
pub fn parse_due_date(raw: &str) -> Result<Option<NaiveDate>, AppError> {
    parse_date(raw, "due_date", "due date")
}

/// A date of the form's field `field` (`what` in its messages); blank is none.
pub(super) fn parse_date(
    raw: &str,
    field: &'static str,
    what: &str,
) -> Result<Option<NaiveDate>, AppError> {
    let malformed = || AppError::validation(field, format!("Enter the {what} as YYYY-MM-DD."));
    if raw.len() > 64 {
        return Err(malformed());
    }
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| malformed())?;
    if !YEARS.contains(&date.year()) {
        return Err(AppError::validation(
            field,
            format!("Enter a {what} between {DUE_MIN_YEAR} and {DUE_MAX_YEAR}."),
        ));
    }
    Ok(Some(date))
}

/// A whole number from 1 to `max` in the form's field `field`; blank is none.
pub(super) fn parse_count(
    raw: &str,
    field: &'static str,
    max: u16,
    what: &str,
) -> Result<Option<u16>, AppError> {
    let refused = || AppError::validation(field, format!("Enter {what} from 1 to {max}."));
    if raw.len() > 16 {
        return Err(refused());
    }
    match raw.trim() {
        "" => Ok(None),
        n => n
            .parse::<u16>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .map(Some)
            .ok_or_else(refused),
    }
}
