//! The README's API examples, run as written: a change to the API that breaks them fails here.

use crate::helpers::TestApp;

#[tokio::test]
async fn the_readme_api_examples_run_as_written() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- api-examples:start -->")
        .expect("the examples' start");
    let end = readme
        .find("<!-- api-examples:end -->")
        .expect("the examples' end");
    let block = &readme[start..end];
    let script = block
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("a sh block")
        .0;
    assert!(
        script.matches("curl").count() >= 10,
        "every endpoint has its example"
    );

    let app = TestApp::spawn().await;
    app.signed_up_user().await;
    let token = app.token("write").await;
    let dir =
        std::env::temp_dir().join(format!("tasklist-readme-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = tokio::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .env("TASKS_URL", &app.address)
        .env("TASKS_TOKEN", &token)
        .current_dir(&dir)
        .output()
        .await
        .expect("bash runs");
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success(),
        "the examples failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // They did what they say: one task, renamed, exported, imported back, the original gone.
    let rows: Vec<(String, bool)> = sqlx::query_as("select title, completed from tasks")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, [("Buy oat milk".to_owned(), false)]);
    let tags: Vec<String> = sqlx::query_scalar("select name from tags")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(tags, ["shop"]);
}
