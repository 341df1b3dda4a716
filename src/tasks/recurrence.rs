//! Repeating tasks: the small part of RFC 5545's RRULE that a task list needs (daily, weekly
//! on chosen days, monthly on a day of the month or its last day, yearly; an interval; an end
//! by date or by count). Shared with the browser so a rule is read and summarised as it is
//! typed; the step from one due instant to the next in a time zone needs the IANA database,
//! which only the server carries (`ssr`).
//!
//! The series is anchored at the task's due date, as RFC 5545's DTSTART: "every 2 weeks"
//! counts weeks from that date, and a month that lacks the day (the 31st in April) is
//! skipped, as the RFC says, rather than moved to a nearby day.

use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::{DUE_MAX_YEAR, DUE_MIN_YEAR, YEARS};
use crate::error::AppError;
use crate::zone::date_label;

/// The longest rule accepted; a real one is a few dozen characters.
pub const RULE_MAX_CHARS: usize = 200;
pub const INTERVAL_MAX: u16 = 999;
pub const COUNT_MAX: u16 = 999;

const FIELD: &str = "repeat";

/// How many months (or years) a monthly or yearly search looks at before giving up. A day
/// that exists at all in the reachable months turns up within a few dozen steps (the worst
/// is Feb 29 stepping over non-leap centuries); this only stops rules that can never match.
const MAX_STEPS: i64 = 400;

/// Monday first, as RFC 5545's default week start (WKST=MO) and `num_days_from_monday`.
const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];
const RULE_DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const WORKING_WEEK: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl Frequency {
    fn as_rule(self) -> &'static str {
        match self {
            Self::Daily => "DAILY",
            Self::Weekly => "WEEKLY",
            Self::Monthly => "MONTHLY",
            Self::Yearly => "YEARLY",
        }
    }

    /// "day"/"days" and so on, for the summary.
    fn unit(self, plural: bool) -> &'static str {
        match (self, plural) {
            (Self::Daily, false) => "day",
            (Self::Daily, true) => "days",
            (Self::Weekly, false) => "week",
            (Self::Weekly, true) => "weeks",
            (Self::Monthly, false) => "month",
            (Self::Monthly, true) => "months",
            (Self::Yearly, false) => "year",
            (Self::Yearly, true) => "years",
        }
    }
}

/// When a series stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum End {
    Never,
    /// The last date an occurrence may fall on (inclusive).
    Until(NaiveDate),
    /// Occurrences left, including the current one: a task carrying `Count(1)` is the last.
    Count(u16),
}

/// A repeat rule as parsed from RRULE text. The fields are public for the server and the
/// forms; a rule built by hand that `parse` would refuse (interval 0, an impossible month
/// day) simply has no next date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence {
    pub frequency: Frequency,
    /// 1..=999: every n days, weeks, months or years.
    pub interval: u16,
    /// BYDAY, weekly rules only: sorted Monday to Sunday, no repeats. Empty means the base
    /// date's own weekday.
    pub weekdays: Vec<Weekday>,
    /// BYMONTHDAY, monthly rules only: 1..=31, or -1 for the month's last day. `None` means
    /// the base date's day.
    pub month_day: Option<i8>,
    pub end: End,
}

impl Recurrence {
    /// Parses "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH" (an optional leading "RRULE:" accepted;
    /// keys and values in any case). Anything outside the supported subset is refused rather
    /// than ignored, so a rule never silently means less than it says.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        // Bounded before anything is split, so a huge input costs nothing.
        if raw.chars().nth(RULE_MAX_CHARS).is_some() {
            return Err(refused(format!(
                "Keep the repeat rule to {RULE_MAX_CHARS} characters or fewer."
            )));
        }
        let body = strip_rrule_prefix(raw.trim()).trim();
        if body.is_empty() {
            return Err(refused("Enter a repeat rule, such as FREQ=WEEKLY."));
        }
        let mut parts = Parts::default();
        for part in body.split(';') {
            parts.take(part)?;
        }
        parts.into_rule()
    }

    /// The canonical text: FREQ, then INTERVAL (only when above 1), BYDAY, BYMONTHDAY, then
    /// COUNT or UNTIL (UNTIL=YYYYMMDD). `parse` gives the same rule back.
    pub fn to_rule(&self) -> String {
        let mut rule = format!("FREQ={}", self.frequency.as_rule());
        if self.interval > 1 {
            rule.push_str(&format!(";INTERVAL={}", self.interval));
        }
        if !self.weekdays.is_empty() {
            let days: Vec<&str> = self.weekdays.iter().map(|&d| rule_day(d)).collect();
            rule.push_str(&format!(";BYDAY={}", days.join(",")));
        }
        if let Some(day) = self.month_day {
            rule.push_str(&format!(";BYMONTHDAY={day}"));
        }
        match self.end {
            End::Never => {}
            End::Count(count) => rule.push_str(&format!(";COUNT={count}")),
            End::Until(date) => rule.push_str(&format!(
                ";UNTIL={:04}{:02}{:02}",
                date.year(),
                date.month(),
                date.day()
            )),
        }
        rule
    }

    /// The rule in plain words for the page: "every 2 weeks on Mon and Thu, 3 times left"
    /// (counting the current occurrence).
    pub fn summary(&self) -> String {
        let mut text = self.cadence();
        match self.end {
            End::Never => {}
            End::Until(date) => text.push_str(&format!(", until {}", date_label(date))),
            End::Count(1) => text.push_str(", this is the last time"),
            End::Count(count) => text.push_str(&format!(", {count} times left")),
        }
        text
    }

    /// The first date of the series anchored at `base` (RFC 5545 DTSTART = `base`) strictly
    /// after `base`, ignoring `end`. `None` past `DUE_MAX_YEAR`, where due dates stop, and
    /// for a rule that can never match (interval 0, an impossible month day).
    pub fn next_date(&self, base: NaiveDate) -> Option<NaiveDate> {
        if self.interval == 0 {
            return None;
        }
        let n = u64::from(self.interval);
        let next = match self.frequency {
            Frequency::Daily => base.checked_add_days(Days::new(n)),
            Frequency::Weekly => next_weekly(base, n, &self.weekdays),
            Frequency::Monthly => {
                let day = match self.month_day {
                    Some(day) => day,
                    None => base_month_day(base)?,
                };
                next_in_months(base, i64::from(self.interval), day)
            }
            Frequency::Yearly => {
                next_in_months(base, 12 * i64::from(self.interval), base_month_day(base)?)
            }
        }?;
        (next.year() <= DUE_MAX_YEAR).then_some(next)
    }

    /// The next occurrence's date and the rule it carries (a count one lower), or `None`
    /// when the series ends here: this is the last counted occurrence, or the next date
    /// falls after UNTIL.
    pub fn next(&self, base: NaiveDate) -> Option<(NaiveDate, Recurrence)> {
        let end = match self.end {
            End::Count(count) if count <= 1 => return None,
            End::Count(count) => End::Count(count - 1),
            other => other,
        };
        let date = self.next_date(base)?;
        if matches!(self.end, End::Until(until) if date > until) {
            return None;
        }
        Some((
            date,
            Recurrence {
                end,
                ..self.clone()
            },
        ))
    }

    /// "every weekday", "every 2 weeks on Mon and Thu", "every month on the last day".
    fn cadence(&self) -> String {
        if self.frequency == Frequency::Weekly
            && self.interval == 1
            && self.weekdays == WORKING_WEEK
        {
            return "every weekday".to_owned();
        }
        let mut text = match self.interval {
            1 => format!("every {}", self.frequency.unit(false)),
            n => format!("every {n} {}", self.frequency.unit(true)),
        };
        if !self.weekdays.is_empty() {
            let names: Vec<&str> = self.weekdays.iter().map(|&d| day_name(d)).collect();
            text.push_str(&format!(" on {}", join_and(&names)));
        }
        match self.month_day {
            Some(-1) => text.push_str(" on the last day"),
            Some(day) => text.push_str(&format!(" on the {}", ordinal(day))),
            None => {}
        }
        text
    }
}

impl fmt::Display for Recurrence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rule())
    }
}

/// The fields of a rule as they are read, each at most once.
#[derive(Default)]
struct Parts {
    frequency: Option<Frequency>,
    interval: Option<u16>,
    weekdays: Option<Vec<Weekday>>,
    month_day: Option<i8>,
    count: Option<u16>,
    until: Option<NaiveDate>,
}

impl Parts {
    /// Reads one `KEY=VALUE` part into its field.
    fn take(&mut self, part: &str) -> Result<(), AppError> {
        let Some((key, value)) = part.split_once('=') else {
            return Err(refused(
                "Write each part of the rule as KEY=VALUE, separated by semicolons.",
            ));
        };
        let key = key.trim().to_ascii_uppercase();
        let value = value.trim().to_ascii_uppercase();
        match key.as_str() {
            "FREQ" => fill(&mut self.frequency, "FREQ", || parse_frequency(&value)),
            "INTERVAL" => fill(&mut self.interval, "INTERVAL", || {
                parse_number(&value, INTERVAL_MAX)
                    .ok_or_else(|| refused("INTERVAL must be a whole number from 1 to 999."))
            }),
            "BYDAY" => fill(&mut self.weekdays, "BYDAY", || parse_weekdays(&value)),
            "BYMONTHDAY" => fill(&mut self.month_day, "BYMONTHDAY", || {
                parse_month_day(&value)
            }),
            "COUNT" => fill(&mut self.count, "COUNT", || {
                parse_number(&value, COUNT_MAX)
                    .ok_or_else(|| refused("COUNT must be a whole number from 1 to 999."))
            }),
            "UNTIL" => fill(&mut self.until, "UNTIL", || parse_until(&value)),
            "" => Err(refused(
                "Write each part of the rule as KEY=VALUE, separated by semicolons.",
            )),
            other => Err(refused(format!(
                "Repeat rules cannot use {other}: use FREQ, INTERVAL, BYDAY, BYMONTHDAY, \
                 COUNT or UNTIL."
            ))),
        }
    }

    /// The rule, once the parts are checked against each other.
    fn into_rule(self) -> Result<Recurrence, AppError> {
        let frequency = self.frequency.ok_or_else(|| {
            refused("Say how often the task repeats with FREQ: DAILY, WEEKLY, MONTHLY or YEARLY.")
        })?;
        if self.weekdays.is_some() && frequency != Frequency::Weekly {
            return Err(refused(
                "BYDAY (days of the week) can only be used with FREQ=WEEKLY.",
            ));
        }
        if self.month_day.is_some() && frequency != Frequency::Monthly {
            return Err(refused(
                "BYMONTHDAY (day of the month) can only be used with FREQ=MONTHLY.",
            ));
        }
        let end = match (self.count, self.until) {
            (Some(_), Some(_)) => return Err(refused("Give COUNT or UNTIL, not both.")),
            (Some(count), None) => End::Count(count),
            (None, Some(until)) => End::Until(until),
            (None, None) => End::Never,
        };
        Ok(Recurrence {
            frequency,
            interval: self.interval.unwrap_or(1),
            weekdays: self.weekdays.unwrap_or_default(),
            month_day: self.month_day,
            end,
        })
    }
}

/// Sets `slot` from `parse`, refusing a key given twice (RFC 5545 allows each once).
fn fill<T>(
    slot: &mut Option<T>,
    key: &'static str,
    parse: impl FnOnce() -> Result<T, AppError>,
) -> Result<(), AppError> {
    if slot.is_some() {
        return Err(refused(format!("{key} is given twice.")));
    }
    *slot = Some(parse()?);
    Ok(())
}

fn refused(message: impl Into<String>) -> AppError {
    AppError::validation(FIELD, message)
}

/// The rule without an "RRULE:" in front (as iCalendar writes the property), in any case.
fn strip_rrule_prefix(raw: &str) -> &str {
    const PREFIX: &str = "RRULE:";
    match raw.get(..PREFIX.len()) {
        Some(head) if head.eq_ignore_ascii_case(PREFIX) => &raw[PREFIX.len()..],
        _ => raw,
    }
}

fn parse_frequency(value: &str) -> Result<Frequency, AppError> {
    match value {
        "DAILY" => Ok(Frequency::Daily),
        "WEEKLY" => Ok(Frequency::Weekly),
        "MONTHLY" => Ok(Frequency::Monthly),
        "YEARLY" => Ok(Frequency::Yearly),
        _ => Err(refused("Tasks repeat daily, weekly, monthly or yearly.")),
    }
}

/// A number in 1..=max written with digits only (no sign, which `u16::from_str` allows).
fn parse_number(value: &str, max: u16) -> Option<u16> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok().filter(|n| (1..=max).contains(n))
}

/// "MO,TH" as weekdays, sorted Monday first with repeats dropped.
fn parse_weekdays(value: &str) -> Result<Vec<Weekday>, AppError> {
    let mut days = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        if item.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-') {
            return Err(refused(
                "BYDAY takes plain days such as MO or TH, without a number in front.",
            ));
        }
        let Some(index) = RULE_DAYS.iter().position(|&d| d == item) else {
            return Err(refused(
                "BYDAY takes the days MO, TU, WE, TH, FR, SA and SU, separated by commas.",
            ));
        };
        days.push(WEEKDAYS[index]);
    }
    days.sort_by_key(|d| d.num_days_from_monday());
    days.dedup();
    Ok(days)
}

/// One day of the month, 1..=31, or -1 for the last.
fn parse_month_day(value: &str) -> Result<i8, AppError> {
    let day = match value.strip_prefix('-') {
        Some("1") => Some(-1),
        Some(_) => None,
        None => parse_number(value, 31).and_then(|d| i8::try_from(d).ok()),
    };
    day.ok_or_else(|| {
        refused("BYMONTHDAY must be one day from 1 to 31, or -1 for the last day of the month.")
    })
}

/// UNTIL as YYYYMMDD, or YYYYMMDDTHHMMSSZ (as calendars write it) of which the date counts.
fn parse_until(value: &str) -> Result<NaiveDate, AppError> {
    let malformed = || refused("UNTIL must be a date written YYYYMMDD, such as 20261231.");
    // Only ASCII is sliced by byte position below.
    if !value.is_ascii() {
        return Err(malformed());
    }
    let date_part = match value.len() {
        8 => value,
        16 if value.as_bytes()[8] == b'T' && value.ends_with('Z') => {
            let time_ok = digits(&value[9..15]).is_some_and(|t| {
                chrono::NaiveTime::from_hms_opt(t / 10_000, t / 100 % 100, t % 100).is_some()
            });
            if !time_ok {
                return Err(malformed());
            }
            &value[..8]
        }
        _ => return Err(malformed()),
    };
    let ymd = digits(date_part).ok_or_else(malformed)?;
    let year = i32::try_from(ymd / 10_000).map_err(|_| malformed())?;
    let date = NaiveDate::from_ymd_opt(year, ymd / 100 % 100, ymd % 100).ok_or_else(malformed)?;
    if !YEARS.contains(&date.year()) {
        return Err(refused(format!(
            "UNTIL must be a date in the years {DUE_MIN_YEAR} to {DUE_MAX_YEAR}."
        )));
    }
    Ok(date)
}

/// A short run of ASCII digits as a number (`value` is at most 8 digits here).
fn digits(value: &str) -> Option<u32> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

fn rule_day(day: Weekday) -> &'static str {
    RULE_DAYS[day.num_days_from_monday() as usize]
}

fn day_name(day: Weekday) -> &'static str {
    DAY_NAMES[day.num_days_from_monday() as usize]
}

/// "Mon", "Mon and Thu", "Mon, Wed and Fri".
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// "1st", "2nd", "11th", "22nd".
fn ordinal(day: i8) -> String {
    let suffix = match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{day}{suffix}")
}

/// `base`'s day of the month as a BYMONTHDAY value.
fn base_month_day(base: NaiveDate) -> Option<i8> {
    i8::try_from(base.day()).ok()
}

/// Weekly with BYDAY, weeks starting Monday: the rest of `base`'s week, else the first chosen
/// day of the week `n` weeks on. Without BYDAY, the same weekday `n` weeks on.
fn next_weekly(base: NaiveDate, n: u64, weekdays: &[Weekday]) -> Option<NaiveDate> {
    let offset = u64::from(base.weekday().num_days_from_monday());
    let chosen = || weekdays.iter().map(|d| u64::from(d.num_days_from_monday()));
    let Some(first) = chosen().min() else {
        return base.checked_add_days(Days::new(7 * n));
    };
    let week_start = base.checked_sub_days(Days::new(offset))?;
    match chosen().filter(|&d| d > offset).min() {
        Some(later) => week_start.checked_add_days(Days::new(later)),
        None => week_start.checked_add_days(Days::new(7 * n + first)),
    }
}

/// The first date after `base` on `day` (1..=31, or -1 for the last) of the months `base`'s
/// month, then every `step` months on. A month without that day is skipped (RFC 5545).
fn next_in_months(base: NaiveDate, step: i64, day: i8) -> Option<NaiveDate> {
    let start = i64::from(base.year()) * 12 + i64::from(base.month0());
    for i in 0..=MAX_STEPS {
        let index = start + i * step;
        let year = i32::try_from(index.div_euclid(12)).ok()?;
        if year > DUE_MAX_YEAR {
            return None;
        }
        let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
        match day_of_month(year, month, day) {
            Some(date) if date > base => return Some(date),
            _ => {}
        }
    }
    None
}

/// `day` of the month (-1: the last), or `None` when the month has no such day.
fn day_of_month(year: i32, month: u32, day: i8) -> Option<NaiveDate> {
    match day {
        -1 => NaiveDate::from_ymd_opt(year, month, 1)?
            .checked_add_months(Months::new(1))?
            .pred_opt(),
        1..=31 => NaiveDate::from_ymd_opt(year, month, u32::try_from(day).ok()?),
        _ => None,
    }
}

#[cfg(feature = "ssr")]
pub use zoned::{local_instant, next_due_at};

/// Due instants in a time zone: needs the IANA database (chrono-tz), so server only.
#[cfg(feature = "ssr")]
mod zoned {
    use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

    use super::Recurrence;

    /// The next due instant for a task due at `due` in `zone`: the next date of the rule,
    /// counted on `due`'s local calendar date, at the same local wall-clock time. So a
    /// daily 09:00 task stays at 09:00 across a daylight-saving change, and its UTC instant
    /// moves by the hour instead.
    pub fn next_due_at(
        rule: &Recurrence,
        due: DateTime<Utc>,
        zone: chrono_tz::Tz,
    ) -> Option<(DateTime<Utc>, Recurrence)> {
        let local = due.with_timezone(&zone);
        let (date, next_rule) = rule.next(local.date_naive())?;
        Some((local_instant(date, local.time(), zone)?, next_rule))
    }

    /// A local date and wall-clock time in `zone` as an instant (`Zone::moment`).
    pub fn local_instant(
        date: NaiveDate,
        time: NaiveTime,
        zone: chrono_tz::Tz,
    ) -> Option<DateTime<Utc>> {
        crate::zone::instant(date, time, zone)
    }
}

#[cfg(test)]
#[path = "recurrence_tests.rs"]
mod tests;
