//! The export, streamed: the first page of tasks is read before the answer starts (so a
//! database that is away is a clear 503, not a cut-off file), then one page of
//! `EXPORT_PAGE` tasks at a time, each written out before the next is read. A person with
//! 100,000 tasks is never in memory at once.
//!
//! An export holds a place of `AppState::exports` until it ends (so a few people cannot
//! keep every connection streaming), and every `RECHECK_PAGES` pages it asks again whether
//! its token or session may still read (a revoked token, or a signed-out session, cuts it
//! short).

use axum::body::{Body, Bytes};
use chrono::{SecondsFormat, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use tower_sessions::session::Id;

use super::{csv_text_out, Format};
use crate::{
    admission::Pass,
    auth::session::still_signed_in,
    error::AppError,
    tasks::{cursor::Cursor, db::export_page, list::Sort, Task},
    zone::iso_date,
};

/// Tasks read per statement.
pub const EXPORT_PAGE: i64 = 1000;
/// Pages between two checks that the export's holder may still read.
pub const RECHECK_PAGES: usize = 5;

/// On whose authority an export streams.
#[derive(Debug)]
pub enum Holder {
    /// An API token, by its id.
    Token(i64),
    /// A signed-in session, with the epoch it was signed in at.
    Session { id: Id, epoch: i32 },
}

impl Holder {
    async fn may_still_read(&self, pool: &PgPool, user: Uuid) -> Result<bool, sqlx::Error> {
        match self {
            Self::Token(id) => crate::tokens::db::still_valid(pool, user, *id).await,
            Self::Session { id, epoch } => still_signed_in(pool, id, user, *epoch).await,
        }
    }
}

/// The CSV file's columns; an import reads the same names back.
pub const CSV_COLUMNS: [&str; 9] = [
    "id",
    "title",
    "description",
    "priority",
    "due_date",
    "tags",
    "completed",
    "created_at",
    "updated_at",
];

/// `tasks-2026-11-28.json`.
pub fn file_name(format: Format) -> String {
    format!(
        "tasks-{}.{}",
        iso_date(Utc::now().date_naive()),
        format.extension()
    )
}

struct Step {
    pool: PgPool,
    user: Uuid,
    holder: Holder,
    /// The export's place, given back when the stream ends (or is dropped).
    _admitted: Pass,
    /// Pages written so far.
    pages: usize,
    format: Format,
    /// The page to write now.
    page: Vec<Task>,
    /// Nothing written yet: the file's head goes first.
    first: bool,
}

/// The whole export of `user` as a streamed body, for `holder`, in the place `admitted`.
pub async fn body(
    pool: PgPool,
    user: Uuid,
    format: Format,
    holder: Holder,
    admitted: Pass,
) -> Result<Body, AppError> {
    let page = export_page(&pool, user, None, EXPORT_PAGE).await?;
    let start = Step {
        pool,
        user,
        holder,
        _admitted: admitted,
        pages: 0,
        format,
        page,
        first: true,
    };
    let stream = futures::stream::unfold(Some(start), |step| async move {
        let mut step = step?;
        let mut out = Vec::with_capacity(256 * step.page.len() + 128);
        if step.first {
            head(&mut out, step.format);
        }
        write_page(&mut out, step.format, &step.page, step.first);
        let last = (step.page.len() as i64) < EXPORT_PAGE;
        if last {
            if step.format == Format::Json {
                out.extend_from_slice(b"\n]}\n");
            }
            return Some((Ok::<_, std::io::Error>(Bytes::from(out)), None));
        }
        step.pages += 1;
        if step.pages % RECHECK_PAGES == 0 {
            match step.holder.may_still_read(&step.pool, step.user).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::info!(
                        pages = step.pages,
                        "export cut short: its token or session ended"
                    );
                    return Some((Err(std::io::Error::other("export cut short")), None));
                }
                Err(err) => {
                    tracing::warn!(error = %err, "export cut short: database error");
                    return Some((Err(std::io::Error::other("export cut short")), None));
                }
            }
        }
        let after = step.page.last().map(|t| Cursor::after(Sort::Oldest, t));
        match export_page(&step.pool, step.user, after.as_ref(), EXPORT_PAGE).await {
            Ok(next) => {
                step.page = next;
                step.first = false;
                Some((Ok(Bytes::from(out)), Some(step)))
            }
            Err(err) => {
                // The answer has started: all that is left is to cut it short, so the client
                // sees an incomplete download rather than a file that looks whole.
                tracing::warn!(error = %err, "export cut short: database error");
                Some((Err(std::io::Error::other("export cut short")), None))
            }
        }
    });
    // Fused: a reader that asks again after the end (the compression layer does) gets the
    // end again rather than a panic.
    Ok(Body::from_stream(futures::StreamExt::fuse(stream)))
}

fn head(out: &mut Vec<u8>, format: Format) {
    match format {
        Format::Json => {
            let at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
            out.extend_from_slice(
                format!(
                    "{{\"format\":\"tasklist\",\"version\":1,\"exported_at\":\"{at}\",\"tasks\":["
                )
                .as_bytes(),
            );
        }
        Format::Csv => {
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            // Writing to memory cannot fail.
            let _ = w.write_record(CSV_COLUMNS);
            out.extend(w.into_inner().unwrap_or_default());
        }
    }
}

fn write_page(out: &mut Vec<u8>, format: Format, page: &[Task], first: bool) {
    match format {
        Format::Json => {
            for (i, task) in page.iter().enumerate() {
                if !(first && i == 0) {
                    out.push(b',');
                }
                out.push(b'\n');
                // A `Task` always serializes.
                let _ = serde_json::to_writer(&mut *out, task);
            }
        }
        Format::Csv => {
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            for task in page {
                let _ = w.write_record(csv_row(task));
            }
            out.extend(w.into_inner().unwrap_or_default());
        }
    }
}

/// A task as a CSV row, in `CSV_COLUMNS`' order; its texts never start like a formula
/// (`csv_text_out`).
pub fn csv_row(task: &Task) -> [String; 9] {
    [
        task.id.to_string(),
        csv_text_out(&task.title).into_owned(),
        csv_text_out(task.description.as_deref().unwrap_or_default()).into_owned(),
        task.priority.as_str().to_owned(),
        task.due_date.map(iso_date).unwrap_or_default(),
        csv_text_out(&task.tags.join(", ")).into_owned(),
        task.completed.to_string(),
        task.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        task.updated_at.to_rfc3339_opts(SecondsFormat::Micros, true),
    ]
}
