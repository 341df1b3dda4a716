//! Errors of the JSON API as `application/problem+json` (RFC 9457): the status, a title, a
//! detail a person can read, and for bad input every field in error. Built from `AppError`,
//! which carries nothing internal, so neither does a problem.

use axum::{
    extract::rejection::{JsonRejection, PathRejection, QueryRejection},
    response::{IntoResponse, Response},
    Json,
};
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{error::AppError, portability::RowError, tasks::Task};

/// An error answer. `type` names the kind of problem: `about:blank` (the status says it
/// all), or one of this API's: `urn:tasklist:problem:validation` (see `errors`),
/// `urn:tasklist:problem:conflict` (see `current`), `urn:tasklist:problem:import`
/// (see `rows`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// Each field in error, for a validation problem.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// The task as it is now, for a conflict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<Box<Task>>,
    /// Each row refused, for an import (the first 100).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowError>,
    #[serde(skip)]
    retry_after: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl Problem {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            current: None,
            rows: Vec::new(),
            retry_after: None,
        }
    }

    /// A problem of `status` with this detail.
    pub fn status(status: StatusCode, detail: impl Into<String>) -> Self {
        Self::new(status, detail)
    }

    /// An import refused as a whole (not JSON, too many rows, a quota); nothing was written.
    pub fn import_file(message: String) -> Self {
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Nothing was imported: {message}"),
        );
        p.kind = "urn:tasklist:problem:import";
        p
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    pub fn not_found() -> Self {
        Self::from(AppError::NotFound)
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut p = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("This token made too many requests. Try again in {retry_after_secs} s."),
        );
        p.retry_after = Some(retry_after_secs);
        p
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        let mut p = Self::new(StatusCode::SERVICE_UNAVAILABLE, detail);
        p.retry_after = Some(2);
        p
    }

    /// Bad input: every field in error (`errors` must not be empty).
    pub fn invalid(errors: Vec<AppError>) -> Self {
        let errors: Vec<FieldProblem> = errors
            .into_iter()
            .map(|e| match e {
                AppError::Validation { field, message } => FieldProblem { field, message },
                other => FieldProblem {
                    field: "request".into(),
                    message: other.to_string(),
                },
            })
            .collect();
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            match errors.as_slice() {
                [one] => one.message.clone(),
                _ => format!("{} fields are not valid.", errors.len()),
            },
        );
        p.kind = "urn:tasklist:problem:validation";
        p.errors = errors;
        p
    }

    /// An import refused, with its rows in error; nothing was written.
    pub fn import(rows: Vec<RowError>, refused: usize) -> Self {
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "Nothing was imported: {refused} row{} not valid.",
                if refused == 1 { " is" } else { "s are" }
            ),
        );
        p.kind = "urn:tasklist:problem:import";
        p.rows = rows;
        p
    }

    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<AppError> for Problem {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Validation { .. } => Self::invalid(vec![err]),
            AppError::Conflict => {
                let mut p = Self::new(StatusCode::CONFLICT, err.to_string());
                p.kind = "urn:tasklist:problem:conflict";
                p
            }
            AppError::Unavailable => Self::unavailable(err.to_string()),
            AppError::BadRequest(detail) => Self::bad_request(detail),
            other => Self::new(other.status_code(), other.to_string()),
        }
    }
}

impl From<sqlx::Error> for Problem {
    fn from(err: sqlx::Error) -> Self {
        Self::from(AppError::from(err))
    }
}

/// A task write refused: as its `AppError`, a stale version as a conflict carrying the task
/// as it is now.
impl From<crate::tasks::TaskError> for Problem {
    fn from(err: crate::tasks::TaskError) -> Self {
        match err {
            crate::tasks::TaskError::Stale { conflict } => {
                let mut p = Self::from(AppError::Conflict);
                p.current = Some(conflict);
                p
            }
            crate::tasks::TaskError::App(error) => Self::from(error),
        }
    }
}

impl From<JsonRejection> for Problem {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the body as JSON, with Content-Type: application/json.",
            ),
            JsonRejection::JsonDataError(e) => {
                Self::invalid(vec![AppError::validation("body", e.body_text())])
            }
            JsonRejection::JsonSyntaxError(_) => Self::bad_request("The body is not valid JSON."),
            JsonRejection::BytesRejection(_) => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The body is too large or could not be read.",
            ),
            _ => Self::bad_request("The body could not be read."),
        }
    }
}

impl From<PathRejection> for Problem {
    fn from(_: PathRejection) -> Self {
        // An id that is not a number cannot name anything.
        Self::not_found()
    }
}

impl From<QueryRejection> for Problem {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request(rejection.body_text())
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let retry_after = self.retry_after;
        let mut res = (status, Json(&self)).into_response();
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"api\""),
            );
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_in_error_is_listed() {
        let p = Problem::invalid(vec![
            AppError::validation("title", "Enter a title for the task."),
            AppError::validation("priority", "Choose high, medium, low or no priority."),
        ]);
        assert_eq!(p.status, 422);
        assert_eq!(p.errors.len(), 2);
        assert_eq!(p.errors[1].field, "priority");
        assert_eq!(p.detail, "2 fields are not valid.");
    }

    #[test]
    fn internal_errors_say_nothing_of_their_cause() {
        let p = Problem::from(sqlx::Error::Protocol(
            "relation tasks does not exist".into(),
        ));
        assert_eq!(p.status, 500);
        let json = serde_json::to_string(&p).unwrap();
        assert!(!json.contains("relation"), "{json}");
    }

    #[test]
    fn busy_asks_to_retry() {
        let res = Problem::from(sqlx::Error::PoolTimedOut).into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(res.headers().contains_key(header::RETRY_AFTER));
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}
