//! What [`crate::load_transactions`] returns: the transactions, their ids and the skip report.

use crm_model::{CustomerInterner, ModelError, SummaryOptions, Transaction, summarize, to_f64};

use crate::rows::Skipped;
use crate::summary_record::SummaryRecord;

/// Transactions loaded from a file, with the id interner and the skip report.
pub struct LoadedTransactions {
    /// The transactions in file order.
    pub transactions: Vec<Transaction>,
    /// Customer ids.
    pub ids: CustomerInterner,
    /// Rows skipped under [`crate::ReadOptions::skip_invalid`], with the first reasons.
    pub skipped: Skipped,
    /// Whether the file had an amount column; `false`: every amount is zero (see
    /// [`crate::TransactionColumns::amount`]).
    pub has_amounts: bool,
}

impl LoadedTransactions {
    /// A record-level model error as an input error naming the file `path` and the `column`
    /// it is about, in [`LoadedTransactions::describe_record_error`]'s words; `None` for any
    /// other error.
    pub fn record_error(
        &self,
        path: &std::path::Path,
        column: &str,
        e: &crm_model::ModelError,
    ) -> Option<crate::IoError> {
        let m = self.describe_record_error(e)?;
        Some(crate::IoError::input(path, None, Some(column), m))
    }

    /// Checks that the file `path` had the amount column `column`, which `what` needs (e.g.
    /// "Gamma-Gamma models spend"): count models read files without one.
    ///
    /// # Errors
    /// No amount column, naming the file, the header line and the column.
    pub fn require_amounts(
        &self,
        path: &std::path::Path,
        column: &str,
        what: &str,
    ) -> crate::IoResult<()> {
        match self.has_amounts {
            true => Ok(()),
            false => Err(crate::IoError::input(
                path,
                Some(1),
                Some(column),
                format!("{what}: it needs an amount column, and the file has none"),
            )),
        }
    }

    /// A record-level model error (`ModelError::AtRecord`, e.g. from summarising or scoring
    /// these transactions) in words that find the row: `transaction #N (customer ID): reason`,
    /// N counting from 1 in file order; `None` for any other error.
    ///
    /// ```
    /// use crm_analytics::io::{LoadedTransactions, Skipped};
    /// use crm_analytics::model::{CustomerInterner, ModelError, Transaction, chrono::NaiveDate, rust_decimal::Decimal};
    /// let mut ids = CustomerInterner::new();
    /// let k = ids.intern("C-7")?;
    /// let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    /// let loaded = LoadedTransactions {
    ///     transactions: vec![Transaction::purchase(k, day, Decimal::ONE)?],
    ///     ids,
    ///     skipped: Skipped::default(),
    ///     has_amounts: true,
    /// };
    /// let e = ModelError::TooManyCustomers.at_record(0);
    /// let text = loaded.describe_record_error(&e).unwrap();
    /// assert_eq!(text, format!("transaction #1 (customer C-7): {}", ModelError::TooManyCustomers));
    /// assert!(loaded.describe_record_error(&ModelError::TooManyCustomers).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn describe_record_error(&self, e: &ModelError) -> Option<String> {
        let ModelError::AtRecord { index, source } = e else {
            return None;
        };
        let customer = (self.transactions.get(*index))
            .and_then(|t| self.ids.id(t.customer()))
            .map_or_else(|| "?".to_string(), ToString::to_string);
        Some(format!(
            "transaction #{} (customer {customer}): {source}",
            index + 1
        ))
    }

    /// Every customer's purchase summary ([`crm_model::summarize`] under `opts`) as the rows a
    /// summary file would hold, under the customers' ids, in first-purchase order: repeat
    /// purchases `x`, recency `t_x` and age `t` in `opts`' time unit, and the mean repeat spend
    /// `zbar` when the file had amounts (`None` otherwise: count models need none). `line` is 0
    /// and `weight` 1.
    ///
    /// ```
    /// use crm_analytics::io::{LoadedTransactions, Skipped};
    /// use crm_analytics::model::{CustomerInterner, SummaryOptions, TimeUnit, Transaction};
    /// use crm_analytics::model::{chrono::NaiveDate, rust_decimal::Decimal};
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut ids = CustomerInterner::new();
    /// let k = ids.intern("C-7")?;
    /// let loaded = LoadedTransactions {
    ///     transactions: vec![
    ///         Transaction::purchase(k, d(1, 1), Decimal::from(10))?,
    ///         Transaction::purchase(k, d(1, 8), Decimal::from(30))?,
    ///     ],
    ///     ids,
    ///     skipped: Skipped::default(),
    ///     has_amounts: true,
    /// };
    /// let rows = loaded.summary_records(&SummaryOptions::new(d(1, 29), TimeUnit::Week))?;
    /// assert_eq!((rows[0].id.as_str(), rows[0].x, rows[0].t_x, rows[0].t), ("C-7", 1, 1.0, 4.0));
    /// assert_eq!(rows[0].zbar, Some(30.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`crm_model::summarize`]'s (a purchase after the observation end under
    /// `LateEvents::Reject`, an overflowing sum), as [`ModelError::AtRecord`] where a record is
    /// to blame ([`LoadedTransactions::describe_record_error`] words it).
    pub fn summary_records(&self, opts: &SummaryOptions) -> Result<Vec<SummaryRecord>, ModelError> {
        let s = summarize(&self.transactions, opts)?;
        Ok((s.customers.iter())
            .map(|c| SummaryRecord {
                id: (self.ids.id(c.customer)).map_or_else(String::new, ToString::to_string),
                line: 0,
                x: c.frequency,
                t_x: c.recency,
                t: c.age,
                zbar: c.monetary.filter(|_| self.has_amounts).map(to_f64),
                weight: 1.0,
            })
            .collect())
    }
}

/// The per-customer summaries of the transaction file `path` as of `end` in `unit` (purchases
/// after `end` left out, as a calibration window needs), with the rows skipped under
/// `opts.skip_invalid`. Count models need no amounts: the amount column is read when the file
/// has one; `need_amounts` = `(what, ...)` makes its absence an error naming what needs it
/// (e.g. "Gamma-Gamma models spend").
///
/// # Errors
/// As [`crate::load_transactions`]; a missing amount column with `need_amounts`; a summary
/// error naming the transaction it is about.
pub fn read_transaction_summaries(
    path: &std::path::Path,
    cols: &crate::TransactionColumns,
    opts: &crate::ReadOptions,
    end: crm_model::chrono::NaiveDate,
    unit: crm_model::TimeUnit,
    need_amounts: Option<&str>,
) -> crate::IoResult<(Vec<SummaryRecord>, Skipped)> {
    let cols = crate::TransactionColumns {
        amount_optional: true,
        ..cols.clone()
    };
    let loaded = crate::load_transactions(path, &cols, opts)?;
    if let Some(what) = need_amounts {
        let column = cols.amount.as_deref().unwrap_or("amount");
        loaded.require_amounts(path, column, what)?;
    }
    let late = crm_model::LateEvents::Exclude;
    let rows = (loaded.summary_records(&SummaryOptions::new(end, unit).late_events(late)))
        .map_err(|e| match loaded.record_error(path, &cols.date, &e) {
            Some(io) => io,
            None => crate::IoError::input(path, None, None, e.to_string()),
        })?;
    Ok((rows, loaded.skipped))
}
