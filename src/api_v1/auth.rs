//! Who an API request speaks for: `Authorization: Bearer <token>`, and nothing else (the
//! session cookie is never read here, so a page's cookie cannot drive the API and there is
//! no cross-site request to forge). The token's shape is checked before anything else, its
//! per-token rate limit before the database, then it is looked up by its SHA-256.

use axum::{extract::FromRequestParts, http::request::Parts};
use http::header;

use super::problem::Problem;
use crate::{
    state::AppState,
    telemetry::RequestSpan,
    tokens::{
        db::{self, Caller},
        secret, Scope,
    },
};

/// A request with a valid token of either scope.
pub struct Reader(pub Caller);

/// A request with a valid read-write token; a read-only one is refused with 403.
pub struct Writer(pub Caller);

impl FromRequestParts<AppState> for Reader {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        authenticate(parts, state).await.map(Reader)
    }
}

impl FromRequestParts<AppState> for Writer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let caller = authenticate(parts, state).await?;
        if caller.scope != Scope::Write {
            return Err(Problem::forbidden(
                "This token is read only. Create a read-write token to make changes.",
            ));
        }
        Ok(Writer(caller))
    }
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Caller, Problem> {
    let token = bearer(parts)?;
    let hash = secret::hash(token);
    if let Err(wait) = state.api_limits.check(&hash) {
        return Err(Problem::too_many_requests(wait));
    }
    // A client that has presented many tokens that do not exist is refused before the
    // database is asked about one more; a token this instance has already found valid is
    // not held up by others' guesses from the same address.
    let address = state
        .trusted_proxies
        .rate_key(&parts.extensions, &parts.headers);
    if !state.api_limits.knows(&hash) {
        if let Err(wait) = state.bad_tokens.check(&address) {
            return Err(Problem::too_many_requests(wait));
        }
    }
    let Some(caller) = db::authenticate(&state.pool, &hash).await? else {
        let _ = state.bad_tokens.take(&address);
        return Err(Problem::unauthorized(
            "This token is not valid: it was revoked, it expired, or it never existed.",
        ));
    };
    if let Err(wait) = state.api_limits.take(&hash) {
        return Err(Problem::too_many_requests(wait));
    }
    // The token's id and never the token: what a log line may say about it, on every line
    // of this request.
    if let Some(RequestSpan(span)) = parts.extensions.get::<RequestSpan>() {
        span.record("token_id", caller.token_id);
    }
    Ok(caller)
}

/// The token of `Authorization: Bearer …`, if the header has that shape and the token a
/// token's shape.
fn bearer(parts: &Parts) -> Result<&str, Problem> {
    let missing = || {
        Problem::unauthorized(
            "Send a personal access token as Authorization: Bearer <token>. \
             Create one in your account page.",
        )
    };
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?;
    // Bounded before any work: nothing longer can be a bearer token.
    if value.len() > "Bearer ".len() + secret::TOKEN_LEN + 8 {
        return Err(missing());
    }
    let value = value.to_str().map_err(|_| missing())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(missing());
    }
    let token = token.trim();
    if !secret::well_formed(token) {
        return Err(Problem::unauthorized(
            "This is not a token of this service.",
        ));
    }
    Ok(token)
}
