//! [ssr] A CSV file's lines, read with csv-core into buffers of a fixed size
//! (`ROW_MAX_BYTES` of fields, `CSV_MAX_COLUMNS` columns), allocated once: a line that does
//! not fit is read on to its end and reported, never kept. What the import reads CSV with.

/// The largest row read, in bytes: a CSV line, or a task of a JSON file. A row of this app's
/// export with the longest title, description and tags is under 8 KiB; a larger one is a
/// row error before it is parsed (so no row's parse, nor its error's message, costs more).
pub const ROW_MAX_BYTES: usize = 64 * 1024;
/// The most columns a CSV line may have (other apps' exports have a dozen or two).
pub const CSV_MAX_COLUMNS: usize = 100;

/// Why a CSV line was not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LineError {
    TooLong,
    TooWide,
    NotUtf8,
}

impl LineError {
    /// What is wrong with the line, as the end of a sentence about it.
    pub(super) fn what(self) -> String {
        match self {
            Self::TooLong => format!("is longer than {} KiB.", ROW_MAX_BYTES / 1024),
            Self::TooWide => format!("has more than {CSV_MAX_COLUMNS} columns."),
            Self::NotUtf8 => "cannot be read as CSV (is it UTF-8?).".into(),
        }
    }

    pub(super) fn message(self) -> String {
        format!("This line {}", self.what())
    }
}

/// A CSV file's lines, each read into buffers of `ROW_MAX_BYTES` and
/// `CSV_MAX_COLUMNS`, allocated once: what does not fit is skipped to the line's end and
/// reported, never kept.
pub(super) struct CsvLines<'a> {
    core: csv_core::Reader,
    input: &'a [u8],
    out: Vec<u8>,
    ends: Vec<usize>,
}

/// One line's fields.
pub(super) struct Line<'l> {
    text: &'l str,
    ends: &'l [usize],
}

impl Line<'_> {
    pub(super) fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).filter_map(|i| self.get(i))
    }
}

impl<'a> CsvLines<'a> {
    pub(super) fn new(input: &'a [u8]) -> Self {
        Self {
            core: csv_core::Reader::new(),
            input,
            // One more than the bounds: csv-core says "full" when a buffer fills, even with
            // the line's end next, so a line of exactly the bounds still reads.
            out: vec![0; ROW_MAX_BYTES + 1],
            ends: vec![0; CSV_MAX_COLUMNS + 1],
        }
    }

    /// The next line (blank lines are skipped), or `None` at the end of the file.
    pub(super) fn next_line(&mut self) -> Option<Result<Line<'_>, LineError>> {
        use csv_core::ReadRecordResult as R;
        let (mut len, mut nends) = (0, 0);
        let mut error = None;
        loop {
            let at_end = self.input.is_empty();
            let (res, nin, nout, nend) =
                self.core
                    .read_record(self.input, &mut self.out[len..], &mut self.ends[nends..]);
            self.input = &self.input[nin..];
            len += nout;
            nends += nend;
            match res {
                // The next call passes what is left, and nothing at the end (which ends
                // the last line).
                R::InputEmpty if !at_end => {}
                R::InputEmpty | R::End => return None,
                // Too long or too wide: read on to the line's end over the same buffers.
                R::OutputFull => {
                    error = Some(LineError::TooLong);
                    len = 0;
                }
                R::OutputEndsFull => {
                    error.get_or_insert(LineError::TooWide);
                    nends = 0;
                }
                R::Record => break,
            }
        }
        if len > ROW_MAX_BYTES {
            error = Some(LineError::TooLong);
        } else if nends > CSV_MAX_COLUMNS {
            error.get_or_insert(LineError::TooWide);
        }
        if let Some(error) = error {
            return Some(Err(error));
        }
        Some(match std::str::from_utf8(&self.out[..len]) {
            Ok(text) => Ok(Line {
                text,
                ends: &self.ends[..nends],
            }),
            Err(_) => Err(LineError::NotUtf8),
        })
    }
}
