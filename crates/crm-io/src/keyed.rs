//! Tables keyed by a record id (the input of deduplication and record linkage): every row has
//! a non-empty id that no other row has.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{IoError, IoResult};
use crate::options::ReadOptions;
use crate::rows::Skipped;
use crate::table::Table;

/// One row of [`read_keyed_rows`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedRow {
    /// The record id.
    pub id: String,
    /// The selected cells, in the order asked for.
    pub fields: Vec<String>,
}

/// What [`read_keyed_rows`] read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyedRows {
    /// The rows, in file order.
    pub rows: Vec<KeyedRow>,
    /// Rows skipped as invalid (only under [`crate::ReadOptions::skip_invalid`]).
    pub skipped: Skipped,
}

/// Reads every row of `table` (opened from `path`) as its id, in column `id`, and the cells of
/// `columns`. An empty id, or an id already used on an earlier line, is an error of that row
/// (naming the earlier line).
///
/// ```
/// use crm_analytics::io::{ReadOptions, Table, read_keyed_rows};
/// let dir = tempfile::tempdir()?;
/// let p = dir.path().join("people.csv");
/// std::fs::write(&p, "id,name,city\nr1,Ann,Oslo\nr2,Bo,Rome\nr1,Cy,Bern\n")?;
/// let t = Table::open(&p, &ReadOptions::default())?;
/// let (id, name) = (t.column("id")?, t.column("name")?);
/// let e = read_keyed_rows(&p, t, id, &[name]).unwrap_err();
/// assert!(e.to_string().ends_with("people.csv:4: column id: record id \"r1\" already used on line 2"), "{e}");
/// let t = Table::open(&p, &ReadOptions { skip_invalid: true, ..ReadOptions::default() })?;
/// let read = read_keyed_rows(&p, t, id, &[name])?;
/// assert_eq!(read.rows.len(), 2);
/// assert_eq!(read.rows[1].fields, ["Bo"]);
/// assert_eq!(read.skipped.count, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`IoError`] naming file, line and column: an empty or repeated id, or what the table's
/// reader finds; under skip-invalid such rows are counted in [`KeyedRows::skipped`].
pub fn read_keyed_rows(
    path: &Path,
    mut table: Table,
    id: usize,
    columns: &[usize],
) -> IoResult<KeyedRows> {
    let id_name = table.header_name(id).unwrap_or_default();
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let skipped = table.for_each_record(|row| {
        let key = row.get(id);
        let bad = |m: String| IoError::input(path, Some(row.line), Some(&id_name), m);
        if key.is_empty() {
            return Err(bad("record id is empty".into()));
        }
        if let Some(first) = seen.get(key) {
            return Err(bad(format!(
                "record id {key:?} already used on line {first}"
            )));
        }
        seen.insert(key.to_string(), row.line);
        let fields = columns.iter().map(|&i| row.get(i).to_string()).collect();
        rows.push(KeyedRow {
            id: key.to_string(),
            fields,
        });
        Ok(())
    })?;
    Ok(KeyedRows { rows, skipped })
}

/// Two columns of a file by row, with each row's line: what an evaluation pairs up (record id
/// and cluster id, record id and true entity id) and how its errors point back at the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdValues {
    /// `(id, value)` per row, in file order.
    pub rows: Vec<(String, String)>,
    /// The line (or Parquet row) of each row.
    pub lines: Vec<u64>,
}

impl IdValues {
    /// The line of row `i`, when there is such a row.
    #[must_use]
    pub fn line(&self, i: usize) -> Option<u64> {
        self.lines.get(i).copied()
    }
}

/// Reads the columns `id` and `value` of every row of `path` (CSV or Parquet).
///
/// # Errors
/// A missing column (the error lists the header); rows that cannot be read.
pub fn read_id_values(
    path: &Path,
    id: &str,
    value: &str,
    opts: &ReadOptions,
) -> IoResult<IdValues> {
    let mut t = Table::open(path, opts)?;
    let (ic, vc) = (t.column(id)?, t.column(value)?);
    let mut out = IdValues::default();
    t.for_each(|row| {
        out.rows
            .push((row.get(ic).to_string(), row.get(vc).to_string()));
        out.lines.push(row.line);
        Ok(())
    })?;
    Ok(out)
}
