//! Time: a person's zone, due times, repeating tasks and reminders, through the server
//! functions the page calls and the JSON API.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use reqwest::{Method, StatusCode};
use tasklist::{
    tasks::{Completion, Task},
    zone::Zone,
};

use crate::helpers::{
    assert_ok, new_client, strong_password, unique_email, ApiAnswer, FnAnswer, TestApp,
};

/// Signs a person up on the app's client with the browser zone `zone`.
async fn person_in(app: &TestApp, zone: &str) {
    let answer = app
        .call(
            "sign_up",
            &[
                ("email", &unique_email()),
                ("name", ""),
                ("password", &strong_password()),
                ("time_zone", zone),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

/// The person's today, in `zone`.
fn today_in(zone: &str) -> NaiveDate {
    Zone::parse(zone).unwrap().today()
}

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

async fn tasks_in_db(app: &TestApp) -> Vec<(String, bool, Option<i64>)> {
    sqlx::query_as("select title, completed, previous_id from tasks order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

/// A `GetUrl` server function `name` with `query`, as `client`: its JSON answer.
async fn get_fn<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    query: &str,
) -> T {
    let res = client
        .get(app.url(&format!("/api/{name}?{query}")))
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .expect("request sent");
    assert_eq!(res.status(), StatusCode::OK, "{name}?{query}");
    res.json().await.expect("JSON")
}

/// Task `id` as the person's first page of the list shows it.
async fn get_task(app: &TestApp, id: i64) -> Task {
    let page: tasklist::tasks::TaskPage = get_fn(app, &app.client, "list_tasks", "").await;
    page.tasks
        .into_iter()
        .find(|t| t.id == id)
        .expect("the task is on the first page")
}

async fn pending(app: &TestApp, client: &reqwest::Client) -> Vec<serde_json::Value> {
    get_fn(app, client, "pending_reminders", "").await
}

async fn complete(app: &TestApp, task: &Task, completed: bool) -> StatusCode {
    completion(app, task, completed).await.status
}

/// Marks `task` done or not done; the answer (a `Completion` when it is 200).
async fn completion(app: &TestApp, task: &Task, completed: bool) -> FnAnswer {
    app.call(
        "set_task_completed",
        &[
            ("id", &task.id.to_string()),
            ("completed", &completed.to_string()),
        ],
    )
    .await
}

#[tokio::test]
async fn the_zone_detected_at_sign_up_is_kept_and_an_unknown_one_is_utc() {
    let app = TestApp::spawn().await;
    person_in(&app, "Asia/Tokyo").await;
    assert_eq!(
        app.current_user().await.unwrap().time_zone.as_str(),
        "Asia/Tokyo"
    );
    let other = TestApp::spawn().await;
    person_in(&other, "Mars/Olympus_Mons").await;
    assert_eq!(
        other.current_user().await.unwrap().time_zone.as_str(),
        "UTC"
    );
}

#[tokio::test]
async fn a_due_time_is_a_moment_in_the_persons_zone_and_moves_with_a_change_of_zone() {
    let app = TestApp::spawn().await;
    person_in(&app, "Europe/Berlin").await;
    let task = app
        .added_task(&[
            ("title", "Call"),
            ("due_date", "2026-07-01"),
            ("due_time", "09:30"),
        ])
        .await;
    assert_eq!(task.due_at, Some("2026-07-01T07:30:00Z".parse().unwrap()));
    assert_eq!(task.due_time, NaiveTime::from_hms_opt(9, 30, 0));
    let undated = app
        .added_task(&[("title", "Date only"), ("due_date", "2026-07-01")])
        .await;

    let answer = app
        .call("update_time_zone", &[("time_zone", "America/New_York")])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let moved: Task = get_task(&app, task.id).await;
    // The same moment, on the new zone's clock.
    assert_eq!(moved.due_at, task.due_at);
    assert_eq!(moved.due_time, NaiveTime::from_hms_opt(3, 30, 0));
    assert_eq!(moved.due_date, task.due_date);
    // A date without a time stays that date, untouched.
    let same: Task = get_task(&app, undated.id).await;
    assert_eq!(same, undated);

    // A zone that does not exist is refused and changes nothing.
    let answer = app
        .call("update_time_zone", &[("time_zone", "Europe/Atlantis")])
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert!(answer.error().field_message("time_zone").is_some());
    assert_eq!(
        app.current_user().await.unwrap().time_zone.as_str(),
        "America/New_York"
    );
}

#[tokio::test]
async fn today_and_overdue_are_the_persons_at_the_edges_of_their_day() {
    // Kiritimati (UTC+14) and Pago Pago (UTC-11) are always on different dates.
    let ahead = TestApp::spawn().await;
    person_in(&ahead, "Pacific/Kiritimati").await;
    let behind = TestApp::spawn().await;
    person_in(&behind, "Pacific/Pago_Pago").await;
    let their_today = today_in("Pacific/Kiritimati");
    assert_ne!(their_today, today_in("Pacific/Pago_Pago"));
    for app in [&ahead, &behind] {
        app.added_task(&[
            ("title", "Kiritimati's today"),
            ("due_date", &iso(their_today)),
        ])
        .await;
    }
    let titles = |page: tasklist::tasks::TaskPage| -> Vec<String> {
        page.tasks.into_iter().map(|t| t.title).collect()
    };
    assert_eq!(
        titles(ahead.list_tasks("due=today").await),
        ["Kiritimati's today"]
    );
    // Still a day or two away for the person in Pago Pago.
    assert!(titles(behind.list_tasks("due=today").await).is_empty());
    assert_eq!(
        titles(behind.list_tasks("due=week").await),
        ["Kiritimati's today"]
    );

    // A time today that has passed is overdue; a date before today is too; one later today
    // is due today, not overdue.
    let zone = "Pacific/Kiritimati";
    let today = iso(today_in(zone));
    ahead
        .added_task(&[
            ("title", "Passed"),
            ("due_date", &today),
            ("due_time", "00:00"),
        ])
        .await;
    ahead
        .added_task(&[
            ("title", "Yesterday"),
            ("due_date", &iso(today_in(zone) - Duration::days(1))),
        ])
        .await;
    let local_now = Zone::parse(zone).unwrap().local(Utc::now()).time();
    let later_today = local_now < NaiveTime::from_hms_opt(23, 0, 0).unwrap();
    if later_today {
        ahead
            .added_task(&[
                ("title", "Later"),
                ("due_date", &today),
                ("due_time", "23:59"),
            ])
            .await;
    }
    let mut overdue = titles(ahead.list_tasks("due=overdue").await);
    overdue.sort();
    assert_eq!(overdue, ["Passed", "Yesterday"]);
    let mut due_today = titles(ahead.list_tasks("due=today").await);
    due_today.sort();
    let mut expected = vec!["Kiritimati's today", "Passed"];
    if later_today {
        expected.insert(1, "Later");
    }
    assert_eq!(due_today, expected);
}

#[tokio::test]
async fn the_due_sort_puts_times_in_order_within_a_day_and_pages_through_them() {
    let app = TestApp::spawn().await;
    person_in(&app, "UTC").await;
    for (title, time) in [
        ("noon", "12:00"),
        ("all day", ""),
        ("early", "07:15"),
        ("late", "22:00"),
    ] {
        app.added_task(&[
            ("title", title),
            ("due_date", "2026-12-24"),
            ("due_time", time),
        ])
        .await;
    }
    app.added_task(&[
        ("title", "next day"),
        ("due_date", "2026-12-25"),
        ("due_time", "01:00"),
    ])
    .await;
    let page = app.list_tasks("sort=due").await;
    let order: Vec<&str> = page.tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(order, ["early", "noon", "late", "all day", "next day"]);

    // Page by page through the API, two at a time: the same order, nothing twice.
    let token = app.token("read").await;
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/api/v1/tasks?sort=due&limit=2&cursor={cursor}");
        let page = ApiAnswer::of(app.api(Method::GET, &path, &token)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for t in page.json["results"].as_array().unwrap() {
            seen.push(t["title"].as_str().unwrap().to_owned());
        }
        match page.json["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, order);
}

#[tokio::test]
async fn completing_a_repeating_task_adds_the_next_with_its_priority_and_tags_and_undo_removes_it()
{
    let app = TestApp::spawn().await;
    person_in(&app, "Europe/Berlin").await;
    let task = app
        .added_task(&[
            ("title", "Water plants"),
            ("priority", "high"),
            ("tags", "home, garden"),
            ("due_date", "2026-03-28"),
            ("due_time", "09:00"),
            ("repeat", "weekly"),
            ("repeat_every", "2"),
            ("repeat_sat", "on"),
            ("remind", "30"),
        ])
        .await;
    assert_eq!(
        task.repeat.as_deref(),
        Some("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA")
    );

    let answer = completion(&app, &task, true).await;
    assert_ok(&answer);
    let done: Completion = answer.json();
    assert!(done.task.completed);
    let page = app.list_tasks("filter=active").await;
    assert_eq!(page.tasks.len(), 1);
    let next = &page.tasks[0];
    // The answer carries the occurrence it added, as the list shows it.
    assert_eq!(done.added.as_ref(), Some(next));
    assert_eq!(done.withdrawn, Vec::<i64>::new());
    assert_eq!(next.title, "Water plants");
    assert_eq!(next.priority, task.priority);
    assert_eq!(next.tags, ["garden", "home"]);
    assert_eq!(next.due_date, NaiveDate::from_ymd_opt(2026, 4, 11));
    // 09:00 in Berlin, now summer time: an hour earlier in UTC than on the 28th of March.
    assert_eq!(next.due_at, Some("2026-04-11T07:00:00Z".parse().unwrap()));
    assert_eq!(
        next.remind_at,
        Some("2026-04-11T06:30:00Z".parse().unwrap())
    );
    assert_eq!(next.repeat, task.repeat);
    assert_eq!(page.counts.active, 1);
    assert_eq!(page.counts.completed, 1);

    let next_id = next.id;

    // Completing it again (a second tab, a retry) adds no second occurrence.
    let again = completion(&app, &done.task, true).await;
    assert_ok(&again);
    assert_eq!(again.json::<Completion>().added, None);
    assert_eq!(tasks_in_db(&app).await.len(), 2);

    // Undo: the occurrence, untouched, goes, and the answer says which it was.
    let undone = completion(&app, &task, false).await;
    assert_ok(&undone);
    assert_eq!(undone.json::<Completion>().withdrawn, [next_id]);
    assert_eq!(
        tasks_in_db(&app).await,
        [("Water plants".to_owned(), false, None)]
    );

    // Once the next occurrence has been changed, undoing keeps it.
    assert_eq!(complete(&app, &task, true).await, StatusCode::OK);
    let next = app.list_tasks("filter=active").await.tasks.remove(0);
    let answer = app
        .call(
            "update_task",
            &[
                ("id", &next.id.to_string()),
                ("title", "Water plants (and the fern)"),
                ("repeat", "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(complete(&app, &task, false).await, StatusCode::OK);
    assert_eq!(app.list_tasks("filter=active").await.tasks.len(), 2);
}

#[tokio::test]
async fn a_series_ends_after_its_count_and_from_completion_counts_from_today() {
    let app = TestApp::spawn().await;
    person_in(&app, "UTC").await;
    let task = app
        .added_task(&[
            ("title", "Twice"),
            ("due_date", "2026-01-01"),
            ("repeat", "daily"),
            ("repeat_count", "2"),
        ])
        .await;
    assert_eq!(complete(&app, &task, true).await, StatusCode::OK);
    let last = app.list_tasks("filter=active").await.tasks.remove(0);
    assert_eq!(last.repeat.as_deref(), Some("FREQ=DAILY;COUNT=1"));
    assert_eq!(complete(&app, &last, true).await, StatusCode::OK);
    assert!(
        app.list_tasks("filter=active").await.tasks.is_empty(),
        "the series has ended"
    );

    let chore = app
        .added_task(&[
            ("title", "Haircut"),
            ("due_date", "2026-01-01"),
            ("repeat", "daily"),
            ("repeat_every", "30"),
            ("repeat_from", "completion"),
        ])
        .await;
    assert_eq!(complete(&app, &chore, true).await, StatusCode::OK);
    let next = app.list_tasks("filter=active").await.tasks.remove(0);
    assert_eq!(
        next.due_date,
        Some(Utc::now().date_naive() + Duration::days(30))
    );
}

#[tokio::test]
async fn a_completion_whose_next_occurrence_cannot_be_added_writes_nothing() {
    let app = TestApp::spawn_with(|name| (name == "MAX_TASKS_PER_USER").then(|| "1".into())).await;
    person_in(&app, "UTC").await;
    let task = app
        .added_task(&[
            ("title", "Daily"),
            ("due_date", "2026-01-01"),
            ("repeat", "daily"),
        ])
        .await;
    let answer = app
        .call(
            "set_task_completed",
            &[("id", &task.id.to_string()), ("completed", "true")],
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains("the most one list can hold"),
        "{}",
        answer.body
    );
    // Neither the completion nor the next occurrence was written.
    assert_eq!(tasks_in_db(&app).await, [("Daily".to_owned(), false, None)]);
    let now: Task = get_task(&app, task.id).await;
    assert_eq!(now.version, task.version);
}

#[tokio::test]
async fn the_repeating_filter_keeps_only_tasks_that_repeat() {
    let app = TestApp::spawn().await;
    person_in(&app, "UTC").await;
    app.added_task(&[("title", "Once")]).await;
    app.added_task(&[("title", "Often"), ("repeat", "daily")])
        .await;
    let page = app.list_tasks("repeating=1").await;
    let titles: Vec<&str> = page.tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["Often"]);
}

#[tokio::test]
async fn bad_times_repeats_and_reminders_are_refused_and_store_nothing() {
    let app = TestApp::spawn().await;
    person_in(&app, "UTC").await;
    for (fields, field) in [
        (vec![("due_time", "09:00")], "due_time"),
        (
            vec![("due_date", "2026-01-01"), ("due_time", "9 o'clock")],
            "due_time",
        ),
        (vec![("repeat", "FREQ=SECONDLY")], "repeat"),
        (
            vec![("repeat", "weekly"), ("repeat_every", "1000")],
            "repeat_every",
        ),
        (vec![("repeat", &"FREQ=DAILY;".repeat(40))], "repeat"),
        (vec![("remind", "15")], "remind"),
        (vec![("remind", "at"), ("remind_at", "soon")], "remind_at"),
    ] {
        let mut form = vec![("title", "Bad")];
        form.extend(fields.iter().copied());
        let answer = app.add_task(&form).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}: {}",
            answer.body
        );
        assert!(
            answer.error().field_message(field).is_some(),
            "{fields:?}: {}",
            answer.body
        );
    }
    assert!(tasks_in_db(&app).await.is_empty());
}

#[tokio::test]
async fn a_reminder_is_shown_once_per_person_whatever_the_tabs_and_can_be_snoozed() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let password = strong_password();
    app.sign_up(&email, &password).await;
    let past = (Utc::now() - Duration::minutes(5))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let task = app
        .added_task(&[("title", "Stretch"), ("remind", "at"), ("remind_at", &past)])
        .await;
    let at = task.remind_at.expect("a reminder moment");
    app.added_task(&[("title", "No reminder")]).await;

    // Two tabs of the same person (two sessions) see it pending; the first to take it wins.
    let (tab, _) = new_client();
    app.sign_in_as(&tab, &email, &password).await;
    let pending_now = pending(&app, &tab).await;
    assert_eq!(pending_now.len(), 1);
    assert_eq!(pending_now[0]["title"], "Stretch");
    let claim = |client| {
        let at = at.to_rfc3339();
        let id = task.id.to_string();
        let app = &app;
        async move {
            app.call_as(client, "claim_reminder", &[("id", &id), ("remind_at", &at)])
                .await
                .json::<bool>()
        }
    };
    assert!(claim(&app.client).await);
    assert!(!claim(&tab).await);
    assert!(!claim(&app.client).await);
    assert!(
        pending(&app, &app.client).await.is_empty(),
        "shown reminders are not pending"
    );

    // Somebody else cannot take (or even see) it.
    let (other, _) = new_client();
    app.sign_up_as(&other, &unique_email(), &strong_password())
        .await;
    let theirs = app
        .call_as(
            &other,
            "claim_reminder",
            &[
                ("id", &task.id.to_string()),
                ("remind_at", &at.to_rfc3339()),
            ],
        )
        .await;
    assert!(!theirs.json::<bool>());
    assert!(pending(&app, &other).await.is_empty());

    // Snoozed: a new moment, so a new reminder, ten minutes on.
    let answer = app
        .call(
            "snooze_reminder",
            &[("id", &task.id.to_string()), ("minutes", "10")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let again: DateTime<Utc> = answer.json();
    assert!(again > Utc::now() + Duration::minutes(9));
    assert_eq!(pending(&app, &app.client).await.len(), 1);
    for (minutes, status) in [
        ("0", StatusCode::UNPROCESSABLE_ENTITY),
        ("10081", StatusCode::UNPROCESSABLE_ENTITY),
        ("x", StatusCode::BAD_REQUEST),
    ] {
        let answer = app
            .call(
                "snooze_reminder",
                &[("id", &task.id.to_string()), ("minutes", minutes)],
            )
            .await;
        assert_eq!(answer.status, status, "{minutes}: {}", answer.body);
    }
    assert_eq!(
        get_task(&app, task.id).await.remind_at,
        Some(again),
        "refused snoozes change nothing"
    );
    let answer = app
        .call_as(
            &other,
            "snooze_reminder",
            &[("id", &task.id.to_string()), ("minutes", "10")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);

    // A done task reminds no more, and its reminder cannot be taken.
    assert_eq!(complete(&app, &task, true).await, StatusCode::OK);
    assert!(pending(&app, &app.client).await.is_empty());
    let done: Task = get_task(&app, task.id).await;
    let claim_done = app
        .call(
            "claim_reminder",
            &[
                ("id", &task.id.to_string()),
                ("remind_at", &done.remind_at.unwrap().to_rfc3339()),
            ],
        )
        .await;
    assert!(!claim_done.json::<bool>());
}

#[tokio::test]
async fn snoozing_and_showing_a_reminder_thirty_times_keeps_one_row_for_the_task() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let past = (Utc::now() - Duration::minutes(5))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let task = app
        .added_task(&[("title", "Stretch"), ("remind", "at"), ("remind_at", &past)])
        .await;
    let id = task.id.to_string();
    let mut at = task.remind_at.expect("a reminder moment");
    for round in 0..30 {
        let claimed = app
            .call(
                "claim_reminder",
                &[("id", &id), ("remind_at", &at.to_rfc3339())],
            )
            .await;
        assert!(
            claimed.json::<bool>(),
            "round {round}: the new moment shows"
        );
        let again = app
            .call(
                "claim_reminder",
                &[("id", &id), ("remind_at", &at.to_rfc3339())],
            )
            .await;
        assert!(!again.json::<bool>(), "round {round}: once");
        let snoozed = app
            .call("snooze_reminder", &[("id", &id), ("minutes", "1")])
            .await;
        assert_eq!(snoozed.status, StatusCode::OK, "{}", snoozed.body);
        at = snoozed.json();
    }
    let rows: i64 = sqlx::query_scalar("select count(*) from reminders_shown")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 1, "one row per task, whatever its history");
    // A moment outside the years a task may have is no reminder of it (not a database error).
    for far in [
        "-200000-01-01T00:00:00Z",
        "+200000-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
    ] {
        let answer = app
            .call("claim_reminder", &[("id", &id), ("remind_at", far)])
            .await;
        assert!(
            answer.status == StatusCode::OK && !answer.json::<bool>()
                || answer.status == StatusCode::BAD_REQUEST,
            "{far}: {} {}",
            answer.status,
            answer.body
        );
    }
}

#[tokio::test]
async fn the_api_reads_and_writes_due_times_repeats_and_reminders() {
    let app = TestApp::spawn().await;
    person_in(&app, "America/New_York").await;
    let token = app.token("write").await;
    let created = ApiAnswer::of(app.api(Method::POST, "/api/v1/tasks", &token).json(
        &serde_json::json!({
            "title": "Standup",
            "due_date": "2026-11-02",
            "due_time": "09:00",
            "repeat": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            "remind_before_minutes": 10,
        }),
    ))
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let t = &created.json;
    assert_eq!(t["due_time"], "09:00:00");
    assert_eq!(t["due_at"], "2026-11-02T14:00:00Z");
    assert_eq!(t["repeat"], "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR");
    assert_eq!(t["repeat_from_completion"], false);
    assert_eq!(t["remind_at"], "2026-11-02T13:50:00Z");
    assert_eq!(t["remind_before_minutes"], 10);
    let id = t["id"].as_i64().unwrap();

    // A reminder at a moment, in RFC 3339; the repeat removed.
    let changed = ApiAnswer::of(
        app.api(Method::PATCH, &format!("/api/v1/tasks/{id}"), &token)
            .json(&serde_json::json!({
                "repeat": null,
                "remind_at": "2026-11-01T12:00:00Z",
            })),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.json["repeat"], serde_json::Value::Null);
    assert_eq!(changed.json["remind_at"], "2026-11-01T12:00:00Z");
    assert_eq!(
        changed.json["remind_before_minutes"],
        serde_json::Value::Null
    );
    assert_eq!(
        changed.json["due_time"], "09:00:00",
        "what was not sent stays"
    );

    // Completing through the API adds the next occurrence of a repeating task.
    let daily = ApiAnswer::of(app.api(Method::POST, "/api/v1/tasks", &token).json(
        &serde_json::json!({
            "title": "Journal", "due_date": "2026-11-02", "repeat": "FREQ=DAILY",
        }),
    ))
    .await;
    let daily_id = daily.json["id"].as_i64().unwrap();
    let done = ApiAnswer::of(app.api(
        Method::POST,
        &format!("/api/v1/tasks/{daily_id}/complete"),
        &token,
    ))
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let repeating = ApiAnswer::of(app.api(
        Method::GET,
        "/api/v1/tasks?repeating=true&status=active",
        &token,
    ))
    .await;
    let results = repeating.json["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["due_date"], "2026-11-03");

    // Bad values: every field in error, nothing stored.
    let bad = ApiAnswer::of(app.api(Method::POST, "/api/v1/tasks", &token).json(
        &serde_json::json!({
            "title": "Bad", "due_time": "25:00", "due_date": "2026-11-02", "repeat": "FREQ=HOURLY",
            "remind_before_minutes": 5,
        }),
    ))
    .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.fields(), ["due_time", "repeat"]);
    let both = ApiAnswer::of(app.api(Method::POST, "/api/v1/tasks", &token).json(
        &serde_json::json!({
            "title": "Bad", "remind_at": "2026-11-01T12:00:00Z", "remind_before_minutes": 5,
        }),
    ))
    .await;
    both.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let count: i64 = sqlx::query_scalar("select count(*) from tasks where title = 'Bad'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);

    // The OpenAPI document describes the fields.
    let doc = ApiAnswer::of(app.api(Method::GET, "/api/v1/openapi.json", &token)).await;
    let task = &doc.json["components"]["schemas"]["Task"]["properties"];
    for field in [
        "due_time",
        "due_at",
        "repeat",
        "repeat_from_completion",
        "remind_at",
        "remind_before_minutes",
    ] {
        assert!(task.get(field).is_some(), "{field} in the Task schema");
    }
    let new_task = &doc.json["components"]["schemas"]["NewTask"]["properties"];
    for field in [
        "due_time",
        "repeat",
        "repeat_from",
        "remind_at",
        "remind_before_minutes",
    ] {
        assert!(
            new_task.get(field).is_some(),
            "{field} in the NewTask schema"
        );
    }
}

#[tokio::test]
async fn a_json_export_imports_back_with_its_due_times_repeats_and_reminders() {
    let app = TestApp::spawn().await;
    person_in(&app, "Europe/Paris").await;
    app.added_task(&[
        ("title", "Standup"),
        ("due_date", "2026-12-07"),
        ("due_time", "09:15"),
        ("repeat", "weekdays"),
        ("repeat_from", "completion"),
        ("remind", "10"),
    ])
    .await;
    let token = app.token("write").await;
    let file = app
        .api(Method::GET, "/api/v1/export?format=json", &token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    let (client, _) = new_client();
    let password = strong_password();
    let answer = app
        .call_as(
            &client,
            "sign_up",
            &[
                ("email", &unique_email()),
                ("name", ""),
                ("password", &password),
                ("time_zone", "Europe/Paris"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let theirs = app.token_as(&client, &password, "write").await;
    let imported = ApiAnswer::of(
        app.api(Method::POST, "/api/v1/import", &theirs)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(file),
    )
    .await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.body);
    let list = ApiAnswer::of(app.api(Method::GET, "/api/v1/tasks", &theirs)).await;
    let t = &list.json["results"][0];
    assert_eq!(t["due_time"], "09:15:00");
    assert_eq!(t["due_at"], "2026-12-07T08:15:00Z");
    assert_eq!(t["repeat"], "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR");
    assert_eq!(t["repeat_from_completion"], true);
    assert_eq!(t["remind_before_minutes"], 10);
    assert_eq!(t["remind_at"], "2026-12-07T08:05:00Z");
}

#[tokio::test]
async fn marking_all_done_adds_every_repeating_tasks_next_occurrence_and_marking_all_not_done_removes_them(
) {
    let app = TestApp::spawn().await;
    person_in(&app, "UTC").await;
    app.added_task(&[("title", "Once")]).await;
    app.added_task(&[
        ("title", "Daily"),
        ("due_date", "2026-01-01"),
        ("repeat", "daily"),
        ("tags", "home"),
    ])
    .await;
    app.added_task(&[
        ("title", "Monthly"),
        ("due_date", "2026-01-31"),
        ("repeat", "monthly"),
        ("repeat_monthly", "last"),
    ])
    .await;
    app.added_task(&[
        ("title", "Last time"),
        ("due_date", "2026-01-01"),
        ("repeat", "daily"),
        ("repeat_count", "1"),
    ])
    .await;

    let answer = app
        .call("set_all_completed", &[("completed", "true")])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json::<u64>(), 4);
    let active = app.list_tasks("filter=active&sort=due").await;
    let next: Vec<(&str, Option<NaiveDate>, &[String])> = active
        .tasks
        .iter()
        .map(|t| (t.title.as_str(), t.due_date, t.tags.as_slice()))
        .collect();
    assert_eq!(
        next,
        [
            (
                "Daily",
                NaiveDate::from_ymd_opt(2026, 1, 2),
                &["home".to_owned()][..]
            ),
            ("Monthly", NaiveDate::from_ymd_opt(2026, 2, 28), &[][..]),
        ]
    );
    // Marking all done again completes those two, and adds the occurrences after them.
    let answer = app
        .call("set_all_completed", &[("completed", "true")])
        .await;
    assert_eq!(answer.json::<u64>(), 2);
    assert_eq!(app.list_tasks("filter=active").await.tasks.len(), 2);
    assert_eq!(tasks_in_db(&app).await.len(), 8);

    // Marking all not done takes back the occurrences still as they were made (the two
    // latest); the ones completed since stay, as tasks to do.
    let answer = app
        .call("set_all_completed", &[("completed", "false")])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let mut left: Vec<String> = tasks_in_db(&app)
        .await
        .into_iter()
        .map(|(t, _, _)| t)
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["Daily", "Daily", "Last time", "Monthly", "Monthly", "Once"]
    );
    assert_eq!(app.list_tasks("filter=completed").await.tasks.len(), 0);
}

#[tokio::test]
async fn marking_all_done_past_the_quota_writes_nothing() {
    let app = TestApp::spawn_with(|name| (name == "MAX_TASKS_PER_USER").then(|| "2".into())).await;
    person_in(&app, "UTC").await;
    app.added_task(&[("title", "A"), ("repeat", "daily")]).await;
    app.added_task(&[("title", "B"), ("repeat", "daily")]).await;
    let answer = app
        .call("set_all_completed", &[("completed", "true")])
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(
        tasks_in_db(&app).await,
        [("A".to_owned(), false, None), ("B".to_owned(), false, None)]
    );
}
