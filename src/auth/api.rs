//! The account server functions. Each is thin: who is calling, parse the input, one call
//! into `db`, map the error. All but `get_current_user`, `sign_up` and `sign_in` require a
//! signed-in caller.

use leptos::prelude::*;

use super::User;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::{check_password_length, db, session, throttle, DisplayName, Email},
    crate::{
        error::ResultExt,
        forms::finish,
        monitoring::SIGN_IN_FAILURES,
        request::{client_address, current_session},
        state::app_state,
        urls::safe_next,
        zone::Zone,
    },
};

/// Who is signed in on this session, if anyone.
#[server(prefix = "/api", endpoint = "current_user")]
pub async fn get_current_user() -> Result<Option<User>, AppError> {
    session::current_user().await
}

#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    name: String,
    password: String,
    next: Option<String>,
    /// The browser's zone, which the hydrated form sends; a missing or unknown one is UTC
    /// (the account page changes it), never a reason to refuse the account.
    time_zone: Option<String>,
) -> Result<User, AppError> {
    let result = async {
        let state = app_state()?;
        let time_zone = Zone::parse(time_zone.as_deref().unwrap_or_default()).unwrap_or_default();
        // Input first: a malformed request is refused before anything is counted or stored.
        let email = Email::parse(&email)?;
        let name = DisplayName::parse(&name)?;
        check_password_length("password", &password)?;
        let ticket = state.passwords.admit()?;
        state
            .passwords
            .check_strength(
                &ticket,
                "password",
                password.clone(),
                email.as_str().to_owned(),
                name.as_deref().map(str::to_owned),
            )
            .await?;
        // Counted only once it would create an account (and cost an argon2 hash).
        if !throttle::take_address_attempt(&state.pool, &state.limits, &client_address().await)
            .await?
        {
            return Err(AppError::TooManyRequests);
        }
        let hash = state.passwords.hash(&ticket, password).await?;
        // The unique index decides, also when two sign-ups race: no check before the insert.
        let user = db::insert_user(
            &state.pool,
            email.as_str(),
            name.as_deref(),
            &hash,
            &time_zone,
        )
        .await
        .on_constraint(db::EMAIL_UNIQUE_CONSTRAINT, || {
            AppError::validation(
                "email",
                "This email is already registered. Sign in instead, or use another email.",
            )
        })?;
        session::sign_in(&current_session().await?, &user, 0).await?;
        tracing::info!(user_id = %user.id, "signed up");
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(user)
    }
    .await;
    finish("sign_up", &[("email", &email), ("name", &name)], result).await
}

#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<User, AppError> {
    let result = async {
        let state = app_state()?;
        // Input first: a malformed request is refused before anything is counted or stored.
        let email = Email::parse(&email)?;
        let ticket = state.passwords.admit()?;
        if !throttle::take_address_attempt(&state.pool, &state.limits, &client_address().await)
            .await?
        {
            metrics::counter!(SIGN_IN_FAILURES, "reason" => "address_limit").increment(1);
            return Err(AppError::TooManyRequests);
        }
        if !throttle::take_password_attempt(&state.pool, &state.limits, email.as_str()).await? {
            metrics::counter!(SIGN_IN_FAILURES, "reason" => "account_limit").increment(1);
            return Err(AppError::TooManyRequests);
        }
        let credentials = db::credentials_by_email(&state.pool, email.as_str()).await?;
        // One argon2 verify whether or not the email is known (a dummy hash if not), and the
        // same answer for both: nothing tells an attacker which emails have accounts.
        let stored = credentials.as_ref().map(|c| c.password_hash.clone());
        let verified = state.passwords.verify(&ticket, password, stored).await?;
        // A failure stays counted: `take_password_attempt` recorded it.
        let Some(credentials) = credentials.filter(|_| verified) else {
            metrics::counter!(SIGN_IN_FAILURES, "reason" => "password").increment(1);
            return Err(AppError::validation(
                "form",
                "The email or password is not right.",
            ));
        };
        throttle::clear_failures(&state.pool, email.as_str()).await?;
        let user = credentials.user;
        session::sign_in(&current_session().await?, &user, credentials.session_epoch).await?;
        tracing::info!(user_id = %user.id, "signed in");
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(user)
    }
    .await;
    finish("sign_in", &[("email", &email)], result).await
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let result = async {
        let user = session::require_user().await?;
        session::sign_out(&current_session().await?).await?;
        tracing::info!(user_id = %user.id, "signed out");
        leptos_axum::redirect("/sign-in");
        Ok(())
    }
    .await;
    finish("sign_out", &[], result).await
}

#[server(prefix = "/api", endpoint = "update_profile")]
pub async fn update_profile(name: String) -> Result<User, AppError> {
    let result = async {
        let user = session::require_user().await?;
        let state = app_state()?;
        let name = DisplayName::parse(&name)?;
        let user = db::update_name(&state.pool, user.id, name.as_deref())
            .await?
            .ok_or(AppError::Unauthorized)?;
        leptos_axum::redirect("/account?done=profile");
        Ok(user)
    }
    .await;
    finish("update_profile", &[("name", &name)], result).await
}

/// Changes the caller's time zone (an IANA name such as `Europe/Berlin`): their "today"
/// and every time they see follow it, and tasks due at a time keep that moment.
#[server(prefix = "/api", endpoint = "update_time_zone")]
pub async fn update_time_zone(time_zone: String) -> Result<User, AppError> {
    let result = async {
        let user = session::require_user().await?;
        let state = app_state()?;
        let zone = Zone::parse(&time_zone)?;
        let user = db::update_time_zone(&state.pool, user.id, &zone)
            .await
            .map_err(|err| match err.as_database_error().and_then(|e| e.code()) {
                // The IANA database of this PostgreSQL is older than the app's.
                Some(code) if code == "22023" => AppError::validation(
                    "time_zone",
                    "That time zone is too new for this server. Choose a neighbouring one.",
                ),
                _ => AppError::from(err),
            })?
            .ok_or(AppError::Unauthorized)?;
        leptos_axum::redirect("/account?done=time_zone");
        Ok(user)
    }
    .await;
    finish("update_time_zone", &[("time_zone", &time_zone)], result).await
}

/// Needs the current password; ends every other session of this person, and with
/// `revoke_tokens` (the form's checkbox) every API token too.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    #[server(default)] revoke_tokens: Option<String>,
) -> Result<(), AppError> {
    let result = async {
        let user = session::require_user().await?;
        let state = app_state()?;
        let ticket = confirm_password(
            &state,
            &user,
            "current_password",
            "That is not your current password.",
            current_password,
        )
        .await?;
        check_password_length("new_password", &new_password)?;
        state
            .passwords
            .check_strength(
                &ticket,
                "new_password",
                new_password.clone(),
                user.email.clone(),
                user.name.clone(),
            )
            .await?;
        let hash = state.passwords.hash(&ticket, new_password).await?;
        let revoke_tokens = revoke_tokens.is_some_and(|v| !v.is_empty() && v != "false");
        let epoch = db::update_password(&state.pool, user.id, &hash, revoke_tokens)
            .await?
            .ok_or(AppError::Unauthorized)?;
        // This session carries the new epoch (under a new id); every other one is now stale.
        session::sign_in(&current_session().await?, &user, epoch).await?;
        tracing::info!(user_id = %user.id, revoke_tokens, "password changed");
        leptos_axum::redirect(if revoke_tokens {
            "/account?done=password_and_tokens"
        } else {
            "/account?done=password"
        });
        Ok(())
    }
    .await;
    finish("change_password", &[], result).await
}

/// Needs the password; the person's tasks go with the account.
#[server(prefix = "/api", endpoint = "delete_account")]
pub async fn delete_account(password: String) -> Result<(), AppError> {
    let result = async {
        let user = session::require_user().await?;
        let state = app_state()?;
        confirm_password(
            &state,
            &user,
            "password",
            "That is not your password.",
            password,
        )
        .await?;
        db::delete_user(&state.pool, user.id).await?;
        session::sign_out(&current_session().await?).await?;
        tracing::info!(user_id = %user.id, "account deleted");
        leptos_axum::redirect("/sign-up?deleted=1");
        Ok(())
    }
    .await;
    finish("delete_account", &[], result).await
}

/// A signed-in person's own password, confirmed: a place in the password queue (503 past
/// it), then the check, counted against the same per-person limit as their sign-ins (so a
/// stolen session cookie cannot guess the password any faster than a stranger at the
/// sign-in form; `TooManyRequests` once the limit is reached). A wrong or empty password is
/// `message` beside `field`. The queue's ticket is for the work that follows (a new hash).
#[cfg(feature = "ssr")]
pub(crate) async fn confirm_password(
    state: &crate::state::AppState,
    user: &User,
    field: &'static str,
    message: &'static str,
    password: String,
) -> Result<super::password::Ticket, AppError> {
    if password.is_empty() {
        return Err(AppError::validation(field, message));
    }
    let ticket = state.passwords.admit()?;
    if check_current_password(state, &ticket, user, password).await? {
        Ok(ticket)
    } else {
        Err(AppError::validation(field, message))
    }
}

#[cfg(feature = "ssr")]
async fn check_current_password(
    state: &crate::state::AppState,
    ticket: &super::password::Ticket,
    user: &User,
    password: String,
) -> Result<bool, AppError> {
    if !throttle::take_password_attempt(&state.pool, &state.limits, &user.email).await? {
        return Err(AppError::TooManyRequests);
    }
    let stored = db::password_hash_by_id(&state.pool, user.id).await?;
    let verified = state.passwords.verify(ticket, password, stored).await?;
    if verified {
        throttle::clear_failures(&state.pool, &user.email).await?;
    }
    Ok(verified)
}
