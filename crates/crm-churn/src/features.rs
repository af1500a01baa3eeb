//! Churn features of every customer, computed as of a date.
//!
//! Every feature uses only events dated on or before the as-of date (the as-of day is
//! included): transactions after it are ignored, tickets resolved after it count as unresolved,
//! surveys answered after it are not "the last answer". Adding future events therefore never
//! changes a feature (a test checks it), which is what makes a time-based train/test split free
//! of leakage.
//!
//! ```text
//! occasions      = distinct days with a purchase on or before as_of (same-day purchases merged;
//!                  refunds and returns are not purchases)
//! recency_days   = as_of - last purchase day                  (0 = bought on the as-of day)
//! frequency      = number of occasions                        (>= 1: customers without a purchase
//!                                                              on or before as_of are not scored)
//! monetary       = total_spend / frequency                    (mean occasion value)
//! tenure_days    = as_of - first purchase day
//! last, prev     = occasions in (as_of - w, as_of] and in (as_of - 2w, as_of - w], w = trend window
//! trend          = (last - prev) / (last + prev)               in [-1, 1]; 0 when both are 0
//! mean_gap_days  = (last purchase - first purchase) / (frequency - 1)   (None when frequency = 1)
//! gap_ratio      = recency_days / mean_gap_days                (None when frequency = 1)
//! complaints_recent   = complaints opened in (as_of - c, as_of], c = complaint window
//! unresolved_tickets  = complaints and support tickets opened on or before as_of and not
//!                       resolved by the end of the as-of day
//! last_nps, last_csat = the latest answer dated on or before as_of (CSAT rescaled to [0, 1]:
//!                       (value - 1) / (scale max - 1))
//! days_since_contact  = as_of - day of the latest interaction of any kind on or before as_of
//! ```
//!
//! Speed: a two-level counting sort of the purchases by customer key (buckets of 4096 keys, then
//! keys within a bucket, so every scatter stays in cache; [`crm_model::CustomerGroups`] is the
//! one-level version), then one pass per customer; one pass over interactions and surveys into per-key arrays.
//!
//! Reference: Neslin et al. (2006), "Defection detection", *Journal of Marketing Research* 43(2)
//! for the recency/frequency/monetary/trend family; Ascarza et al. (2018), "In pursuit of
//! enhanced customer retention management", *Customer Needs and Solutions* 5, for the service
//! and satisfaction signals.

use chrono::{Datelike, NaiveDate};
use crm_model::{
    CurrencyGuard, CustomerKey, Interaction, InteractionKind, SurveyAnswer, SurveyResponse,
    Transaction, to_f64,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{ChurnError, Result, check_finite};

/// Parameters of [`compute_features`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FeatureOptions {
    /// The as-of date (inclusive): nothing after it is used.
    pub as_of: NaiveDate,
    /// Window w of the trend feature in days (default 90).
    pub trend_window_days: u32,
    /// Window c of `complaints_recent` in days (default 90).
    pub complaint_window_days: u32,
}

impl FeatureOptions {
    /// Options with the defaults: 90-day trend and complaint windows.
    #[must_use]
    pub fn new(as_of: NaiveDate) -> Self {
        FeatureOptions {
            as_of,
            trend_window_days: 90,
            complaint_window_days: 90,
        }
    }
    /// Sets the trend window (days, at least 1).
    #[must_use]
    pub fn trend_window_days(mut self, days: u32) -> Self {
        self.trend_window_days = days;
        self
    }
    /// Sets the complaint window (days, at least 1).
    #[must_use]
    pub fn complaint_window_days(mut self, days: u32) -> Self {
        self.complaint_window_days = days;
        self
    }
    fn check(&self) -> Result<()> {
        if self.trend_window_days == 0 {
            return Err(ChurnError::InvalidParameter {
                name: "trend_window_days",
                reason: "must be at least 1 day".into(),
            });
        }
        if self.complaint_window_days == 0 {
            return Err(ChurnError::InvalidParameter {
                name: "complaint_window_days",
                reason: "must be at least 1 day".into(),
            });
        }
        Ok(())
    }
}

/// One customer's features as of a date (definitions in the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerFeatures {
    /// The customer.
    pub customer: CustomerKey,
    /// First purchase day.
    pub first_purchase: NaiveDate,
    /// Last purchase day on or before as-of.
    pub last_purchase: NaiveDate,
    /// Days from the last purchase to as-of.
    pub recency_days: f64,
    /// Purchase occasions (distinct days) on or before as-of; at least 1.
    pub frequency: u32,
    /// Mean occasion value (total spend / frequency), as `f64`.
    pub monetary: f64,
    /// Total spend on or before as-of, as `f64`.
    pub total_spend: f64,
    /// Days from the first purchase to as-of.
    pub tenure_days: f64,
    /// Occasions in the last trend window `(as_of - w, as_of]`.
    pub purchases_last_window: u32,
    /// Occasions in the window before `(as_of - 2w, as_of - w]`.
    pub purchases_prev_window: u32,
    /// `(last - prev) / (last + prev)`, 0 when both are 0; negative = falling frequency.
    pub trend: f64,
    /// The customer's usual gap between purchases in days; `None` with a single occasion.
    pub mean_gap_days: Option<f64>,
    /// Current gap against the usual gap (`recency_days / mean_gap_days`); `None` with a single
    /// occasion. Above 1: later than usual.
    pub gap_ratio: Option<f64>,
    /// Complaints opened in the complaint window.
    pub complaints_recent: u32,
    /// Days since the latest complaint on or before as-of.
    pub days_since_complaint: Option<f64>,
    /// Complaints and support tickets still open at the end of the as-of day.
    pub unresolved_tickets: u32,
    /// Latest NPS answer (0..=10) on or before as-of.
    pub last_nps: Option<u8>,
    /// Latest CSAT answer on or before as-of, rescaled to [0, 1].
    pub last_csat: Option<f64>,
    /// Days since the latest interaction of any kind on or before as-of.
    pub days_since_contact: Option<f64>,
}

impl CustomerFeatures {
    /// BG/NBD inputs in units of `unit_days` days: `(x, t_x, T)` = (repeat occasions, first to
    /// last purchase, first purchase to as-of).
    #[must_use]
    pub fn bgnbd_inputs(&self, unit_days: f64) -> (u32, f64, f64) {
        let span = (self.last_purchase - self.first_purchase).num_days() as f64;
        (
            self.frequency.saturating_sub(1),
            span / unit_days,
            self.tenure_days / unit_days,
        )
    }
}

/// Per-key aggregates of interactions and surveys.
#[derive(Default, Clone, Copy)]
struct Side {
    last_contact: Option<i32>,
    last_complaint: Option<i32>,
    complaints_recent: u32,
    unresolved: u32,
    nps: Option<(i32, u8)>,
    csat: Option<(i32, f64)>,
}

fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

/// Decimal to f64: mantissa / 10^scale, one correctly rounded division when the mantissa fits
/// 2^53 (any amount with up to 15 significant digits); [`to_f64`] otherwise.
fn amount_f64(a: Decimal) -> f64 {
    const POW10: [f64; 19] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18,
    ];
    let m = a.mantissa();
    match POW10.get(a.scale() as usize) {
        Some(p) if m.unsigned_abs() < (1u128 << 53) => m as f64 / p,
        _ => to_f64(a),
    }
}

fn side_info(
    interactions: &[Interaction],
    surveys: &[SurveyResponse],
    as_of: NaiveDate,
    complaint_window: i32,
    keys: usize,
) -> Vec<Side> {
    if interactions.is_empty() && surveys.is_empty() {
        return Vec::new();
    }
    let a = day(as_of);
    let mut side = vec![Side::default(); keys];
    let end_of_day = as_of.and_hms_opt(23, 59, 59);
    for it in interactions {
        let d = day(it.at().date());
        if d > a {
            continue;
        }
        let Some(s) = side.get_mut(it.customer().index()) else {
            continue;
        };
        s.last_contact = Some(s.last_contact.map_or(d, |c| c.max(d)));
        match it.kind() {
            InteractionKind::Complaint { .. } => {
                s.last_complaint = Some(s.last_complaint.map_or(d, |c| c.max(d)));
                if d > a - complaint_window {
                    s.complaints_recent += 1;
                }
            }
            InteractionKind::SupportTicket { .. } => {}
            _ => continue,
        }
        let open = match (it.resolved_at(), end_of_day) {
            (None, _) => true,
            (Some(r), Some(eod)) => r > eod,
            (Some(_), None) => false,
        };
        if open {
            s.unresolved += 1;
        }
    }
    for r in surveys {
        let Some(c) = r.customer else { continue };
        let d = day(r.date);
        if d > a {
            continue;
        }
        let Some(s) = side.get_mut(c.index()) else {
            continue;
        };
        match r.answer {
            SurveyAnswer::Nps { score } => {
                if s.nps.is_none_or(|(pd, _)| d >= pd) {
                    s.nps = Some((d, score.get()));
                }
            }
            SurveyAnswer::Csat { score } => {
                let max = f64::from(score.scale().max());
                let v = (f64::from(score.get()) - 1.0) / (max - 1.0);
                if s.csat.is_none_or(|(pd, _)| d >= pd) {
                    s.csat = Some((d, v));
                }
            }
            SurveyAnswer::Ces { .. } => {}
        }
    }
    side
}

/// Features of every customer with a purchase on or before `options.as_of`, in key order.
///
/// Cost: two sequential passes over `tx` (partitioning the purchases up to as-of into buckets of
/// 4096 consecutive keys, 16 bytes per purchase, no hashing), then per bucket a cache-resident
/// counting sort by key and one pass per customer over its own contiguous run; interactions and surveys are one pass each into per-key arrays.
/// Amounts enter as `f64` (features are statistics); `total_spend` is their `f64` sum.
///
/// # Errors
/// [`ChurnError::Model`] wrapping a currency mismatch (with the record index);
/// [`ChurnError::InvalidParameter`] for a zero window.
///
/// ```
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::churn::{compute_features, FeatureOptions};
/// use crm_analytics::model::{CustomerKey, Transaction};
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let c = CustomerKey::from_index(0);
/// let tx = [
///     Transaction::purchase(c, d(1, 10), 10.into())?,
///     Transaction::purchase(c, d(2, 9), 30.into())?,
///     Transaction::purchase(c, d(3, 10), 20.into())?,
///     Transaction::purchase(c, d(6, 1), 99.into())?, // after as-of: ignored
/// ];
/// let f = &compute_features(&tx, &[], &[], &FeatureOptions::new(d(4, 9)))?[0];
/// assert_eq!((f.frequency, f.recency_days, f.tenure_days), (3, 30.0, 90.0));
/// assert_eq!(f.monetary, 20.0);
/// assert_eq!(f.mean_gap_days, Some(30.0));      // (Mar 10 - Jan 10) / 2
/// assert_eq!(f.gap_ratio, Some(1.0));           // 30 days since, usual gap 30
/// // Trend windows (Jan 10, Apr 9] and (Oct 12, Jan 10]: Jan 10 is 90 days back, the window before.
/// assert_eq!((f.purchases_last_window, f.purchases_prev_window), (2, 1));
/// # Ok::<(), crm_analytics::churn::ChurnError>(())
/// ```
pub fn compute_features(
    tx: &[Transaction],
    interactions: &[Interaction],
    surveys: &[SurveyResponse],
    options: &FeatureOptions,
) -> Result<Vec<CustomerFeatures>> {
    options.check()?;
    let as_of = options.as_of;
    let w = options.trend_window_days as i32;
    // Pass 1: currencies, and purchases up to as-of per bucket of 2^BUCKET_BITS keys.
    let mut guard = CurrencyGuard::new();
    let mut last_currency = None;
    let mut bucket_len: Vec<usize> = Vec::new();
    let mut purchases_keys = 0usize;
    for (i, t) in tx.iter().enumerate() {
        // Checking only on change keeps the common single-currency case a compare.
        if t.currency() != last_currency {
            guard.check(t.currency()).map_err(|e| e.at_record(i))?;
            last_currency = t.currency();
        }
        if t.is_purchase() && t.date() <= as_of {
            let k = t.customer().index();
            let b = k >> BUCKET_BITS;
            if b >= bucket_len.len() {
                bucket_len.resize(b + 1, 0);
            }
            bucket_len[b] += 1;
            purchases_keys = purchases_keys.max(k + 1);
        }
    }
    let mut bucket_start = Vec::with_capacity(bucket_len.len() + 1);
    bucket_start.push(0usize);
    for l in &bucket_len {
        bucket_start.push(bucket_start[bucket_start.len() - 1] + l);
    }
    // Pass 2: partition the purchases by bucket (a few hundred sequential write streams, which
    // caches handle well, instead of one random write per purchase).
    let total_n = bucket_start[bucket_start.len() - 1];
    let mut part: Vec<Entry> = vec![Entry::default(); total_n];
    let mut fill: Vec<usize> = bucket_start[..bucket_len.len()].to_vec();
    for t in tx {
        if !(t.is_purchase() && t.date() <= as_of) {
            continue;
        }
        let k = t.customer().index();
        if let Some(slot) = fill.get_mut(k >> BUCKET_BITS) {
            if let Some(e) = part.get_mut(*slot) {
                *e = Entry {
                    key: k as u32,
                    day: day(t.date()),
                    amount: amount_f64(t.amount()),
                };
            }
            *slot += 1;
        }
    }
    drop(fill);
    let keys = purchases_keys
        .max(
            interactions
                .iter()
                .map(|i| i.customer().index() + 1)
                .max()
                .unwrap_or(0),
        )
        .max(
            surveys
                .iter()
                .filter_map(|s| s.customer.map(|c| c.index() + 1))
                .max()
                .unwrap_or(0),
        );
    let side = side_info(
        interactions,
        surveys,
        as_of,
        options.complaint_window_days as i32,
        keys,
    );
    // Pass 3, per bucket (cache-resident): counting sort by key, then one pass per customer.
    let width = 1usize << BUCKET_BITS;
    let mut start = vec![0usize; width + 1];
    let mut slot = vec![0usize; width];
    let mut run: Vec<(i32, f64)> = Vec::new();
    let mut out = Vec::with_capacity(purchases_keys);
    for b in 0..bucket_len.len() {
        let entries = &part[bucket_start[b]..bucket_start[b + 1]];
        if entries.is_empty() {
            continue;
        }
        let base = b << BUCKET_BITS;
        start.fill(0);
        for e in entries {
            start[e.key as usize - base + 1] += 1;
        }
        for j in 1..=width {
            start[j] += start[j - 1];
        }
        slot.copy_from_slice(&start[..width]);
        run.clear();
        run.resize(entries.len(), (0, 0.0));
        for e in entries {
            let j = e.key as usize - base;
            run[slot[j]] = (e.day, e.amount);
            slot[j] += 1;
        }
        for j in 0..width {
            let (lo, hi) = (start[j], start[j + 1]);
            if lo < hi {
                let k = base + j;
                let s = side.get(k).copied().unwrap_or_default();
                out.push(customer_features(
                    CustomerKey::from_index(k as u32),
                    &mut run[lo..hi],
                    s,
                    as_of,
                    w,
                ));
            }
        }
    }
    Ok(out)
}

/// log2 of the number of keys per partition bucket in [`compute_features`].
const BUCKET_BITS: u32 = 12;

/// One purchase in the partition pass.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    key: u32,
    day: i32,
    amount: f64,
}

/// Features of one customer from their (unsorted, non-empty) purchase run.
fn customer_features(
    key: CustomerKey,
    run: &mut [(i32, f64)],
    s: Side,
    as_of: NaiveDate,
    w: i32,
) -> CustomerFeatures {
    let a = day(as_of);
    run.sort_unstable_by_key(|e| e.0);
    let first = run.first().map_or(a, |e| e.0);
    let last = run.last().map_or(a, |e| e.0);
    // Distinct days, and distinct days per trend window, from the sorted run.
    let (mut n, mut last_w, mut prev_w) = (0u32, 0u32, 0u32);
    let mut prev_day = i32::MIN;
    let mut total_spend = 0.0;
    for &(d, amount) in run.iter() {
        total_spend += amount;
        if d == prev_day {
            continue;
        }
        prev_day = d;
        n += 1;
        if d > a - w {
            last_w += 1;
        } else if d > a - 2 * w {
            prev_w += 1;
        }
    }
    let n = n.max(1);
    let recency = f64::from(a - last);
    let mean_gap = (n > 1).then(|| f64::from(last - first) / f64::from(n - 1));
    let to_date = |d: i32| NaiveDate::from_num_days_from_ce_opt(d).unwrap_or(as_of);
    CustomerFeatures {
        customer: key,
        first_purchase: to_date(first),
        last_purchase: to_date(last),
        recency_days: recency,
        frequency: n,
        monetary: total_spend / f64::from(n),
        total_spend,
        tenure_days: f64::from(a - first),
        purchases_last_window: last_w,
        purchases_prev_window: prev_w,
        trend: if last_w + prev_w == 0 {
            0.0
        } else {
            (f64::from(last_w) - f64::from(prev_w)) / f64::from(last_w + prev_w)
        },
        mean_gap_days: mean_gap,
        gap_ratio: mean_gap.map(|g| recency / g),
        complaints_recent: s.complaints_recent,
        days_since_complaint: s.last_complaint.map(|c| f64::from(a - c)),
        unresolved_tickets: s.unresolved,
        last_nps: s.nps.map(|x| x.1),
        last_csat: s.csat.map(|x| x.1),
        days_since_contact: s.last_contact.map(|c| f64::from(a - c)),
    }
}

/// A column of a [`FeatureMatrix`] derived from [`CustomerFeatures`].
///
/// Missing values are imputed as documented on each variant, so every column is finite; add the
/// matching indicator column when missingness itself carries information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Feature {
    /// `recency_days`.
    RecencyDays,
    /// `ln(1 + recency_days)`.
    LogRecency,
    /// `frequency` (occasions).
    Frequency,
    /// `ln(frequency)` (frequency >= 1).
    LogFrequency,
    /// `monetary` (mean occasion value).
    Monetary,
    /// `ln(1 + monetary)`.
    LogMonetary,
    /// `ln(1 + total_spend)`.
    LogTotalSpend,
    /// `tenure_days`.
    TenureDays,
    /// `trend` in [-1, 1].
    Trend,
    /// `purchases_last_window`.
    PurchasesLastWindow,
    /// `ln(1 + gap_ratio)`; a single-occasion customer is imputed with
    /// `ln(1 + recency / max(tenure, 1))` = `ln 2` (their only gap is the current one).
    LogGapRatio,
    /// 1 when the customer bought only once, else 0.
    OneTimeBuyer,
    /// `complaints_recent`.
    ComplaintsRecent,
    /// `unresolved_tickets`.
    UnresolvedTickets,
    /// `last_nps`; missing imputed as 7 (a passive, the neutral answer).
    LastNps,
    /// `last_csat` in [0, 1]; missing imputed as 0.5 (the scale midpoint).
    LastCsat,
    /// 1 when an NPS or CSAT answer exists, else 0.
    HasSurvey,
    /// `days_since_contact`; missing (never contacted) imputed as `tenure_days`.
    DaysSinceContact,
}

impl Feature {
    /// The column name (snake case, as serialised).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Feature::RecencyDays => "recency_days",
            Feature::LogRecency => "log_recency",
            Feature::Frequency => "frequency",
            Feature::LogFrequency => "log_frequency",
            Feature::Monetary => "monetary",
            Feature::LogMonetary => "log_monetary",
            Feature::LogTotalSpend => "log_total_spend",
            Feature::TenureDays => "tenure_days",
            Feature::Trend => "trend",
            Feature::PurchasesLastWindow => "purchases_last_window",
            Feature::LogGapRatio => "log_gap_ratio",
            Feature::OneTimeBuyer => "one_time_buyer",
            Feature::ComplaintsRecent => "complaints_recent",
            Feature::UnresolvedTickets => "unresolved_tickets",
            Feature::LastNps => "last_nps",
            Feature::LastCsat => "last_csat",
            Feature::HasSurvey => "has_survey",
            Feature::DaysSinceContact => "days_since_contact",
        }
    }

    /// The value of this column for one customer (always finite for finite inputs).
    #[must_use]
    pub fn value(self, f: &CustomerFeatures) -> f64 {
        match self {
            Feature::RecencyDays => f.recency_days,
            Feature::LogRecency => f.recency_days.max(0.0).ln_1p(),
            Feature::Frequency => f64::from(f.frequency),
            Feature::LogFrequency => f64::from(f.frequency.max(1)).ln(),
            Feature::Monetary => f.monetary,
            Feature::LogMonetary => f.monetary.max(0.0).ln_1p(),
            Feature::LogTotalSpend => f.total_spend.max(0.0).ln_1p(),
            Feature::TenureDays => f.tenure_days,
            Feature::Trend => f.trend,
            Feature::PurchasesLastWindow => f64::from(f.purchases_last_window),
            Feature::LogGapRatio => f
                .gap_ratio
                .unwrap_or(f.recency_days / f.tenure_days.max(1.0))
                .max(0.0)
                .ln_1p(),
            Feature::OneTimeBuyer => f64::from(u8::from(f.frequency <= 1)),
            Feature::ComplaintsRecent => f64::from(f.complaints_recent),
            Feature::UnresolvedTickets => f64::from(f.unresolved_tickets),
            Feature::LastNps => f.last_nps.map_or(7.0, f64::from),
            Feature::LastCsat => f.last_csat.unwrap_or(0.5),
            Feature::HasSurvey => {
                f64::from(u8::from(f.last_nps.is_some() || f.last_csat.is_some()))
            }
            Feature::DaysSinceContact => f.days_since_contact.unwrap_or(f.tenure_days),
        }
    }

    /// Every column, in declaration order.
    pub const ALL: &'static [Feature] = &[
        Feature::RecencyDays,
        Feature::LogRecency,
        Feature::Frequency,
        Feature::LogFrequency,
        Feature::Monetary,
        Feature::LogMonetary,
        Feature::LogTotalSpend,
        Feature::TenureDays,
        Feature::Trend,
        Feature::PurchasesLastWindow,
        Feature::LogGapRatio,
        Feature::OneTimeBuyer,
        Feature::ComplaintsRecent,
        Feature::UnresolvedTickets,
        Feature::LastNps,
        Feature::LastCsat,
        Feature::HasSurvey,
        Feature::DaysSinceContact,
    ];

    /// The column named `name` ([`Feature::name`], e.g. `"log_recency"`); `None` for any other
    /// name (e.g. a column added with [`FeatureMatrix::push_column`]).
    ///
    /// ```
    /// use crm_analytics::churn::Feature;
    /// assert_eq!(Feature::from_name("log_recency"), Some(Feature::LogRecency));
    /// assert_eq!(Feature::from_name("bgnbd_p_alive"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<Feature> {
        Feature::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The purchase-history columns (a good default for transaction-only data).
    pub const PURCHASE: [Feature; 7] = [
        Feature::LogRecency,
        Feature::LogFrequency,
        Feature::LogMonetary,
        Feature::TenureDays,
        Feature::Trend,
        Feature::LogGapRatio,
        Feature::OneTimeBuyer,
    ];
}

/// A dense row-major matrix of feature values with column names: the input of
/// [`crate::LogisticModel::fit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureMatrix {
    names: Vec<String>,
    rows: usize,
    data: Vec<f64>,
}

impl FeatureMatrix {
    /// The chosen columns for every customer, in the order of `features`.
    #[must_use]
    pub fn from_features(features: &[CustomerFeatures], columns: &[Feature]) -> Self {
        let mut data = Vec::with_capacity(features.len() * columns.len());
        for f in features {
            for c in columns {
                data.push(c.value(f));
            }
        }
        FeatureMatrix {
            names: columns.iter().map(|c| c.name().to_string()).collect(),
            rows: features.len(),
            data,
        }
    }

    /// A matrix from rows (each of `names.len()` values).
    ///
    /// # Errors
    /// [`ChurnError::LengthMismatch`] for a row of the wrong width; [`ChurnError::NotFinite`].
    pub fn from_rows(names: Vec<String>, rows: &[Vec<f64>]) -> Result<Self> {
        let mut data = Vec::with_capacity(rows.len() * names.len());
        for r in rows {
            if r.len() != names.len() {
                return Err(ChurnError::LengthMismatch {
                    what: "feature row vs column names",
                    left: r.len(),
                    right: names.len(),
                });
            }
            data.extend_from_slice(r);
        }
        for (j, name) in names.iter().enumerate() {
            let col: Vec<f64> = rows.iter().map(|r| r[j]).collect();
            check_finite(name, &col)?;
        }
        Ok(FeatureMatrix {
            names,
            rows: rows.len(),
            data,
        })
    }

    /// Appends a column (one value per row), e.g. a BG/NBD expectation.
    ///
    /// # Errors
    /// [`ChurnError::LengthMismatch`] when `values.len()` differs from the row count;
    /// [`ChurnError::NotFinite`].
    pub fn push_column(&mut self, name: impl Into<String>, values: &[f64]) -> Result<()> {
        let name = name.into();
        if values.len() != self.rows {
            return Err(ChurnError::LengthMismatch {
                what: "new column vs matrix rows",
                left: values.len(),
                right: self.rows,
            });
        }
        check_finite(&name, values)?;
        let p = self.names.len();
        let mut data = Vec::with_capacity(self.rows * (p + 1));
        for (i, v) in values.iter().enumerate() {
            data.extend_from_slice(&self.data[i * p..(i + 1) * p]);
            data.push(*v);
        }
        self.data = data;
        self.names.push(name);
        Ok(())
    }

    /// The rows at `indices` (in that order), e.g. one cross-validation fold.
    #[must_use]
    pub fn select_rows(&self, indices: &[usize]) -> Self {
        let p = self.names.len();
        let mut data = Vec::with_capacity(indices.len() * p);
        for &i in indices {
            if i < self.rows {
                data.extend_from_slice(&self.data[i * p..(i + 1) * p]);
            }
        }
        FeatureMatrix {
            names: self.names.clone(),
            rows: data.len() / p.max(1),
            data,
        }
    }

    /// Column names.
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// Number of rows.
    #[must_use]
    pub fn n_rows(&self) -> usize {
        self.rows
    }
    /// Number of columns.
    #[must_use]
    pub fn n_cols(&self) -> usize {
        self.names.len()
    }
    /// Row `i` (empty when out of range).
    #[must_use]
    pub fn row(&self, i: usize) -> &[f64] {
        let p = self.names.len();
        self.data.get(i * p..(i + 1) * p).unwrap_or(&[])
    }
}
