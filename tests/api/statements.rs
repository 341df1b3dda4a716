//! What a request costs the database, counted (never timed): committed transactions of the
//! test's database (`pg_stat_database`) per request. Every read runs one statement as its own
//! transaction, and a write that must be all or nothing one transaction, so this counts the
//! round trips a request makes: the session (which brings its person's row along) and the
//! work itself.

use sqlx::{Connection, PgConnection};

use crate::helpers::TestApp;

/// Transactions committed or rolled back in the test's database so far, read once every
/// backend on it has gone (each flushes its statistics as it exits): the server must be
/// stopped and the test's own pool closed.
async fn transactions(app: &TestApp) -> i64 {
    let mut admin = PgConnection::connect_with(&app.admin_options())
        .await
        .expect("connect to the cluster");
    let mut looks = 0;
    loop {
        // Client backends only: an autovacuum worker on the test's database (after the
        // many writes here) can take longer than this wait and is not the server's.
        // Each as its pid and what it says of itself (name, state, last statement).
        let backends: Vec<(i32, String)> = sqlx::query_as(
            "select pid, concat_ws(' | ', application_name, state, left(query, 120))
               from pg_stat_activity
              where datname = $1 and backend_type = 'client backend'",
        )
        .bind(app.database_name())
        .fetch_all(&mut admin)
        .await
        .expect("read pg_stat_activity");
        if backends.is_empty() {
            break;
        }
        looks += 1;
        if looks == 250 {
            // Five seconds after the server stopped (its pool closed) a connection is still
            // open. It can only be the stopped server's (nothing else connects here), so it is
            // ended: a backend flushes its statistics as it exits, terminated or not, so the
            // count stays exact. Said on stderr, to be looked into rather than to fail on a
            // busy machine.
            eprintln!("backends outlived their server by 5 s, terminating them: {backends:?}");
            for (pid, ..) in &backends {
                sqlx::query("select pg_terminate_backend($1)")
                    .bind(pid)
                    .execute(&mut admin)
                    .await
                    .expect("terminate a backend");
            }
        }
        assert!(
            looks < 500,
            "{} backends still on the test database: {backends:?}",
            backends.len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // A fresh transaction, so the statistics snapshot is taken now.
    sqlx::query_scalar(
        "select (xact_commit + xact_rollback)::bigint from pg_stat_database where datname = $1",
    )
    .bind(app.database_name())
    .fetch_one(&mut admin)
    .await
    .expect("read pg_stat_database")
}

/// The requests counted.
#[derive(Clone, Copy)]
enum Request {
    /// `GET /api/list_tasks`, what the hydrated page fetches.
    List,
    /// `GET /`, the server-rendered task page.
    Page,
    Add,
    Toggle(i64),
    Edit(i64),
    /// `GET /api/v1/tasks` with this token.
    ApiList(&'static str),
    /// `POST /api/v1/tasks` with this token.
    ApiAdd(&'static str),
}

/// One try of `request`: its status and body.
async fn send_once(app: &TestApp, request: Request, i: i64) -> (reqwest::StatusCode, String) {
    let answer = match request {
        Request::List => {
            let res = app.client.get(app.url("/api/list_tasks")).send().await;
            let res = res.expect("request sent");
            return (res.status(), res.text().await.unwrap());
        }
        Request::Page => {
            let res = app.get("/").await;
            let status = res.status();
            let body = res.text().await.unwrap();
            if status.is_success() {
                assert!(body.contains("task 2"));
            }
            return (status, body);
        }
        Request::Add => {
            app.call(
                "add_task",
                &[("title", &format!("more {i}")), ("tags", "home")],
            )
            .await
        }
        Request::Toggle(id) => {
            let completed = if i % 2 == 0 { "true" } else { "false" };
            app.call(
                "set_task_completed",
                &[("id", &id.to_string()), ("completed", completed)],
            )
            .await
        }
        Request::ApiList(token) | Request::ApiAdd(token) => {
            let req = match request {
                Request::ApiList(_) => app.api(reqwest::Method::GET, "/api/v1/tasks", token),
                _ => app
                    .api(reqwest::Method::POST, "/api/v1/tasks", token)
                    .json(&serde_json::json!({"title": format!("api {i}"), "tags": ["home"]})),
            };
            let res = req.send().await.expect("request sent");
            return (res.status(), res.text().await.unwrap());
        }
        Request::Edit(id) => {
            app.call(
                "update_task",
                &[
                    ("id", &id.to_string()),
                    ("title", &format!("edited {i}")),
                    ("tags", "work"),
                ],
            )
            .await
        }
    };
    (answer.status, answer.body)
}

/// `request`, tried again as a client would while the server answers "busy, try again"
/// (on a loaded machine a fresh server's first connections can outlast the acquire
/// timeout); the extra transactions are noise the rounding absorbs.
async fn send(app: &TestApp, request: Request, i: i64) {
    let mut tries = 0;
    loop {
        let (status, body) = send_once(app, request, i).await;
        if status == reqwest::StatusCode::SERVICE_UNAVAILABLE && tries < 3 {
            tries += 1;
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            continue;
        }
        assert!(status.is_success(), "{status}: {body}");
        return;
    }
}

/// Transactions of one run of the server: started, `requests` runs of `request`, stopped.
async fn run(app: &mut TestApp, requests: i64, request: Request) -> i64 {
    app.stop().await;
    let before = transactions(app).await;
    app.start().await;
    for i in 0..requests {
        send(app, request, i).await;
    }
    app.stop().await;
    let used = transactions(app).await - before;
    app.start().await;
    used
}

/// Transactions per request of `request`: a run of `2n` against a run of `n`, so what a
/// server's start, stop and first connections cost (migrations) cancels out.
async fn per_request(app: &mut TestApp, n: i64, request: Request) -> f64 {
    let once = run(app, n, request).await;
    let twice = run(app, 2 * n, request).await;
    (twice - once) as f64 / n as f64
}

/// Transactions per request of `request`, in whole statements: the fewest of up to three
/// measures of 50 and 100 requests, stopping at one within `most`. Noise only adds and is not
/// per request: autovacuum's workers visit every database now and then (more often while
/// other tests create and drop theirs) and run transactions that no request made, a few per
/// measure at most, so a measure is read to the nearest whole statement. One more statement
/// per request adds 1.0 and always shows.
async fn fewest(app: &mut TestApp, request: Request, most: f64) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..3 {
        best = best.min(per_request(app, 50, request).await);
        if best.round() <= most {
            break;
        }
    }
    best
}

#[tokio::test]
async fn each_request_reads_the_caller_once_and_the_list_in_one_statement() {
    let mut app = TestApp::spawn().await;
    app.signed_up_user().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let answer = app
            .call(
                "add_task",
                &[("title", &format!("task {i}")), ("tags", "home, work")],
            )
            .await;
        assert!(answer.status.is_success(), "{}", answer.body);
        ids.push(answer.json::<serde_json::Value>()["id"].as_i64().unwrap());
    }
    // No autovacuum of this test's own writes (its transactions would count), and only the
    // server's connections from here on.
    for table in ["tasks", "tags", "task_tags", "task_counts", "sessions"] {
        sqlx::query(&format!(
            "alter table {table} set (autovacuum_enabled = off)"
        ))
        .execute(&app.pool)
        .await
        .expect("turn autovacuum off");
    }
    app.pool.close().await;
    let list = fewest(&mut app, Request::List, 2.0).await;
    let page = fewest(&mut app, Request::Page, 3.0).await;
    // A write is 2 of its own (the session with its person, then the write) plus 1 that
    // PostgreSQL counts when the instance's LISTEN connection takes in the write's
    // notification (live updates; one per listening instance).
    let add = fewest(&mut app, Request::Add, 3.0).await;
    let toggle = fewest(&mut app, Request::Toggle(ids[0]), 3.0).await;
    let edit = fewest(&mut app, Request::Edit(ids[1]), 3.0).await;

    let counted = format!(
        "transactions per request: list {list}, page {page}, add {add}, toggle {toggle}, edit {edit}"
    );
    eprintln!("{counted}");
    assert!(list.round() <= 2.0, "{counted}");
    assert!(page.round() <= 3.0, "{counted}");
    assert!(add.round() <= 3.0, "{counted}");
    assert!(toggle.round() <= 3.0, "{counted}");
    assert!(edit.round() <= 3.0, "{counted}");
}

#[tokio::test]
async fn an_api_request_costs_what_the_pages_request_costs() {
    let mut app = TestApp::spawn().await;
    app.signed_up_user().await;
    for i in 0..3 {
        app.added_task(&[("title", &format!("task {i}")), ("tags", "home, work")])
            .await;
    }
    let token: &'static str = Box::leak(app.token("write").await.into_boxed_str());
    for table in [
        "tasks",
        "tags",
        "task_tags",
        "task_counts",
        "sessions",
        "api_tokens",
    ] {
        sqlx::query(&format!(
            "alter table {table} set (autovacuum_enabled = off)"
        ))
        .execute(&app.pool)
        .await
        .expect("turn autovacuum off");
    }
    app.pool.close().await;
    // The token's lookup (which records its use at most once a minute) in place of the
    // session's, then the same work: the list 2, an add 2 and the listener's 1.
    let list = fewest(&mut app, Request::ApiList(token), 2.0).await;
    let add = fewest(&mut app, Request::ApiAdd(token), 3.0).await;
    let counted = format!("transactions per API request: list {list}, add {add}");
    eprintln!("{counted}");
    assert!(list.round() <= 2.0, "{counted}");
    assert!(add.round() <= 3.0, "{counted}");
}
