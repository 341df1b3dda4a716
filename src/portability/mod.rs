//! A person's data out and back in: the export (every task with its tags, as JSON in the
//! API's own shapes or as CSV, streamed a page at a time) and the import (that JSON or CSV,
//! or a CSV in the columns other task apps export), all or nothing. Used by the JSON API
//! (`/api/v1/export`, `/api/v1/import`) and the account page (`/account/export`,
//! `/account/import`, `routes`).

pub mod export;
pub mod import;
pub mod routes;

use serde::Serialize;

/// Which file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    /// `json` or `csv` (the default when none is given is JSON).
    pub fn parse(raw: Option<&str>) -> Option<Self> {
        match raw.unwrap_or("json") {
            "json" => Some(Self::Json),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Csv => "csv",
        }
    }
}

/// One refused row of an import: its number (the first task of a JSON file, or the first
/// line after a CSV file's header, is 1), the field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub message: String,
}
