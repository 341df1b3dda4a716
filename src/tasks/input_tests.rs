//! The task input's unit tests: each field's parse and refusal, the repeat picker, reminders, and the form's property tests

use super::*;
use crate::tags::MAX_TAGS_PER_TASK;

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
fn titles_are_trimmed_and_must_not_be_blank() {
    assert_eq!(
        TaskTitle::parse("  Buy milk ").unwrap().as_str(),
        "Buy milk"
    );
    for blank in ["", "   ", "\t"] {
        let err = TaskTitle::parse(blank).unwrap_err();
        assert_eq!(
            err.field_message("title").unwrap(),
            "Enter a title for the task."
        );
    }
}

#[test]
fn titles_are_at_most_200_characters_not_bytes() {
    assert!(TaskTitle::parse(&"é".repeat(200)).is_ok());
    assert!(TaskTitle::parse(&"a".repeat(201)).is_err());
    assert!(TaskTitle::parse(&"é".repeat(201)).is_err());
}

#[test]
fn titles_refuse_control_characters() {
    assert!(TaskTitle::parse("a\nb").is_err());
    assert!(TaskTitle::parse("a\u{0}b").is_err());
}

#[test]
fn text_is_kept_exactly_as_typed() {
    for t in [
        "<script>alert(1)</script>",
        "'); drop table tasks; --",
        "emoji 🎉 ok",
    ] {
        assert_eq!(TaskTitle::parse(t).unwrap().as_str(), t);
    }
}

#[test]
fn descriptions_are_optional_and_at_most_1000_characters() {
    assert_eq!(TaskDescription::parse("  ").unwrap().as_deref(), None);
    assert!(TaskDescription::parse(&"ü".repeat(1000)).is_ok());
    let err = TaskDescription::parse(&"ü".repeat(1001)).unwrap_err();
    assert!(err.field_message("description").unwrap().contains("1000"));
}

#[test]
fn descriptions_keep_line_breaks_but_no_other_control_characters() {
    assert_eq!(
        TaskDescription::parse("line one\r\nline two\tend")
            .unwrap()
            .as_deref(),
        Some("line one\nline two\tend")
    );
    assert!(TaskDescription::parse("bell\u{7}").is_err());
}

fn form(fields: &[(&str, &str)]) -> TaskForm {
    let mut form = TaskForm {
        title: "t".into(),
        ..TaskForm::default()
    };
    for (name, value) in fields {
        form.set(name, (*value).to_owned());
    }
    form
}

fn refused(fields: &[(&str, &str)]) -> Vec<String> {
    let errors = TaskInput::parse_all(&form(fields)).unwrap_err();
    errors
        .iter()
        .map(|e| match e {
            AppError::Validation { field, .. } => field.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn a_due_time_needs_a_date_and_is_hours_and_minutes() {
    let input =
        TaskInput::parse(&form(&[("due_date", "2026-12-24"), ("due_time", "18:30")])).unwrap();
    assert_eq!(input.due_time, NaiveTime::from_hms_opt(18, 30, 0));
    // Some browsers send seconds; they are dropped.
    let input = TaskInput::parse(&form(&[
        ("due_date", "2026-12-24"),
        ("due_time", "18:30:59"),
    ]))
    .unwrap();
    assert_eq!(input.due_time, NaiveTime::from_hms_opt(18, 30, 0));
    assert_eq!(refused(&[("due_time", "18:30")]), ["due_time"]);
    for bad in ["25:00", "6pm", "18.30", &"1".repeat(17)] {
        assert_eq!(
            refused(&[("due_date", "2026-12-24"), ("due_time", bad)]),
            ["due_time"],
            "{bad}"
        );
    }
}

#[test]
fn the_repeat_picker_makes_rules() {
    let rule = |fields: &[(&str, &str)]| {
        TaskInput::parse(&form(fields))
            .unwrap()
            .repeat
            .map(|r| r.rule.to_rule())
    };
    assert_eq!(rule(&[]), None);
    assert_eq!(
        rule(&[("repeat", "daily"), ("repeat_every", "3")]).as_deref(),
        Some("FREQ=DAILY;INTERVAL=3")
    );
    assert_eq!(
        rule(&[("repeat", "weekdays"), ("repeat_every", "5")]).as_deref(),
        Some("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    );
    assert_eq!(
        rule(&[
            ("repeat", "weekly"),
            ("repeat_every", "2"),
            ("repeat_mon", "on"),
            ("repeat_thu", "on")
        ])
        .as_deref(),
        Some("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH")
    );
    // No day chosen: the due date's weekday (24 Dec 2026 is a Thursday).
    assert_eq!(
        rule(&[("repeat", "weekly"), ("due_date", "2026-12-24")]).as_deref(),
        Some("FREQ=WEEKLY;BYDAY=TH")
    );
    assert_eq!(
        rule(&[("repeat", "monthly"), ("due_date", "2026-12-24")]).as_deref(),
        Some("FREQ=MONTHLY;BYMONTHDAY=24")
    );
    assert_eq!(
        rule(&[("repeat", "monthly"), ("repeat_monthly", "last")]).as_deref(),
        Some("FREQ=MONTHLY;BYMONTHDAY=-1")
    );
    assert_eq!(
        rule(&[("repeat", "yearly"), ("repeat_until", "2030-01-01")]).as_deref(),
        Some("FREQ=YEARLY;UNTIL=20300101")
    );
    assert_eq!(
        rule(&[("repeat", "daily"), ("repeat_count", "5")]).as_deref(),
        Some("FREQ=DAILY;COUNT=5")
    );
    // A program may send the rule itself.
    assert_eq!(
        rule(&[("repeat", "FREQ=MONTHLY;BYMONTHDAY=15")]).as_deref(),
        Some("FREQ=MONTHLY;BYMONTHDAY=15")
    );
    let input =
        TaskInput::parse(&form(&[("repeat", "daily"), ("repeat_from", "completion")])).unwrap();
    assert!(input.repeat.unwrap().from_completion);
}

#[test]
fn a_bad_repeat_is_refused_field_by_field() {
    assert_eq!(refused(&[("repeat", "hourly")]), ["repeat"]);
    assert_eq!(refused(&[("repeat", "FREQ=HOURLY")]), ["repeat"]);
    assert_eq!(
        refused(&[("repeat", "daily"), ("repeat_every", "0")]),
        ["repeat_every"]
    );
    assert_eq!(
        refused(&[("repeat", "daily"), ("repeat_every", "1000")]),
        ["repeat_every"]
    );
    assert_eq!(
        refused(&[("repeat", "monthly"), ("repeat_monthly", "32")]),
        ["repeat_monthly"]
    );
    assert_eq!(
        refused(&[
            ("repeat", "daily"),
            ("repeat_until", "2030-01-01"),
            ("repeat_count", "3")
        ]),
        ["repeat_count"]
    );
    assert_eq!(
        refused(&[("repeat", "daily"), ("repeat_from", "whenever")]),
        ["repeat_from"]
    );
}

#[test]
fn the_picker_shows_a_rule_as_it_was_made() {
    for fields in [
        vec![
            ("repeat", "weekly"),
            ("repeat_every", "2"),
            ("repeat_mon", "on"),
            ("repeat_thu", "on"),
        ],
        vec![("repeat", "weekdays")],
        vec![
            ("repeat", "monthly"),
            ("repeat_monthly", "last"),
            ("repeat_count", "4"),
        ],
        vec![
            ("repeat", "yearly"),
            ("repeat_until", "2030-01-01"),
            ("repeat_from", "completion"),
        ],
    ] {
        let input = TaskInput::parse(&form(&fields)).unwrap();
        let repeat = input.repeat.clone().unwrap();
        let mut shown = form(&[]);
        shown.set_repeat(&repeat.rule, repeat.from_completion);
        assert_eq!(
            TaskInput::parse(&shown).unwrap().repeat,
            input.repeat,
            "{fields:?}"
        );
    }
    let summary = form(&[
        ("repeat", "weekly"),
        ("repeat_every", "2"),
        ("repeat_mon", "on"),
        ("repeat_thu", "on"),
    ])
    .repeat_summary()
    .unwrap();
    assert_eq!(
        summary.as_deref(),
        Some("Repeats every 2 weeks on Mon and Thu")
    );
}

#[test]
fn reminders_are_at_a_time_or_minutes_before_a_due_date() {
    let remind = |fields: &[(&str, &str)]| TaskInput::parse(&form(fields)).unwrap().remind;
    assert_eq!(
        remind(&[("remind", "at"), ("remind_at", "2026-12-24T08:00")]),
        Some(Remind::At(
            NaiveDate::from_ymd_opt(2026, 12, 24)
                .unwrap()
                .and_hms_opt(8, 0, 0)
                .unwrap()
        ))
    );
    assert_eq!(
        remind(&[("remind", "15"), ("due_date", "2026-12-24")]),
        Some(Remind::Before(15))
    );
    assert_eq!(refused(&[("remind", "15")]), ["remind"]);
    assert_eq!(refused(&[("remind", "at")]), ["remind_at"]);
    assert_eq!(
        refused(&[("remind", "at"), ("remind_at", "tomorrow")]),
        ["remind_at"]
    );
    assert_eq!(
        refused(&[("remind", "-5"), ("due_date", "2026-12-24")]),
        ["remind"]
    );
    assert_eq!(
        refused(&[("remind", "525601"), ("due_date", "2026-12-24")]),
        ["remind"]
    );
    // The form that parses back to the same reminder.
    let input = TaskInput::parse(&form(&[
        ("remind", "at"),
        ("remind_at", "2026-12-24T08:00"),
    ]))
    .unwrap();
    assert_eq!(TaskInput::parse(&input.form()).unwrap(), input);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn due_dates_parse_or_give_a_field_error(raw in ".{0,80}") {
            if let Err(e) = parse_due_date(&raw) {
                prop_assert!(e.field_message("due_date").is_some());
            }
        }

        /// Arbitrary text in every field of the form (each by its name, so a field added
        /// to the form is fed too), and sometimes a likely-looking value: it parses, or the
        /// error names one of the form's fields.
        #[test]
        fn task_forms_parse_or_name_the_field_in_error(
            values in proptest::collection::vec(
                prop_oneof![
                    ".{0,40}",
                    "(.|\\n|\\r){0,1100}",
                    "[0-9:T-]{0,20}",
                    Just(String::new()),
                    prop::sample::select(vec![
                        "daily", "weekdays", "weekly", "monthly", "yearly", "at", "on",
                        "last", "15", "completion", "2026-12-24", "09:30",
                        "2026-12-24T08:00", "FREQ=WEEKLY;BYDAY=MO", "high",
                    ]).prop_map(str::to_owned),
                ],
                TaskForm::NAMES.len(),
            ),
        ) {
            let mut form = TaskForm::default();
            for (name, value) in TaskForm::NAMES.iter().zip(values) {
                form.set(name, value);
            }
            match TaskInput::parse_all(&form) {
                Ok(input) => {
                    prop_assert!(input.title.as_str().chars().count() <= TITLE_MAX_CHARS);
                    prop_assert!(input.tags.len() <= MAX_TAGS_PER_TASK);
                    // What the server would keep parses back to the same task.
                    prop_assert_eq!(TaskInput::parse(&input.form()), Ok(input));
                }
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for e in errors {
                        let named = TaskForm::NAMES
                            .iter()
                            .any(|f| e.field_message(f).is_some());
                        prop_assert!(named, "{:?}", e);
                    }
                }
            }
        }

        #[test]
        fn times_parse_or_give_a_field_error(raw in ".{0,40}|[0-9:]{0,10}") {
            if let Err(e) = parse_time(&raw, "due_time") {
                prop_assert!(e.field_message("due_time").is_some());
            }
        }

        /// The repeat and reminder parsers on their own, with arbitrary text in every field
        /// they read and an arbitrary due date or none.
        #[test]
        fn repeats_and_reminders_parse_or_give_a_field_error(
            values in proptest::collection::vec(".{0,24}|[0-9a-z=;,-]{0,24}", TaskForm::NAMES.len()),
            day in proptest::option::of(0i64..400_000),
        ) {
            let mut form = TaskForm::default();
            for (name, value) in TaskForm::NAMES.iter().zip(values) {
                form.set(name, value);
            }
            let day = day.and_then(|d| NaiveDate::from_ymd_opt(1900, 1, 1)?.checked_add_days(chrono::Days::new(d as u64)));
            let named = |e: &AppError| TaskForm::NAMES.iter().any(|f| e.field_message(f).is_some());
            if let Err(e) = parse_repeat(&form, day) {
                prop_assert!(named(&e), "{:?}", e);
            }
            if let Err(e) = parse_remind(&form, day) {
                prop_assert!(named(&e), "{:?}", e);
            }
        }
    }
}
