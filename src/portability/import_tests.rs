//! The import's parsers: every format, every refusal, every bound.

use super::*;
use crate::tasks::Priority;

#[test]
fn the_apps_json_export_reads_back() {
    let file = br#"{"format":"tasklist","version":1,"exported_at":"2026-11-28T10:00:00Z","tasks":[
        {"id":7,"title":"Buy milk","description":null,"completed":true,"priority":"high",
         "due_date":"2026-12-01","tags":["home","shop"],"created_at":"2026-11-01T08:00:00Z",
         "updated_at":"2026-11-02T08:00:00Z","version":3},
        {"title":"Call Sam"}]}"#;
    let tasks = parse(file, Format::Json, 10).unwrap();
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0].input.title.as_str(), "Buy milk");
    assert_eq!(tasks[0].input.priority, Priority::High);
    assert_eq!(tasks[0].input.tags, ["home", "shop"]);
    assert!(tasks[0].completed);
    assert_eq!(
        tasks[0].created_at.unwrap().to_rfc3339(),
        "2026-11-01T08:00:00+00:00"
    );
    assert!(!tasks[1].completed);
    // A bare array too.
    assert_eq!(
        parse(br#"[{"title":"a"}]"#, Format::Json, 10)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn every_bad_row_is_reported_and_nothing_is_kept() {
    let file = br#"[{"title":""},{"title":"ok"},{"title":"x","priority":"urgent","due_date":"tomorrow"},{"title":5}]"#;
    match parse(file, Format::Json, 10).unwrap_err() {
        ImportError::Rows { errors, refused } => {
            assert_eq!(refused, 3);
            let got: Vec<(usize, &str)> =
                errors.iter().map(|e| (e.row, e.field.as_str())).collect();
            assert_eq!(
                got,
                [(1, "title"), (3, "priority"), (3, "due_date"), (4, "task")]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_file_that_is_not_a_list_or_too_long_is_refused_whole() {
    assert!(matches!(
        parse(b"{nope", Format::Json, 10),
        Err(ImportError::File(_))
    ));
    assert!(matches!(
        parse(br#"{"tasks": 3}"#, Format::Json, 10),
        Err(ImportError::File(_))
    ));
    assert_eq!(
        parse(br#"[{"title":"a"},{"title":"b"}]"#, Format::Json, 1).unwrap_err(),
        too_many(1)
    );
    assert!(matches!(parse(b"name,notes\n", Format::Csv, 10), Ok(v) if v.is_empty()));
    assert!(matches!(
        parse(b"id,notes\n1,x\n", Format::Csv, 10),
        Err(ImportError::File(_))
    ));
    let many = format!("title\n{}", "a\n".repeat(3));
    assert_eq!(
        parse(many.as_bytes(), Format::Csv, 2).unwrap_err(),
        too_many(2)
    );
}

#[test]
fn the_apps_csv_and_other_apps_columns_read() {
    let ours = "id,title,description,priority,due_date,tags,completed,created_at,updated_at\n\
                3,\"Buy milk, eggs\",\"two\nlines\",low,2026-12-01,\"home, shop\",true,2026-11-01T08:00:00.000000Z,x\n";
    let tasks = parse(ours.as_bytes(), Format::Csv, 10).unwrap();
    assert_eq!(tasks[0].input.title.as_str(), "Buy milk, eggs");
    assert_eq!(tasks[0].input.description.as_deref(), Some("two\nlines"));
    assert_eq!(tasks[0].input.tags, ["home", "shop"]);
    assert!(tasks[0].completed);

    let other = "\u{feff}Content,Notes,Priority,Due Date,Labels,Done,Project\n\
                 Water plants,,p1,2026-12-02 09:00,garden,x,Home\n\
                 ,,,,,,\n\
                 File taxes,by April,P4,,,no,Work\n";
    let tasks = parse(other.as_bytes(), Format::Csv, 10).unwrap();
    assert_eq!(tasks.len(), 2, "the blank line is skipped");
    assert_eq!(tasks[0].input.priority, Priority::High);
    assert_eq!(
        tasks[0].input.due_date,
        NaiveDate::from_ymd_opt(2026, 12, 2)
    );
    assert!(tasks[0].completed);
    assert_eq!(tasks[1].input.priority, Priority::None);
    assert!(!tasks[1].completed);
}

#[test]
fn bad_csv_rows_name_their_row_and_field() {
    let file = "title,completed,created\nok,maybe,2026-01-01\n,no,\nfine,yes,last week\n";
    match parse(file.as_bytes(), Format::Csv, 10).unwrap_err() {
        ImportError::Rows { errors, refused } => {
            assert_eq!(refused, 3);
            let got: Vec<(usize, &str)> =
                errors.iter().map(|e| (e.row, e.field.as_str())).collect();
            assert_eq!(got, [(1, "completed"), (2, "title"), (3, "created_at")]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_report_is_bounded() {
    let file = format!(
        "title\n{}",
        "\"\"\n".repeat(0) + &",\n".repeat(0) + &"x\u{7}\n".repeat(500)
    );
    match parse(file.as_bytes(), Format::Csv, 1000).unwrap_err() {
        ImportError::Rows { errors, refused } => {
            assert_eq!(refused, 500);
            assert_eq!(errors.len(), MAX_ROW_ERRORS);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_csv_line_too_long_or_too_wide_is_a_row_error_and_the_next_line_still_reads() {
    let long = format!(
        "title\nfirst\n\"{}\"\nafter\n",
        "a".repeat(ROW_MAX_BYTES + 10)
    );
    let wide = format!("title\nfirst\n{}\nafter\n", ",".repeat(CSV_MAX_COLUMNS + 5));
    for (file, message) in [
        (long, "This line is longer than 64 KiB."),
        (wide, "This line has more than 100 columns."),
    ] {
        match parse(file.as_bytes(), Format::Csv, 10).unwrap_err() {
            ImportError::Rows { errors, refused } => {
                assert_eq!(refused, 1, "only the line itself");
                assert_eq!(
                    (
                        errors[0].row,
                        errors[0].field.as_str(),
                        errors[0].message.as_str()
                    ),
                    (2, "row", message)
                );
            }
            other => panic!("{other:?}"),
        }
    }
    // A line of the longest the bounds take still reads.
    let widest = format!(
        "title{}\nok{}\n",
        ",x".repeat(CSV_MAX_COLUMNS - 1),
        ",".repeat(CSV_MAX_COLUMNS - 1)
    );
    assert_eq!(parse(widest.as_bytes(), Format::Csv, 10).unwrap().len(), 1);
}

#[test]
fn a_first_line_of_commas_is_refused_as_a_file() {
    let commas = vec![b','; 1 << 20];
    assert_eq!(
        parse(&commas, Format::Csv, 10).unwrap_err(),
        ImportError::File("its first line has more than 100 columns.".into())
    );
    let long = format!("\"{}\"\n", "t".repeat(ROW_MAX_BYTES + 1));
    assert_eq!(
        parse(long.as_bytes(), Format::Csv, 10).unwrap_err(),
        ImportError::File("its first line is longer than 64 KiB.".into())
    );
    let mut invalid = b"title\xff\n".to_vec();
    invalid.extend_from_slice(b"a\n");
    assert!(matches!(
        parse(&invalid, Format::Csv, 10),
        Err(ImportError::File(m)) if m.contains("not a CSV file")
    ));
}

#[test]
fn a_json_array_is_read_up_to_the_row_limit_and_no_further() {
    let zeros = format!("[{}0]", "0,".repeat(100_000));
    assert_eq!(
        parse(zeros.as_bytes(), Format::Json, 10).unwrap_err(),
        too_many(10)
    );
    let wrapped = format!("{{\"format\":\"tasklist\",\"tasks\":{zeros}}}");
    assert_eq!(
        parse(wrapped.as_bytes(), Format::Json, 10).unwrap_err(),
        too_many(10)
    );
    // Within the limit each element is a row error of its own.
    match parse(b"[0,{\"title\":\"ok\"},\"x\"]", Format::Json, 10).unwrap_err() {
        ImportError::Rows { refused, .. } => assert_eq!(refused, 2),
        other => panic!("{other:?}"),
    }
    // Other members are skipped, wherever they are; the tasks are needed.
    let later = br#"{"tasks":[{"title":"a"}],"exported_at":"x","extra":{"tasks":[1]}}"#;
    assert_eq!(parse(later, Format::Json, 10).unwrap().len(), 1);
    assert!(matches!(
        parse(br#"{"format":"tasklist"}"#, Format::Json, 10),
        Err(ImportError::File(_))
    ));
    assert!(matches!(
        parse(br#"[{"title":"a"}] trailing"#, Format::Json, 10),
        Err(ImportError::File(_))
    ));
}

#[test]
fn creation_times_outside_the_products_years_are_row_errors() {
    for at in [
        "-200000-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T00:00:00Z",
    ] {
        let file = format!(r#"[{{"title":"a","created_at":"{at}"}}]"#);
        match parse(file.as_bytes(), Format::Json, 10) {
            Err(ImportError::Rows { errors, .. }) => {
                assert_eq!(errors[0].field, "created_at", "{at}")
            }
            other => panic!("{at}: {other:?}"),
        }
    }
    for at in ["0001-01-01", "1899-12-31T23:59:59Z", "+10000-01-01"] {
        let file = format!("title,created\na,{at}\n");
        match parse(file.as_bytes(), Format::Csv, 10) {
            Err(ImportError::Rows { errors, .. }) => {
                assert_eq!(errors[0].field, "created_at", "{at}")
            }
            other => panic!("{at}: {other:?}"),
        }
    }
    let fine = parse(b"title,created\na,1900-01-01\n", Format::Csv, 10).unwrap();
    assert!(fine[0].created_at.is_some());
}

#[test]
fn a_csv_line_of_exactly_the_bounds_reads_and_blank_lines_are_not_tasks() {
    // "ok" and the other field: 64 KiB of field bytes in all.
    let field = "t".repeat(ROW_MAX_BYTES - 2);
    let exact = format!("title,notes_elsewhere\nok,\"{field}\"\n");
    assert_eq!(
        parse(exact.as_bytes(), Format::Csv, 10).unwrap().len(),
        1,
        "64 KiB of fields"
    );
    let columns = format!(
        "title{}\nok{}",
        ",x".repeat(CSV_MAX_COLUMNS - 1),
        ",".repeat(CSV_MAX_COLUMNS - 1)
    );
    assert_eq!(
        parse(columns.as_bytes(), Format::Csv, 10).unwrap().len(),
        1,
        "100 columns, no final newline"
    );
    let wider = format!("title\nok{}\n", ",".repeat(CSV_MAX_COLUMNS));
    assert!(
        parse(wider.as_bytes(), Format::Csv, 10).is_err(),
        "101 columns"
    );
    // Lines of empty fields are skipped, and do not count against the list's room.
    let blanks = format!("title\n{}a\nb\n", ",\n".repeat(1000));
    let tasks = parse(blanks.as_bytes(), Format::Csv, 2).unwrap();
    assert_eq!(tasks.len(), 2);
    // A task of a JSON file larger than a row may be is refused unread.
    let big = format!("[{{\"title\":\"{}\"}}]", "t".repeat(ROW_MAX_BYTES));
    match parse(big.as_bytes(), Format::Json, 10).unwrap_err() {
        ImportError::Rows { errors, .. } => {
            assert_eq!(errors[0].message, "This task is larger than 64 KiB.")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_format_is_sniffed() {
    assert_eq!(sniff(b"  [{}]"), Format::Json);
    assert_eq!(sniff(b"\xEF\xBB\xBF{"), Format::Json);
    assert_eq!(sniff(b"title\n"), Format::Csv);
}
