//! Live updates (SECURITY.md L1, L2): the stream at /api/events carries only its person's
//! changes, as ids and versions, and ends with their session; a stale edit is refused.

use std::time::Duration;

use reqwest::{header, Client, Response, StatusCode};
use tasklist::{
    live::Change,
    tasks::{Completion, Task, TaskError},
};

use crate::helpers::{assert_ok, new_client, strong_password, unique_email, TestApp};

/// How long a test waits for an event before it calls the stream stuck: a hang guard, far
/// above the milliseconds an event takes.
const PATIENCE: Duration = Duration::from_secs(10);

/// A stream of Server-Sent Events, read as the browser's `EventSource` reads it.
pub(crate) struct Events {
    res: Response,
    buf: String,
}

impl Events {
    pub(crate) async fn open(app: &TestApp, client: &Client) -> Self {
        let res = open_stream(app, client).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/event-stream",
            "an event stream"
        );
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
        Self {
            res,
            buf: String::new(),
        }
    }

    /// The next change, or `None` when the server ended the stream.
    pub(crate) async fn next(&mut self) -> Option<Change> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let event: String = self.buf.drain(..end + 2).collect();
                let data: String = event
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some(serde_json::from_str(&data).expect("an event is a Change"));
            }
            let chunk = tokio::time::timeout(PATIENCE, self.res.chunk())
                .await
                .expect("the stream says something or ends")
                .ok()??;
            self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// Whether the stream says nothing (no event, no end) for `quiet`.
    pub(crate) async fn stays_quiet(&mut self, quiet: Duration) -> bool {
        tokio::time::timeout(quiet, self.next()).await.is_err()
    }
}

async fn open_stream(app: &TestApp, client: &Client) -> Response {
    client
        .get(app.url("/api/events"))
        .header(header::ACCEPT, "text/event-stream")
        .send()
        .await
        .expect("request sent")
}

/// A new person signed in on a client of their own.
async fn person(app: &TestApp) -> (Client, String) {
    let (client, _) = new_client();
    let (email, password) = (unique_email(), strong_password());
    assert_ok(&app.sign_up_as(&client, &email, &password).await);
    (client, password)
}

async fn add(app: &TestApp, client: &Client, title: &str) -> Task {
    let answer = app.add_task_as(client, &[("title", title)]).await;
    assert_ok(&answer);
    answer.json()
}

#[tokio::test]
async fn a_stream_without_a_session_is_refused() {
    let app = TestApp::spawn().await;
    let res = open_stream(&app, &new_client().0).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_stream_starts_with_a_resync_then_carries_each_change_as_ids_and_versions() {
    let app = TestApp::spawn().await;
    let (ada, _) = person(&app).await;
    let mut events = Events::open(&app, &ada).await;
    assert_eq!(events.next().await, Some(Change::Resync));

    let task = add(&app, &ada, "Water the plants").await;
    assert_eq!(task.version, 1);
    assert_eq!(
        events.next().await,
        Some(Change::Task { id: task.id, v: 1 })
    );

    let id = task.id.to_string();
    let done = app
        .call_as(
            &ada,
            "set_task_completed",
            &[("id", &id), ("completed", "true"), ("version", "1")],
        )
        .await;
    assert_ok(&done);
    assert_eq!(done.json::<Completion>().task.version, 2);
    assert_eq!(
        events.next().await,
        Some(Change::Task { id: task.id, v: 2 })
    );

    for title in ["Second", "Third"] {
        add(&app, &ada, title).await;
        let _ = events.next().await;
    }
    assert_ok(
        &app.call_as(&ada, "set_all_completed", &[("completed", "true")])
            .await,
    );
    assert_eq!(
        events.next().await,
        Some(Change::Tasks),
        "one event for many tasks"
    );

    assert_ok(&app.call_as(&ada, "delete_task", &[("id", &id)]).await);
    assert_eq!(events.next().await, Some(Change::Deleted { id: task.id }));

    // A new tag is a tags event as well as the task's.
    let tagged = app
        .add_task_as(&ada, &[("title", "Tagged"), ("tags", "garden")])
        .await;
    assert_ok(&tagged);
    let mut got = vec![events.next().await, events.next().await];
    got.sort_by_key(|c| format!("{c:?}"));
    assert!(got.contains(&Some(Change::Tags)), "{got:?}");
}

#[tokio::test]
async fn a_persons_stream_carries_nothing_of_anyone_elses() {
    let app = TestApp::spawn().await;
    let (ada, _) = person(&app).await;
    let (bob, _) = person(&app).await;
    let mut bobs = Events::open(&app, &bob).await;
    assert_eq!(bobs.next().await, Some(Change::Resync));

    let adas = add(&app, &ada, "Ada's secret").await;
    app.call_as(&ada, "set_all_completed", &[("completed", "true")])
        .await;
    // Bob's own change is the next thing bob hears: nothing of ada's came before it.
    let own = add(&app, &bob, "Bob's").await;
    let next = bobs.next().await;
    assert_eq!(next, Some(Change::Task { id: own.id, v: 1 }));
    assert_ne!(own.id, adas.id);
}

#[tokio::test]
async fn the_stream_ends_at_sign_out_and_cannot_be_opened_after() {
    let app = TestApp::spawn().await;
    let (ada, _) = person(&app).await;
    let mut events = Events::open(&app, &ada).await;
    assert_eq!(events.next().await, Some(Change::Resync));
    assert_ok(&app.call_as(&ada, "sign_out", &[]).await);
    assert_eq!(events.next().await, None, "the stream ended");
    assert_eq!(
        open_stream(&app, &ada).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_password_change_ends_the_streams_of_every_other_session() {
    let app = TestApp::spawn().await;
    let (ada, password) = person(&app).await;
    let email = app.current_user_as(&ada).await.unwrap().email;
    let (laptop, _) = new_client();
    assert_ok(&app.sign_in_as(&laptop, &email, &password).await);
    let mut on_laptop = Events::open(&app, &laptop).await;
    assert_eq!(on_laptop.next().await, Some(Change::Resync));

    let changed = app
        .call_as(
            &ada,
            "change_password",
            &[
                ("current_password", &password),
                ("new_password", &strong_password()),
            ],
        )
        .await;
    assert_ok(&changed);
    assert_eq!(on_laptop.next().await, None, "the laptop's stream ended");
}

#[tokio::test]
async fn deleting_the_account_ends_its_streams() {
    let app = TestApp::spawn().await;
    let (ada, password) = person(&app).await;
    let mut events = Events::open(&app, &ada).await;
    assert_eq!(events.next().await, Some(Change::Resync));
    assert_ok(
        &app.call_as(&ada, "delete_account", &[("password", &password)])
            .await,
    );
    assert_eq!(events.next().await, None);
}

#[tokio::test]
async fn a_stale_edit_is_refused_and_the_row_keeps_the_first() {
    let app = TestApp::spawn().await;
    let (ada, _) = person(&app).await;
    let task = add(&app, &ada, "Draft").await;
    let id = task.id.to_string();
    let edit = |title: &'static str| {
        let id = id.clone();
        let app = &app;
        let ada = &ada;
        async move {
            app.call_as(
                ada,
                "update_task",
                &[("id", &id), ("version", "1"), ("title", title)],
            )
            .await
        }
    };
    let first = edit("From the laptop").await;
    assert_ok(&first);
    assert_eq!(first.json::<Task>().version, 2);

    let second = edit("From the phone").await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    // The refusal carries the task as it is now: the page needs no second request.
    let TaskError::Stale { conflict: now } = second.json::<TaskError>() else {
        panic!("not a stale refusal: {}", second.body);
    };
    assert_eq!((now.title.as_str(), now.version), ("From the laptop", 2));
    let stored: (String, i32) = sqlx::query_as("select title, version from tasks where id = $1")
        .bind(task.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, ("From the laptop".to_owned(), 2));

    // A stale toggle too; one based on the version now is made.
    let stale = app
        .call_as(
            &ada,
            "set_task_completed",
            &[("id", &id), ("completed", "true"), ("version", "1")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let TaskError::Stale { conflict: now } = stale.json::<TaskError>() else {
        panic!("not a stale refusal: {}", stale.body);
    };
    assert_eq!((now.version, now.completed), (2, false));
    let fresh = app
        .call_as(
            &ada,
            "set_task_completed",
            &[("id", &id), ("completed", "true"), ("version", "2")],
        )
        .await;
    assert_ok(&fresh);
    assert!(fresh.json::<Completion>().task.completed);
}

#[tokio::test]
async fn a_stale_plain_edit_comes_back_with_the_conflict_and_what_was_typed() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let task = app.added_task(&[("title", "Draft")]).await;
    let id = task.id.to_string();
    assert_ok(
        &app.call(
            "update_task",
            &[("id", &id), ("version", "1"), ("title", "Theirs")],
        )
        .await,
    );
    let page = format!("/?edit={id}");
    let res = app
        .post_form(
            "update_task",
            &[("id", &id), ("version", "1"), ("title", "Mine")],
            &page,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = res.headers()[header::LOCATION].to_str().unwrap();
    assert!(back.contains(&page), "back to the open edit: {back}");
    let html = app.get(&page).await.text().await.unwrap();
    assert!(html.contains("changed elsewhere"), "the conflict is said");
    assert!(
        html.contains("It now reads “Theirs”"),
        "with the current value"
    );
    assert!(
        html.contains(r#"value="Mine""#),
        "and what was typed is kept"
    );
    let title: String = sqlx::query_scalar("select title from tasks where id = $1")
        .bind(task.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(title, "Theirs");
}

#[tokio::test]
async fn streams_resync_when_the_listener_comes_back_after_the_database_was_away() {
    let app = TestApp::spawn_for_an_outage().await;
    let (ada, _) = person(&app).await;
    let mut events = Events::open(&app, &ada).await;
    assert_eq!(events.next().await, Some(Change::Resync));

    app.db.stop_database();
    // A write made while the listener is away is never heard as such...
    let direct: i64 = sqlx::query_scalar(
        "insert into tasks (user_id, title) select user_id, 'While away' from sessions
         where user_id is not null limit 1 returning id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    app.db.start_database();
    // ...so the stream is told to read everything again once the listener is back.
    assert_eq!(events.next().await, Some(Change::Resync));
    let later = add(&app, &ada, "After").await;
    assert_eq!(
        events.next().await,
        Some(Change::Task { id: later.id, v: 1 })
    );
    assert_ne!(direct, later.id);
}

#[tokio::test]
async fn a_person_may_hold_only_so_many_streams() {
    let app =
        TestApp::spawn_with(|name| (name == "LIVE_MAX_STREAMS_PER_USER").then(|| "2".to_owned()))
            .await;
    let (ada, _) = person(&app).await;
    let _one = Events::open(&app, &ada).await;
    let _two = Events::open(&app, &ada).await;
    assert_eq!(
        open_stream(&app, &ada).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let (bob, _) = person(&app).await;
    let mut bobs = Events::open(&app, &bob).await;
    assert_eq!(bobs.next().await, Some(Change::Resync));
    assert!(bobs.stays_quiet(Duration::from_millis(200)).await);
}

#[tokio::test]
async fn past_the_instances_stream_limit_a_new_stream_is_answered_busy() {
    let app =
        TestApp::spawn_with(|name| (name == "LIVE_MAX_STREAMS").then(|| "1".to_owned())).await;
    let (ada, _) = person(&app).await;
    let mut adas = Events::open(&app, &ada).await;
    let (bob, _) = person(&app).await;
    assert_eq!(
        open_stream(&app, &bob).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    // Ada's stream is untouched, and once it ends Bob's place is free.
    assert_eq!(adas.next().await, Some(Change::Resync));
    drop(adas);
    let mut bobs = tokio::time::timeout(PATIENCE, async {
        loop {
            let res = open_stream(&app, &bob).await;
            if res.status() == StatusCode::OK {
                break res;
            }
            assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the closed stream's place comes free");
    let first = tokio::time::timeout(PATIENCE, bobs.chunk())
        .await
        .expect("the stream says something")
        .unwrap()
        .unwrap();
    assert!(std::str::from_utf8(&first).unwrap().contains("resync"));
}

#[tokio::test]
async fn shutting_the_server_down_ends_its_streams_and_does_not_wait_for_them() {
    let mut app = TestApp::spawn().await;
    let (ada, _) = person(&app).await;
    let mut events = Events::open(&app, &ada).await;
    assert_eq!(events.next().await, Some(Change::Resync));
    tokio::time::timeout(PATIENCE, app.stop())
        .await
        .expect("shutdown does not wait for an open stream");
    assert_eq!(events.next().await, None, "the stream has ended");
}

#[tokio::test]
async fn a_stale_plain_toggle_comes_back_with_the_task_marked() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let task = app.added_task(&[("title", "Pay rent")]).await;
    let id = task.id.to_string();
    assert_ok(
        &app.call(
            "update_task",
            &[("id", &id), ("version", "1"), ("title", "Pay rent today")],
        )
        .await,
    );
    let res = app
        .post_form(
            "set_task_completed",
            &[("id", &id), ("completed", "true"), ("version", "1")],
            "/",
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let html = app.get("/").await.text().await.unwrap();
    assert!(
        html.contains("This task was changed elsewhere, so your change was not saved."),
        "the refused toggle is marked on its task: {html}"
    );
    assert!(html.contains("Pay rent today"), "shown as it is now");
    let completed: bool = sqlx::query_scalar("select completed from tasks where id = $1")
        .bind(task.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!completed, "nothing was written");
}
