//! Scores: recency, frequency and monetary values mapped to `1..=n` (n-tiles, default quintiles).
//!
//! ```text
//! cut points c_1 <= ... <= c_{n-1} per dimension
//! up(x)  = 1 + #{ j : x > c_j }          (bins are right-closed: (c_{j-1}, c_j])
//! F = up(frequency),  M = up(monetary)
//! R = n + 1 - up(recency_days)           (reversed: the most recent customers score n)
//! ```
//!
//! Where the cut points come from is the [`TiePolicy`]:
//! - [`TiePolicy::ValueBased`] (default): `c_j` = the `j/n` quantile of the values (linear
//!   interpolation between order statistics, numpy's default, as `pandas.qcut` uses). A score is
//!   a function of the value, so equal values always share a score and the result never depends
//!   on input order. With many ties (most customers bought once) some scores stay empty.
//! - [`TiePolicy::RankFirst`]: the common pandas recipe
//!   `qcut(x.rank(method="first"), n)`: values are ranked `1..=N`, ties broken by position in the
//!   input, and the ranks are cut at `c_j = 1 + (N - 1) j / n`. Every score gets about `N / n`
//!   customers, but two customers with equal values can get different scores, and the result
//!   depends on input order.
//! - [`TiePolicy::Fixed`]: thresholds chosen by the user (e.g. recency 30, 90, 180, 365 days).
//!
//! Monetary values are compared as `f64`: the nearest double to the exact decimal amount.

use crm_model::rust_decimal::Decimal;
use crm_model::to_f64;
use serde::{Deserialize, Serialize};

use crate::error::{Result, RfmError};
use crate::values::RfmValues;

/// Smallest number of score levels.
pub const MIN_BINS: u8 = 2;
/// Largest number of score levels.
pub const MAX_BINS: u8 = 100;

/// One customer's scores, each in `1..=bins`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RfmScore {
    /// Recency score (high = recent).
    pub r: u8,
    /// Frequency score (high = frequent).
    pub f: u8,
    /// Monetary score (high = big spender).
    pub m: u8,
}

impl RfmScore {
    /// The usual "RFM cell" label, e.g. `"545"` (digits joined with `-` when bins > 9).
    #[must_use]
    pub fn label(&self) -> String {
        if self.r > 9 || self.f > 9 || self.m > 9 {
            format!("{}-{}-{}", self.r, self.f, self.m)
        } else {
            format!("{}{}{}", self.r, self.f, self.m)
        }
    }
}

/// Cut points per dimension: `n - 1` ascending thresholds for `n` score levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutPoints {
    /// Thresholds on recency in days (ascending; recency at or below `c_1` scores `n`).
    pub recency_days: Vec<f64>,
    /// Thresholds on frequency (ascending).
    pub frequency: Vec<f64>,
    /// Thresholds on the monetary value (ascending).
    pub monetary: Vec<f64>,
}

/// Where the cut points come from, and so how ties are treated.
///
/// ```text
/// cut points c_1 <= ... <= c_{n-1} per dimension
/// up(x)  = 1 + #{ j : x > c_j }          (bins are right-closed: (c_{j-1}, c_j])
/// F = up(frequency),  M = up(monetary)
/// R = n + 1 - up(recency_days)           (reversed: the most recent customers score n)
/// ```
///
/// The policies:
/// - [`TiePolicy::ValueBased`] (default): `c_j` = the `j/n` quantile of the values (linear
///   interpolation between order statistics, numpy's default, as `pandas.qcut` uses). A score is
///   a function of the value, so equal values always share a score and the result never depends
///   on input order. With many ties (most customers bought once) some scores stay empty.
/// - [`TiePolicy::RankFirst`]: the common pandas recipe
///   `qcut(x.rank(method="first"), n)`: values are ranked `1..=N`, ties broken by position in the
///   input, and the ranks are cut at `c_j = 1 + (N - 1) j / n`. Every score gets about `N / n`
///   customers, but two customers with equal values can get different scores, and the result
///   depends on input order.
/// - [`TiePolicy::Fixed`]: thresholds chosen by the user (e.g. recency 30, 90, 180, 365 days).
///
/// Monetary values are compared as `f64`: the nearest double to the exact decimal amount.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TiePolicy {
    /// Quantile cut points on the values: equal values share a score; order-independent
    /// (default).
    #[default]
    ValueBased,
    /// pandas `rank(method="first")` then `qcut`: equal-sized scores, order-dependent.
    RankFirst,
    /// User thresholds.
    Fixed(CutPoints),
}

/// Validated cut points, fitted on a reference population or given by the user; serialises as
/// [`CutPoints`] and validates when read back.
///
/// ```
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// use crm_analytics::model::CustomerKey;
/// use crm_analytics::rfm::{RfmModel, RfmScore, RfmValues};
/// let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// // Reference population: recency 10, 20, ..., 100 days; frequency 1..=10; spend 10..=100.
/// let pop: Vec<RfmValues> = (1..=10u32)
///     .map(|i| RfmValues {
///         customer: CustomerKey::from_index(i - 1),
///         last_purchase: day,
///         recency_days: 10 * i,
///         frequency: i,
///         monetary: Decimal::from(10 * i),
///         total_spend: Decimal::from(10 * i),
///     })
///     .collect();
/// let model = RfmModel::fit(&pop, 5)?;
/// // Quintile cut points of 1..=10 with linear interpolation: 2.8, 4.6, 6.4, 8.2.
/// assert_eq!(model.cut_points().frequency, vec![2.8, 4.6, 6.4, 8.2]);
/// // A new customer: 15 days ago, 9 purchases, spent 30.
/// let new = RfmValues { recency_days: 15, frequency: 9, monetary: Decimal::from(30), ..pop[0].clone() };
/// assert_eq!(model.score(&new), RfmScore { r: 5, f: 5, m: 2 });
/// // Stored as JSON and read back.
/// let json = serde_json::to_string(&model).unwrap();
/// assert_eq!(serde_json::from_str::<RfmModel>(&json).unwrap(), model);
/// # Ok::<(), crm_analytics::rfm::RfmError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CutPoints", into = "CutPoints")]
pub struct RfmModel {
    cuts: CutPoints,
}

impl TryFrom<CutPoints> for RfmModel {
    type Error = RfmError;
    fn try_from(c: CutPoints) -> Result<Self> {
        RfmModel::new(c)
    }
}

impl From<RfmModel> for CutPoints {
    fn from(m: RfmModel) -> Self {
        m.cuts
    }
}

fn check_bins(bins: u8) -> Result<()> {
    if (MIN_BINS..=MAX_BINS).contains(&bins) {
        Ok(())
    } else {
        Err(RfmError::InvalidBins(bins.into()))
    }
}

impl RfmModel {
    /// Validates user thresholds (the [`TiePolicy::Fixed`] mode).
    ///
    /// # Errors
    /// [`RfmError::InvalidCutPoints`] unless all three lists have the same length `n - 1` with
    /// `n` in `2..=100`, and hold finite, non-decreasing numbers.
    pub fn new(cuts: CutPoints) -> Result<Self> {
        let n = cuts.recency_days.len();
        for (dimension, c) in [
            ("recency_days", &cuts.recency_days),
            ("frequency", &cuts.frequency),
            ("monetary", &cuts.monetary),
        ] {
            let bad = |reason: String| RfmError::InvalidCutPoints { dimension, reason };
            if c.len() != n {
                return Err(bad(format!(
                    "{} thresholds, but recency_days has {n} (all dimensions need the same number)",
                    c.len()
                )));
            }
            if c.is_empty() || c.len() >= usize::from(MAX_BINS) {
                return Err(bad(format!(
                    "{} thresholds; need 1..={} (bins - 1)",
                    c.len(),
                    MAX_BINS - 1
                )));
            }
            if let Some(x) = c.iter().find(|x| !x.is_finite()) {
                return Err(bad(format!("{x} is not a finite number")));
            }
            if let Some(w) = c.windows(2).find(|w| w[1] < w[0]) {
                return Err(bad(format!("{} comes after {}: not ascending", w[1], w[0])));
            }
        }
        Ok(RfmModel { cuts })
    }

    /// Fits value-based quantile cut points on a reference population.
    ///
    /// # Errors
    /// [`RfmError::Empty`] for an empty population; [`RfmError::InvalidBins`] outside
    /// `2..=100`.
    pub fn fit(values: &[RfmValues], bins: u8) -> Result<Self> {
        check_bins(bins)?;
        if values.is_empty() {
            return Err(RfmError::Empty);
        }
        // One pass: histograms of recency and frequency, and of monetary when all its values are
        // small non-negative mantissas at one scale (cents); otherwise selection on the values.
        let len = values.len();
        let (mut r, mut f, mut m) = (
            Histogram::new(len),
            Histogram::new(len),
            Histogram::new(len),
        );
        let scale = values.first().map_or(0, |v| v.monetary.scale());
        for v in values {
            r.add(v.recency_days as usize);
            f.add(v.frequency as usize);
            if m.ok {
                let d = v.monetary;
                if d.scale() == scale && !d.is_sign_negative() {
                    m.add(usize::try_from(d.mantissa()).unwrap_or(usize::MAX));
                } else {
                    m.ok = false;
                }
            }
        }
        let mut buf: Vec<f64> = Vec::new();
        let mut ints = |h: &Histogram, get: fn(&RfmValues) -> u32| {
            h.cuts(len, bins, |x| x as f64).unwrap_or_else(|| {
                buf.clear();
                buf.extend(values.iter().map(|v| f64::from(get(v))));
                quantile_cuts(&mut buf, bins)
            })
        };
        let recency_days = ints(&r, |v| v.recency_days);
        let frequency = ints(&f, |v| v.frequency);
        // Mantissas at one scale map to the same doubles in the same order as the values.
        let money = |x: usize| money_f64(Decimal::from_i128_with_scale(x as i128, scale));
        let monetary = m.cuts(len, bins, money).unwrap_or_else(|| {
            buf.clear();
            buf.extend(values.iter().map(|v| money_f64(v.monetary)));
            quantile_cuts(&mut buf, bins)
        });
        Ok(RfmModel {
            cuts: CutPoints {
                recency_days,
                frequency,
                monetary,
            },
        })
    }

    /// Number of score levels.
    #[must_use]
    pub fn bins(&self) -> u8 {
        u8::try_from(self.cuts.recency_days.len() + 1).unwrap_or(MAX_BINS)
    }

    /// The cut points.
    #[must_use]
    pub fn cut_points(&self) -> &CutPoints {
        &self.cuts
    }

    /// Scores one customer.
    #[must_use]
    pub fn score(&self, v: &RfmValues) -> RfmScore {
        let n = self.bins();
        RfmScore {
            r: n + 1 - up(&self.cuts.recency_days, f64::from(v.recency_days)),
            f: up(&self.cuts.frequency, f64::from(v.frequency)),
            m: up(&self.cuts.monetary, money_f64(v.monetary)),
        }
    }

    /// A scorer for many customers: [`RfmModel::score`] with the integer dimensions looked up
    /// in tables.
    pub(crate) fn scorer(&self) -> Scorer<'_> {
        Scorer {
            model: self,
            n: self.bins(),
            r: IntTable::new(&self.cuts.recency_days),
            f: IntTable::new(&self.cuts.frequency),
        }
    }

    /// Scores every customer: `score_all(values)[i]` is `values[i]`'s score (the low-level
    /// form; with a segment map, [`crate::analyze_rows`] under
    /// [`TiePolicy::Fixed`]`(model.cut_points().clone())` gives rows that carry the customer).
    #[must_use]
    pub fn score_all(&self, values: &[RfmValues]) -> Vec<RfmScore> {
        let s = self.scorer();
        values.iter().map(|v| s.score(v)).collect()
    }
}

/// Powers of ten exactly representable as `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A money amount as the nearest `f64`: `mantissa / 10^scale` in one correctly rounded division
/// when both are exact doubles (every amount with up to 15 significant digits), else
/// [`crm_model::to_f64`].
#[inline]
pub(crate) fn money_f64(d: Decimal) -> f64 {
    let m = d.mantissa();
    let s = d.scale() as usize;
    if m.unsigned_abs() < (1u128 << 53) && s < POW10.len() {
        m as i64 as f64 / POW10[s]
    } else {
        to_f64(d)
    }
}

/// [`RfmModel::score`] with `up` of the integer dimensions from tables.
pub(crate) struct Scorer<'a> {
    model: &'a RfmModel,
    n: u8,
    r: IntTable,
    f: IntTable,
}

impl Scorer<'_> {
    /// Equal to [`RfmModel::score`].
    #[inline]
    pub(crate) fn score(&self, v: &RfmValues) -> RfmScore {
        let c = &self.model.cuts;
        RfmScore {
            r: self.n + 1 - self.r.up(&c.recency_days, v.recency_days),
            f: self.f.up(&c.frequency, v.frequency),
            m: up(&c.monetary, money_f64(v.monetary)),
        }
    }
}

/// `up(cuts, x)` for the integers `x` up to just past the last cut (beyond it the score is
/// constant); empty when that is more than 2^16 values.
struct IntTable(Vec<u8>);

impl IntTable {
    fn new(cuts: &[f64]) -> Self {
        let last = cuts.last().copied().unwrap_or(0.0).max(0.0);
        if last < 65_536.0 {
            let len = last as usize + 2;
            IntTable((0..len).map(|x| up(cuts, x as f64)).collect())
        } else {
            IntTable(Vec::new())
        }
    }

    #[inline]
    fn up(&self, cuts: &[f64], x: u32) -> u8 {
        match self.0.get(x as usize) {
            Some(&s) => s,
            None => up(cuts, f64::from(x)),
        }
    }
}

/// `1 + #{j : x > c_j}` (NaN scores 1).
#[inline]
fn up(cuts: &[f64], x: f64) -> u8 {
    let mut s = 1u8;
    for &c in cuts {
        s += u8::from(x > c);
    }
    s
}

/// Counts of small non-negative integers (days, counts, cents), for [`quantile_cuts`] without a
/// sort. Gives up (`ok == false`) past `min(2^20, 4 len + 1024)`.
struct Histogram {
    counts: Vec<u32>,
    limit: usize,
    ok: bool,
}

impl Histogram {
    fn new(len: usize) -> Self {
        Histogram {
            counts: Vec::new(),
            limit: (1 << 20).min(4 * len + 1024),
            ok: true,
        }
    }

    #[inline]
    fn add(&mut self, x: usize) {
        if x > self.limit {
            self.ok = false;
        }
        if !self.ok {
            return;
        }
        if x >= self.counts.len() {
            let grow = (x + 1).max(2 * self.counts.len()).min(self.limit + 1);
            self.counts.resize(grow, 0);
        }
        if let Some(c) = self.counts.get_mut(x) {
            *c += 1;
        }
    }

    /// [`quantile_cuts`] of the `len` counted values mapped by `value` (non-decreasing);
    /// `None` if the histogram gave up.
    fn cuts(&self, len: usize, n: u8, value: impl Fn(usize) -> f64) -> Option<Vec<f64>> {
        if !self.ok || len == 0 {
            return None;
        }
        let counts = &self.counts;
        // k-th order statistic (0-based) for increasing k, walking the histogram once.
        let mut x = 0usize;
        let mut below = 0usize; // number of values < x
        let mut nth = |k: usize| -> f64 {
            if k < below {
                (x, below) = (0, 0);
            }
            while x + 1 < counts.len() && below + counts.get(x).copied().unwrap_or(0) as usize <= k
            {
                below += counts.get(x).copied().unwrap_or(0) as usize;
                x += 1;
            }
            value(x)
        };
        let mut out = Vec::with_capacity(usize::from(n) - 1);
        for j in 1..usize::from(n) {
            let h = ((len - 1) * j) as f64 / f64::from(n);
            let lo = (h.floor() as usize).min(len - 1);
            let frac = h - lo as f64;
            let a = nth(lo);
            out.push(if frac > 0.0 {
                let b = nth(lo + 1);
                a + frac * (b - a)
            } else {
                a
            });
        }
        Some(out)
    }
}

/// [`quantile_cuts`] for small non-negative integers by a [`Histogram`]; `None` when the
/// largest value is too big for it.
#[cfg(test)]
fn quantile_cuts_small_ints(
    values: &[RfmValues],
    get: fn(&RfmValues) -> u32,
    n: u8,
) -> Option<Vec<f64>> {
    let mut h = Histogram::new(values.len());
    for v in values {
        h.add(get(v) as usize);
    }
    h.cuts(values.len(), n, |x| x as f64)
}

/// Quantiles at `j / n`, `j = 1..n`, linear interpolation (numpy's default), by selection.
fn quantile_cuts(v: &mut [f64], n: u8) -> Vec<f64> {
    let len = v.len();
    let mut out = Vec::with_capacity(usize::from(n) - 1);
    let mut start = 0usize;
    for j in 1..usize::from(n) {
        let h = ((len - 1) * j) as f64 / f64::from(n);
        let lo = (h.floor() as usize).min(len - 1);
        let frac = h - lo as f64;
        let rest = &mut v[start..];
        let (_, &mut a, right) = rest.select_nth_unstable_by(lo - start, f64::total_cmp);
        let q = if frac > 0.0 {
            let b = right.iter().copied().fold(f64::INFINITY, f64::min);
            a + frac * (b - a)
        } else {
            a
        };
        out.push(q);
        start = lo;
    }
    out
}

/// Scores every customer with `bins` levels under a tie policy (see [`TiePolicy`]).
///
/// ```
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// use crm_analytics::model::CustomerKey;
/// use crm_analytics::rfm::{score, RfmValues, TiePolicy};
/// let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let v = |i: u32, f: u32| RfmValues {
///     customer: CustomerKey::from_index(i),
///     last_purchase: day,
///     recency_days: 5,
///     frequency: f,
///     monetary: Decimal::from(f),
///     total_spend: Decimal::from(f),
/// };
/// // Frequencies 1, 1, 1, 2 in 2 bins.
/// let pop = [v(0, 1), v(1, 1), v(2, 1), v(3, 2)];
/// // Value-based: cut point at the median 1; all the 1s share score 1.
/// let s = score(&pop, 2, &TiePolicy::ValueBased)?;
/// assert_eq!(s.iter().map(|s| s.f).collect::<Vec<_>>(), vec![1, 1, 1, 2]);
/// // Rank-first: ranks 1..4 cut at 2.5; the third "1" lands in score 2 by position alone.
/// let s = score(&pop, 2, &TiePolicy::RankFirst)?;
/// assert_eq!(s.iter().map(|s| s.f).collect::<Vec<_>>(), vec![1, 1, 2, 2]);
/// // Equal recency everywhere: value-based gives all the top score.
/// assert!(score(&pop, 2, &TiePolicy::ValueBased)?.iter().all(|s| s.r == 2));
/// # Ok::<(), crm_analytics::rfm::RfmError>(())
/// ```
///
/// The scores are parallel to `values` (`score(values, ..)[i]` is `values[i]`'s): the low-level
/// form. [`crate::analyze_rows`] gives the same scores, with segments, as rows that carry the
/// customer.
///
/// # Errors
/// [`RfmError::Empty`] for no customers; [`RfmError::InvalidBins`] outside `2..=100`;
/// [`RfmError::InvalidCutPoints`] when fixed thresholds do not give `bins` levels.
pub fn score(values: &[RfmValues], bins: u8, ties: &TiePolicy) -> Result<Vec<RfmScore>> {
    Ok(match model_for(values, bins, ties)? {
        Some(m) => m.score_all(values),
        None => rank_first(values, bins),
    })
}

/// The checks of [`score`], and the model that scores each value (`None`: rank-first, scored
/// by [`rank_first`]).
pub(crate) fn model_for(
    values: &[RfmValues],
    bins: u8,
    ties: &TiePolicy,
) -> Result<Option<RfmModel>> {
    check_bins(bins)?;
    if values.is_empty() {
        return Err(RfmError::Empty);
    }
    match ties {
        TiePolicy::ValueBased => Ok(Some(RfmModel::fit(values, bins)?)),
        TiePolicy::Fixed(c) => {
            let m = RfmModel::new(c.clone())?;
            if m.bins() != bins {
                return Err(RfmError::InvalidCutPoints {
                    dimension: "recency_days",
                    reason: format!(
                        "{} thresholds give {} levels, but bins = {bins}",
                        m.bins() - 1,
                        m.bins()
                    ),
                });
            }
            Ok(Some(m))
        }
        TiePolicy::RankFirst => Ok(None),
    }
}

/// Order key of an `f64` as a `u64` (total order, as `f64::total_cmp`).
#[inline]
fn order_bits(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Scores from ranks `1..=N` (ties by input position) cut at `1 + (N-1) j / n`, exactly in
/// integers: `up(rank) = 1 + #{j : n (rank - 1) > (N - 1) j}`.
fn rank_scores(keys: &mut [(u64, u32)], n: u8, out: &mut [u8]) {
    keys.sort_unstable();
    let big_n = keys.len() as u128;
    let nn = u128::from(n);
    for (rank0, &(_, i)) in keys.iter().enumerate() {
        let lhs = nn * rank0 as u128;
        let mut s = 1u8;
        for j in 1..nn {
            if lhs > (big_n - 1) * j {
                s += 1;
            } else {
                break;
            }
        }
        if let Some(o) = out.get_mut(i as usize) {
            *o = s;
        }
    }
}

pub(crate) fn rank_first(values: &[RfmValues], n: u8) -> Vec<RfmScore> {
    let len = values.len();
    let mut keys: Vec<(u64, u32)> = Vec::with_capacity(len);
    let mut r = vec![0u8; len];
    let mut f = vec![0u8; len];
    let mut m = vec![0u8; len];
    keys.extend(
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (u64::from(v.recency_days), i as u32)),
    );
    rank_scores(&mut keys, n, &mut r);
    keys.clear();
    keys.extend(
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (u64::from(v.frequency), i as u32)),
    );
    rank_scores(&mut keys, n, &mut f);
    keys.clear();
    keys.extend(
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (order_bits(money_f64(v.monetary)), i as u32)),
    );
    rank_scores(&mut keys, n, &mut m);
    (0..len)
        .map(|i| RfmScore {
            r: n + 1 - r[i],
            f: f[i],
            m: m[i],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_model::CustomerKey;
    use crm_model::chrono::NaiveDate;
    use crm_model::rust_decimal::Decimal;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn histogram_quantiles_equal_selection(
            xs in prop::collection::vec(0u32..60, 1..200), n in 2u8..=12,
        ) {
            let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
            let values: Vec<RfmValues> = xs.iter().enumerate().map(|(i, &x)| RfmValues {
                customer: CustomerKey::from_index(i as u32),
                last_purchase: day,
                recency_days: x,
                frequency: x + 1,
                monetary: Decimal::ZERO,
                total_spend: Decimal::ZERO,
            }).collect();
            let h = quantile_cuts_small_ints(&values, |v| v.recency_days, n).unwrap();
            for v in &values {
                prop_assert_eq!(money_f64(v.monetary), to_f64(v.monetary));
            }
            let mut buf: Vec<f64> = xs.iter().map(|&x| f64::from(x)).collect();
            prop_assert_eq!(h, quantile_cuts(&mut buf, n));
        }
    }
}

#[cfg(test)]
mod fit_tests {
    use super::*;
    use crm_model::CustomerKey;
    use crm_model::chrono::NaiveDate;
    use crm_model::rust_decimal::Decimal;
    use proptest::prelude::*;

    proptest! {
        /// The one-pass histograms of `fit` (recency, frequency, and monetary in cents) give the
        /// cut points of selection on the values, also when they give up (large or mixed values).
        #[test]
        fn fit_equals_selection(
            xs in prop::collection::vec((0u32..400, 1u32..30, 0i64..2500, 0u8..40), 1..300),
            n in 2u8..=10,
            mixed in any::<bool>(),
        ) {
            let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
            let values: Vec<RfmValues> = xs.iter().enumerate().map(|(i, &(r, f, m, k))| {
                let k = if mixed { k } else { 4 };
                let monetary = match k {
                    0 => Decimal::new(m, 3),
                    1 => Decimal::new(m << 30, 2),
                    2 => Decimal::ZERO,
                    _ => Decimal::new(m, 2),
                };
                RfmValues {
                    customer: CustomerKey::from_index(i as u32),
                    last_purchase: day,
                    recency_days: if k == 3 { r << 22 } else { r },
                    frequency: f,
                    monetary,
                    total_spend: monetary,
                }
            }).collect();
            let fit = RfmModel::fit(&values, n).unwrap();
            let sel = |get: &dyn Fn(&RfmValues) -> f64| {
                let mut buf: Vec<f64> = values.iter().map(get).collect();
                quantile_cuts(&mut buf, n)
            };
            let c = fit.cut_points();
            // The table-driven scorer equals the per-value score, for the fitted cut points and
            // for fixed ones (fractional, negative, or too large for a table).
            let fixed = RfmModel::new(CutPoints {
                recency_days: vec![-1.0, 2.5, 30.0, 1e9][..usize::from(n.min(5)) - 1].to_vec(),
                frequency: vec![0.5, 1.0, 70_000.0, 70_001.0][..usize::from(n.min(5)) - 1].to_vec(),
                monetary: vec![1.0, 2.0, 3.0, 4.0][..usize::from(n.min(5)) - 1].to_vec(),
            }).unwrap();
            for m in [&fit, &fixed] {
                let s = m.scorer();
                for v in &values {
                    prop_assert_eq!(s.score(v), m.score(v));
                }
            }
            prop_assert_eq!(&c.recency_days, &sel(&|v| f64::from(v.recency_days)));
            prop_assert_eq!(&c.frequency, &sel(&|v| f64::from(v.frequency)));
            prop_assert_eq!(&c.monetary, &sel(&|v| money_f64(v.monetary)));
        }
    }
}

#[cfg(test)]
mod money_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn money_f64_is_the_nearest_double(m in -(1i64 << 52)..(1i64 << 52), scale in 0u32..=10) {
            let d = Decimal::new(m, scale);
            // The decimal text parsed by Rust's correctly rounded float parser.
            let exact: f64 = d.to_string().parse().unwrap();
            prop_assert_eq!(money_f64(d), exact);
        }
    }
}
