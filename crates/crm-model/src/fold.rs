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
}
