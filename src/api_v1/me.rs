//! `/api/v1/me`: whose token this is, and what it may do.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{auth::Reader, problem::Problem};
use crate::tokens::Scope;

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    id: Uuid,
    email: String,
    name: Option<String>,
    /// The scope of the token this request was made with.
    scope: Scope,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses(
        (status = 200, description = "The token's owner", body = Me),
        (status = 401, description = "No valid token", body = Problem),
    ),
    security(("token" = [])))]
/// The person the token speaks for.
pub async fn me(Reader(caller): Reader) -> Json<Me> {
    Json(Me {
        id: caller.user.id,
        email: caller.user.email,
        name: caller.user.name,
        scope: caller.scope,
    })
}
