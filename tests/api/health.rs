use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_is_ok_when_the_database_answers() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "ok\n");
}

#[tokio::test]
async fn healthz_follows_the_database_down_and_up_again_without_a_restart() {
    let app = TestApp::spawn_for_an_outage().await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);

    app.db.stop_database();
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = res.text().await.unwrap();
    assert_eq!(body, "database unavailable\n", "no driver detail leaks out");

    app.db.start_database();
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish() {
    let mut app = TestApp::spawn().await;
    // Warm a pooled connection, then make the database slow so /healthz takes a while.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    app.db.set_delay(Duration::from_millis(100));

    let in_flight = tokio::spawn(app.client.get(app.url("/healthz")).send());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let server = app.begin_shutdown();

    let res = in_flight
        .await
        .unwrap()
        .expect("the in-flight request gets its answer");
    assert_eq!(res.status(), StatusCode::OK);
    server.await.unwrap().expect("the server stops cleanly");

    // New requests are no longer served.
    assert!(app.client.get(app.url("/healthz")).send().await.is_err());
}
