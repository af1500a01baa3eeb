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

#[derive(Debug, Clone, Copy)]
struct Slot {
    last: NaiveDate,
    count: u32,
    total: Decimal,
}

const EMPTY: Slot = Slot {
    last: NaiveDate::MIN,
    count: 0,
    total: Decimal::ZERO,
};

/// Mergeable per-customer RFM state: `push` transactions in any order, `merge` partial states
/// (e.g. one per thread or file chunk), `finish` at an as-of date.
///
/// The state is a vector indexed by [`CustomerKey::index`] (24 bytes per customer), so pushing is
/// one array update and no hashing. With [`SameDayPurchases::Merge`] it also keeps `(key, date)`
/// pairs (8 bytes per purchase) to count distinct purchase days at the end.
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
    slots: Vec<Slot>,
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
        const BATCH: usize = 32;
        let cutoff = self.cutoff;
        let mut touch = 0u32;
        for (b, chunk) in transactions.chunks(BATCH).enumerate() {
            let mut top = 0usize;
            for t in chunk {
                let i = t.customer().index();
                top = top.max(i + 1);
                touch ^= self.slots.get(i).map_or(0, |s| s.count);
            }
            if top > self.slots.len() {
                self.slots.resize(top, EMPTY);
            }
            for (j, t) in chunk.iter().enumerate() {
                let slow = t.currency().is_some()
                    || !t.is_purchase()
                    || self.days.is_some()
                    || cutoff.is_some_and(|(end, _)| t.date() > end);
                match self.slots.get_mut(t.customer().index()) {
                    Some(s) if !slow => {
                        s.total = s
                            .total
                            .checked_add(t.amount())
                            .ok_or_else(|| overflow().at_record(b * BATCH + j))?;
                        s.count = s.count.saturating_add(1);
                        if t.date() > s.last {
                            s.last = t.date();
                        }
                    }
                    _ => self.push(t).map_err(|e| e.at_record(b * BATCH + j))?,
                }
            }
        }
        self.touched ^= touch;
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
        let i = customer.index();
        if i >= self.slots.len() {
            self.slots.resize(i + 1, EMPTY);
        }
        let s = &mut self.slots[i];
        s.total = s.total.checked_add(amount).ok_or_else(overflow)?;
        s.count = s.count.saturating_add(1);
        if date > s.last {
            s.last = date;
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
        if other.slots.len() > self.slots.len() {
            self.slots.resize(other.slots.len(), EMPTY);
        }
        for (s, o) in self.slots.iter_mut().zip(other.slots) {
            if o.count == 0 {
                continue;
            }
            s.total = s.total.checked_add(o.total).ok_or_else(overflow)?;
            s.count = s.count.saturating_add(o.count);
            s.last = s.last.max(o.last);
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
        if new_keys.len() < other.slots.len() {
            return Err(ModelError::InvalidParameter {
                name: "new_keys",
                reason: format!(
                    "{} keys given for {} customers",
                    new_keys.len(),
                    other.slots.len()
                ),
            });
        }
        let mut moved = RfmAccumulator {
            slots: Vec::new(),
            days: None,
            cutoff: None,
            excluded: other.excluded,
            non_purchases: other.non_purchases,
            guard: other.guard,
            touched: 0,
        };
        let max = new_keys
            .iter()
            .take(other.slots.len())
            .map(|k| k.index() + 1)
            .max()
            .unwrap_or(0);
        moved.slots = vec![EMPTY; max];
        for (s, k) in other.slots.iter().zip(new_keys) {
            if s.count > 0 {
                moved.slots[k.index()] = *s;
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
            Some(days) => Some(distinct_days(days, self.slots.len())?),
            None => None,
        };
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
            let frequency = match &occasions {
                Some(o) => o.get(i).copied().unwrap_or(s.count),
                None => s.count,
            };
            let recency = (as_of - s.last).num_days();
            let monetary = match monetary {
                MonetaryValue::Total => s.total,
                MonetaryValue::MeanPerPurchase => s
                    .total
                    .checked_div(Decimal::from(frequency))
                    .ok_or(RfmError::Overflow { field: "monetary" })?,
            };
            customers.push(RfmValues {
                customer: CustomerKey::from_index(i as u32),
                last_purchase: s.last,
                recency_days: u32::try_from(recency).unwrap_or(u32::MAX),
                frequency,
                monetary,
                total_spend: s.total,
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
    let mut acc = RfmAccumulator::with_capacity(options.same_day, 0)
        .cutoff(options.as_of, options.late_events);
    acc.push_all(transactions)?;
    acc.finish(Some(options.as_of), options.monetary)
}

/// [`rfm_values`] on `threads` scoped threads: the slice is cut into `threads` contiguous parts,
/// each accumulated on its own, and the parts merged in order. The result is identical to
/// [`rfm_values`] (merging is exact); `threads <= 1` or a small input runs on the caller's thread.
///
/// # Errors
/// As [`rfm_values`] (record positions refer to the whole slice).
pub fn rfm_values_threaded(
    transactions: &[Transaction],
    options: &RfmOptions,
    threads: usize,
) -> Result<RfmTable> {
    let threads = threads.clamp(1, 64);
    if threads == 1 || transactions.len() < 100_000 {
        return rfm_values(transactions, options);
    }
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
            .chain(handles.into_iter().map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(ModelError::InvalidParameter {
                        name: "threads",
                        reason: "a worker thread panicked".into(),
                    })
                })
            }))
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
