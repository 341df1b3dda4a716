//! Sign-in throttling: failures counted per email, attempts per address, sent one by one or
//! all at once, and the limit lifting after its window (SECURITY.md R1).

use std::time::Duration;

use reqwest::{header, StatusCode};
use tasklist::error::AppError;

use crate::helpers::{
    assert_not_right, assert_ok, new_client, strong_password, unique_email, user_count, FnAnswer,
    TestApp,
};

/// R1
#[tokio::test]
async fn after_ten_failed_sign_ins_even_the_right_password_is_refused() {
    let app = TestApp::spawn().await;
    let (user, password) = app.signed_up_user().await;
    let (client, _) = new_client();
    let upper = user.email.to_uppercase();
    let spaced = format!(" {} ", user.email);

    // Counted per normalised email, whatever its spelling.
    for i in 0..10 {
        let email = [&user.email, &upper, &spaced][i % 3];
        assert_not_right(&app.sign_in_as(&client, email, &strong_password()).await);
    }
    for email in [&user.email, &upper] {
        let answer = app.sign_in_as(&client, email, &password).await;
        assert_eq!(
            answer.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            answer.body
        );
        assert_eq!(answer.error(), AppError::TooManyRequests);
    }
    assert_eq!(app.current_user_as(&client).await, None);
}

/// `n` wrong sign-ins sent at the same moment, each from a browser of its own, for the
/// emails `email(i)`.
async fn guesses_at_once(
    app: &TestApp,
    n: usize,
    email: impl Fn(usize) -> String,
) -> Vec<FnAnswer> {
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..n {
        let (client, _) = new_client();
        let url = app.url("/api/sign_in");
        let origin = app.address.clone();
        let form = [("email", email(i)), ("password", strong_password())];
        guesses.spawn(async move {
            let res = client
                .post(url)
                .header(header::ACCEPT, "application/json")
                .header("sec-fetch-site", "same-origin")
                .header(header::ORIGIN, origin)
                .form(&form)
                .send()
                .await
                .expect("request sent");
            FnAnswer::from_response(res).await
        });
    }
    guesses.join_all().await
}

/// How many answers were a password check (422) and how many a refusal (429).
fn tried_and_refused(answers: &[FnAnswer]) -> (usize, usize) {
    let count = |status| answers.iter().filter(|a| a.status == status).count();
    let (tried, refused) = (
        count(StatusCode::UNPROCESSABLE_ENTITY),
        count(StatusCode::TOO_MANY_REQUESTS),
    );
    assert_eq!(tried + refused, answers.len());
    (tried, refused)
}

/// R1
#[tokio::test]
async fn guesses_sent_all_at_once_get_no_more_tries_than_the_failure_limit() {
    let app = TestApp::spawn().await;
    let (user, password) = app.signed_up_user().await;

    let answers = guesses_at_once(&app, 30, |_| user.email.clone()).await;
    // Exactly the limit: a limiter that refused everything would pass "at most".
    let (tried, refused) = tried_and_refused(&answers);
    assert_eq!(
        (tried, refused),
        (10, 20),
        "of 30 simultaneous guesses, checked against the password and refused; the limit is 10"
    );
    let answer = app
        .sign_in_as(&new_client().0, &user.email, &password)
        .await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
}

/// R1
#[tokio::test]
async fn attempts_sent_all_at_once_from_one_address_get_no_more_than_its_limit() {
    let app = TestApp::spawn_with(|name| (name == "AUTH_ADDRESS_LIMIT").then(|| "5".into())).await;
    let answers = guesses_at_once(&app, 30, |_| unique_email()).await;
    let (tried, refused) = tried_and_refused(&answers);
    assert_eq!(
        (tried, refused),
        (5, 25),
        "of 30 simultaneous attempts from one address, let through and refused; the limit is 5"
    );
}

/// R1
#[tokio::test]
async fn unknown_emails_are_throttled_the_same_way() {
    let app = TestApp::spawn().await;
    let unknown = unique_email();
    let (client, _) = new_client();
    for _ in 0..10 {
        assert_not_right(&app.sign_in_as(&client, &unknown, &strong_password()).await);
    }
    let answer = app.sign_in_as(&client, &unknown, &strong_password()).await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.body
    );
    assert_eq!(answer.error(), AppError::TooManyRequests);
}

/// R1
#[tokio::test]
async fn the_failure_limit_lifts_once_the_window_has_passed() {
    let app = TestApp::spawn_with(|name| match name {
        "AUTH_WINDOW_SECS" => Some("2".into()),
        "SIGN_IN_MAX_FAILURES" => Some("3".into()),
        _ => None,
    })
    .await;
    let (user, password) = app.signed_up_user().await;
    let (client, _) = new_client();
    for _ in 0..3 {
        assert_not_right(
            &app.sign_in_as(&client, &user.email, &strong_password())
                .await,
        );
    }
    let answer = app.sign_in_as(&client, &user.email, &password).await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.body
    );

    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_ok(&app.sign_in_as(&client, &user.email, &password).await);
    assert_eq!(app.current_user_as(&client).await, Some(user));
}

/// R1
#[tokio::test]
async fn one_address_gets_a_limited_number_of_sign_in_and_sign_up_attempts() {
    let app = TestApp::spawn_with(|name| (name == "AUTH_ADDRESS_LIMIT").then(|| "3".into())).await;
    let email = unique_email();
    let password = strong_password();
    assert_ok(&app.sign_up_as(&new_client().0, &email, &password).await);
    assert_not_right(
        &app.sign_in_as(&new_client().0, &email, &strong_password())
            .await,
    );
    assert_ok(&app.sign_in_as(&new_client().0, &email, &password).await);

    let answer = app.sign_in_as(&new_client().0, &email, &password).await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.body
    );
    assert_eq!(answer.error(), AppError::TooManyRequests);
    let late = unique_email();
    let answer = app.sign_up_as(&new_client().0, &late, &password).await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.body
    );
    assert_eq!(user_count(&app.pool, &late).await, 0);
}
