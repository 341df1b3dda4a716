use reqwest::{header, StatusCode};

use crate::helpers::TestApp;

#[tokio::test]
async fn the_sign_in_page_is_rendered_on_the_server_with_its_hydration_scripts() {
    let app = TestApp::spawn().await;
    let res = app.get("/sign-in").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.contains("<title>Sign in · Tasks</title>"), "{html}");
    // `<!>` are hydration markers, which erased component types put after dynamic text.
    assert!(
        html.replace("<!>", "")
            .contains(r#"<label for="sign-in-email">Email</label>"#),
        "{html}"
    );
    assert!(
        html.contains("/pkg/tasklist.js"),
        "hydration script is linked"
    );
    assert!(
        html.contains(r#"data-hydrated="false""#),
        "not hydrated until the WASM runs"
    );
}

#[tokio::test]
async fn a_signed_out_visitor_is_sent_to_sign_in_and_back() {
    let app = TestApp::spawn().await;
    let res = app.get("/account").await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[header::LOCATION], "/sign-in?next=%2Faccount");
}

#[tokio::test]
async fn an_unknown_page_is_a_404_with_a_helpful_page() {
    let app = TestApp::spawn().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn a_remembered_dark_theme_is_rendered_by_the_server() {
    let app = TestApp::spawn().await;
    let html = app
        .client
        .get(app.url("/sign-in"))
        .header(header::COOKIE, "theme=dark")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<html lang="en" data-theme="dark""#),
        "{html}"
    );
}

#[tokio::test]
async fn responses_are_compressed_and_carry_a_request_id() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/sign-in"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
    let id = res.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a uuid: {id}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/api/anything"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(vec![b'a'; 3 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
