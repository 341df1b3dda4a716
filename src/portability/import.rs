//! Reading an import: this app's JSON export (or a bare array of tasks), this app's CSV, or a
//! CSV with the columns other task apps export. Every row is checked by the same parsers as
//! the task form (`TaskInput::parse_all`); one bad row refuses the whole file, with a report
//! of the rows in error (the first `MAX_ROW_ERRORS`), and nothing is written.
//!
//! Bounded before the work: the body's size by the route (`IMPORT_MAX_BYTES`), the number of
//! rows by the person's task quota before any row is parsed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Format, RowError};
use crate::{
    error::AppError,
    tags::tags_field,
    tasks::{
        db::Imported,
        input::{TaskForm, TaskInput},
    },
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

/// The tasks of `bytes`, at most `max_rows` of them, or why not.
pub fn parse(bytes: &[u8], format: Format, max_rows: usize) -> Result<Vec<Imported>, ImportError> {
    match format {
        Format::Json => parse_json(strip_bom(bytes), max_rows),
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
    tasks: Vec<Imported>,
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

    fn push(&mut self, row: usize, result: Result<Imported, Vec<AppError>>) {
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

    fn finish(self) -> Result<Vec<Imported>, ImportError> {
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

/// A task of a JSON import: the API's task shape, of which `id`, `version` and
/// `updated_at` (and anything else) are ignored.
#[derive(Deserialize)]
struct JsonTask {
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    due_date: Option<String>,
    /// `HH:MM[:SS]`, as an export writes it.
    #[serde(default)]
    due_time: Option<String>,
    #[serde(default)]
    repeat: Option<String>,
    #[serde(default)]
    repeat_from_completion: bool,
    #[serde(default)]
    remind_before_minutes: Option<u32>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    completed: bool,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct JsonFile<'a> {
    #[serde(borrow)]
    tasks: Vec<&'a RawValue>,
}

fn parse_json(bytes: &[u8], max_rows: usize) -> Result<Vec<Imported>, ImportError> {
    // Each task is kept as its slice of the file until it is read: the file is parsed once
    // for its shape, and each task then on its own, so a bad one is reported by its row.
    let items: Vec<&RawValue> = if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        serde_json::from_slice(bytes)
    } else {
        serde_json::from_slice::<JsonFile>(bytes).map(|f| f.tasks)
    }
    .map_err(|e| {
        ImportError::File(format!(
            "it is not a task list in JSON (line {}, column {}).",
            e.line(),
            e.column()
        ))
    })?;
    if items.len() > max_rows {
        return Err(too_many(max_rows));
    }
    let mut rows = Rows::new(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let result = serde_json::from_str::<JsonTask>(item.get())
            .map_err(|e| vec![AppError::validation("task", json_error(&e))])
            .and_then(|t| {
                let tags = tags_field(&t.tags).map_err(|e| vec![e])?;
                let form = TaskForm {
                    title: t.title,
                    description: t.description.unwrap_or_default(),
                    priority: t.priority.unwrap_or_default(),
                    due_date: t.due_date.unwrap_or_default(),
                    due_time: t.due_time.unwrap_or_default(),
                    repeat: t.repeat.unwrap_or_default(),
                    repeat_from: if t.repeat_from_completion {
                        "completion"
                    } else {
                        ""
                    }
                    .to_owned(),
                    remind: t
                        .remind_before_minutes
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                    tags,
                    ..TaskForm::default()
                };
                Ok(Imported {
                    input: TaskInput::parse_all(&form)?,
                    completed: t.completed,
                    created_at: t.created_at,
                })
            });
        rows.push(i + 1, result);
    }
    rows.finish()
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

fn parse_csv(bytes: &[u8], max_rows: usize) -> Result<Vec<Imported>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::Headers)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|_| {
            ImportError::File("it is not a CSV file (its first line cannot be read).".into())
        })?
        .clone();
    // The first column of each kind counts; unknown columns (ids, projects, ...) are ignored.
    let mut columns: Vec<(usize, Column)> = Vec::new();
    for (i, name) in headers.iter().enumerate() {
        if let Some(c) = column(name) {
            if !columns.iter().any(|(_, seen)| *seen == c) {
                columns.push((i, c));
            }
        }
    }
    if !columns.iter().any(|(_, c)| *c == Column::Title) {
        return Err(ImportError::File(
            "the CSV file has no title column (a first line naming its columns, one of them \
             \"title\", is needed)."
                .into(),
        ));
    }
    let mut rows = Rows::new(0);
    for (i, record) in reader.records().enumerate() {
        if i >= max_rows {
            return Err(too_many(max_rows));
        }
        let row = i + 1;
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                rows.push(
                    row,
                    Err(vec![AppError::validation(
                        "row",
                        "This line cannot be read as CSV (is it UTF-8?).",
                    )]),
                );
                continue;
            }
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows.push(row, csv_task(&record, &columns));
    }
    rows.finish()
}

fn csv_task(
    record: &csv::StringRecord,
    columns: &[(usize, Column)],
) -> Result<Imported, Vec<AppError>> {
    let get = |c: Column| {
        columns
            .iter()
            .find(|(_, k)| *k == c)
            .and_then(|(i, _)| record.get(*i))
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
    let form = TaskForm {
        title: get(Column::Title).to_owned(),
        description: get(Column::Description).to_owned(),
        priority,
        due_date: csv_date(get(Column::DueDate)).to_owned(),
        tags: get(Column::Tags).to_owned(),
        ..TaskForm::default()
    };
    match TaskInput::parse_all(&form) {
        Ok(input) if errors.is_empty() => Ok(Imported {
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
    if raw.len() <= 64 {
        if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
            return Ok(Some(at.with_timezone(&Utc)));
        }
        if let Ok(day) = NaiveDate::parse_from_str(csv_date(raw), "%Y-%m-%d") {
            return Ok(day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()));
        }
    }
    Err(AppError::validation(
        "created_at",
        "Write the creation time as 2026-11-28T09:30:00Z or 2026-11-28.",
    ))
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

/// Imports running at once on this instance, each holding its file and its tasks in memory;
/// another is told the service is busy.
static RUNNING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Reads `bytes` as `format` and adds every task to `user`'s list, or none. Returns how
/// many were added.
pub async fn run(
    pool: &sqlx::PgPool,
    user: &crate::auth::User,
    bytes: axum::body::Bytes,
    format: Format,
    quotas: crate::config::Quotas,
) -> Result<u64, Refused> {
    let _running = RUNNING
        .try_acquire()
        .map_err(|_| Refused::App(AppError::Unavailable))?;
    let max_rows = usize::try_from(quotas.tasks).unwrap_or(usize::MAX);
    // Parsing a large file is a few hundred milliseconds of CPU: off the request threads.
    let tasks = tokio::task::spawn_blocking(move || parse(&bytes, format, max_rows))
        .await
        .map_err(|_| Refused::App(AppError::Internal))??;
    if tasks.is_empty() {
        return Err(ImportError::File("the file has no tasks.".into()).into());
    }
    use crate::tasks::db::{import_tasks, WriteError};
    match import_tasks(pool, user.id, &user.time_zone, &tasks, quotas).await {
        Ok(count) => {
            tracing::info!(count, "tasks imported");
            Ok(count)
        }
        Err(WriteError::TooManyTasks(max)) => Err(ImportError::File(format!(
            "your list would hold more than {max} tasks, the most one list can."
        ))
        .into()),
        Err(WriteError::TooManyTags(max)) => Err(ImportError::File(format!(
            "you would have more than {max} tags, the most one person can."
        ))
        .into()),
        Err(WriteError::Stale(_)) => Err(Refused::App(AppError::Internal)),
        Err(WriteError::Db(err)) => Err(Refused::App(AppError::from(err))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::Priority;

    #[test]
    fn the_apps_json_export_reads_back() {
        let file =
            br#"{"format":"tasklist","version":1,"exported_at":"2026-11-28T10:00:00Z","tasks":[
            {"id":7,"title":"Buy milk","description":null,"completed":true,"priority":"high",
             "due_date":"2026-12-01","tags":["home","shop"],"created_at":"2026-11-01T08:00:00Z",
             "updated_at":"2026-11-02T08:00:00Z","version":3},
            {"title":"Call Sam"}]}"#;
        let tasks = parse(file, Format::Json, 10).unwrap();
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[0].input.title.as_str(), "Buy milk");
        assert_eq!(tasks[0].input.priority, Priority::High);
        assert_eq!(tasks[0].input.tags, ["home", "shop"]);
        assert!(tasks[0].completed);
        assert_eq!(
            tasks[0].created_at.unwrap().to_rfc3339(),
            "2026-11-01T08:00:00+00:00"
        );
        assert!(!tasks[1].completed);
        // A bare array too.
        assert_eq!(
            parse(br#"[{"title":"a"}]"#, Format::Json, 10)
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn every_bad_row_is_reported_and_nothing_is_kept() {
        let file = br#"[{"title":""},{"title":"ok"},{"title":"x","priority":"urgent","due_date":"tomorrow"},{"title":5}]"#;
        match parse(file, Format::Json, 10).unwrap_err() {
            ImportError::Rows { errors, refused } => {
                assert_eq!(refused, 3);
                let got: Vec<(usize, &str)> =
                    errors.iter().map(|e| (e.row, e.field.as_str())).collect();
                assert_eq!(
                    got,
                    [(1, "title"), (3, "priority"), (3, "due_date"), (4, "task")]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_file_that_is_not_a_list_or_too_long_is_refused_whole() {
        assert!(matches!(
            parse(b"{nope", Format::Json, 10),
            Err(ImportError::File(_))
        ));
        assert!(matches!(
            parse(br#"{"tasks": 3}"#, Format::Json, 10),
            Err(ImportError::File(_))
        ));
        assert_eq!(
            parse(br#"[{"title":"a"},{"title":"b"}]"#, Format::Json, 1).unwrap_err(),
            too_many(1)
        );
        assert!(matches!(parse(b"name,notes\n", Format::Csv, 10), Ok(v) if v.is_empty()));
        assert!(matches!(
            parse(b"id,notes\n1,x\n", Format::Csv, 10),
            Err(ImportError::File(_))
        ));
        let many = format!("title\n{}", "a\n".repeat(3));
        assert_eq!(
            parse(many.as_bytes(), Format::Csv, 2).unwrap_err(),
            too_many(2)
        );
    }

    #[test]
    fn the_apps_csv_and_other_apps_columns_read() {
        let ours = "id,title,description,priority,due_date,tags,completed,created_at,updated_at\n\
                    3,\"Buy milk, eggs\",\"two\nlines\",low,2026-12-01,\"home, shop\",true,2026-11-01T08:00:00.000000Z,x\n";
        let tasks = parse(ours.as_bytes(), Format::Csv, 10).unwrap();
        assert_eq!(tasks[0].input.title.as_str(), "Buy milk, eggs");
        assert_eq!(tasks[0].input.description.as_deref(), Some("two\nlines"));
        assert_eq!(tasks[0].input.tags, ["home", "shop"]);
        assert!(tasks[0].completed);

        let other = "\u{feff}Content,Notes,Priority,Due Date,Labels,Done,Project\n\
                     Water plants,,p1,2026-12-02 09:00,garden,x,Home\n\
                     ,,,,,,\n\
                     File taxes,by April,P4,,,no,Work\n";
        let tasks = parse(other.as_bytes(), Format::Csv, 10).unwrap();
        assert_eq!(tasks.len(), 2, "the blank line is skipped");
        assert_eq!(tasks[0].input.priority, Priority::High);
        assert_eq!(
            tasks[0].input.due_date,
            NaiveDate::from_ymd_opt(2026, 12, 2)
        );
        assert!(tasks[0].completed);
        assert_eq!(tasks[1].input.priority, Priority::None);
        assert!(!tasks[1].completed);
    }

    #[test]
    fn bad_csv_rows_name_their_row_and_field() {
        let file = "title,completed,created\nok,maybe,2026-01-01\n,no,\nfine,yes,last week\n";
        match parse(file.as_bytes(), Format::Csv, 10).unwrap_err() {
            ImportError::Rows { errors, refused } => {
                assert_eq!(refused, 3);
                let got: Vec<(usize, &str)> =
                    errors.iter().map(|e| (e.row, e.field.as_str())).collect();
                assert_eq!(got, [(1, "completed"), (2, "title"), (3, "created_at")]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_report_is_bounded() {
        let file = format!(
            "title\n{}",
            "\"\"\n".repeat(0) + &",\n".repeat(0) + &"x\u{7}\n".repeat(500)
        );
        match parse(file.as_bytes(), Format::Csv, 1000).unwrap_err() {
            ImportError::Rows { errors, refused } => {
                assert_eq!(refused, 500);
                assert_eq!(errors.len(), MAX_ROW_ERRORS);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_format_is_sniffed() {
        assert_eq!(sniff(b"  [{}]"), Format::Json);
        assert_eq!(sniff(b"\xEF\xBB\xBF{"), Format::Json);
        assert_eq!(sniff(b"title\n"), Format::Csv);
    }
}
