//! The export, streamed: the first page of tasks is read before the answer starts (so a
//! database that is away is a clear 503, not a cut-off file), then one page of
//! `EXPORT_PAGE` tasks at a time, each written out before the next is read. A person with
//! 100,000 tasks is never in memory at once.

use axum::body::{Body, Bytes};
use chrono::{SecondsFormat, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{csv_text_out, Format};
use crate::{
    error::AppError,
    tasks::{cursor::Cursor, db::export_page, iso_date, list::Sort, Task},
};

/// Tasks read per statement.
pub const EXPORT_PAGE: i64 = 1000;

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
    format: Format,
    /// The page to write now.
    page: Vec<Task>,
    /// Nothing written yet: the file's head goes first.
    first: bool,
}

/// The whole export of `user` as a streamed body.
pub async fn body(pool: PgPool, user: Uuid, format: Format) -> Result<Body, AppError> {
    let page = export_page(&pool, user, None, EXPORT_PAGE).await?;
    let start = Step {
        pool,
        user,
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
