//! Task and tag queries. Every statement takes the owner's id and has it in its `where`:
//! there is no function here that reads or writes a task or a tag by id alone. A task that
//! is not the caller's is, to every function, a task that does not exist.
//!
//! The list has one query per sort order. Each takes every filter as a bind parameter that
//! may be null ("no filter"), and its cursor as one row comparison with the sort's index
//! columns, whose bounds default to "before everything" on a first page. A page of the whole
//! list (or of its active or done tasks) runs as a prepared statement that PostgreSQL may
//! plan once for every value (`plan_cache_mode = auto`, see `startup::connect`): that plan
//! reads the sort's index in order from the cursor's place (an index condition) and stops
//! after a page. A page with a tag or a search is planned for its values (`Plan`).
//! `tests/api/plans.rs` holds every statement to that.
//!
//! Tag names and titles are folded in one place only, PostgreSQL's `lower()`: the unique
//! index of tag names, the tag filter, tag linking and the title sort all use it on both
//! sides, so Rust's case rules (final sigma, dotted I) never have to agree with it.
//!
//! sqlx maps `timestamptz` and `date` to the `time` crate when its feature is on (the session
//! store turns it on); `"created_at: _"` and `as _` let these queries use chrono's types.

#[macro_use]
mod rows;

mod list;
mod reminders;
mod write;

pub use list::{export_page, tasks_page};
pub use reminders::{claim_reminder, pending_reminders, snooze_reminder, PendingReminder};
pub use rows::{task, WriteError};
pub use write::{
    clear_completed, delete_task, import_tasks, insert_task, set_all_completed, set_completed,
    update_task, Insert,
};
