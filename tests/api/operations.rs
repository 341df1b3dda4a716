//! Running it: a pool with more slow requests than connections, the drain before a stop,
//! `/metrics` on its own address, request ids. (The faults that need a real process or a
//! PostgreSQL of their own, kill -9 and database restarts, are in `tests/faults`.)

use std::time::Duration;

use reqwest::{header, StatusCode};

use crate::helpers::{new_client, TestApp};

/// Holds an ACCESS EXCLUSIVE lock on `tasks` until dropped: every statement that reads
/// tasks waits behind it, holding its pooled connection, as a slow query would.
async fn lock_tasks(app: &TestApp) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("lock table tasks in access exclusive mode")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

#[tokio::test]
async fn more_slow_requests_than_connections_wait_their_limit_get_503_and_the_server_recovers() {
    let app = TestApp::spawn_with(|name| match name {
        "DATABASE_MAX_CONNECTIONS" => Some("2".into()),
        "DATABASE_ACQUIRE_TIMEOUT_SECS" => Some("1".into()),
        "METRICS_ADDR" => Some("127.0.0.1:0".into()),
        _ => None,
    })
    .await;
    let timeouts = r#"db_unavailable_total{reason="pool_timeout"}"#;
    let timed_out_before = sample(&scrape(&app).await, timeouts).unwrap_or(0.0);
    app.signed_up_user().await;
    app.added_task(&[("title", "Still here")]).await;

    let lock = lock_tasks(&app).await;
    let requests: Vec<_> = (0..6)
        .map(|_| {
            let client = app.client.clone();
            let url = app.url("/api/list_tasks");
            tokio::spawn(async move {
                client
                    .get(url)
                    .header(header::ACCEPT, "application/json")
                    .send()
                    .await
                    .expect("every request is answered")
            })
        })
        .collect();
    // The requests past the pool's two connections give up after the acquire timeout; the
    // two holding connections wait for the lock. Wait until all but those two are answered.
    let mut answered = Vec::new();
    let mut waiting = requests;
    while answered.len() < 4 {
        let (done, still): (Vec<_>, Vec<_>) = waiting
            .into_iter()
            .partition(|request| request.is_finished());
        for request in done {
            answered.push(request.await.unwrap());
        }
        waiting = still;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for res in &answered {
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(res.headers().contains_key(header::RETRY_AFTER));
    }
    let body = answered.pop().unwrap().text().await.unwrap();
    assert!(
        body.contains("Unavailable"),
        "the clear 'try again' error: {body}"
    );
    assert!(
        !body.to_lowercase().contains("pool"),
        "nothing internal: {body}"
    );

    lock.commit().await.unwrap();
    for request in waiting {
        assert_eq!(request.await.unwrap().status(), StatusCode::OK);
    }
    // The load has passed: the server serves again, without a restart.
    let page = app.list_tasks("").await;
    assert_eq!(page.tasks.len(), 1);
    // And the metrics say why those four were turned away.
    let timed_out = sample(&scrape(&app).await, timeouts).expect("counted");
    assert!(
        timed_out >= timed_out_before + 4.0,
        "{timed_out_before} then {timed_out}"
    );
}

/// The text of `app`'s `/metrics` (started with `METRICS_ADDR`), a Prometheus exposition.
async fn scrape(app: &TestApp) -> String {
    let url = app
        .metrics_url
        .as_ref()
        .expect("METRICS_ADDR serves /metrics");
    let (client, _) = new_client();
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    res.text().await.unwrap()
}

#[tokio::test]
async fn a_stopping_instance_answers_health_503_while_it_drains_and_still_serves() {
    let mut app =
        TestApp::spawn_with(|name| (name == "SHUTDOWN_DRAIN_SECS").then(|| "2".into())).await;
    app.signed_up_user().await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);

    let server = app.begin_shutdown();
    let mut draining = false;
    for _ in 0..100 {
        let res = app.get("/healthz").await;
        if res.status() == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(res.text().await.unwrap(), "draining\n");
            draining = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(draining, "health turns 503 once the stop is asked for");
    // Requests the balancer still sends meanwhile are served as usual.
    let task = app.added_task(&[("title", "Sent while draining")]).await;
    assert_eq!(task.title, "Sent while draining");
    assert!(!server.is_finished(), "still serving during the drain");

    server.await.unwrap().expect("then it stops cleanly");
    assert!(app.client.get(app.url("/healthz")).send().await.is_err());
}

/// The value of the sample `name{labels}` in a Prometheus text exposition, if present.
fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .map(|value| value.trim().parse().expect("a number"))
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_on_their_own_address_only() {
    let app =
        TestApp::spawn_with(|name| (name == "METRICS_ADDR").then(|| "127.0.0.1:0".into())).await;
    let before = scrape(&app).await;

    let (_, password) = app.signed_up_user().await;
    app.added_task(&[("title", "Counted")]).await;
    let user = app.current_user().await.unwrap();
    let wrong = app.sign_in(&user.email, "not the password at all").await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    assert_ne!(password, "not the password at all");
    for made_up in ["/no/such/page/1", "/no/such/page/2"] {
        assert_eq!(app.get(made_up).await.status(), StatusCode::NOT_FOUND);
    }

    let after = scrape(&app).await;
    let grew = |key: &str, by: f64| {
        let was = sample(&before, key).unwrap_or(0.0);
        let is = sample(&after, key).unwrap_or_else(|| panic!("{key} in\n{after}"));
        assert!(is >= was + by, "{key}: {was} then {is}");
    };
    grew(
        r#"http_requests_total{method="POST",route="/api/add_task",status="200"}"#,
        1.0,
    );
    grew(
        r#"http_requests_total{method="POST",route="/api/sign_in",status="422"}"#,
        1.0,
    );
    // Made-up paths share one label: an attacker cannot grow the set of series.
    grew(
        r#"http_requests_total{method="GET",route="unmatched",status="404"}"#,
        2.0,
    );
    assert!(!after.contains("/no/such/page"), "{after}");
    grew(r#"sign_in_failures_total{reason="password"}"#, 1.0);
    grew(
        r#"http_request_duration_seconds_count{method="POST",route="/api/add_task"}"#,
        1.0,
    );
    assert!(after.contains(
        r#"http_request_duration_seconds_bucket{method="POST",route="/api/add_task",le="0.1"}"#
    ));
    for gauge in [
        "db_pool_max_connections",
        r#"db_pool_connections{state="idle"}"#,
        r#"db_pool_connections{state="in_use"}"#,
        "live_streams_open",
        "password_checks_in_progress",
        "http_requests_in_flight",
    ] {
        assert!(sample(&after, gauge).is_some(), "{gauge} in\n{after}");
    }
    assert_eq!(sample(&after, "db_pool_max_connections"), Some(5.0));

    // The Grafana dashboard in deploy/ reads only metrics the app exports (the event counters
    // appear once their event has happened, so they are checked by name).
    let dashboard: serde_json::Value =
        serde_json::from_str(include_str!("../../deploy/grafana-dashboard.json")).unwrap();
    let events = [
        tasklist::monitoring::DB_UNAVAILABLE,
        tasklist::monitoring::PASSWORD_REFUSED,
        tasklist::monitoring::REQUEST_TIMEOUTS,
    ];
    let mut read = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for (i, _) in expr.match_indices('{') {
                let start = expr[..i]
                    .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map_or(0, |j| j + 1);
                let name = &expr[start..i];
                let base = name.strip_suffix("_bucket").unwrap_or(name);
                assert!(
                    after.contains(base) || events.contains(&base),
                    "the dashboard reads {name}, which the app does not export"
                );
                read += 1;
            }
        }
    }
    assert!(read >= 9, "the dashboard's queries were read ({read})");

    // The public address has no metrics.
    let public = app.get("/metrics").await;
    assert_eq!(public.status(), StatusCode::NOT_FOUND);
    assert!(!public.text().await.unwrap().contains("http_requests_total"));
}

#[tokio::test]
async fn without_a_metrics_address_there_is_no_metrics_endpoint() {
    let app = TestApp::spawn().await;
    assert!(app.metrics_url.is_none());
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_a_well_formed_one_from_the_balancer_is_kept() {
    let app = TestApp::spawn().await;
    let id_of = |res: &reqwest::Response| {
        res.headers()
            .get("x-request-id")
            .expect("x-request-id")
            .to_str()
            .unwrap()
            .to_owned()
    };
    let first = id_of(&app.get("/").await);
    let second = id_of(&app.get("/no/such/page").await);
    assert_ne!(first, second);
    assert!(uuid::Uuid::parse_str(&first).is_ok(), "{first}");

    let sent = |value: &str| {
        app.client
            .get(app.url("/healthz"))
            .header("x-request-id", value)
            .send()
    };
    let kept = sent("lb-7f3a9c.42").await.unwrap();
    assert_eq!(id_of(&kept), "lb-7f3a9c.42");
    // Anything else is replaced by an id of our own: nothing odd or long goes into the logs.
    // Two ids at once are one too many: replaced as well.
    let twice = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "first")
        .header("x-request-id", "second")
        .send()
        .await
        .unwrap();
    assert!(uuid::Uuid::parse_str(&id_of(&twice)).is_ok());
    for odd in ["has space", "quote\"", &"x".repeat(200)] {
        let res = sent(odd).await.unwrap();
        let id = id_of(&res);
        assert_ne!(id, odd);
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    }
}

#[tokio::test]
async fn an_older_binary_starts_on_a_database_that_a_newer_one_has_migrated() {
    let mut app = TestApp::spawn().await;
    app.signed_up_user().await;
    // What a newer release's start leaves behind: a migration this binary does not know.
    sqlx::query(
        "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
         values (99991231000000, 'from a newer release', true, '\\x00', 0)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    // A rolling deploy restarts (or starts) an instance of the older binary meanwhile.
    app.restart().await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    app.added_task(&[("title", "Written by the older binary")])
        .await;
}

#[tokio::test]
async fn migrations_run_through_the_direct_url_when_one_is_set() {
    use tasklist::{config::DatabaseUrl, startup::Application};
    let app = TestApp::spawn().await;
    // DATABASE_URL works (it is the test's); a direct URL that goes nowhere fails the start,
    // so the migrations went to it and not to DATABASE_URL.
    let mut config = app.config.clone();
    config.database_direct_url = Some(DatabaseUrl::new(
        "postgres://nobody@127.0.0.1:1/nowhere?connect_timeout=2",
    ));
    let err = Application::build(config)
        .await
        .err()
        .expect("start refused");
    assert!(
        err.to_string().contains("could not reach the database"),
        "{err}"
    );

    let mut config = app.config.clone();
    config.database_direct_url = Some(config.database_url.clone());
    let second = Application::build(config).await.expect("starts");
    drop(second);
}
