//! Accounts and sessions: SECURITY.md A1-A7, S1-S5, C2-C4, V4, T1-T2, R1, and the account
//! forms without JavaScript.

use std::time::{Duration, Instant};

use reqwest::{header, Client, StatusCode};
use sqlx::PgPool;
use tasklist::{
    auth::{password::check_strength, User},
    error::AppError,
    urls::encode_query_value,
};
use uuid::Uuid;

use crate::helpers::{
    call_with_cookie, new_client, strong_password, unique_email, FnAnswer, TestApp,
};

/// The answer to every failed sign-in, whatever the reason.
const NOT_RIGHT: &str = "The email or password is not right.";

const ASCII: &[char] = &[
    'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'm', 'n', 'p', 'q', 'r', 's', 't', 'u',
    'v', 'w', 'x', 'y', 'z', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'N', 'P',
    'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', '2', '3', '4', '5', '6', '7', '8', '9', '!',
    '#', '%', '+', '-', '.', ':', '=', '?', '_', '~',
];

/// One Unicode scalar value each, 4 bytes each in UTF-8.
const EMOJI: &[char] = &[
    '🍎', '🚲', '🎻', '🦊', '🌋', '🧭', '🪐', '🐙', '🎲', '🧊', '🌵', '🦉', '🍄', '🛶', '🎈', '🧲',
    '🪁', '🐝', '🦀', '🎺', '🧩', '🪴', '🐢', '🍋', '🚂', '🎯', '🦜', '🌻', '🧵', '🔭', '🪶', '🥨',
];

/// `n` characters drawn at random from `alphabet`.
fn random_chars(alphabet: &[char], n: usize) -> String {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        for byte in Uuid::new_v4().as_bytes() {
            if out.len() == n {
                break;
            }
            out.push(alphabet[usize::from(*byte) % alphabet.len()]);
        }
    }
    out.into_iter().collect()
}

/// A random password of exactly `n` characters from `alphabet` that is strong enough for
/// `email` (drawn again in the rare case a random draw looks guessable), so that only its
/// length decides whether it is accepted.
fn random_password(alphabet: &[char], n: usize, email: &str) -> String {
    for _ in 0..100 {
        let candidate = random_chars(alphabet, n);
        if check_strength("password", &candidate, email, None).is_ok() {
            assert_eq!(candidate.chars().count(), n);
            return candidate;
        }
    }
    panic!("no strong random password of {n} characters in 100 draws");
}

fn without_last_char(s: &str) -> String {
    let mut chars = s.chars();
    chars.next_back();
    chars.as_str().to_owned()
}

/// The path of a `Location` (absolute or not), without its query.
fn path_of(location: &str) -> &str {
    let path = match location.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => location,
    };
    path.split('?').next().unwrap_or_default()
}

async fn user_count(pool: &PgPool, email: &str) -> i64 {
    sqlx::query_scalar("select count(*) from users where lower(email) = lower($1)")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn stored_hash(pool: &PgPool, id: Uuid) -> String {
    sqlx::query_scalar("select password_hash from users where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn stored_name(pool: &PgPool, id: Uuid) -> Option<String> {
    sqlx::query_scalar("select name from users where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn user_exists(pool: &PgPool, id: Uuid) -> bool {
    sqlx::query_scalar("select exists (select 1 from users where id = $1)")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn task_count(pool: &PgPool, user: Uuid) -> i64 {
    sqlx::query_scalar("select count(*) from tasks where user_id = $1")
        .bind(user)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn assert_not_right(answer: &FnAnswer) {
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(answer.error(), AppError::validation("form", NOT_RIGHT));
}

fn assert_field_error(answer: &FnAnswer, field: &str) -> String {
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    answer
        .error()
        .field_message(field)
        .unwrap_or_else(|| panic!("expected an error about {field}, got {}", answer.body))
}

fn assert_ok(answer: &FnAnswer) {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
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

// ---------------------------------------------------------------------------------------
// Accounts

#[tokio::test]
async fn a_person_signs_up_is_signed_in_and_signs_out() {
    let app = TestApp::spawn().await;
    assert_eq!(app.current_user().await, None);

    let email = unique_email();
    let answer = app.sign_up(&email, &strong_password()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.location.as_deref(), Some("/"));
    let user = app.current_user().await.expect("signed in after sign-up");
    assert_eq!(user.email, email);

    let answer = app.call("sign_out", &[]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(app.current_user().await, None);
}

/// A1
#[tokio::test]
async fn passwords_are_stored_as_salted_argon2id_with_the_owasp_parameters() {
    let app = TestApp::spawn().await;
    let password = strong_password();
    let (a, b) = (new_client().0, new_client().0);
    let ada: User = {
        let answer = app.sign_up_as(&a, &unique_email(), &password).await;
        assert_ok(&answer);
        answer.json()
    };
    let bob: User = {
        let answer = app.sign_up_as(&b, &unique_email(), &password).await;
        assert_ok(&answer);
        answer.json()
    };

    let (ada_hash, bob_hash) = (
        stored_hash(&app.pool, ada.id).await,
        stored_hash(&app.pool, bob.id).await,
    );
    for hash in [&ada_hash, &bob_hash] {
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(!hash.contains(&password));
    }
    assert_ne!(ada_hash, bob_hash, "each hash has its own salt");
}

/// A2
#[tokio::test]
async fn passwords_of_12_to_128_characters_are_accepted_whole_and_others_refused() {
    let app = TestApp::spawn().await;

    for (alphabet, n, expected) in [
        (ASCII, 11, "at least 12"),
        (ASCII, 129, "at most 128"),
        // 44 bytes: refused, so characters are counted, not bytes.
        (EMOJI, 11, "at least 12"),
    ] {
        let email = unique_email();
        let password = random_password(alphabet, n, &email);
        let answer = app.sign_up_as(&new_client().0, &email, &password).await;
        let message = assert_field_error(&answer, "password");
        assert!(message.contains(expected), "{n} characters: {message}");
        assert_eq!(user_count(&app.pool, &email).await, 0, "nothing written");
    }

    for (alphabet, n) in [
        (ASCII, 12),
        (ASCII, 64),
        (ASCII, 128),
        // 12 emoji are 48 bytes; 128 emoji are 512 bytes and still 128 characters.
        (EMOJI, 12),
        (EMOJI, 128),
    ] {
        let email = unique_email();
        let password = random_password(alphabet, n, &email);
        let answer = app.sign_up_as(&new_client().0, &email, &password).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{n} characters: {}",
            answer.body
        );

        // Never truncated: one character less, or one more, is another password.
        let shorter = without_last_char(&password);
        assert_not_right(&app.sign_in_as(&new_client().0, &email, &shorter).await);
        let longer = format!("{password}{}", alphabet[0]);
        assert_not_right(&app.sign_in_as(&new_client().0, &email, &longer).await);

        let (client, _) = new_client();
        assert_ok(&app.sign_in_as(&client, &email, &password).await);
        assert_eq!(
            app.current_user_as(&client).await.map(|u| u.email),
            Some(email)
        );
    }
}

/// A3
#[tokio::test]
async fn common_passwords_and_ones_built_from_the_email_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let local = email.split('@').next().unwrap().to_owned();

    let answer = app.sign_up(&email, "password1234").await;
    let message = assert_field_error(&answer, "password");
    assert!(message.contains("too easy to guess"), "{message}");

    let from_email = format!("{local}2024!");
    let answer = app.sign_up(&email, &from_email).await;
    let message = assert_field_error(&answer, "password");
    assert!(
        message.contains("email"),
        "the reason names the email: {message}"
    );
    assert_eq!(user_count(&app.pool, &email).await, 0, "nothing written");

    // The same password is fine for someone whose email it is not built from, so it was
    // refused above for being built from the email.
    let other = unique_email();
    assert_ok(&app.sign_up_as(&new_client().0, &other, &from_email).await);

    let passphrase = "tangerine orbit cello marsh lantern";
    assert_ok(&app.sign_up(&email, passphrase).await);
    assert_eq!(user_count(&app.pool, &email).await, 1);
}

/// A4
#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer_in_the_same_time() {
    let app = TestApp::spawn_with(|name| match name {
        "SIGN_IN_MAX_FAILURES" => Some("10000".into()),
        "AUTH_ADDRESS_LIMIT" => Some("1000000".into()),
        _ => None,
    })
    .await;
    let (user, _) = app.signed_up_user().await;
    let unknown = unique_email();
    let (client, _) = new_client();

    let wrong = app
        .sign_in_as(&client, &user.email, &strong_password())
        .await;
    let nobody = app.sign_in_as(&client, &unknown, &strong_password()).await;
    assert_not_right(&wrong);
    assert_eq!(wrong.status, nobody.status);
    assert_eq!(wrong.body.as_bytes(), nobody.body.as_bytes());
    assert_eq!(wrong.set_cookie("session"), nobody.set_cookie("session"));

    // Interleaved, so that whatever else the machine does weighs on both alike.
    let (mut wrong_times, mut nobody_times) = (Vec::new(), Vec::new());
    for i in 0..20 {
        for wrong_first in [i % 2 == 0, i % 2 != 0] {
            let (email, times) = if wrong_first {
                (&user.email, &mut wrong_times)
            } else {
                (&unknown, &mut nobody_times)
            };
            let started = Instant::now();
            let answer = app.sign_in_as(&client, email, &strong_password()).await;
            times.push(started.elapsed());
            assert_not_right(&answer);
        }
    }
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let (wrong, nobody) = (median(&mut wrong_times), median(&mut nobody_times));
    let ratio = wrong.max(nobody).as_secs_f64() / wrong.min(nobody).as_secs_f64();
    assert!(
        ratio <= 1.5,
        "median wrong password {wrong:?}, median unknown email {nobody:?}"
    );
}

/// A5
#[tokio::test]
async fn emails_are_trimmed_and_lowercased_so_another_spelling_signs_in() {
    let app = TestApp::spawn().await;
    let tag = &Uuid::new_v4().simple().to_string()[..10];
    let password = strong_password();
    let answer = app
        .sign_up(&format!("Ada.{tag}@Example.COM"), &password)
        .await;
    assert_ok(&answer);
    let stored: String = sqlx::query_scalar("select email from users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, format!("ada.{tag}@example.com"));

    let (client, _) = new_client();
    let answer = app
        .sign_in_as(&client, &format!("  ada.{tag}@EXAMPLE.com "), &password)
        .await;
    assert_ok(&answer);
    assert_eq!(
        app.current_user_as(&client).await.map(|u| u.email),
        Some(stored)
    );

    // At most 254 characters.
    let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(186));
    assert_eq!(long.chars().count(), 255);
    let answer = app.sign_up_as(&new_client().0, &long, &password).await;
    assert_field_error(&answer, "email");
    assert_eq!(user_count(&app.pool, &long).await, 0);
}

/// A5
#[tokio::test]
async fn concurrent_sign_ups_with_one_email_leave_one_account_and_a_clear_error() {
    let app = TestApp::spawn().await;
    let tag = &Uuid::new_v4().simple().to_string()[..10];
    let spellings = [
        format!("grace.{tag}@example.com"),
        format!("Grace.{tag}@example.com"),
        format!("GRACE.{tag}@EXAMPLE.COM"),
        format!(" grace.{tag}@Example.com"),
        format!("grace.{tag}@example.COM "),
    ];
    let clients: Vec<Client> = (0..5).map(|_| new_client().0).collect();
    let passwords: Vec<String> = (0..5).map(|_| strong_password()).collect();
    let sign_up = |i: usize| app.sign_up_as(&clients[i], &spellings[i], &passwords[i]);
    let (a, b, c, d, e) = tokio::join!(sign_up(0), sign_up(1), sign_up(2), sign_up(3), sign_up(4));
    let answers = [a, b, c, d, e];

    let ok = answers
        .iter()
        .filter(|a| a.status == StatusCode::OK)
        .count();
    assert_eq!(
        ok,
        1,
        "{:?}",
        answers.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    for answer in answers.iter().filter(|a| a.status != StatusCode::OK) {
        let message = assert_field_error(answer, "email");
        assert!(message.contains("already registered"), "{message}");
    }
    assert_eq!(user_count(&app.pool, &spellings[0]).await, 1);
}

/// A6
#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_every_other_session() {
    let app = TestApp::spawn().await;
    let (user, old_password) = app.signed_up_user().await;
    let (other, _) = new_client();
    assert_ok(&app.sign_in_as(&other, &user.email, &old_password).await);
    assert_eq!(app.current_user_as(&other).await, Some(user.clone()));
    let hash_before = stored_hash(&app.pool, user.id).await;
    let new_password = strong_password();

    // A wrong current password changes nothing and signs no one out.
    let answer = app
        .call(
            "change_password",
            &[
                ("current_password", &strong_password()),
                ("new_password", &new_password),
            ],
        )
        .await;
    let message = assert_field_error(&answer, "current_password");
    assert!(!message.is_empty());
    assert_eq!(stored_hash(&app.pool, user.id).await, hash_before);
    assert_eq!(app.current_user_as(&other).await, Some(user.clone()));

    // So does a guessable new one.
    let answer = app
        .call(
            "change_password",
            &[
                ("current_password", &old_password),
                ("new_password", "password1234"),
            ],
        )
        .await;
    assert_field_error(&answer, "new_password");
    assert_eq!(stored_hash(&app.pool, user.id).await, hash_before);
    assert_eq!(app.current_user_as(&other).await, Some(user.clone()));

    let answer = app
        .call(
            "change_password",
            &[
                ("current_password", &old_password),
                ("new_password", &new_password),
            ],
        )
        .await;
    assert_ok(&answer);
    assert_ne!(stored_hash(&app.pool, user.id).await, hash_before);

    assert_eq!(
        app.current_user().await,
        Some(user.clone()),
        "the session that made the change stays signed in"
    );
    assert_eq!(
        app.current_user_as(&other).await,
        None,
        "every other session is signed out"
    );

    assert_not_right(
        &app.sign_in_as(&new_client().0, &user.email, &old_password)
            .await,
    );
    assert_ok(
        &app.sign_in_as(&new_client().0, &user.email, &new_password)
            .await,
    );
}

/// A7
#[tokio::test]
async fn deleting_the_account_needs_the_password_and_takes_the_tasks_with_it() {
    let app = TestApp::spawn().await;
    let (user, password) = app.signed_up_user().await;
    let (elsewhere, _) = new_client();
    assert_ok(&app.sign_in_as(&elsewhere, &user.email, &password).await);
    let bystander: User = {
        let answer = app
            .sign_up_as(&new_client().0, &unique_email(), &strong_password())
            .await;
        assert_ok(&answer);
        answer.json()
    };
    for (owner, title) in [
        (user.id, "buy milk"),
        (user.id, "call mum"),
        (bystander.id, "not theirs"),
    ] {
        sqlx::query("insert into tasks (user_id, title) values ($1, $2)")
            .bind(owner)
            .bind(title)
            .execute(&app.pool)
            .await
            .unwrap();
    }

    let answer = app
        .call("delete_account", &[("password", &strong_password())])
        .await;
    assert_field_error(&answer, "password");
    assert!(user_exists(&app.pool, user.id).await, "nothing deleted");
    assert_eq!(task_count(&app.pool, user.id).await, 2);
    assert_eq!(app.current_user().await, Some(user.clone()));

    let answer = app.call("delete_account", &[("password", &password)]).await;
    assert_ok(&answer);
    assert_eq!(app.current_user().await, None);
    assert_eq!(
        app.current_user_as(&elsewhere).await,
        None,
        "their other sessions end too"
    );
    assert!(!user_exists(&app.pool, user.id).await);
    assert_eq!(
        task_count(&app.pool, user.id).await,
        0,
        "their tasks are gone"
    );
    assert_eq!(
        task_count(&app.pool, bystander.id).await,
        1,
        "nobody else's are"
    );
    assert_not_right(
        &app.sign_in_as(&new_client().0, &user.email, &password)
            .await,
    );
}

// ---------------------------------------------------------------------------------------
// Sessions

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

// ---------------------------------------------------------------------------------------
// Access control

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

// ---------------------------------------------------------------------------------------
// Errors and headers

/// V4
#[tokio::test]
async fn with_the_database_down_sign_in_gets_a_generic_503() {
    let app = TestApp::spawn().await;
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

// ---------------------------------------------------------------------------------------
// Throttling

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
    let (tried, _) = tried_and_refused(&answers);
    assert!(
        tried <= 10,
        "{tried} of 30 simultaneous guesses were checked against the password; the limit is 10"
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
    let (tried, _) = tried_and_refused(&answers);
    assert!(
        tried <= 5,
        "{tried} of 30 simultaneous attempts from one address were let through; the limit is 5"
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

// ---------------------------------------------------------------------------------------
// Without JavaScript

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
