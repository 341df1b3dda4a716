//! Errors and headers: a generic answer when the database is down, a nonce CSP on every page,
//! and nothing signed in is stored by a cache (SECURITY.md V4, T1-T2).

use reqwest::{header, StatusCode};
use tasklist::error::AppError;

use crate::helpers::{assert_ok, call_with_cookie, new_client, TestApp};

/// V4
#[tokio::test]
async fn with_the_database_down_sign_in_gets_a_generic_503() {
    let app = TestApp::spawn_for_an_outage().await;
    let (user, password) = app.signed_up_user().await;
    let cookie = format!("session={}", app.session_cookie(&app.jar).unwrap());

    app.db.stop_database();
    let answers = [
        app.sign_in_as(&new_client().0, &user.email, &password)
            .await,
        call_with_cookie(&app.address, &cookie, "current_user", &[]).await,
    ];
    for answer in answers {
        assert_eq!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            answer.body
        );
        assert_eq!(answer.error(), AppError::Unavailable);
        let body = answer.body.to_lowercase();
        for detail in [
            "sql",
            "connection",
            "postgres",
            "pool",
            "database",
            "tcp",
            "refused",
            "timed out",
            "socket",
            "error returned",
            "select",
            "insert",
            "127.0.0.1",
        ] {
            assert!(!body.contains(detail), "{detail:?} in {}", answer.body);
        }
    }

    app.db.start_database();
    assert_ok(
        &app.sign_in_as(&new_client().0, &user.email, &password)
            .await,
    );
}

/// T1
#[tokio::test]
async fn pages_carry_a_nonce_csp_and_every_inline_script_has_that_nonce() {
    let app = TestApp::spawn().await;
    let res = app.get("/sign-in").await;
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    let html = res.text().await.unwrap();

    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let start = csp.find("'nonce-").expect("a nonce in the CSP") + "'nonce-".len();
    let nonce = &csp[start..start + csp[start..].find('\'').unwrap()];
    assert!(nonce.len() >= 16, "a nonce long enough: {nonce}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("'unsafe-inline'"), "{csp}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(!headers[header::REFERRER_POLICY].is_empty());

    let mut inline = 0;
    for (at, _) in html.match_indices("<script") {
        let tag = &html[at..at + html[at..].find('>').unwrap()];
        if !tag.contains(" src=") {
            inline += 1;
            assert!(tag.contains(&format!(r#"nonce="{nonce}""#)), "{tag}");
        }
    }
    assert!(inline > 0, "the page has its inline hydration script");
    for (at, _) in html.match_indices("nonce=\"") {
        let value = &html[at + 7..];
        assert_eq!(&value[..value.find('"').unwrap()], nonce, "only this nonce");
    }

    // A fresh nonce for every response.
    let again = app.get("/sign-in").await;
    let other = again.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!other.contains(nonce), "{other}");
}

/// T2
#[tokio::test]
async fn signed_in_pages_and_server_function_answers_are_not_stored() {
    let app = TestApp::spawn().await;
    let (user, password) = app.signed_up_user().await;

    let res = app.get("/account").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    assert!(res.text().await.unwrap().contains(&user.email));

    let answers = [
        app.call("current_user", &[]).await,
        app.sign_in_as(&new_client().0, &user.email, &password)
            .await,
        app.call_as(&new_client().0, "sign_out", &[]).await,
    ];
    for answer in answers {
        assert_eq!(
            answer.headers[header::CACHE_CONTROL],
            "no-store",
            "{} {}",
            answer.status,
            answer.body
        );
    }
}

/// C4, issue 22 (6): Leptos answers a server function called as a plain form or link (with
/// `Accept: text/html`) with a redirect to its `Referer`, which another site chooses. Every
/// server function, signed in and not, by GET and POST, redirects only to this site.
#[tokio::test]
async fn no_server_function_redirects_to_another_site() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let (anonymous, _) = new_client();
    let paths: Vec<(String, String)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path.to_owned(), method.as_str().to_owned()))
        .collect();
    assert!(paths.len() > 20, "{paths:?}");
    let mut away = Vec::new();
    let mut kept_here = 0;
    for (path, method) in &paths {
        for (who, client) in [("signed in", &app.client), ("anonymous", &anonymous)] {
            let req = if method == "GET" {
                client.get(app.url(path))
            } else {
                client
                    .post(app.url(path))
                    .header("sec-fetch-site", "same-origin")
                    .form(&[("x", "1")])
            };
            let res = req
                .header(header::ACCEPT, "text/html")
                .header(header::REFERER, "https://evil.example/phish?from=tasks")
                .send()
                .await
                .unwrap();
            if let Some(location) = res.headers().get(header::LOCATION) {
                let location = location.to_str().unwrap();
                if !location.starts_with('/')
                    || location.starts_with("//")
                    || location.contains("evil")
                {
                    away.push(format!(
                        "{method} {path} ({who}): {} to {location}",
                        res.status()
                    ));
                } else if location == "/" {
                    kept_here += 1;
                }
            }
        }
    }
    assert!(away.is_empty(), "{away:#?}");
    // Leptos does send plain calls back to their Referer (the GET functions': `list_tokens`,
    // `pending_reminders`, ...), so some were kept here: the check saw redirects to check.
    assert!(kept_here > 0, "no server function redirected at all");
}

/// A row missing where it must be (the task just inserted, gone before it is read back) is a
/// fault of the server, answered 500, never a 404 that says the task does not exist.
#[tokio::test]
async fn a_task_missing_right_after_its_insert_is_a_500_not_a_404() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    // Every new task is deleted again by the time the insert's statement ends.
    sqlx::query(
        "create function vanish() returns trigger language plpgsql as
           $$ begin delete from tasks where id = new.id; return null; end $$",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "create trigger vanish after insert on tasks for each row execute function vanish()",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let answer = app.add_task(&[("title", "here and gone")]).await;
    assert_eq!(
        answer.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        answer.body
    );
    assert_eq!(answer.error(), AppError::Internal);
}
