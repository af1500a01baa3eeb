//! Engagement: active customers, cohort retention matrices, funnels, complaints and referrals.

use crm_model::chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use crm_model::{
    CustomerKey, Funnel, FunnelEvent, Interaction, InteractionKind, Limits, ModelError, Transaction,
};
use serde::Serialize;

use crate::error::{MetricsError, Result};

/// A set of customer keys as a bitset (mergeable by union).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct KeySet(Vec<u64>);

impl KeySet {
    fn insert(&mut self, k: CustomerKey) {
        let i = k.index();
        if i / 64 >= self.0.len() {
            self.0.resize(i / 64 + 1, 0);
        }
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn union(&mut self, o: &KeySet) {
        if o.0.len() > self.0.len() {
            self.0.resize(o.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a |= b;
        }
    }
    fn len(&self) -> u64 {
        self.0.iter().map(|w| u64::from(w.count_ones())).sum()
    }
}

// ---------------------------------------------------------------------------------------------
// Active customers
// ---------------------------------------------------------------------------------------------

/// Mergeable count of distinct customers with a purchase in the last `days` days up to `as_of`.
///
/// ```text
/// active(as_of, N) = |{ customers with a purchase dated in (as_of - N days, as_of] }|
/// ```
///
/// N = 30 is typical ("monthly active customers"); N = 7 weekly. Refunds and returns are not
/// activity. Edge case: N = 0 is [`MetricsError::InvalidParameter`]. Reference: Farris et al.
/// (2010), "Marketing Metrics", ch. 5 (active customers).
///
/// ```
/// use crm_analytics::metrics::engagement::ActiveState;
/// use crm_analytics::model::{CustomerKey, Transaction};
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let t = |c, date| Transaction::purchase(CustomerKey::from_index(c), date, Decimal::ONE);
/// let mut s = ActiveState::new(d(3, 31), 30)?;       // window 2024-03-02 ..= 2024-03-31
/// for tx in [t(0, d(3, 30))?, t(0, d(3, 5))?, t(1, d(3, 1))?, t(2, d(3, 2))?, t(3, d(4, 1))?] {
///     s.push(&tx);
/// }
/// assert_eq!(s.finish(), 2);                          // customers 0 and 2
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveState {
    first: NaiveDate,
    as_of: NaiveDate,
    seen: KeySet,
}

impl ActiveState {
    /// A state for the window of `days` days ending on `as_of` (inclusive).
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] when `days` is 0 or the window leaves the calendar.
    pub fn new(as_of: NaiveDate, days: u32) -> Result<Self> {
        let first = (days > 0)
            .then(|| as_of.checked_sub_days(Days::new(u64::from(days) - 1)))
            .flatten()
            .ok_or(MetricsError::InvalidParameter {
                name: "active window days",
                value: days.to_string(),
                reason: "must be at least 1 and inside the calendar",
            })?;
        Ok(ActiveState {
            first,
            as_of,
            seen: KeySet::default(),
        })
    }
    /// Adds a transaction (ignored unless it is a purchase inside the window).
    pub fn push(&mut self, t: &Transaction) {
        if t.is_purchase() && t.date() >= self.first && t.date() <= self.as_of {
            self.seen.insert(t.customer());
        }
    }
    /// Combines two states.
    ///
    /// # Errors
    /// [`MetricsError::Incompatible`] for different windows.
    pub fn merge(&mut self, o: &ActiveState) -> Result<()> {
        if (o.first, o.as_of) != (self.first, self.as_of) {
            return Err(MetricsError::Incompatible {
                what: "active windows",
                left: format!("{}..={}", self.first, self.as_of),
                right: format!("{}..={}", o.first, o.as_of),
            });
        }
        self.seen.union(&o.seen);
        Ok(())
    }
    /// Number of distinct active customers.
    #[must_use]
    pub fn finish(&self) -> u64 {
        self.seen.len()
    }
}

/// Active customers in the `days` days up to `as_of` (see [`ActiveState`]).
///
/// ```
/// use crm_analytics::metrics::model::chrono::NaiveDate;
/// use crm_analytics::metrics::model::{CustomerKey, Transaction};
/// use crm_analytics::metrics::engagement::active_customers;
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let buy = |c, day| Transaction::purchase(CustomerKey::from_index(c), day, 10.into());
/// let tx = [buy(0, d(6, 30))?, buy(0, d(6, 1))?, buy(1, d(5, 31))?, buy(2, d(7, 1))?];
/// // The 30 days up to and including 2024-06-30 are June 1..=30: customers 0 (twice) only;
/// // 1 bought the day before, 2 the day after.
/// assert_eq!(active_customers(&tx, d(6, 30), 30)?, 1);
/// assert_eq!(active_customers(&tx, d(6, 30), 31)?, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`ActiveState::new`].
pub fn active_customers(tx: &[Transaction], as_of: NaiveDate, days: u32) -> Result<u64> {
    let mut s = ActiveState::new(as_of, days)?;
    for t in tx {
        s.push(t);
    }
    Ok(s.finish())
}

// ---------------------------------------------------------------------------------------------
// Cohort retention matrix
// ---------------------------------------------------------------------------------------------

/// Acquisition-cohort granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortPeriod {
    /// ISO weeks starting Monday.
    Week,
    /// Calendar months (default).
    #[default]
    Month,
}

impl crm_model::Named for CohortPeriod {
    const CHOICES: &'static [crm_model::Choice<Self>] = &[
        crm_model::Choice::new("week", CohortPeriod::Week, "ISO weeks (Monday start)."),
        crm_model::Choice::new("month", CohortPeriod::Month, "Calendar months."),
    ];
}

impl CohortPeriod {
    /// Absolute period number of `d` (months since year 0; weeks since 0001-01-01, a Monday).
    fn index(self, d: NaiveDate) -> i64 {
        match self {
            CohortPeriod::Month => i64::from(d.year()) * 12 + i64::from(d.month0()),
            CohortPeriod::Week => (i64::from(d.num_days_from_ce()) - 1).div_euclid(7),
        }
    }
    /// First day of absolute period `i`.
    fn start_of(self, i: i64) -> Option<NaiveDate> {
        match self {
            CohortPeriod::Month => NaiveDate::from_ymd_opt(
                i32::try_from(i.div_euclid(12)).ok()?,
                u32::try_from(i.rem_euclid(12)).ok()? + 1,
                1,
            ),
            CohortPeriod::Week => {
                NaiveDate::from_num_days_from_ce_opt(i32::try_from(i * 7 + 1).ok()?)
            }
        }
    }
}

/// Classic or rolling cohort retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortRetention {
    /// Share of the cohort active in period k (default; "N-day/N-month retention").
    #[default]
    Classic,
    /// Share of the cohort active in period k or any later period ("unbounded" retention);
    /// never increases with k.
    Rolling,
}

impl crm_model::Named for CohortRetention {
    const CHOICES: &'static [crm_model::Choice<Self>] = &[
        crm_model::Choice::new("classic", CohortRetention::Classic, "Active in period k."),
        crm_model::Choice::new(
            "rolling",
            CohortRetention::Rolling,
            "Active in period k or later.",
        ),
    ];
}

/// Mergeable cohort state: per customer, a bitset of the periods with a purchase.
///
/// A customer's cohort is the period of their first purchase; period k of a cohort is the k-th
/// period after it (k = 0 is the acquisition period). Merging unions the bitsets, so any
/// partition of the transactions gives the single-pass matrix. Customer keys must come from one
/// interner.
///
/// ```
/// use crm_analytics::metrics::engagement::{CohortPeriod, CohortRetention, CohortState};
/// use crm_analytics::model::{CustomerKey, Transaction};
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// let d = |m| NaiveDate::from_ymd_opt(2024, m, 10).unwrap();
/// let t = |c, m| Transaction::purchase(CustomerKey::from_index(c), d(m), Decimal::ONE);
/// let mut s = CohortState::new(CohortPeriod::Month);
/// // January cohort: customers 0, 1, 2; February cohort: customer 3.
/// for tx in [t(0, 1)?, t(1, 1)?, t(2, 1)?, t(0, 2)?, t(1, 3)?, t(3, 2)?, t(3, 3)?] {
///     s.push(&tx)?;
/// }
/// let m = s.finish()?;
/// let jan = &m.cohorts[0];
/// assert_eq!((jan.size, jan.active.clone(), jan.rolling.clone()), (3, vec![3, 1, 1], vec![3, 2, 1]));
/// assert_eq!(jan.rates(CohortRetention::Classic), vec![1.0, 1.0 / 3.0, 1.0 / 3.0]);
/// assert_eq!(m.cohorts[1].active, vec![1, 1]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortState {
    period: CohortPeriod,
    /// Absolute period number of bit 0.
    base: i64,
    /// Words of 64 periods per customer (0 until the first purchase).
    words: usize,
    /// Customer rows allocated.
    customers: usize,
    /// Row-major: customer c owns `bits[c * words..(c + 1) * words]`.
    bits: Vec<u64>,
    /// Smallest and largest absolute period marked so far.
    range: Option<(i64, i64)>,
    /// The most periods the matrix may span.
    limits: Limits,
}

impl CohortState {
    /// An empty state with the default [`Limits`].
    #[must_use]
    pub fn new(period: CohortPeriod) -> Self {
        Self::with_limits(period, Limits::default())
    }

    /// An empty state whose matrix may span at most `limits.max_periods` months
    /// (`limits.max_weekly_periods` weeks) between the first and last purchase; a purchase
    /// beyond that is [`ModelError::LimitExceeded`] instead of an allocation for every period
    /// in between.
    #[must_use]
    pub fn with_limits(period: CohortPeriod, limits: Limits) -> Self {
        CohortState {
            period,
            base: 0,
            words: 0,
            customers: 0,
            bits: Vec::new(),
            range: None,
            limits,
        }
    }

    fn max_periods(&self) -> usize {
        match self.period {
            CohortPeriod::Month => self.limits.max_periods,
            CohortPeriod::Week => self.limits.max_weekly_periods,
        }
    }

    /// Accepts absolute period `idx` if the span with it stays within the limits.
    fn admit(&mut self, idx: i64) -> Result<()> {
        let (lo, hi) = self
            .range
            .map_or((idx, idx), |(l, h)| (l.min(idx), h.max(idx)));
        let needed = u64::try_from(hi - lo).unwrap_or(u64::MAX).saturating_add(1);
        let limit = self.max_periods() as u64;
        if needed > limit {
            return Err(ModelError::LimitExceeded {
                what: "cohort matrix",
                field: match self.period {
                    CohortPeriod::Month => "max_periods",
                    CohortPeriod::Week => "max_weekly_periods",
                },
                needed,
                limit,
            }
            .into());
        }
        self.range = Some((lo, hi));
        Ok(())
    }

    /// An empty state pre-sized for `customers` keys and dates in `[first, last]` (avoids
    /// re-layouts; any date still works).
    #[must_use]
    pub fn with_range(
        period: CohortPeriod,
        customers: usize,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Self {
        let (lo, hi) = (period.index(first.min(last)), period.index(first.max(last)));
        let mut s = Self::new(period);
        // Pre-size only within the limits (a hostile range must not allocate).
        if usize::try_from(hi - lo).is_ok_and(|span| span < s.max_periods()) {
            let words = usize::try_from((hi - lo) / 64 + 1).unwrap_or(1);
            s.base = lo;
            s.words = words;
            s.customers = customers;
            s.bits = vec![0; customers.saturating_mul(words)];
        }
        s
    }

    /// The granularity.
    #[must_use]
    pub fn period(&self) -> CohortPeriod {
        self.period
    }

    /// Calls `f(customer, absolute period)` for every set bit.
    fn for_each_bit(&self, mut f: impl FnMut(usize, i64)) {
        for c in 0..self.customers {
            for w in 0..self.words {
                let mut word = self.bits[c * self.words + w];
                while word != 0 {
                    let b = word.trailing_zeros() as usize;
                    word &= word - 1;
                    f(c, self.base + (w * 64 + b) as i64);
                }
            }
        }
    }

    /// Smallest and largest absolute period with a purchase.
    fn seen(&self) -> Option<(i64, i64)> {
        let mut cols = vec![0u64; self.words];
        for row in self.bits.chunks_exact(self.words.max(1)) {
            for (a, b) in cols.iter_mut().zip(row) {
                *a |= b;
            }
        }
        let fw = cols.iter().position(|&w| w != 0)?;
        let lw = cols.iter().rposition(|&w| w != 0)?;
        let lo = fw * 64 + cols[fw].trailing_zeros() as usize;
        let hi = lw * 64 + 63 - cols[lw].leading_zeros() as usize;
        Some((self.base + lo as i64, self.base + hi as i64))
    }

    /// Grows the layout so that period `idx` and customer row `customer` exist.
    #[cold]
    fn grow(&mut self, idx: i64, customer: usize) {
        if self.words == 0 {
            self.base = idx;
            self.words = 1;
            self.customers = 0;
            self.bits.clear();
        }
        let span = 64 * self.words as i64;
        let top = self.base + span;
        let customers = if customer >= self.customers {
            (customer + 1).max(self.customers * 2)
        } else {
            self.customers
        };
        if idx >= self.base && idx < top {
            // Rows are customer-major: new customers only append rows.
            self.customers = customers;
            self.bits.resize(customers * self.words, 0);
            return;
        }
        // Widen by at least the current span on the side that overflowed.
        let base = if idx < self.base {
            idx.min(self.base - span)
        } else {
            self.base
        };
        let new_top = if idx >= top {
            idx.max(top + span) + 1
        } else {
            top
        };
        let words = usize::try_from((new_top - base + 63) / 64).unwrap_or(1);
        let mut bits = vec![0u64; customers.saturating_mul(words)];
        self.for_each_bit(|c, abs| {
            let q = usize::try_from(abs - base).unwrap_or(0);
            bits[c * words + q / 64] |= 1 << (q % 64);
        });
        self.bits = bits;
        self.base = base;
        self.words = words;
        self.customers = customers;
    }

    #[inline]
    fn mark(&mut self, customer: usize, idx: i64) {
        let q = idx - self.base;
        if !(q >= 0 && q < 64 * self.words as i64 && customer < self.customers) {
            self.grow(idx, customer);
        }
        let q = usize::try_from(idx - self.base).unwrap_or(0);
        if let Some(w) = self.bits.get_mut(customer * self.words + q / 64) {
            *w |= 1 << (q % 64);
        }
    }

    /// Adds a transaction (purchases only; refunds and returns are not activity).
    ///
    /// # Errors
    /// [`ModelError::LimitExceeded`] when the purchases would span more periods than the
    /// state's [`Limits`] allow (the state is left unchanged).
    pub fn push(&mut self, t: &Transaction) -> Result<()> {
        if t.is_purchase() {
            let idx = self.period.index(t.date());
            self.admit(idx)?;
            self.mark(t.customer().index(), idx);
        }
        Ok(())
    }

    /// Combines two states of the same granularity.
    ///
    /// # Errors
    /// [`MetricsError::Incompatible`] for different granularities; [`ModelError::LimitExceeded`]
    /// when the union would span more periods than this state's [`Limits`] allow (the state is
    /// left unchanged).
    pub fn merge(&mut self, o: &CohortState) -> Result<()> {
        if o.period != self.period {
            return Err(MetricsError::Incompatible {
                what: "cohort periods",
                left: format!("{:?}", self.period),
                right: format!("{:?}", o.period),
            });
        }
        if let Some((lo, hi)) = o.range {
            let before = self.range;
            self.admit(lo)?;
            if let Err(e) = self.admit(hi) {
                self.range = before;
                return Err(e);
            }
        }
        o.for_each_bit(|c, abs| self.mark(c, abs));
        Ok(())
    }

    /// The cohort matrix.
    ///
    /// # Errors
    /// [`MetricsError::Empty`] without purchases.
    pub fn finish(&self) -> Result<CohortMatrix> {
        let (lo, hi) = self.seen().ok_or(MetricsError::Empty {
            metric: "cohort matrix",
        })?;
        let periods = usize::try_from(hi - lo + 1).unwrap_or(0);
        let off = usize::try_from(lo - self.base).unwrap_or(0);
        // Classic counts and last-active-offset histograms per cohort (relative to lo).
        let mut active: Vec<Vec<u64>> = (0..periods).map(|c| vec![0; periods - c]).collect();
        let mut last: Vec<Vec<u64>> = active.clone();
        for row in self.bits.chunks_exact(self.words.max(1)) {
            let Some(fw) = row.iter().position(|&w| w != 0) else {
                continue;
            };
            let first = fw * 64 + row[fw].trailing_zeros() as usize;
            let cohort = first - off;
            let mut last_q = first;
            for (w, &word0) in row.iter().enumerate().skip(fw) {
                let mut word = word0;
                while word != 0 {
                    let b = word.trailing_zeros() as usize;
                    word &= word - 1;
                    let q = w * 64 + b;
                    active[cohort][q - first] += 1;
                    last_q = q;
                }
            }
            last[cohort][last_q - first] += 1;
        }
        let mut cohorts = Vec::new();
        for (c, (act, lst)) in active.into_iter().zip(last).enumerate() {
            let size = act.first().copied().unwrap_or(0);
            if size == 0 {
                continue;
            }
            let mut rolling = lst;
            for k in (0..rolling.len().saturating_sub(1)).rev() {
                rolling[k] += rolling[k + 1];
            }
            let start = self
                .period
                .start_of(lo + c as i64)
                .ok_or(ModelError::DateOverflow)?;
            cohorts.push(CohortRow {
                start,
                size,
                active: act,
                rolling,
            });
        }
        Ok(CohortMatrix {
            period: self.period,
            cohorts,
        })
    }
}

/// A cohort retention matrix: one row per acquisition period with purchases.
///
/// ```text
/// size_c          = customers whose first purchase falls in period c
/// active_c[k]     = customers of cohort c with a purchase in period c + k      (classic)
/// rolling_c[k]    = customers of cohort c with a purchase in period c + k or later (rolling)
/// rate_c[k]       = count_c[k] / size_c          (classic rate in [0, 1]; rate_c[0] = 1)
/// ```
///
/// Rows run to the last period with any purchase in the data, so later cohorts have shorter
/// rows (the triangle). Reference: Fader & Hardie (2010), "Customer-base valuation in a
/// contractual setting: the perils of ignoring heterogeneity", Marketing Science (cohort tables);
/// Amplitude / Mixpanel documentation for classic ("N-day") versus rolling ("unbounded") retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortMatrix {
    /// Granularity.
    pub period: CohortPeriod,
    /// Cohorts in time order.
    pub cohorts: Vec<CohortRow>,
}

/// One cohort of a [`CohortMatrix`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortRow {
    /// First day of the acquisition period.
    pub start: NaiveDate,
    /// Customers acquired.
    pub size: u64,
    /// Classic counts by period offset k = 0, 1, ...
    pub active: Vec<u64>,
    /// Rolling counts by period offset.
    pub rolling: Vec<u64>,
}

impl CohortRow {
    /// Retention rates by period offset (size is never 0).
    #[must_use]
    pub fn rates(&self, kind: CohortRetention) -> Vec<f64> {
        let counts = match kind {
            CohortRetention::Classic => &self.active,
            CohortRetention::Rolling => &self.rolling,
        };
        counts
            .iter()
            .map(|&c| c as f64 / self.size as f64)
            .collect()
    }
}

/// Cohort matrix of `tx` in one call (one pass; the state grows as keys and dates arrive).
///
/// ```
/// use crm_analytics::metrics::model::chrono::NaiveDate;
/// use crm_analytics::metrics::model::{CustomerKey, Transaction};
/// use crm_analytics::metrics::engagement::{cohort_matrix, CohortPeriod, CohortRetention};
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let buy = |c, day| Transaction::purchase(CustomerKey::from_index(c), day, 10.into());
/// let tx = [
///     buy(0, d(1, 5))?, buy(0, d(3, 9))?,     // January cohort: active in months 0 and 2
///     buy(1, d(1, 20))?, buy(1, d(2, 2))?,    // January cohort: active in months 0 and 1
///     buy(2, d(2, 14))?,                      // February cohort
/// ];
/// let m = cohort_matrix(&tx, CohortPeriod::Month)?;
/// let jan = &m.cohorts[0];
/// assert_eq!((jan.size, jan.active.clone()), (2, vec![2, 1, 1]));
/// assert_eq!(jan.rates(CohortRetention::Classic), vec![1.0, 0.5, 0.5]);
/// assert_eq!(jan.rolling, vec![2, 2, 1]);  // active in month k or later
/// assert_eq!(m.cohorts[1].size, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`MetricsError::Empty`] without purchases; [`ModelError::LimitExceeded`] (inside
/// [`ModelError::AtRecord`], the transaction's index) when the purchases span more periods
/// than the default [`Limits`] (see [`cohort_matrix_with_limits`]).
pub fn cohort_matrix(tx: &[Transaction], period: CohortPeriod) -> Result<CohortMatrix> {
    cohort_matrix_with_limits(tx, period, Limits::default())
}

/// [`cohort_matrix`] with explicit [`Limits`] (raise `max_periods` for very long histories).
///
/// ```
/// use crm_analytics::metrics::engagement::{cohort_matrix, cohort_matrix_with_limits, CohortPeriod};
/// use crm_analytics::model::{CustomerKey, Limits, Transaction};
/// use crm_analytics::model::chrono::NaiveDate;
/// let buy = |c, y| Transaction::purchase(CustomerKey::from_index(c),
///                                        NaiveDate::from_ymd_opt(y, 1, 1).unwrap(), 10.into());
/// let tx = [buy(0, 1)?, buy(1, 9999)?];          // 120 000 months apart
/// assert!(cohort_matrix(&tx, CohortPeriod::Month).is_err());
/// let wide = Limits { max_periods: 120_000, ..Limits::default() };
/// let tx = [buy(0, 1900)?, buy(1, 2024)?];       // 1489 months: above the default 1200
/// assert!(cohort_matrix(&tx, CohortPeriod::Month).is_err());
/// assert_eq!(cohort_matrix_with_limits(&tx, CohortPeriod::Month, wide)?.cohorts.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`cohort_matrix`].
pub fn cohort_matrix_with_limits(
    tx: &[Transaction],
    period: CohortPeriod,
    limits: Limits,
) -> Result<CohortMatrix> {
    let mut s = CohortState::with_limits(period, limits);
    for (i, t) in tx.iter().enumerate() {
        s.push(t).map_err(|e| match e {
            MetricsError::Model(m) => MetricsError::Model(m.at_record(i)),
            other => other,
        })?;
    }
    s.finish()
}

// ---------------------------------------------------------------------------------------------
// Funnels
// ---------------------------------------------------------------------------------------------

/// How a subject counts as having reached a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelOrder {
    /// Default: the subject reached every earlier stage, each (earliest time) no later than the
    /// next, as product-analytics funnels count.
    #[default]
    Sequential,
    /// The subject has an event at this stage and every earlier stage, in any order.
    AnyOrder,
}

impl crm_model::Named for FunnelOrder {
    const CHOICES: &'static [crm_model::Choice<Self>] = &[
        crm_model::Choice::new(
            "sequential",
            FunnelOrder::Sequential,
            "Stages reached in order (default).",
        ),
        crm_model::Choice::new("any", FunnelOrder::AnyOrder, "Stages reached in any order."),
    ];
}

/// Mergeable funnel state: each subject's earliest time at each stage.
///
/// ```
/// use crm_analytics::metrics::engagement::{FunnelOrder, FunnelState};
/// use crm_analytics::model::{CustomerKey, Funnel, FunnelEvent};
/// use crm_analytics::model::chrono::NaiveDate;
/// let f = Funnel::new(["visit", "signup", "paid"])?;
/// let at = |d, h| NaiveDate::from_ymd_opt(2024, 5, d).unwrap().and_hms_opt(h, 0, 0).unwrap();
/// let ev = |s, stage, t| FunnelEvent::new(CustomerKey::from_index(s), stage, t);
/// let mut st = FunnelState::new(f);
/// for e in [ev(0, "visit", at(1, 9))?, ev(0, "signup", at(1, 10))?, ev(0, "paid", at(3, 10))?,
///           ev(1, "visit", at(1, 9))?, ev(1, "signup", at(1, 13))?,
///           ev(2, "visit", at(2, 9))?, ev(3, "visit", at(2, 9))?] {
///     st.push(&e)?;
/// }
/// let r = st.finish(FunnelOrder::Sequential)?;
/// let reached: Vec<u64> = r.steps.iter().map(|s| s.reached).collect();
/// assert_eq!(reached, vec![4, 2, 1]);
/// assert_eq!(r.steps[1].step_conversion, Some(0.5));
/// assert_eq!(r.steps[2].overall_conversion, Some(0.25));
/// assert_eq!(r.steps[1].drop_off, 2);
/// assert_eq!(r.steps[1].median_hours_from_previous, Some(2.5)); // median of 1 h and 4 h
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelState {
    funnel: Funnel,
    times: Vec<Option<NaiveDateTime>>,
}

impl FunnelState {
    /// An empty state for `funnel`.
    #[must_use]
    pub fn new(funnel: Funnel) -> Self {
        FunnelState {
            funnel,
            times: Vec::new(),
        }
    }
    /// Adds an event.
    ///
    /// # Errors
    /// [`ModelError::Unknown`] for a stage not in the funnel.
    pub fn push(&mut self, e: &FunnelEvent) -> Result<()> {
        let stage = self
            .funnel
            .stage_index(e.stage())
            .ok_or_else(|| ModelError::Unknown {
                field: "funnel stage",
                value: e.stage().to_string(),
            })?;
        let k = self.funnel.stages().len();
        let i = e.subject().index() * k + stage;
        if i >= self.times.len() {
            self.times.resize((e.subject().index() + 1) * k, None);
        }
        let slot = &mut self.times[i];
        *slot = Some(slot.map_or(e.at(), |t| t.min(e.at())));
        Ok(())
    }
    /// The state of `events` pushed in order (one call).
    ///
    /// # Errors
    /// As [`FunnelState::push`], wrapped in [`ModelError::AtRecord`] with the event's index.
    pub fn from_events(funnel: Funnel, events: &[FunnelEvent]) -> Result<Self> {
        let mut s = FunnelState::new(funnel);
        for (i, e) in events.iter().enumerate() {
            s.push(e).map_err(|err| crate::error::at_record(err, i))?;
        }
        Ok(s)
    }
    /// Combines two states of the same funnel.
    ///
    /// # Errors
    /// [`MetricsError::Incompatible`] for different funnels.
    pub fn merge(&mut self, o: &FunnelState) -> Result<()> {
        if o.funnel != self.funnel {
            return Err(MetricsError::Incompatible {
                what: "funnels",
                left: self.funnel.stages().join(" > "),
                right: o.funnel.stages().join(" > "),
            });
        }
        if o.times.len() > self.times.len() {
            self.times.resize(o.times.len(), None);
        }
        for (a, b) in self.times.iter_mut().zip(&o.times) {
            *a = match (*a, *b) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            };
        }
        Ok(())
    }
    /// The funnel report.
    ///
    /// # Errors
    /// [`MetricsError::Empty`] when no subject reached the first stage.
    pub fn finish(&self, order: FunnelOrder) -> Result<FunnelReport> {
        let k = self.funnel.stages().len();
        let mut reached = vec![0u64; k];
        let mut gaps: Vec<Vec<i64>> = vec![Vec::new(); k];
        for subject in self.times.chunks(k) {
            for s in 0..k {
                let Some(t) = subject[s] else { break };
                if s > 0 {
                    let Some(prev) = subject[s - 1] else { break };
                    if order == FunnelOrder::Sequential && t < prev {
                        break;
                    }
                    if t >= prev {
                        gaps[s].push((t - prev).num_seconds());
                    }
                }
                reached[s] += 1;
            }
        }
        let first = reached.first().copied().unwrap_or(0);
        if first == 0 {
            return Err(MetricsError::Empty {
                metric: "funnel (nobody reached the first stage)",
            });
        }
        let steps = (0..k)
            .map(|s| {
                let prev = if s == 0 { reached[0] } else { reached[s - 1] };
                let rate = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
                FunnelStep {
                    stage: self.funnel.stages()[s].clone(),
                    reached: reached[s],
                    step_conversion: rate(reached[s], prev),
                    overall_conversion: rate(reached[s], first),
                    drop_off: prev - reached[s],
                    drop_off_rate: rate(prev - reached[s], prev),
                    median_hours_from_previous: median(&mut gaps[s].clone()).map(|x| x / 3600.0),
                }
            })
            .collect();
        Ok(FunnelReport { steps })
    }
}

fn median(v: &mut [i64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0
    })
}

/// Funnel conversion by stage.
///
/// ```text
/// reached_i            = subjects counted at stage i (see FunnelOrder)
/// step conversion_i    = reached_i / reached_(i-1)          (stage 0: 1)
/// overall conversion_i = reached_i / reached_0
/// drop-off_i           = reached_(i-1) - reached_i, rate = drop-off_i / reached_(i-1)
/// median time_i        = median of (earliest t_i - earliest t_(i-1)) over subjects reaching i
/// ```
///
/// Reference: Jansen & Schuster (2011), "Bidding on the buying funnel for sponsored search",
/// J. Electronic Commerce Research 12(1); Mixpanel "Funnels" documentation (conversion window
/// and order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelReport {
    /// One entry per stage, in funnel order.
    pub steps: Vec<FunnelStep>,
}

/// One stage of a [`FunnelReport`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelStep {
    /// Stage name.
    pub stage: String,
    /// Subjects that reached it.
    pub reached: u64,
    /// From the previous stage, in [0, 1] (`None` when the previous stage is empty).
    pub step_conversion: Option<f64>,
    /// From the first stage, in [0, 1].
    pub overall_conversion: Option<f64>,
    /// Subjects lost since the previous stage.
    pub drop_off: u64,
    /// drop-off / previous stage.
    pub drop_off_rate: Option<f64>,
    /// Median hours from the previous stage (`None` for stage 0 or nobody).
    pub median_hours_from_previous: Option<f64>,
}

// ---------------------------------------------------------------------------------------------
// Complaints and referrals
// ---------------------------------------------------------------------------------------------

/// Mergeable complaint state: count, resolved count and resolution times.
///
/// ```
/// use crm_analytics::metrics::engagement::ComplaintState;
/// use crm_analytics::model::{CustomerKey, Interaction, InteractionKind};
/// use crm_analytics::model::chrono::NaiveDate;
/// let t = |d, h| NaiveDate::from_ymd_opt(2024, 3, d).unwrap().and_hms_opt(h, 0, 0).unwrap();
/// let c = |at, r| Interaction::new(CustomerKey::from_index(0), at, InteractionKind::Complaint { resolved_at: r });
/// let mut s = ComplaintState::new();
/// for i in [c(t(1, 9), Some(t(1, 11)))?, c(t(2, 9), Some(t(3, 9)))?, c(t(4, 9), None)?,
///           c(t(5, 9), Some(t(5, 15)))?] {
///     s.push(&i);
/// }
/// let m = s.finish(200)?;                         // 200 customers
/// assert_eq!((m.complaints, m.resolved), (4, 3));
/// assert!((m.complaint_rate - 0.02).abs() < 1e-12);
/// assert_eq!(m.resolution_rate, 0.75);
/// assert_eq!(m.median_resolution_hours, Some(6.0)); // of 2 h, 24 h, 6 h
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplaintState {
    complaints: u64,
    resolution_secs: Vec<i64>,
}

impl ComplaintState {
    /// An empty state.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds an interaction (ignored unless it is a complaint).
    pub fn push(&mut self, i: &Interaction) {
        if let InteractionKind::Complaint { resolved_at } = i.kind() {
            self.complaints += 1;
            if let Some(r) = resolved_at {
                self.resolution_secs.push((*r - i.at()).num_seconds());
            }
        }
    }
    /// Combines two states.
    pub fn merge(&mut self, o: &ComplaintState) {
        self.complaints += o.complaints;
        self.resolution_secs.extend_from_slice(&o.resolution_secs);
    }
    /// Complaint figures; `base` is the denominator of the complaint rate (customers, or orders
    /// for a per-order rate).
    ///
    /// # Errors
    /// [`MetricsError::ZeroDenominator`] when `base` is 0; [`MetricsError::Empty`] without
    /// complaints (resolution rate undefined).
    pub fn finish(&self, base: u64) -> Result<ComplaintMetrics> {
        if base == 0 {
            return Err(MetricsError::ZeroDenominator {
                metric: "complaint rate",
                denominator: "customers",
            });
        }
        if self.complaints == 0 {
            return Err(MetricsError::Empty {
                metric: "complaint resolution",
            });
        }
        let resolved = self.resolution_secs.len() as u64;
        Ok(ComplaintMetrics {
            complaints: self.complaints,
            resolved,
            complaint_rate: self.complaints as f64 / base as f64,
            resolution_rate: resolved as f64 / self.complaints as f64,
            median_resolution_hours: median(&mut self.resolution_secs.clone()).map(|s| s / 3600.0),
        })
    }
}

/// Complaint figures.
///
/// ```text
/// complaint rate        = complaints / customers (or orders)
/// resolution rate       = resolved complaints / complaints          in [0, 1]
/// median resolution time = median(resolved_at - opened_at) over resolved complaints
/// ```
///
/// Reference: Fornell & Wernerfelt (1987), "Defensive marketing strategy by customer complaint
/// management", JMR 24(4); ISO 10002:2018 (complaints handling).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ComplaintMetrics {
    /// Complaints.
    pub complaints: u64,
    /// Resolved complaints.
    pub resolved: u64,
    /// complaints / base.
    pub complaint_rate: f64,
    /// resolved / complaints.
    pub resolution_rate: f64,
    /// Median hours to resolve (`None` when none is resolved).
    pub median_resolution_hours: Option<f64>,
}

/// Mergeable referral state: distinct referring customers and referral count.
///
/// ```text
/// referral rate = customers who referred at least once / customers
/// ```
///
/// Reference: Schmitt, Skiera & Van den Bulte (2011), "Referral programs and customer value",
/// J. Marketing 75(1).
///
/// ```
/// use crm_analytics::metrics::engagement::ReferralState;
/// use crm_analytics::model::{CustomerKey, Interaction, InteractionKind};
/// use crm_analytics::model::chrono::NaiveDate;
/// let at = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
/// let r = |c| Interaction::new(CustomerKey::from_index(c), at, InteractionKind::Referral { referred: None });
/// let mut s = ReferralState::new();
/// for i in [r(0)?, r(0)?, r(5)?] { s.push(&i); }
/// let m = s.finish(40)?;
/// assert_eq!((m.referrals, m.referrers), (3, 2));
/// assert_eq!(m.referral_rate, 0.05);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferralState {
    referrals: u64,
    referrers: KeySet,
}

impl ReferralState {
    /// An empty state.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds an interaction (ignored unless it is a referral).
    pub fn push(&mut self, i: &Interaction) {
        if matches!(i.kind(), InteractionKind::Referral { .. }) {
            self.referrals += 1;
            self.referrers.insert(i.customer());
        }
    }
    /// Combines two states.
    pub fn merge(&mut self, o: &ReferralState) {
        self.referrals += o.referrals;
        self.referrers.union(&o.referrers);
    }
    /// Referral figures over a base of `customers`.
    ///
    /// # Errors
    /// [`MetricsError::ZeroDenominator`] for 0 customers; [`MetricsError::InvalidParameter`] when
    /// there are more referrers than customers.
    pub fn finish(&self, customers: u64) -> Result<ReferralMetrics> {
        let referrers = self.referrers.len();
        if customers == 0 {
            return Err(MetricsError::ZeroDenominator {
                metric: "referral rate",
                denominator: "customers",
            });
        }
        if referrers > customers {
            return Err(MetricsError::InvalidParameter {
                name: "customers",
                value: customers.to_string(),
                reason: "fewer than the distinct referrers",
            });
        }
        Ok(ReferralMetrics {
            referrals: self.referrals,
            referrers,
            referral_rate: referrers as f64 / customers as f64,
        })
    }
}

/// Referral figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReferralMetrics {
    /// Referral events.
    pub referrals: u64,
    /// Distinct referring customers.
    pub referrers: u64,
    /// referrers / customers, in [0, 1].
    pub referral_rate: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_model::rust_decimal::Decimal;
    use proptest::prelude::*;

    fn tx(rows: &[(u32, i64)]) -> Vec<Transaction> {
        let d0 = NaiveDate::from_ymd_opt(2023, 11, 20).unwrap();
        rows.iter()
            .map(|(c, d)| {
                Transaction::purchase(
                    CustomerKey::from_index(*c),
                    d0 + crm_model::chrono::Duration::days(*d),
                    Decimal::ONE,
                )
                .unwrap()
            })
            .collect()
    }

    /// Brute-force matrix from sets, to check the bitset implementation.
    fn brute(tx: &[Transaction], p: CohortPeriod) -> Vec<(i64, u64, Vec<u64>, Vec<u64>)> {
        use std::collections::{BTreeMap, BTreeSet};
        let mut per: BTreeMap<usize, BTreeSet<i64>> = BTreeMap::new();
        for t in tx {
            per.entry(t.customer().index())
                .or_default()
                .insert(p.index(t.date()));
        }
        let hi = per.values().flat_map(|s| s.iter().copied()).max().unwrap();
        let mut rows: BTreeMap<i64, (u64, Vec<u64>, Vec<u64>)> = BTreeMap::new();
        for s in per.values() {
            let f = *s.iter().next().unwrap();
            let l = *s.iter().last().unwrap();
            let len = (hi - f + 1) as usize;
            let r = rows.entry(f).or_insert((0, vec![0; len], vec![0; len]));
            r.0 += 1;
            for q in s {
                r.1[(q - f) as usize] += 1;
            }
            for k in 0..=(l - f) as usize {
                r.2[k] += 1;
            }
        }
        rows.into_iter()
            .map(|(f, (n, a, b))| (f, n, a, b))
            .collect()
    }

    proptest! {
        #[test]
        fn cohort_matches_brute_force_and_merges(rows in prop::collection::vec((0u32..30, 0i64..900), 1..150),
                                                 cuts in prop::collection::vec(0usize..150, 0..3),
                                                 week in any::<bool>()) {
            let p = if week { CohortPeriod::Week } else { CohortPeriod::Month };
            let t = tx(&rows);
            let single = cohort_matrix(&t, p).unwrap();
            let b = brute(&t, p);
            prop_assert_eq!(single.cohorts.len(), b.len());
            for (row, (f, n, a, r)) in single.cohorts.iter().zip(&b) {
                prop_assert_eq!(row.start, p.start_of(*f).unwrap());
                prop_assert_eq!(row.size, *n);
                prop_assert_eq!(&row.active, a);
                prop_assert_eq!(&row.rolling, r);
                for x in row.rates(CohortRetention::Classic) { prop_assert!((0.0..=1.0).contains(&x)); }
                let rr = row.rates(CohortRetention::Rolling);
                prop_assert!(rr.windows(2).all(|w| w[0] >= w[1]));
            }
            // Any partition, merged in order and incrementally-built states, gives the same matrix.
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (t.len() + 1)).collect();
            cuts.push(0); cuts.push(t.len()); cuts.sort_unstable();
            let mut merged = CohortState::new(p);
            for w in cuts.windows(2) {
                let mut part = CohortState::new(p);
                for x in &t[w[0]..w[1]] { part.push(x).unwrap(); }
                merged.merge(&part).unwrap();
            }
            prop_assert_eq!(merged.finish().unwrap(), single);
        }

        #[test]
        fn funnel_merge_and_bounds(ev in prop::collection::vec((0u32..20, 0usize..3, 0i64..100), 1..100),
                                   cut in 0usize..100) {
            let f = Funnel::new(["a", "b", "c"]).unwrap();
            let base = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
            let es: Vec<FunnelEvent> = ev.iter().map(|(s, st, h)| FunnelEvent::new(
                CustomerKey::from_index(*s), ["a", "b", "c"][*st], base + crm_model::chrono::Duration::hours(*h)).unwrap()).collect();
            let cut = cut % (es.len() + 1);
            let mut all = FunnelState::new(f.clone());
            let (mut x, mut y) = (FunnelState::new(f.clone()), FunnelState::new(f));
            for (i, e) in es.iter().enumerate() {
                all.push(e).unwrap();
                if i < cut { x.push(e).unwrap() } else { y.push(e).unwrap() }
            }
            x.merge(&y).unwrap();
            for order in [FunnelOrder::Sequential, FunnelOrder::AnyOrder] {
                let (a, b) = (x.finish(order), all.finish(order));
                prop_assert_eq!(&a, &b);
                if let Ok(r) = b {
                    for s in &r.steps {
                        for v in [s.step_conversion, s.overall_conversion, s.drop_off_rate].into_iter().flatten() {
                            prop_assert!((0.0..=1.0).contains(&v));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn unknown_stage_and_windows() {
        let f = Funnel::new(["a", "b"]).unwrap();
        let at = NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let mut s = FunnelState::new(f);
        assert!(
            s.push(&FunnelEvent::new(CustomerKey::from_index(0), "zzz", at).unwrap())
                .is_err()
        );
        assert!(ActiveState::new(at.date(), 0).is_err());
        assert!(ComplaintState::new().finish(0).is_err());
        assert!(ReferralState::new().finish(0).is_err());
        assert!(cohort_matrix(&[], CohortPeriod::Month).is_err());
    }
}
