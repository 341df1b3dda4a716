//! Expand/contract, checked: every SQL statement of an older release (its `.sqlx/` data,
//! recorded in `tests/compat/statements.json` by `scripts/compat-snapshot.sh`) still
//! prepares against the schema the current migrations make. An older instance still running
//! during a rolling deploy, after a newer one migrated, keeps working.

use sqlx::Executor;

use crate::helpers::TestApp;

fn snapshot() -> (String, Vec<String>) {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../compat/statements.json")).expect("the snapshot");
    let statements = doc["statements"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| s.as_str().expect("a statement").to_owned())
        .collect();
    (doc["release"].as_str().unwrap().to_owned(), statements)
}

#[tokio::test]
async fn every_statement_of_the_older_release_prepares_on_the_current_schema() {
    let app = TestApp::spawn().await;
    let (release, statements) = snapshot();
    assert!(
        statements.len() > 30,
        "the whole release: {}",
        statements.len()
    );
    for sql in &statements {
        if let Err(err) = app.pool.describe(sql).await {
            panic!("a statement of {release} no longer prepares: {err}\n{sql}");
        }
    }
}

#[tokio::test]
async fn a_contracting_change_is_caught() {
    // The check can fail: with `tasks.title` renamed (a change that is not expand-only),
    // the older release's statements that read it no longer prepare.
    let app = TestApp::spawn().await;
    let (_, statements) = snapshot();
    let mut tx = app.pool.begin().await.unwrap();
    tx.execute("alter table tasks rename column title to name")
        .await
        .unwrap();
    // The first failure aborts the transaction, so stop there.
    let mut caught = false;
    for sql in statements.iter().filter(|s| s.contains("title")) {
        if tx.describe(sql).await.is_err() {
            caught = true;
            break;
        }
    }
    tx.rollback().await.unwrap();
    assert!(caught, "a renamed column breaks the older statements");
}
