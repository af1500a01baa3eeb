//! Command-line forms of the reader options: clap flags that convert into the plain
//! `crm_analytics::io` option structs.

use clap::{Args, ValueEnum};
use crm_analytics::io::{self, ReadOptions};

/// Field separator of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Delimiter {
    /// Comma (spaces after commas are tolerated).
    Comma,
    /// Tab.
    Tab,
    /// Semicolon.
    Semicolon,
    /// Runs of spaces or tabs (e.g. the CDNOW files).
    Whitespace,
}

impl From<Delimiter> for io::Delimiter {
    fn from(d: Delimiter) -> Self {
        match d {
            Delimiter::Comma => io::Delimiter::Comma,
            Delimiter::Tab => io::Delimiter::Tab,
            Delimiter::Semicolon => io::Delimiter::Semicolon,
            Delimiter::Whitespace => io::Delimiter::Whitespace,
        }
    }
}

/// Text encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Encoding {
    /// UTF-8 (a leading byte-order mark is skipped).
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// GB18030, the superset of GBK and GB2312 (Chinese exports, e.g. from Excel).
    #[value(alias = "gb18030")]
    Gbk,
}

impl From<Encoding> for io::Encoding {
    fn from(e: Encoding) -> Self {
        match e {
            Encoding::Utf8 => io::Encoding::Utf8,
            Encoding::Gbk => io::Encoding::Gbk,
        }
    }
}

/// How a file is read: shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct InputOptions {
    /// Field separator.
    #[arg(long, value_enum, default_value = "comma", global = true)]
    pub delimiter: Delimiter,
    /// The file has no header row; columns are then named by 1-based position ("1", "2", ...).
    #[arg(long, global = true)]
    pub no_header: bool,
    /// Skip malformed rows instead of stopping; the count and first reasons go to stderr.
    #[arg(long, global = true)]
    pub skip_invalid: bool,
    /// Text encoding of the input files; bytes that are not valid in it are errors (or skipped
    /// rows with --skip-invalid), never replaced.
    #[arg(long, value_enum, default_value = "utf-8", global = true)]
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
            delimiter: self.delimiter.into(),
            has_header: !self.no_header,
            skip_invalid: self.skip_invalid,
            encoding: self.encoding.into(),
            decimal_comma: self.decimal_comma,
        }
    }
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
