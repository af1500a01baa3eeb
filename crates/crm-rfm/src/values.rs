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

use crm_model::chrono::{Datelike, NaiveDate};
use crm_model::rust_decimal::Decimal;
use crm_model::{
    Currency, CurrencyGuard, CustomerGroups, CustomerId, CustomerInterner, CustomerKey, LateEvents,
    ModelError, PurchaseFold, PurchaseSummary, SameDayPurchases, Transaction,
};
use rayon::prelude::*;
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

impl crm_model::Named for MonetaryValue {
    const CHOICES: &'static [crm_model::Choice<Self>] = &[
        crm_model::Choice::new("total", MonetaryValue::Total, "Total spend."),
        crm_model::Choice::new(
            "mean",
            MonetaryValue::MeanPerPurchase,
            "Mean spend per purchase.",
        ),
    ];
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

/// 2^95: sums kept as `Decimal`s below this stay far from the end of the decimal range (2^96)
/// while a run of compact amounts is added.
const HUGE: Decimal = Decimal::from_parts(0, 0, 1 << 31, false, 0);

/// Customers from which [`RfmAccumulator::finish`] builds its rows in parallel parts.
const PARALLEL_FINISH: usize = 1 << 16;

/// Rows per read-ahead batch of the row-by-row path of [`RfmAccumulator::push_all`].
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
/// distinct purchase days at the end. [`RfmAccumulator::push_all`] adds a slice in cache-sized
/// key buckets (same result as pushing row by row).
///
/// ```
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// use crm_analytics::model::{CustomerKey, SameDayPurchases};
/// use crm_analytics::rfm::{MonetaryValue, RfmAccumulator};
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
/// # Ok::<(), crm_analytics::rfm::RfmError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RfmAccumulator {
    /// Slot of key `i` at position `i`.
    slots: Vec<Slot>,
    /// Scale of the `i64` mantissas in `slots`; set by the first amount.
    scale: Option<u32>,
    /// Exact sums of the slots marked [`SPILLED`], by key index.
    spill: HashMap<usize, Decimal>,
    /// Whether a sum of [`HUGE`] or more in magnitude was ever kept in `spill`.
    huge: bool,
    days: Option<Vec<(u32, NaiveDate)>>,
    cutoff: Option<(NaiveDate, LateEvents)>,
    excluded: usize,
    non_purchases: usize,
    guard: CurrencyGuard,
    /// Sink of the read-ahead and slot-warming passes of `push_all` (keeps the reads from being
    /// optimised away).
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
            scale: None,
            spill: HashMap::new(),
            huge: false,
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
    /// Purchases are first scattered, in runs of about a million rows, into buckets of
    /// consecutive customer keys as compact 12-byte rows; then each bucket is added to the state,
    /// whose slots for that bucket (64 KiB) stay in cache while it is applied. Each customer's
    /// purchases are still added in input order, so the result is that of pushing the rows one by
    /// one. Rows this scheme does not cover (an amount at another scale than the first one,
    /// negative, or of 2^32 units and more) are pushed one by one in their place.
    ///
    /// # Errors
    /// As [`RfmAccumulator::push`], wrapped in [`ModelError::AtRecord`] with the position in
    /// `transactions`; the first failing row in slice order is reported.
    pub fn push_all(&mut self, transactions: &[Transaction]) -> Result<(), ModelError> {
        self.push_all_at(transactions, 0)
    }

    /// [`RfmAccumulator::push_all`] for rows whose positions start at `first`.
    fn push_all_at(
        &mut self,
        transactions: &[Transaction],
        first: usize,
    ) -> Result<(), ModelError> {
        self.init_scale(transactions);
        let plan = self.plan(estimate_keys(transactions));
        let mut sc = Scatter::default();
        let mut pos = 0;
        let mut odd = 0usize;
        while pos < transactions.len() {
            if !self.spill_is_small() || odd > ODD_ROWS {
                // Sums near the decimal range, or rows too mixed to batch: row by row.
                let rest = transactions.get(pos..).unwrap_or(&[]);
                return self.push_each(rest, first + pos);
            }
            let end = transactions.len().min(pos + CHUNK_ROWS);
            let run = transactions.get(pos..end).unwrap_or(&[]);
            sc.clear(self.guard, plan.buckets);
            let stop = pos + sc.scatter(run, &plan);
            let mut deferred = Vec::new();
            self.absorb(std::slice::from_ref(&sc), plan.bits, &mut deferred);
            self.add_deferred(&deferred)
                .map_err(|e| e.at_record(first + pos))?;
            if let Some(t) = transactions.get(stop) {
                self.push(t).map_err(|e| e.at_record(first + stop))?;
                odd += 1;
                pos = stop + 1;
            } else {
                pos = end;
            }
        }
        Ok(())
    }

    /// Whether every sum ever kept as a `Decimal` was below [`HUGE`] (2^95) in magnitude. Then adding the amounts
    /// of a run (each below 2^32 units) cannot leave the decimal range, so amounts deferred by
    /// [`apply`] are added without error and their rows need no position. (A deferred amount
    /// belongs to a customer whose sum was kept as a `Decimal` at the start of the run, so all of
    /// that customer's amounts in the run are deferred and added in input order, or to a
    /// customer whose compact sum overflowed `i64` in the run, where all amounts are
    /// non-negative at one scale and their order does not change the exact sum.)
    fn spill_is_small(&self) -> bool {
        !self.huge
    }

    /// Sets the scale of the compact sums from the first row, if not yet set.
    fn init_scale(&mut self, transactions: &[Transaction]) {
        if self.scale.is_none() {
            if let Some(t) = transactions.first() {
                self.scale = Some(t.amount().scale());
            }
        }
    }

    /// What [`Scatter::scatter`] accepts, for about `keys` customer keys.
    fn plan(&self, keys: usize) -> Plan {
        let keys = self.slots.len().max(keys);
        // Buckets of 2^12 keys (64 KiB of slots, L2-resident), fewer and larger beyond 1M keys
        // so that the buckets' write positions stay in L1.
        let mut bits = 12;
        while (keys >> bits) > 256 && bits < 20 {
            bits += 1;
        }
        let (end, exclude) = match self.cutoff {
            Some((end, late)) => (end, late == LateEvents::Exclude),
            None => (NaiveDate::MAX, false),
        };
        Plan {
            bits,
            buckets: (keys >> bits) + 1,
            flags: self.scale.unwrap_or(0) << 16,
            end,
            exclude,
            days: self.days.is_some(),
        }
    }

    /// Adds scattered runs (in order) to the state: counters, currency, days, and every bucket;
    /// amounts that did not fit a slot's compact sum are appended to `deferred`.
    fn absorb(&mut self, parts: &[Scatter], bits: u32, deferred: &mut Vec<(u32, u32)>) {
        let keys = parts.iter().map(|p| p.keys).max().unwrap_or(0);
        if keys > self.slots.len() {
            self.slots.resize(keys, EMPTY);
        }
        let buckets = parts.iter().map(|p| p.buckets.len()).max().unwrap_or(0);
        self.touched ^= apply(&mut self.slots, 0, bits, parts, 0..buckets, deferred);
        self.count_parts(parts);
    }

    /// The counters, currency and purchase days of scattered runs.
    fn count_parts(&mut self, parts: &[Scatter]) {
        for p in parts {
            self.non_purchases += p.non_purchases;
            self.excluded += p.excluded;
            // The parts' currencies agree (checked before): keep the one seen, if any.
            if p.guard.currency().is_some() {
                self.guard = p.guard;
            }
            if let Some(days) = &mut self.days {
                days.extend_from_slice(&p.days);
            }
        }
    }

    /// Adds amounts (in units of the accumulator's scale) whose compact sum overflowed.
    fn add_deferred(&mut self, deferred: &[(u32, u32)]) -> Result<(), ModelError> {
        let scale = self.scale.unwrap_or(0);
        for &(key, units) in deferred {
            let amount = Decimal::try_from_i128_with_scale(i128::from(units), scale)
                .map_err(|_| overflow())?;
            self.add_amount(key as usize, amount)?;
        }
        Ok(())
    }

    /// Pushes rows one by one (positions start at `first`), in small batches: a first pass only
    /// reads each customer's state so that the cache misses of a batch overlap, the second pass
    /// updates it from cache.
    fn push_each(&mut self, transactions: &[Transaction], first: usize) -> Result<(), ModelError> {
        let cutoff = self.cutoff;
        let general = self.days.is_some();
        self.init_scale(transactions);
        let scale = self.scale.unwrap_or(0);
        let mut touch = 0u32;
        for (b, chunk) in transactions.chunks(BATCH).enumerate() {
            // Pass 1: read this batch's state ahead (a tight loop, so that all its cache misses
            // are in flight at once).
            touch ^= read_ahead(&self.slots, chunk);
            // Pass 2: update from cache.
            for (j, t) in chunk.iter().enumerate() {
                let at = first + b * BATCH + j;
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
                let i = t.customer().index();
                if i >= self.slots.len() && fast.is_some() {
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
        Ok(())
    }

    /// The exact sum of slot `i` (position in `slots`).
    fn total_of(&self, i: usize) -> Result<Decimal, ModelError> {
        let Some(s) = self.slots.get(i) else {
            return Ok(Decimal::ZERO);
        };
        if s.count == 0 {
            // Nothing added yet: the sum starts at `Decimal::ZERO` (scale 0).
            Ok(self.spill.get(&(i)).copied().unwrap_or(Decimal::ZERO))
        } else if s.total == SPILLED {
            self.spill
                .get(&(i))
                .copied()
                .ok_or_else(|| overflow_state(i))
        } else {
            decode(s.total, self.scale.unwrap_or(0)).ok_or_else(|| overflow_state(i))
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
        let key = i;
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
                    self.huge |= d.abs() >= HUGE;
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
        if !self.admit(date)? {
            return Ok(());
        }
        let i = self.slot_of(customer);
        self.add_amount(i, amount)?;
        self.count_purchase(i, customer, date);
        Ok(())
    }

    /// [`RfmAccumulator::push_purchase`] of `cents / 100` as `Decimal::new(cents, 2)`: the sum
    /// is updated as a mantissa without a `Decimal` when the accumulator's scale is 2 (or not
    /// yet set) and the sum stays in `i64`; otherwise as `push_purchase`.
    #[inline]
    fn push_purchase_cents(
        &mut self,
        customer: CustomerKey,
        date: NaiveDate,
        cents: u64,
    ) -> Result<(), ModelError> {
        if !self.admit(date)? {
            return Ok(());
        }
        let i = self.slot_of(customer);
        // As `add_amount` with an amount of scale 2 and mantissa `cents`.
        let scale = *self.scale.get_or_insert(2);
        let added = scale == 2
            && match (self.slots.get_mut(i), i64::try_from(cents)) {
                (Some(s), Ok(m)) if s.total != SPILLED => {
                    s.total.checked_add(m).map(|v| s.total = v).is_some()
                }
                _ => false,
            };
        if !added {
            self.add_amount(i, Decimal::from_i128_with_scale(i128::from(cents), 2))?;
        }
        self.count_purchase(i, customer, date);
        Ok(())
    }

    /// Applies the cutoff to a purchase on `date`: true when it counts; false when it is left
    /// out (and counted as excluded).
    #[inline]
    fn admit(&mut self, date: NaiveDate) -> Result<bool, ModelError> {
        if let Some((end, late)) = self.cutoff {
            if date > end {
                return match late {
                    LateEvents::Reject => Err(ModelError::AfterObservationEnd { date, end }),
                    LateEvents::Exclude => {
                        self.excluded += 1;
                        Ok(false)
                    }
                };
            }
        }
        Ok(true)
    }

    /// The slot index of `customer`, growing the table to hold it.
    #[inline]
    fn slot_of(&mut self, customer: CustomerKey) -> usize {
        let i = customer.index();
        if i >= self.slots.len() {
            self.slots.resize(i + 1, EMPTY);
        }
        i
    }

    /// Counts a purchase on `date` in slot `i` (after its amount was added).
    #[inline]
    fn count_purchase(&mut self, i: usize, customer: CustomerKey, date: NaiveDate) {
        if let Some(s) = self.slots.get_mut(i) {
            s.count = s.count.saturating_add(1);
            if date > s.last {
                s.last = date;
            }
        }
        if let Some(days) = &mut self.days {
            days.push((customer.get(), date));
        }
    }

    /// Combines another partial state into this one (the result equals pushing both inputs into
    /// one state, in any order).
    ///
    /// # Errors
    /// [`ModelError::CurrencyMismatch`] when the parts saw different currencies; a decimal
    /// overflow.
    pub fn merge(&mut self, other: RfmAccumulator) -> Result<(), ModelError> {
        let need = other.slots.len();
        self.merge_into(other, need, Some)
    }

    /// Combines a part whose keys come from a different interner: `other`'s key `i` is
    /// `new_keys[i]` here (e.g. one interner per thread, re-interned in order afterwards).
    ///
    /// # Errors
    /// [`ModelError::InvalidParameter`] when `new_keys` is shorter than `other`'s key range;
    /// otherwise as [`RfmAccumulator::merge`].
    pub fn merge_remapped(
        &mut self,
        mut other: RfmAccumulator,
        new_keys: &[CustomerKey],
    ) -> Result<(), ModelError> {
        let range = other.slots.len();
        if new_keys.len() < range {
            return Err(ModelError::InvalidParameter {
                name: "new_keys",
                reason: format!("{} keys given for {} customers", new_keys.len(), range),
            });
        }
        let need = new_keys
            .iter()
            .take(range)
            .map(|k| k.index() + 1)
            .max()
            .unwrap_or(0);
        if let Some(days) = &mut other.days {
            for (k, _) in days.iter_mut() {
                if let Some(n) = new_keys.get(*k as usize) {
                    *k = n.get();
                }
            }
        }
        self.merge_into(other, need, |j| new_keys.get(j).map(|k| k.index()))
    }

    /// [`RfmAccumulator::merge`] with `other`'s slot `j` going to slot `target(j)` here (`need`:
    /// one past the largest target); `other`'s same-day list is already in this state's keys.
    fn merge_into(
        &mut self,
        other: RfmAccumulator,
        need: usize,
        target: impl Fn(usize) -> Option<usize>,
    ) -> Result<(), ModelError> {
        self.guard.check(other.guard.currency())?;
        if self.scale.is_none() {
            self.scale = other.scale;
        }
        let same_scale = self.scale == other.scale;
        if need > self.slots.len() {
            self.slots.resize(need, EMPTY);
        }
        for (j, o) in other.slots.iter().enumerate() {
            if o.count == 0 {
                continue;
            }
            let Some(i) = target(j) else {
                continue;
            };
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
        // Large states build their rows in parallel parts (the same rows, in key order).
        let threads = rayon::current_num_threads();
        if threads > 1 && self.slots.len() >= PARALLEL_FINISH {
            return self.finish_threaded(as_of, monetary, threads);
        }
        let occasions = match &self.days {
            Some(days) => Some(distinct_days(days, self.slots.len())?),
            None => None,
        };
        let customers = self.values_of(
            0..self.slots.len(),
            as_of,
            occasions.as_deref(),
            monetary,
            Vec::with_capacity(self.slots.len()),
        )?;
        Ok(RfmTable {
            customers,
            as_of,
            excluded_after_as_of: self.excluded,
            non_purchases: self.non_purchases,
            currency: self.guard.currency(),
        })
    }
}

/// The accumulator as the state a transaction file is streamed into
/// (`crm_analytics::io::fold_purchases`): [`RfmAccumulator::push_purchase`],
/// [`RfmAccumulator::push_non_purchase`] and [`RfmAccumulator::merge_remapped`].
///
/// Amounts with fewer than two decimals (`12`, `9.4`, as read from floats in Parquet or Arrow)
/// are pushed with two (`12.00`, `9.40`: the same values), so a file that mixes them with cents
/// stays on the accumulator's fast path of one scale; sums are exact either way.
impl PurchaseFold for RfmAccumulator {
    type Error = ModelError;

    #[inline]
    fn purchase(
        &mut self,
        customer: CustomerKey,
        day: NaiveDate,
        mut amount: Decimal,
    ) -> std::result::Result<(), ModelError> {
        if amount.scale() < 2 {
            amount = at_two_decimals(amount);
        }
        self.push_purchase(customer, day, amount)
    }

    fn non_purchase(&mut self) {
        self.push_non_purchase();
    }

    /// As [`PurchaseFold::purchase`] with `cents_amount(cents)` (pushed with two decimals, as
    /// above), without a `Decimal` per row while the sums stay cents in `i64`.
    #[inline]
    fn purchase_cents(
        &mut self,
        customer: CustomerKey,
        day: NaiveDate,
        cents: u64,
    ) -> std::result::Result<(), ModelError> {
        self.push_purchase_cents(customer, day, cents)
    }

    /// Reads the customer's slot, so that the loads of a batch of customers are in flight
    /// together before the batch is pushed.
    #[inline]
    fn prefetch(&self, customer: CustomerKey) {
        if let Some(s) = self.slots.get(customer.index()) {
            std::hint::black_box(s.count);
        }
    }

    fn merge_remapped(
        &mut self,
        other: Self,
        new_keys: &[CustomerKey],
    ) -> std::result::Result<(), ModelError> {
        RfmAccumulator::merge_remapped(self, other, new_keys)
    }
}

/// `amount` (at most one decimal) with two decimals: the same value, or `amount` itself when
/// its mantissa cannot grow (a cheap `Decimal::rescale(2)` for the fold's hot path).
#[inline]
fn at_two_decimals(amount: Decimal) -> Decimal {
    let factor = if amount.scale() == 0 { 100 } else { 10 };
    amount
        .mantissa()
        .checked_mul(factor)
        .and_then(|m| Decimal::try_from_i128_with_scale(m, 2).ok())
        .unwrap_or(amount)
}

/// Sorts per-customer values into the natural order of their ids
/// ([`CustomerId::natural_cmp`]: numeric ids by value, then text ids), in parallel on the current
/// rayon pool. `ids` is the interner that issued the keys; values whose key it does not know come
/// last, in key order. This is the row order of the `crm rfm` output, and the order rank-first
/// ties follow (as they follow pandas' sorted groupby).
///
/// Returns the id of each sorted value, in the new order (`None` for a key `ids` does not know),
/// so that writing the rows reads the ids in sequence instead of looking each one up.
///
/// ```
/// use crm_analytics::model::{CustomerInterner, SameDayPurchases};
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// use crm_analytics::rfm::{sort_by_customer_id, MonetaryValue, RfmAccumulator};
/// let mut ids = CustomerInterner::new();
/// let mut acc = RfmAccumulator::new(SameDayPurchases::Separate);
/// let day = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// for id in ["20", "b", "3"] {
///     acc.push_purchase(ids.intern(id)?, day, Decimal::ONE)?;
/// }
/// let mut values = acc.finish(None, MonetaryValue::Total)?.customers;
/// let sorted_ids = sort_by_customer_id(&mut values, &ids);
/// let order: Vec<String> = values.iter().map(|v| ids.id(v.customer).unwrap().to_string()).collect();
/// assert_eq!(order, ["3", "20", "b"]);
/// assert_eq!(sorted_ids.iter().flatten().map(ToString::to_string).collect::<Vec<_>>(), order);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sort_by_customer_id(
    values: &mut Vec<RfmValues>,
    ids: &CustomerInterner,
) -> Vec<Option<CustomerId>> {
    // Indexed parallel iterators only: rayon collects them straight into the output vector (a
    // filtering collect builds a list of parts and copies them once more, into fresh pages).
    let int_id = |v: &RfmValues| match ids.id(v.customer) {
        Some(CustomerId::Int(n)) => Some(*n),
        _ => None,
    };
    let all_int =
        u32::try_from(values.len()).is_ok() && values.par_iter().all(|v| int_id(v).is_some());
    if all_int {
        // All ids are integers: sort plain (id, position) pairs, then gather.
        let mut keys: Vec<(u64, u32)> = values
            .par_iter()
            .enumerate()
            .map(|(i, v)| (int_id(v).unwrap_or(0), i as u32))
            .collect();
        if !keys.windows(2).all(|w| w[0].0 <= w[1].0) {
            keys.par_sort_unstable();
            let old = std::mem::take(values);
            // Every position comes from `enumerate` over `old`: the index is in bounds.
            *values = keys
                .par_iter()
                .map(|&(_, i)| old[i as usize].clone())
                .collect();
        }
        keys.par_iter()
            .map(|&(n, _)| Some(CustomerId::Int(n)))
            .collect()
    } else {
        {
            let order =
                |x: &RfmValues, y: &RfmValues| match (ids.id(x.customer), ids.id(y.customer)) {
                    (Some(a), Some(b)) => a.natural_cmp(b),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => x.customer.cmp(&y.customer),
                };
            if !values.windows(2).all(|w| order(&w[0], &w[1]).is_le()) {
                values.par_sort_by(order);
            }
            values
                .par_iter()
                .map(|v| ids.id(v.customer).cloned())
                .collect()
        }
    }
}

impl RfmAccumulator {
    /// [`RfmAccumulator::finish`] with the rows built in `threads` parts on the current rayon
    /// pool, each taking a contiguous range of keys.
    fn finish_threaded(
        self,
        as_of: NaiveDate,
        monetary: MonetaryValue,
        threads: usize,
    ) -> Result<RfmTable> {
        let occasions = match &self.days {
            Some(days) => Some(distinct_days(days, self.slots.len())?),
            None => None,
        };
        let n = self.slots.len();
        let step = n.div_ceil(threads.max(1)).max(1);
        let this = &self;
        let occ = occasions.as_deref();
        // One part per range of `step` keys, in key order; the first part's vector has room
        // for all rows, so the others are appended without growing it.
        let parts: Vec<Result<Vec<RfmValues>>> = (0..n.div_ceil(step).max(1))
            .into_par_iter()
            .map(|i| {
                let (lo, hi) = (i * step, ((i + 1) * step).min(n));
                let room = if i == 0 { n } else { hi - lo };
                this.values_of(lo..hi, as_of, occ, monetary, Vec::with_capacity(room))
            })
            .collect();
        let mut parts = parts.into_iter();
        let mut customers = parts.next().unwrap_or_else(|| Ok(Vec::new()))?;
        for p in parts {
            customers.extend(p?);
        }
        Ok(RfmTable {
            customers,
            as_of,
            excluded_after_as_of: self.excluded,
            non_purchases: self.non_purchases,
            currency: self.guard.currency(),
        })
    }

    /// The rows of the customers with keys in `keys` that have purchases, appended to `out`.
    fn values_of(
        &self,
        keys: std::ops::Range<usize>,
        as_of: NaiveDate,
        occasions: Option<&[u32]>,
        monetary: MonetaryValue,
        mut out: Vec<RfmValues>,
    ) -> Result<Vec<RfmValues>> {
        let scale = self.scale.unwrap_or(0);
        let mut days = RecencyCache::new(as_of);
        let first = keys.start;
        for (j, s) in self.slots.get(keys).unwrap_or(&[]).iter().enumerate() {
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
            let key = first + j;
            let total = if s.total == SPILLED {
                self.total_of(key)?
            } else {
                decode(s.total, scale).ok_or_else(|| overflow_state(key))?
            };
            let frequency = match occasions {
                Some(o) => o.get(key).copied().unwrap_or(s.count),
                None => s.count,
            };
            let monetary = match monetary {
                MonetaryValue::Total => total,
                MonetaryValue::MeanPerPurchase => total
                    .checked_div(Decimal::from(frequency))
                    .ok_or(RfmError::Overflow { field: "monetary" })?,
            };
            out.push(RfmValues {
                customer: CustomerKey::from_index(key as u32),
                last_purchase: s.last,
                recency_days: days.get(s.last),
                frequency,
                monetary,
                total_spend: total,
            });
        }
        Ok(out)
    }
}

/// Whole days from recent dates to a fixed as-of date (`as_of >= date`), remembered in a small
/// direct-mapped table: a customer base spans a few hundred distinct last-purchase dates.
struct RecencyCache {
    as_of: NaiveDate,
    dates: Vec<NaiveDate>,
    days: Vec<u32>,
}

impl RecencyCache {
    const SIZE: usize = 1024;

    fn new(as_of: NaiveDate) -> Self {
        RecencyCache {
            as_of,
            dates: vec![NaiveDate::MIN; Self::SIZE],
            days: vec![Self::compute(as_of, NaiveDate::MIN); Self::SIZE],
        }
    }

    fn compute(as_of: NaiveDate, d: NaiveDate) -> u32 {
        u32::try_from((as_of - d).num_days()).unwrap_or(u32::MAX)
    }

    #[inline]
    fn get(&mut self, d: NaiveDate) -> u32 {
        let slot = (d.ordinal() as usize + 366 * d.year().rem_euclid(4096) as usize) % Self::SIZE;
        match (self.dates.get_mut(slot), self.days.get_mut(slot)) {
            (Some(k), Some(v)) => {
                if *k != d {
                    *k = d;
                    *v = Self::compute(self.as_of, d);
                }
                *v
            }
            _ => Self::compute(self.as_of, d),
        }
    }
}

/// The `Decimal` of a non-spilled sum of a customer with purchases: the mantissa at the
/// accumulator's `scale`. (A zero is exact too: `Decimal` addition returns the other operand
/// unchanged when one is zero, so sums of zeros at the accumulator's scale stay at that scale.)
fn decode(total: i64, scale: u32) -> Option<Decimal> {
    if total >= 0 && scale <= 28 {
        let m = total as u64;
        Some(Decimal::from_parts(
            m as u32,
            (m >> 32) as u32,
            0,
            false,
            scale,
        ))
    } else {
        Decimal::try_from_i128_with_scale(i128::from(total), scale).ok()
    }
}

/// Rows scattered per run of [`RfmAccumulator::push_all`] (per thread in
/// [`rfm_values_threaded`]): 12 MiB of [`Row`]s.
const CHUNK_ROWS: usize = 1 << 20;

/// Rows [`RfmAccumulator::push_all`] takes one by one before it stops batching the rest.
const ODD_ROWS: usize = 4096;

/// A purchase as the bucketed accumulation keeps it: 12 bytes.
#[derive(Debug, Clone, Copy)]
struct Row {
    key: u32,
    date: NaiveDate,
    /// The amount's mantissa at the accumulator's scale.
    units: u32,
}

/// What [`Scatter::scatter`] accepts and how it buckets.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// Bucket of key `k`: `k >> bits`.
    bits: u32,
    /// Expected number of buckets.
    buckets: usize,
    /// The `Decimal` flags of a non-negative amount at the accumulator's scale.
    flags: u32,
    /// Purchases after this date are excluded or stop the scatter.
    end: NaiveDate,
    /// Whether late purchases are excluded (else they stop the scatter).
    exclude: bool,
    /// Whether `(key, date)` pairs are kept (same-day purchases merged).
    days: bool,
}

/// A run of transactions, scattered into buckets of consecutive keys (stable: each bucket keeps
/// input order), with the counters of the rows that are not purchases to add.
#[derive(Debug, Default)]
struct Scatter {
    buckets: Vec<Vec<Row>>,
    days: Vec<(u32, NaiveDate)>,
    /// 1 + the largest key scattered.
    keys: usize,
    non_purchases: usize,
    excluded: usize,
    guard: CurrencyGuard,
}

impl Scatter {
    /// Empties the run (keeping its memory) and starts from currency state `guard`.
    fn clear(&mut self, guard: CurrencyGuard, buckets: usize) {
        for b in &mut self.buckets {
            b.clear();
        }
        if self.buckets.len() < buckets {
            self.buckets.resize_with(buckets, Vec::new);
        }
        self.days.clear();
        self.keys = 0;
        self.non_purchases = 0;
        self.excluded = 0;
        self.guard = guard;
    }

    /// Scatters `rows` up to the first one that must be pushed on its own (a currency
    /// mismatch, a late purchase to reject, an amount not of the plan's form); returns its
    /// position, or `rows.len()`.
    fn scatter(&mut self, rows: &[Transaction], plan: &Plan) -> usize {
        // Counters in locals, so that the loop keeps them in registers.
        let (mut keys, mut non_purchases, mut excluded) =
            (self.keys, self.non_purchases, self.excluded);
        let mut stop = rows.len();
        for (j, t) in rows.iter().enumerate() {
            if t.currency().is_some() && self.guard.check(t.currency()).is_err() {
                stop = j;
                break;
            }
            if !t.is_purchase() {
                non_purchases += 1;
                continue;
            }
            let date = t.date();
            if date > plan.end {
                if plan.exclude {
                    excluded += 1;
                    continue;
                }
                stop = j;
                break;
            }
            // Flags (scale and sign) in bits 0..32, the 96-bit mantissa above.
            let x = u128::from_le_bytes(t.amount().serialize());
            if x as u32 != plan.flags || (x >> 64) != 0 {
                stop = j;
                break;
            }
            let key = t.customer().get();
            let row = Row {
                key,
                date,
                units: (x >> 32) as u32,
            };
            let b = (key >> plan.bits) as usize;
            match self.buckets.get_mut(b) {
                Some(v) => v.push(row),
                None => {
                    self.buckets.resize_with(b + 1, Vec::new);
                    if let Some(v) = self.buckets.get_mut(b) {
                        v.push(row);
                    }
                }
            }
            keys = keys.max(key as usize + 1);
            if plan.days {
                self.days.push((key, date));
            }
        }
        (self.keys, self.non_purchases, self.excluded) = (keys, non_purchases, excluded);
        stop
    }
}

/// Adds buckets `range` of `parts` (part by part within a bucket, so each customer's rows in
/// input order) to `slots`, the slots of keys `first_key..`. An amount that would take a
/// compact sum past `i64` is appended to `deferred` instead (the slot's count and date are
/// still updated).
fn apply(
    slots: &mut [Slot],
    first_key: usize,
    bits: u32,
    parts: &[Scatter],
    range: std::ops::Range<usize>,
    deferred: &mut Vec<(u32, u32)>,
) -> u32 {
    let mut touch = 0u32;
    for b in range {
        // With about a row per cache line of slots or more, read the bucket's slots in order
        // first: the hardware prefetcher streams them into cache, and the random updates below
        // hit cache instead of each waiting on memory.
        let rows: usize = parts
            .iter()
            .map(|p| p.buckets.get(b).map_or(0, Vec::len))
            .sum();
        let lo = (b << bits).saturating_sub(first_key).min(slots.len());
        let hi = ((b + 1) << bits).saturating_sub(first_key).min(slots.len());
        if rows * 4 >= hi - lo {
            touch ^= warm(slots.get(lo..hi).unwrap_or(&[]));
        }
        for p in parts {
            let Some(rows) = p.buckets.get(b) else {
                continue;
            };
            for r in rows {
                let Some(s) = slots.get_mut((r.key as usize).wrapping_sub(first_key)) else {
                    continue;
                };
                // Compact sums are >= 0 and amounts < 2^32: a negative result is an overflow.
                let total = s.total.wrapping_add(i64::from(r.units));
                if total >= 0 {
                    s.total = total;
                } else {
                    deferred.push((r.key, r.units));
                }
                s.count = s.count.saturating_add(1);
                // Branch-free: whether a purchase is the latest so far is unpredictable.
                s.last = s.last.max(r.date);
            }
        }
    }
    touch
}

/// Reads `slots` in order; returns a value depending on every read (so the reads stay).
#[inline(never)]
fn warm(slots: &[Slot]) -> u32 {
    slots.iter().fold(0, |a, s| a ^ s.count)
}

/// Reads the state of every row of `chunk` (keys past the state read the last slot), so
/// that the cache misses of the batch overlap; returns a value depending on the reads.
#[inline(never)]
fn read_ahead(slots: &[Slot], chunk: &[Transaction]) -> u32 {
    let last = slots.len().saturating_sub(1);
    let mut touch = 0u32;
    for t in chunk {
        let i = t.customer().index().min(last);
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
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// use crm_analytics::model::{CustomerKey, SameDayPurchases, Transaction};
/// use crm_analytics::rfm::{rfm_values, MonetaryValue, RfmOptions};
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
/// # Ok::<(), crm_analytics::rfm::RfmError>(())
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

/// [`rfm_values`] split into `threads` parts (at most 64) that run in parallel on the current
/// rayon pool: the caller's inside `ThreadPool::install`, else rayon's global pool (so
/// `rayon::current_num_threads()` is the natural value). The result is identical to
/// [`rfm_values`], whatever the number of parts or pool threads; `threads <= 1` or a small input
/// runs on the caller's thread.
///
/// The slice is taken in runs of about a million rows per part. Each part scatters its share
/// of the run into buckets of consecutive customer keys (as [`RfmAccumulator::push_all`] does);
/// then each part adds a contiguous range of buckets, every share in input order, to its own
/// range of the customers' state. Every customer's purchases are therefore added in input
/// order, there is no merge, and no two parts write the same memory. A run holding a row that
/// must be pushed on its own (see [`RfmAccumulator::push_all`]), a currency mismatch or a late
/// purchase to reject is done on the caller's thread instead.
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
    let mut acc = RfmAccumulator::with_capacity(options.same_day, estimate_keys(transactions))
        .cutoff(options.as_of, options.late_events);
    acc.push_all_threaded(transactions, threads)?;
    acc.finish_threaded(options.as_of, options.monetary, threads)
}

impl RfmAccumulator {
    /// [`RfmAccumulator::push_all`] in `threads` parts on the current rayon pool (see
    /// [`rfm_values_threaded`]).
    fn push_all_threaded(
        &mut self,
        transactions: &[Transaction],
        threads: usize,
    ) -> Result<(), ModelError> {
        self.init_scale(transactions);
        let plan = self.plan(estimate_keys(transactions));
        let mut parts: Vec<Scatter> = (0..threads).map(|_| Scatter::default()).collect();
        let mut pos = 0;
        for run in transactions.chunks(CHUNK_ROWS * threads) {
            let at = pos;
            pos += run.len();
            if !self.spill_is_small() {
                let rest = transactions.get(at..).unwrap_or(&[]);
                return self.push_all_at(rest, at);
            }
            // Phase 1: each part scatters its share of the run.
            for p in &mut parts {
                p.clear(self.guard, plan.buckets);
            }
            let share = run.len().div_ceil(threads);
            let clean = parts
                .par_iter_mut()
                .zip(run.par_chunks(share))
                .map(|(p, rows)| p.scatter(rows, &plan) == rows.len())
                .collect::<Vec<bool>>()
                .into_iter()
                .all(|ok| ok);
            let mut guard = self.guard;
            if !clean
                || parts
                    .iter()
                    .any(|p| guard.check(p.guard.currency()).is_err())
            {
                // Rows to push on their own: this run in order, on this thread.
                self.push_all_at(run, at)?;
                continue;
            }
            // Phase 2: each part adds a contiguous range of buckets to its own slots.
            let keys = parts.iter().map(|p| p.keys).max().unwrap_or(0);
            if keys > self.slots.len() {
                self.slots.resize(keys, EMPTY);
            }
            let ranges = bucket_ranges(&parts, threads);
            let mut jobs = Vec::with_capacity(ranges.len());
            let mut rest: &mut [Slot] = &mut self.slots;
            let mut first_key = 0usize;
            for (n, r) in ranges.iter().enumerate() {
                let end_key = if n + 1 == ranges.len() {
                    first_key + rest.len()
                } else {
                    (r.end << plan.bits).clamp(first_key, first_key + rest.len())
                };
                let (mine, others) = rest.split_at_mut(end_key - first_key);
                jobs.push((mine, first_key, r.clone()));
                rest = others;
                first_key = end_key;
            }
            let parts_ref = &parts;
            let deferred: Vec<(Vec<(u32, u32)>, u32)> = jobs
                .into_par_iter()
                .map(|(slots, k, r)| {
                    let mut d = Vec::new();
                    let touch = apply(slots, k, plan.bits, parts_ref, r, &mut d);
                    (d, touch)
                })
                .collect();
            self.count_parts(&parts);
            for (d, touch) in &deferred {
                self.touched ^= touch;
                self.add_deferred(d).map_err(|e| e.at_record(at))?;
            }
        }
        Ok(())
    }
}

/// Splits the buckets of `parts` into at most `threads` contiguous ranges of about equal row
/// counts.
fn bucket_ranges(parts: &[Scatter], threads: usize) -> Vec<std::ops::Range<usize>> {
    let buckets = parts.iter().map(|p| p.buckets.len()).max().unwrap_or(0);
    let rows_in = |b: usize| -> usize {
        parts
            .iter()
            .map(|p| p.buckets.get(b).map_or(0, Vec::len))
            .sum()
    };
    let total: usize = (0..buckets).map(rows_in).sum();
    let mut ranges = Vec::with_capacity(threads);
    let (mut start, mut seen) = (0usize, 0usize);
    for b in 0..buckets {
        seen += rows_in(b);
        if ranges.len() + 1 < threads && seen * threads >= total * (ranges.len() + 1) {
            ranges.push(start..b + 1);
            start = b + 1;
        }
    }
    ranges.push(start..buckets);
    ranges
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

#[cfg(test)]
mod tests {
    use super::*;

    mod cents {
        use super::*;
        use proptest::prelude::*;

        /// A purchase in whole cents, or as a `Decimal` of three decimals (another scale).
        #[derive(Debug, Clone)]
        enum Push {
            Cents(u32, u16, u64),
            Milli(u32, u16, i64),
        }

        fn push() -> impl Strategy<Value = Push> {
            let cents = prop_oneof![
                8 => 0u64..100_000,
                1 => Just(0u64),
                1 => any::<u64>(),
                1 => (i64::MAX as u64 - 1_000)..=(i64::MAX as u64 + 1_000),
            ];
            prop_oneof![
                12 => (0u32..30, 0u16..60, cents).prop_map(|(k, d, c)| Push::Cents(k, d, c)),
                1 => (0u32..30, 0u16..60, 0i64..1_000_000).prop_map(|(k, d, m)| Push::Milli(k, d, m)),
            ]
        }

        /// The accumulator after `pushes` (`cents`: through `purchase_cents`, otherwise through
        /// `purchase` of `cents_amount`), as text with the result of every push, the finished
        /// table (amounts with their scale) and the merge of it into a fresh state.
        fn run(pushes: &[Push], merge: bool, late: Option<LateEvents>, cents: bool) -> String {
            let day0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
            let same_day = if merge {
                SameDayPurchases::Merge
            } else {
                SameDayPurchases::Separate
            };
            let end = day0 + crm_model::chrono::Days::new(40);
            let fresh = || {
                let acc = RfmAccumulator::new(same_day);
                match late {
                    Some(l) => acc.cutoff(end, l),
                    None => acc,
                }
            };
            let mut acc = fresh();
            let mut out = Vec::new();
            for p in pushes {
                let r = match *p {
                    Push::Cents(k, d, c) => {
                        let (k, d) = (
                            CustomerKey::from_index(k),
                            day0 + crm_model::chrono::Days::new(d.into()),
                        );
                        if cents {
                            PurchaseFold::purchase_cents(&mut acc, k, d, c)
                        } else {
                            PurchaseFold::purchase(&mut acc, k, d, crm_model::cents_amount(c))
                        }
                    }
                    Push::Milli(k, d, m) => PurchaseFold::purchase(
                        &mut acc,
                        CustomerKey::from_index(k),
                        day0 + crm_model::chrono::Days::new(d.into()),
                        Decimal::new(m, 3),
                    ),
                };
                out.push(format!("{r:?}"));
            }
            let mut merged = fresh();
            let keys: Vec<CustomerKey> = (0..40).map(|k| CustomerKey::from_index(39 - k)).collect();
            let remapped = merged.merge_remapped(acc.clone(), &keys);
            let table = |a: RfmAccumulator| {
                a.finish(
                    Some(day0 + crm_model::chrono::Days::new(60)),
                    MonetaryValue::Total,
                )
                .map(|t| {
                    let rows: Vec<String> = t
                        .customers
                        .iter()
                        .map(|v| format!("{v:?} {}", v.total_spend.scale()))
                        .collect();
                    (rows, t.excluded_after_as_of, t.non_purchases)
                })
            };
            format!(
                "{out:?}\n{:?}\n{remapped:?} {:?}",
                table(acc),
                table(merged)
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            /// `purchase_cents` is `purchase` of `cents_amount`: results, sums and their
            /// scales, counts, merges (sums past `i64` and other scales included).
            #[test]
            fn purchase_cents_is_purchase_of_cents_amount(
                pushes in prop::collection::vec(push(), 0..200),
                merge in any::<bool>(),
                late in prop_oneof![
                    Just(None),
                    Just(Some(LateEvents::Reject)),
                    Just(Some(LateEvents::Exclude)),
                ],
            ) {
                prop_assert_eq!(run(&pushes, merge, late, true), run(&pushes, merge, late, false));
            }
        }
    }

    #[test]
    fn two_decimals_keep_the_value() {
        for (text, want) in [
            ("12", "12.00"),
            ("9.4", "9.40"),
            ("0", "0.00"),
            ("-3.5", "-3.50"),
        ] {
            let d: Decimal = text.parse().unwrap();
            let two = at_two_decimals(d);
            assert_eq!((two, two.to_string()), (d, want.to_string()));
        }
        // A mantissa that cannot grow stays as it is.
        let max = Decimal::MAX;
        assert_eq!(at_two_decimals(max).to_string(), max.to_string());
    }
}
