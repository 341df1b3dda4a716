//! The JSON API for programs, `/api/v1`: tasks, tags, the account's owner, export and
//! import, authenticated by personal access tokens (`auth`), with errors as
//! `application/problem+json` (`problem`). The server functions are the page's private wire;
//! this is the promised one, and both run the same input types and the same `db` functions.
//!
//! The OpenAPI 3.1 document is generated from the handlers (utoipa: each handler's
//! `#[utoipa::path]` is what registers its route, so the document cannot miss one) and
//! served at `/api/v1/openapi.json`; `/api/docs` shows it with Swagger UI, whose files are
//! compiled into the binary (nothing is fetched from elsewhere, at build or view time).

// A `Problem` (136 bytes) is every handler's error answer, made once per refused request:
// boxing it would only add an allocation there.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod me;
pub mod portability;
pub mod problem;
pub mod tags;
pub mod tasks;

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{header, HeaderValue},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::any,
    Router,
};
use utoipa::{
    openapi::{
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
        OpenApi as Document,
    },
    Modify, OpenApi,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use utoipa_swagger_ui::SwaggerUi;

use crate::state::AppState;
use problem::Problem;

/// A JSON body; a body that is not JSON, or not this shape, is a problem (400, 415, 422).
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(Problem))]
pub struct ApiJson<T>(pub T);

/// A path parameter; one that does not parse (an id that is not a number) is 404.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Problem))]
pub struct ApiPath<T>(pub T);

/// Query parameters; a query string that does not parse is 400.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Problem))]
pub struct ApiQuery<T>(pub T);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tasks API",
        version = "1",
        description = "Your tasks and tags, for scripts, phones and other apps. Authenticate \
            with a personal access token from your account page: `Authorization: Bearer \
            tlpat_…`. A read token can read and export; a read-write token can also change \
            and import. Errors are `application/problem+json` (RFC 9457). Each token may make \
            `API_RATE_LIMIT` requests a minute (600 unless the operator says otherwise); past \
            that, 429 with `Retry-After`. Times are RFC 3339, dates `YYYY-MM-DD`."
    ),
    modifiers(&TokenAuth),
    tags(
        (name = "tasks", description = "Your tasks"),
        (name = "tags", description = "Your tags"),
        (name = "account", description = "Whose token this is"),
        (name = "data", description = "Export and import"),
    )
)]
struct ApiDoc;

struct TokenAuth;

impl Modify for TokenAuth {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tlpat_ and 43 characters")
                    .description(Some("A personal access token from your account page."))
                    .build(),
            ),
        );
    }
}

/// Every route but the import, and the import (which reads bodies up to
/// `IMPORT_MAX_BYTES`, where every other route keeps the app's 256 KiB), each with its part
/// of the one document.
fn parts() -> (Router<AppState>, Router<AppState>, Document) {
    let (api, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(tasks::list, tasks::create))
        .routes(routes!(tasks::read, tasks::update, tasks::delete))
        .routes(routes!(tasks::complete))
        .routes(routes!(tasks::reopen))
        .routes(routes!(tags::list))
        .routes(routes!(tags::rename, tags::delete))
        .routes(routes!(me::me))
        .routes(routes!(portability::export))
        .split_for_parts();
    let (import, import_doc) = OpenApiRouter::new()
        .routes(routes!(portability::import))
        .split_for_parts();
    doc.merge(import_doc);
    (api, import, doc)
}

/// The OpenAPI document, as `/api/v1/openapi.json` serves it.
pub fn document() -> Document {
    parts().2
}

/// `/api/v1/*`, `/api/v1/openapi.json` and `/api/docs`, and the import route apart (it
/// takes larger bodies: `startup` gives it its own limit).
pub fn routers() -> (Router<AppState>, Router<AppState>) {
    let (api, import, doc) = parts();
    let docs: Router<AppState> = SwaggerUi::new("/api/docs")
        .url("/api/v1/openapi.json", doc)
        .into();
    let api = api
        .route("/api/v1/{*rest}", any(|| async { Problem::not_found() }))
        .merge(docs.layer(middleware::from_fn(docs_csp)));
    (api, import)
}

/// Swagger UI's page loads its own scripts and styles from `/api/docs/` and sets inline
/// styles: its own policy, in place of the app pages' nonce-based one.
async fn docs_csp(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await.into_response();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'",
        ),
    );
    res
}
