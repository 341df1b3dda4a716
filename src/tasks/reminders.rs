//! Reminders: which of a person's reminders are still to show, and showing each once. The
//! open page (`ui::reminders`) asks for them, shows each at its moment and, first, those
//! missed while no page was open. Whichever open page of the person takes a reminder first
//! (`claim_reminder`) shows it; every other tab and device leaves it.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::db,
    crate::{auth::session::require_user, state::app_state},
};

/// How far ahead the page is told of reminders: it asks again well before this runs out.
pub const REMINDER_HORIZON_HOURS: i64 = 24;
/// The most reminders one answer lists.
pub const REMINDERS_MAX: i64 = 100;
/// A snooze is at most a week.
pub const SNOOZE_MAX_MINUTES: i64 = 10_080;

/// A reminder still to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    pub id: i64,
    pub title: String,
    pub remind_at: DateTime<Utc>,
    pub due_date: Option<NaiveDate>,
    pub due_at: Option<DateTime<Utc>>,
}

/// The caller's reminders not yet shown, until a day from now, soonest first: those already
/// past were missed while no page was open.
#[server(prefix = "/api", endpoint = "pending_reminders", input = GetUrl)]
pub async fn pending_reminders() -> Result<Vec<Reminder>, AppError> {
    let user = require_user().await?;
    let state = app_state()?;
    let until = Utc::now() + chrono::Duration::hours(REMINDER_HORIZON_HOURS);
    let rows = db::pending_reminders(&state.pool, user.id, until, REMINDERS_MAX).await?;
    Ok(rows
        .into_iter()
        .map(|r| Reminder {
            id: r.id,
            title: r.title,
            remind_at: r.remind_at,
            due_date: r.due_date,
            due_at: r.due_at,
        })
        .collect())
}

/// Takes the reminder of task `id` at `remind_at` for this page: true if this page is the
/// first of the caller's to take it (and so shows it).
#[server(prefix = "/api", endpoint = "claim_reminder")]
pub async fn claim_reminder(id: i64, remind_at: DateTime<Utc>) -> Result<bool, AppError> {
    let user = require_user().await?;
    let state = app_state()?;
    // No reminder is outside the product's years; PostgreSQL would refuse some as out of
    // range, which is an error of ours, not an answer.
    if !super::YEARS.contains(&chrono::Datelike::year(&remind_at)) {
        return Ok(false);
    }
    Ok(db::claim_reminder(&state.pool, user.id, id, remind_at).await?)
}

/// Reminds of task `id` again in `minutes` (1 to a week). Returns the new moment.
#[server(prefix = "/api", endpoint = "snooze_reminder")]
pub async fn snooze_reminder(id: i64, minutes: i64) -> Result<DateTime<Utc>, AppError> {
    let user = require_user().await?;
    let state = app_state()?;
    if !(1..=SNOOZE_MAX_MINUTES).contains(&minutes) {
        return Err(AppError::validation(
            "minutes",
            "Snooze for 1 minute to a week.",
        ));
    }
    let at = Utc::now() + chrono::Duration::minutes(minutes);
    db::snooze_reminder(&state.pool, user.id, id, at)
        .await?
        .ok_or(AppError::NotFound)
}
