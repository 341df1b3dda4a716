//! Priority, due date and tags on a task: set, replaced on edit, refused when bad (and
//! nothing written); tags renamed and deleted from the tags view.

use reqwest::StatusCode;
use sqlx::types::chrono::NaiveDate;
use tasklist::tasks::{Priority, Task};

use crate::helpers::{day, TestApp};

#[tokio::test]
async fn a_task_gets_a_priority_a_due_date_and_tags() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let due = day(3);
    let task = app
        .added_task(&[
            ("title", "Plan trip"),
            ("priority", "high"),
            ("due_date", &due),
            ("tags", " travel, Family ,travel "),
        ])
        .await;
    assert_eq!(task.priority, Priority::High);
    assert_eq!(
        task.due_date,
        NaiveDate::parse_from_str(&due, "%Y-%m-%d").ok()
    );
    assert_eq!(
        task.tags,
        vec!["Family", "travel"],
        "A to Z, duplicates dropped"
    );

    // Editing replaces them; a tag typed in another case is the same tag.
    let id = task.id.to_string();
    let answer = app
        .call(
            "update_task",
            &[
                ("id", &id),
                ("title", "Plan trip"),
                ("priority", ""),
                ("due_date", ""),
                ("tags", "FAMILY, kids"),
            ],
        )
        .await;
    let task: Task = answer.json();
    assert_eq!(task.priority, Priority::None);
    assert_eq!(task.due_date, None);
    assert_eq!(task.tags, vec!["Family", "kids"]);
    let tags = app.tags_of(&app.client).await;
    let names: Vec<(&str, i64)> = tags.iter().map(|t| (t.name.as_str(), t.tasks)).collect();
    assert_eq!(names, vec![("Family", 1), ("kids", 1), ("travel", 0)]);
}

#[tokio::test]
async fn bad_priorities_dates_and_tags_are_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let long_tag = "x".repeat(41);
    let many_tags = (0..11)
        .map(|i| format!("t{i}"))
        .collect::<Vec<_>>()
        .join(",");
    for (field, form) in [
        ("priority", vec![("title", "t"), ("priority", "urgent")]),
        ("due_date", vec![("title", "t"), ("due_date", "31/12/2026")]),
        ("due_date", vec![("title", "t"), ("due_date", "2026-02-30")]),
        ("due_date", vec![("title", "t"), ("due_date", "tomorrow")]),
        ("tags", vec![("title", "t"), ("tags", long_tag.as_str())]),
        ("tags", vec![("title", "t"), ("tags", many_tags.as_str())]),
    ] {
        let answer = app.add_task(&form).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        assert!(
            answer.error().field_message(field).is_some(),
            "{form:?}: {}",
            answer.body
        );
    }
    let count: i64 = sqlx::query_scalar("select count(*) from tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
    let tags: i64 = sqlx::query_scalar("select count(*) from tags")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(tags, 0);
}

#[tokio::test]
async fn tags_are_renamed_and_deleted_from_the_tags_view() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let task = app
        .added_task(&[("title", "t"), ("tags", "errands, shop")])
        .await;
    let tags = app.tags_of(&app.client).await;
    let errands = tags
        .iter()
        .find(|t| t.name == "errands")
        .unwrap()
        .id
        .to_string();
    let shop = tags
        .iter()
        .find(|t| t.name == "shop")
        .unwrap()
        .id
        .to_string();

    let answer = app
        .call("rename_tag", &[("id", &errands), ("name", "Chores")])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    // A name already used, in another case, is refused.
    let answer = app
        .call("rename_tag", &[("id", &shop), ("name", "CHORES")])
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer
        .error()
        .field_message("name")
        .unwrap()
        .contains("already"));
    let answer = app
        .call("rename_tag", &[("id", &shop), ("name", "  ")])
        .await;
    assert!(answer.error().field_message("name").is_some());

    let answer = app.call("delete_tag", &[("id", &shop)]).await;
    assert_eq!(answer.status, StatusCode::OK);
    let page = app.list_tasks("").await;
    assert_eq!(page.tasks[0].id, task.id, "the task stays");
    assert_eq!(page.tasks[0].tags, vec!["Chores"]);
}

/// Issue 23 (2): what the page shows the moment a task is added or edited
/// (`TaskInput::preview`) is what the server then stores, every field of it (the reminder's
/// and the due time's moments included), but the server's own id, version and times.
#[tokio::test]
async fn the_pages_preview_of_a_task_is_what_the_server_stores() {
    use tasklist::{
        tasks::input::{TaskForm, TaskInput},
        zone::Zone,
    };
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    crate::helpers::assert_ok(
        &app.call("update_time_zone", &[("time_zone", "America/New_York")])
            .await,
    );
    let zone = Zone::parse("America/New_York").unwrap();
    for fields in [
        vec![("title", "Plain")],
        vec![
            ("title", "Everything"),
            ("description", "with a description"),
            ("priority", "low"),
            ("due_date", "2026-03-08"),
            // The clocks skip 02:00 to 03:00 that night in New York.
            ("due_time", "02:30"),
            ("repeat", "monthly"),
            ("repeat_monthly", "last"),
            ("repeat_until", "2027-01-01"),
            ("remind", "1440"),
            ("tags", "b, A"),
        ],
        vec![
            ("title", "At a moment"),
            ("remind", "at"),
            ("remind_at", "2026-11-01T01:30"),
        ],
        vec![
            ("title", "Day only"),
            ("due_date", "2026-12-24"),
            ("remind", "30"),
        ],
    ] {
        let mut form = TaskForm::default();
        for (name, value) in &fields {
            form.set(name, (*value).to_owned());
        }
        let input = TaskInput::parse(&form).unwrap();
        let stored = app.added_task(&fields).await;
        let shown = input.preview(stored.id, stored.created_at, &zone);
        assert_eq!(
            Task {
                updated_at: stored.updated_at,
                version: stored.version,
                ..shown
            },
            stored,
            "{fields:?}"
        );
    }
}

/// Issue 23 (7): an edit posted by a page built before a field existed (a browser still on
/// the previous release during a rolling deploy) leaves that field as it is; a page that has
/// the field and sends it empty clears it.
#[tokio::test]
async fn an_edit_from_a_page_without_a_field_leaves_that_field_alone() {
    use tasklist::tasks::input::TaskForm;
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let task = app
        .added_task(&[
            ("title", "Dentist"),
            ("due_date", "2026-12-24"),
            ("due_time", "10:00"),
            ("remind", "60"),
        ])
        .await;
    // What an older page knows of the form: every field but the reminder's two.
    let older: Vec<&str> = TaskForm::NAMES
        .iter()
        .copied()
        .filter(|n| !n.starts_with("remind"))
        .collect();
    let older = older.join(",");
    let id = task.id.to_string();
    let app = &app;
    let older = &older;
    let edit = |list: &'static str, title: &'static str| {
        let id = id.clone();
        let list = if list == "older" {
            older.clone()
        } else {
            TaskForm::field_list()
        };
        async move {
            let answer = app
                .call(
                    "update_task",
                    &[
                        ("id", id.as_str()),
                        ("form_fields", list.as_str()),
                        ("title", title),
                        ("due_date", "2026-12-24"),
                        ("due_time", "10:00"),
                    ],
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            answer.json::<Task>()
        }
    };
    let edited = edit("older", "Dentist at 10").await;
    assert_eq!(edited.title, "Dentist at 10");
    assert_eq!(edited.remind_before_minutes, Some(60), "the reminder stays");
    assert_eq!(edited.remind_at, task.remind_at);
    // Today's page sends the reminder's fields, empty: no reminder.
    let edited = edit("today", "Dentist, no reminder").await;
    assert_eq!(edited.remind_before_minutes, None);
    assert_eq!(edited.remind_at, None);
}
