//! Faults, survived: the server killed with SIGKILL under write load, PostgreSQL restarted
//! (fast and immediate) under load, SIGTERM during load, and a backup restored. Each test
//! runs the real binary against a PostgreSQL cluster of its own (`support::Pg`), so it can
//! break things without disturbing the other tests. Nothing here is timed: each test counts
//! what was acknowledged and what the database holds.

mod memory;
mod support;

use std::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::Value;
use support::{
    assert_nothing_lost_or_half_written, free_port, person_with_token, plain_client, send,
    until_acked, write_until, Balancer, Bouncer, Outcome, Person, Pg, Record, Server,
};

const WRITERS: usize = 4;

/// Starts `WRITERS` writers against `base`, each a person of its own.
async fn start_writers(
    base: &str,
) -> (
    Arc<AtomicUsize>,
    Arc<AtomicBool>,
    Vec<tokio::task::JoinHandle<Record>>,
) {
    let acked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let token = person_with_token(base).await;
        writers.push(tokio::spawn(write_until(
            base.to_owned(),
            token,
            w,
            acked.clone(),
            stop.clone(),
        )));
    }
    (acked, stop, writers)
}

async fn stop_writers(
    stop: Arc<AtomicBool>,
    writers: Vec<tokio::task::JoinHandle<Record>>,
) -> Vec<Record> {
    stop.store(true, Ordering::Relaxed);
    let mut records = Vec::new();
    for w in writers {
        records.push(w.await.unwrap());
    }
    records
}

#[tokio::test]
async fn kill_9_under_write_load_loses_no_acknowledged_write_and_half_writes_nothing() {
    let pg = Pg::start("kill9");
    let port = free_port();
    let server = Server::start(&pg.url(), port, &[]).await;
    let (acked, stop, writers) = start_writers(&server.base()).await;

    until_acked(&acked, 150).await;
    server.kill_9().await;
    let killed_at = acked.load(Ordering::Relaxed);
    let server = Server::start(&pg.url(), port, &[]).await;
    until_acked(&acked, killed_at + 150).await;
    let records = stop_writers(stop, writers).await;

    // The kill cut requests off: they were not acknowledged, and that is all that happened
    // to them (no hang, no error answer).
    let cut: usize = records.iter().map(|r| r.other.len()).sum();
    for outcome in records.iter().flat_map(|r| &r.other) {
        assert!(
            matches!(outcome, Outcome::NoAnswer),
            "only unanswered requests while it was down: {outcome:?}"
        );
    }
    eprintln!(
        "kill -9: {} writes acknowledged, {cut} requests unanswered while it was down",
        acked.load(Ordering::Relaxed)
    );
    assert_nothing_lost_or_half_written(&pg.connect().await, &records).await;
    drop(server);
}

/// PostgreSQL restarted under a load of adds and list reads: the requests in the gap are
/// answered 503 with `Retry-After`, never a 500 or a hang; the server serves again by
/// itself; no acknowledged write is lost.
async fn database_restart_under_load(mode: &str) {
    let pg = Pg::start(&format!("pg-{mode}"));
    let server = Server::start(
        &pg.url(),
        free_port(),
        // The default wait for a connection: a request in the gap waits it out and is then
        // answered 503, or gets its connection as the database is back.
        &[("DATABASE_ACQUIRE_TIMEOUT_SECS", "5")],
    )
    .await;
    let base = server.base();
    let (acked, stop, writers) = start_writers(&base).await;
    // Readers beside the writers: the list of one of them, again and again.
    let reader_token = person_with_token(&base).await;
    let reads = {
        let (base, stop) = (base.clone(), stop.clone());
        tokio::spawn(async move {
            let client = plain_client();
            let mut outcomes = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let list = client
                    .get(format!("{base}/api/v1/tasks"))
                    .bearer_auth(&reader_token);
                outcomes.push(send(list).await);
            }
            outcomes
        })
    };

    until_acked(&acked, 100).await;
    let restart = tokio::task::spawn_blocking({
        let mode = mode.to_owned();
        move || {
            pg.sh(&["restart", &mode]).expect("pg_ctl restart");
            pg
        }
    });
    let pg = restart.await.unwrap();
    let restarted_at = acked.load(Ordering::Relaxed);
    // Recovered without a restart of the app: writes are acknowledged again.
    until_acked(&acked, restarted_at + 100).await;
    let records = stop_writers(stop, writers).await;
    let reads = reads.await.unwrap();

    let mut refused = 0;
    for outcome in records.iter().flat_map(|r| &r.other).chain(&reads) {
        match outcome {
            Outcome::Done(_) => {}
            Outcome::Status(StatusCode::SERVICE_UNAVAILABLE, true) => refused += 1,
            other => panic!("only 503 with Retry-After in the gap, got {other:?}"),
        }
    }
    let served_reads = reads
        .iter()
        .filter(|o| matches!(o, Outcome::Done(_)))
        .count();
    eprintln!(
        "restart -m {mode}: {} writes acknowledged, {served_reads} lists served, {refused} \
         requests answered 503 with Retry-After",
        acked.load(Ordering::Relaxed)
    );
    assert_nothing_lost_or_half_written(&pg.connect().await, &records).await;
    // And the app did not restart: it is the same process, still healthy.
    let health = plain_client()
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    drop(server);
}

#[tokio::test]
async fn a_fast_database_restart_under_load_is_503s_then_service_and_nothing_lost() {
    database_restart_under_load("fast").await;
}

#[tokio::test]
async fn an_immediate_database_restart_under_load_is_503s_then_service_and_nothing_lost() {
    database_restart_under_load("immediate").await;
}

/// Holds an ACCESS EXCLUSIVE lock on `tasks` until the transaction ends: a request reading
/// tasks waits behind it, a slow request made to order.
async fn lock_tasks(pool: &sqlx::PgPool) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("lock table tasks in access exclusive mode")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

/// Waits until some statement waits for a lock (the request held up by `lock_tasks`).
async fn until_a_request_waits_for_the_lock(pool: &sqlx::PgPool) {
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "select count(*) from pg_stat_activity where wait_event_type = 'Lock'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn sigterm_drains_finishes_requests_in_flight_and_exits_and_logs_carry_request_ids() {
    let pg = Pg::start("term");
    let mut server = Server::start(
        &pg.url(),
        free_port(),
        &[
            ("SHUTDOWN_DRAIN_SECS", "1"),
            ("SHUTDOWN_TIMEOUT_SECS", "30"),
        ],
    )
    .await;
    let base = server.base();
    let token = person_with_token(&base).await;
    let client = plain_client();
    let pool = pg.connect().await;

    let lock = lock_tasks(&pool).await;
    let in_flight = tokio::spawn(send(
        client
            .get(format!("{base}/api/v1/tasks"))
            .bearer_auth(&token)
            .header("x-request-id", "faults-in-flight-1"),
    ));
    until_a_request_waits_for_the_lock(&pool).await;
    server.terminate();

    // Draining: health says 503 to the balancer, and what still comes is served.
    let mut draining = false;
    while !draining {
        let res = client.get(format!("{base}/healthz")).send().await.unwrap();
        draining = res.status() == StatusCode::SERVICE_UNAVAILABLE;
    }
    let me = send(client.get(format!("{base}/api/v1/me")).bearer_auth(&token)).await;
    assert!(
        matches!(me, Outcome::Done(_)),
        "served while draining: {me:?}"
    );

    lock.commit().await.unwrap();
    match in_flight.await.unwrap() {
        Outcome::Done(page) => assert!(page["results"].is_array(), "{page}"),
        other => panic!("the request in flight finishes: {other:?}"),
    }
    assert!(server.exited().await, "exits cleanly");
    // After the drain it no longer accepts: new requests go elsewhere.
    assert!(matches!(
        send(client.get(format!("{base}/healthz"))).await,
        Outcome::NoAnswer
    ));

    // Every log line of that request carries its id.
    let logs = server.logs();
    let lines: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("/api/v1/tasks") && l.contains("\"method\":\"GET\""))
        .collect();
    assert!(!lines.is_empty(), "the request is logged:\n{logs}");
    for line in lines {
        assert!(line.contains("faults-in-flight-1"), "{line}");
    }
    assert!(logs.contains("draining"), "{logs}");
}

#[tokio::test]
async fn a_request_still_running_at_the_shutdown_timeout_does_not_hold_the_exit() {
    let pg = Pg::start("timeout");
    let mut server = Server::start(&pg.url(), free_port(), &[("SHUTDOWN_TIMEOUT_SECS", "1")]).await;
    let base = server.base();
    let token = person_with_token(&base).await;
    let pool = pg.connect().await;

    let lock = lock_tasks(&pool).await;
    let stuck = tokio::spawn(send(
        plain_client()
            .get(format!("{base}/api/v1/tasks"))
            .bearer_auth(&token),
    ));
    until_a_request_waits_for_the_lock(&pool).await;
    server.terminate();
    // It exits while the request is still held up by the lock.
    assert!(server.exited().await);
    assert!(matches!(stuck.await.unwrap(), Outcome::NoAnswer));
    assert!(
        server.logs().contains("dropped"),
        "says what it dropped:\n{}",
        server.logs()
    );
    lock.rollback().await.unwrap();
}

#[tokio::test]
async fn a_dump_restores_into_a_fresh_database_that_the_app_then_serves() {
    let pg = Pg::start("backup");
    let server = Server::start(&pg.url(), free_port(), &[]).await;
    let token = person_with_token(&server.base()).await;
    let client = plain_client();
    for (title, tags) in [
        ("Pay rent", vec!["home"]),
        ("Call Ada", vec!["work", "phone"]),
    ] {
        let added = send(
            client
                .post(format!("{}/api/v1/tasks", server.base()))
                .bearer_auth(&token)
                .json(&serde_json::json!({"title": title, "tags": tags})),
        )
        .await;
        assert!(matches!(added, Outcome::Done(_)), "{added:?}");
    }
    let list = |base: String| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            match send(
                client
                    .get(format!("{base}/api/v1/tasks"))
                    .bearer_auth(&token),
            )
            .await
            {
                Outcome::Done(page) => page["results"].clone(),
                other => panic!("the list: {other:?}"),
            }
        }
    };
    let before: Value = list(server.base()).await;

    let file = std::env::temp_dir().join(format!("tlf-backup-{}.dump", std::process::id()));
    let file_arg = file.to_str().unwrap();
    pg.sh(&["dump", file_arg]).expect("db.sh dump");
    // Into the database it came from: refused, nothing touched.
    let refused = pg.sh(&["restore", file_arg]).unwrap_err();
    assert!(refused.contains("already has tables"), "{refused}");

    pg.sh_on("restored", &["restore", file_arg])
        .expect("db.sh restore into a new database");
    std::fs::remove_file(&file).ok();
    let restored = Server::start(&pg.url_of("restored"), free_port(), &[]).await;
    // The same person, with the same token, sees the same tasks, tags and all.
    let after: Value = list(restored.base()).await;
    assert_eq!(after, before);
    assert_eq!(after.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_rolling_restart_behind_the_balancer_fails_no_request() {
    let pg = Pg::start("rolling");
    // What scripts/cluster.sh sets: a drain longer than the balancer's two 1 s checks.
    let settings = [
        ("SHUTDOWN_DRAIN_SECS", "3"),
        ("TRUSTED_PROXIES", "127.0.0.1/32"),
    ];
    let ports = [free_port(), free_port()];
    let mut instances = Vec::new();
    for port in ports {
        instances.push(Server::start(&pg.url(), port, &settings).await);
    }
    let balancer = Balancer::start(&ports).await;
    let base = balancer.base();
    let (acked, stop, writers) = start_writers(&base).await;

    // Restart each instance in turn, as a deployment does: SIGTERM, wait for the exit, start
    // the new one on the same port, wait until the balancer sends it requests again.
    for (i, port) in ports.iter().enumerate() {
        let before = acked.load(Ordering::Relaxed);
        until_acked(&acked, before + 50).await;
        let mut old = instances.remove(0);
        old.terminate();
        assert!(old.exited().await);
        drop(old);
        instances.push(Server::start(&pg.url(), *port, &settings).await);
        balancer.until_served_by(&format!("app{}", i + 1)).await;
    }
    let after = acked.load(Ordering::Relaxed);
    until_acked(&acked, after + 50).await;
    let records = stop_writers(stop, writers).await;

    let failed: Vec<_> = records.iter().flat_map(|r| &r.other).collect();
    eprintln!(
        "rolling restart of 2 instances: {} writes acknowledged, {} failed",
        acked.load(Ordering::Relaxed),
        failed.len()
    );
    assert!(failed.is_empty(), "no request failed: {failed:?}");
    assert_nothing_lost_or_half_written(&pg.connect().await, &records).await;
}

#[tokio::test]
async fn over_tls_the_app_connects_migrates_and_serves_and_verifies_the_certificate() {
    let pg = Pg::start("tls");
    let tls = pg.enable_tls();
    let url = |mode: &str, ca: &std::path::Path| {
        format!(
            "postgres://tasklist@localhost:{}/tasklist?sslmode={mode}&sslrootcert={}",
            tls.port,
            ca.display()
        )
    };

    // verify-full: the certificate is signed by the CA and names the host. The app migrates
    // the empty database and serves.
    let server = Server::start(&url("verify-full", &tls.ca), free_port(), &[]).await;
    let token = person_with_token(&server.base()).await;
    let added = send(
        plain_client()
            .post(format!("{}/api/v1/tasks", server.base()))
            .bearer_auth(&token)
            .json(&serde_json::json!({"title": "Over TLS"})),
    )
    .await;
    assert!(matches!(added, Outcome::Done(_)), "{added:?}");
    drop(server);
    // require: encrypted, certificate not checked (Neon's default connection string).
    let server = Server::start(&url("require", &tls.ca), free_port(), &[]).await;
    drop(server);

    // The database takes no plain connection, and the app refuses a certificate that its CA
    // did not sign: both are refused at start-up with a clear message.
    let plain = Server::try_start(&url("disable", &tls.ca), free_port(), &[])
        .await
        .err()
        .expect("no plain connection");
    assert!(plain.contains("could not reach the database"), "{plain}");
    let unverified = Server::try_start(&url("verify-full", &tls.other_ca), free_port(), &[])
        .await
        .err()
        .expect("a certificate from another CA is refused");
    assert!(
        unverified.contains("could not reach the database"),
        "{unverified}"
    );
    assert!(
        unverified.to_lowercase().contains("certificate"),
        "says why: {unverified}"
    );
}

#[tokio::test]
async fn behind_pgbouncer_in_session_mode_the_app_serves_with_migrations_and_listen_direct() {
    let pg = Pg::start("bouncer");
    let bouncer = Bouncer::start(&pg, "session").await;
    let server = Server::start(
        &bouncer.url(&pg.db),
        free_port(),
        // The pooler for requests; a direct connection for the migrations' advisory lock and
        // the live updates' LISTEN.
        &[("DATABASE_DIRECT_URL", &pg.url())],
    )
    .await;
    let base = server.base();
    let (acked, stop, writers) = start_writers(&base).await;
    until_acked(&acked, 100).await;
    let records = stop_writers(stop, writers).await;
    assert!(
        records.iter().all(|r| r.other.is_empty()),
        "every request served through the pooler"
    );
    assert_nothing_lost_or_half_written(&pg.connect().await, &records).await;

    // The requests really go through the pooler: without it the app answers 503 (its
    // health too), and serves again once it is back, without a restart.
    let token = person_with_token(&base).await;
    let list = || {
        send(
            plain_client()
                .get(format!("{base}/api/v1/tasks"))
                .bearer_auth(&token),
        )
    };
    let port = bouncer.port;
    bouncer.stop().await;
    assert!(matches!(
        list().await,
        Outcome::Status(StatusCode::SERVICE_UNAVAILABLE, true)
    ));
    let _bouncer = Bouncer::start_on(&pg, "session", port).await;
    assert!(matches!(list().await, Outcome::Done(_)));
}

#[tokio::test]
async fn a_token_never_appears_in_the_logs() {
    // SECURITY.md K1: the real binary, logging everything it can (`RUST_LOG=trace`, JSON).
    let pg = Pg::start("logs");
    let mut server = Server::start(&pg.url(), free_port(), &[("RUST_LOG", "trace")]).await;
    let person = Person::sign_up(&server.base()).await;
    let api = |method: reqwest::Method, path: &str| {
        plain_client()
            .request(method, format!("{}{path}", server.base()))
            .bearer_auth(&person.token)
    };
    for path in ["/api/v1/me", "/api/v1/tasks", "/api/v1/nowhere"] {
        api(reqwest::Method::GET, path).send().await.unwrap();
    }
    api(reqwest::Method::POST, "/api/v1/tasks")
        .json(&serde_json::json!({"title": "logged?"}))
        .send()
        .await
        .unwrap();
    let revoked = person
        .post("revoke_token", &[("id", &person.token_id.to_string())])
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let refused = api(reqwest::Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    server.terminate();
    assert!(server.exited().await);

    let logs = server.logs();
    assert!(logs.contains("API token created"), "the logs were written");
    assert!(
        logs.contains(&format!("\"token_id\":{}", person.token_id)),
        "requests name the token by its id"
    );
    assert!(
        !logs.contains(&person.token[6..]),
        "the token is never logged"
    );
}
