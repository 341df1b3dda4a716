//! The list's plans at the shape of a personal install, where one person owns nearly every
//! row: each sort's first page, its active tasks' first page and a page deep in the list
//! (cursor at 90%) are an ordered scan of that sort's index, starting at the cursor (an
//! index condition) and stopping after a page, never a scan of the whole list and a sort,
//! whose cost would grow with the list. That holds for the plan PostgreSQL makes for the
//! values of one execution, for the one plan it makes for all values of a prepared
//! statement (the generic plan), and for whichever of them the pool's `plan_cache_mode =
//! auto` settles on. Work is counted in rows read, never timed. The statements are the
//! app's own, read from `.sqlx/`.

use std::{fs, path::Path};

use serde_json::Value;

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

/// The row a page starts after: the values of its sort's cursor.
struct After {
    created_at: chrono::DateTime<chrono::Utc>,
    id: i64,
    due_date: Option<chrono::NaiveDate>,
    due_at: Option<chrono::DateTime<chrono::Utc>>,
    priority: i16,
    title: String,
}

/// The arguments of a page, as SQL literals (`execute` takes no bind parameters): the
/// person, every filter off (or `completed`), and the cursor's values after `after` (none:
/// a first page). `$12` and on are the cursor's (`limit` last); of the due order, its
/// timestamp is the due moment.
fn page(
    user: uuid::Uuid,
    order: &str,
    types: &[String],
    completed: Option<bool>,
    after: Option<&After>,
) -> String {
    fn quoted(text: &str) -> String {
        format!("'{}'", text.replace('\'', "''"))
    }
    fn or_null<T>(value: Option<T>, ty: &str, show: impl Fn(T) -> String) -> String {
        value.map_or_else(|| format!("null::{ty}"), |v| format!("{}::{ty}", show(v)))
    }
    let last = types.len() - 1;
    let args: Vec<String> = types
        .iter()
        .enumerate()
        .map(|(i, ty)| match (i, ty.as_str()) {
            (0, _) => format!("'{user}'::uuid"),
            (1, _) => or_null(completed, "bool", |c| c.to_string()),
            (8, _) => "'{}'::text[]".to_owned(),
            (i, _) if i == last => "51".to_owned(),
            (i, "Bool") if i >= 11 => after.is_some().to_string(),
            (i, "Date") if i >= 11 => or_null(after.and_then(|a| a.due_date), "date", |d| {
                quoted(&d.to_string())
            }),
            (i, "Timestamptz") if i >= 11 && order.contains("due_at") => {
                or_null(after.and_then(|a| a.due_at), "timestamptz", |at| {
                    quoted(&at.to_rfc3339())
                })
            }
            (i, "Timestamptz") if i >= 11 => {
                or_null(after, "timestamptz", |a| quoted(&a.created_at.to_rfc3339()))
            }
            (i, "Int2") if i >= 11 => or_null(after, "smallint", |a| a.priority.to_string()),
            (i, "Text") if i >= 11 => or_null(after, "text", |a| quoted(&a.title)),
            (i, "Int8") if i >= 11 => or_null(after, "bigint", |a| a.id.to_string()),
            (_, "Bool") => "false".to_owned(),
            (_, other) => format!("null::{}", sql_type(other)),
        })
        .collect();
    args.join(", ")
}

/// The SQL type of a parameter as `.sqlx/` names it.
fn sql_type(ty: &str) -> &'static str {
    match ty {
        "Uuid" => "uuid",
        "Bool" => "bool",
        "Int2" => "smallint",
        "Int8" => "bigint",
        "Text" => "text",
        "TextArray" => "text[]",
        "Date" => "date",
        "Timestamptz" => "timestamptz",
        other => panic!("a parameter of type {other} this test does not know"),
    }
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
        (
            "coalesce(t.due_date, 'infinity'), coalesce(t.due_at, 'infinity'), t.id",
            "tasks_user_id_due_at_idx",
        ),
        (
            "t.priority desc, t.created_at desc, t.id desc",
            "tasks_user_id_priority_idx",
        ),
        ("lower(t.title), t.id", "tasks_user_id_title_idx"),
    ];
    let statements = list_statements();
    assert_eq!(statements.len(), expected.len(), "one statement per sort");
    let mut conn = app.pool.acquire().await.unwrap();
    for (n, (order, index)) in expected.into_iter().enumerate() {
        let (_, query, types) = statements
            .iter()
            .find(|(o, _, _)| o == order)
            .unwrap_or_else(|| panic!("no list statement ordered by {order}"));
        // The row 90% of the way down the list in this order.
        let (created_at, id, due_date, due_at, priority, title) = sqlx::query_as(&format!(
            "select t.created_at, t.id, t.due_date, t.due_at, t.priority, t.title from tasks t
             where t.user_id = $1 order by {order} offset 18000 limit 1"
        ))
        .bind(user.id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        let deep = After {
            created_at,
            id,
            due_date,
            due_at,
            priority,
            title,
        };
        let name = format!("list_{n}");
        let declared: Vec<&str> = types.iter().map(|t| sql_type(t)).collect();
        sqlx::raw_sql(&format!(
            "prepare {name}({}) as {query}",
            declared.join(", ")
        ))
        .execute(&mut *conn)
        .await
        .unwrap();
        for mode in ["force_custom_plan", "force_generic_plan", "auto"] {
            sqlx::raw_sql(&format!("set plan_cache_mode = {mode}"))
                .execute(&mut *conn)
                .await
                .unwrap();
            if mode == "auto" {
                // What a connection of the pool settles on: PostgreSQL plans the first five
                // executions for their values, then compares.
                for _ in 0..6 {
                    sqlx::raw_sql(&format!(
                        "execute {name}({})",
                        page(user.id, order, types, None, None)
                    ))
                    .execute(&mut *conn)
                    .await
                    .unwrap();
                }
            }
            for (what, completed, after) in [
                ("first page", None, None),
                ("active tasks' first page", Some(false), None),
                ("page at 90%", None, Some(&deep)),
            ] {
                let plan: Value = sqlx::query_scalar(&format!(
                    "explain (analyze, format json) execute {name}({})",
                    page(user.id, order, types, completed, after)
                ))
                .fetch_one(&mut *conn)
                .await
                .unwrap();
                let mut scans = Vec::new();
                task_scans(&plan[0]["Plan"], &mut scans);
                let shown = serde_json::to_string_pretty(&plan).unwrap();
                let context = format!("{order}, {what}, plan_cache_mode = {mode}");
                assert_eq!(scans.len(), 1, "{context}: one read of tasks\n{shown}");
                let scan = scans[0];
                assert!(
                    scan["Node Type"] == "Index Scan" && scan["Index Name"] == index,
                    "{context}: an ordered scan of {index}\n{shown}"
                );
                // Rows the scan read: those it returned and those its filter dropped. A page
                // is 51 rows; the active tasks are sparse among the oldest (80% done there).
                let read = scan["Actual Rows"].as_i64().unwrap()
                    + scan["Rows Removed by Filter"].as_i64().unwrap_or(0);
                let most = if completed.is_some() { 51 * 6 } else { 51 };
                assert!(
                    read <= most,
                    "{context}: read {read} rows for a page of 51 (at most {most})\n{shown}"
                );
            }
        }
    }
}
