//! The task list: search, filters by priority, tag, due date and status, sort and paging,
//! counts; each filter's scoping to the signed-in person; bad input (unknown sort key or
//! filter, tampered cursor); and the indexes the list queries use.

use reqwest::StatusCode;
use tasklist::{error::AppError, tasks::TaskPage};

use crate::helpers::{day, new_client, strong_password, titles, unique_email, TestApp};

#[tokio::test]
async fn search_matches_partial_words_in_title_or_description_whatever_the_case() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    app.added_task(&[("title", "Buy Oat milk"), ("description", "")])
        .await;
    app.added_task(&[("title", "Call mum"), ("description", "about the MILKman")])
        .await;
    app.added_task(&[("title", "Café visit"), ("description", "")])
        .await;
    app.added_task(&[("title", "100% done_ish"), ("description", "")])
        .await;

    assert_eq!(
        titles(&app.list_tasks("q=milk").await),
        vec!["Call mum", "Buy Oat milk"]
    );
    assert_eq!(
        titles(&app.list_tasks("q=MILK+oat").await),
        vec!["Buy Oat milk"],
        "every word must match"
    );
    assert_eq!(
        titles(&app.list_tasks("q=caf%C3%A9").await),
        vec!["Café visit"],
        "accents as typed"
    );
    assert!(app.list_tasks("q=cafe").await.tasks.is_empty());
    assert_eq!(
        titles(&app.list_tasks("q=100%25").await),
        vec!["100% done_ish"],
        "% matches itself"
    );
    assert_eq!(
        titles(&app.list_tasks("q=e_i").await),
        vec!["100% done_ish"],
        "_ matches itself"
    );
    assert!(app.list_tasks("q=zzz").await.tasks.is_empty());
    // Counts are the whole list's, whatever the search.
    assert_eq!(app.list_tasks("q=zzz").await.counts.total(), 4);
}

#[tokio::test]
async fn filters_by_priority_tag_due_and_status_combine_with_search() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    app.added_task(&[
        ("title", "report draft"),
        ("priority", "high"),
        ("tags", "work"),
        ("due_date", &day(-2)),
    ])
    .await;
    app.added_task(&[
        ("title", "report final"),
        ("priority", "high"),
        ("tags", "work"),
        ("due_date", &day(0)),
    ])
    .await;
    app.added_task(&[
        ("title", "report to mum"),
        ("priority", "low"),
        ("tags", "home"),
        ("due_date", &day(5)),
    ])
    .await;
    let done = app
        .added_task(&[
            ("title", "old report"),
            ("priority", "high"),
            ("tags", "work"),
        ])
        .await;
    app.call(
        "set_task_completed",
        &[("id", &done.id.to_string()), ("completed", "true")],
    )
    .await;

    assert_eq!(
        titles(&app.list_tasks("priority=high").await),
        vec!["old report", "report final", "report draft"]
    );
    assert_eq!(
        titles(&app.list_tasks("tag=WORK&filter=active").await),
        vec!["report final", "report draft"]
    );
    assert_eq!(
        titles(&app.list_tasks("due=overdue").await),
        vec!["report draft"]
    );
    assert_eq!(
        titles(&app.list_tasks("due=today").await),
        vec!["report final"]
    );
    assert_eq!(
        titles(&app.list_tasks("due=week").await),
        vec!["report to mum", "report final"]
    );
    assert_eq!(
        titles(&app.list_tasks("due=none").await),
        vec!["old report"]
    );
    assert_eq!(
        titles(&app.list_tasks("q=report&tag=home").await),
        vec!["report to mum"]
    );
    assert_eq!(
        titles(
            &app.list_tasks("q=final&priority=high&tag=work&due=today&filter=active")
                .await
        ),
        vec!["report final"]
    );
    assert!(app
        .list_tasks("priority=high&filter=completed&q=draft")
        .await
        .tasks
        .is_empty());
}

#[tokio::test]
async fn every_filter_is_scoped_to_the_signed_in_person() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    app.added_task(&[
        ("title", "ada secret"),
        ("priority", "high"),
        ("tags", "shared-name"),
        ("due_date", &day(0)),
    ])
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
        let res = app.list_tasks_as(&bob, query).await;
        let page: TaskPage = res.json().await.unwrap();
        assert!(page.tasks.is_empty(), "{query}");
        assert_eq!(page.counts.total(), 0);
    }
    // Bob's tag of the same name is his own; Ada's tags are invisible to him.
    let answer = app
        .add_task_as(&bob, &[("title", "bob's"), ("tags", "shared-name")])
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let bob_tags = app.tags_of(&bob).await;
    assert_eq!(bob_tags.len(), 1);
    assert_eq!(bob_tags[0].tasks, 1);
    let ada_tags = app.tags_of(&app.client).await;
    assert_eq!(ada_tags.len(), 1);
    assert_ne!(ada_tags[0].id, bob_tags[0].id);
    assert_eq!(
        titles(&app.list_tasks("tag=shared-name").await),
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
    let ada_tags_after = app.tags_of(&app.client).await;
    assert_eq!(ada_tags_after, ada_tags);
}

#[tokio::test]
async fn every_sort_is_stable_and_pages_through_everything_once() {
    let app = TestApp::spawn().await;
    let (user, _) = app.signed_up_user().await;
    // 130 tasks with many ties on every sort key; of those with a date, some due at one of
    // three times of day and some on the day only.
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
    sqlx::query(
        "update tasks t set due_time = time '08:00' + (t.id % 3) * interval '1 hour',
                            due_at = (t.due_date + time '08:00' + (t.id % 3) * interval '1 hour')
                                     at time zone u.time_zone
           from users u
          where u.id = t.user_id and t.user_id = $1 and t.due_date is not null and t.id % 4 <> 0",
    )
    .bind(user.id)
    .execute(&app.pool)
    .await
    .unwrap();

    for (sort, key) in [
        ("newest", "created_at desc, id desc"),
        ("oldest", "created_at, id"),
        // By day, then by the moment within it (a day without a time after those with
        // one), then no date.
        ("due", "due_date nulls last, due_at nulls last, id"),
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
            let page = app.list_tasks(&format!("sort={sort}{after}")).await;
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
    app.added_task(&[("title", "one")]).await;
    app.added_task(&[("title", "two")]).await;
    for query in [
        "sort=bogus",
        "sort=created_at;drop",
        "priority=urgent",
        "due=someday",
        "filter=x",
    ] {
        assert_eq!(
            titles(&app.list_tasks(query).await),
            vec!["two", "one"],
            "{query}"
        );
    }
    let page = app.list_tasks("sort=title").await;
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
            .list_tasks_as(&app.client, &format!("sort=title&after={cursor}"))
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{cursor}");
    }
}

#[tokio::test]
async fn counts_stay_right_through_every_change() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let a = app.added_task(&[("title", "a")]).await;
    app.added_task(&[("title", "b")]).await;
    app.added_task(&[("title", "c")]).await;
    let counts = |p: TaskPage| (p.counts.active, p.counts.completed);
    assert_eq!(counts(app.list_tasks("").await), (3, 0));
    app.call(
        "set_task_completed",
        &[("id", &a.id.to_string()), ("completed", "true")],
    )
    .await;
    assert_eq!(counts(app.list_tasks("").await), (2, 1));
    app.call("set_all_completed", &[("completed", "true")])
        .await;
    assert_eq!(counts(app.list_tasks("").await), (0, 3));
    app.call(
        "set_task_completed",
        &[("id", &a.id.to_string()), ("completed", "false")],
    )
    .await;
    app.call("clear_completed", &[]).await;
    assert_eq!(counts(app.list_tasks("").await), (1, 0));
    app.call("delete_task", &[("id", &a.id.to_string())]).await;
    assert_eq!(counts(app.list_tasks("").await), (0, 0));
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
        explain("explain select id from tasks where user_id = $1 order by coalesce(due_date, 'infinity'), id limit 51")
            .await;
    assert!(plan.contains("tasks_user_id_due_idx"), "{plan}");
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
