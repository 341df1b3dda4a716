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
mod tests {
    use super::*;
    use Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rule(frequency: Frequency, interval: u16) -> Recurrence {
        Recurrence {
            frequency,
            interval,
            weekdays: Vec::new(),
            month_day: None,
            end: End::Never,
        }
    }

    fn weekly_on(interval: u16, weekdays: &[Weekday]) -> Recurrence {
        Recurrence {
            weekdays: weekdays.to_vec(),
            ..rule(Frequency::Weekly, interval)
        }
    }

    fn monthly_on(interval: u16, day: i8) -> Recurrence {
        Recurrence {
            month_day: Some(day),
            ..rule(Frequency::Monthly, interval)
        }
    }

    fn with_end(rule: Recurrence, end: End) -> Recurrence {
        Recurrence { end, ..rule }
    }

    /// The successive dates from `base`, following `next` until the series ends (or 20).
    fn series(rule: &Recurrence, base: NaiveDate) -> Vec<NaiveDate> {
        let mut dates = Vec::new();
        let (mut at, mut rule) = (base, rule.clone());
        while let Some((next, carried)) = rule.next(at) {
            dates.push(next);
            if dates.len() == 20 {
                break;
            }
            (at, rule) = (next, carried);
        }
        dates
    }

    fn refusal(raw: &str) -> String {
        let err = Recurrence::parse(raw).expect_err(raw);
        err.field_message("repeat")
            .unwrap_or_else(|| panic!("{raw}: not a repeat field error: {err:?}"))
    }

    #[test]
    fn daily_steps_by_the_interval() {
        assert_eq!(
            rule(Frequency::Daily, 1).next_date(date(2026, 12, 31)),
            Some(date(2027, 1, 1))
        );
        assert_eq!(
            series(&rule(Frequency::Daily, 3), date(2026, 2, 26))[..3],
            [date(2026, 3, 1), date(2026, 3, 4), date(2026, 3, 7)]
        );
    }

    #[test]
    fn weekly_without_days_keeps_the_base_weekday() {
        assert_eq!(
            rule(Frequency::Weekly, 1).next_date(date(2026, 1, 1)),
            Some(date(2026, 1, 8))
        );
        assert_eq!(
            rule(Frequency::Weekly, 3).next_date(date(2026, 1, 1)),
            Some(date(2026, 1, 22))
        );
    }

    #[test]
    fn every_two_weeks_on_monday_and_thursday_from_a_thursday() {
        // 2026-01-01 is a Thursday; its week (Monday first) starts on 2025-12-29.
        assert_eq!(
            series(&weekly_on(2, &[Mon, Thu]), date(2026, 1, 1))[..4],
            [
                date(2026, 1, 12),
                date(2026, 1, 15),
                date(2026, 1, 26),
                date(2026, 1, 29)
            ]
        );
    }

    #[test]
    fn every_two_weeks_on_monday_and_thursday_from_a_monday() {
        assert_eq!(
            series(&weekly_on(2, &[Mon, Thu]), date(2026, 1, 5))[..3],
            [date(2026, 1, 8), date(2026, 1, 19), date(2026, 1, 22)]
        );
    }

    #[test]
    fn every_two_weeks_on_monday_and_thursday_from_a_sunday() {
        // Sunday ends its Monday-first week, so the next chosen day is two weeks on.
        assert_eq!(
            weekly_on(2, &[Mon, Thu]).next_date(date(2026, 1, 4)),
            Some(date(2026, 1, 12))
        );
    }

    #[test]
    fn weekdays_skip_the_weekend() {
        let weekdays = weekly_on(1, &WORKING_WEEK);
        assert_eq!(
            weekdays.next_date(date(2026, 1, 9)),
            Some(date(2026, 1, 12))
        );
        assert_eq!(
            weekdays.next_date(date(2026, 1, 10)),
            Some(date(2026, 1, 12))
        );
        assert_eq!(
            weekdays.next_date(date(2026, 1, 11)),
            Some(date(2026, 1, 12))
        );
        assert_eq!(
            weekdays.next_date(date(2026, 1, 12)),
            Some(date(2026, 1, 13))
        );
    }

    #[test]
    fn monthly_without_a_day_keeps_the_base_day() {
        assert_eq!(
            rule(Frequency::Monthly, 1).next_date(date(2026, 1, 15)),
            Some(date(2026, 2, 15))
        );
        assert_eq!(
            rule(Frequency::Monthly, 1).next_date(date(2026, 1, 31)),
            Some(date(2026, 3, 31))
        );
    }

    #[test]
    fn monthly_on_a_day_later_this_month_comes_this_month() {
        assert_eq!(
            monthly_on(1, 15).next_date(date(2026, 1, 10)),
            Some(date(2026, 1, 15))
        );
        assert_eq!(
            monthly_on(1, 15).next_date(date(2026, 1, 20)),
            Some(date(2026, 2, 15))
        );
    }

    #[test]
    fn monthly_on_the_31st_skips_shorter_months() {
        assert_eq!(
            series(&monthly_on(1, 31), date(2026, 1, 31))[..3],
            [date(2026, 3, 31), date(2026, 5, 31), date(2026, 7, 31)]
        );
    }

    #[test]
    fn monthly_on_the_30th_skips_february() {
        assert_eq!(
            monthly_on(1, 30).next_date(date(2026, 1, 30)),
            Some(date(2026, 3, 30))
        );
    }

    #[test]
    fn monthly_with_an_interval_counts_months_from_the_base() {
        assert_eq!(
            monthly_on(2, 1).next_date(date(2026, 1, 1)),
            Some(date(2026, 3, 1))
        );
        // Every 3 months on the 31st: April has no 31st, so July.
        assert_eq!(
            monthly_on(3, 31).next_date(date(2026, 1, 31)),
            Some(date(2026, 7, 31))
        );
    }

    #[test]
    fn monthly_on_the_last_day_follows_the_month_length() {
        let last = monthly_on(1, -1);
        assert_eq!(last.next_date(date(2027, 1, 31)), Some(date(2027, 2, 28)));
        assert_eq!(last.next_date(date(2028, 1, 31)), Some(date(2028, 2, 29)));
        assert_eq!(last.next_date(date(2028, 2, 29)), Some(date(2028, 3, 31)));
        assert_eq!(last.next_date(date(2028, 4, 10)), Some(date(2028, 4, 30)));
    }

    #[test]
    fn yearly_keeps_the_month_and_day() {
        assert_eq!(
            rule(Frequency::Yearly, 1).next_date(date(2026, 3, 15)),
            Some(date(2027, 3, 15))
        );
        assert_eq!(
            rule(Frequency::Yearly, 2).next_date(date(2026, 3, 15)),
            Some(date(2028, 3, 15))
        );
    }

    #[test]
    fn yearly_on_february_29th_waits_for_a_leap_year() {
        assert_eq!(
            rule(Frequency::Yearly, 1).next_date(date(2024, 2, 29)),
            Some(date(2028, 2, 29))
        );
        assert_eq!(
            rule(Frequency::Yearly, 3).next_date(date(2024, 2, 29)),
            Some(date(2036, 2, 29))
        );
        // 2100 is not a leap year.
        assert_eq!(
            rule(Frequency::Yearly, 1).next_date(date(2096, 2, 29)),
            Some(date(2104, 2, 29))
        );
    }

    #[test]
    fn until_includes_its_own_date() {
        let daily = with_end(rule(Frequency::Daily, 1), End::Until(date(2026, 1, 10)));
        assert_eq!(
            daily.next(date(2026, 1, 9)),
            Some((date(2026, 1, 10), daily.clone()))
        );
        assert_eq!(daily.next(date(2026, 1, 10)), None);
        assert_eq!(
            series(&daily, date(2026, 1, 7)),
            [date(2026, 1, 8), date(2026, 1, 9), date(2026, 1, 10)]
        );
    }

    #[test]
    fn until_stops_a_series_that_would_step_past_it() {
        let weekly = with_end(rule(Frequency::Weekly, 1), End::Until(date(2026, 1, 14)));
        assert_eq!(
            weekly.next(date(2026, 1, 1)).map(|(d, _)| d),
            Some(date(2026, 1, 8))
        );
        assert_eq!(weekly.next(date(2026, 1, 8)), None);
    }

    #[test]
    fn count_goes_down_to_the_last_occurrence() {
        let daily = with_end(rule(Frequency::Daily, 1), End::Count(3));
        let (second, rule2) = daily.next(date(2026, 1, 1)).unwrap();
        assert_eq!((second, rule2.end), (date(2026, 1, 2), End::Count(2)));
        let (third, rule3) = rule2.next(second).unwrap();
        assert_eq!((third, rule3.end), (date(2026, 1, 3), End::Count(1)));
        assert_eq!(rule3.next(third), None);
        assert_eq!(
            with_end(rule(Frequency::Daily, 1), End::Count(0)).next(third),
            None
        );
    }

    #[test]
    fn dates_past_the_last_due_year_are_none() {
        assert_eq!(
            rule(Frequency::Daily, 1).next_date(date(2999, 12, 30)),
            Some(date(2999, 12, 31))
        );
        assert_eq!(
            rule(Frequency::Daily, 1).next_date(date(2999, 12, 31)),
            None
        );
        assert_eq!(
            rule(Frequency::Weekly, 1).next_date(date(2999, 12, 28)),
            None
        );
        assert_eq!(weekly_on(1, &[Mon]).next_date(date(2999, 12, 30)), None);
        assert_eq!(monthly_on(1, 15).next_date(date(2999, 12, 15)), None);
        assert_eq!(rule(Frequency::Yearly, 1).next_date(date(2999, 6, 1)), None);
        assert_eq!(
            rule(Frequency::Yearly, 999).next_date(date(2026, 6, 1)),
            None
        );
        assert_eq!(rule(Frequency::Daily, 1).next(date(2999, 12, 31)), None);
    }

    #[test]
    fn rules_that_can_never_match_have_no_next_date() {
        assert_eq!(rule(Frequency::Daily, 0).next_date(date(2026, 1, 1)), None);
        assert_eq!(monthly_on(1, 0).next_date(date(2026, 1, 1)), None);
        assert_eq!(monthly_on(1, 32).next_date(date(2026, 1, 1)), None);
        // Every 12 months on the 30th from February: February never has a 30th.
        assert_eq!(monthly_on(12, 30).next_date(date(2026, 2, 1)), None);
    }

    #[test]
    fn canonical_rules_round_trip() {
        for text in [
            "FREQ=DAILY",
            "FREQ=DAILY;INTERVAL=3",
            "FREQ=WEEKLY",
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
            "FREQ=MONTHLY;BYMONTHDAY=15",
            "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=-1",
            "FREQ=YEARLY;INTERVAL=999;COUNT=999",
            "FREQ=DAILY;UNTIL=20261231",
        ] {
            let parsed = Recurrence::parse(text).unwrap();
            assert_eq!(parsed.to_rule(), text);
            assert_eq!(parsed.to_string(), text);
        }
    }

    #[test]
    fn parse_reads_each_field() {
        assert_eq!(
            Recurrence::parse("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=5").unwrap(),
            Recurrence {
                weekdays: vec![Mon, Thu],
                end: End::Count(5),
                ..rule(Frequency::Weekly, 2)
            }
        );
        assert_eq!(
            Recurrence::parse("FREQ=MONTHLY;BYMONTHDAY=-1;UNTIL=20261231").unwrap(),
            with_end(monthly_on(1, -1), End::Until(date(2026, 12, 31)))
        );
    }

    #[test]
    fn parse_normalises_case_order_prefix_and_repeats() {
        assert_eq!(
            Recurrence::parse(" rrule:byday=th,mo,th;freq=weekly;interval=1 ")
                .unwrap()
                .to_rule(),
            "FREQ=WEEKLY;BYDAY=MO,TH"
        );
        assert_eq!(
            Recurrence::parse("RRULE:FREQ=DAILY; Count = 2")
                .unwrap()
                .to_rule(),
            "FREQ=DAILY;COUNT=2"
        );
        assert_eq!(
            Recurrence::parse("freq=weekly;byday=su,sa,fr,mo")
                .unwrap()
                .weekdays,
            [Mon, Fri, Sat, Sun]
        );
        assert_eq!(
            Recurrence::parse("FREQ=WEEKLY;BYDAY=TU,WE")
                .unwrap()
                .weekdays,
            [Tue, Wed]
        );
    }

    #[test]
    fn until_with_a_time_keeps_its_date() {
        assert_eq!(
            Recurrence::parse("FREQ=DAILY;UNTIL=20261231T235959Z")
                .unwrap()
                .end,
            End::Until(date(2026, 12, 31))
        );
    }

    #[test]
    fn a_long_rule_is_refused_before_it_is_read() {
        let long = format!("FREQ=DAILY;{}", ";".repeat(RULE_MAX_CHARS));
        assert!(refusal(&long).contains("200 characters"));
        let exactly = format!("FREQ=DAILY{}", " ".repeat(RULE_MAX_CHARS - 10));
        assert!(Recurrence::parse(&exactly).is_ok());
    }

    #[test]
    fn empty_and_shapeless_rules_are_refused() {
        assert!(refusal("").contains("Enter a repeat rule"));
        assert!(refusal("  ").contains("Enter a repeat rule"));
        assert!(refusal("RRULE:").contains("Enter a repeat rule"));
        assert!(refusal("FREQ").contains("KEY=VALUE"));
        assert!(refusal("FREQ=DAILY;").contains("KEY=VALUE"));
        assert!(refusal("=DAILY").contains("KEY=VALUE"));
    }

    #[test]
    fn frequency_is_required_and_limited() {
        assert!(refusal("INTERVAL=2").contains("FREQ"));
        for freq in ["HOURLY", "SECONDLY", "MINUTELY", "FORTNIGHTLY", ""] {
            assert_eq!(
                refusal(&format!("FREQ={freq}")),
                "Tasks repeat daily, weekly, monthly or yearly."
            );
        }
    }

    #[test]
    fn unknown_and_repeated_keys_are_refused() {
        for key in ["BYSETPOS=1", "BYHOUR=9", "WKST=SU", "BYMONTH=3", "X-NAME=1"] {
            let message = refusal(&format!("FREQ=MONTHLY;{key}"));
            assert!(message.contains("cannot use"), "{key}: {message}");
        }
        assert_eq!(refusal("FREQ=DAILY;FREQ=DAILY"), "FREQ is given twice.");
        assert_eq!(
            refusal("FREQ=DAILY;interval=2;INTERVAL=2"),
            "INTERVAL is given twice."
        );
        assert_eq!(
            refusal("FREQ=WEEKLY;BYDAY=MO;BYDAY=TU"),
            "BYDAY is given twice."
        );
    }

    #[test]
    fn interval_must_be_from_1_to_999() {
        for bad in ["0", "1000", "-1", "+2", "two", "", "1.5", "99999999999"] {
            assert!(
                refusal(&format!("FREQ=DAILY;INTERVAL={bad}")).contains("INTERVAL"),
                "{bad}"
            );
        }
        assert_eq!(
            Recurrence::parse("FREQ=DAILY;INTERVAL=999")
                .unwrap()
                .interval,
            999
        );
    }

    #[test]
    fn byday_takes_plain_days_on_weekly_rules_only() {
        for bad in ["1MO", "-1FR", "+2TU"] {
            assert!(
                refusal(&format!("FREQ=WEEKLY;BYDAY={bad}")).contains("without a number"),
                "{bad}"
            );
        }
        for bad in ["XX", "MONDAY", "", "MO,", "MO;TU"] {
            assert!(
                refusal(&format!("FREQ=WEEKLY;BYDAY={bad}")).contains("BYDAY")
                    || refusal(&format!("FREQ=WEEKLY;BYDAY={bad}")).contains("KEY=VALUE"),
                "{bad}"
            );
        }
        assert!(refusal("FREQ=MONTHLY;BYDAY=MO").contains("only be used with FREQ=WEEKLY"));
        assert!(refusal("FREQ=DAILY;BYDAY=MO").contains("only be used with FREQ=WEEKLY"));
    }

    #[test]
    fn bymonthday_takes_one_day_on_monthly_rules_only() {
        for bad in ["0", "32", "-2", "-31", "1,15", "+5", "x", ""] {
            assert!(
                refusal(&format!("FREQ=MONTHLY;BYMONTHDAY={bad}")).contains("BYMONTHDAY"),
                "{bad}"
            );
        }
        assert!(refusal("FREQ=YEARLY;BYMONTHDAY=1").contains("FREQ=MONTHLY"));
        assert!(refusal("FREQ=WEEKLY;BYMONTHDAY=1").contains("FREQ=MONTHLY"));
        assert_eq!(
            Recurrence::parse("FREQ=MONTHLY;BYMONTHDAY=31")
                .unwrap()
                .month_day,
            Some(31)
        );
    }

    #[test]
    fn count_must_be_from_1_to_999() {
        for bad in ["0", "1000", "-3", "many"] {
            assert!(
                refusal(&format!("FREQ=DAILY;COUNT={bad}")).contains("COUNT"),
                "{bad}"
            );
        }
    }

    #[test]
    fn until_must_be_a_date() {
        for bad in [
            "2026-12-31",
            "20261331",
            "20260230",
            "2026123",
            "20261231T2359Z",
            "20261231T250000Z",
            "20261231T235959",
            "+2026123",
            "",
        ] {
            assert!(
                refusal(&format!("FREQ=DAILY;UNTIL={bad}")).contains("YYYYMMDD"),
                "{bad}"
            );
        }
        assert!(refusal("FREQ=DAILY;UNTIL=30000101").contains("2999"));
    }

    #[test]
    fn count_and_until_together_are_refused() {
        assert_eq!(
            refusal("FREQ=DAILY;COUNT=2;UNTIL=20261231"),
            "Give COUNT or UNTIL, not both."
        );
    }

    #[test]
    fn summaries_say_the_rule_in_words() {
        let cases = [
            (rule(Frequency::Daily, 1), "every day"),
            (rule(Frequency::Daily, 3), "every 3 days"),
            (weekly_on(1, &WORKING_WEEK), "every weekday"),
            (
                weekly_on(2, &WORKING_WEEK),
                "every 2 weeks on Mon, Tue, Wed, Thu and Fri",
            ),
            (rule(Frequency::Weekly, 1), "every week"),
            (weekly_on(1, &[Sun]), "every week on Sun"),
            (weekly_on(1, &[Mon, Thu]), "every week on Mon and Thu"),
            (
                weekly_on(2, &[Mon, Wed, Fri]),
                "every 2 weeks on Mon, Wed and Fri",
            ),
            (rule(Frequency::Monthly, 1), "every month"),
            (monthly_on(1, 15), "every month on the 15th"),
            (monthly_on(1, -1), "every month on the last day"),
            (monthly_on(2, 1), "every 2 months on the 1st"),
            (rule(Frequency::Yearly, 1), "every year"),
            (rule(Frequency::Yearly, 2), "every 2 years"),
        ];
        for (rule, words) in cases {
            assert_eq!(rule.summary(), words, "{}", rule.to_rule());
        }
    }

    #[test]
    fn summaries_write_ordinals_correctly() {
        for (day, words) in [
            (1, "1st"),
            (2, "2nd"),
            (3, "3rd"),
            (4, "4th"),
            (11, "11th"),
            (12, "12th"),
            (13, "13th"),
            (21, "21st"),
            (22, "22nd"),
            (23, "23rd"),
            (30, "30th"),
            (31, "31st"),
        ] {
            assert_eq!(
                monthly_on(1, day).summary(),
                format!("every month on the {words}")
            );
        }
    }

    #[test]
    fn summaries_end_with_the_end() {
        let daily = rule(Frequency::Daily, 1);
        assert_eq!(
            with_end(daily.clone(), End::Until(date(2026, 12, 31))).summary(),
            "every day, until 31 Dec 2026"
        );
        assert_eq!(
            with_end(weekly_on(2, &[Mon, Thu]), End::Count(5)).summary(),
            "every 2 weeks on Mon and Thu, 5 times left"
        );
        assert_eq!(
            with_end(daily, End::Count(1)).summary(),
            "every day, this is the last time"
        );
    }

    #[cfg(feature = "ssr")]
    mod zoned {
        use super::*;
        use chrono::{DateTime, NaiveTime, TimeZone, Utc};
        use chrono_tz::America::New_York;
        use chrono_tz::Europe::Berlin;

        fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
            Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
        }

        fn time(h: u32, m: u32) -> NaiveTime {
            NaiveTime::from_hms_opt(h, m, 0).unwrap()
        }

        fn next_due(rule: &Recurrence, due: DateTime<Utc>, zone: chrono_tz::Tz) -> DateTime<Utc> {
            next_due_at(rule, due, zone).unwrap().0
        }

        #[test]
        fn a_daily_task_keeps_its_local_time_across_berlin_changes() {
            let daily = rule(Frequency::Daily, 1);
            // 09:00 CET (UTC+1) on 28 March, then 09:00 CEST (UTC+2) on 29 March.
            assert_eq!(
                next_due(&daily, utc(2026, 3, 28, 8, 0), Berlin),
                utc(2026, 3, 29, 7, 0)
            );
            // 09:00 CEST on 24 October, then 09:00 CET on 25 October.
            assert_eq!(
                next_due(&daily, utc(2026, 10, 24, 7, 0), Berlin),
                utc(2026, 10, 25, 8, 0)
            );
        }

        #[test]
        fn a_daily_task_keeps_its_local_time_across_new_york_changes() {
            let daily = rule(Frequency::Daily, 1);
            // 09:00 EST (UTC-5) on 7 March, then 09:00 EDT (UTC-4) on 8 March.
            assert_eq!(
                next_due(&daily, utc(2026, 3, 7, 14, 0), New_York),
                utc(2026, 3, 8, 13, 0)
            );
            // 09:00 EDT on 31 October, then 09:00 EST on 1 November.
            assert_eq!(
                next_due(&daily, utc(2026, 10, 31, 13, 0), New_York),
                utc(2026, 11, 1, 14, 0)
            );
        }

        #[test]
        fn a_time_in_the_spring_gap_moves_forward_by_the_gap() {
            // 02:30 CET on 28 March; 02:30 does not exist on 29 March: 03:30 CEST.
            let (at, _) =
                next_due_at(&rule(Frequency::Daily, 1), utc(2026, 3, 28, 1, 30), Berlin).unwrap();
            assert_eq!(at, utc(2026, 3, 29, 1, 30));
            assert_eq!(at.with_timezone(&Berlin).time(), time(3, 30));
            assert_eq!(
                local_instant(date(2026, 3, 8), time(2, 30), New_York),
                Some(utc(2026, 3, 8, 7, 30))
            );
        }

        #[test]
        fn a_time_that_happens_twice_takes_the_earlier() {
            // 02:30 CEST (UTC+2) on 24 October; 02:30 comes twice on 25 October.
            assert_eq!(
                next_due(&rule(Frequency::Daily, 1), utc(2026, 10, 24, 0, 30), Berlin),
                utc(2026, 10, 25, 0, 30)
            );
            assert_eq!(
                local_instant(date(2026, 11, 1), time(1, 30), New_York),
                Some(utc(2026, 11, 1, 5, 30))
            );
        }

        #[test]
        fn a_weekly_new_york_task_keeps_its_local_time_across_the_change() {
            let weekly = with_end(weekly_on(1, &[Mon, Thu]), End::Count(3));
            // Thursday 5 March 09:00 EST, then Monday 9 March 09:00 EDT.
            let (at, carried) = next_due_at(&weekly, utc(2026, 3, 5, 14, 0), New_York).unwrap();
            assert_eq!(at, utc(2026, 3, 9, 13, 0));
            assert_eq!(carried.end, End::Count(2));
            assert_eq!(
                next_due(
                    &rule(Frequency::Weekly, 1),
                    utc(2026, 10, 26, 13, 0),
                    New_York
                ),
                utc(2026, 11, 2, 14, 0)
            );
        }

        #[test]
        fn the_local_date_decides_the_next_date() {
            // 23:30 in New York on 31 January is already 1 February in UTC: monthly on
            // the 31st counts from the local 31st, to 31 March.
            let (at, _) =
                next_due_at(&monthly_on(1, 31), utc(2026, 2, 1, 4, 30), New_York).unwrap();
            assert_eq!(at, utc(2026, 4, 1, 3, 30));
        }

        #[test]
        fn a_finished_series_has_no_next_instant() {
            let last = with_end(rule(Frequency::Daily, 1), End::Count(1));
            assert_eq!(next_due_at(&last, utc(2026, 3, 28, 8, 0), Berlin), None);
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn any_date(from: i32, to: i32) -> impl Strategy<Value = NaiveDate> {
            let first = date(from, 1, 1).num_days_from_ce();
            let last = date(to, 12, 31).num_days_from_ce();
            (first..=last).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap())
        }

        fn any_rule() -> impl Strategy<Value = Recurrence> {
            let frequency = prop_oneof![
                Just(Frequency::Daily),
                Just(Frequency::Weekly),
                Just(Frequency::Monthly),
                Just(Frequency::Yearly),
            ];
            let end = prop_oneof![
                Just(End::Never),
                (1u16..=COUNT_MAX).prop_map(End::Count),
                any_date(DUE_MIN_YEAR, DUE_MAX_YEAR).prop_map(End::Until),
            ];
            let month_day = prop_oneof![(1i8..=31).prop_map(Some), Just(Some(-1)), Just(None)];
            (frequency, 1u16..=50, 0u8..128, month_day, end).prop_map(
                |(frequency, interval, days, month_day, end)| Recurrence {
                    frequency,
                    interval,
                    weekdays: match frequency {
                        Frequency::Weekly => WEEKDAYS
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| days & (1 << i) != 0)
                            .map(|(_, &d)| d)
                            .collect(),
                        _ => Vec::new(),
                    },
                    month_day: month_day.filter(|_| frequency == Frequency::Monthly),
                    end,
                },
            )
        }

        /// RFC 5545 membership, checked directly: is `day` an occurrence of the series
        /// anchored at `base`?
        fn in_series(rule: &Recurrence, base: NaiveDate, day: NaiveDate) -> bool {
            let n = i64::from(rule.interval);
            let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
            match rule.frequency {
                Frequency::Daily => (day - base).num_days() % n == 0,
                Frequency::Weekly => {
                    let monday =
                        |d: NaiveDate| d - Days::new(u64::from(d.weekday().num_days_from_monday()));
                    let weeks = (monday(day) - monday(base)).num_days() / 7;
                    let on_day = if rule.weekdays.is_empty() {
                        day.weekday() == base.weekday()
                    } else {
                        rule.weekdays.contains(&day.weekday())
                    };
                    on_day && weeks % n == 0
                }
                Frequency::Monthly => {
                    let wanted = match rule.month_day {
                        Some(-1) => day
                            .succ_opt()
                            .is_none_or(|next| next.month() != day.month()),
                        Some(d) => day.day() == u32::try_from(d).unwrap(),
                        None => day.day() == base.day(),
                    };
                    wanted && (months(day) - months(base)) % n == 0
                }
                Frequency::Yearly => {
                    day.month() == base.month()
                        && day.day() == base.day()
                        && (day.year() - base.year()) % i32::from(rule.interval) == 0
                }
            }
        }

        proptest! {
            #[test]
            fn the_next_date_is_strictly_later_and_in_range(
                rule in any_rule(), base in any_date(1900, 2900),
            ) {
                if let Some(next) = rule.next_date(base) {
                    prop_assert!(next > base);
                    prop_assert!(next.year() <= DUE_MAX_YEAR);
                }
            }

            #[test]
            fn the_next_date_is_the_first_occurrence_after_the_base(
                rule in any_rule(), base in any_date(1900, 2900),
            ) {
                // Walk day by day (the slow, obviously right way) over a bounded window.
                let window = 20_000;
                let expected = base
                    .iter_days()
                    .skip(1)
                    .take(window)
                    .take_while(|d| d.year() <= DUE_MAX_YEAR)
                    .find(|&d| in_series(&rule, base, d));
                match expected {
                    Some(day) => prop_assert_eq!(rule.next_date(base), Some(day)),
                    None => prop_assert!(rule
                        .next_date(base)
                        .is_none_or(|d| (d - base).num_days() > window as i64)),
                }
            }

            #[test]
            fn rules_round_trip_through_their_text(rule in any_rule()) {
                prop_assert_eq!(Recurrence::parse(&rule.to_rule()), Ok(rule.clone()));
                let lower = rule.to_rule().to_lowercase();
                prop_assert_eq!(Recurrence::parse(&lower), Ok(rule));
            }

            #[test]
            fn any_text_parses_or_gives_a_repeat_error(
                raw in ".{0,300}|[A-Za-z0-9=;,:+-]{0,300}|(FREQ=(DAILY|WEEKLY|MONTHLY|YEARLY);)?[A-Z]{2,10}=[A-Z0-9,+-]{0,12}",
            ) {
                if let Err(e) = Recurrence::parse(&raw) {
                    prop_assert!(e.field_message("repeat").is_some());
                }
            }
        }
    }
}
