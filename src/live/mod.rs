//! Live updates: every open page of a person learns of their changes as they are made, from
//! whichever server instance, and nobody else's.
//!
//! The path of a change: the write's transaction sends a PostgreSQL `NOTIFY` on
//! `tasklist_events` when it commits (triggers, see migrations/20261128000003_live.sql) with
//! the person's id and the task's id and version, never its data. Each instance holds one
//! `LISTEN` connection (`listener`) and hands each notification to that person's open
//! streams in this process (`hub`). A page's stream (`stream`, Server-Sent Events at
//! `GET /api/events`) is authenticated by the session and ends when the session does. The
//! hydrated page (`browser`) reads the list again when something it shows changed.
//!
//! Nothing is promised about events themselves: they may be lost (a dropped LISTEN
//! connection, a slow page). Whenever that can have happened, the page is told to `Resync`
//! (read everything again), and every stream starts with one, so a page that was away
//! catches up on its own.

use serde::{Deserialize, Serialize};

/// What a page is told: which of the person's things changed. Ids and versions only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "lowercase")]
pub enum Change {
    /// One task added or changed; `v` is its version now.
    Task { id: i64, v: i32 },
    /// One task deleted.
    Deleted { id: i64 },
    /// Several tasks at once (mark all, clear completed).
    Tasks,
    /// Tags added, renamed or deleted (the tasks that carry them show new names).
    Tags,
    /// Anything may have changed: read everything shown again. Sent when a stream starts
    /// and whenever events may have been lost.
    Resync,
}

#[cfg(feature = "hydrate")]
pub mod browser;
#[cfg(feature = "ssr")]
pub mod hub;
#[cfg(feature = "ssr")]
pub mod listener;
#[cfg(feature = "ssr")]
pub mod stream;

/// Calls `f` with every change this page hears of, for as long as the calling component
/// lives. Hydrated only: a server-rendered page is not live, so there it does nothing.
pub fn on_change(f: impl Fn(Change) + 'static) {
    #[cfg(feature = "hydrate")]
    browser::on_change(f);
    #[cfg(not(feature = "hydrate"))]
    drop(f);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_small_json_with_ids_and_versions_only() {
        let json = serde_json::to_string(&Change::Task { id: 7, v: 3 }).unwrap();
        assert_eq!(json, r#"{"k":"task","id":7,"v":3}"#);
        assert_eq!(
            serde_json::to_string(&Change::Resync).unwrap(),
            r#"{"k":"resync"}"#
        );
        let back: Change = serde_json::from_str(r#"{"k":"deleted","id":9}"#).unwrap();
        assert_eq!(back, Change::Deleted { id: 9 });
    }
}
