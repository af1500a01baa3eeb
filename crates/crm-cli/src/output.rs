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

/// Renders rows as an aligned text table (numbers right-aligned).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = width.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let numeric = |s: &str| s.parse::<f64>().is_ok();
    let mut out = String::new();
    let line = |cells: &[String], out: &mut String| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let w = width.get(i).copied().unwrap_or(0);
                let pad = w.saturating_sub(c.chars().count());
                if numeric(c) {
                    format!("{}{c}", " ".repeat(pad))
                } else {
                    format!("{c}{}", " ".repeat(pad))
                }
            })
            .collect();
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(
        &header.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        &mut out,
    );
    out.push_str(
        &width
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  "),
    );
    out.push('\n');
    for r in rows {
        line(r, &mut out);
    }
    out
}

/// Formats an `f64` compactly (up to `digits` decimals, trailing zeros removed).
pub fn num(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".into() } else { s.into() }
    } else {
        s
    }
}
