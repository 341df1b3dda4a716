//! The list's plans at the shape of a personal install, where one person owns nearly every
//! row: each sort's first page (and the active tasks' first page) is an ordered scan of that
//! sort's index that stops after a page, never a scan of the whole list and a sort, whose
//! cost would grow with the list. The statements are the app's own, read from `.sqlx/`.

use std::{fs, path::Path};

use serde_json::Value;
use sqlx::{postgres::PgArguments, Arguments};

use crate::helpers::TestApp;

/// The app's list statements, by the order each ends with.
fn list_statements() -> Vec<(String, String, Vec<String>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".sqlx");
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).expect("read .sqlx") {
        let text = fs::read_to_string(entry.unwrap().path()).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        let query = json["query"].as_str().unwrap_or_default();
        if query.contains("ilike all") {
            let tail = query.rsplit("order by").next().unwrap();
            let order = tail.split("limit").next().unwrap().trim().to_owned();
            let types = json["describe"]["parameters"]["Left"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_owned())
                .collect();
            found.push((order, query.to_owned(), types));
        }
    }
    found
}

/// The binds of a first page: the person, every filter off (or `completed`), no cursor.
fn first_page(user: uuid::Uuid, types: &[String], completed: Option<bool>) -> PgArguments {
    let mut args = PgArguments::default();
    let last = types.len() - 1;
    for (i, ty) in types.iter().enumerate() {
        match (i, ty.as_str()) {
            (0, _) => args.add(user).unwrap(),
            (1, _) => args.add(completed).unwrap(),
            (8, _) => args.add(Vec::<String>::new()).unwrap(),
            (i, _) if i == last => args.add(51_i64).unwrap(),
            (_, "Bool") => args.add(false).unwrap(),
            (_, "Int2") => args.add(None::<i16>).unwrap(),
            (_, "Int8") => args.add(None::<i64>).unwrap(),
            (_, "Text") => args.add(None::<String>).unwrap(),
            (_, "Date") => args.add(None::<chrono::NaiveDate>).unwrap(),
            (_, "Timestamptz") => args.add(None::<chrono::DateTime<chrono::Utc>>).unwrap(),
            (_, other) => panic!("a parameter of type {other} this test does not bind"),
        }
    }
    args
}

/// Every plan node that reads `tasks`.
fn task_scans<'a>(node: &'a Value, out: &mut Vec<&'a Value>) {
    if node["Relation Name"] == "tasks" {
        out.push(node);
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        task_scans(child, out);
    }
}

#[tokio::test]
async fn each_sort_reads_its_index_in_order_when_one_person_owns_the_table() {
    let app = TestApp::spawn().await;
    let (user, _) = app.signed_up_user().await;
    // One person with 20,000 tasks over three years (some done, a third with a due date,
    // priorities leaning to none, tags on some), and two others with a few.
    let seed = r#"
        with owner as (select $1::uuid as id)
        insert into tasks (user_id, title, description, completed, priority, due_date, created_at)
        select owner.id,
               (array['Pay invoice', 'Call plumber', 'Write report', 'Book flights'])[1 + g % 4] || ' ' || g,
               case when g % 3 = 0 then 'details ' || g end,
               g < 15000 and g % 5 <> 0,
               case when g % 10 = 0 then 3 when g % 7 = 0 then 2 when g % 5 = 0 then 1 else 0 end,
               case when g % 3 = 0 then date '2027-01-01' + (g % 400) end,
               now() - make_interval(secs => (20000 - g) * 4700)
        from owner, generate_series(1, 20000) g
    "#;
    sqlx::query(seed)
        .bind(user.id)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into tags (user_id, name) select $1, 'tag ' || g from generate_series(1, 20) g",
    )
    .bind(user.id)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into task_tags (task_id, tag_id)
         select t.id, g.id from tasks t join tags g on g.user_id = t.user_id
         where t.id % 4 = 0 and g.name = 'tag ' || (1 + t.id % 20)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    for _ in 0..2 {
        let (other, _) = app.signed_up_user().await;
        sqlx::query("insert into tasks (user_id, title) select $1, 'theirs ' || g from generate_series(1, 10) g")
            .bind(other.id)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    sqlx::query("analyze").execute(&app.pool).await.unwrap();

    let expected = [
        (
            "t.created_at desc, t.id desc",
            "tasks_user_id_created_at_idx",
        ),
        ("t.created_at, t.id", "tasks_user_id_created_at_idx"),
        ("t.due_date nulls last, t.id", "tasks_user_id_due_date_idx"),
        (
            "t.priority desc, t.created_at desc, t.id desc",
            "tasks_user_id_priority_idx",
        ),
        ("lower(t.title), t.id", "tasks_user_id_title_idx"),
    ];
    let statements = list_statements();
    assert_eq!(statements.len(), expected.len(), "one statement per sort");
    let mut conn = app.pool.acquire().await.unwrap();
    // As the app's pool plans: each execution with its values.
    sqlx::query("set plan_cache_mode = force_custom_plan")
        .execute(&mut *conn)
        .await
        .unwrap();
    for (order, index) in expected {
        let (_, query, types) = statements
            .iter()
            .find(|(o, _, _)| o == order)
            .unwrap_or_else(|| panic!("no list statement ordered by {order}"));
        for completed in [None, Some(false)] {
            let plan: Value = sqlx::query_scalar_with(
                &format!("explain (format json) {query}"),
                first_page(user.id, types, completed),
            )
            .fetch_one(&mut *conn)
            .await
            .unwrap();
            let mut scans = Vec::new();
            task_scans(&plan[0]["Plan"], &mut scans);
            let shown = serde_json::to_string_pretty(&plan).unwrap();
            assert_eq!(scans.len(), 1, "{order}: one read of tasks\n{shown}");
            let scan = scans[0];
            assert!(
                scan["Node Type"] == "Index Scan" && scan["Index Name"] == index,
                "{order} (completed {completed:?}): an ordered scan of {index}\n{shown}"
            );
        }
    }
}
