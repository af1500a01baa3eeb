//! Reading delimited text files: CSV (with or without spaces after commas), TSV, whitespace.
//!
//! Every reader reports errors as `FILE:LINE: column C: message` and either stops at the first
//! malformed row or, with `--skip-invalid`, skips it and counts it.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::error::{IoError, IoResult, Position};
use crate::options::{Delimiter, ReadOptions};

/// Rows skipped under `--skip-invalid`, with the first few reasons.
#[derive(Debug, Default)]
pub struct Skipped {
    /// Number of rows skipped.
    pub count: u64,
    /// The first reasons, formatted as errors.
    pub first: Vec<String>,
}

impl Skipped {
    /// How many reasons are kept.
    pub const KEEP: usize = 5;

    /// Records one skipped row.
    pub fn push(&mut self, e: &impl std::fmt::Display) {
        self.count += 1;
        if self.first.len() < Self::KEEP {
            self.first.push(e.to_string());
        }
    }
}

impl std::fmt::Display for Skipped {
    /// `skipped N invalid row(s); first reasons:` and one reason a line (nothing when none).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.count == 0 {
            return Ok(());
        }
        write!(f, "skipped {} invalid row(s); first reasons:", self.count)?;
        for r in &self.first {
            write!(f, "\n  {r}")?;
        }
        Ok(())
    }
}

/// Is `path` a Parquet file? (Extension `.parquet`, any case.)
pub(crate) fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// The error for a Parquet file when the crate was built without its `parquet` feature.
#[cfg(not(feature = "parquet"))]
pub(crate) fn parquet_disabled(path: &Path) -> IoError {
    IoError::input(
        path,
        None,
        None,
        "a Parquet file, but crm-io was built without its `parquet` feature \
         (enable the `parquet` feature of crm-io or crm-analytics)",
    )
}

/// A delimited file (or, with the `parquet` feature, a Parquet file) opened for reading, with
/// its header resolved.
pub struct Table {
    path: PathBuf,
    header: Vec<String>,
    has_header: bool,
    lines: std::io::Lines<BufReader<File>>,
    csv: Option<csv::Reader<File>>,
    line_no: u64,
    skip_invalid: bool,
    #[cfg(feature = "parquet")]
    parquet: Option<crate::pq::PqRows>,
}

/// One row of a [`Table`] with its line number.
pub struct Row<'a> {
    /// 1-based line number in a text file; in a Parquet file, the 1-based row number in the file.
    pub line: u64,
    fields: Vec<&'a str>,
    at: Position,
}

impl<'a> Row<'a> {
    /// A row of a Parquet file or of record batches: its cells as text and its position.
    #[cfg(feature = "parquet")]
    pub(crate) fn cells(line: u64, fields: Vec<&'a str>, at: Position) -> Self {
        Row { line, fields, at }
    }

    /// Where the row is: its line in a text file, its row group and row in a Parquet file.
    pub fn position(&self) -> Position {
        self.at
    }
}

impl Row<'_> {
    /// Field at column index `i` (trimmed), or "" when the row is short.
    pub fn get(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", |s| s.trim())
    }
}

impl Table {
    /// Opens `path` and reads its header (or, with `no_header`, peeks the first row's width).
    ///
    /// A `.parquet` file (any case) is read as a Parquet file: its column names are the header
    /// and each cell reads as the text a CSV export would hold (dates `YYYY-MM-DD`, times
    /// `YYYY-MM-DD HH:MM:SS`, nulls empty); without the `parquet` feature it is an error.
    pub fn open(path: &Path, opts: &ReadOptions) -> IoResult<Self> {
        let io = |source| IoError::Io {
            file: path.to_path_buf(),
            source,
        };
        if is_parquet(path) {
            #[cfg(not(feature = "parquet"))]
            return Err(parquet_disabled(path));
        }
        let file = File::open(path).map_err(io)?;
        let mut t = Table {
            path: path.to_path_buf(),
            header: Vec::new(),
            has_header: opts.has_header,
            lines: BufReader::new(File::open(path).map_err(io)?).lines(),
            csv: None,
            line_no: 0,
            skip_invalid: opts.skip_invalid,
            #[cfg(feature = "parquet")]
            parquet: None,
        };
        #[cfg(feature = "parquet")]
        if is_parquet(path) {
            let rows = crate::pq::PqRows::open(path)?;
            t.header = rows.header();
            t.has_header = true;
            t.parquet = Some(rows);
            return Ok(t);
        }
        if opts.delimiter != Delimiter::Whitespace {
            let d = opts.delimiter.byte().unwrap_or(b',');
            let mut r = csv::ReaderBuilder::new()
                .delimiter(d)
                .has_headers(false)
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(file);
            if t.has_header {
                let mut rec = csv::StringRecord::new();
                let got = r.read_record(&mut rec).map_err(|e| t.csv_error(&e))?;
                if !got {
                    return Err(IoError::input(
                        path,
                        None,
                        None,
                        "file is empty (a header row is required)",
                    ));
                }
                t.line_no = 1;
                t.header = rec.iter().map(|s| s.trim().to_string()).collect();
            }
            t.csv = Some(r);
        } else if t.has_header {
            match t.lines.next() {
                Some(l) => {
                    let l = l.map_err(io)?;
                    t.line_no = 1;
                    t.header = l.split_whitespace().map(str::to_string).collect();
                }
                None => {
                    return Err(IoError::input(
                        path,
                        None,
                        None,
                        "file is empty (a header row is required)",
                    ));
                }
            }
        }
        Ok(t)
    }

    fn csv_error(&self, e: &csv::Error) -> IoError {
        let line = e.position().map(|p| p.line());
        IoError::input(&self.path, line, None, format!("malformed CSV: {e}"))
    }

    /// Name of column `i` (the header cell, or its 1-based position without a header); `None`
    /// past the last column.
    pub fn header_name(&self, i: usize) -> Option<String> {
        if self.has_header {
            self.header.get(i).cloned()
        } else {
            None
        }
    }

    /// Index of the column `name`: a header name (case-insensitive), or a 1-based position when
    /// the file has no header.
    pub fn column(&self, name: &str) -> IoResult<usize> {
        if !self.has_header {
            return match name.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(n - 1),
                _ => Err(IoError::input(
                    &self.path,
                    None,
                    Some(name),
                    "with --no-header, columns are named by 1-based position (e.g. --customer-column 1)",
                )),
            };
        }
        let i = self
            .header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                IoError::input(
                    &self.path,
                    (!self.is_parquet_table()).then_some(1),
                    Some(name),
                    format!("no such column; the header has: {}", self.header.join(", ")),
                )
            })?;
        #[cfg(feature = "parquet")]
        if let Some(rows) = &self.parquet {
            rows.check_column(i, name)?;
        }
        Ok(i)
    }

    fn is_parquet_table(&self) -> bool {
        #[cfg(feature = "parquet")]
        return self.parquet.is_some();
        #[cfg(not(feature = "parquet"))]
        false
    }

    /// Calls `f` for every data row, the way every reader treats a bad record: an error from `f`
    /// stops the read, unless the table was opened with [`ReadOptions::skip_invalid`]; then the
    /// row is counted in the returned [`Skipped`] (with the first reasons) and reading goes on.
    /// Errors of the file itself (I/O, broken quoting) always stop.
    pub fn for_each_record(
        &mut self,
        mut f: impl FnMut(&Row<'_>) -> IoResult<()>,
    ) -> IoResult<Skipped> {
        let skip = self.skip_invalid;
        let mut skipped = Skipped::default();
        self.for_each(|row| match f(row) {
            Err(e) if skip => {
                skipped.push(&e);
                Ok(())
            }
            other => other,
        })?;
        Ok(skipped)
    }

    /// Calls `f` for every data row; blank lines are skipped silently (they hold no record).
    pub fn for_each(&mut self, mut f: impl FnMut(&Row<'_>) -> IoResult<()>) -> IoResult<()> {
        #[cfg(feature = "parquet")]
        if let Some(rows) = self.parquet.take() {
            return rows.for_each(f);
        }
        if let Some(mut r) = self.csv.take() {
            let mut rec = csv::StringRecord::new();
            loop {
                match r.read_record(&mut rec) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => return Err(self.csv_error(&e)),
                }
                let line = rec.position().map_or(self.line_no + 1, |p| p.line());
                self.line_no = line;
                if rec.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                f(&Row {
                    line,
                    fields: rec.iter().collect(),
                    at: Position::Line(line),
                })?;
            }
            return Ok(());
        }
        while let Some(l) = self.lines.next() {
            let l = l.map_err(|source| IoError::Io {
                file: self.path.clone(),
                source,
            })?;
            self.line_no += 1;
            if l.trim().is_empty() {
                continue;
            }
            f(&Row {
                line: self.line_no,
                fields: l.split_whitespace().collect(),
                at: Position::Line(self.line_no),
            })?;
        }
        Ok(())
    }
}
