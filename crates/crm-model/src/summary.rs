//! Per-customer purchase summaries: the (x, t_x, T, monetary) inputs of RFM, CLV and churn models.
//!
//! Definitions (Fader, Hardie & Lee 2005; the `lifetimes` package uses the same):
//!
//! ```text
//! first  = date of the customer's first purchase
//! x      = number of repeat purchases = purchase occasions after the first
//!          (occasions: purchase days when same-day purchases are merged, the default;
//!           individual purchases otherwise)
//! t_x    = elapsed(first, date of last purchase) in the chosen unit  (0 when x = 0)
//! T      = elapsed(first, observation_end) in the chosen unit          (the customer's age)
//! zbar   = mean value of the repeat occasions (default), or of all occasions
//! ```
//!
//! The observation end is the last observed day (inclusive). Invariants: `0 <= t_x <= T`, and with
//! merging `x <= distinct purchase days - 1`. The result does not depend on the input order.
//! Refunds and returns are not purchases: they never count towards x, t_x, T or the monetary value,
//! and the summary reports how many there were.
//!
//! ```
//! use crm_analytics::model::chrono::NaiveDate;
//! use crm_analytics::model::rust_decimal::Decimal;
//! use crm_analytics::model::{summarize, CustomerKey, SummaryOptions, TimeUnit, Transaction};
//! let d = |m, day| NaiveDate::from_ymd_opt(1997, m, day).unwrap();
//! let c = CustomerKey::from_index(0);
//! let tx = vec![
//!     Transaction::purchase(c, d(1, 1), Decimal::new(2933, 2))?,
//!     Transaction::purchase(c, d(1, 18), Decimal::new(2973, 2))?,
//!     Transaction::purchase(c, d(8, 2), Decimal::new(1496, 2))?,
//! ];
//! let s = summarize(&tx, &SummaryOptions::new(d(9, 30), TimeUnit::Week))?;
//! let one = &s.customers[0];
//! assert_eq!(one.frequency, 2);                              // x
//! assert!((one.recency - 213.0 / 7.0).abs() < 1e-12);        // t_x = 30.43 weeks
//! assert!((one.age - 272.0 / 7.0).abs() < 1e-12);            // T = 38.86 weeks
//! assert_eq!(one.monetary, Some(Decimal::new(2234_5, 3)));   // (29.73 + 14.96) / 2
//! # Ok::<(), crm_analytics::model::ModelError>(())
//! ```

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::{Currency, CurrencyGuard, CustomerInterner, CustomerKey, TimeUnit, Transaction};

/// How purchases on the same calendar day count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SameDayPurchases {
    /// Same-day purchases form one purchase occasion whose value is their sum (the papers' and
    /// `lifetimes`' convention; default).
    #[default]
    Merge,
    /// Every purchase counts on its own.
    Separate,
}

/// Which occasions the monetary value averages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonetaryBasis {
    /// Mean of the repeat occasions, excluding the first (Gamma-Gamma's input; default).
    /// Customers with no repeat purchase have no monetary value.
    #[default]
    RepeatMean,
    /// Mean of all occasions including the first.
    AllMean,
}

/// What to do with transactions dated after the observation end (or after the holdout end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LateEvents {
    /// Fail with [`ModelError::AfterObservationEnd`] naming the record (default).
    #[default]
    Reject,
    /// Leave them out and count them in the result's `excluded_after_end`.
    Exclude,
}

/// Parameters of [`summarize`] and [`summarize_with_holdout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SummaryOptions {
    /// Last observed day (inclusive). For a calibration/holdout split, the calibration end.
    pub observation_end: NaiveDate,
    /// Unit of t_x and T.
    pub unit: TimeUnit,
    /// Same-day purchase handling.
    pub same_day: SameDayPurchases,
    /// Monetary basis.
    pub monetary: MonetaryBasis,
    /// Late event policy.
    pub late_events: LateEvents,
}

impl SummaryOptions {
    /// Options with the defaults: merge same-day purchases, repeat-mean monetary value, reject
    /// late events.
    #[must_use]
    pub fn new(observation_end: NaiveDate, unit: TimeUnit) -> Self {
        SummaryOptions {
            observation_end,
            unit,
            same_day: SameDayPurchases::default(),
            monetary: MonetaryBasis::default(),
            late_events: LateEvents::default(),
        }
    }
    /// Sets same-day handling.
    #[must_use]
    pub fn same_day(mut self, v: SameDayPurchases) -> Self {
        self.same_day = v;
        self
    }
    /// Sets the monetary basis.
    #[must_use]
    pub fn monetary(mut self, v: MonetaryBasis) -> Self {
        self.monetary = v;
        self
    }
    /// Sets the late event policy.
    #[must_use]
    pub fn late_events(mut self, v: LateEvents) -> Self {
        self.late_events = v;
        self
    }
}

/// Checks the invariants of a purchase history as the count models read it: x repeat
/// purchases, recency `t_x` and age `t` finite with `0 <= t_x <= T` (allowing the rounding noise
/// of summaries printed to 2 decimals), and `t_x = 0` when `x = 0`. Every summary
/// [`summarize`] makes passes; a summary read from a file may not.
///
/// ```
/// use crm_analytics::model::{ModelError, check_history};
/// assert!(check_history(2, 30.5, 38.0).is_ok());
/// let e = check_history(0, 3.0, 38.0).unwrap_err();
/// assert_eq!(e.to_string(), "t_x = 3: recency must be 0 when x = 0");
/// assert!(matches!(check_history(1, 40.0, 38.0), Err(ModelError::InvalidHistory { field: "t_x", .. })));
/// ```
///
/// # Errors
/// [`ModelError::InvalidHistory`] naming the field at fault.
pub fn check_history(x: u32, t_x: f64, t: f64) -> Result<()> {
    let bad = |field, value, reason| {
        Err(ModelError::InvalidHistory {
            field,
            value,
            reason,
        })
    };
    if !t.is_finite() || t < 0.0 {
        return bad("T", t, "age must be finite and >= 0");
    }
    if !t_x.is_finite() || t_x < 0.0 {
        return bad("t_x", t_x, "recency must be finite and >= 0");
    }
    if t_x > t * (1.0 + 1e-12) + 1e-9 {
        return bad("t_x", t_x, "recency exceeds the age T");
    }
    if x == 0 && t_x != 0.0 {
        return bad("t_x", t_x, "recency must be 0 when x = 0");
    }
    Ok(())
}

/// One customer's purchase summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PurchaseSummary {
    /// The customer.
    pub customer: CustomerKey,
    /// x: number of repeat purchase occasions.
    pub frequency: u32,
    /// t_x: time of the last purchase since the first, in the unit.
    pub recency: f64,
    /// T: time from the first purchase to the observation end, in the unit.
    pub age: f64,
    /// Mean occasion value on the chosen basis; `None` when there is nothing to average.
    pub monetary: Option<Decimal>,
    /// Date of the first purchase.
    pub first_purchase: NaiveDate,
    /// Date of the last purchase.
    pub last_purchase: NaiveDate,
    /// Sum of all purchase amounts in the observation window (first purchase included).
    pub total_spend: Decimal,
}

/// Output of [`summarize`]: one row per customer with at least one purchase, in key order, plus
/// what was left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PurchaseSummaries {
    /// Per-customer rows, sorted by customer key.
    pub customers: Vec<PurchaseSummary>,
    /// Transactions after the end that [`LateEvents::Exclude`] left out.
    pub excluded_after_end: usize,
    /// Refunds and returns (never purchases).
    pub non_purchases: usize,
    /// The single currency of the amounts, when any was recorded.
    pub currency: Option<Currency>,
}

/// A calibration summary with what the same customer did in the holdout window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutSummary {
    /// Summary over the calibration window (first purchase .. calibration end).
    pub calibration: PurchaseSummary,
    /// Purchase occasions in (calibration end, holdout end].
    pub holdout_frequency: u32,
    /// Total spend in the holdout window.
    pub holdout_spend: Decimal,
    /// Length of the holdout window in the unit.
    pub holdout_duration: f64,
}

/// Output of [`summarize_with_holdout`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutSummaries {
    /// Customers whose first purchase falls in the calibration window, by key.
    pub customers: Vec<HoldoutSummary>,
    /// Customers whose first purchase falls in the holdout window (not in `customers`: they were
    /// not yet customers at the calibration end).
    pub first_seen_in_holdout: usize,
    /// Transactions after the holdout end that [`LateEvents::Exclude`] left out.
    pub excluded_after_end: usize,
    /// Refunds and returns.
    pub non_purchases: usize,
    /// The single currency, when any was recorded.
    pub currency: Option<Currency>,
}

/// Transactions grouped by customer without hashing: a counting sort on the dense key.
///
/// `indices_of(k)` lists the positions (into the original slice) of customer `k`'s transactions
/// in input order. Building costs O(n + number of keys) time and 4 bytes per transaction.
#[derive(Debug, Clone, Default)]
pub struct CustomerGroups {
    offsets: Vec<u32>,
    order: Vec<u32>,
}

impl CustomerGroups {
    /// Groups `transactions` by customer key.
    ///
    /// # Errors
    /// [`ModelError::InvalidParameter`] beyond `u32::MAX` transactions.
    pub fn new(transactions: &[Transaction]) -> Result<Self> {
        Self::from_keys(
            transactions.iter().map(Transaction::customer),
            transactions.len(),
        )
    }

    /// Groups any sequence of `n` keys (for callers with columnar data).
    ///
    /// # Errors
    /// [`ModelError::InvalidParameter`] beyond `u32::MAX` items, or if the iterator yields a
    /// different number of keys than `n`.
    pub fn from_keys(keys: impl Iterator<Item = CustomerKey> + Clone, n: usize) -> Result<Self> {
        if u32::try_from(n).is_err() {
            return Err(ModelError::InvalidParameter {
                name: "transactions",
                reason: "more than 2^32 - 1 rows in one slice".into(),
            });
        }
        let m = keys.clone().map(|k| k.index() + 1).max().unwrap_or(0);
        let mut offsets = vec![0u32; m + 1];
        for k in keys.clone() {
            offsets[k.index() + 1] += 1;
        }
        for i in 1..=m {
            offsets[i] += offsets[i - 1];
        }
        let mut fill = offsets.clone();
        let mut order = vec![0u32; n];
        let mut seen = 0usize;
        for (i, k) in keys.enumerate() {
            let slot = fill
                .get_mut(k.index())
                .ok_or(ModelError::InvalidParameter {
                    name: "keys",
                    reason: "iterator changed between passes".into(),
                })?;
            if let Some(o) = order.get_mut(*slot as usize) {
                *o = i as u32;
            }
            *slot += 1;
            seen += 1;
        }
        if seen != n {
            return Err(ModelError::InvalidParameter {
                name: "n",
                reason: format!("expected {n} keys, got {seen}"),
            });
        }
        Ok(CustomerGroups { offsets, order })
    }

    /// One past the largest key seen.
    #[must_use]
    pub fn key_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Positions of customer `key`'s transactions (empty for unseen keys).
    #[must_use]
    pub fn indices_of(&self, key: CustomerKey) -> &[u32] {
        let i = key.index();
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.order[a as usize..b as usize],
            _ => &[],
        }
    }

    /// `(key, positions)` for every key with at least one transaction, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (CustomerKey, &[u32])> {
        (0..self.key_count()).filter_map(move |i| {
            let k = CustomerKey::from_index(i as u32);
            let s = self.indices_of(k);
            (!s.is_empty()).then_some((k, s))
        })
    }
}

/// Every customer's purchase occasions, the ones [`summarize`] counts: for each customer with
/// a purchase, in key order, the dates of their occasions in date order (with
/// [`SameDayPurchases::Merge`] one date per purchase day; refunds and returns are not
/// occasions). The first date is the first purchase; the rest are the repeat purchases x.
///
/// ```
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// use crm_analytics::model::{purchase_occasions, CustomerKey, SameDayPurchases, Transaction};
/// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
/// let c = CustomerKey::from_index(0);
/// let tx = vec![
///     Transaction::purchase(c, d(9), Decimal::ONE)?,
///     Transaction::purchase(c, d(2), Decimal::ONE)?,
///     Transaction::purchase(c, d(9), Decimal::ONE)?,
/// ];
/// let occ = purchase_occasions(&tx, SameDayPurchases::Merge)?;
/// assert_eq!(occ, vec![(c, vec![d(2), d(9)])]);
/// # Ok::<(), crm_analytics::model::ModelError>(())
/// ```
///
/// # Errors
/// As [`CustomerGroups::new`]; an overflowing sum of same-day amounts.
pub fn purchase_occasions(
    tx: &[Transaction],
    same_day: SameDayPurchases,
) -> Result<Vec<(CustomerKey, Vec<NaiveDate>)>> {
    let groups = CustomerGroups::new(tx)?;
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for (k, idx) in groups.iter() {
        let occ = occasions(tx, idx, same_day, &mut buf)?;
        if !occ.is_empty() {
            out.push((k, occ.into_iter().map(|o| o.0).collect()));
        }
    }
    Ok(out)
}

/// Purchase occasions of one customer, sorted by date: `(date, value)`.
fn occasions(
    tx: &[Transaction],
    idx: &[u32],
    same_day: SameDayPurchases,
    buf: &mut Vec<(NaiveDate, Option<chrono::NaiveTime>, Decimal)>,
) -> Result<Vec<(NaiveDate, Decimal)>> {
    buf.clear();
    for &i in idx {
        let t = &tx[i as usize];
        if t.is_purchase() {
            buf.push((t.date(), t.details().and_then(|d| d.time), t.amount()));
        }
    }
    buf.sort_unstable();
    let mut out: Vec<(NaiveDate, Decimal)> = Vec::with_capacity(buf.len());
    for &(d, _, a) in buf.iter() {
        match (same_day, out.last_mut()) {
            (SameDayPurchases::Merge, Some((last, v))) if *last == d => {
                *v = v.checked_add(a).ok_or_else(amount_overflow)?;
            }
            _ => out.push((d, a)),
        }
    }
    Ok(out)
}

fn sum(mut values: impl Iterator<Item = Decimal>) -> Result<Decimal> {
    values.try_fold(Decimal::ZERO, |acc, v| {
        acc.checked_add(v).ok_or_else(amount_overflow)
    })
}

/// The error for a sum beyond the decimal range (built only when it happens: no allocation on
/// the hot path).
fn amount_overflow() -> ModelError {
    ModelError::InvalidParameter {
        name: "amount",
        reason: "sum of amounts overflows the decimal range".into(),
    }
}

fn summary_of(
    customer: CustomerKey,
    occ: &[(NaiveDate, Decimal)],
    opts: &SummaryOptions,
) -> Result<Option<PurchaseSummary>> {
    let (Some(&(first, _)), Some(&(last, _))) = (occ.first(), occ.last()) else {
        return Ok(None);
    };
    let frequency = u32::try_from(occ.len() - 1).unwrap_or(u32::MAX);
    let total_spend = sum(occ.iter().map(|o| o.1))?;
    let basis: &[(NaiveDate, Decimal)] = match opts.monetary {
        MonetaryBasis::RepeatMean => &occ[1..],
        MonetaryBasis::AllMean => occ,
    };
    let monetary = if basis.is_empty() {
        None
    } else {
        let s = sum(basis.iter().map(|o| o.1))?;
        s.checked_div(Decimal::from(basis.len()))
    };
    Ok(Some(PurchaseSummary {
        customer,
        frequency,
        recency: opts.unit.elapsed(first, last),
        age: opts.unit.elapsed(first, opts.observation_end),
        monetary,
        first_purchase: first,
        last_purchase: last,
        total_spend,
    }))
}

/// Validates currencies and the late-event policy; returns the number of excluded transactions.
fn check_inputs(
    tx: &[Transaction],
    end: NaiveDate,
    policy: LateEvents,
) -> Result<(usize, usize, Option<Currency>)> {
    let mut guard = CurrencyGuard::new();
    let mut late = 0;
    let mut non_purchases = 0;
    for (i, t) in tx.iter().enumerate() {
        guard.check(t.currency()).map_err(|e| e.at_record(i))?;
        if !t.is_purchase() {
            non_purchases += 1;
        }
        if t.date() > end {
            match policy {
                LateEvents::Reject => {
                    return Err(ModelError::AfterObservationEnd {
                        date: t.date(),
                        end,
                    }
                    .at_record(i));
                }
                LateEvents::Exclude => late += 1,
            }
        }
    }
    Ok((late, non_purchases, guard.currency()))
}

/// One customer's purchase summary as a flat table row, for CSV, JSON or Parquet output (the
/// rows of `crm summary`): customer id, x, t_x, T, monetary value and, for a holdout summary,
/// the holdout purchases, spend and duration. Money is exact decimal text (at most 6 decimals);
/// without amounts in the input it is empty.
///
/// ```
/// use crm_analytics::model::{CustomerInterner, SummaryOptions, SummaryRow, TimeUnit, Transaction, summarize};
/// use crm_analytics::model::{chrono::NaiveDate, rust_decimal::Decimal};
/// let mut ids = CustomerInterner::new();
/// let k = ids.intern("C-1")?;
/// let d = |m| NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
/// let tx = [Transaction::purchase(k, d(1), Decimal::new(10, 0))?, Transaction::purchase(k, d(3), Decimal::new(255, 1))?];
/// let s = summarize(&tx, &SummaryOptions::new(d(6), TimeUnit::Month))?;
/// let row = SummaryRow::new(&s.customers[0], &ids, true);
/// assert_eq!((row.customer_id.as_str(), row.x, row.t_x, row.t, row.monetary.as_str()), ("C-1", 1, 2.0, 5.0, "25.5"));
/// # Ok::<(), crm_analytics::model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRow {
    /// Customer id.
    pub customer_id: String,
    /// Repeat purchases.
    pub x: u32,
    /// Recency.
    pub t_x: f64,
    /// Age.
    #[serde(rename = "T")]
    pub t: f64,
    /// Monetary value (`0` without repeat purchases; empty without amounts).
    pub monetary: String,
    /// Holdout purchases (holdout summaries only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x_holdout: Option<u32>,
    /// Holdout spend (holdout summaries only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spend_holdout: Option<String>,
    /// Holdout duration (holdout summaries only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_holdout: Option<f64>,
}

impl SummaryRow {
    /// The row of `s`, its id looked up in `ids`; `with_money`: the input had amounts.
    pub fn new(s: &PurchaseSummary, ids: &CustomerInterner, with_money: bool) -> Self {
        SummaryRow {
            customer_id: ids
                .id(s.customer)
                .map_or_else(String::new, ToString::to_string),
            x: s.frequency,
            t_x: s.recency,
            t: s.age,
            monetary: money_text(s.monetary, with_money),
            x_holdout: None,
            spend_holdout: None,
            duration_holdout: None,
        }
    }

    /// The row of a holdout summary `h` (calibration columns, then the holdout ones).
    pub fn with_holdout(h: &HoldoutSummary, ids: &CustomerInterner, with_money: bool) -> Self {
        SummaryRow {
            x_holdout: Some(h.holdout_frequency),
            spend_holdout: Some(money_text(Some(h.holdout_spend), with_money)),
            duration_holdout: Some(h.holdout_duration),
            ..SummaryRow::new(&h.calibration, ids, with_money)
        }
    }
}

/// A summary file's rows: every customer's [`SummaryRow`] and what the summary left out.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryTable {
    /// One row per customer, in first-purchase order.
    pub rows: Vec<SummaryRow>,
    /// Transactions after the end left out under [`LateEvents::Exclude`].
    pub excluded_after_end: usize,
    /// Returns and other non-purchases left out.
    pub non_purchases: usize,
    /// Customers whose first purchase falls in the holdout window (not summarised).
    pub first_seen_in_holdout: usize,
}

/// The rows of a summary file of `tx` (ids in `ids`): [`summarize`] up to
/// `options.observation_end`, or with `holdout_end` [`summarize_with_holdout`] (calibration
/// columns, then the holdout ones); `with_money`: the input had amounts.
///
/// # Errors
/// As [`summarize`] and [`summarize_with_holdout`].
pub fn summary_table(
    tx: &[Transaction],
    ids: &CustomerInterner,
    options: &SummaryOptions,
    holdout_end: Option<NaiveDate>,
    with_money: bool,
) -> Result<SummaryTable> {
    Ok(match holdout_end {
        None => {
            let s = summarize(tx, options)?;
            SummaryTable {
                rows: (s.customers.iter())
                    .map(|c| SummaryRow::new(c, ids, with_money))
                    .collect(),
                excluded_after_end: s.excluded_after_end,
                non_purchases: s.non_purchases,
                first_seen_in_holdout: 0,
            }
        }
        Some(h) => {
            let s = summarize_with_holdout(tx, options, h)?;
            SummaryTable {
                rows: (s.customers.iter())
                    .map(|c| SummaryRow::with_holdout(c, ids, with_money))
                    .collect(),
                excluded_after_end: s.excluded_after_end,
                non_purchases: s.non_purchases,
                first_seen_in_holdout: s.first_seen_in_holdout,
            }
        }
    })
}

fn money_text(m: Option<Decimal>, with_money: bool) -> String {
    if !with_money {
        return String::new();
    }
    m.map_or_else(
        || "0".to_string(),
        |v| v.round_dp(6).normalize().to_string(),
    )
}

/// Summarises purchases per customer up to `options.observation_end`.
///
/// # Errors
/// [`ModelError::AtRecord`] wrapping [`ModelError::AfterObservationEnd`] (with
/// [`LateEvents::Reject`]) or [`ModelError::CurrencyMismatch`]; an overflow of the decimal range.
pub fn summarize(tx: &[Transaction], options: &SummaryOptions) -> Result<PurchaseSummaries> {
    let end = options.observation_end;
    let (excluded_after_end, non_purchases, currency) = check_inputs(tx, end, options.late_events)?;
    let groups = CustomerGroups::new(tx)?;
    let mut customers = Vec::with_capacity(groups.key_count());
    let mut buf = Vec::new();
    for (k, idx) in groups.iter() {
        let mut occ = occasions(tx, idx, options.same_day, &mut buf)?;
        occ.retain(|o| o.0 <= end);
        if let Some(s) = summary_of(k, &occ, options)? {
            customers.push(s);
        }
    }
    Ok(PurchaseSummaries {
        customers,
        excluded_after_end,
        non_purchases,
        currency,
    })
}

/// Summarises the calibration window (up to `options.observation_end`) and counts each
/// customer's purchases and spend in the holdout window `(observation_end, holdout_end]`.
///
/// Customers first seen in the holdout are counted, not summarised. The late-event policy applies
/// to transactions after `holdout_end`.
///
/// # Errors
/// [`ModelError::InvalidParameter`] unless `holdout_end > observation_end`; otherwise as
/// [`summarize`].
pub fn summarize_with_holdout(
    tx: &[Transaction],
    options: &SummaryOptions,
    holdout_end: NaiveDate,
) -> Result<HoldoutSummaries> {
    let cal_end = options.observation_end;
    if holdout_end <= cal_end {
        return Err(ModelError::InvalidParameter {
            name: "holdout_end",
            reason: format!("{holdout_end} is not after the calibration end {cal_end}"),
        });
    }
    let (excluded_after_end, non_purchases, currency) =
        check_inputs(tx, holdout_end, options.late_events)?;
    let holdout_duration = options.unit.elapsed(cal_end, holdout_end);
    let groups = CustomerGroups::new(tx)?;
    let mut customers = Vec::with_capacity(groups.key_count());
    let mut first_seen_in_holdout = 0;
    let mut buf = Vec::new();
    for (k, idx) in groups.iter() {
        let mut occ = occasions(tx, idx, options.same_day, &mut buf)?;
        occ.retain(|o| o.0 <= holdout_end);
        let split = occ.partition_point(|o| o.0 <= cal_end);
        let (cal, hold) = occ.split_at(split);
        match summary_of(k, cal, options)? {
            Some(calibration) => customers.push(HoldoutSummary {
                calibration,
                holdout_frequency: u32::try_from(hold.len()).unwrap_or(u32::MAX),
                holdout_spend: sum(hold.iter().map(|o| o.1))?,
                holdout_duration,
            }),
            None if !hold.is_empty() => first_seen_in_holdout += 1,
            None => {}
        }
    }
    Ok(HoldoutSummaries {
        customers,
        first_seen_in_holdout,
        excluded_after_end,
        non_purchases,
        currency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TransactionKind;
    use proptest::prelude::*;

    fn d(off: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Duration::days(off)
    }

    fn tx(c: u32, day: i64, cents: i64) -> Transaction {
        Transaction::purchase(CustomerKey::from_index(c), d(day), Decimal::new(cents, 2)).unwrap()
    }

    #[test]
    fn same_day_merge_and_separate() {
        let t = vec![tx(0, 0, 100), tx(0, 0, 300), tx(0, 7, 500), tx(0, 7, 100)];
        let o = SummaryOptions::new(d(14), TimeUnit::Day);
        let s = summarize(&t, &o).unwrap().customers.remove(0);
        assert_eq!((s.frequency, s.recency, s.age), (1, 7.0, 14.0));
        assert_eq!(s.monetary, Some(Decimal::new(600, 2)));
        assert_eq!(s.total_spend, Decimal::new(1000, 2));
        let s = summarize(&t, &o.same_day(SameDayPurchases::Separate))
            .unwrap()
            .customers
            .remove(0);
        assert_eq!(s.frequency, 3);
        // First purchase: earliest day, smallest amount (1.00); repeats 3.00, 1.00, 5.00.
        assert_eq!(s.monetary, Some(Decimal::new(300, 2)));
        let s = summarize(&t, &o.monetary(MonetaryBasis::AllMean))
            .unwrap()
            .customers
            .remove(0);
        assert_eq!(s.monetary, Some(Decimal::new(500, 2)));
    }

    #[test]
    fn late_events_rejected_or_counted() {
        let t = vec![tx(0, 0, 100), tx(1, 5, 100), tx(1, 30, 100)];
        let o = SummaryOptions::new(d(10), TimeUnit::Day);
        let e = summarize(&t, &o).unwrap_err();
        assert_eq!(
            e.to_string(),
            "record 2: date 2020-01-31 is after the observation end 2020-01-11"
        );
        let s = summarize(&t, &o.late_events(LateEvents::Exclude)).unwrap();
        assert_eq!(s.excluded_after_end, 1);
        assert_eq!(s.customers.len(), 2);
        assert_eq!(s.customers[1].frequency, 0);
        assert_eq!(s.customers[1].monetary, None);
    }

    #[test]
    fn refunds_are_not_purchases_and_currencies_must_agree() {
        let c = CustomerKey::from_index(0);
        let r = Transaction::new(c, d(3), Decimal::ONE, TransactionKind::Refund).unwrap();
        let t = vec![tx(0, 0, 100), r];
        let s = summarize(&t, &SummaryOptions::new(d(10), TimeUnit::Day)).unwrap();
        assert_eq!(s.non_purchases, 1);
        assert_eq!(s.customers[0].frequency, 0);
        let t = vec![
            tx(0, 0, 100).with_currency("USD".parse().unwrap()),
            tx(1, 0, 100).with_currency("EUR".parse().unwrap()),
        ];
        let e = summarize(&t, &SummaryOptions::new(d(10), TimeUnit::Day)).unwrap_err();
        assert!(matches!(e.root(), ModelError::CurrencyMismatch { .. }));
    }

    #[test]
    fn holdout_split() {
        let t = vec![
            tx(0, 0, 100),
            tx(0, 5, 200),
            tx(0, 12, 300),
            tx(0, 13, 50),
            tx(1, 11, 9),
        ];
        let o = SummaryOptions::new(d(9), TimeUnit::Day);
        let h = summarize_with_holdout(&t, &o, d(20)).unwrap();
        assert_eq!(h.customers.len(), 1);
        assert_eq!(h.first_seen_in_holdout, 1);
        let c = &h.customers[0];
        assert_eq!((c.calibration.frequency, c.holdout_frequency), (1, 2));
        assert_eq!(c.holdout_spend, Decimal::new(350, 2));
        assert_eq!(c.holdout_duration, 11.0);
        assert!(summarize_with_holdout(&t, &o, d(9)).is_err());
    }

    proptest! {
        #[test]
        fn invariants_and_order_independence(
            rows in prop::collection::vec((0u32..6, 0i64..60, 0i64..10_000), 1..60),
            seed in any::<u64>(),
        ) {
            let t: Vec<_> = rows.iter().map(|&(c, day, a)| tx(c, day, a)).collect();
            let o = SummaryOptions::new(d(60), TimeUnit::Week);
            let s = summarize(&t, &o).unwrap();
            for c in &s.customers {
                prop_assert!(0.0 <= c.recency && c.recency <= c.age);
                let days: std::collections::BTreeSet<_> = rows.iter()
                    .filter(|r| r.0 == c.customer.get()).map(|r| r.1).collect();
                prop_assert!((c.frequency as usize) < days.len());
            }
            // A deterministic shuffle.
            let mut p = t.clone();
            let mut state = seed | 1;
            for i in (1..p.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                p.swap(i, (state % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(summarize(&p, &o).unwrap(), s.clone());
            let sep = o.same_day(SameDayPurchases::Separate);
            prop_assert_eq!(summarize(&p, &sep).unwrap(), summarize(&t, &sep).unwrap());
        }
    }
}
