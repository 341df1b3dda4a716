//! Access control: account functions refuse anonymous callers, cross-site requests are
//! refused, and after sign-in only a path on this site is followed (SECURITY.md C2-C4).

use reqwest::{header, Client, StatusCode};
use sqlx::PgPool;
use tasklist::{error::AppError, urls::encode_query_value};
use uuid::Uuid;

use crate::helpers::{
    assert_ok, call_with_cookie, new_client, strong_password, unique_email, user_exists, FnAnswer,
    TestApp,
};

async fn stored_name(pool: &PgPool, id: Uuid) -> Option<String> {
    sqlx::query_scalar("select name from users where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A server function call as the hydrated app makes it, but with the fetch metadata given
/// here instead of the same-origin ones (`call_as` always sends those).
async fn call_with_headers(
    app: &TestApp,
    client: &Client,
    name: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> FnAnswer {
    let mut req = client
        .post(app.url(&format!("/api/{name}")))
        .header(header::ACCEPT, "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    FnAnswer::from_response(req.form(form).send().await.expect("request sent")).await
}

/// C2
#[tokio::test]
async fn account_server_functions_refuse_anonymous_callers() {
    let app = TestApp::spawn().await;
    let (user, password) = app.signed_up_user().await;
    let new_password = strong_password();
    let calls: [(&str, Vec<(&str, &str)>); 4] = [
        ("sign_out", vec![]),
        ("update_profile", vec![("name", "Mallory")]),
        (
            "change_password",
            vec![
                ("current_password", password.as_str()),
                ("new_password", new_password.as_str()),
            ],
        ),
        ("delete_account", vec![("password", password.as_str())]),
    ];

    // No cookie at all, a made-up one, and the cookie of a session that signed out.
    let (anonymous, _) = new_client();
    let (signed_out, signed_out_jar) = new_client();
    assert_ok(&app.sign_in_as(&signed_out, &user.email, &password).await);
    let old_cookie = app
        .session_cookie(&signed_out_jar)
        .expect("a signed-in session");
    assert_ok(&app.call_as(&signed_out, "sign_out", &[]).await);
    for (name, form) in &calls {
        let answers = [
            app.call_as(&anonymous, name, form).await,
            call_with_cookie(&app.address, "session=made-up", name, form).await,
            call_with_cookie(&app.address, &format!("session={old_cookie}"), name, form).await,
        ];
        for answer in answers {
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{name}: {}",
                answer.body
            );
            assert_eq!(answer.error(), AppError::Unauthorized, "{name}");
        }
    }

    let answer = app.call_as(&anonymous, "current_user", &[]).await;
    assert_ok(&answer);
    assert_eq!(answer.body, "null");

    // Nothing happened to the account.
    assert!(user_exists(&app.pool, user.id).await);
    assert_eq!(stored_name(&app.pool, user.id).await, None);
    assert_ok(
        &app.sign_in_as(&new_client().0, &user.email, &password)
            .await,
    );
}

/// C3
#[tokio::test]
async fn cross_site_requests_are_refused_and_same_site_ones_and_plain_forms_work() {
    let app = TestApp::spawn().await;
    let (user, password) = app.signed_up_user().await;
    let evil = "https://evil.example";
    let cross_site: [&[(&str, &str)]; 4] = [
        &[("origin", evil)],
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site"), ("origin", evil)],
        &[("sec-fetch-site", "same-origin"), ("origin", evil)],
    ];

    for headers in cross_site {
        let answer = call_with_headers(
            &app,
            &app.client,
            "delete_account",
            &[("password", &password)],
            headers,
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(user_exists(&app.pool, user.id).await, "{headers:?}");

        let answer = call_with_headers(
            &app,
            &app.client,
            "update_profile",
            &[("name", "Mallory")],
            headers,
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(stored_name(&app.pool, user.id).await, None, "{headers:?}");
    }
    assert_eq!(app.current_user().await, Some(user.clone()));

    // No state change over GET either.
    let res = app
        .client
        .get(app.url(&format!(
            "/api/delete_account?password={}",
            encode_query_value(&password)
        )))
        .send()
        .await
        .unwrap();
    assert!(!res.status().is_success(), "{}", res.status());
    assert!(user_exists(&app.pool, user.id).await);

    // The same requests from the site itself work: hydrated, ...
    assert_ok(&app.call("update_profile", &[("name", "Ada")]).await);
    assert_eq!(
        stored_name(&app.pool, user.id).await.as_deref(),
        Some("Ada")
    );
    // ... and as a plain form post without JavaScript.
    let res = app
        .post_form("update_profile", &[("name", "Ada L.")], "/account")
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[header::LOCATION], "/account?done=profile");
    assert_eq!(
        stored_name(&app.pool, user.id).await.as_deref(),
        Some("Ada L.")
    );
    assert_ok(&app.call("delete_account", &[("password", &password)]).await);
    assert!(!user_exists(&app.pool, user.id).await);
}

/// C4
#[tokio::test]
async fn after_sign_in_only_a_path_on_this_site_is_followed() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let password = strong_password();
    let answer = app
        .call_as(
            &new_client().0,
            "sign_up",
            &[
                ("email", &email),
                ("name", ""),
                ("password", &password),
                ("next", "//evil.com"),
            ],
        )
        .await;
    assert_ok(&answer);
    assert_eq!(answer.location.as_deref(), Some("/"));

    for (next, expected) in [
        ("//evil.com", "/"),
        ("https://evil.com/", "/"),
        ("/\\evil.com", "/"),
        ("/account", "/account"),
        ("/?filter=active", "/?filter=active"),
    ] {
        let form = [("email", &*email), ("password", &password), ("next", next)];
        let answer = app.call_as(&new_client().0, "sign_in", &form).await;
        assert_ok(&answer);
        assert_eq!(answer.location.as_deref(), Some(expected), "{next}");

        let res = app
            .post_form(
                "sign_in",
                &form,
                &format!("/sign-in?next={}", encode_query_value(next)),
            )
            .await;
        assert_eq!(res.status(), StatusCode::FOUND, "{next}");
        assert_eq!(res.headers()[header::LOCATION], expected, "{next}");

        // Signed in now, the sign-in page sends the visitor on, under the same rule.
        let res = app
            .get(&format!("/sign-in?next={}", encode_query_value(next)))
            .await;
        assert_eq!(res.status(), StatusCode::FOUND, "{next}");
        assert_eq!(res.headers()[header::LOCATION], expected, "{next}");
    }
}
