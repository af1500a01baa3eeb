//! A per-customer state that purchases stream into, part by part (see [`PurchaseFold`]).

use std::fmt::Display;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::CustomerKey;

/// A per-customer state that purchases are streamed into, one part at a time, and whose parts
/// merge: what `crm_analytics::io::fold_purchases` reads a transaction file into (one state per
/// part of the file, merged in file order), without materialising the transactions.
///
/// `crm_analytics::rfm::RfmAccumulator` implements it; any other per-customer state (sums,
/// counts, first and last dates) can, in a few lines.
pub trait PurchaseFold: Send + Sized {
    /// Error of [`purchase`](Self::purchase) and [`merge_remapped`](Self::merge_remapped); its
    /// text becomes the message of the reader's error naming the line and the date column.
    type Error: Display;

    /// One purchase (amount >= 0) of `customer` on `day`.
    ///
    /// # Errors
    /// The state refuses the purchase (e.g. a date after its observation end).
    fn purchase(
        &mut self,
        customer: CustomerKey,
        day: NaiveDate,
        amount: Decimal,
    ) -> Result<(), Self::Error>;

    /// A row with a negative amount (a return or refund): counted, never a purchase.
    fn non_purchase(&mut self);

    /// Merges `other`, a later part's state whose key `k` is `new_keys[k.index()]` here.
    ///
    /// Keys that `other` never received a purchase for may be mapped to any key: merging such
    /// an untouched entry must change nothing (readers key a part by raw integer ids, with gaps,
    /// and move it onto first-appearance keys by merging it into a fresh state).
    ///
    /// # Errors
    /// The states cannot be merged (e.g. an overflow).
    fn merge_remapped(&mut self, other: Self, new_keys: &[CustomerKey]) -> Result<(), Self::Error>;

    /// A hint that `customer` is about to receive a purchase: readers call it for a batch of
    /// rows before pushing them, so a state held in a large per-customer table can start loading
    /// the customers' entries together (their cache misses overlap instead of queueing). It must
    /// not change the state; the default does nothing.
    #[inline]
    fn prefetch(&self, customer: CustomerKey) {
        let _ = customer;
    }

    /// One purchase of `cents` hundredths (`cents / 100`) of `customer` on `day`: what a reader
    /// calls when it knows an amount as a whole number of cents (a float column of money), to
    /// spare building a [`Decimal`] per row. It must act exactly as
    /// [`purchase`](Self::purchase) with [`cents_amount`]`(cents)` (the amount with at most two
    /// decimals and no trailing zeros: `1250` is `12.5`, `1200` is `12`), which the default does.
    ///
    /// # Errors
    /// As [`purchase`](Self::purchase).
    #[inline]
    fn purchase_cents(
        &mut self,
        customer: CustomerKey,
        day: NaiveDate,
        cents: u64,
    ) -> Result<(), Self::Error> {
        self.purchase(customer, day, cents_amount(cents))
    }
}

/// `cents / 100` as the decimal with at most two decimals and no trailing zeros (`1250` is
/// `12.5` with scale 1, `1200` is `12` with scale 0, `0` is `0`): the amount a float column's
/// `12.5` reads as, and what [`PurchaseFold::purchase_cents`] stands for. Amounts past
/// `Decimal`'s 96-bit mantissa cannot occur (`u64` fits).
///
/// ```
/// use crm_model::cents_amount;
/// assert_eq!(cents_amount(1250).to_string(), "12.5");
/// assert_eq!(cents_amount(1200).scale(), 0);
/// assert_eq!(cents_amount(7).to_string(), "0.07");
/// ```
#[must_use]
#[inline]
pub fn cents_amount(cents: u64) -> Decimal {
    let (m, scale) = if cents % 100 == 0 {
        (cents / 100, 0)
    } else if cents % 10 == 0 {
        (cents / 10, 1)
    } else {
        (cents, 2)
    };
    Decimal::from_i128_with_scale(i128::from(m), scale)
}
