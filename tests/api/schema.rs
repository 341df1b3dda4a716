//! The database enforces the data model by itself: each constraint refused or accepted here
//! directly in SQL, whatever the application code does.

use sqlx::{
    types::chrono::{DateTime, Utc},
    PgPool, Row,
};
use uuid::Uuid;

use crate::helpers::TestApp;

async fn insert_user(pool: &PgPool, email: &str) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    sqlx::query("insert into users (id, email, password_hash) values ($1, $2, 'x')")
        .bind(id)
        .bind(email)
        .execute(pool)
        .await?;
    Ok(id)
}

async fn insert_task(pool: &PgPool, user: Uuid, title: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("insert into tasks (user_id, title) values ($1, $2) returning id")
        .bind(user)
        .bind(title)
        .fetch_one(pool)
        .await
}

fn constraint(err: sqlx::Error) -> String {
    err.as_database_error()
        .and_then(|e| e.constraint().map(str::to_owned))
        .unwrap_or_else(|| panic!("expected a constraint violation, got {err:?}"))
}

#[tokio::test]
async fn an_email_registered_in_another_case_is_refused() {
    let app = TestApp::spawn().await;
    insert_user(&app.pool, "ada@example.com").await.unwrap();
    let err = insert_user(&app.pool, "ADA@Example.COM").await.unwrap_err();
    assert_eq!(constraint(err), "users_email_key");
}

#[tokio::test]
async fn an_email_longer_than_254_characters_is_refused() {
    let app = TestApp::spawn().await;
    let long = format!("{}@example.com", "a".repeat(243));
    assert_eq!(long.chars().count(), 255);
    assert_eq!(
        constraint(insert_user(&app.pool, &long).await.unwrap_err()),
        "users_email_length"
    );
    insert_user(&app.pool, &long[1..]).await.unwrap();
}

#[tokio::test]
async fn a_task_for_an_unknown_user_is_refused() {
    let app = TestApp::spawn().await;
    let err = insert_task(&app.pool, Uuid::new_v4(), "orphan")
        .await
        .unwrap_err();
    assert_eq!(constraint(err), "tasks_user_id_fkey");
}

#[tokio::test]
async fn titles_are_limited_to_200_characters_not_bytes() {
    let app = TestApp::spawn().await;
    let user = insert_user(&app.pool, "t@example.com").await.unwrap();
    insert_task(&app.pool, user, &"é".repeat(200))
        .await
        .unwrap();
    insert_task(&app.pool, user, &"a".repeat(200))
        .await
        .unwrap();
    let err = insert_task(&app.pool, user, &"a".repeat(201))
        .await
        .unwrap_err();
    assert_eq!(constraint(err), "tasks_title_length");
    let err = insert_task(&app.pool, user, &"é".repeat(201))
        .await
        .unwrap_err();
    assert_eq!(constraint(err), "tasks_title_length");
}

#[tokio::test]
async fn empty_and_blank_titles_are_refused() {
    let app = TestApp::spawn().await;
    let user = insert_user(&app.pool, "t@example.com").await.unwrap();
    assert_eq!(
        constraint(insert_task(&app.pool, user, "").await.unwrap_err()),
        "tasks_title_length"
    );
    for blank in ["   ", "\t\n "] {
        let err = insert_task(&app.pool, user, blank).await.unwrap_err();
        assert_eq!(constraint(err), "tasks_title_not_blank", "{blank:?}");
    }
}

#[tokio::test]
async fn descriptions_are_limited_to_1000_characters() {
    let app = TestApp::spawn().await;
    let user = insert_user(&app.pool, "t@example.com").await.unwrap();
    let id = insert_task(&app.pool, user, "t").await.unwrap();
    let set = |d: String| {
        sqlx::query("update tasks set description = $1 where id = $2")
            .bind(d)
            .bind(id)
            .execute(&app.pool)
    };
    set("ü".repeat(1000)).await.unwrap();
    assert_eq!(
        constraint(set("ü".repeat(1001)).await.unwrap_err()),
        "tasks_description_length"
    );
}

#[tokio::test]
async fn a_new_task_is_not_completed_and_gets_its_timestamps_from_the_database() {
    let app = TestApp::spawn().await;
    let user = insert_user(&app.pool, "t@example.com").await.unwrap();
    let before: DateTime<Utc> = sqlx::query_scalar("select now()")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let id = insert_task(&app.pool, user, "t").await.unwrap();
    let row = sqlx::query(
        "select completed, description, created_at, updated_at from tasks where id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(!row.get::<bool, _>("completed"));
    assert_eq!(row.get::<Option<String>, _>("description"), None);
    let created: DateTime<Utc> = row.get("created_at");
    assert!(created >= before);
    assert_eq!(created, row.get::<DateTime<Utc>, _>("updated_at"));
}

#[tokio::test]
async fn updated_at_moves_on_every_update_of_tasks_and_users() {
    let app = TestApp::spawn().await;
    let user = insert_user(&app.pool, "t@example.com").await.unwrap();
    let id = insert_task(&app.pool, user, "t").await.unwrap();

    let task_stamp = || async {
        sqlx::query_scalar::<_, DateTime<Utc>>("select updated_at from tasks where id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let first = task_stamp().await;
    sqlx::query("update tasks set completed = true where id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let second = task_stamp().await;
    assert!(second > first);
    // Even an update that changes nothing else moves it, and a client cannot set it back.
    sqlx::query("update tasks set updated_at = '2000-01-01' where id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(task_stamp().await > second);

    let user_stamp = || async {
        sqlx::query_scalar::<_, DateTime<Utc>>("select updated_at from users where id = $1")
            .bind(user)
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let first = user_stamp().await;
    sqlx::query("update users set name = 'Ada' where id = $1")
        .bind(user)
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(user_stamp().await > first);
}

#[tokio::test]
async fn deleting_a_user_deletes_their_tasks_and_nobody_elses() {
    let app = TestApp::spawn().await;
    let ada = insert_user(&app.pool, "ada@example.com").await.unwrap();
    let bob = insert_user(&app.pool, "bob@example.com").await.unwrap();
    insert_task(&app.pool, ada, "a1").await.unwrap();
    insert_task(&app.pool, ada, "a2").await.unwrap();
    insert_task(&app.pool, bob, "b1").await.unwrap();

    sqlx::query("delete from users where id = $1")
        .bind(ada)
        .execute(&app.pool)
        .await
        .unwrap();
    let owners: Vec<Uuid> = sqlx::query_scalar("select user_id from tasks")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(owners, vec![bob]);
}

#[tokio::test]
async fn the_list_query_is_served_by_the_composite_index() {
    let app = TestApp::spawn().await;
    let user = insert_user(&app.pool, "t@example.com").await.unwrap();
    let other = insert_user(&app.pool, "o@example.com").await.unwrap();
    sqlx::query(
        "insert into tasks (user_id, title) select case when i % 10 = 0 then $1 else $2 end, 'task ' || i
         from generate_series(1, 2000) as i",
    )
    .bind(user)
    .bind(other)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("analyze tasks")
        .execute(&app.pool)
        .await
        .unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    // A small table is cheaper to scan whole; tell the planner scans are dear, as on a big one.
    for setting in ["set enable_seqscan = off", "set enable_bitmapscan = off"] {
        sqlx::query(setting).execute(&mut *conn).await.unwrap();
    }
    let plan: Vec<String> = sqlx::query_scalar(
        "explain select * from tasks where user_id = $1 order by created_at desc, id desc limit 50",
    )
    .bind(user)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("tasks_user_id_created_at_idx"), "{plan}");
    assert!(!plan.contains("Sort"), "the index gives the order: {plan}");
}
