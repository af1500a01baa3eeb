//! What [`crate::load_transactions`] returns: the transactions, their ids and the skip report.

use crm_model::{CustomerInterner, ModelError, Transaction};

use crate::rows::Skipped;

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
}
