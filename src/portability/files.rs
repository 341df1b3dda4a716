//! [ssr] What the export and import share: the formats, a refused row, and the texts a CSV
//! guards against spreadsheets.

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

/// What a spreadsheet would run as a formula when a cell starts with it (OWASP, "CSV
/// Injection"); a leading `'` makes the cell text. `'` itself is in the list so that a text
/// starting with one is written with one more, and every text reads back as it was.
const FORMULA_STARTS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// A text as a CSV export writes it: a `'` before one that starts like a formula.
pub fn csv_text_out(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// A text of a CSV import: the export's `'` before a formula's start taken off again (a `'`
/// before anything else is the text's own).
pub fn csv_text_in(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn texts_that_start_like_formulas_are_written_as_text() {
        for (text, written) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'quoted", "''quoted"),
            ("Buy milk", "Buy milk"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_text_out(text), written);
            assert_eq!(csv_text_in(written), text);
        }
        // Another app's apostrophe is kept.
        assert_eq!(csv_text_in("'til dawn"), "'til dawn");
    }

    proptest! {
        #[test]
        fn every_text_reads_back_as_it_was_and_none_is_written_as_a_formula(text in ".{0,20}") {
            let written = csv_text_out(&text);
            prop_assert!(!written.starts_with(['=', '+', '-', '@', '\t', '\r']));
            prop_assert_eq!(csv_text_in(&written), text.as_str());
        }
    }
}
