//! # crm-io
//!
//! Facade module: `crm_io` = `crm_analytics::io`.
//!
//! The only library crate of the workspace that touches files: it reads CRM data (transactions,
//! customers, surveys, interactions, MRR movements, funnel events, marketing spend) into the
//! `crm-model` types and writes result tables back out.
//!
//! - **Strict.** A row that does not fit its header, a cell that does not parse, a header that
//!   names a column twice: each is an [`IoError`] naming file, line (or row group and row) and
//!   column. With [`ReadOptions::skip_invalid`] such rows are skipped instead, and every skip is
//!   counted with its reason in the [`Skipped`] report of the result: nothing is dropped silently.
//! - **Fast.** Comma, tab and semicolon files are split into parts read on rayon's pool (the
//!   caller's own pool when it installs one), with allocation-free parsers for the common forms of
//!   ids, dates and amounts; the result is identical to a sequential read.
//! - **Bounded.** Readers stream: memory grows with the records returned, not with the file.
//!
//! ## Input formats
//!
//! - **Encodings** ([`ReadOptions::encoding`]): UTF-8, a leading byte-order mark skipped; or
//!   GB18030/GBK ([`Encoding::Gbk`], Chinese exports from Excel), decoded line by line and read
//!   sequentially. Bytes that are not valid in the declared encoding are never replaced: they are
//!   a row error naming file, line and column (a skipped row under `skip_invalid`); a file that
//!   is not UTF-8 suggests `--encoding gbk`.
//! - **Amounts** ([`AmountFormat`], from [`ReadOptions::decimal_comma`]): an optional currency
//!   symbol (`¥1,234.50`, `-£3.20`, `1.234,50 €`) and thousands separators in groups of three;
//!   anything ambiguous (`12,50` without a decimal comma, `1,23.4`, `1_000`) is an error.
//! - **Delimiters**: a header of one column that another delimiter would split names the
//!   `--delimiter` to try in its "no such column" error.
//!
//! ## Data directories
//!
//! A data directory holds one file per kind of record, named as in [`names`]; [`DataDirWriter`]
//! writes one, the `read_*` functions read each file. Two smaller inputs have readers too:
//! [`read_spans`] (one active span per customer, for period retention) and
//! [`read_customer_values`] (one number per customer id, such as scores made elsewhere).
//!
//! ```
//! use crm_analytics::io::{load_transactions, ReadOptions, TransactionColumns};
//! let dir = std::env::temp_dir().join(format!("crm-io-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("tx.csv");
//! std::fs::write(&path, "customer_id,date,amount\nA,2024-01-05,12.50\nB,2024-01-06,3\nA,2024-02-01,-2.50\n")?;
//! let loaded = load_transactions(&path, &TransactionColumns::default(), &ReadOptions::default())?;
//! assert_eq!(loaded.transactions.len(), 3);
//! assert_eq!(loaded.ids.len(), 2);
//! assert_eq!(loaded.skipped.count, 0);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

//! ## Parquet and Arrow
//!
//! With the `parquet` feature (on by default in `crm-analytics`), every reader takes a
//! `.parquet` file (by extension, any case) as it takes a CSV file, and
//! [`transactions_from_batches`] reads Arrow record batches already in memory. Columns are
//! found by name, case-insensitively; ids are integer or string columns, dates `Date32`,
//! `Date64`, timestamps or strings, amounts `Decimal128`, floats, integers or strings (see
//! [`transactions_from_batches`]). A file is read row group by row group (memory bounded by the
//! result); [`fold_purchases`] and [`load_transactions`] decode runs of row groups in parallel.
//! Errors name the row group and row ([`Position::Row`]). Without the feature, a `.parquet`
//! path is an error that says so. [`write_table`] writes result tables (slices of flat serde
//! structs) to a file as CSV, JSON or Parquet; [`write_rows`] writes CSV or JSON to any writer,
//! formatting a million rows in parallel chunks in a fraction of a second.
//!
//! ## Crate features
//!
//! - `parquet` (default): Parquet files and Arrow record batches (`arrow-array`, `parquet`).

#![forbid(unsafe_code)]

mod csv_rows;
mod customer_values;
mod datafiles;
mod dataset;
mod decode;
mod error;
mod fastcsv;
mod fold;
mod folded;
mod json_file;
mod keyed;
mod loaded;
mod options;
mod parse;
#[cfg(feature = "parquet")]
mod pq;
mod rows;
mod scores;
mod spans;
mod summary_file;
mod summary_record;
mod table;
mod transactions;
mod write;

pub use crm_model::PurchaseFold;
pub use customer_values::read_customer_values;
pub use datafiles::{
    DataDirWriter, FunnelColumns, Loaded, MrrColumns, names, parse_mrr_kind, read_customers,
    read_funnel, read_funnel_columns, read_interactions, read_mrr, read_mrr_columns, read_spend,
    read_surveys,
};
pub use dataset::{DataFiles, DataSet, FileRead, ReadEvent, read_data_set};
pub use error::{IoError, IoResult, Position};
pub use fastcsv::fast_int_id;
pub use fold::fold_purchases;
pub use folded::Folded;
pub use json_file::read_json;
pub use keyed::{IdValues, KeyedRow, KeyedRows, read_id_values, read_keyed_rows};
pub use loaded::{LoadedTransactions, read_transaction_summaries};
pub use options::{Delimiter, Encoding, ReadOptions, TransactionColumns};
pub use parse::{AmountFormat, DateParser, parse_amount};
#[cfg(feature = "parquet")]
pub use pq::transactions_from_batches;
pub use rows::{Row, Skipped};
pub use scores::{
    FileAttributes, Grouping, Lookup, ScoreColumns, ScoresRead, read_customer_attributes,
    read_first_attributes, read_group_attributes, read_grouped_scores, read_lookup, read_scores,
    read_survey_scores,
};
pub use spans::{SpanColumns, read_spans};
pub use summary_file::{SummaryColumns, SummaryFile, SummaryNeeds, read_summary_file};
pub use summary_record::SummaryRecord;
pub use table::Table;
pub use transactions::load_transactions;
pub use write::{OutputFormat, row_cells, write_grouped_rows, write_rows, write_table};
