//! `/api/v1/tags`: list (A to Z, keyset pages), rename, delete. The tags server functions'
//! twins: the API's door to `tags::service`.

use axum::{extract::State, http::StatusCode, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    auth::{Reader, Writer},
    problem::Problem,
    ApiJson, ApiPath, ApiQuery,
};
use crate::{
    state::AppState,
    tags::{service::Tags, Tag, TAG_PAGE_SIZE},
};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct TagParams {
    /// The `next_cursor` of the page before.
    cursor: Option<String>,
}

/// A page of tags (200 at most) and where the next one starts.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    results: Vec<Tag>,
    next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagRename {
    /// 1 to 40 characters, no commas; not a name (in any case) of another of your tags.
    name: String,
}

#[utoipa::path(get, path = "/api/v1/tags", tag = "tags", params(TagParams),
    responses(
        (status = 200, description = "A page of tags, A to Z, with how many tasks carry each", body = TagList),
        (status = 400, description = "A cursor that is not valid", body = Problem),
    ),
    security(("token" = [])))]
/// List tags.
pub async fn list(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiQuery(params): ApiQuery<TagParams>,
) -> Result<Json<TagList>, Problem> {
    let page = Tags::new(&state.pool, caller.user.id)
        .page(params.cursor.as_deref(), TAG_PAGE_SIZE)
        .await?;
    Ok(Json(TagList {
        results: page.tags,
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(patch, path = "/api/v1/tags/{id}", tag = "tags", request_body = TagRename,
    params(("id" = i64, Path, description = "The tag's id")),
    responses(
        (status = 204, description = "Renamed"),
        (status = 404, description = "No such tag of yours", body = Problem),
        (status = 422, description = "A name that is not valid or already used", body = Problem),
    ),
    security(("token" = [])))]
/// Rename a tag; its tasks keep it.
pub async fn rename(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TagRename>,
) -> Result<StatusCode, Problem> {
    Tags::new(&state.pool, caller.user.id)
        .rename(id, &body.name)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/tags/{id}", tag = "tags",
    params(("id" = i64, Path, description = "The tag's id")),
    responses(
        (status = 204, description = "Deleted; its tasks stay, without it"),
        (status = 404, description = "No such tag of yours", body = Problem),
    ),
    security(("token" = [])))]
/// Delete a tag; its tasks stay.
pub async fn delete(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, Problem> {
    Tags::new(&state.pool, caller.user.id).delete(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
