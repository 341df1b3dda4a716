//! Each person's time zone, and moments seen in it: every "today" and every shown time.
//!
//! The same answer on both sides, so the server-rendered page and the hydrated one agree:
//! the server reads the IANA database compiled into chrono-tz; the browser asks its own
//! (`Intl.DateTimeFormat` with the zone), so the browser build carries no zone data.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
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

    /// Today's date in this zone.
    pub fn today(&self) -> NaiveDate {
        self.local(Utc::now()).date()
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
