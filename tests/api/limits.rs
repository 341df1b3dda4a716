//! What one client may hold of an instance (SECURITY.md R4, issue 22): a connection only as
//! long as it sends its request head in time, a place to read a body (every route that reads
//! one takes it first), a place to import, a bounded number of connections. Counted in bytes
//! sent and answers got; waits are hang guards, never the measure.

use std::time::Duration;

use reqwest::{header, Method, StatusCode};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::{api_client, new_client, strong_password, unique_email, TestApp};

/// Far above what anything here takes: past it a test calls the server stuck.
const HANG: Duration = Duration::from_secs(30);

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .expect("the app accepts connections")
}

/// Whether the server has closed `stream` (a read sees the end, or the connection reset).
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(HANG, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue, // an answer (a 408, or the answer to a whole request)
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn a_client_sending_its_request_head_byte_by_byte_is_cut_off() {
    let app =
        TestApp::spawn_with(|name| (name == "HTTP_HEADER_TIMEOUT_SECS").then(|| "1".into())).await;
    let stream = connect(&app).await;
    let (mut reader, mut writer) = stream.into_split();
    let closed = tokio::spawn(async move {
        let mut buf = [0u8; 1024];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    });
    // One byte every 50 ms: the whole head would take 30 s; the server's limit is 1 s.
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: {}\r\n\r\n",
        "a".repeat(560)
    );
    let mut sent = 0;
    for byte in head.bytes() {
        if closed.is_finished() || writer.write_all(&[byte]).await.is_err() {
            break;
        }
        sent += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        sent < head.len(),
        "the whole head ({sent} bytes) was taken at a byte every 50 ms"
    );
    println!("cut off after {sent} of {} bytes", head.len());
    // The server itself goes on serving.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_kept_alive_connection_that_sends_nothing_more_is_closed() {
    let app =
        TestApp::spawn_with(|name| (name == "HTTP_HEADER_TIMEOUT_SECS").then(|| "1".into())).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "answered first");
    assert!(
        closed_by_server(&mut stream).await,
        "an idle kept-alive connection stays open"
    );
}

#[tokio::test]
async fn a_live_stream_outlives_the_head_timeout() {
    let app =
        TestApp::spawn_with(|name| (name == "HTTP_HEADER_TIMEOUT_SECS").then(|| "1".into())).await;
    app.signed_up_user().await;
    let mut events = crate::live::Events::open(&app, &app.client).await;
    assert_eq!(events.next().await, Some(tasklist::live::Change::Resync));
    assert!(
        events.stays_quiet(Duration::from_secs(3)).await,
        "the stream is still open three head timeouts later"
    );
    let task = app.added_task(&[("title", "still live")]).await;
    assert_eq!(
        events.next().await,
        Some(tasklist::live::Change::Task {
            id: task.id,
            v: task.version
        })
    );
}

#[tokio::test]
async fn past_the_connection_limit_a_new_connection_waits_for_a_free_one() {
    let app = TestApp::spawn_with(|name| match name {
        "HTTP_MAX_CONNECTIONS" => Some("2".into()),
        _ => None,
    })
    .await;
    let held = [connect(&app).await, connect(&app).await];
    let mut third = connect(&app).await;
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 4096];
    let early = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf)).await;
    assert!(
        early.is_err(),
        "a third connection was served beside two held ones"
    );
    drop(held);
    let n = tokio::time::timeout(HANG, third.read(&mut buf))
        .await
        .expect("served once a connection closed")
        .unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
}

/// Sends the head of a request with a body of `length` bytes and `part` of it, and keeps
/// the connection: the server's handler is left waiting for the rest.
async fn slow_body(app: &TestApp, head: &str, length: usize, part: &[u8]) -> TcpStream {
    let mut stream = connect(app).await;
    let head =
        format!("{head}Host: x\r\nContent-Length: {length}\r\nSec-Fetch-Site: same-origin\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(part).await.unwrap();
    stream
}

/// Holds a place with the slow request `open` makes, and returns its connection once
/// `probe` answers 503 (the place is taken). When the probe came first (and so the slow
/// request was the one refused), it tries again; at most a hundred times.
async fn hold<O, OFut, P, PFut>(open: O, probe: P) -> TcpStream
where
    O: Fn() -> OFut,
    OFut: std::future::Future<Output = TcpStream>,
    P: Fn() -> PFut,
    PFut: std::future::Future<Output = StatusCode>,
{
    let mut slow = open().await;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if probe().await == StatusCode::SERVICE_UNAVAILABLE {
            return slow;
        }
        let mut buf = [0u8; 1024];
        if let Ok(Ok(_)) =
            tokio::time::timeout(Duration::from_millis(10), slow.read(&mut buf)).await
        {
            // The slow request was answered (refused): the probe had the place.
            slow = open().await;
        }
    }
    panic!("the slow request never took its place");
}

/// The error a plain form's answer keeps for its page (the flash cookie: base64url JSON).
fn flash_error(res: &reqwest::Response) -> Option<tasklist::error::AppError> {
    use base64::Engine as _;
    let value = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find_map(|c| c.strip_prefix("flash="))?
        .split(';')
        .next()?
        .to_owned();
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .ok()?;
    let flash: serde_json::Value = serde_json::from_slice(&json).ok()?;
    serde_json::from_value(flash["error"].clone()).ok()
}

/// Every route of the app that takes a body, with a method: the server functions that
/// post, the JSON API's writes (from its OpenAPI document, which `api_v1.rs` holds to the
/// routes), and the plain routes.
async fn body_routes(app: &TestApp) -> Vec<(Method, String)> {
    let mut routes: Vec<(Method, String)> = leptos::server_fn::axum::server_fn_paths()
        .filter(|(_, method)| method.as_str() != "GET")
        .map(|(path, _)| (Method::POST, path.to_owned()))
        .collect();
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch", "delete"] {
            if ops.get(method).is_some() {
                routes.push((
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    path.replace("{id}", "1").replace("{name}", "x"),
                ));
            }
        }
    }
    routes.push((Method::POST, "/account/import".into()));
    routes.sort_by(|a, b| a.1.cmp(&b.1));
    routes
}

#[tokio::test]
async fn with_no_place_free_every_route_that_reads_a_body_answers_busy_before_reading_it() {
    let app = TestApp::spawn_with(|name| match name {
        "BODY_READS_MAX" => Some("1".into()),
        "IMPORTS_MAX" => Some("1".into()),
        _ => None,
    })
    .await;
    app.signed_up_user().await;
    let token = app.token("write").await;
    let probe_add = || async { app.call("add_task", &[("title", "probe")]).await.status };
    let probe_import = || async {
        app.api(Method::POST, "/api/v1/import", &token)
            .header(header::CONTENT_TYPE, "text/csv")
            .body("title\nprobe\n")
            .send()
            .await
            .unwrap()
            .status()
    };
    // One body being read, slowly, takes the one place; one import, the one import place.
    let import_head = format!(
        "POST /api/v1/import HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: text/csv\r\n"
    );
    let held_body = hold(
        || slow_body(&app, "POST /api/add_task HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n", 1000, b"title=slow"),
        probe_add,
    )
    .await;
    let held_import = hold(
        || slow_body(&app, &import_head, 100_000, b"title\nslow\n"),
        probe_import,
    )
    .await;

    // A sign-up reads a body too.
    let (other, _) = new_client();
    let password = strong_password();
    assert_eq!(
        app.sign_up_as(&other, &unique_email(), &password)
            .await
            .status,
        StatusCode::SERVICE_UNAVAILABLE,
        "a sign-up reads a body"
    );

    let routes = body_routes(&app).await;
    assert!(routes.len() > 20, "{routes:?}");
    let mut answers = Vec::new();
    for (method, path) in &routes {
        // Each as its route takes it: the imports a file of the type they read (a wrong
        // type is refused from the header alone), the page's upload with the session.
        let req = match path.as_str() {
            "/account/import" => {
                app.client
                    .post(app.url(path))
                    .multipart(reqwest::multipart::Form::new().part(
                        "file",
                        reqwest::multipart::Part::bytes(b"title\nx\n".to_vec()).file_name("x.csv"),
                    ))
            }
            "/api/v1/import" => api_client()
                .post(app.url(path))
                .header(header::CONTENT_TYPE, "text/csv")
                .body("title\nx\n"),
            _ => api_client()
                .request(method.clone(), app.url(path))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body("x=1"),
        };
        let res = req
            .header("sec-fetch-site", "same-origin")
            .header(header::ORIGIN, &app.address)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        let busy = match (res.status(), path.as_str()) {
            (StatusCode::SERVICE_UNAVAILABLE, _) => res.headers().contains_key(header::RETRY_AFTER),
            // The page's upload says so on the page it goes back to.
            (StatusCode::SEE_OTHER, "/account/import") => {
                flash_error(&res) == Some(tasklist::error::AppError::Unavailable)
            }
            _ => false,
        };
        answers.push((path.clone(), res.status(), busy));
    }
    let not_busy: Vec<_> = answers.iter().filter(|(_, _, busy)| !busy).collect();
    assert!(
        not_busy.is_empty(),
        "read a body with no place free: {not_busy:?}"
    );

    // The places come back when the slow requests go.
    drop((held_body, held_import));
    let mut served = false;
    for _ in 0..100 {
        if probe_add().await == StatusCode::OK && probe_import().await == StatusCode::CREATED {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served, "the places were never given back");
}

#[tokio::test]
async fn one_person_imports_one_file_at_a_time() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let token = app.token("write").await;
    let import_head = format!(
        "POST /api/v1/import HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: text/csv\r\n"
    );
    let second = || async {
        app.api(Method::POST, "/api/v1/import", &token)
            .header(header::CONTENT_TYPE, "text/csv")
            .body("title\nsecond\n")
            .send()
            .await
            .unwrap()
            .status()
    };
    let _held = hold(
        || slow_body(&app, &import_head, 100_000, b"title\nslow\n"),
        second,
    )
    .await;
    // Someone else is not held up by it (the instance takes two at once).
    let theirs = app.another_persons_token("write").await;
    let res = app
        .api(Method::POST, "/api/v1/import", &theirs)
        .header(header::CONTENT_TYPE, "text/csv")
        .body("title\ntheirs\n")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let titles: Vec<String> = sqlx::query_scalar("select title from tasks order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        titles,
        ["theirs"],
        "nothing of the refused one was read or stored"
    );
}

#[tokio::test]
async fn one_client_address_holds_only_its_share_of_the_live_streams() {
    // Issue 22 (9): about 500 free accounts could fill an instance's 10,000 places.
    let app = TestApp::spawn_with(|name| match name {
        "LIVE_MAX_STREAMS_PER_ADDRESS" => Some("2".into()),
        "TRUSTED_PROXIES" => Some("127.0.0.1/32".into()),
        _ => None,
    })
    .await;
    let mut people = Vec::new();
    for _ in 0..4 {
        let (client, _) = new_client();
        crate::helpers::assert_ok(
            &app.sign_up_as(&client, &unique_email(), &strong_password())
                .await,
        );
        people.push(client);
    }
    let open = |client: &reqwest::Client, from: &str| {
        client
            .get(app.url("/api/events"))
            .header(header::ACCEPT, "text/event-stream")
            .header("x-forwarded-for", from)
            .send()
    };
    let first = open(&people[0], "203.0.113.5").await.unwrap();
    let second = open(&people[1], "203.0.113.5").await.unwrap();
    assert_eq!(
        (first.status(), second.status()),
        (StatusCode::OK, StatusCode::OK)
    );
    let third = open(&people[2], "203.0.113.5").await.unwrap();
    assert_eq!(
        third.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a third account from the same address"
    );
    let elsewhere = open(&people[3], "198.51.100.9").await.unwrap();
    assert_eq!(
        elsewhere.status(),
        StatusCode::OK,
        "another address is counted apart"
    );
    drop(first);
    let mut again = StatusCode::TOO_MANY_REQUESTS;
    for _ in 0..100 {
        again = open(&people[2], "203.0.113.5").await.unwrap().status();
        if again == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        again,
        StatusCode::OK,
        "the place comes back when a stream closes"
    );
}

#[tokio::test]
async fn a_person_streams_one_export_at_a_time_and_a_revoked_token_cuts_it_short() {
    let app = TestApp::spawn().await;
    let (user, _) = app.signed_up_user().await;
    let token = app.token("read").await;
    // Enough tasks that the export is still streaming when the token is revoked: 40 pages,
    // more than the socket's buffers hold.
    sqlx::query(
        "insert into tasks (user_id, title, description) \
         select $1, 'task ' || n, repeat('a long description ', 40) from generate_series(1, 40000) n",
    )
    .bind(user.id)
    .execute(&app.pool)
    .await
    .unwrap();
    let export = || {
        app.api(Method::GET, "/api/v1/export?format=json", &token)
            .send()
    };
    let mut first = export().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let first_chunk = first.chunk().await.unwrap().expect("the export starts");
    // A second export of the same person's, meanwhile: refused, at once.
    let second = export().await.unwrap();
    assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(second.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(
        second.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    // The token revoked while it streams: the rest of the export does not come.
    let id: i64 = sqlx::query_scalar("select id from api_tokens")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let revoked = app.call("revoke_token", &[("id", &id.to_string())]).await;
    assert_eq!(revoked.status, StatusCode::OK);
    let mut read = first_chunk.len();
    let ended = loop {
        match tokio::time::timeout(HANG, first.chunk())
            .await
            .expect("the export moves")
        {
            Ok(Some(chunk)) => read += chunk.len(),
            Ok(None) => break "whole",
            Err(_) => break "cut short",
        }
    };
    assert_eq!(ended, "cut short", "after {read} bytes");
    // Its place is given back: a new token's export runs (to its end).
    let token = app.token("read").await;
    let res = app
        .api(Method::GET, "/api/v1/export?format=csv", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let whole = res.text().await.unwrap();
    assert_eq!(whole.lines().count(), 40_001);
}

#[tokio::test]
async fn unknown_tokens_from_one_address_are_refused_before_the_database_past_the_limit() {
    let app = TestApp::spawn_with(|name| (name == "API_BAD_TOKEN_LIMIT").then(|| "5".into())).await;
    let unknown = |i: usize| format!("tlpat_{:0>43}", i);
    for i in 0..5 {
        let res = app
            .api(Method::GET, "/api/v1/me", &unknown(i))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{i}");
    }
    // The database taken away: the next one is still answered at once, by the limit.
    app.db.stop_database();
    let res = app
        .api(Method::GET, "/api/v1/me", &unknown(9))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
}

/// A person with 40,000 tasks (about 36 MB of JSON: far more than a socket's buffers).
async fn many_tasks(app: &TestApp, user: uuid::Uuid) {
    sqlx::query(
        "insert into tasks (user_id, title, description) \
         select $1, 'task ' || n, repeat('a long description ', 40) from generate_series(1, 40000) n",
    )
    .bind(user)
    .execute(&app.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_signed_out_session_cuts_its_export_short_and_the_instance_streams_only_so_many() {
    let app = TestApp::spawn_with(|name| (name == "EXPORTS_MAX").then(|| "1".into())).await;
    let (user, _) = app.signed_up_user().await;
    many_tasks(&app, user.id).await;
    let mut download = app.get("/account/export?format=json").await;
    assert_eq!(download.status(), StatusCode::OK);
    download.chunk().await.unwrap().expect("the export starts");
    // The instance's one place is taken: another person's export waits its turn.
    let theirs = app.another_persons_token("read").await;
    let res = app
        .api(Method::GET, "/api/v1/export", &theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    // Signed out meanwhile: the rest of the download does not come.
    crate::helpers::assert_ok(&app.call("sign_out", &[]).await);
    let ended = loop {
        match tokio::time::timeout(HANG, download.chunk())
            .await
            .expect("the export moves")
        {
            Ok(Some(_)) => {}
            Ok(None) => break "whole",
            Err(_) => break "cut short",
        }
    };
    assert_eq!(ended, "cut short");
}

#[tokio::test]
async fn a_client_that_stops_reading_an_answer_is_cut_off_and_gives_its_place_back() {
    let app =
        TestApp::spawn_with(|name| (name == "HTTP_WRITE_TIMEOUT_SECS").then(|| "1".into())).await;
    let (user, _) = app.signed_up_user().await;
    many_tasks(&app, user.id).await;
    let token = app.token("read").await;
    // An export asked for on a raw connection that never reads it, with a small receive
    // buffer of its own: a kernel that grows it (up to `tcp_rmem`'s 32 MiB on some machines)
    // could take the whole export in while the server still counts it as read.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(16 * 1024).unwrap();
    let mut stalled = socket
        .connect(app.address.trim_start_matches("http://").parse().unwrap())
        .await
        .expect("the app accepts connections");
    stalled
        .write_all(
            format!(
                "GET /api/v1/export HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // Its answer has begun, so its place is taken before the first try below (written is
    // not yet read: without this wait the try could reach the server first and pass).
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(HANG, stalled.read(&mut buf))
            .await
            .expect("the export answers")
            .unwrap();
        assert!(n > 0, "the connection closed before the export began");
        head.extend_from_slice(&buf[..n]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    // The person's one export place is held until the server gives up on that client.
    let mut freed = false;
    let mut refused = 0;
    for _ in 0..200 {
        let res = app
            .api(Method::GET, "/api/v1/export?format=csv", &token)
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::OK {
            freed = true;
            break;
        }
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        refused += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused > 0, "the stalled export never held its place");
    assert!(freed, "the stalled export kept its place");
    drop(stalled);
}
