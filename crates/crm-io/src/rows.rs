//! The row-level vocabulary shared by every reader: a row with its position, the report of rows
//! skipped under `--skip-invalid`, and the error of a row wider than its header.

use std::path::Path;

use crate::error::{IoError, Position};

/// Rows skipped under `--skip-invalid`, with the first few reasons.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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

/// One row of a [`crate::Table`] with its line number.
pub struct Row<'a> {
    /// 1-based line number in a text file; in a Parquet file, the 1-based row number in the file.
    pub line: u64,
    pub(crate) fields: Vec<&'a str>,
    pub(crate) at: Position,
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

/// The error for a row of `n` fields at `line`, wider than `w` (the header's width, or without a
/// header the first row's). Shared by the sequential and the parallel readers.
pub(crate) fn too_wide(path: &Path, has_header: bool, line: u64, n: usize, w: usize) -> IoError {
    let reference = if has_header {
        "the header"
    } else {
        "the first row"
    };
    IoError::input(
        path,
        Some(line),
        Some(&(w + 1).to_string()),
        format!(
            "the row has {n} fields but {reference} has {w}: a field holding the delimiter must \
             be quoted (as in \"Smith, John\")"
        ),
    )
}
