//! Raw RFM values per customer: recency in days, frequency, monetary value.
//!
//! ```text
//! recency_days = as_of - date of the last purchase            (whole days, >= 0)
//! frequency    = number of purchases                          (default)
//!              | number of purchase days (same-day purchases merged)
//! monetary     = total spend = sum of purchase amounts        (default)
//!              | total spend / frequency                      (mean per purchase)
//! ```
//!
//! Refunds and returns are not purchases: they are counted in
//! [`RfmTable::non_purchases`] and change neither frequency nor monetary value.

use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;
use crm_model::{
    Currency, CurrencyGuard, CustomerGroups, CustomerKey, LateEvents, ModelError, PurchaseSummary,
    SameDayPurchases, Transaction,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use crate::error::{Result, RfmError};

/// What the monetary value of a customer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonetaryValue {
    /// Total spend: the sum of all purchase amounts (the usual RFM definition; default).
    #[default]
    Total,
    /// Mean spend per purchase: total spend / frequency.
    MeanPerPurchase,
}

/// Parameters of [`rfm_values`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RfmOptions {
    /// The date recency is measured to. Purchases on this date have recency 0.
    pub as_of: NaiveDate,
    /// How same-day purchases count towards frequency. Default here:
    /// [`SameDayPurchases::Separate`] (frequency = number of purchases, as in the usual RFM
    /// recipe), unlike [`crm_model::summarize`], whose default merges.
    pub same_day: SameDayPurchases,
    /// Total or mean spend.
    pub monetary: MonetaryValue,
    /// What to do with transactions dated after `as_of`.
    pub late_events: LateEvents,
}

impl RfmOptions {
    /// Options with the defaults: every purchase counts, total spend, reject late transactions.
    #[must_use]
    pub fn new(as_of: NaiveDate) -> Self {
        RfmOptions {
            as_of,
            same_day: SameDayPurchases::Separate,
            monetary: MonetaryValue::Total,
            late_events: LateEvents::Reject,
        }
    }
    /// Sets same-day handling.
    #[must_use]
    pub fn same_day(mut self, v: SameDayPurchases) -> Self {
        self.same_day = v;
        self
    }
    /// Sets the monetary value.
    #[must_use]
    pub fn monetary(mut self, v: MonetaryValue) -> Self {
        self.monetary = v;
        self
    }
    /// Sets the late-event policy.
    #[must_use]
    pub fn late_events(mut self, v: LateEvents) -> Self {
        self.late_events = v;
        self
    }
}

/// One customer's raw RFM values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmValues {
    /// The customer.
    pub customer: CustomerKey,
    /// Date of the last purchase.
    pub last_purchase: NaiveDate,
    /// Whole days from the last purchase to the as-of date.
    pub recency_days: u32,
    /// Number of purchases (or purchase days when same-day purchases are merged); at least 1.
    pub frequency: u32,
    /// Total spend or mean spend per purchase, see [`MonetaryValue`].
    pub monetary: Decimal,
    /// Total spend (sum of purchase amounts), whatever `monetary` is; the report's revenue.
    pub total_spend: Decimal,
}

/// Output of [`rfm_values`] and [`RfmAccumulator::finish`]: one row per customer with at least
/// one purchase, in key order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmTable {
    /// Per-customer values, sorted by customer key.
    pub customers: Vec<RfmValues>,
    /// The as-of date used.
    pub as_of: NaiveDate,
    /// Transactions after the as-of date left out under [`LateEvents::Exclude`].
    pub excluded_after_as_of: usize,
    /// Refunds and returns seen (never purchases).
    pub non_purchases: usize,
    /// The single currency of the amounts, when any was recorded.
    pub currency: Option<Currency>,
}

/// Per-customer state: 16 bytes, so the state of a million customers (16 MB) stays in cache.
///
/// `total` is the exact running sum as a mantissa at the accumulator's scale (see
/// [`RfmAccumulator`]); [`SPILLED`] means the exact sum lives in the side table instead.
#[derive(Debug, Clone, Copy)]
struct Slot {
    total: i64,
    count: u32,
    last: NaiveDate,
}

/// `Slot::total` of a customer whose sum is kept as a `Decimal` in `RfmAccumulator::spill`.
const SPILLED: i64 = i64::MIN;

const EMPTY: Slot = Slot {
    total: 0,
    count: 0,
    last: NaiveDate::MIN,
};

/// Rows per read-ahead batch of [`RfmAccumulator::push_all`].
const BATCH: usize = 32;

/// Mergeable per-customer RFM state: `push` transactions in any order, `merge` partial states
/// (e.g. one per thread or file chunk), `finish` at an as-of date.
///
/// The state is a vector indexed by [`CustomerKey::index`] (16 bytes per customer), so pushing is
/// one array update and no hashing. Sums are exact and equal, value and scale, to adding the
/// amounts as [`Decimal`]s in push order: a customer's sum is kept as an `i64` mantissa at one
/// scale per accumulator (the scale of the first amount, e.g. cents), and any amount or sum that
/// does not fit that form (another scale, a negative value, beyond `i64`) is added as a
/// [`Decimal`] and, when the result still does not fit, kept in a side table. With
/// [`SameDayPurchases::Merge`] it also keeps `(key, date)` pairs (8 bytes per purchase) to count
/// distinct purchase days at the end.
///
/// ```
/// use crm_model::chrono::NaiveDate;
/// use crm_model::rust_decimal::Decimal;
/// use crm_model::{CustomerKey, SameDayPurchases};
/// use crm_rfm::{MonetaryValue, RfmAccumulator};
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let (a, b) = (CustomerKey::from_index(0), CustomerKey::from_index(1));
/// let mut left = RfmAccumulator::new(SameDayPurchases::Separate);
/// left.push_purchase(a, d(1, 10), Decimal::new(2000, 2))?;
/// let mut right = RfmAccumulator::new(SameDayPurchases::Separate);
/// right.push_purchase(a, d(3, 1), Decimal::new(500, 2))?;
/// right.push_purchase(b, d(2, 1), Decimal::new(100, 2))?;
/// left.merge(right)?;
/// // As-of defaults to the day after the last purchase: 2024-03-02.
/// let t = left.finish(None, MonetaryValue::Total)?;
/// assert_eq!(t.as_of, d(3, 2));
/// let v = &t.customers[0];
/// assert_eq!((v.recency_days, v.frequency, v.monetary), (1, 2, Decimal::new(2500, 2)));
/// assert_eq!(t.customers[1].recency_days, 30);
/// # Ok::<(), crm_rfm::RfmError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RfmAccumulator {
    /// Slot of key `base + i` at position `i` (`base` is 0 except in key-range parts).
    slots: Vec<Slot>,
    base: usize,
    /// Scale of the `i64` mantissas in `slots`; set by the first amount.
    scale: Option<u32>,
    /// Exact sums of the slots marked [`SPILLED`], by absolute key index.
    spill: HashMap<usize, Decimal>,
    days: Option<Vec<(u32, NaiveDate)>>,
    cutoff: Option<(NaiveDate, LateEvents)>,
    excluded: usize,
    non_purchases: usize,
    guard: CurrencyGuard,
    /// Sink of the read-ahead pass of `push_all` (keeps the reads from being optimised away).
    touched: u32,
}

impl RfmAccumulator {
    /// An empty state.
    #[must_use]
    pub fn new(same_day: SameDayPurchases) -> Self {
        Self::with_capacity(same_day, 0)
    }

    /// An empty state with room for `customers` keys.
    #[must_use]
    pub fn with_capacity(same_day: SameDayPurchases, customers: usize) -> Self {
        RfmAccumulator {
            slots: Vec::with_capacity(customers),
            base: 0,
            scale: None,
            spill: HashMap::new(),
            days: match same_day {
                SameDayPurchases::Merge => Some(Vec::new()),
                SameDayPurchases::Separate => None,
            },
            cutoff: None,
            excluded: 0,
            non_purchases: 0,
            guard: CurrencyGuard::new(),
            touched: 0,
        }
    }

    /// Checks every pushed date against `as_of`: later purchases fail with
    /// [`ModelError::AfterObservationEnd`] ([`LateEvents::Reject`]) or are counted and left out
    /// ([`LateEvents::Exclude`]).
    #[must_use]
    pub fn cutoff(mut self, as_of: NaiveDate, late: LateEvents) -> Self {
        self.cutoff = Some((as_of, late));
        self
    }

    /// Adds one transaction (purchases count; refunds and returns are only counted).
    ///
    /// # Errors
    /// [`ModelError::CurrencyMismatch`], [`ModelError::AfterObservationEnd`] (see
    /// [`RfmAccumulator::cutoff`]), or an overflow of the decimal range (as
    /// [`ModelError::InvalidParameter`]).
    pub fn push(&mut self, t: &Transaction) -> Result<(), ModelError> {
        self.guard.check(t.currency())?;
        if t.is_purchase() {
            self.push_purchase(t.customer(), t.date(), t.amount())
        } else {
            self.non_purchases += 1;
            Ok(())
        }
    }

    /// Adds every transaction of a slice (as [`RfmAccumulator::push`] on each, faster).
    ///
    /// Rows are taken in small batches: a first pass only reads each customer's state so that
    /// the cache misses of a batch overlap, the second pass updates it from cache.
    ///
    /// # Errors
    /// As [`RfmAccumulator::push`], wrapped in [`ModelError::AtRecord`] with the position in
    /// `transactions`.
    pub fn push_all(&mut self, transactions: &[Transaction]) -> Result<(), ModelError> {
        self.push_rows(transactions, 0, usize::MAX, false)
            .map(|_| ())
    }

    /// Pushes the rows whose key index lies in `lo..hi` (all rows: `0..usize::MAX`).
    ///
    /// With `stop_on_currency`, returns `Ok(false)` at the first such row carrying a currency
    /// (key-range parts cannot check currencies across parts); otherwise `Ok(true)`.
    fn push_rows(
        &mut self,
        transactions: &[Transaction],
        lo: usize,
        hi: usize,
        stop_on_currency: bool,
    ) -> Result<bool, ModelError> {
        let span = hi.saturating_sub(lo);
        let cutoff = self.cutoff;
        let general = self.days.is_some();
        if self.scale.is_none() {
            if let Some(t) = transactions.first() {
                self.scale = Some(t.amount().scale());
            }
        }
        let scale = self.scale.unwrap_or(0);
        let base = self.base;
        let filter = lo > 0 || hi < usize::MAX;
        let mut touch = 0u32;
        let mut sel = [0u8; BATCH];
        for (b, chunk) in transactions.chunks(BATCH).enumerate() {
            // Pass 1: read this batch's state ahead (a tight loop, so that all its cache misses
            // are in flight at once).
            touch ^= read_ahead(&self.slots, chunk, base);
            // This part's rows (all rows on one thread), without unpredictable branches.
            let mut n = 0usize;
            if filter {
                for (j, t) in chunk.iter().enumerate() {
                    if let Some(s) = sel.get_mut(n) {
                        *s = j as u8;
                    }
                    n += usize::from(t.customer().index().wrapping_sub(lo) < span);
                }
            } else {
                for (j, s) in sel.iter_mut().enumerate().take(chunk.len()) {
                    *s = j as u8;
                }
                n = chunk.len();
            }
            // Pass 2: update from cache.
            for &j in sel.iter().take(n) {
                let j = usize::from(j);
                let Some(t) = chunk.get(j) else { continue };
                let at = b * BATCH + j;
                if t.currency().is_some() && stop_on_currency {
                    return Ok(false);
                }
                let slow = general
                    || t.currency().is_some()
                    || !t.is_purchase()
                    || cutoff.is_some_and(|(end, _)| t.date() > end);
                let amount = t.amount();
                let fast = if slow || amount.is_sign_negative() || amount.scale() != scale {
                    None
                } else {
                    i64::try_from(amount.mantissa()).ok()
                };
                let i = t.customer().index().wrapping_sub(base);
                if i >= self.slots.len() && i < span {
                    self.slots.resize(i + 1, EMPTY);
                }
                match (fast, self.slots.get_mut(i)) {
                    (Some(m), Some(s)) if s.total != SPILLED => {
                        match s.total.checked_add(m) {
                            Some(v) => s.total = v,
                            None => {
                                self.add_amount(i, amount).map_err(|e| e.at_record(at))?;
                            }
                        }
                        if let Some(s) = self.slots.get_mut(i) {
                            s.count = s.count.saturating_add(1);
                            if t.date() > s.last {
                                s.last = t.date();
                            }
                        }
                    }
                    _ => self.push(t).map_err(|e| e.at_record(at))?,
                }
            }
        }
        self.touched ^= touch;
        Ok(true)
    }

    /// The exact sum of slot `i` (position in `slots`).
    fn total_of(&self, i: usize) -> Result<Decimal, ModelError> {
        let Some(s) = self.slots.get(i) else {
            return Ok(Decimal::ZERO);
        };
        if s.count == 0 {
            // Nothing added yet: the sum starts at `Decimal::ZERO` (scale 0).
            Ok(self
                .spill
                .get(&(self.base + i))
                .copied()
                .unwrap_or(Decimal::ZERO))
        } else if s.total == SPILLED {
            self.spill
                .get(&(self.base + i))
                .copied()
                .ok_or_else(|| overflow_state(self.base + i))
        } else {
            decode(s.total, self.scale.unwrap_or(0)).ok_or_else(|| overflow_state(self.base + i))
        }
    }

    /// Stores `d` as the exact sum of slot `i`: as a mantissa when it has the accumulator's
    /// scale, is not negative and fits `i64`; otherwise in the side table.
    fn store_total(&mut self, i: usize, d: Decimal) {
        let scale = *self.scale.get_or_insert(d.scale());
        let fits = if d.is_sign_negative() {
            None
        } else if d.scale() == scale {
            i64::try_from(d.mantissa()).ok()
        } else {
            None
        };
        let key = self.base + i;
        if let Some(s) = self.slots.get_mut(i) {
            match fits {
                Some(m) => {
                    if s.total == SPILLED {
                        self.spill.remove(&key);
                    }
                    s.total = m;
                }
                None => {
                    s.total = SPILLED;
                    self.spill.insert(key, d);
                }
            }
        }
    }

    /// Adds `amount` to the sum of slot `i` exactly as `Decimal::checked_add` would.
    fn add_amount(&mut self, i: usize, amount: Decimal) -> Result<(), ModelError> {
        let scale = *self.scale.get_or_insert(amount.scale());
        if let Some(s) = self.slots.get_mut(i) {
            if s.total != SPILLED && amount.scale() == scale && !amount.is_sign_negative() {
                if let Some(v) = i64::try_from(amount.mantissa())
                    .ok()
                    .and_then(|m| s.total.checked_add(m))
                {
                    s.total = v;
                    return Ok(());
                }
            }
        }
        let sum = self.total_of(i)?.checked_add(amount).ok_or_else(overflow)?;
        self.store_total(i, sum);
        Ok(())
    }

    /// Counts one refund or return (for callers that push raw columns).
    pub fn push_non_purchase(&mut self) {
        self.non_purchases += 1;
    }

    /// Adds one purchase of `amount` (not checked for sign: callers pushing raw columns must pass
    /// magnitudes, as [`Transaction`] guarantees).
    ///
    /// # Errors
    /// As [`RfmAccumulator::push`].
    #[inline]
    pub fn push_purchase(
        &mut self,
        customer: CustomerKey,
        date: NaiveDate,
        amount: Decimal,
    ) -> Result<(), ModelError> {
        if let Some((end, late)) = self.cutoff {
            if date > end {
                return match late {
                    LateEvents::Reject => Err(ModelError::AfterObservationEnd { date, end }),
                    LateEvents::Exclude => {
                        self.excluded += 1;
                        Ok(())
                    }
                };
            }
        }
        let i = customer.index().saturating_sub(self.base);
        if i >= self.slots.len() {
            self.slots.resize(i + 1, EMPTY);
        }
        self.add_amount(i, amount)?;
        if let Some(s) = self.slots.get_mut(i) {
            s.count = s.count.saturating_add(1);
            if date > s.last {
                s.last = date;
            }
        }
        if let Some(days) = &mut self.days {
            days.push((customer.get(), date));
        }
        Ok(())
    }

    /// Combines another partial state into this one (the result equals pushing both inputs into
    /// one state, in any order).
    ///
    /// # Errors
    /// [`ModelError::CurrencyMismatch`] when the parts saw different currencies; a decimal
    /// overflow.
    pub fn merge(&mut self, other: RfmAccumulator) -> Result<(), ModelError> {
        self.guard.check(other.guard.currency())?;
        if self.scale.is_none() {
            self.scale = other.scale;
        }
        let same_scale = self.scale == other.scale;
        let need = other.base + other.slots.len();
        if need > self.base + self.slots.len() {
            self.slots.resize(need.saturating_sub(self.base), EMPTY);
        }
        for (j, o) in other.slots.iter().enumerate() {
            if o.count == 0 {
                continue;
            }
            let i = (other.base + j).saturating_sub(self.base);
            let Some(s) = self.slots.get_mut(i) else {
                continue;
            };
            let fast = if same_scale && o.total != SPILLED && s.total != SPILLED {
                if s.count == 0 {
                    Some(o.total)
                } else {
                    s.total.checked_add(o.total)
                }
            } else {
                None
            };
            let (count, last) = (s.count, s.last);
            match fast {
                Some(v) => s.total = v,
                None => {
                    let mine = if count == 0 {
                        Decimal::ZERO
                    } else {
                        self.total_of(i)?
                    };
                    let sum = mine.checked_add(other.total_of(j)?).ok_or_else(overflow)?;
                    self.store_total(i, sum);
                }
            }
            if let Some(s) = self.slots.get_mut(i) {
                s.count = count.saturating_add(o.count);
                s.last = last.max(o.last);
            }
        }
        match (&mut self.days, other.days) {
            (Some(a), Some(b)) => a.extend(b),
            (Some(_), None) | (None, Some(_)) => {
                return Err(ModelError::InvalidParameter {
                    name: "same_day",
                    reason: "cannot merge states with different same-day handling".into(),
                });
            }
            (None, None) => {}
        }
        self.excluded += other.excluded;
        self.non_purchases += other.non_purchases;
        Ok(())
    }

    /// Combines a part whose keys come from a different interner: `other`'s key `i` is
    /// `new_keys[i]` here (e.g. one interner per thread, re-interned in order afterwards).
    ///
    /// # Errors
    /// [`ModelError::InvalidParameter`] when `new_keys` is shorter than `other`'s key range;
    /// otherwise as [`RfmAccumulator::merge`].
    pub fn merge_remapped(
        &mut self,
        other: RfmAccumulator,
        new_keys: &[CustomerKey],
    ) -> Result<(), ModelError> {
        let range = other.base + other.slots.len();
        if new_keys.len() < range {
            return Err(ModelError::InvalidParameter {
                name: "new_keys",
                reason: format!("{} keys given for {} customers", new_keys.len(), range),
            });
        }
        let mut moved = RfmAccumulator {
            slots: Vec::new(),
            base: 0,
            scale: other.scale,
            spill: HashMap::new(),
            days: None,
            cutoff: None,
            excluded: other.excluded,
            non_purchases: other.non_purchases,
            guard: other.guard,
            touched: 0,
        };
        let max = new_keys
            .iter()
            .take(range)
            .map(|k| k.index() + 1)
            .max()
            .unwrap_or(0);
        moved.slots = vec![EMPTY; max];
        for (j, s) in other.slots.iter().enumerate() {
            let Some(k) = new_keys.get(other.base + j) else {
                continue;
            };
            if s.count > 0 {
                if let Some(m) = moved.slots.get_mut(k.index()) {
                    *m = *s;
                }
                if s.total == SPILLED {
                    if let Some(d) = other.spill.get(&(other.base + j)) {
                        moved.spill.insert(k.index(), *d);
                    }
                }
            }
        }
        moved.days = other.days.map(|d| {
            d.into_iter()
                .map(|(k, day)| {
                    let nk = new_keys.get(k as usize).map_or(k, |n| n.get());
                    (nk, day)
                })
                .collect()
        });
        self.merge(moved)
    }

    /// Appends a key-range part whose keys all lie at or after this state's key range
    /// (`other.base >= self.base + self.slots.len()`), without merging slot by slot.
    fn append_part(&mut self, other: RfmAccumulator) {
        if !other.slots.is_empty() {
            self.slots
                .resize(other.base.saturating_sub(self.base), EMPTY);
            self.slots.extend(other.slots);
        }
        if self.scale.is_none() {
            self.scale = other.scale;
        }
        self.spill.extend(other.spill);
        self.excluded += other.excluded;
        self.non_purchases += other.non_purchases;
    }

    /// The latest purchase date pushed so far.
    #[must_use]
    pub fn last_purchase(&self) -> Option<NaiveDate> {
        self.slots
            .iter()
            .filter(|s| s.count > 0)
            .map(|s| s.last)
            .max()
    }

    /// Number of customers with at least one purchase.
    #[must_use]
    pub fn customers(&self) -> usize {
        self.slots.iter().filter(|s| s.count > 0).count()
    }

    /// Finishes at `as_of` (`None`: the day after the last purchase, as the pandas recipe does).
    ///
    /// # Errors
    /// [`RfmError::Empty`] when `as_of` is `None` and nothing was pushed;
    /// [`ModelError::AfterObservationEnd`] if a purchase lies after `as_of`;
    /// [`ModelError::DateOverflow`] at the end of the calendar.
    pub fn finish(self, as_of: Option<NaiveDate>, monetary: MonetaryValue) -> Result<RfmTable> {
        let as_of = match as_of {
            Some(d) => d,
            None => self
                .last_purchase()
                .ok_or(RfmError::Empty)?
                .succ_opt()
                .ok_or(ModelError::DateOverflow)?,
        };
        let occasions = match &self.days {
            Some(days) => Some(distinct_days(days, self.base + self.slots.len())?),
            None => None,
        };
        let scale = self.scale.unwrap_or(0);
        let mut customers = Vec::with_capacity(self.slots.len());
        for (i, s) in self.slots.iter().enumerate() {
            if s.count == 0 {
                continue;
            }
            if s.last > as_of {
                return Err(ModelError::AfterObservationEnd {
                    date: s.last,
                    end: as_of,
                }
                .into());
            }
            let key = self.base + i;
            let total = if s.total == SPILLED {
                self.total_of(i)?
            } else {
                decode(s.total, scale).ok_or_else(|| overflow_state(key))?
            };
            let frequency = match &occasions {
                Some(o) => o.get(key).copied().unwrap_or(s.count),
                None => s.count,
            };
            let recency = (as_of - s.last).num_days();
            let monetary = match monetary {
                MonetaryValue::Total => total,
                MonetaryValue::MeanPerPurchase => total
                    .checked_div(Decimal::from(frequency))
                    .ok_or(RfmError::Overflow { field: "monetary" })?,
            };
            customers.push(RfmValues {
                customer: CustomerKey::from_index(key as u32),
                last_purchase: s.last,
                recency_days: u32::try_from(recency).unwrap_or(u32::MAX),
                frequency,
                monetary,
                total_spend: total,
            });
        }
        Ok(RfmTable {
            customers,
            as_of,
            excluded_after_as_of: self.excluded,
            non_purchases: self.non_purchases,
            currency: self.guard.currency(),
        })
    }
}

/// The `Decimal` of a non-spilled sum of a customer with purchases: the mantissa at the
/// accumulator's `scale`. (A zero is exact too: `Decimal` addition returns the other operand
/// unchanged when one is zero, so sums of zeros at the accumulator's scale stay at that scale.)
fn decode(total: i64, scale: u32) -> Option<Decimal> {
    Decimal::try_from_i128_with_scale(i128::from(total), scale).ok()
}

/// Reads the state of every row of `chunk` (rows of other key ranges read the last slot), so
/// that the cache misses of the batch overlap; returns a value depending on the reads.
#[inline(never)]
fn read_ahead(slots: &[Slot], chunk: &[Transaction], base: usize) -> u32 {
    let last = slots.len().saturating_sub(1);
    let mut touch = 0u32;
    for t in chunk {
        let i = t.customer().index().wrapping_sub(base).min(last);
        touch ^= slots.get(i).map_or(0, |s| s.count);
    }
    touch
}

fn overflow_state(key: usize) -> ModelError {
    ModelError::InvalidParameter {
        name: "amount",
        reason: format!("inconsistent running sum of customer index {key}"),
    }
}
fn overflow() -> ModelError {
    ModelError::InvalidParameter {
        name: "amount",
        reason: "sum of amounts overflows the decimal range".into(),
    }
}

/// Distinct purchase days per key (counting sort by key, then a small sort per customer).
fn distinct_days(days: &[(u32, NaiveDate)], keys: usize) -> Result<Vec<u32>> {
    let groups = CustomerGroups::from_keys(
        days.iter().map(|d| CustomerKey::from_index(d.0)),
        days.len(),
    )?;
    let mut out = vec![0u32; keys];
    let mut buf: Vec<NaiveDate> = Vec::new();
    for (k, idx) in groups.iter() {
        buf.clear();
        buf.extend(
            idx.iter()
                .filter_map(|&i| days.get(i as usize).map(|d| d.1)),
        );
        buf.sort_unstable();
        buf.dedup();
        if let Some(o) = out.get_mut(k.index()) {
            *o = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        }
    }
    Ok(out)
}

/// Per-customer RFM values from transactions at `options.as_of`.
///
/// ```text
/// recency_days = as_of - date of the last purchase            (whole days, >= 0)
/// frequency    = number of purchases                          (default)
///              | number of purchase days (same-day purchases merged)
/// monetary     = total spend = sum of purchase amounts        (default)
///              | total spend / frequency                      (mean per purchase)
/// ```
///
/// Refunds and returns are not purchases: they are counted in
/// [`RfmTable::non_purchases`] and change neither frequency nor monetary value.
///
/// The result does not depend on the order of `transactions`.
///
/// ```
/// use crm_model::chrono::NaiveDate;
/// use crm_model::rust_decimal::Decimal;
/// use crm_model::{CustomerKey, SameDayPurchases, Transaction};
/// use crm_rfm::{rfm_values, MonetaryValue, RfmOptions};
/// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
/// let c = CustomerKey::from_index(0);
/// let tx = [
///     Transaction::purchase(c, d(2), Decimal::new(1000, 2))?,
///     Transaction::purchase(c, d(2), Decimal::new(500, 2))?,
///     Transaction::purchase(c, d(20), Decimal::new(3000, 2))?,
/// ];
/// let t = rfm_values(&tx, &RfmOptions::new(d(31)))?;
/// let v = &t.customers[0];
/// assert_eq!((v.recency_days, v.frequency, v.monetary), (11, 3, Decimal::new(4500, 2)));
/// // Same-day purchases merged, mean spend per purchase day: 45.00 / 2.
/// let o = RfmOptions::new(d(31))
///     .same_day(SameDayPurchases::Merge)
///     .monetary(MonetaryValue::MeanPerPurchase);
/// let v = &rfm_values(&tx, &o)?.customers[0];
/// assert_eq!((v.frequency, v.monetary), (2, Decimal::new(2250, 2)));
/// # Ok::<(), crm_rfm::RfmError>(())
/// ```
///
/// # Errors
/// [`ModelError::AtRecord`] (inside [`RfmError::Model`]) wrapping
/// [`ModelError::AfterObservationEnd`] (with [`LateEvents::Reject`]) or
/// [`ModelError::CurrencyMismatch`]; a decimal overflow.
pub fn rfm_values(transactions: &[Transaction], options: &RfmOptions) -> Result<RfmTable> {
    let mut acc = RfmAccumulator::with_capacity(options.same_day, estimate_keys(transactions))
        .cutoff(options.as_of, options.late_events);
    acc.push_all(transactions)?;
    acc.finish(Some(options.as_of), options.monetary)
}

/// [`rfm_values`] on `threads` scoped threads. The result is identical to [`rfm_values`];
/// `threads <= 1` or a small input runs on the caller's thread.
///
/// Each thread owns a contiguous range of customer keys and reads the whole slice, updating
/// only its own customers, so every customer's purchases are added in the same order as on one
/// thread, the per-thread states are half (a third, ...) the size and the parts are joined
/// without a merge. Inputs with currencies or with same-day purchases merged are instead cut
/// into `threads` contiguous parts whose states are merged in order.
///
/// # Errors
/// As [`rfm_values`] (record positions refer to the whole slice; the first failing record in
/// slice order is reported).
pub fn rfm_values_threaded(
    transactions: &[Transaction],
    options: &RfmOptions,
    threads: usize,
) -> Result<RfmTable> {
    let threads = threads.clamp(1, 64);
    if threads == 1 || transactions.len() < 100_000 {
        return rfm_values(transactions, options);
    }
    if options.same_day == SameDayPurchases::Separate {
        if let Some(acc) = by_key_range(transactions, options, threads)? {
            return acc.finish(Some(options.as_of), options.monetary);
        }
    }
    by_chunks(transactions, options, threads)
}

/// The key-range split of [`rfm_values_threaded`]; `None` when a row carries a currency.
fn by_key_range(
    transactions: &[Transaction],
    options: &RfmOptions,
    threads: usize,
) -> Result<Option<RfmAccumulator>, ModelError> {
    // Keys are dense indices; estimate their range from a sample to balance the parts (any
    // split is correct, the last part is open-ended).
    let keys = estimate_keys(transactions);
    let scale = transactions.first().map(|t| t.amount().scale());
    let bounds: Vec<(usize, usize)> = (0..threads)
        .map(|p| {
            let lo = keys * p / threads;
            let hi = if p + 1 == threads {
                usize::MAX
            } else {
                keys * (p + 1) / threads
            };
            (lo, hi)
        })
        .collect();
    let run = |(lo, hi): (usize, usize)| -> Result<Option<RfmAccumulator>, ModelError> {
        let mut acc = RfmAccumulator::with_capacity(options.same_day, (keys / threads) + 1)
            .cutoff(options.as_of, options.late_events);
        acc.base = lo;
        acc.scale = scale;
        Ok(acc.push_rows(transactions, lo, hi, true)?.then_some(acc))
    };
    let parts: Vec<Result<Option<RfmAccumulator>, ModelError>> = std::thread::scope(|s| {
        let handles: Vec<_> = bounds
            .iter()
            .skip(1)
            .map(|&b| s.spawn(move || run(b)))
            .collect();
        let first = bounds.first().map_or(Ok(None), |&b| run(b));
        std::iter::once(first)
            .chain(
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|_| Err(panicked()))),
            )
            .collect()
    });
    let mut accs = Vec::with_capacity(parts.len());
    let mut first_error: Option<(usize, ModelError)> = None;
    let mut fallback = false;
    for p in parts {
        match p {
            Ok(Some(acc)) => accs.push(acc),
            Ok(None) => fallback = true,
            Err(e) => {
                let at = match &e {
                    ModelError::AtRecord { index, .. } => *index,
                    _ => 0,
                };
                if first_error.as_ref().is_none_or(|(i, _)| at < *i) {
                    first_error = Some((at, e));
                }
            }
        }
    }
    if fallback {
        return Ok(None);
    }
    if let Some((_, e)) = first_error {
        return Err(e);
    }
    let mut accs = accs.into_iter();
    let Some(mut acc) = accs.next() else {
        return Ok(None);
    };
    for part in accs {
        acc.append_part(part);
    }
    Ok(Some(acc))
}

/// An estimate of the key range of `transactions` from a sample of about 4096 rows (keys are
/// dense indices), with a small margin: a capacity hint and split point, never a bound.
fn estimate_keys(transactions: &[Transaction]) -> usize {
    let step = (transactions.len() / 4096).max(1);
    let keys = transactions
        .iter()
        .step_by(step)
        .map(|t| t.customer().index() + 1)
        .max()
        .unwrap_or(0);
    keys + keys / 64
}

fn panicked() -> ModelError {
    ModelError::InvalidParameter {
        name: "threads",
        reason: "a worker thread panicked".into(),
    }
}

/// The contiguous-parts split of [`rfm_values_threaded`], merged in order.
fn by_chunks(
    transactions: &[Transaction],
    options: &RfmOptions,
    threads: usize,
) -> Result<RfmTable> {
    let chunk = transactions.len().div_ceil(threads);
    let run = |offset: usize, part: &[Transaction]| -> Result<RfmAccumulator, ModelError> {
        let mut acc = RfmAccumulator::with_capacity(options.same_day, 0)
            .cutoff(options.as_of, options.late_events);
        acc.push_all(part).map_err(|e| match e {
            ModelError::AtRecord { index, source } => ModelError::AtRecord {
                index: index + offset,
                source,
            },
            other => other,
        })?;
        Ok(acc)
    };
    let parts: Vec<Result<RfmAccumulator, ModelError>> = std::thread::scope(|s| {
        let handles: Vec<_> = transactions
            .chunks(chunk)
            .enumerate()
            .skip(1)
            .map(|(i, part)| s.spawn(move || run(i * chunk, part)))
            .collect();
        let first = run(0, transactions.chunks(chunk).next().unwrap_or(&[]));
        std::iter::once(first)
            .chain(
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|_| Err(panicked()))),
            )
            .collect()
    });
    let mut parts = parts.into_iter();
    let mut acc = parts
        .next()
        .unwrap_or_else(|| Ok(RfmAccumulator::new(options.same_day)))?;
    for p in parts {
        acc.merge(p?)?;
    }
    acc.finish(Some(options.as_of), options.monetary)
}
/// RFM values from purchase summaries (see [`crm_model::summarize`]).
///
/// ```text
/// recency_days = as_of - last_purchase
/// frequency    = x + 1              (purchase occasions, with the summary's same-day rule)
/// monetary     = total_spend        | total_spend / (x + 1)
/// ```
///
/// # Errors
/// [`ModelError::AtRecord`] wrapping [`ModelError::AfterObservationEnd`] when a last purchase
/// lies after `as_of`.
pub fn rfm_values_from_summaries(
    summaries: &[PurchaseSummary],
    as_of: NaiveDate,
    monetary: MonetaryValue,
) -> Result<Vec<RfmValues>> {
    summaries
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if s.last_purchase > as_of {
                return Err(ModelError::AfterObservationEnd {
                    date: s.last_purchase,
                    end: as_of,
                }
                .at_record(i)
                .into());
            }
            let frequency = s.frequency.saturating_add(1);
            let m = match monetary {
                MonetaryValue::Total => s.total_spend,
                MonetaryValue::MeanPerPurchase => s
                    .total_spend
                    .checked_div(Decimal::from(frequency))
                    .ok_or(RfmError::Overflow { field: "monetary" })?,
            };
            Ok(RfmValues {
                customer: s.customer,
                last_purchase: s.last_purchase,
                recency_days: u32::try_from((as_of - s.last_purchase).num_days())
                    .unwrap_or(u32::MAX),
                frequency,
                monetary: m,
                total_spend: s.total_spend,
            })
        })
        .collect()
}
