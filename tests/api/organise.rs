//! Priority, due dates, tags, search, sort and paging: each feature, each filter's scoping to
//! the signed-in person, and bad input (unknown sort key, tampered cursor, a tag of another
//! person, a date that is not a date).

use reqwest::StatusCode;
use sqlx::types::chrono::{NaiveDate, Utc};
use tasklist::{
    error::AppError,
    tags::{Tag, TagPage},
    tasks::{Priority, Task, TaskPage},
};

use crate::helpers::{new_client, strong_password, unique_email, TestApp};

async fn add(app: &TestApp, form: &[(&str, &str)]) -> Task {
    let answer = app.call("add_task", form).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

async fn tags_of(app: &TestApp, client: &reqwest::Client) -> Vec<Tag> {
    let res = client.get(app.url("/api/list_tags")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page: TagPage = res.json().await.unwrap();
    assert_eq!(page.next_cursor, None, "one page");
    page.tags
}

async fn list(app: &TestApp, query: &str) -> TaskPage {
    let res = app
        .client
        .get(app.url(&format!("/api/list_tasks?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{query}");
    res.json().await.unwrap()
}

fn titles(page: &TaskPage) -> Vec<&str> {
    page.tasks.iter().map(|t| t.title.as_str()).collect()
}

/// Today plus `offset` days, as a form sends a date.
fn day(offset: i64) -> String {
    (Utc::now().date_naive() + chrono::Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn a_task_gets_a_priority_a_due_date_and_tags() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let due = day(3);
    let task = add(
        &app,
        &[
            ("title", "Plan trip"),
            ("priority", "high"),
            ("due_date", &due),
            ("tags", " travel, Family ,travel "),
        ],
    )
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
    let tags = tags_of(&app, &app.client).await;
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
        let answer = app.call("add_task", &form).await;
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
async fn search_matches_partial_words_in_title_or_description_whatever_the_case() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    add(&app, &[("title", "Buy Oat milk"), ("description", "")]).await;
    add(
        &app,
        &[("title", "Call mum"), ("description", "about the MILKman")],
    )
    .await;
    add(&app, &[("title", "Café visit"), ("description", "")]).await;
    add(&app, &[("title", "100% done_ish"), ("description", "")]).await;

    assert_eq!(
        titles(&list(&app, "q=milk").await),
        vec!["Call mum", "Buy Oat milk"]
    );
    assert_eq!(
        titles(&list(&app, "q=MILK+oat").await),
        vec!["Buy Oat milk"],
        "every word must match"
    );
    assert_eq!(
        titles(&list(&app, "q=caf%C3%A9").await),
        vec!["Café visit"],
        "accents as typed"
    );
    assert!(list(&app, "q=cafe").await.tasks.is_empty());
    assert_eq!(
        titles(&list(&app, "q=100%25").await),
        vec!["100% done_ish"],
        "% matches itself"
    );
    assert_eq!(
        titles(&list(&app, "q=e_i").await),
        vec!["100% done_ish"],
        "_ matches itself"
    );
    assert!(list(&app, "q=zzz").await.tasks.is_empty());
    // Counts are the whole list's, whatever the search.
    assert_eq!(list(&app, "q=zzz").await.counts.total(), 4);
}

#[tokio::test]
async fn filters_by_priority_tag_due_and_status_combine_with_search() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    add(
        &app,
        &[
            ("title", "report draft"),
            ("priority", "high"),
            ("tags", "work"),
            ("due_date", &day(-2)),
        ],
    )
    .await;
    add(
        &app,
        &[
            ("title", "report final"),
            ("priority", "high"),
            ("tags", "work"),
            ("due_date", &day(0)),
        ],
    )
    .await;
    add(
        &app,
        &[
            ("title", "report to mum"),
            ("priority", "low"),
            ("tags", "home"),
            ("due_date", &day(5)),
        ],
    )
    .await;
    let done = add(
        &app,
        &[
            ("title", "old report"),
            ("priority", "high"),
            ("tags", "work"),
        ],
    )
    .await;
    app.call(
        "set_task_completed",
        &[("id", &done.id.to_string()), ("completed", "true")],
    )
    .await;

    assert_eq!(
        titles(&list(&app, "priority=high").await),
        vec!["old report", "report final", "report draft"]
    );
    assert_eq!(
        titles(&list(&app, "tag=WORK&filter=active").await),
        vec!["report final", "report draft"]
    );
    assert_eq!(
        titles(&list(&app, "due=overdue").await),
        vec!["report draft"]
    );
    assert_eq!(titles(&list(&app, "due=today").await), vec!["report final"]);
    assert_eq!(
        titles(&list(&app, "due=week").await),
        vec!["report to mum", "report final"]
    );
    assert_eq!(titles(&list(&app, "due=none").await), vec!["old report"]);
    assert_eq!(
        titles(&list(&app, "q=report&tag=home").await),
        vec!["report to mum"]
    );
    assert_eq!(
        titles(
            &list(
                &app,
                "q=final&priority=high&tag=work&due=today&filter=active"
            )
            .await
        ),
        vec!["report final"]
    );
    assert!(list(&app, "priority=high&filter=completed&q=draft")
        .await
        .tasks
        .is_empty());
}

#[tokio::test]
async fn every_filter_is_scoped_to_the_signed_in_person() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    add(
        &app,
        &[
            ("title", "ada secret"),
            ("priority", "high"),
            ("tags", "shared-name"),
            ("due_date", &day(0)),
        ],
    )
    .await;

    let (bob, _) = new_client();
    app.sign_up_as(&bob, &unique_email(), &strong_password())
        .await;
    for query in [
        "",
        "q=secret",
        "priority=high",
        "tag=shared-name",
        "due=today",
        "filter=active",
        "sort=title",
        "sort=due",
        "sort=priority",
        "sort=oldest",
    ] {
        let res = bob
            .get(app.url(&format!("/api/list_tasks?{query}")))
            .send()
            .await
            .unwrap();
        let page: TaskPage = res.json().await.unwrap();
        assert!(page.tasks.is_empty(), "{query}");
        assert_eq!(page.counts.total(), 0);
    }
    // Bob's tag of the same name is his own; Ada's tags are invisible to him.
    let answer = app
        .call_as(
            &bob,
            "add_task",
            &[("title", "bob's"), ("tags", "shared-name")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let bob_tags = tags_of(&app, &bob).await;
    assert_eq!(bob_tags.len(), 1);
    assert_eq!(bob_tags[0].tasks, 1);
    let ada_tags = tags_of(&app, &app.client).await;
    assert_eq!(ada_tags.len(), 1);
    assert_ne!(ada_tags[0].id, bob_tags[0].id);
    assert_eq!(
        titles(&list(&app, "tag=shared-name").await),
        vec!["ada secret"]
    );

    // Bob cannot rename or delete Ada's tag: not found, and it is unchanged.
    let ada_tag = ada_tags[0].id.to_string();
    for (name, form) in [
        (
            "rename_tag",
            vec![("id", ada_tag.as_str()), ("name", "stolen")],
        ),
        ("delete_tag", vec![("id", ada_tag.as_str())]),
    ] {
        let answer = app.call_as(&bob, name, &form).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{name}");
        assert_eq!(answer.error(), AppError::NotFound);
    }
    let ada_tags_after = tags_of(&app, &app.client).await;
    assert_eq!(ada_tags_after, ada_tags);
}

#[tokio::test]
async fn tags_are_renamed_and_deleted_from_the_tags_view() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let task = add(&app, &[("title", "t"), ("tags", "errands, shop")]).await;
    let tags = tags_of(&app, &app.client).await;
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
    let page = list(&app, "").await;
    assert_eq!(page.tasks[0].id, task.id, "the task stays");
    assert_eq!(page.tasks[0].tags, vec!["Chores"]);
}

#[tokio::test]
async fn every_sort_is_stable_and_pages_through_everything_once() {
    let app = TestApp::spawn().await;
    let (user, _) = app.signed_up_user().await;
    // 130 tasks with many ties on every sort key.
    sqlx::query(
        "insert into tasks (user_id, title, priority, due_date, completed, created_at)
         select $1, 'Task ' || (i % 7), (i % 4)::smallint,
                case when i % 3 = 0 then null else date '2026-12-01' + (i % 5) end,
                i % 2 = 0, timestamptz '2026-01-01' + (i / 3) * interval '1 minute'
         from generate_series(1, 130) as i",
    )
    .bind(user.id)
    .execute(&app.pool)
    .await
    .unwrap();

    for (sort, key) in [
        ("newest", "created_at desc, id desc"),
        ("oldest", "created_at, id"),
        ("due", "due_date nulls last, id"),
        ("priority", "priority desc, created_at desc, id desc"),
        ("title", "lower(title), id"),
    ] {
        let expected: Vec<i64> = sqlx::query_scalar(&format!(
            "select id from tasks where user_id = $1 order by {key}"
        ))
        .bind(user.id)
        .fetch_all(&app.pool)
        .await
        .unwrap();
        let mut seen = Vec::new();
        let mut after = String::new();
        loop {
            let page = list(&app, &format!("sort={sort}{after}")).await;
            seen.extend(page.tasks.iter().map(|t| t.id));
            match page.next_cursor {
                Some(c) => after = format!("&after={c}"),
                None => break,
            }
        }
        assert_eq!(seen, expected, "sort={sort}");
    }
}

#[tokio::test]
async fn unknown_sort_keys_and_filters_are_ignored_and_tampered_cursors_refused() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    add(&app, &[("title", "one")]).await;
    add(&app, &[("title", "two")]).await;
    for query in [
        "sort=bogus",
        "sort=created_at;drop",
        "priority=urgent",
        "due=someday",
        "filter=x",
    ] {
        assert_eq!(
            titles(&list(&app, query).await),
            vec!["two", "one"],
            "{query}"
        );
    }
    let page = list(&app, "sort=title").await;
    assert_eq!(titles(&page), vec!["one", "two"]);
    for cursor in [
        "n.1.1",
        "t.zz.1",
        "d.2026-01-01.1",
        "p.7.1.1",
        "garbage",
        "t.%27.1",
    ] {
        let res = app
            .client
            .get(app.url(&format!("/api/list_tasks?sort=title&after={cursor}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{cursor}");
    }
}

#[tokio::test]
async fn counts_stay_right_through_every_change() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let a = add(&app, &[("title", "a")]).await;
    add(&app, &[("title", "b")]).await;
    add(&app, &[("title", "c")]).await;
    let counts = |p: TaskPage| (p.counts.active, p.counts.completed);
    assert_eq!(counts(list(&app, "").await), (3, 0));
    app.call(
        "set_task_completed",
        &[("id", &a.id.to_string()), ("completed", "true")],
    )
    .await;
    assert_eq!(counts(list(&app, "").await), (2, 1));
    app.call("set_all_completed", &[("completed", "true")])
        .await;
    assert_eq!(counts(list(&app, "").await), (0, 3));
    app.call(
        "set_task_completed",
        &[("id", &a.id.to_string()), ("completed", "false")],
    )
    .await;
    app.call("clear_completed", &[]).await;
    assert_eq!(counts(list(&app, "").await), (1, 0));
    app.call("delete_task", &[("id", &a.id.to_string())]).await;
    assert_eq!(counts(list(&app, "").await), (0, 0));
    // And they agree with a real count.
    let rows: i64 = sqlx::query_scalar("select count(*) from tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn the_main_list_queries_use_their_indexes() {
    let app = TestApp::spawn().await;
    let (user, _) = app.signed_up_user().await;
    sqlx::query(
        "insert into tasks (user_id, title, description, priority, due_date)
         select $1, 'task ' || i || ' ' || md5(i::text), 'about ' || md5((i * 7)::text), (i % 4)::smallint,
                date '2026-01-01' + (i % 400)
         from generate_series(1, 100000) as i",
    )
    .bind(user.id)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("analyze tasks")
        .execute(&app.pool)
        .await
        .unwrap();
    let explain = |sql: &'static str| {
        let pool = app.pool.clone();
        let id = user.id;
        async move {
            let rows: Vec<String> = sqlx::query_scalar(sql)
                .bind(id)
                .fetch_all(&pool)
                .await
                .unwrap();
            rows.join("\n")
        }
    };
    let plan = explain("explain select id from tasks where user_id = $1 order by created_at desc, id desc limit 51").await;
    assert!(plan.contains("tasks_user_id_created_at_idx"), "{plan}");
    let plan =
        explain("explain select id from tasks where user_id = $1 order by due_date, id limit 51")
            .await;
    assert!(plan.contains("tasks_user_id_due_date_idx"), "{plan}");
    let plan = explain("explain select id from tasks where user_id = $1 order by priority desc, created_at desc, id desc limit 51").await;
    assert!(plan.contains("tasks_user_id_priority_idx"), "{plan}");
    let plan = explain(
        "explain select id from tasks where user_id = $1 order by lower(title), id limit 51",
    )
    .await;
    assert!(plan.contains("tasks_user_id_title_idx"), "{plan}");
    // At 100,000 tasks a search is cheaper through the trigram index than through the
    // person's rows (at a few thousand the planner rightly reads their rows instead).
    let plan = explain(
        "explain select id from tasks where user_id = $1 and (title || ' ' || coalesce(description, '')) ilike '%e4da3b%'",
    )
    .await;
    assert!(plan.contains("tasks_search_trgm_idx"), "{plan}");
}
