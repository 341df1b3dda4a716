//! Reading an import: this app's JSON export (or a bare array of tasks), this app's CSV, or a
//! CSV with the columns other task apps export. Every row is checked by the same parsers as
//! the task form (`TaskInput::parse_all`); one bad row refuses the whole file, with a report
//! of the rows in error (the first `MAX_ROW_ERRORS`), and nothing is written.
//!
//! Bounded before the work: the imports running at once by `AppState::imports` (a place is
//! taken before the route reads the file), the body's size by the route
//! (`IMPORT_MAX_BYTES`), the number of rows by the person's task quota (a JSON array is read
//! one element at a time and stops there), and each CSV line by `ROW_MAX_BYTES` and
//! `CSV_MAX_COLUMNS` (read into buffers of that size: a longer or wider line is a row
//! error, never an allocation). What a file costs in memory is its own size and its tasks.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{
    de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor},
    Deserialize, Deserializer,
};
use serde_json::value::RawValue;

pub use super::csv_lines::{CSV_MAX_COLUMNS, ROW_MAX_BYTES};
use super::{
    csv_lines::{CsvLines, Line, LineError},
    csv_text_in,
    lenient::from_lenient,
    Format, RowError,
};
use crate::{
    admission::Pass,
    error::AppError,
    tasks::{
        db::Insert,
        input::{TaskForm, TaskInput},
        json::{created_at_error, NewTask},
        service::Tasks,
        TaskError,
    },
    zone::Zone,
};

/// The largest file an import reads: this app's JSON export of 100,000 tasks (about 38 MB
/// with every field written out, as an export does) and room to spare.
pub const IMPORT_MAX_BYTES: usize = 48 * 1024 * 1024;
/// Row errors reported at most; the count says how many rows were refused in all.
pub const MAX_ROW_ERRORS: usize = 100;
/// Why a file was not imported.
#[derive(Debug, PartialEq, Eq)]
pub enum ImportError {
    /// The file as a whole cannot be read (not JSON, no title column, too many rows, ...).
    File(String),
    /// Some rows are not valid: the first `MAX_ROW_ERRORS` of them, and how many in all.
    Rows {
        errors: Vec<RowError>,
        refused: usize,
    },
}

impl ImportError {
    /// One sentence for the account page, where the rows show as a short list.
    pub fn summary(&self) -> String {
        match self {
            Self::File(message) => format!("Nothing was imported: {message}"),
            Self::Rows { errors, refused } => {
                let shown: Vec<String> = errors
                    .iter()
                    .take(5)
                    .map(|e| format!("row {} ({}): {}", e.row, e.field, e.message))
                    .collect();
                let more = refused.saturating_sub(shown.len());
                format!(
                    "Nothing was imported: {refused} row{} not valid. {}{}",
                    if *refused == 1 { " is" } else { "s are" },
                    shown.join("; "),
                    if more > 0 {
                        format!("; and {more} more.")
                    } else {
                        String::new()
                    }
                )
            }
        }
    }
}

/// Which format a file is when nothing says: JSON starts with `{` or `[`.
pub fn sniff(bytes: &[u8]) -> Format {
    match strip_bom(bytes).iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => Format::Json,
        _ => Format::Csv,
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The tasks of `bytes`, at most `max_rows` of them, or why not, for a person in UTC.
pub fn parse(bytes: &[u8], format: Format, max_rows: usize) -> Result<Vec<Insert>, ImportError> {
    parse_for(bytes, format, max_rows, &Zone::default())
}

/// The tasks of `bytes` for a person in `zone` (a reminder's moment in a JSON file stays that
/// moment), at most `max_rows` of them, or why not.
pub fn parse_for(
    bytes: &[u8],
    format: Format,
    max_rows: usize,
    zone: &Zone,
) -> Result<Vec<Insert>, ImportError> {
    match format {
        Format::Json => parse_json(strip_bom(bytes), max_rows, zone),
        Format::Csv => parse_csv(strip_bom(bytes), max_rows),
    }
}

fn too_many(max_rows: usize) -> ImportError {
    ImportError::File(format!(
        "the file has more tasks than your list can take ({max_rows} more at most)."
    ))
}

/// Collects each row's result: the tasks, or every row error.
struct Rows {
    tasks: Vec<Insert>,
    errors: Vec<RowError>,
    refused: usize,
}

impl Rows {
    fn new(capacity: usize) -> Self {
        Self {
            tasks: Vec::with_capacity(capacity),
            errors: Vec::new(),
            refused: 0,
        }
    }

    fn push(&mut self, row: usize, result: Result<Insert, Vec<AppError>>) {
        match result {
            Ok(task) if self.refused == 0 => self.tasks.push(task),
            Ok(_) => {}
            Err(errors) => {
                self.refused += 1;
                self.tasks = Vec::new();
                for error in errors {
                    if self.errors.len() < MAX_ROW_ERRORS {
                        let (field, message) = match error {
                            AppError::Validation { field, message } => (field, message),
                            other => ("row".to_owned(), other.to_string()),
                        };
                        self.errors.push(RowError {
                            row,
                            field,
                            message,
                        });
                    }
                }
            }
        }
    }

    fn finish(self) -> Result<Vec<Insert>, ImportError> {
        if self.refused == 0 {
            Ok(self.tasks)
        } else {
            Err(ImportError::Rows {
                errors: self.errors,
                refused: self.refused,
            })
        }
    }
}

/// Reads a JSON import: a bare array of tasks, or an object whose `tasks` is one (the
/// export's shape; its other members are skipped unread). The array is read one element at
/// a time: each is kept as its slice of the file only while it is parsed, so a bad one is
/// reported by its row, and the read stops at the element past `max_rows`.
fn parse_json(bytes: &[u8], max_rows: usize, zone: &Zone) -> Result<Vec<Insert>, ImportError> {
    let mut rows = Rows::new(0);
    let mut too_long = false;
    let tasks = TaskArray {
        rows: &mut rows,
        max_rows,
        zone,
        too_long: &mut too_long,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let read = if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        tasks.deserialize(&mut de)
    } else {
        de.deserialize_map(ExportFile(Some(tasks)))
    }
    .and_then(|()| de.end());
    if too_long {
        return Err(too_many(max_rows));
    }
    read.map_err(|e| {
        ImportError::File(format!(
            "it is not a task list in JSON (line {}, column {}).",
            e.line(),
            e.column()
        ))
    })?;
    rows.finish()
}

/// The tasks of a JSON file, read element by element into `rows`.
struct TaskArray<'r> {
    rows: &'r mut Rows,
    max_rows: usize,
    /// The importing person's, for the moments the file has.
    zone: &'r Zone,
    /// Set when the array has more than `max_rows` elements (the read stops there).
    too_long: &'r mut bool,
}

impl<'de> DeserializeSeed<'de> for TaskArray<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TaskArray<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of tasks")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut row = 0;
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            if row == self.max_rows {
                *self.too_long = true;
                return Err(A::Error::custom("more tasks than the list can take"));
            }
            row += 1;
            let result = if item.get().len() > ROW_MAX_BYTES {
                Err(vec![AppError::validation(
                    "task",
                    format!("This task is larger than {} KiB.", ROW_MAX_BYTES / 1024),
                )])
            } else {
                json_task(item.get(), self.zone)
            };
            self.rows.push(row, result);
        }
        Ok(())
    }
}

/// The export's object: its `tasks` read as a `TaskArray` (the first such member), every
/// other member skipped.
struct ExportFile<'r>(Option<TaskArray<'r>>);

impl<'de> Visitor<'de> for ExportFile<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with the tasks")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(TasksKey(is_tasks)) = map.next_key()? {
            match self.0.take() {
                Some(tasks) if is_tasks => map.next_value_seed(tasks)?,
                kept => {
                    self.0 = kept;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match self.0 {
            None => Ok(()),
            Some(_) => Err(A::Error::missing_field("tasks")),
        }
    }
}

/// Whether a member's name is `tasks`, read without keeping it.
struct TasksKey(bool);

impl<'de> Deserialize<'de> for TasksKey {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = TasksKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<TasksKey, E> {
                Ok(TasksKey(name == "tasks"))
            }
        }
        de.deserialize_str(Name)
    }
}

/// One element of a JSON import: the API's `NewTask`, read leniently (members it does not
/// name are skipped), for a person in `zone`.
fn json_task(item: &str, zone: &Zone) -> Result<Insert, Vec<AppError>> {
    from_lenient::<NewTask, _>(&mut serde_json::Deserializer::from_str(item))
        .map_err(|e| vec![AppError::validation("task", json_error(&e))])?
        .parse(zone)
}

/// serde's message without the position (which is within the task, not the file).
fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// What a CSV column holds, by the names task apps give it (any case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Title,
    Description,
    Priority,
    DueDate,
    Tags,
    Completed,
    CreatedAt,
}

fn column(name: &str) -> Option<Column> {
    let name = name.trim().to_lowercase().replace([' ', '-'], "_");
    Some(match name.as_str() {
        "title" | "content" | "task" | "name" | "subject" | "summary" => Column::Title,
        "description" | "notes" | "note" | "details" | "body" => Column::Description,
        "priority" => Column::Priority,
        "due_date" | "due" | "date" | "deadline" | "due_on" | "due_at" => Column::DueDate,
        "tags" | "tag" | "labels" | "label" | "categories" | "category" => Column::Tags,
        "completed" | "done" | "status" | "is_completed" | "is_done" | "checked" => {
            Column::Completed
        }
        "created_at" | "created" | "date_created" | "added" | "created_on" => Column::CreatedAt,
        _ => return None,
    })
}

fn parse_csv(bytes: &[u8], max_rows: usize) -> Result<Vec<Insert>, ImportError> {
    let mut lines = CsvLines::new(bytes);
    // The first column of each kind counts; unknown columns (ids, projects, ...) are ignored.
    let mut columns: Vec<(usize, Column)> = Vec::new();
    match lines.next_line() {
        Some(Ok(header)) => {
            for (i, name) in header.iter().enumerate() {
                if let Some(c) = column(name) {
                    if !columns.iter().any(|(_, seen)| *seen == c) {
                        columns.push((i, c));
                    }
                }
            }
        }
        Some(Err(LineError::NotUtf8)) => {
            return Err(ImportError::File(
                "it is not a CSV file (its first line cannot be read).".into(),
            ))
        }
        Some(Err(error)) => {
            return Err(ImportError::File(format!(
                "its first line {}",
                error.what()
            )))
        }
        None => {}
    }
    if !columns.iter().any(|(_, c)| *c == Column::Title) {
        return Err(ImportError::File(
            "the CSV file has no title column (a first line naming its columns, one of them \
             \"title\", is needed)."
                .into(),
        ));
    }
    let mut rows = Rows::new(0);
    // Lines are numbered as they come (blank ones too); only the others count as tasks.
    let (mut row, mut tasks) = (0, 0);
    while let Some(line) = lines.next_line() {
        row += 1;
        if matches!(&line, Ok(line) if line.iter().all(|f| f.trim().is_empty())) {
            continue;
        }
        if tasks == max_rows {
            return Err(too_many(max_rows));
        }
        tasks += 1;
        match line {
            Ok(line) => rows.push(row, csv_task(&line, &columns)),
            Err(error) => rows.push(row, Err(vec![AppError::validation("row", error.message())])),
        }
    }
    rows.finish()
}

fn csv_task(line: &Line<'_>, columns: &[(usize, Column)]) -> Result<Insert, Vec<AppError>> {
    let get = |c: Column| {
        columns
            .iter()
            .find(|(_, k)| *k == c)
            .and_then(|(i, _)| line.get(*i))
            .unwrap_or("")
    };
    let mut errors = Vec::new();
    let priority = csv_priority(get(Column::Priority));
    let completed = csv_completed(get(Column::Completed)).unwrap_or_else(|e| {
        errors.push(e);
        false
    });
    let created_at = csv_created(get(Column::CreatedAt)).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    // Texts as they were before the export guarded them against spreadsheets.
    let form = TaskForm {
        title: csv_text_in(get(Column::Title)).to_owned(),
        description: csv_text_in(get(Column::Description)).to_owned(),
        priority,
        due_date: csv_date(get(Column::DueDate)).to_owned(),
        tags: csv_text_in(get(Column::Tags)).to_owned(),
        ..TaskForm::default()
    };
    match TaskInput::parse_all(&form) {
        Ok(input) if errors.is_empty() => Ok(Insert {
            input,
            completed,
            created_at,
        }),
        Ok(_) => Err(errors),
        Err(mut field_errors) => {
            field_errors.append(&mut errors);
            Err(field_errors)
        }
    }
}

/// This app's names, and Todoist's `p1` (highest) to `p4` (none).
fn csv_priority(raw: &str) -> String {
    match raw.trim().to_lowercase().as_str() {
        "p1" => "high".into(),
        "p2" => "medium".into(),
        "p3" => "low".into(),
        "p4" => "none".into(),
        other => other.to_owned(),
    }
}

fn csv_completed(raw: &str) -> Result<bool, AppError> {
    match raw.trim().to_lowercase().as_str() {
        "" | "false" | "no" | "0" | "todo" | "to do" | "open" | "active" | "not done" => Ok(false),
        "true" | "yes" | "1" | "x" | "done" | "completed" | "complete" | "closed" => Ok(true),
        _ => Err(AppError::validation(
            "completed",
            "Write completed as true or false (or yes/no, done/todo).",
        )),
    }
}

/// A date, or the date of a date and time (`2026-11-28T09:00:00Z`, `2026-11-28 09:00`).
fn csv_date(raw: &str) -> &str {
    let raw = raw.trim();
    match raw.as_bytes().get(10) {
        Some(b'T' | b' ') if raw.is_char_boundary(10) => &raw[..10],
        _ => raw,
    }
}

fn csv_created(raw: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let at = (raw.len() <= 64)
        .then(|| {
            DateTime::parse_from_rfc3339(raw)
                .map(|at| at.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    NaiveDate::parse_from_str(csv_date(raw), "%Y-%m-%d")
                        .ok()
                        .and_then(|day| day.and_hms_opt(0, 0, 0))
                        .map(|t| t.and_utc())
                })
        })
        .flatten();
    match at {
        Some(at) if crate::tasks::YEARS.contains(&at.year()) => Ok(Some(at)),
        _ => Err(created_at_error()),
    }
}

/// The file of an upload, read into one buffer of the size the request announced (so a file
/// costs its own size once, not twice while a growing buffer is copied), at most
/// `IMPORT_MAX_BYTES`.
pub async fn read_file<S, E>(
    chunks: S,
    announced: Option<usize>,
) -> Result<axum::body::Bytes, FileError<E>>
where
    S: futures::Stream<Item = Result<axum::body::Bytes, E>>,
{
    use futures::StreamExt;
    let mut file = Vec::with_capacity(announced.unwrap_or(0).min(IMPORT_MAX_BYTES));
    let mut chunks = std::pin::pin!(chunks);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(FileError::Body)?;
        if file.len() + chunk.len() > IMPORT_MAX_BYTES {
            return Err(FileError::TooLarge);
        }
        file.extend_from_slice(&chunk);
    }
    Ok(file.into())
}

/// The request's `Content-Length`, the size to read an upload's file into (a multipart
/// upload's file is a little smaller: the framing around it).
pub fn announced_length(headers: &http::HeaderMap) -> Option<usize> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Why an upload's file was not read: larger than `IMPORT_MAX_BYTES`, or the body failed.
#[derive(Debug)]
pub enum FileError<E> {
    TooLarge,
    Body(E),
}

/// Why an import was refused: the file, or the service.
#[derive(Debug)]
pub enum Refused {
    Import(ImportError),
    App(AppError),
}

impl From<ImportError> for Refused {
    fn from(err: ImportError) -> Self {
        Self::Import(err)
    }
}

/// Reads `bytes` as `format` and adds every task to `user`'s list, or none. Returns how
/// many were added. `_admitted` is the place of `AppState::imports` the route took before it
/// read the file; it is given back when the import ends.
pub async fn run(
    pool: &sqlx::PgPool,
    user: &crate::auth::User,
    bytes: axum::body::Bytes,
    format: Format,
    quotas: crate::config::Quotas,
    _admitted: Pass,
) -> Result<u64, Refused> {
    let max_rows = usize::try_from(quotas.tasks).unwrap_or(usize::MAX);
    // Parsing a large file is a few hundred milliseconds of CPU: off the request threads.
    let zone = user.time_zone.clone();
    let tasks = tokio::task::spawn_blocking(move || parse_for(&bytes, format, max_rows, &zone))
        .await
        .map_err(|_| Refused::App(AppError::Internal))??;
    if tasks.is_empty() {
        return Err(ImportError::File("the file has no tasks.".into()).into());
    }
    match Tasks::new(pool, user, quotas).import(&tasks).await {
        Ok(count) => {
            tracing::info!(count, "tasks imported");
            Ok(count)
        }
        // A quota: said of the file as a whole (the page shows it as the file's error).
        Err(TaskError::App(AppError::Validation { mut message, .. })) => {
            // It follows "Nothing was imported: ".
            message[..1].make_ascii_lowercase();
            Err(ImportError::File(message).into())
        }
        Err(error) => Err(Refused::App(error.into())),
    }
}

#[cfg(test)]
#[path = "import_tests.rs"]
mod tests;
