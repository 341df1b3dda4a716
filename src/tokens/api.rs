//! The token server functions of the account page: list, create (the secret is in the
//! answer, once), revoke. Session-authenticated like every page action; the JSON API itself
//! never manages tokens.

use leptos::{prelude::*, server_fn::codec::GetUrl};

use super::{NewToken, TokenForm, TokenList};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::{db, secret, TokenInput, MAX_TOKENS_PER_USER},
    crate::{
        auth::{api::confirm_password, session::require_user},
        forms::finish,
        request::{is_plain_form_post, redirect_back},
        state::app_state,
    },
};

/// The caller's tokens, oldest first, without their secrets, and the caller's zone.
#[server(prefix = "/api", endpoint = "list_tokens", input = GetUrl)]
pub async fn list_tokens() -> Result<TokenList, AppError> {
    let user = require_user().await?;
    let state = app_state()?;
    Ok(TokenList {
        tokens: db::list(&state.pool, user.id).await?,
        zone: user.time_zone,
    })
}

/// Creates a token for the caller and answers it with its secret, the one time the secret is
/// ever sent. Needs the caller's password (throttled as every password check), so that a
/// session alone cannot mint a credential that outlives it. Without JavaScript the secret rides the redirect back in a one-minute,
/// `HttpOnly` cookie of the account page that the page reads once and clears
/// (`take_new_token`); it is never stored on the server.
#[server(prefix = "/api", endpoint = "create_token")]
pub async fn create_token(#[server(flatten)] token: TokenForm) -> Result<NewToken, AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        let input = TokenInput::parse(&token)?;
        confirm_password(
            &state,
            &user,
            "current_password",
            "That is not your password.",
            token.current_password.clone(),
        )
        .await?;
        let (secret, hash) = secret::generate().map_err(|err| {
            tracing::error!(error = %err, "no random bytes for a token");
            AppError::Internal
        })?;
        let info = db::insert(&state.pool, user.id, &input, &hash)
            .await?
            .ok_or_else(|| {
                AppError::validation(
                    "form",
                    format!(
                        "You have {MAX_TOKENS_PER_USER} tokens, the most one person can. \
                         Revoke one you no longer use."
                    ),
                )
            })?;
        tracing::info!(
            token_id = info.id,
            scope = info.scope.as_str(),
            "API token created"
        );
        if is_plain_form_post() {
            new_token_cookie::keep(&secret);
        }
        redirect_back(&[]);
        Ok(NewToken {
            token: info,
            secret,
        })
    }
    .await;
    finish("create_token", &token.fields(), result).await
}

/// Revokes the caller's token `id`: the next request that presents it is refused.
#[server(prefix = "/api", endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        if !db::revoke(&state.pool, user.id, id).await? {
            return Err(AppError::NotFound);
        }
        tracing::info!(token_id = id, "API token revoked");
        redirect_back(&[]);
        Ok(())
    }
    .await;
    finish("revoke_token", &[], result).await
}

/// Revokes every token of the caller, with their password; how many there were.
#[server(prefix = "/api", endpoint = "revoke_all_tokens")]
pub async fn revoke_all_tokens(current_password: String) -> Result<u64, AppError> {
    let result = async {
        let user = require_user().await?;
        let state = app_state()?;
        confirm_password(
            &state,
            &user,
            "current_password",
            "That is not your password.",
            current_password,
        )
        .await?;
        let revoked = db::revoke_all(&state.pool, user.id).await?;
        tracing::info!(revoked, "every API token revoked");
        redirect_back(&[]);
        Ok(revoked)
    }
    .await;
    finish("revoke_all_tokens", &[], result).await
}

/// The secret of a token just created by a plain form post (JavaScript off), once: reading
/// it clears the cookie that carried it.
#[server(prefix = "/api", endpoint = "take_new_token")]
pub async fn take_new_token() -> Result<Option<String>, AppError> {
    Ok(new_token_cookie::take())
}

#[cfg(feature = "ssr")]
mod new_token_cookie {
    use crate::{once_cookie, tokens::secret};

    const NAME: &str = "new-token";

    pub fn keep(token: &str) {
        once_cookie::keep(NAME, token);
    }

    pub fn take() -> Option<String> {
        once_cookie::take(NAME, secret::well_formed)
    }
}
