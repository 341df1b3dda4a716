//! The one error type of the app. It crosses the wire from server functions to the browser,
//! so it carries only what a person may see: internal causes are logged on the server and
//! reach the client as a generic message.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Bad input, shown beside the field it names.
    #[error("{message}")]
    Validation { field: String, message: String },
    /// No session, or the session expired.
    #[error("Please sign in to continue.")]
    Unauthorized,
    /// Missing, or not yours: the same answer, so existence is never confirmed.
    #[error("That item was not found.")]
    NotFound,
    /// The item changed since the version the request was based on (another tab, device
    /// or program wrote first); nothing was written.
    #[error("It was changed elsewhere in the meantime, so your change was not saved.")]
    Conflict,
    #[error("Too many attempts. Please wait a few minutes and try again.")]
    TooManyRequests,
    /// The database is away or every connection is busy: retrying later will work.
    #[error("The service is busy right now. Please try again in a moment.")]
    Unavailable,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request itself was malformed (for example an id that is not a number).
    #[error("The request was not valid: {0}")]
    BadRequest(String),
}

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The message for `field`, if this error is about it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            Self::Validation { field: f, message } if f == field => Some(message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                Self::BadRequest(msg)
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => Self::Unavailable,
            _ => Self::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
pub use ssr::server_fn_error_status;

/// A database result whose unique constraint `name`, when it refuses the write, means
/// something the person can act on (as realworld-axum-sqlx has it).
#[cfg(feature = "ssr")]
pub trait ResultExt<T> {
    /// `Err(refused())` when constraint `name` refused the write; any other error as usual.
    fn on_constraint(self, name: &str, refused: impl FnOnce() -> AppError) -> Result<T, AppError>;
}

#[cfg(feature = "ssr")]
impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_constraint(self, name: &str, refused: impl FnOnce() -> AppError) -> Result<T, AppError> {
        self.map_err(
            |err| match err.as_database_error().and_then(|e| e.constraint()) {
                Some(constraint) if constraint == name => refused(),
                _ => AppError::from(err),
            },
        )
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;
    use axum::{body::Body, extract::Request, middleware::Next, response::Response};
    use http::StatusCode;
    use leptos::server_fn::error::FromServerFnError as _;

    /// The largest error body worth decoding: an `AppError` is a few bytes, a stale task
    /// write's carries one task (under the 64 KiB a task's JSON may have).
    const MAX_ERROR_BODY: usize = 64 * 1024;

    /// Server functions answer every error with 500. This gives each `AppError` its own
    /// status (401, 404, 422, ...), including the errors raised before the function runs,
    /// such as arguments that do not parse. Redirects (plain form posts) are left alone.
    pub async fn server_fn_error_status(req: Request, next: Next) -> Response {
        let res = next.run(req).await;
        if res.status() != StatusCode::INTERNAL_SERVER_ERROR
            || !res
                .headers()
                .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
        {
            return res;
        }
        let (mut parts, body) = res.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
            parts.status = StatusCode::INTERNAL_SERVER_ERROR;
            return Response::from_parts(parts, Body::empty());
        };
        /// A stale task write (`tasks::TaskError::Stale`): the task as it is now, under `conflict`.
        #[derive(serde::Deserialize)]
        struct Stale {
            #[allow(dead_code)]
            conflict: serde::de::IgnoredAny,
        }
        if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
            parts.status = error.status_code();
            if let Some(retry) = error.retry_after() {
                parts.headers.insert(http::header::RETRY_AFTER, retry);
            }
        } else if serde_json::from_slice::<Stale>(&bytes).is_ok() {
            parts.status = AppError::Conflict.status_code();
        }
        Response::from_parts(parts, Body::from(bytes))
    }

    /// An error answered outside a server function (a timeout, a panic): its status, and
    /// the same JSON body a server function's error has, which the browser app decodes.
    impl axum::response::IntoResponse for AppError {
        fn into_response(self) -> Response {
            let mut res = Response::new(Body::from(self.ser()));
            *res.status_mut() = self.status_code();
            let headers = res.headers_mut();
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            headers.insert(
                leptos::server_fn::error::SERVER_FN_ERROR_HEADER,
                http::HeaderValue::from_static("1"),
            );
            if let Some(retry) = self.retry_after() {
                headers.insert(http::header::RETRY_AFTER, retry);
            }
            res
        }
    }

    impl AppError {
        /// `Retry-After` for the errors that will go away: "busy" clears within seconds.
        pub fn retry_after(&self) -> Option<http::HeaderValue> {
            match self {
                Self::Unavailable => Some(http::HeaderValue::from_static("2")),
                _ => None,
            }
        }

        pub fn status_code(&self) -> StatusCode {
            match self {
                Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                Self::Unauthorized => StatusCode::UNAUTHORIZED,
                Self::NotFound => StatusCode::NOT_FOUND,
                Self::Conflict => StatusCode::CONFLICT,
                Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
                Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
                Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            }
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            match &err {
                // No `RowNotFound => NotFound`: where a row may be missing, `db` returns an
                // `Option` and the caller says `NotFound`; a row missing where it must be (the
                // task just inserted) is a fault, answered 500 and logged below.
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                    let reason = if matches!(err, sqlx::Error::PoolTimedOut) {
                        "pool_timeout"
                    } else {
                        "connection"
                    };
                    metrics::counter!(crate::monitoring::DB_UNAVAILABLE, "reason" => reason)
                        .increment(1);
                    tracing::warn!(error = %err, "database unavailable");
                    Self::Unavailable
                }
                // 57014: cancelled by `statement_timeout`; 57P01..57P03: the server is
                // shutting down or starting (a restart).
                sqlx::Error::Database(db)
                    if db
                        .code()
                        .is_some_and(|c| matches!(&*c, "57014" | "57P01" | "57P02" | "57P03")) =>
                {
                    let reason = if db.code().is_some_and(|c| c == "57014") {
                        "statement_timeout"
                    } else {
                        "restarting"
                    };
                    metrics::counter!(crate::monitoring::DB_UNAVAILABLE, "reason" => reason)
                        .increment(1);
                    tracing::warn!(error = %err, "database statement cancelled or server restarting");
                    Self::Unavailable
                }
                _ => {
                    tracing::error!(error = %err, "database error");
                    Self::Internal
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_say_nothing_about_their_cause() {
        let shown = AppError::Internal.to_string();
        assert!(!shown.to_lowercase().contains("sql"));
        assert!(shown.contains("try again"));
    }

    #[test]
    fn field_message_is_only_given_for_its_field() {
        let e = AppError::validation("title", "Enter a title.");
        assert_eq!(e.field_message("title").as_deref(), Some("Enter a title."));
        assert_eq!(e.field_message("description"), None);
        assert_eq!(AppError::NotFound.field_message("title"), None);
    }

    #[test]
    fn errors_round_trip_through_the_wire_encoding() {
        for e in [
            AppError::validation("email", "Enter an email address."),
            AppError::Unauthorized,
            AppError::NotFound,
            AppError::BadRequest("id".into()),
        ] {
            assert_eq!(AppError::de(e.ser()), e);
        }
    }

    #[test]
    fn malformed_arguments_become_bad_requests() {
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Args("invalid digit".into()));
        assert_eq!(e, AppError::BadRequest("invalid digit".into()));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn database_errors_are_hidden_and_timeouts_ask_to_retry() {
        assert_eq!(
            AppError::from(sqlx::Error::PoolTimedOut),
            AppError::Unavailable
        );
        assert_eq!(
            AppError::from(sqlx::Error::Protocol(
                "relation tasks does not exist".into()
            )),
            AppError::Internal
        );
        // A row missing where it must be is a fault (`a_missing_row_is_a_fault_…`).
        assert_eq!(AppError::from(sqlx::Error::RowNotFound), AppError::Internal);
    }
}
