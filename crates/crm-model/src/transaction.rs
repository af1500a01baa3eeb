//! Transactions (order lines): purchases, refunds and returns.

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::{Currency, CustomerKey};

/// Which way the money went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionKind {
    /// A sale: the customer paid `amount`.
    #[default]
    Purchase,
    /// Money given back without goods coming back (goodwill, price adjustment, chargeback).
    Refund,
    /// Goods came back and `amount` was given back.
    Return,
}

impl TransactionKind {
    /// +1 for purchases, -1 for refunds and returns.
    #[must_use]
    pub const fn sign(self) -> i8 {
        match self {
            TransactionKind::Purchase => 1,
            TransactionKind::Refund | TransactionKind::Return => -1,
        }
    }
}

/// Rarely used transaction fields, boxed so that a plain transaction stays 40 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TransactionDetails {
    /// Time of day, when the source records it.
    pub time: Option<NaiveTime>,
    /// Order identifier (several lines may share one).
    pub order_id: Option<String>,
    /// Sales channel (web, store, app, ...).
    pub channel: Option<String>,
    /// Number of units (always a magnitude; the kind gives the direction).
    pub quantity: Option<u32>,
}

/// One order line: who, when, how much, and which way.
///
/// `amount` is a non-negative magnitude; the [`TransactionKind`] says whether money came in
/// (purchase) or went back (refund, return). [`Transaction::signed_amount`] gives the net effect.
///
/// ```
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// use crm_analytics::model::{CustomerKey, Transaction, TransactionKind};
/// let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
/// let t = Transaction::purchase(CustomerKey::from_index(0), day, Decimal::new(1999, 2))?
///     .with_order_id("SO-1")
///     .with_quantity(2);
/// assert_eq!(t.amount().to_string(), "19.99");
/// let r = Transaction::new(CustomerKey::from_index(0), day, Decimal::new(500, 2), TransactionKind::Return)?;
/// assert_eq!(r.signed_amount().to_string(), "-5.00");
/// assert!(Transaction::purchase(CustomerKey::from_index(0), day, Decimal::new(-1, 0)).is_err());
/// # Ok::<(), crm_analytics::model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TransactionRecord", into = "TransactionRecord")]
pub struct Transaction {
    customer: CustomerKey,
    date: NaiveDate,
    amount: Decimal,
    kind: TransactionKind,
    currency: Option<Currency>,
    details: Option<Box<TransactionDetails>>,
}

impl Transaction {
    /// A transaction of `kind` with a non-negative `amount`.
    ///
    /// # Errors
    /// [`ModelError::NegativeAmount`] when `amount < 0`.
    pub fn new(
        customer: CustomerKey,
        date: NaiveDate,
        amount: Decimal,
        kind: TransactionKind,
    ) -> Result<Self> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(ModelError::NegativeAmount {
                field: "amount",
                value: amount,
            });
        }
        Ok(Transaction {
            customer,
            date,
            amount,
            kind,
            currency: None,
            details: None,
        })
    }

    /// A purchase.
    ///
    /// # Errors
    /// [`ModelError::NegativeAmount`] when `amount < 0`.
    pub fn purchase(customer: CustomerKey, date: NaiveDate, amount: Decimal) -> Result<Self> {
        Self::new(customer, date, amount, TransactionKind::Purchase)
    }

    /// A transaction from a signed amount, as many exports write it: negative means money went
    /// back and becomes a [`TransactionKind::Return`] of the magnitude.
    #[must_use]
    pub fn from_signed(customer: CustomerKey, date: NaiveDate, amount: Decimal) -> Self {
        let kind = if amount.is_sign_negative() && !amount.is_zero() {
            TransactionKind::Return
        } else {
            TransactionKind::Purchase
        };
        Transaction {
            customer,
            date,
            amount: amount.abs(),
            kind,
            currency: None,
            details: None,
        }
    }

    /// Sets the currency.
    #[must_use]
    pub fn with_currency(mut self, currency: Currency) -> Self {
        self.currency = Some(currency);
        self
    }

    /// Sets the time of day.
    #[must_use]
    pub fn with_time(mut self, time: NaiveTime) -> Self {
        self.details_mut().time = Some(time);
        self
    }

    /// Sets the order id.
    #[must_use]
    pub fn with_order_id(mut self, order_id: impl Into<String>) -> Self {
        self.details_mut().order_id = Some(order_id.into());
        self
    }

    /// Sets the sales channel.
    #[must_use]
    pub fn with_channel(mut self, channel: impl Into<String>) -> Self {
        self.details_mut().channel = Some(channel.into());
        self
    }

    /// Sets the quantity.
    #[must_use]
    pub fn with_quantity(mut self, quantity: u32) -> Self {
        self.details_mut().quantity = Some(quantity);
        self
    }

    fn details_mut(&mut self) -> &mut TransactionDetails {
        self.details.get_or_insert_with(Default::default)
    }

    /// The customer.
    #[must_use]
    pub fn customer(&self) -> CustomerKey {
        self.customer
    }
    /// The calendar date.
    #[must_use]
    pub fn date(&self) -> NaiveDate {
        self.date
    }
    /// The amount (a magnitude, never negative).
    #[must_use]
    pub fn amount(&self) -> Decimal {
        self.amount
    }
    /// The amount with the kind's sign: negative for refunds and returns.
    #[must_use]
    pub fn signed_amount(&self) -> Decimal {
        if self.kind.sign() < 0 {
            -self.amount
        } else {
            self.amount
        }
    }
    /// Purchase, refund or return.
    #[must_use]
    pub fn kind(&self) -> TransactionKind {
        self.kind
    }
    /// True for purchases.
    #[must_use]
    pub fn is_purchase(&self) -> bool {
        self.kind == TransactionKind::Purchase
    }
    /// The currency, when recorded.
    #[must_use]
    pub fn currency(&self) -> Option<Currency> {
        self.currency
    }
    /// Optional details (time, order id, channel, quantity).
    #[must_use]
    pub fn details(&self) -> Option<&TransactionDetails> {
        self.details.as_deref()
    }
}

/// The serialised form of a [`Transaction`] (flat, all fields public); converting it back
/// validates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionRecord {
    /// Customer key.
    pub customer: CustomerKey,
    /// Date.
    pub date: NaiveDate,
    /// Non-negative amount.
    pub amount: Decimal,
    /// Kind (default purchase).
    #[serde(default)]
    pub kind: TransactionKind,
    /// Currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// Details.
    #[serde(default, flatten)]
    pub details: TransactionDetails,
}

impl TryFrom<TransactionRecord> for Transaction {
    type Error = ModelError;
    fn try_from(r: TransactionRecord) -> Result<Self> {
        let mut t = Transaction::new(r.customer, r.date, r.amount, r.kind)?;
        t.currency = r.currency;
        if r.details != TransactionDetails::default() {
            t.details = Some(Box::new(r.details));
        }
        Ok(t)
    }
}

impl From<Transaction> for TransactionRecord {
    fn from(t: Transaction) -> Self {
        TransactionRecord {
            customer: t.customer,
            date: t.date,
            amount: t.amount,
            kind: t.kind,
            currency: t.currency,
            details: t.details.map(|d| *d).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact() {
        assert!(std::mem::size_of::<Transaction>() <= 40);
    }

    #[test]
    fn serde_round_trip_validates() {
        let d = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
        let t = Transaction::purchase(CustomerKey::from_index(3), d, Decimal::new(1250, 2))
            .unwrap()
            .with_channel("web")
            .with_currency("usd".parse().unwrap());
        let j = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<Transaction>(&j).unwrap(), t);
        let bad = j.replace("\"12.50\"", "\"-1\"");
        assert!(serde_json::from_str::<Transaction>(&bad).is_err());
    }
}
