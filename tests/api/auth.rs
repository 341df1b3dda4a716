//! Accounts and sessions: SECURITY.md A1-A7, S1-S5, C2-C4, V4, T1-T2, R1.

use reqwest::StatusCode;

use crate::helpers::{strong_password, unique_email, TestApp};

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
