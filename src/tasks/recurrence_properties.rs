//! Property tests of the rules: each next date against an oracle (`in_series`) that checks a day alone, and any text parsed.

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
