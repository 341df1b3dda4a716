//! Tasks through their server functions: scoping to the session user (SECURITY.md C1),
//! deny by default (C2), validation (V1), text stored as typed (V2), paging and filters.

use reqwest::StatusCode;
use sqlx::types::chrono::{DateTime, Utc};
use tasklist::{
    error::AppError,
    tasks::{Completion, Task, TaskPage},
};

use crate::helpers::{new_client, TestApp};

async fn row(app: &TestApp, id: i64) -> (String, bool, DateTime<Utc>) {
    sqlx::query_as("select title, completed, updated_at from tasks where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_person_adds_lists_edits_toggles_and_deletes_their_tasks() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;

    let first = app
        .added_task(&[("title", "  Buy milk  "), ("description", "")])
        .await;
    assert_eq!(first.title, "Buy milk", "trimmed");
    assert!(!first.completed);
    let second = app
        .added_task(&[("title", "Call Ada"), ("description", "")])
        .await;

    let page = app.list_tasks("").await;
    let ids: Vec<i64> = page.tasks.iter().map(|t| t.id).collect();
    assert_eq!(ids, vec![second.id, first.id], "newest first");
    assert_eq!((page.counts.active, page.counts.completed), (2, 0));

    let id = first.id.to_string();
    let answer = app
        .call(
            "update_task",
            &[
                ("id", &id),
                ("title", "Buy oat milk"),
                ("description", "two cartons\nno sugar"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let edited: Task = answer.json();
    assert_eq!(edited.title, "Buy oat milk");
    assert_eq!(edited.description.as_deref(), Some("two cartons\nno sugar"));
    assert!(
        edited.updated_at > first.updated_at,
        "updated_at moves on edit"
    );

    let answer = app
        .call("set_task_completed", &[("id", &id), ("completed", "true")])
        .await;
    let toggled: Task = answer.json::<Completion>().task;
    assert!(toggled.completed);
    assert!(
        toggled.updated_at > edited.updated_at,
        "updated_at moves on toggle"
    );
    let page = app.list_tasks("filter=active").await;
    assert_eq!(
        page.tasks.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![second.id]
    );
    let page = app.list_tasks("filter=completed").await;
    assert_eq!(
        page.tasks.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![first.id]
    );
    assert_eq!((page.counts.active, page.counts.completed), (1, 1));

    let answer = app.call("delete_task", &[("id", &id)]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(app.list_tasks("").await.tasks.len(), 1);
}

#[tokio::test]
async fn another_person_gets_not_found_for_every_operation_on_my_task_and_it_stays_unchanged() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let mine = app
        .added_task(&[("title", "Mine"), ("description", "")])
        .await;
    let before = row(&app, mine.id).await;

    let (bob, _) = new_client();
    let answer = app
        .sign_up_as(
            &bob,
            &crate::helpers::unique_email(),
            &crate::helpers::strong_password(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);

    let id = mine.id.to_string();
    let missing = "987654321";
    for target in [id.as_str(), missing] {
        for (name, form) in [
            (
                "update_task",
                vec![("id", target), ("title", "Stolen"), ("description", "")],
            ),
            (
                "set_task_completed",
                vec![("id", target), ("completed", "true")],
            ),
            ("delete_task", vec![("id", target)]),
        ] {
            let answer = app.call_as(&bob, name, &form).await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{name} on {target}");
            assert_eq!(
                answer.error(),
                AppError::NotFound,
                "{name}: same answer as a missing id"
            );
        }
    }
    // Bulk operations by Bob leave my row alone, and his list never shows it.
    app.call_as(&bob, "set_all_completed", &[("completed", "true")])
        .await;
    app.call_as(&bob, "clear_completed", &[]).await;
    let res = app.list_tasks_as(&bob, "").await;
    let page: TaskPage = res.json().await.unwrap();
    assert!(page.tasks.is_empty());
    assert_eq!(page.counts.total(), 0);

    assert_eq!(row(&app, mine.id).await, before);
}

#[tokio::test]
async fn mark_all_and_clear_completed_touch_only_the_callers_tasks() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let a1 = app
        .added_task(&[("title", "a1"), ("description", "")])
        .await;
    app.added_task(&[("title", "a2"), ("description", "")])
        .await;

    let (bob, _) = new_client();
    app.sign_up_as(
        &bob,
        &crate::helpers::unique_email(),
        &crate::helpers::strong_password(),
    )
    .await;
    let answer = app
        .add_task_as(&bob, &[("title", "b1"), ("description", "")])
        .await;
    let b1: Task = answer.json();

    let answer = app
        .call("set_all_completed", &[("completed", "true")])
        .await;
    assert_eq!(answer.json::<u64>(), 2);
    assert!(!row(&app, b1.id).await.1, "Bob's task is untouched");
    let page = app.list_tasks("").await;
    assert_eq!((page.counts.active, page.counts.completed), (0, 2));

    app.call(
        "set_task_completed",
        &[("id", &a1.id.to_string()), ("completed", "false")],
    )
    .await;
    let answer = app.call("clear_completed", &[]).await;
    assert_eq!(answer.json::<u64>(), 1);
    let page = app.list_tasks("").await;
    assert_eq!(
        page.tasks.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![a1.id]
    );
    let left: i64 = sqlx::query_scalar("select count(*) from tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 2, "a1 and Bob's b1 remain");

    let answer = app
        .call("set_all_completed", &[("completed", "false")])
        .await;
    assert_eq!(answer.json::<u64>(), 0, "nothing was done");
}

#[tokio::test]
async fn every_task_function_refuses_anonymous_callers() {
    let app = TestApp::spawn().await;
    for (name, form) in [
        ("add_task", vec![("title", "x"), ("description", "")]),
        (
            "update_task",
            vec![("id", "1"), ("title", "x"), ("description", "")],
        ),
        (
            "set_task_completed",
            vec![("id", "1"), ("completed", "true")],
        ),
        ("set_all_completed", vec![("completed", "true")]),
        ("delete_task", vec![("id", "1")]),
        ("clear_completed", vec![]),
    ] {
        let answer = app.call(name, &form).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(answer.error(), AppError::Unauthorized, "{name}");
    }
    let res = app.list_tasks_as(&app.client, "").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let count: i64 = sqlx::query_scalar("select count(*) from tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn bad_input_gets_a_field_error_and_writes_nothing() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let task = app
        .added_task(&[("title", "keep me"), ("description", "")])
        .await;
    let id = task.id.to_string();
    let long_title = "a".repeat(201);
    let long_description = "é".repeat(1001);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "add_task",
            vec![("title", "   "), ("description", "")],
            "title",
        ),
        (
            "add_task",
            vec![("title", &long_title), ("description", "")],
            "title",
        ),
        (
            "add_task",
            vec![("title", "ok"), ("description", &long_description)],
            "description",
        ),
        (
            "add_task",
            vec![("title", "line\u{0}break"), ("description", "")],
            "title",
        ),
        (
            "update_task",
            vec![("id", &id), ("title", ""), ("description", "")],
            "title",
        ),
        (
            "update_task",
            vec![("id", &id), ("title", &long_title), ("description", "")],
            "title",
        ),
    ];
    for (name, form, field) in cases {
        let answer = app.call(name, &form).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name} {field}: {}",
            answer.body
        );
        assert!(
            answer.error().field_message(field).is_some(),
            "{name}: {}",
            answer.body
        );
    }
    // An id that is not a number is a clear error too.
    for name in ["update_task", "set_task_completed", "delete_task"] {
        let answer = app
            .call(
                name,
                &[
                    ("id", "abc"),
                    ("title", "x"),
                    ("description", ""),
                    ("completed", "true"),
                ],
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{name}: {}",
            answer.body
        );
        assert!(matches!(answer.error(), AppError::BadRequest(_)), "{name}");
    }
    let rows: Vec<(String, bool)> = sqlx::query_as("select title, completed from tasks")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, vec![("keep me".to_owned(), false)]);
}

#[tokio::test]
async fn limits_count_characters_not_bytes() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let title = "é".repeat(200);
    let description = "🎉".repeat(1000);
    let task = app
        .added_task(&[("title", &title), ("description", &description)])
        .await;
    assert_eq!(task.title, title);
    assert_eq!(task.description.as_deref(), Some(description.as_str()));
}

#[tokio::test]
async fn text_is_stored_and_returned_exactly_as_typed() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    for title in [
        "'); drop table tasks; --",
        "<script>alert(1)</script>",
        "Robert'); --",
    ] {
        assert_eq!(
            app.added_task(&[("title", title), ("description", "")])
                .await
                .title,
            title
        );
    }
    let titles: Vec<String> = app
        .list_tasks("")
        .await
        .tasks
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert_eq!(titles.len(), 3, "the table is still there");

    // And the page renders it as text, escaped.
    let html = app.get("/").await.text().await.unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>alert(1)</script>"));
}

#[tokio::test]
async fn the_list_is_paged_with_a_cursor_and_counts_cover_everything() {
    let app = TestApp::spawn().await;
    let (user, _) = app.signed_up_user().await;
    // 120 tasks, some sharing one created_at so that ties are broken by id.
    sqlx::query(
        "insert into tasks (user_id, title, completed, created_at)
         select $1, 'task ' || i, i % 3 = 0, timestamptz '2026-01-01' + (i / 2) * interval '1 minute'
         from generate_series(1, 120) as i",
    )
    .bind(user.id)
    .execute(&app.pool)
    .await
    .unwrap();

    let mut seen = Vec::new();
    let mut query = String::new();
    let mut pages = 0;
    loop {
        let page = app.list_tasks(&query).await;
        pages += 1;
        assert_eq!((page.counts.active, page.counts.completed), (80, 40));
        assert!(page.tasks.len() <= 50);
        seen.extend(page.tasks.iter().map(|t| (t.created_at, t.id)));
        match page.next_cursor {
            Some(cursor) => query = format!("after={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 120, "no task twice, none skipped");
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, ties by id");

    // The filter pages the same way.
    let page = app.list_tasks("filter=completed").await;
    assert_eq!(page.tasks.len(), 40);
    assert!(page.next_cursor.is_none());
}

#[tokio::test]
async fn a_tampered_cursor_or_unknown_filter_is_handled_without_a_500() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    app.added_task(&[("title", "one"), ("description", "")])
        .await;
    for bad in ["abc", "1.x", "-5", "99999999999999999999.1", "1.-3"] {
        let res = app
            .list_tasks_as(&app.client, &format!("after={bad}"))
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        let error: AppError = res.json().await.unwrap();
        assert!(matches!(error, AppError::BadRequest(_)));
    }
    // An unknown filter shows everything.
    assert_eq!(app.list_tasks("filter=bogus").await.tasks.len(), 1);
    // The page with a bad cursor explains itself.
    let html = app.get("/?after=abc").await.text().await.unwrap();
    assert!(
        html.contains("That page of the list does not exist"),
        "{html}"
    );
}

#[tokio::test]
async fn forms_work_without_javascript() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;

    // Add: a redirect back to the list, which shows the task.
    let res = app
        .post_form(
            "add_task",
            &[("title", "Plain form task"), ("description", "")],
            "/?filter=active",
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/?filter=active");
    let html = app.get("/?filter=active").await.text().await.unwrap();
    assert!(html.contains("Plain form task"));
    let task = app.list_tasks("").await.tasks.remove(0);
    let id = task.id.to_string();

    // Edit from the ?edit= page; saving leaves edit mode.
    let html = app.get(&format!("/?edit={id}")).await.text().await.unwrap();
    assert!(html.contains(&format!(r#"id="edit-{id}-title""#)), "{html}");
    let res = app
        .post_form(
            "update_task",
            &[
                ("id", &id),
                ("title", "Edited plainly"),
                ("description", ""),
            ],
            &format!("/?edit={id}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/");

    // A blank title is refused: back to the edit page, which shows why and what was typed.
    let res = app
        .post_form(
            "update_task",
            &[("id", &id), ("title", "  "), ("description", "kept text")],
            &format!("/?edit={id}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let html = app.get(&format!("/?edit={id}")).await.text().await.unwrap();
    assert!(html.contains("Enter a title for the task."), "{html}");
    assert!(html.contains("kept text"));
    assert_eq!(
        row(&app, task.id).await.0,
        "Edited plainly",
        "nothing written"
    );

    // Toggle and delete.
    let res = app
        .post_form(
            "set_task_completed",
            &[("id", &id), ("completed", "true")],
            "/",
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert!(row(&app, task.id).await.1);
    let res = app.post_form("delete_task", &[("id", &id)], "/").await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert!(app.list_tasks("").await.tasks.is_empty());
}

#[tokio::test]
async fn the_task_page_renders_the_list_on_the_server() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    app.added_task(&[("title", "First"), ("description", "")])
        .await;
    app.added_task(&[("title", "Second"), ("description", "")])
        .await;
    let res = app.get("/").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(html.contains("2 items left"), "{html}");
    let second = html.find("Second").unwrap();
    let first = html.find("First").unwrap();
    assert!(second < first, "newest first");
}

/// A page reloaded right after an optimistic change closes its connection before the answer:
/// the change it had sent is made all the same.
#[tokio::test]
async fn a_write_is_made_even_if_its_client_goes_away_before_the_answer() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let title = "Sent just before the page reloaded";
    // A slow database, and a client that gives up long before it has answered.
    app.db.set_delay(std::time::Duration::from_millis(150));
    let gone = app
        .client
        .post(app.url("/api/add_task"))
        .header(reqwest::header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .header(reqwest::header::ORIGIN, &app.address)
        .form(&[("title", title)])
        .timeout(std::time::Duration::from_millis(50))
        .send()
        .await;
    assert!(gone.is_err(), "the client left before the answer");
    app.db.set_delay(std::time::Duration::ZERO);
    let mut looks = 0;
    loop {
        let made: i64 = sqlx::query_scalar("select count(*) from tasks where title = $1")
            .bind(title)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if made == 1 {
            break;
        }
        looks += 1;
        assert!(looks < 200, "the write went with its connection");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
