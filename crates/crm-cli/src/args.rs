//! Command-line forms of the reader options: clap flags that convert into the plain
//! `crm_analytics::io` option structs.

use std::path::{Path, PathBuf};

use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use crm_analytics::io::{self, Delimiter, Encoding, Lookup, ReadOptions};
use crm_analytics::model::Named;
use crm_analytics::report::notes;

use crate::output::Format;

/// The value parser of a flag naming a library option: the accepted names, their aliases
/// and their help come from the type's [`Named`] table.
pub fn choice<T: Named + Send + Sync>() -> impl TypedValueParser<Value = T> {
    let all: Vec<T> = T::CHOICES.iter().map(|c| c.value).collect();
    among(&all)
}

/// [`choice`] limited to `values` (a command that supports only some of them).
pub fn among<T: Named + Send + Sync>(values: &[T]) -> impl TypedValueParser<Value = T> + use<T> {
    let possible = T::CHOICES
        .iter()
        .filter(|c| values.contains(&c.value))
        .map(|c| {
            let help = c.help.trim_end_matches('.');
            PossibleValue::new(c.name).help(help).aliases(c.aliases)
        })
        .collect::<Vec<_>>();
    PossibleValuesParser::new(possible)
        .try_map(|s| T::from_name(&s).ok_or_else(|| format!("unknown value {s:?}")))
}

/// How a file is read: shared by every subcommand (the default: comma-separated UTF-8 with a
/// header, decimal points, strict).
#[derive(Debug, Clone, Default, Args)]
pub struct InputOptions {
    /// Field separator.
    #[arg(long, value_parser = choice::<Delimiter>(), default_value = "comma", global = true)]
    pub delimiter: Delimiter,
    /// The file has no header row; columns are then named by 1-based position ("1", "2", ...).
    #[arg(long, global = true)]
    pub no_header: bool,
    /// Skip malformed rows instead of stopping; the count and first reasons go to stderr.
    #[arg(long, global = true)]
    pub skip_invalid: bool,
    /// Text encoding of the input files; bytes that are not valid in it are errors (or skipped
    /// rows with --skip-invalid), never replaced.
    #[arg(long, value_parser = choice::<Encoding>(), default_value = "utf-8", global = true)]
    pub encoding: Encoding,
    /// Amounts use a decimal comma ("1.234,50", "1 234,50"): "." or a space then separates
    /// thousands. Without it, "." is the decimal mark and "," separates thousands ("1,234.50").
    #[arg(long, global = true)]
    pub decimal_comma: bool,
}

impl InputOptions {
    /// The library's reader options.
    pub fn read(&self) -> ReadOptions {
        ReadOptions {
            delimiter: self.delimiter,
            has_header: !self.no_header,
            skip_invalid: self.skip_invalid,
            encoding: self.encoding,
            decimal_comma: self.decimal_comma,
        }
    }
}

/// Drill-down by customer attributes: `--by COLUMN [--customers FILE]`.
#[derive(Debug, Clone, Default, Args)]
pub struct ByCustomer {
    /// One result per group of customers: their value of COLUMN in --customers, or else in the
    /// input file (on the customer's first row). Repeatable: per combination.
    #[arg(long = "by", value_name = "COLUMN")]
    pub by: Vec<String>,
    /// Customer table of --by, keyed by the customer id column.
    #[arg(long, requires = "by")]
    pub customers: Option<PathBuf>,
}

impl ByCustomer {
    /// The --by columns by the ids in `id_column` of --customers, or else of the data file
    /// `input` (saying how many customers' rows disagree); `None` without --by.
    pub fn lookup(
        &self,
        input: &Path,
        id: &str,
        opts: &InputOptions,
    ) -> io::IoResult<Option<Lookup>> {
        if let (Some(p), false) = (&self.customers, self.by.is_empty()) {
            return io::read_customer_attributes(p, id, &self.by, &opts.read()).map(Some);
        }
        if self.by.is_empty() {
            return Ok(None);
        }
        let a = io::read_first_attributes(input, id, &self.by, &opts.read())?;
        print_notes(notes::first_row_attributes(a.changed, &self.by));
        Ok(Some(a.lookup))
    }
}

/// Where per-customer rows go: CSV by default, a JSON array or an aligned table.
#[derive(Debug, Clone, Args)]
pub struct RowsOutput {
    /// Output format.
    #[arg(long, value_parser = choice::<Format>(), default_value = "csv")]
    pub format: Format,
    /// Write to this file instead of stdout (a `.parquet` name writes a Parquet table).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Column names of a transaction file.
#[derive(Debug, Clone, Args)]
pub struct TransactionColumns {
    /// Column holding the customer id.
    #[arg(long, default_value = "customer_id")]
    pub customer_column: String,
    /// Column holding the purchase date (YYYY-MM-DD or YYYYMMDD unless --date-format is given;
    /// a time after the date, as in "2024-05-01T10:30:00", is accepted).
    #[arg(long, default_value = "date")]
    pub date_column: String,
    /// Column holding the amount (a negative amount is a return).
    #[arg(long, default_value = "amount")]
    pub amount_column: String,
    /// chrono strftime format of the date column, e.g. "%d/%m/%Y".
    #[arg(long)]
    pub date_format: Option<String>,
}

impl TransactionColumns {
    /// The library's column mapping; the amount column is required.
    pub fn columns(&self) -> io::TransactionColumns {
        io::TransactionColumns {
            customer: self.customer_column.clone(),
            date: self.date_column.clone(),
            amount: Some(self.amount_column.clone()),
            amount_optional: false,
            date_format: self.date_format.clone(),
        }
    }

    /// The column mapping for count models: the amount column is read when the file has one.
    pub fn columns_amount_optional(&self) -> io::TransactionColumns {
        io::TransactionColumns {
            amount_optional: true,
            ..self.columns()
        }
    }
}

/// Prints the rows skipped under `--skip-invalid` (nothing when none were).
pub fn report_skipped(skipped: &io::Skipped) {
    if skipped.count > 0 {
        eprintln!("warning: {skipped}");
    }
}

/// Prints a library's notes on stderr, one `note: ...` line each.
pub fn print_notes(notes: impl IntoIterator<Item = String>) {
    for n in notes {
        eprintln!("note: {n}");
    }
}
