//! `/api/v1/export` and `/api/v1/import`: the account page's "Your data", for programs.

use axum::{
    body::Body,
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    auth::{Reader, Writer},
    problem::Problem,
    ApiQuery,
};
use crate::{
    error::AppError,
    portability::{
        export::Holder,
        import::{self, ImportError, Refused, IMPORT_MAX_BYTES},
        routes::download,
        Format,
    },
    state::AppState,
};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `json` (default: `{"format", "version", "exported_at", "tasks": [Task, ...]}`) or `csv`
    /// (a header line, then one line per task).
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/export", tag = "data", params(ExportParams),
    responses(
        (status = 200, description = "Every task with its tags, oldest first, streamed",
         content((String = "application/json"), (String = "text/csv"))),
        (status = 422, description = "An unknown format", body = Problem),
        (status = 503, description = "As many exports as the instance streams at once are \
            running, or one of yours is; try again after `Retry-After`", body = Problem),
    ),
    security(("token" = [])))]
/// Download every task. A token revoked while its export streams cuts the export short.
pub async fn export(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> Result<Response, Problem> {
    let format = Format::parse(params.format.as_deref()).ok_or_else(|| {
        Problem::invalid(vec![AppError::validation("format", "Use json or csv.")])
    })?;
    Ok(download(
        &state,
        caller.user.id,
        format,
        Holder::Token(caller.token_id),
    )
    .await?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Imported {
    /// How many tasks were added.
    imported: u64,
}

#[utoipa::path(post, path = "/api/v1/import", tag = "data",
    request_body(description = "This API's export (JSON, or a bare array of tasks) or a CSV \
        file: this API's columns, or a header line naming title, description, priority, \
        due date, tags, completed (and the names other apps give them). At most 48 MiB.",
        content((String = "application/json"), (String = "text/csv"))),
    responses(
        (status = 201, description = "Every task was added", body = Imported),
        (status = 413, description = "The file is larger than 48 MiB", body = Problem),
        (status = 415, description = "Neither JSON nor CSV", body = Problem),
        (status = 422, description = "Nothing was added: the rows in error are in `rows`", body = Problem),
        (status = 503, description = "As many imports as the instance takes at once are \
            running, or one of yours is: nothing was read; try again after `Retry-After`", body = Problem),
    ),
    security(("token" = [])))]
/// Import tasks: all of them, or none.
pub async fn import(
    State(state): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let format = match media.as_deref() {
        Some("application/json") => Format::Json,
        Some("text/csv") => Format::Csv,
        _ => {
            return Err(Problem::status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the file with Content-Type: application/json or text/csv.",
            ))
        }
    };
    // A place first: past the imports the instance takes at once, the file is not read.
    let admitted = state.imports.admit(caller.user.id)?;
    let bytes = import::read_file(body.into_data_stream(), import::announced_length(&headers))
        .await
        .map_err(|err| match err {
            import::FileError::TooLarge => Problem::status(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The file is larger than {} MiB.",
                    IMPORT_MAX_BYTES / (1024 * 1024)
                ),
            ),
            import::FileError::Body(_) => Problem::bad_request("The file could not be read."),
        })?;
    match import::run(
        &state.pool,
        &caller.user,
        bytes,
        format,
        state.quotas,
        admitted,
    )
    .await
    {
        Ok(imported) => Ok((StatusCode::CREATED, Json(Imported { imported })).into_response()),
        Err(Refused::Import(ImportError::Rows { errors, refused })) => {
            Err(Problem::import(errors, refused))
        }
        Err(Refused::Import(ImportError::File(message))) => Err(Problem::import_file(message)),
        Err(Refused::App(err)) => Err(err.into()),
    }
}
