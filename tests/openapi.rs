//! The JSON API's contract, visible: `docs/openapi.json` is the OpenAPI document the app
//! serves, committed, so a change to a type the API answers or reads (the page's `Task` is
//! also the API's) shows as a diff to review. When the change is meant:
//! `UPDATE_OPENAPI=1 cargo test --features ssr --test openapi`, and commit the file.

use std::{fs, path::Path};

#[test]
fn the_committed_openapi_document_is_the_one_the_app_serves() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json");
    let served = tasklist::api_v1::document()
        .to_pretty_json()
        .expect("the document is JSON")
        + "\n";
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        fs::write(&path, &served).expect("write docs/openapi.json");
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == served,
        "the API's document changed: review the change, then run \
         UPDATE_OPENAPI=1 cargo test --features ssr --test openapi and commit docs/openapi.json"
    );
}
