//! The abuse suite: what one free account, or no account at all, could do to stall, fill or
//! take over the service, each case as an attacker would send it (issue 8; SECURITY.md
//! R4-R7). Each test failed on the code before its fix.

use std::time::Duration;

use reqwest::{header, StatusCode};
use sqlx::PgPool;
use tasklist::{
    error::AppError,
    tags::{Tag, TagPage},
    tasks::{Task, TaskPage},
    urls::encode_query_value,
};

use crate::helpers::{
    call_with_cookie, new_client, strong_password, unique_email, FnAnswer, TestApp,
};

fn assert_status(answer: &FnAnswer, status: StatusCode) {
    assert_eq!(answer.status, status, "{}", answer.body);
}

/// Rows in every table of the app and of the session store, by table.
async fn rows_everywhere(pool: &PgPool) -> Vec<(String, i64)> {
    let tables: Vec<(String, String)> = sqlx::query_as(
        "select schemaname::text, relname::text from pg_stat_user_tables order by 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut counts = Vec::new();
    for (schema, table) in tables {
        let n: i64 = sqlx::query_scalar(&format!(r#"select count(*) from "{schema}"."{table}""#))
            .fetch_one(pool)
            .await
            .unwrap();
        counts.push((format!("{schema}.{table}"), n));
    }
    counts
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

// ---------------------------------------------------------------------------------------
// R4: bounded parsing, nothing stored for a refused request, timeouts, quotas

#[tokio::test]
async fn a_250_kb_field_of_50000_tags_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    // 50,000 distinct names in 250 KB, sent as a browser may (commas not escaped), so the
    // body stays under the 256 KiB limit and reaches the parser.
    let tags: String = (0..50_000).map(|i| format!("{i:04x},")).collect();
    assert_eq!(tags.len(), 250_000);
    let res = app
        .client
        .post(app.url("/api/add_task"))
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, &app.address)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("title=Flood&tags={tags}"))
        .send()
        .await
        .unwrap();
    let answer = FnAnswer::from_response(res).await;
    assert_status(&answer, StatusCode::UNPROCESSABLE_ENTITY);
    let message = answer.error().field_message("tags").expect("a tags error");
    assert!(message.contains("500 characters"), "{message}");
    assert_eq!(count(&app.pool, "select count(*) from tasks").await, 0);
    assert_eq!(count(&app.pool, "select count(*) from tags").await, 0);
}

#[tokio::test]
async fn a_hundred_anonymous_failing_posts_add_no_row_anywhere() {
    let app = TestApp::spawn().await;
    let (user, _) = app.signed_up_user().await;
    let task: Task = app.add_task(&[("title", "Mine")]).await.json();
    let id = task.id.to_string();
    let before = rows_everywhere(&app.pool).await;

    let big = "x".repeat(200_000);
    let posts: [(&str, Vec<(&str, &str)>); 10] = [
        (
            "add_task",
            vec![("title", big.as_str()), ("description", &big)],
        ),
        ("update_task", vec![("id", &id), ("title", "Taken")]),
        (
            "set_task_completed",
            vec![("id", &id), ("completed", "true")],
        ),
        ("delete_task", vec![("id", &id)]),
        ("set_all_completed", vec![("completed", "true")]),
        ("clear_completed", vec![]),
        ("rename_tag", vec![("id", "1"), ("name", &big)]),
        // Refused on their input before anything is counted.
        (
            "sign_in",
            vec![("email", big.as_str()), ("password", "whatever it is")],
        ),
        (
            "sign_up",
            vec![("email", "not-an-email"), ("name", ""), ("password", &big)],
        ),
        (
            "change_password",
            vec![("current_password", "x"), ("new_password", "y")],
        ),
    ];
    for round in 0..10 {
        for (name, form) in &posts {
            let (client, _) = new_client();
            // Half without JavaScript (a plain form post wants a page back), half as the
            // hydrated app calls.
            let res = client
                .post(app.url(&format!("/api/{name}")))
                .header(
                    header::ACCEPT,
                    if round % 2 == 0 {
                        "text/html"
                    } else {
                        "application/json"
                    },
                )
                .header(header::REFERER, app.url("/"))
                .form(form)
                .send()
                .await
                .unwrap();
            assert!(
                res.status() == StatusCode::FOUND || res.status().is_client_error(),
                "{name}: {}",
                res.status()
            );
            let cookies: Vec<&str> = res
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .map(|v| v.to_str().unwrap())
                .collect();
            assert!(
                cookies.iter().all(|c| !c.starts_with("session=")),
                "{name} started a session: {cookies:?}"
            );
        }
    }
    assert_eq!(rows_everywhere(&app.pool).await, before);
    let kept: (String, bool) = sqlx::query_as("select title, completed from tasks where id = $1")
        .bind(task.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, ("Mine".to_owned(), false));
    assert!(app.current_user().await.is_some_and(|u| u.id == user.id));
}

#[tokio::test]
async fn a_plain_post_keeps_its_error_in_a_short_cookie_cut_to_the_field_limits() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let long_title = "t".repeat(5_000);
    let res = app
        .post_form(
            "add_task",
            &[
                ("title", &long_title),
                ("description", "kept"),
                ("tags", "a, b"),
            ],
            "/",
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let flash = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("flash="))
        .expect("a flash cookie");
    assert!(flash.len() < 4096, "{}", flash.len());
    assert!(
        flash.contains("Max-Age=60") && flash.contains("HttpOnly"),
        "{flash}"
    );
    // The page shows the message and what was typed, cut to 200 characters.
    let page = app.get("/").await.text().await.unwrap();
    assert!(
        page.contains("Keep the title to 200 characters"),
        "no message"
    );
    assert!(page.contains(&"t".repeat(200)) && !page.contains(&"t".repeat(201)));
    // Shown once.
    let page = app.get("/").await.text().await.unwrap();
    assert!(!page.contains("Keep the title to 200 characters"));
}

#[tokio::test]
async fn a_statement_past_its_timeout_is_cancelled_and_answered_busy() {
    let app = TestApp::spawn_with(|name| match name {
        "DATABASE_STATEMENT_TIMEOUT_SECS" => Some("1".into()),
        _ => None,
    })
    .await;
    let (user, _) = app.signed_up_user().await;
    app.add_task(&[("title", "First")]).await;
    // Hold the person's counter row, so the next add waits on it for longer than allowed.
    let mut lock = app.pool.begin().await.unwrap();
    sqlx::query("select 1 from task_counts where user_id = $1 for update")
        .bind(user.id)
        .execute(&mut *lock)
        .await
        .unwrap();
    let answer = app.add_task(&[("title", "Second")]).await;
    assert_status(&answer, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.error(), AppError::Unavailable);
    assert!(answer.headers.contains_key(header::RETRY_AFTER));
    lock.rollback().await.unwrap();
    assert_eq!(count(&app.pool, "select count(*) from tasks").await, 1);
    // And the service goes on.
    assert_status(&app.add_task(&[("title", "Third")]).await, StatusCode::OK);
}

#[tokio::test]
async fn a_request_past_its_timeout_is_answered_busy_and_writes_nothing() {
    let app = TestApp::spawn_with(|name| match name {
        "REQUEST_TIMEOUT_SECS" => Some("1".into()),
        _ => None,
    })
    .await;
    let (user, _) = app.signed_up_user().await;
    app.add_task(&[("title", "First")]).await;
    let mut lock = app.pool.begin().await.unwrap();
    sqlx::query("select 1 from task_counts where user_id = $1 for update")
        .bind(user.id)
        .execute(&mut *lock)
        .await
        .unwrap();
    let answer = app.add_task(&[("title", "Second"), ("tags", "new")]).await;
    assert_status(&answer, StatusCode::SERVICE_UNAVAILABLE);
    assert!(answer.headers.contains_key(header::RETRY_AFTER));
    lock.rollback().await.unwrap();
    assert_eq!(count(&app.pool, "select count(*) from tasks").await, 1);
    assert_eq!(count(&app.pool, "select count(*) from tags").await, 0);
}

#[tokio::test]
async fn past_the_task_quota_an_add_is_refused_plainly_and_nothing_is_stored() {
    let app = TestApp::spawn_with(|name| match name {
        "MAX_TASKS_PER_USER" => Some("3".into()),
        _ => None,
    })
    .await;
    app.signed_up_user().await;
    for i in 0..3 {
        assert_status(
            &app.add_task(&[("title", &format!("T{i}"))]).await,
            StatusCode::OK,
        );
    }
    let answer = app
        .add_task(&[("title", "One too many"), ("tags", "extra")])
        .await;
    assert_status(&answer, StatusCode::UNPROCESSABLE_ENTITY);
    let message = answer
        .error()
        .field_message("form")
        .expect("a form message");
    assert!(message.contains("3 tasks"), "{message}");
    assert_eq!(count(&app.pool, "select count(*) from tasks").await, 3);
    assert_eq!(count(&app.pool, "select count(*) from tags").await, 0);
    // Deleting one makes room again.
    let page: TaskPage = app
        .list_tasks_as(&app.client, "")
        .await
        .json()
        .await
        .unwrap();
    let id = page.tasks[0].id.to_string();
    assert_status(
        &app.call("delete_task", &[("id", &id)]).await,
        StatusCode::OK,
    );
    assert_status(
        &app.add_task(&[("title", "Fits again")]).await,
        StatusCode::OK,
    );
}

#[tokio::test]
async fn past_the_tag_quota_new_tags_are_refused_and_known_ones_still_work() {
    let app = TestApp::spawn_with(|name| match name {
        "MAX_TAGS_PER_USER" => Some("3".into()),
        _ => None,
    })
    .await;
    app.signed_up_user().await;
    let task: Task = app
        .add_task(&[("title", "Tagged"), ("tags", "a, b, c")])
        .await
        .json();
    let answer = app.add_task(&[("title", "More"), ("tags", "a, d")]).await;
    assert_status(&answer, StatusCode::UNPROCESSABLE_ENTITY);
    let message = answer
        .error()
        .field_message("tags")
        .expect("a tags message");
    assert!(message.contains("3 tags"), "{message}");
    let id = task.id.to_string();
    let answer = app
        .call(
            "update_task",
            &[("id", &id), ("title", "Tagged"), ("tags", "a, b, c, e")],
        )
        .await;
    assert_status(&answer, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app.pool, "select count(*) from tags").await, 3);
    assert_eq!(count(&app.pool, "select count(*) from tasks").await, 1);
    // Tags already there, in any case, are not new.
    assert_status(
        &app.add_task(&[("title", "Reuse"), ("tags", "A, c")]).await,
        StatusCode::OK,
    );
}

#[tokio::test]
async fn tags_come_in_pages() {
    let app = TestApp::spawn().await;
    let (user, _) = app.signed_up_user().await;
    sqlx::query(
        "insert into tags (user_id, name) select $1, 'tag ' || lpad(i::text, 3, '0') from generate_series(1, 205) as i",
    )
    .bind(user.id)
    .execute(&app.pool)
    .await
    .unwrap();
    let first: TagPage = app
        .client
        .get(app.url("/api/list_tags"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first.tags.len(), 200);
    let next = first.next_cursor.expect("a second page");
    let res = app
        .client
        .get(app.url("/api/list_tags"))
        .query(&[("after", next.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let second: TagPage = res.json().await.unwrap();
    let names: Vec<&str> = second.tags.iter().map(|t: &Tag| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["tag 201", "tag 202", "tag 203", "tag 204", "tag 205"]
    );
    assert_eq!(second.next_cursor, None);
    // The tags page links to the next page, and a bad cursor is a 400.
    let page = app.get("/tags").await.text().await.unwrap();
    assert!(page.contains("More tags"), "{page}");
    let res = app
        .client
        .get(app.url("/api/list_tags?after=g.zz.1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------------------------------
// R5: every password check throttled; the argon2 queue bounded

#[tokio::test]
async fn wrong_current_passwords_on_a_signed_in_session_end_in_429() {
    let app = TestApp::spawn().await;
    let (user, password) = app.signed_up_user().await;
    let mut statuses = Vec::new();
    for i in 0..25 {
        let guess = strong_password();
        let answer = if i % 2 == 0 {
            app.call(
                "change_password",
                &[
                    ("current_password", &guess),
                    ("new_password", &strong_password()),
                ],
            )
            .await
        } else {
            app.call("delete_account", &[("password", &guess)]).await
        };
        statuses.push(answer.status);
    }
    assert!(
        statuses[..10]
            .iter()
            .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
    assert!(
        statuses[10..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Locked for the window, even with the right password, and at the sign-in form too.
    let answer = app.call("delete_account", &[("password", &password)]).await;
    assert_status(&answer, StatusCode::TOO_MANY_REQUESTS);
    let answer = app
        .sign_in_as(&new_client().0, &user.email, &password)
        .await;
    assert_status(&answer, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        count(&app.pool, "select count(*) from users").await,
        1,
        "the account is still there"
    );
}

#[tokio::test]
async fn a_right_current_password_clears_the_failures_it_follows() {
    let app = TestApp::spawn().await;
    let (_, password) = app.signed_up_user().await;
    for _ in 0..9 {
        let answer = app
            .call("delete_account", &[("password", &strong_password())])
            .await;
        assert_status(&answer, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let answer = app
        .call(
            "change_password",
            &[("current_password", &password), ("new_password", "short")],
        )
        .await;
    assert_status(&answer, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.error().field_message("new_password").is_some());
    assert_eq!(
        count(&app.pool, "select count(*) from sign_in_failures").await,
        0
    );
}

#[tokio::test]
async fn a_burst_beyond_the_password_queue_gets_503_with_retry_after_and_counts_nothing() {
    let app = TestApp::spawn_with(|name| match name {
        "PASSWORD_HASH_THREADS" => Some("1".into()),
        "PASSWORD_HASH_QUEUE" => Some("1".into()),
        _ => None,
    })
    .await;
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..24 {
        let (client, _) = new_client();
        let url = app.url("/api/sign_in");
        let origin = app.address.clone();
        burst.spawn(async move {
            let res = client
                .post(url)
                .header(header::ACCEPT, "application/json")
                .header(header::ORIGIN, origin)
                .form(&[("email", unique_email()), ("password", strong_password())])
                .send()
                .await
                .unwrap();
            FnAnswer::from_response(res).await
        });
    }
    let answers = burst.join_all().await;
    let busy: Vec<&FnAnswer> = answers
        .iter()
        .filter(|a| a.status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    let checked = answers
        .iter()
        .filter(|a| a.status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!(
        busy.len() + checked,
        24,
        "only refusals and wrong passwords"
    );
    assert!(!busy.is_empty(), "two places for 24 sign-ins at once");
    assert!(checked >= 2);
    for answer in &busy {
        assert_eq!(answer.error(), AppError::Unavailable);
        assert!(answer.headers.contains_key(header::RETRY_AFTER));
    }
    // A sign-in turned away was not counted against its email or address.
    assert_eq!(
        count(&app.pool, "select count(*) from sign_in_failures").await,
        checked as i64
    );
    assert_eq!(
        count(&app.pool, "select count(*) from auth_attempts").await,
        checked as i64
    );
}

// ---------------------------------------------------------------------------------------
// R6: the client address

async fn sign_in_from(app: &TestApp, forwarded_for: Option<&str>) -> StatusCode {
    let mut req = new_client()
        .0
        .post(app.url("/api/sign_in"))
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, &app.address)
        .form(&[("email", unique_email()), ("password", strong_password())]);
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.unwrap().status()
}

#[tokio::test]
async fn a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = TestApp::spawn_with(|name| match name {
        "AUTH_ADDRESS_LIMIT" => Some("2".into()),
        _ => None,
    })
    .await;
    for xff in ["198.51.100.1", "198.51.100.2"] {
        assert_eq!(
            sign_in_from(&app, Some(xff)).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        sign_in_from(&app, Some("198.51.100.3")).await,
        StatusCode::TOO_MANY_REQUESTS,
        "every attempt counted against the socket's address"
    );
    assert_eq!(
        count(
            &app.pool,
            "select count(distinct address) from auth_attempts"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_two_clients_are_counted_apart_and_ipv6_per_64() {
    let app = TestApp::spawn_with(|name| match name {
        "AUTH_ADDRESS_LIMIT" => Some("2".into()),
        "TRUSTED_PROXIES" => Some("127.0.0.0/8, ::1".into()),
        _ => None,
    })
    .await;
    let (ok, limited) = (
        StatusCode::UNPROCESSABLE_ENTITY,
        StatusCode::TOO_MANY_REQUESTS,
    );
    for (forwarded_for, expected, why) in [
        // Client A uses up its attempts; what it writes in front of its real address is
        // not believed (the proxy appended the real one last).
        ("203.0.113.66, 198.51.100.1", ok, "A, first"),
        ("203.0.113.66, 198.51.100.1", ok, "A, second"),
        ("203.0.113.77, 198.51.100.1", limited, "A, past its limit"),
        // Client B, behind the same proxy, is counted apart.
        ("198.51.100.2", ok, "B"),
        // Two addresses of one IPv6 /64 are one client.
        ("2001:db8:1:2::1", ok, "a /64, first"),
        ("2001:db8:1:2:ffff::9", ok, "the same /64, second"),
        (
            "2001:db8:1:2:abcd::1",
            limited,
            "the same /64, past its limit",
        ),
    ] {
        assert_eq!(
            sign_in_from(&app, Some(forwarded_for)).await,
            expected,
            "{why}"
        );
    }
    let keys: Vec<String> =
        sqlx::query_scalar("select distinct address from auth_attempts order by 1")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(keys, ["198.51.100.1", "198.51.100.2", "2001:db8:1:2::/64"]);
}

// ---------------------------------------------------------------------------------------
// R7 and the review's cases: no input panics the server or reaches the database unchecked

#[tokio::test]
async fn malformed_cursors_are_400s_and_the_page_with_one_still_answers() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    app.add_task(&[("title", "Only")]).await;
    for query in [
        "sort=title&after=t.a%C3%A9a.1",
        "sort=title&after=t.%C3%A9%C3%A9.1",
        "after=n.9223372036854775807.1",
        "sort=oldest&after=o.-9223372036854775808.1",
        "sort=priority&after=p.1.253402300800000000.1",
        "sort=due&after=d.00000101.1",
    ] {
        let res = app.list_tasks_as(&app.client, query).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{query}");
        let res = app.get(&format!("/?{query}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{query}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains("That page of the list does not exist"),
            "{query}"
        );
    }
}

#[tokio::test]
async fn tags_in_any_case_are_linked_and_found_by_the_databases_own_fold() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    // Rust folds the final sigma to ς and İ to i̇; PostgreSQL's lower() does not.
    let task: Task = app
        .add_task(&[("title", "Trip"), ("tags", "ΟΔΟΣ, İstanbul")])
        .await
        .json();
    let mut tags = task.tags.clone();
    tags.sort();
    assert_eq!(tags, ["İstanbul", "ΟΔΟΣ"], "both linked");
    for tag in ["ΟΔΟΣ", "İstanbul"] {
        let page: TaskPage = app
            .list_tasks_as(&app.client, &format!("tag={}", encode_query_value(tag)))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page.tasks.len(), 1, "filter by {tag}");
    }
    // The same names in another case are the same tags.
    let again: Task = app
        .add_task(&[("title", "Again"), ("tags", "οδοσ")])
        .await
        .json();
    assert_eq!(again.tags, ["ΟΔΟΣ"]);
    assert_eq!(count(&app.pool, "select count(*) from tags").await, 2);
}

#[tokio::test]
async fn an_origin_with_another_scheme_is_cross_site() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let https_origin = app.address.replace("http://", "https://");
    let res = app
        .client
        .post(app.url("/api/add_task"))
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, https_origin)
        .form(&[("title", "From elsewhere")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&app.pool, "select count(*) from tasks").await, 0);
}

// ---------------------------------------------------------------------------------------
// Sign-out is final

#[tokio::test]
async fn after_sign_out_a_request_in_flight_cannot_bring_the_session_back() {
    // A short idle limit, so that a request a few seconds later refreshes the session.
    let app = TestApp::spawn_with(|name| match name {
        "SESSION_IDLE_SECS" => Some("8".into()),
        _ => None,
    })
    .await;
    let (user, _) = app.signed_up_user().await;
    app.add_task(&[("title", "First")]).await;
    let cookie = app.session_cookie(&app.jar).expect("signed in");
    tokio::time::sleep(Duration::from_millis(2_100)).await;

    // A slow request: it loads the session (and refreshes its seen-at time), then waits on
    // the person's counter row, which the test holds.
    let mut lock = app.pool.begin().await.unwrap();
    sqlx::query("select 1 from task_counts where user_id = $1 for update")
        .bind(user.id)
        .execute(&mut *lock)
        .await
        .unwrap();
    let address = app.address.clone();
    let slow_cookie = format!("session={cookie}");
    let slow = tokio::spawn(async move {
        call_with_cookie(&address, &slow_cookie, "add_task", &[("title", "Slow")]).await
    });
    for tries in 0.. {
        assert!(tries < 1_000, "the slow request never reached the lock");
        let waiting: i64 = sqlx::query_scalar(
            "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Meanwhile the person signs out.
    let out = call_with_cookie(&app.address, &format!("session={cookie}"), "sign_out", &[]).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    assert!(!app.session_row_exists(&cookie).await);

    lock.commit().await.unwrap();
    let slow = slow.await.unwrap();
    assert_eq!(slow.status, StatusCode::OK, "{}", slow.body);
    assert!(
        !app.session_row_exists(&cookie).await,
        "the slow request saved the session again"
    );
    assert_eq!(app.current_user_for_cookie(&cookie).await, None);
}
