//! Writing results: CSV, JSON or an aligned table, to stdout or a file.

use std::io::Write;
use std::path::PathBuf;

use crm_analytics::model::{Choice, Named};

use crate::error::{CliError, CliResult};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// JSON.
    Json,
    /// An aligned table for a terminal.
    Table,
}

impl Named for Format {
    const CHOICES: &'static [Choice<Self>] = &[
        Choice::new(
            "csv",
            Format::Csv,
            "Comma-separated values with a header row",
        ),
        Choice::new("json", Format::Json, "JSON"),
        Choice::new("table", Format::Table, "An aligned table for a terminal"),
    ];
}

/// Opens the output: a file when given, otherwise stdout.
pub fn open(path: Option<&PathBuf>) -> CliResult<Box<dyn Write>> {
    Ok(match path {
        Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p).map_err(
            |source| CliError::Io {
                file: p.clone(),
                source,
            },
        )?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// Maps a write error to a CLI error naming the destination.
pub fn write_err(path: Option<&PathBuf>) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |source| CliError::Io {
        file: path.cloned().unwrap_or_else(|| PathBuf::from("<stdout>")),
        source,
    }
}

/// Opens the output, lets `f` write to it and flushes it; errors name the destination.
pub fn write_with(
    path: Option<&PathBuf>,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> CliResult<()> {
    let mut w = open(path)?;
    let werr = write_err(path);
    f(&mut w).map_err(&werr)?;
    w.flush().map_err(&werr)
}

/// Writes `value` as pretty JSON and a newline.
pub fn json(w: &mut dyn Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, value)?;
    w.write_all(b"\n")
}

/// Writes `value` as JSON when `as_json`, else the text `text()`.
pub fn json_or_text(
    path: Option<&PathBuf>,
    as_json: bool,
    value: &impl serde::Serialize,
    text: impl FnOnce() -> String,
) -> CliResult<()> {
    write_with(path, |w| {
        if as_json {
            json(w, value)
        } else {
            w.write_all(text().as_bytes())
        }
    })
}

/// Writes result rows: a Parquet table when `path` ends in `.parquet`, else CSV or JSON of the
/// rows, or the table text `table()`.
pub fn rows<T: serde::Serialize + Sync>(
    path: Option<&PathBuf>,
    format: Format,
    rows: &[T],
    table: impl FnOnce() -> String,
) -> CliResult<()> {
    use crm_analytics::io::{OutputFormat, write_rows};
    if parquet(path, rows)? {
        return Ok(());
    }
    write_with(path, |w| match format {
        Format::Csv => write_rows(w, OutputFormat::Csv, rows),
        Format::Json => write_rows(w, OutputFormat::Json, rows),
        Format::Table => w.write_all(table().as_bytes()),
    })
}

/// When `path` names a Parquet file (`.parquet`, any case), writes `rows` to it as a Parquet
/// table (one column per field) and returns true; otherwise writes nothing and returns false.
pub fn parquet<T: serde::Serialize + Sync>(path: Option<&PathBuf>, rows: &[T]) -> CliResult<bool> {
    use crm_analytics::io::{OutputFormat, write_table};
    match path {
        Some(p) if OutputFormat::from_path(p) == Some(OutputFormat::Parquet) => {
            write_table(p, OutputFormat::Parquet, rows)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Writes drill-down rows: the group columns `names` (row `i` in group `keys[i]`), then each
/// row's own fields, as CSV, JSON or an aligned table.
pub fn grouped_rows<T: serde::Serialize + Sync>(
    path: Option<&PathBuf>,
    format: Format,
    r: &crm_analytics::report::drill::GroupedRows<T>,
) -> CliResult<()> {
    write_with(path, |w| grouped(w, format, &r.names, &r.keys, &r.rows))
}

/// Writes rows with their group columns first, in `format`.
pub fn grouped<T: serde::Serialize + Sync>(
    w: &mut dyn Write,
    format: Format,
    names: &[String],
    keys: &[Vec<String>],
    rows: &[T],
) -> std::io::Result<()> {
    use crm_analytics::io::{OutputFormat, write_grouped_rows};
    match format {
        Format::Csv => write_grouped_rows(w, OutputFormat::Csv, names, keys, rows),
        Format::Json => write_grouped_rows(w, OutputFormat::Json, names, keys, rows),
        Format::Table => {
            let t = crm_analytics::report::text::grouped_table(names, keys, rows)?;
            w.write_all(t.as_bytes())
        }
    }
}
