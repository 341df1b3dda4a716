//! The rules' unit tests: each frequency, interval, day and end, the parser's refusals, the summaries

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
        let (at, _) = next_due_at(&monthly_on(1, 31), utc(2026, 2, 1, 4, 30), New_York).unwrap();
        assert_eq!(at, utc(2026, 4, 1, 3, 30));
    }

    #[test]
    fn a_finished_series_has_no_next_instant() {
        let last = with_end(rule(Frequency::Daily, 1), End::Count(1));
        assert_eq!(next_due_at(&last, utc(2026, 3, 28, 8, 0), Berlin), None);
    }
}

#[path = "recurrence_properties.rs"]
mod properties;
