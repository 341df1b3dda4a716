//! The account page's "Your data": `GET /account/export?format=json|csv` (a download) and
//! `POST /account/import` (a file upload, `multipart/form-data`, field `file`). Plain routes
//! authenticated by the session, so they work the same with JavaScript off; the import
//! answers with a redirect back to the account page, its result or error kept for it.

use axum::{
    extract::{Multipart, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    export::{self, Holder},
    import::{self, Refused},
    Format,
};
use crate::{
    auth::session::signed_in,
    error::AppError,
    forms::{flash_header, FormFlash},
    once_cookie,
    state::AppState,
};

#[derive(Deserialize)]
pub struct ExportParams {
    format: Option<String>,
}

/// The download of the signed-in person's tasks.
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    Query(params): Query<ExportParams>,
) -> Response {
    let (user, epoch) = match signed_in(&session, &state.sessions).await {
        Ok(Some(found)) => found,
        Ok(None) => return Redirect::to("/sign-in?next=%2Faccount").into_response(),
        Err(err) => return err.into_response(),
    };
    let Some(format) = Format::parse(params.format.as_deref()) else {
        return AppError::BadRequest("format must be json or csv".into()).into_response();
    };
    let Some(id) = session.id() else {
        return AppError::Unauthorized.into_response();
    };
    download(&state, user.id, format, Holder::Session { id, epoch })
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// An export as a download: its type, its file name, and the streamed body. Past the
/// exports the instance streams at once (or a second one of this person's), 503 with
/// `Retry-After`.
pub async fn download(
    state: &AppState,
    user: uuid::Uuid,
    format: Format,
    holder: Holder,
) -> Result<Response, AppError> {
    let admitted = state.exports.admit(user)?;
    let body = export::body(state.pool.clone(), user, format, holder, admitted).await?;
    let disposition = format!("attachment; filename=\"{}\"", export::file_name(format));
    let mut res = Response::new(body);
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(res)
}

/// An uploaded file imported; back to the account page with how many tasks it added, or
/// with what was wrong kept for the page to show (nothing was written then).
pub async fn import(
    State(state): State<AppState>,
    session: Session,
    headers: http::HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let user = match signed_in(&session, &state.sessions).await {
        Ok(Some((user, _))) => user,
        Ok(None) => return Redirect::to("/sign-in?next=%2Faccount").into_response(),
        Err(err) => return err.into_response(),
    };
    let back = |error: AppError| {
        let flash = FormFlash::new("import", error, &[]);
        let mut res = Redirect::to("/account#data").into_response();
        if let Some(cookie) = flash_header(flash, state.sessions.secure) {
            res.headers_mut().append(header::SET_COOKIE, cookie);
        }
        res
    };
    // A place first: past the imports the instance takes at once, the file is not read.
    let admitted = match state.imports.admit(user.id) {
        Ok(admitted) => admitted,
        Err(err) => return back(err),
    };
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let chunks = futures::stream::unfold(field, |mut field| async move {
                    match field.chunk().await {
                        Ok(Some(chunk)) => Some((Ok(chunk), field)),
                        Ok(None) => None,
                        Err(err) => Some((Err(err), field)),
                    }
                });
                match import::read_file(chunks, import::announced_length(&headers)).await {
                    Ok(bytes) => {
                        file = Some(bytes);
                        break;
                    }
                    Err(import::FileError::TooLarge) => {
                        return too_large_or_bad(StatusCode::PAYLOAD_TOO_LARGE)
                    }
                    Err(import::FileError::Body(err)) => return too_large_or_bad(err.status()),
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(err) => return too_large_or_bad(err.status()),
        }
    }
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        return back(AppError::validation(
            "file",
            "Choose a JSON or CSV file to import.",
        ));
    };
    let format = import::sniff(&file);
    match import::run(&state.pool, &user, file, format, state.quotas, admitted).await {
        Ok(count) => {
            // The page says how many from this cookie, never from its URL.
            let mut res = Redirect::to("/account#data").into_response();
            if let Some(cookie) = once_cookie::header(
                super::api::IMPORTED_COOKIE,
                &count.to_string(),
                state.sessions.secure,
            ) {
                res.headers_mut().append(header::SET_COOKIE, cookie);
            }
            res
        }
        Err(Refused::Import(err)) => back(AppError::validation("file", err.summary())),
        Err(Refused::App(err)) => back(err),
    }
}

fn too_large_or_bad(status: StatusCode) -> Response {
    let error = if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::BadRequest(format!(
            "the file is larger than {} MiB",
            import::IMPORT_MAX_BYTES / (1024 * 1024)
        ))
    } else {
        AppError::BadRequest("the upload could not be read".into())
    };
    let mut res = error.into_response();
    *res.status_mut() = status;
    res
}
