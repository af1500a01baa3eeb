//! Writing results: CSV, JSON or an aligned table, to stdout or a file.

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;

use crate::error::{CliError, CliResult};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// JSON.
    Json,
    /// An aligned table for a terminal.
    Table,
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

pub use crm_analytics::report::text::{num, table};

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
