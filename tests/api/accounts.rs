//! Accounts: sign-up, how passwords are stored and which are accepted, one answer for every
//! failed sign-in, emails as typed, changing the password and deleting the account
//! (SECURITY.md A1-A7).

use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use sqlx::PgPool;
use tasklist::auth::{password::check_strength, User};
use uuid::Uuid;

use crate::helpers::{
    assert_not_right, assert_ok, new_client, strong_password, unique_email, user_count,
    user_exists, FnAnswer, TestApp,
};

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

async fn stored_hash(pool: &PgPool, id: Uuid) -> String {
    sqlx::query_scalar("select password_hash from users where id = $1")
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
