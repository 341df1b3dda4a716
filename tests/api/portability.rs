//! Export and import: through the JSON API and the account page, streamed out, all or
//! nothing in.

use reqwest::{header, multipart, Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{ApiAnswer, TestApp};

async fn writer(app: &TestApp) -> String {
    app.signed_up_user().await;
    app.token("write").await
}

async fn import(
    app: &TestApp,
    token: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> ApiAnswer {
    ApiAnswer::of(
        app.api(Method::POST, "/api/v1/import", token)
            .header(header::CONTENT_TYPE, content_type)
            .body(body),
    )
    .await
}

async fn export(app: &TestApp, token: &str, format: &str) -> reqwest::Response {
    app.api(
        Method::GET,
        &format!("/api/v1/export?format={format}"),
        token,
    )
    .send()
    .await
    .unwrap()
}

async fn task_count(app: &TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("select count(*) from tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// `user`'s tasks as rows to compare: title, description, priority, due date, tags,
/// completed, created_at (oldest first).
async fn rows(app: &TestApp, token: &str) -> Vec<Value> {
    let body: Value = export(app, token, "json").await.json().await.unwrap();
    body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            json!([
                t["title"],
                t["description"],
                t["priority"],
                t["due_date"],
                t["tags"],
                t["completed"],
                t["created_at"]
            ])
        })
        .collect()
}

async fn three_tasks(app: &TestApp, token: &str) {
    for body in [
        json!({"title": "Buy milk, eggs", "description": "two\nlines", "priority": "high",
               "due_date": "2026-12-01", "tags": ["shop", "home"]}),
        json!({"title": "Call \"Sam\"", "tags": ["phone"]}),
        json!({"title": "=1+1 is not a formula"}),
    ] {
        let answer = ApiAnswer::of(app.api(Method::POST, "/api/v1/tasks", token).json(&body)).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }
    let id: i64 = sqlx::query_scalar("select min(id) from tasks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    ApiAnswer::of(app.api(Method::POST, &format!("/api/v1/tasks/{id}/complete"), token)).await;
}

#[tokio::test]
async fn an_export_has_every_task_with_its_tags_as_json_and_csv() {
    let app = TestApp::spawn().await;
    let token = writer(&app).await;
    three_tasks(&app, &token).await;

    let res = export(&app, &token, "json").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
    assert!(res.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"tasks-"));
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["format"], "tasklist");
    let tasks = body["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 3);
    assert_eq!(tasks[0]["title"], "Buy milk, eggs");
    assert_eq!(tasks[0]["tags"], json!(["home", "shop"]));
    assert_eq!(tasks[0]["completed"], true);
    assert_eq!(tasks[0]["priority"], "high");

    let res = export(&app, &token, "csv").await;
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    let text = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "id",
            "title",
            "description",
            "priority",
            "due_date",
            "tags",
            "completed",
            "created_at",
            "updated_at"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 3);
    assert_eq!(&records[0][1], "Buy milk, eggs");
    assert_eq!(&records[0][2], "two\nlines");
    assert_eq!(&records[0][5], "home, shop");
    assert_eq!(&records[1][1], "Call \"Sam\"");

    // The account page's download is the same file, by the session.
    let page = app
        .client
        .get(app.url("/account/export?format=json"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let body: Value = page.json().await.unwrap();
    assert_eq!(body["tasks"].as_array().unwrap().len(), 3);
    // Unknown formats are refused; signed out, the page's download leads to sign-in.
    ApiAnswer::of(app.api(Method::GET, "/api/v1/export?format=xml", &token))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let anonymous = crate::helpers::api_client()
        .get(app.url("/account/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert!(anonymous.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/sign-in"));
}

#[tokio::test]
async fn an_export_streams_a_page_of_tasks_at_a_time() {
    let app = TestApp::spawn().await;
    let token = writer(&app).await;
    let user: uuid::Uuid = sqlx::query_scalar("select id from users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into tasks (user_id, title, created_at)
         select $1, 'task ' || n, now() - n * interval '1 second' from generate_series(1, 2500) as n",
    )
    .bind(user)
    .execute(&app.pool)
    .await
    .unwrap();
    let mut res = app
        .api(Method::GET, "/api/v1/export", &token)
        .header(header::ACCEPT_ENCODING, "identity")
        .send()
        .await
        .unwrap();
    assert!(
        res.headers().get(header::CONTENT_LENGTH).is_none(),
        "sent as it is made"
    );
    let mut chunks = 0;
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.unwrap() {
        chunks += 1;
        body.extend_from_slice(&chunk);
    }
    // A chunk per page of 1,000 tasks (and the last page's end).
    assert!(chunks >= 3, "{chunks} chunks");
    let body: Value = serde_json::from_slice(&body).unwrap();
    let tasks = body["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2500);
    assert_eq!(tasks[0]["title"], "task 2500", "oldest first");
    assert_eq!(tasks[2499]["title"], "task 1");

    // Compressed, as browsers ask for it: the whole stream, gzipped.
    let res = app
        .api(Method::GET, "/api/v1/export", &token)
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
    let gz = res.bytes().await.expect("the whole body arrives");
    assert_eq!(&gz[..2], [0x1f, 0x8b]);
    assert!(gz.len() > 1000);
}

#[tokio::test]
async fn an_export_imports_back_as_the_same_tasks_in_json_and_in_csv() {
    let app = TestApp::spawn().await;
    let token = writer(&app).await;
    three_tasks(&app, &token).await;
    let original = rows(&app, &token).await;
    let json_file = export(&app, &token, "json").await.bytes().await.unwrap();
    let csv_file = export(&app, &token, "csv").await.bytes().await.unwrap();

    for (content_type, file) in [("application/json", json_file), ("text/csv", csv_file)] {
        // A new person, with nothing yet.
        let theirs = app.another_persons_token("write").await;
        let answer = import(&app, &theirs, content_type, file).await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{content_type}: {}",
            answer.body
        );
        assert_eq!(answer.json, json!({"imported": 3}));
        assert_eq!(rows(&app, &theirs).await, original, "{content_type}");
    }
}

#[tokio::test]
async fn a_csv_export_writes_formulas_as_text_and_our_import_reads_them_back_unchanged() {
    // Issue 22 (4): a cell starting with = + - @ tab or CR runs as a formula in a
    // spreadsheet; the export puts a ' before it (OWASP), our import takes it off.
    let app = TestApp::spawn().await;
    let token = writer(&app).await;
    let titles = [
        "=HYPERLINK(\"https://evil.example\",\"Click\")",
        "+1+2",
        "-2",
        "@SUM(A1:A9)",
        "'already quoted",
        "Plain =not at the start",
    ];
    for title in titles {
        let body = json!({"title": title, "description": "=cmd|' /C calc'!A0"});
        let answer =
            ApiAnswer::of(app.api(Method::POST, "/api/v1/tasks", &token).json(&body)).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }
    let file = export(&app, &token, "csv").await.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(file.as_bytes());
    let mut cells = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        cells.push((record[1].to_owned(), record[2].to_owned()));
    }
    for (title, description) in &cells {
        for cell in [title, description] {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "written live: {cell:?}"
            );
        }
    }
    assert!(cells
        .iter()
        .any(|(t, _)| t == "'=HYPERLINK(\"https://evil.example\",\"Click\")"));
    assert!(cells.iter().any(|(t, _)| t == "''already quoted"));
    assert!(cells.iter().any(|(t, _)| t == "Plain =not at the start"));

    // Read back by our own import as they were typed.
    let theirs = app.another_persons_token("write").await;
    let answer = import(&app, &theirs, "text/csv", file).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    // The second person's tasks: those after the first person's six.
    let mut back: Vec<(String, String)> =
        sqlx::query_as("select title, description from tasks order by id offset 6")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    back.sort();
    let mut typed: Vec<(String, String)> = titles
        .iter()
        .map(|t| (t.to_string(), "=cmd|' /C calc'!A0".to_owned()))
        .collect();
    typed.sort();
    assert_eq!(back, typed);
}

#[tokio::test]
async fn an_import_with_a_creation_time_out_of_range_is_a_row_error_not_a_500() {
    // Issue 22 (5): PostgreSQL's "timestamp out of range" was a 500 and an ERROR log line.
    let app = TestApp::spawn().await;
    let token = writer(&app).await;
    for (media, file) in [
        (
            "application/json",
            r#"[{"title":"a","created_at":"-200000-01-01T00:00:00Z"}]"#.to_owned(),
        ),
        (
            "application/json",
            r#"[{"title":"a","created_at":"0001-01-01T00:00:00Z"}]"#.to_owned(),
        ),
        (
            "text/csv",
            "title,created_at
a,+200000-01-01
"
            .to_owned(),
        ),
        (
            "text/csv",
            "title,created_at
a,0001-01-01
"
            .to_owned(),
        ),
    ] {
        let answer = import(&app, &token, media, file.clone()).await;
        answer.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            answer.json["rows"][0]["field"], "created_at",
            "{file}: {}",
            answer.body
        );
    }
    assert_eq!(task_count(&app).await, 0);
}

#[tokio::test]
async fn an_import_with_a_bad_row_writes_nothing_and_reports_each_row() {
    let app = TestApp::spawn().await;
    let token = writer(&app).await;
    let file = json!([
        {"title": "fine", "tags": ["new tag"]},
        {"title": "", "priority": "urgent"},
        {"title": "also fine"},
        {"title": "x", "due_date": "someday"},
    ]);
    let answer = import(&app, &token, "application/json", file.to_string()).await;
    answer.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.json["type"], "urn:tasklist:problem:import");
    let rows: Vec<(i64, String)> = answer.json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_i64().unwrap(),
                r["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (2, "title".into()),
            (2, "priority".into()),
            (4, "due_date".into())
        ]
    );
    let (tasks, tags): (i64, i64) =
        sqlx::query_as("select (select count(*) from tasks), (select count(*) from tags)")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((tasks, tags), (0, 0), "all or nothing");

    // Files that are not a task list at all, or of another type.
    import(&app, &token, "application/json", "{\"tasks\": 5}")
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    import(&app, &token, "text/csv", "id,project\n1,x\n")
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    import(&app, &token, "application/json", "[]")
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    import(&app, &token, "application/xml", "<tasks/>")
        .await
        .assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(task_count(&app).await, 0);
}

#[tokio::test]
async fn a_csv_from_another_task_app_imports() {
    let app = TestApp::spawn().await;
    let token = writer(&app).await;
    let file = "\u{feff}TYPE,CONTENT,DESCRIPTION,PRIORITY,DUE DATE,LABELS,Done\n\
                task,Water the plants,,p1,2026-12-02 09:00,\"garden, home\",x\n\
                task,File taxes,before April,p4,,,no\n";
    let answer = import(&app, &token, "text/csv; charset=utf-8", file).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let tasks = &rows(&app, &token).await;
    let titles: Vec<&Value> = tasks.iter().map(|t| &t[0]).collect();
    assert_eq!(titles, [&json!("Water the plants"), &json!("File taxes")]);
    assert_eq!(tasks[0][2], "high");
    assert_eq!(tasks[0][3], "2026-12-02");
    assert_eq!(tasks[0][4], json!(["garden", "home"]));
    assert_eq!(tasks[0][5], true);
    assert_eq!(tasks[1][1], "before April");
}

#[tokio::test]
async fn an_import_past_the_quotas_is_refused_whole() {
    let app = TestApp::spawn_with(|name| match name {
        "MAX_TASKS_PER_USER" => Some("3".into()),
        "MAX_TAGS_PER_USER" => Some("2".into()),
        _ => None,
    })
    .await;
    let token = writer(&app).await;
    let answer = import(&app, &token, "text/csv", "title\na\nb\nc\nd\n").await;
    answer.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let answer = import(
        &app,
        &token,
        "application/json",
        r#"[{"title":"a","tags":["x","y","z"]}]"#,
    )
    .await;
    answer.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.json["detail"].as_str().unwrap().contains("tags"),
        "{}",
        answer.body
    );
    assert_eq!(task_count(&app).await, 0);
    // What fits goes in, and is then counted.
    assert_eq!(
        import(&app, &token, "text/csv", "title\na\nb\n")
            .await
            .status,
        StatusCode::CREATED
    );
    // A file that fits the list's size but not what is left of it gets the message an add gets,
    // said of the file.
    let answer = import(&app, &token, "text/csv", "title\nc\nd\n").await;
    answer.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.json["detail"]
            .as_str()
            .unwrap()
            .contains("Nothing was imported: that would take your list past 3 tasks"),
        "{}",
        answer.body
    );
    assert_eq!(task_count(&app).await, 2);
}

#[tokio::test]
async fn an_import_larger_than_its_limit_is_refused() {
    let app = TestApp::spawn().await;
    let token = writer(&app).await;
    let limit = tasklist::portability::import::IMPORT_MAX_BYTES;
    // Above the app's 256 KiB for other requests, below the import's own limit: read.
    let mut file = String::from("title\n");
    while file.len() < 400 * 1024 {
        file.push_str("a task with a long enough title to fill the file quickly\n");
    }
    let rows = file.lines().count() - 1;
    let answer = import(&app, &token, "text/csv", file).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(answer.json["imported"], rows);
    // Past it: 413, nothing read.
    let answer = import(&app, &token, "text/csv", vec![b'a'; limit + 1]).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(task_count(&app).await, rows as i64);
}

fn upload(content: &str, name: &str) -> multipart::Form {
    multipart::Form::new().part(
        "file",
        multipart::Part::bytes(content.as_bytes().to_vec()).file_name(name.to_owned()),
    )
}

#[tokio::test]
async fn the_account_page_upload_imports_and_says_what_happened() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let post = |form: multipart::Form| {
        app.client
            .post(app.url("/account/import"))
            .header(header::ACCEPT, "text/html")
            .header("sec-fetch-site", "same-origin")
            .header(header::ORIGIN, &app.address)
            .multipart(form)
            .send()
    };
    let res = post(upload(
        "title,tags\nFrom a file,imported\nAnother,\n",
        "tasks.csv",
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/account#data");
    assert_eq!(task_count(&app).await, 2);
    let page = app.get("/account").await.text().await.unwrap();
    assert!(page.contains("Imported 2 tasks."), "the page says so");
    let page = app.get("/account").await.text().await.unwrap();
    assert!(!page.contains("Imported"), "once");
    // Issue 22 (9): a link cannot make the page say anything.
    let page = app
        .get("/account?imported=99999")
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Imported"), "not from the URL");

    // A bad file: back to the page with the rows in error, nothing written.
    let res = post(upload("title,priority\nok,\nbad,urgent\n", "bad.csv"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/account#data");
    let page = app.get("/account").await.text().await.unwrap();
    assert!(
        page.contains("Nothing was imported: 1 row is not valid. row 2 (priority)"),
        "the error shows"
    );
    assert_eq!(task_count(&app).await, 2);

    // From another site: refused before it is read.
    let res = app
        .client
        .post(app.url("/account/import"))
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, "https://evil.example")
        .multipart(upload("title\nplanted\n", "x.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(task_count(&app).await, 2);
}

/// Issue 23 (1): a JSON export imports back with every field of every task, the moments
/// included, for a person in a zone with summer time. What is compared is every member the
/// export writes (so a field added to `Task` is compared too), but the server's own: `id`,
/// `version` and `updated_at`.
#[tokio::test]
async fn a_json_export_imports_back_with_every_field_of_every_task() {
    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    crate::helpers::assert_ok(
        &app.call("update_time_zone", &[("time_zone", "Europe/Paris")])
            .await,
    );
    let token = app.token("write").await;
    for form in [
        vec![
            ("title", "Standup"),
            ("description", "two\nlines"),
            ("priority", "high"),
            ("due_date", "2026-12-07"),
            ("due_time", "09:15"),
            ("repeat", "weekly"),
            ("repeat_mon", "on"),
            ("repeat_thu", "on"),
            ("repeat_from", "completion"),
            ("repeat_count", "5"),
            ("remind", "10"),
            ("tags", "work, daily"),
        ],
        vec![
            ("title", "Call the bank"),
            ("due_date", "2026-07-01"),
            ("remind", "at"),
            ("remind_at", "2026-06-30T18:45"),
        ],
        vec![("title", "Plain")],
    ] {
        app.added_task(&form).await;
    }
    let done = app.added_task(&[("title", "Done already")]).await;
    crate::helpers::assert_ok(
        &app.call(
            "set_task_completed",
            &[("id", &done.id.to_string()), ("completed", "true")],
        )
        .await,
    );
    let tasks_of = |body: Value| -> Vec<Value> {
        let mut tasks = body["tasks"].as_array().unwrap().clone();
        for task in &mut tasks {
            let task = task.as_object_mut().unwrap();
            for servers in ["id", "version", "updated_at"] {
                assert!(
                    task.remove(servers).is_some(),
                    "the export writes {servers}"
                );
            }
        }
        tasks
    };
    let file = export(&app, &token, "json").await.bytes().await.unwrap();
    let expected = tasks_of(serde_json::from_slice(&file).unwrap());
    assert_eq!(expected.len(), 4);
    let (client, _) = crate::helpers::new_client();
    let password = crate::helpers::strong_password();
    let answer = app
        .call_as(
            &client,
            "sign_up",
            &[
                ("email", &crate::helpers::unique_email()),
                ("name", ""),
                ("password", &password),
                ("time_zone", "Europe/Paris"),
            ],
        )
        .await;
    crate::helpers::assert_ok(&answer);
    let theirs = app.token_as(&client, &password, "write").await;
    let answer = import(&app, &theirs, "application/json", file).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let again: Value = export(&app, &theirs, "json").await.json().await.unwrap();
    let imported = tasks_of(again);
    assert_eq!(imported, expected);
    // The moments are there to compare: the reminder at a moment, and the one before due.
    assert_eq!(expected[1]["remind_at"], "2026-06-30T16:45:00Z");
    assert_eq!(expected[0]["remind_at"], "2026-12-07T08:05:00Z");
}
