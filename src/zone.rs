//! Each person's time zone, and moments seen in it: every "today" and every shown time.
//!
//! The same answer on both sides, so the server-rendered page and the hydrated one agree:
//! the server reads the IANA database compiled into chrono-tz; the browser asks its own
//! (`Intl.DateTimeFormat` with the zone), so the browser build carries no zone data.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Longest zone name kept (the longest IANA name has 32 characters).
pub const ZONE_MAX_CHARS: usize = 64;

/// An IANA time zone name, such as `Europe/Berlin`; `UTC` when none is known.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
pub struct Zone(String);

impl Default for Zone {
    fn default() -> Self {
        Self("UTC".to_owned())
    }
}

impl Zone {
    /// A zone name as a form or the browser sends it. On the server it must be one the IANA
    /// database knows; the browser, which cannot tell, only checks its shape.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let refused = || {
            AppError::validation(
                "time_zone",
                "Choose a time zone by its name, such as Europe/Berlin or America/New_York.",
            )
        };
        if raw.len() > ZONE_MAX_CHARS {
            return Err(refused());
        }
        let name = raw.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        {
            return Err(refused());
        }
        #[cfg(feature = "ssr")]
        {
            let zone: chrono_tz::Tz = name.parse().map_err(|_| refused())?;
            Ok(Self(zone.name().to_owned()))
        }
        #[cfg(not(feature = "ssr"))]
        Ok(Self(name.to_owned()))
    }

    /// A name stored earlier; one the database no longer knows reads as UTC.
    pub fn from_stored(name: String) -> Self {
        Self::parse(&name).unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[cfg(feature = "ssr")]
    pub fn tz(&self) -> chrono_tz::Tz {
        self.0.parse().unwrap_or(chrono_tz::Tz::UTC)
    }

    /// The wall-clock date and time in this zone at `at`.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        #[cfg(feature = "ssr")]
        {
            at.with_timezone(&self.tz()).naive_local()
        }
        #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
        {
            browser::local(self.as_str(), at).unwrap_or_else(|| at.naive_utc())
        }
        #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
        {
            at.naive_utc()
        }
    }

    /// The moment this zone's wall clock shows `time` on `date`. A time the clock skips
    /// that day (the spring-forward gap) moves forward by the gap's length (02:30 becomes
    /// 03:30), and one it shows twice (fall back) is the earlier moment: the choices RFC
    /// 5545 makes, so a task is never early and never skipped. The same on both sides: the
    /// server reads its zone data, the browser finds the moment from `local`.
    pub fn moment(&self, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
        #[cfg(feature = "ssr")]
        {
            instant(date, time, self.tz())
        }
        #[cfg(not(feature = "ssr"))]
        {
            moment_by_clock(|at| self.local(at), date.and_time(time))
        }
    }

    /// Today's date in this zone.
    pub fn today(&self) -> NaiveDate {
        self.local(Utc::now()).date()
    }
}

// Dates and times as the pages show them and the forms take them, the same on both sides.

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "27 Nov 2026", as the page shows a date. Written by hand rather than with chrono's
/// `format`: its format-string machinery is a sizeable part of the browser build.
pub fn date_label(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// "09:30", as the page shows a time of day and `<input type=time>` takes it.
pub fn time_label(time: NaiveTime) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

/// "27 Nov 2026, 16:04": a moment on the person's clock, the same on the server-rendered
/// page and the hydrated one.
pub fn moment_label(at: &DateTime<Utc>, zone: &Zone) -> String {
    let local = zone.local(*at);
    format!("{}, {}", date_label(local.date()), time_label(local.time()))
}

/// "2026-11-27", as `<input type=date>` and the forms take a date.
pub fn iso_date(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// `at` as `<input type=datetime-local>` shows it: `2026-11-27T09:30`.
pub fn local_input(at: NaiveDateTime) -> String {
    format!("{}T{}", iso_date(at.date()), time_label(at.time()))
}

/// The moment a clock that reads `local` shows `wall`, found from the clock alone (the
/// browser has no zone data): `Zone::moment`'s choices, from the offsets a day before and a
/// day after (zones change at most twice a year, never twice in two days).
#[cfg_attr(feature = "ssr", allow(dead_code))]
fn moment_by_clock(
    local: impl Fn(DateTime<Utc>) -> NaiveDateTime,
    wall: NaiveDateTime,
) -> Option<DateTime<Utc>> {
    let day = chrono::TimeDelta::days(1);
    // The offset at a moment: what the clock shows then, less the moment.
    let offset = |at: NaiveDateTime| local(at.and_utc()) - at;
    let before = (wall - offset(wall.checked_sub_signed(day)?)).and_utc();
    let after = (wall - offset(wall.checked_add_signed(day)?)).and_utc();
    match [before, after]
        .into_iter()
        .filter(|at| local(*at) == wall)
        .min()
    {
        Some(at) => Some(at),
        // In the gap: read with the offset before it, which lands after the change.
        None => (local(before) > wall).then_some(before),
    }
}

/// `time` on `date` in `zone` as a moment: `Zone::moment`, for a zone already read.
#[cfg(feature = "ssr")]
pub fn instant(date: NaiveDate, time: NaiveTime, zone: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    use chrono::{LocalResult, Offset, TimeZone};
    let wall = date.and_time(time);
    match zone.from_local_datetime(&wall) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Some(at.to_utc()),
        LocalResult::None => {
            // Read the wall time with the offset in force before the gap: that instant lies
            // after the change, where the clock shows it one gap later. A day earlier is
            // safely before the gap (zones change at most twice a year).
            let before = wall.checked_sub_days(chrono::Days::new(1))?;
            let offset = zone.offset_from_utc_datetime(&before).fix();
            let at = wall.checked_sub_signed(chrono::TimeDelta::seconds(i64::from(
                offset.local_minus_utc(),
            )))?;
            let at = Utc.from_utc_datetime(&at);
            (at.with_timezone(&zone).naive_local() > wall).then_some(at)
        }
    }
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
mod browser {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    use js_sys::{Array, Date, Intl, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    /// `at` on the wall clock of `zone`, read from `Intl.DateTimeFormat`'s parts.
    pub(super) fn local(zone: &str, at: DateTime<Utc>) -> Option<NaiveDateTime> {
        let options = Object::new();
        for (key, value) in [
            ("timeZone", zone),
            ("hourCycle", "h23"),
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
            ("second", "numeric"),
        ] {
            Reflect::set(&options, &key.into(), &value.into()).ok()?;
        }
        let format = Intl::DateTimeFormat::new(&Array::of1(&"en-US".into()), &options);
        let date = Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
        let parts = format.format_to_parts(&date);
        let mut fields = [0u32; 6];
        for part in parts.iter() {
            let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
            let value = Reflect::get(&part, &"value".into()).ok()?.as_string()?;
            let slot = match kind.as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                "second" => 5,
                _ => continue,
            };
            fields[slot] = value.parse().ok()?;
        }
        let [y, mo, d, h, mi, s] = fields;
        NaiveDate::from_ymd_opt(y as i32, mo, d)?.and_hms_opt(h % 24, mi, s)
    }

    /// The zone names this browser knows, if it says.
    pub(super) fn known_names() -> Vec<String> {
        let Ok(intl) = Reflect::get(&js_sys::global(), &"Intl".into()) else {
            return Vec::new();
        };
        let Ok(list) = Reflect::get(&intl, &"supportedValuesOf".into()) else {
            return Vec::new();
        };
        let Ok(list) = list.dyn_into::<js_sys::Function>() else {
            return Vec::new();
        };
        match list.call1(&intl, &"timeZone".into()) {
            Ok(names) => Array::from(&names)
                .iter()
                .filter_map(|n| n.as_string())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The zone this browser is set to, if it says.
    pub(crate) fn detected() -> Option<String> {
        let format = Intl::DateTimeFormat::new(&Array::new(), &Object::new());
        let options = format.resolved_options();
        Reflect::get(&options, &"timeZone".into()).ok()?.as_string()
    }
}

/// The zone names the browser knows (`Intl.supportedValuesOf`), for suggestions; none on
/// the server or in a browser that does not say.
pub fn known_names() -> Vec<String> {
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        browser::known_names()
    }
    #[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
    {
        Vec::new()
    }
}

/// The zone the browser is set to (for the sign-up form to send); `None` on the server.
pub fn detected() -> Option<String> {
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        browser::detected()
    }
    #[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_chrono_would() {
        for (y, m, d) in [(2026, 11, 27), (1900, 1, 1), (2999, 12, 31), (2024, 2, 29)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(date_label(date), date.format("%-d %b %Y").to_string());
            assert_eq!(iso_date(date), date.format("%Y-%m-%d").to_string());
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn zone_names_are_checked_against_the_database() {
        assert_eq!(
            Zone::parse(" Europe/Berlin ").unwrap().as_str(),
            "Europe/Berlin"
        );
        assert_eq!(Zone::default().as_str(), "UTC");
        for bad in ["", "Mars/Olympus", "Europe/Berlin; drop", &"A".repeat(65)] {
            assert!(
                Zone::parse(bad)
                    .unwrap_err()
                    .field_message("time_zone")
                    .is_some(),
                "{bad}"
            );
        }
        assert_eq!(Zone::from_stored("Nowhere/Land".into()), Zone::default());
    }

    /// The browser's way to a moment (from the clock alone) gives the server's (from the zone
    /// data) for every half hour around each change of the year, in zones that change by an
    /// hour, by half an hour, or not at all.
    #[cfg(feature = "ssr")]
    #[test]
    fn the_clock_alone_finds_the_moment_the_zone_data_gives() {
        for name in [
            "Europe/Berlin",
            "America/New_York",
            "Australia/Lord_Howe",
            "Asia/Tokyo",
        ] {
            let zone = Zone::parse(name).unwrap();
            for (month, day) in [(3, 29), (3, 8), (4, 5), (10, 25), (11, 1), (10, 4)] {
                let date = NaiveDate::from_ymd_opt(2026, month, day).unwrap();
                for half_hours in 0..48 {
                    let time = NaiveTime::MIN + chrono::TimeDelta::minutes(30 * half_hours);
                    assert_eq!(
                        moment_by_clock(|at| zone.local(at), date.and_time(time)),
                        instant(date, time, zone.tz()),
                        "{name} {date} {time}"
                    );
                }
            }
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn local_time_follows_the_zone_and_its_summer_time() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        let winter = "2026-01-15T12:00:00Z".parse().unwrap();
        let summer = "2026-07-15T12:00:00Z".parse().unwrap();
        assert_eq!(berlin.local(winter).to_string(), "2026-01-15 13:00:00");
        assert_eq!(berlin.local(summer).to_string(), "2026-07-15 14:00:00");
        let auckland = Zone::parse("Pacific/Auckland").unwrap();
        // Late evening in UTC is already the next day in New Zealand.
        let evening = "2026-12-01T20:00:00Z".parse().unwrap();
        assert_eq!(
            auckland.local(evening).date(),
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
        );
    }
}
