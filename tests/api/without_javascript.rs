//! The account forms without JavaScript: plain form posts, redirects and what the next page
//! shows.

use reqwest::{header, StatusCode};

use crate::helpers::{assert_ok, new_client, strong_password, unique_email, TestApp};

/// The path of a `Location` (absolute or not), without its query.
fn path_of(location: &str) -> &str {
    let path = match location.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => location,
    };
    path.split('?').next().unwrap_or_default()
}

#[tokio::test]
async fn without_javascript_a_failed_sign_up_comes_back_with_its_message_and_the_typed_email() {
    let app = TestApp::spawn().await;
    let password = strong_password();
    let res = app
        .post_form(
            "sign_up",
            &[
                ("email", "not-an-email"),
                ("name", "Ada"),
                ("password", &password),
                ("next", ""),
            ],
            "/sign-up",
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers()[header::LOCATION].to_str().unwrap();
    assert_eq!(path_of(location), "/sign-up", "{location}");

    // What was typed is kept in a short-lived cookie for the next page, never the password,
    // and nothing is stored on the server.
    let flash = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("flash="))
        .expect("a flash cookie");
    let mut cookie = header::HeaderMap::new();
    cookie.insert(
        header::COOKIE,
        flash.split(';').next().unwrap().parse().unwrap(),
    );
    let kept = tasklist::forms::read_flash(&cookie, false).expect("a readable flash");
    assert_eq!(kept.value("email").as_deref(), Some("not-an-email"));
    assert!(kept.values.iter().all(|(_, v)| !v.contains(&password)));
    let sessions: i64 = sqlx::query_scalar("select count(*) from sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);

    let html = app.get("/sign-up").await.text().await.unwrap();
    assert!(
        html.contains("Enter an email address like name@example.com."),
        "{html}"
    );
    assert!(html.contains(r#"value="not-an-email""#), "{html}");
    assert!(html.contains(r#"value="Ada""#), "{html}");
    assert!(!html.contains(&password), "a password is never sent back");

    // Shown once.
    let html = app.get("/sign-up").await.text().await.unwrap();
    assert!(
        !html.contains("Enter an email address like name@example.com."),
        "{html}"
    );
}

#[tokio::test]
async fn without_javascript_a_successful_sign_in_goes_on_to_next() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let password = strong_password();
    assert_ok(&app.sign_up_as(&new_client().0, &email, &password).await);

    let res = app
        .post_form(
            "sign_in",
            &[
                ("email", &email),
                ("password", &password),
                ("next", "/account"),
            ],
            "/sign-in?next=%2Faccount",
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[header::LOCATION], "/account");

    let res = app.get("/account").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains(&email));
}
