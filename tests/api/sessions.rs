//! Sessions: a new id at sign-in, ended at sign-out, the cookie's attributes, idle and
//! absolute expiry, the cleanup of old rows, and several instances of the app (SECURITY.md
//! S1-S5).

use std::time::Duration;

use reqwest::{header, StatusCode};
use tasklist::auth::User;

use crate::helpers::{
    assert_ok, call_with_cookie, new_client, strong_password, unique_email, FnAnswer, TestApp,
};

/// S1
#[tokio::test]
async fn signing_in_gives_a_new_session_id_and_ends_the_old_one() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let password = strong_password();
    let user: User = {
        let answer = app.sign_up_as(&new_client().0, &email, &password).await;
        assert_ok(&answer);
        answer.json()
    };

    // A failed sign-in without JavaScript stores nothing: no row, no session cookie.
    let res = app
        .post_form(
            "sign_in",
            &[("email", &email), ("password", "not the password")],
            "/sign-in",
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(app.session_cookie(&app.jar), None);

    // A session that exists before sign-in (a person signing in again) gets a new id.
    assert_ok(&app.sign_in(&email, &password).await);
    let before = app.session_cookie(&app.jar).expect("a session cookie");
    assert!(app.session_row_exists(&before).await);

    assert_ok(&app.sign_in(&email, &password).await);
    let after = app.session_cookie(&app.jar).expect("a session cookie");
    assert_ne!(before, after, "the session id changes at sign-in");
    assert!(
        !app.session_row_exists(&before).await,
        "the old row is gone"
    );
    assert!(app.session_row_exists(&after).await);
    assert_eq!(app.current_user_for_cookie(&before).await, None);
    assert_eq!(
        app.current_user_for_cookie(&after).await,
        Some(user.clone())
    );

    // A cookie planted before sign-in (session fixation) is not the one signed in.
    let planted = "fixated-by-an-attacker";
    let answer = call_with_cookie(
        &app.address,
        &format!("session={planted}"),
        "sign_in",
        &[("email", &email), ("password", &password)],
    )
    .await;
    assert_ok(&answer);
    let issued = answer.set_cookie("session").expect("a new session cookie");
    assert!(!issued.contains(planted), "{issued}");
}

/// S2
#[tokio::test]
async fn after_sign_out_the_old_cookie_replayed_is_anonymous() {
    let app = TestApp::spawn().await;
    let (user, _) = app.signed_up_user().await;
    let cookie = app.session_cookie(&app.jar).expect("a session cookie");
    assert_eq!(app.current_user_for_cookie(&cookie).await, Some(user));

    let answer = app.call("sign_out", &[]).await;
    assert_ok(&answer);
    let cleared = answer
        .set_cookie("session")
        .expect("sign-out clears the cookie");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");

    assert!(
        !app.session_row_exists(&cookie).await,
        "the session is gone from the server"
    );
    assert_eq!(app.current_user_for_cookie(&cookie).await, None);
    assert_eq!(app.current_user().await, None);
}

fn cookie_attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

/// S3
#[tokio::test]
async fn the_session_cookie_is_http_only_same_site_lax_for_the_whole_host() {
    let app = TestApp::spawn().await;
    let (user, password) = app.signed_up_user().await;
    let answer = app
        .sign_in_as(&new_client().0, &user.email, &password)
        .await;
    assert_ok(&answer);
    let cookie = answer.set_cookie("session").expect("a session cookie");
    let attributes = cookie_attributes(&cookie);
    for wanted in ["httponly", "samesite=lax", "path=/"] {
        assert!(attributes.iter().any(|a| a == wanted), "{wanted}: {cookie}");
    }
    assert!(
        !attributes.iter().any(|a| a.starts_with("domain")),
        "{cookie}"
    );
    assert!(
        !attributes.iter().any(|a| a == "secure"),
        "not Secure over plain HTTP, or the browser would drop it: {cookie}"
    );
    assert!(!answer
        .headers
        .contains_key(header::STRICT_TRANSPORT_SECURITY));
}

/// S3
#[tokio::test]
async fn over_https_the_session_cookie_is_host_prefixed_and_secure() {
    let app = TestApp::spawn_with(|name| {
        (name == "SITE_URL").then(|| "https://tasks.example.com".to_owned())
    })
    .await;
    // Over HTTPS the browser's origin is the public one.
    let call = |name: &'static str, form: Vec<(&'static str, String)>| {
        let req = new_client()
            .0
            .post(app.url(&format!("/api/{name}")))
            .header(header::ACCEPT, "application/json")
            .header("sec-fetch-site", "same-origin")
            .header(header::ORIGIN, "https://tasks.example.com")
            .form(&form);
        async move { FnAnswer::from_response(req.send().await.unwrap()).await }
    };
    let (email, password) = (unique_email(), strong_password());
    let form = vec![("email", email), ("password", password)];
    let mut sign_up = form.clone();
    sign_up.push(("name", String::new()));
    assert_ok(&call("sign_up", sign_up).await);
    let answer = call("sign_in", form).await;
    assert_ok(&answer);
    assert_eq!(answer.set_cookie("session"), None);
    let cookie = answer
        .set_cookie("__Host-session")
        .expect("a __Host-session cookie");
    let attributes = cookie_attributes(&cookie);
    for wanted in ["secure", "httponly", "samesite=lax", "path=/"] {
        assert!(attributes.iter().any(|a| a == wanted), "{wanted}: {cookie}");
    }
    assert!(
        !attributes.iter().any(|a| a.starts_with("domain")),
        "{cookie}"
    );
    assert!(answer
        .headers
        .contains_key(header::STRICT_TRANSPORT_SECURITY));
}

/// S4
#[tokio::test]
async fn a_session_unused_for_longer_than_the_idle_limit_is_over() {
    let app = TestApp::spawn_with(|name| (name == "SESSION_IDLE_SECS").then(|| "2".into())).await;
    let (user, _) = app.signed_up_user().await;
    let cookie = app.session_cookie(&app.jar).expect("a session cookie");
    assert_eq!(app.current_user_for_cookie(&cookie).await, Some(user));

    tokio::time::sleep(Duration::from_secs(3)).await;
    // Sent by hand: the server must refuse it, whatever the browser would keep.
    assert_eq!(app.current_user_for_cookie(&cookie).await, None);
}

/// S4
#[tokio::test]
async fn a_session_is_over_after_its_absolute_lifetime_however_busy() {
    let app =
        TestApp::spawn_with(|name| (name == "SESSION_ABSOLUTE_SECS").then(|| "2".into())).await;
    let (user, _) = app.signed_up_user().await;
    let cookie = app.session_cookie(&app.jar).expect("a session cookie");

    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(app.current_user_for_cookie(&cookie).await, Some(user));
    // Used every second: idle expiry alone would never end it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    app.current_user_for_cookie(&cookie).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(app.current_user_for_cookie(&cookie).await, None);
    assert_eq!(app.current_user().await, None);
}

/// S4
#[tokio::test]
async fn expired_session_rows_are_deleted_by_the_background_task() {
    let app = TestApp::spawn_with(|name| match name {
        "SESSION_IDLE_SECS" => Some("2".into()),
        "CLEANUP_INTERVAL_SECS" => Some("1".into()),
        _ => None,
    })
    .await;
    app.signed_up_user().await;
    let cookie = app.session_cookie(&app.jar).expect("a session cookie");
    assert!(app.session_row_exists(&cookie).await);

    // No request touches the session from here on: only the cleanup task can delete it.
    let mut tries = 0;
    while app.session_row_exists(&cookie).await {
        tries += 1;
        assert!(tries < 60, "the expired row is still there after 60 looks");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn old_sign_in_counters_are_deleted_by_the_background_task() {
    let app = TestApp::spawn_with(|name| match name {
        "AUTH_WINDOW_SECS" => Some("1".into()),
        "CLEANUP_INTERVAL_SECS" => Some("1".into()),
        _ => None,
    })
    .await;
    let answer = app
        .sign_in("nobody@example.com", "not the password at all")
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    let rows = || async {
        let failures: i64 = sqlx::query_scalar("select count(*) from sign_in_failures")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let attempts: i64 = sqlx::query_scalar("select count(*) from auth_attempts")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        (failures, attempts)
    };
    assert_eq!(rows().await, (1, 1));

    // Nothing else touches the counters: only the cleanup task can delete them.
    let mut tries = 0;
    while rows().await != (0, 0) {
        tries += 1;
        assert!(
            tries < 60,
            "old counters still there after 60 looks: {:?}",
            rows().await
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// S5
#[tokio::test]
async fn sessions_survive_a_second_instance_and_a_restart() {
    let mut app = TestApp::spawn().await;
    let (user, _) = app.signed_up_user().await;
    let cookie = format!(
        "session={}",
        app.session_cookie(&app.jar).expect("a session cookie")
    );

    let other = app.start_instance().await;
    assert_ne!(other.address, app.address);
    let answer = call_with_cookie(&other.address, &cookie, "current_user", &[]).await;
    assert_ok(&answer);
    assert_eq!(answer.json::<Option<User>>(), Some(user.clone()));

    let old_address = app.address.clone();
    app.restart().await;
    assert_ne!(app.address, old_address);
    let answer = call_with_cookie(&app.address, &cookie, "current_user", &[]).await;
    assert_ok(&answer);
    assert_eq!(answer.json::<Option<User>>(), Some(user.clone()));

    // Signing out on one instance signs out on the other.
    assert_ok(&call_with_cookie(&other.address, &cookie, "sign_out", &[]).await);
    let answer = call_with_cookie(&app.address, &cookie, "current_user", &[]).await;
    assert_eq!(answer.json::<Option<User>>(), None);
}
