//! The segment report: per segment, how many customers, how much revenue, and their mean R, F, M.
//!
//! ```text
//! customers_share = customers in segment / all customers
//! revenue         = sum of total_spend over the segment's customers
//! revenue_share   = revenue / total revenue                  (None when total revenue is 0)
//! mean_recency_days, mean_frequency, mean_monetary over the segment (None when it is empty)
//! ```

use crm_model::rust_decimal::Decimal;
use crm_model::to_f64;
use serde::{Deserialize, Serialize};

use crate::error::{Result, RfmError};
use crate::values::RfmValues;

/// One segment's line of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentStats {
    /// Segment name.
    pub segment: String,
    /// Number of customers.
    pub customers: u64,
    /// Share of all customers (0 when there are none).
    pub customer_share: f64,
    /// Revenue (sum of total spend).
    pub revenue: Decimal,
    /// Share of total revenue; `None` when total revenue is zero.
    pub revenue_share: Option<f64>,
    /// Mean recency in days; `None` for an empty segment.
    pub mean_recency_days: Option<f64>,
    /// Mean frequency; `None` for an empty segment.
    pub mean_frequency: Option<f64>,
    /// Mean monetary value; `None` for an empty segment.
    pub mean_monetary: Option<f64>,
}

/// The report: one line per segment, in the map's order.
///
/// ```text
/// customers_share = customers in segment / all customers
/// revenue         = sum of total_spend over the segment's customers
/// revenue_share   = revenue / total revenue                  (None when total revenue is 0)
/// mean_recency_days, mean_frequency, mean_monetary over the segment (None when it is empty)
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentReport {
    /// Per-segment lines (every rule's segment; the fallback only when it has customers).
    pub segments: Vec<SegmentStats>,
    /// All customers.
    pub customers: u64,
    /// All revenue.
    pub revenue: Decimal,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Sums {
    n: u64,
    recency: u64,
    frequency: u64,
    monetary: ExactSum,
    revenue: ExactSum,
}

/// A running `Decimal` sum from `Decimal::ZERO`, equal (value, scale, sign) to adding the values
/// with `Decimal::checked_add` in order, that adds non-negative values of one scale as integers.
///
/// Why that is exact: `ZERO + v = v`; adding two non-negative values of scale `s` gives their
/// mantissa sum at scale `s` while it fits 96 bits (a zero operand returns the other one, also at
/// scale `s`). The first value of another scale or sign switches to plain `Decimal` addition,
/// starting from the integer sum so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct ExactSum {
    /// Sum of the mantissas at `scale` of the values added so far (integer mode).
    units: u128,
    scale: u32,
    /// Values added in integer mode.
    count: u64,
    /// The sum once in `Decimal` mode.
    slow: Option<Decimal>,
}

impl ExactSum {
    #[inline]
    fn add(&mut self, v: Decimal) -> Option<()> {
        if self.slow.is_none()
            && !v.is_sign_negative()
            && (self.count == 0 || v.scale() == self.scale)
        {
            let m = v.mantissa().unsigned_abs();
            let units = self.units + m;
            if units >> 96 == 0 {
                self.units = units;
                self.scale = v.scale();
                self.count += 1;
                return Some(());
            }
        }
        let sum = self.value()?.checked_add(v)?;
        self.slow = Some(sum);
        Some(())
    }

    /// The sum as a `Decimal` (`None` only if the integer sum cannot be one, which `add` rules
    /// out).
    fn value(&self) -> Option<Decimal> {
        match self.slow {
            Some(d) => Some(d),
            None if self.count == 0 => Some(Decimal::ZERO),
            None => {
                Decimal::try_from_i128_with_scale(i128::try_from(self.units).ok()?, self.scale).ok()
            }
        }
    }

    /// `self + other` as `Decimal`s.
    fn merge(&mut self, other: &ExactSum) -> Option<()> {
        let sum = self.value()?.checked_add(other.value()?)?;
        self.slow = Some(sum);
        Some(())
    }
}

/// Mergeable state of a [`SegmentReport`]: `push` customers, `merge` parts, `finish`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportAccumulator {
    sums: Vec<Sums>,
}

impl ReportAccumulator {
    /// A state for `segments` segments.
    #[must_use]
    pub fn new(segments: usize) -> Self {
        ReportAccumulator {
            sums: vec![Sums::default(); segments],
        }
    }

    /// Adds one customer in segment `segment`.
    ///
    /// # Errors
    /// [`RfmError::LengthMismatch`] for a segment index out of range; [`RfmError::Overflow`].
    pub fn push(&mut self, v: &RfmValues, segment: usize) -> Result<()> {
        let len = self.sums.len();
        let s = self.sums.get_mut(segment).ok_or(RfmError::LengthMismatch {
            what: "segment index",
            expected: len,
            found: segment + 1,
        })?;
        s.n += 1;
        s.recency += u64::from(v.recency_days);
        s.frequency += u64::from(v.frequency);
        s.monetary
            .add(v.monetary)
            .ok_or(RfmError::Overflow { field: "monetary" })?;
        s.revenue.add(v.total_spend).ok_or(RfmError::Overflow {
            field: "total_spend",
        })?;
        Ok(())
    }

    /// Combines another part.
    ///
    /// # Errors
    /// [`RfmError::LengthMismatch`] when the parts have different segment counts;
    /// [`RfmError::Overflow`].
    pub fn merge(&mut self, other: &ReportAccumulator) -> Result<()> {
        if other.sums.len() != self.sums.len() {
            return Err(RfmError::LengthMismatch {
                what: "segments",
                expected: self.sums.len(),
                found: other.sums.len(),
            });
        }
        let of = |field| RfmError::Overflow { field };
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            a.n += b.n;
            a.recency += b.recency;
            a.frequency += b.frequency;
            a.monetary.merge(&b.monetary).ok_or(of("monetary"))?;
            a.revenue.merge(&b.revenue).ok_or(of("total_spend"))?;
        }
        Ok(())
    }

    /// The report; `names[i]` names segment `i`, and segment `fallback` is listed only when it
    /// has customers.
    ///
    /// # Errors
    /// [`RfmError::LengthMismatch`] when `names` does not match; [`RfmError::Overflow`].
    pub fn finish(&self, names: &[String], fallback: usize) -> Result<SegmentReport> {
        if names.len() != self.sums.len() {
            return Err(RfmError::LengthMismatch {
                what: "segment names",
                expected: self.sums.len(),
                found: names.len(),
            });
        }
        let customers: u64 = self.sums.iter().map(|s| s.n).sum();
        let of = |field| RfmError::Overflow { field };
        let mut revenue = Decimal::ZERO;
        let mut sums = Vec::with_capacity(self.sums.len());
        for s in &self.sums {
            let r = s.revenue.value().ok_or(of("revenue"))?;
            let m = s.monetary.value().ok_or(of("monetary"))?;
            revenue = revenue.checked_add(r).ok_or(of("revenue"))?;
            sums.push((s, r, m));
        }
        let total_rev = to_f64(revenue);
        let segments = sums
            .into_iter()
            .zip(names)
            .enumerate()
            .filter(|(i, ((s, _, _), _))| *i != fallback || s.n > 0)
            .map(|(_, ((s, rev, mon), name))| {
                let mean = |x: f64| (s.n > 0).then(|| x / s.n as f64);
                SegmentStats {
                    segment: name.clone(),
                    customers: s.n,
                    customer_share: if customers > 0 {
                        s.n as f64 / customers as f64
                    } else {
                        0.0
                    },
                    revenue: rev,
                    revenue_share: (!revenue.is_zero()).then(|| to_f64(rev) / total_rev),
                    mean_recency_days: mean(s.recency as f64),
                    mean_frequency: mean(s.frequency as f64),
                    mean_monetary: mean(to_f64(mon)),
                }
            })
            .collect();
        Ok(SegmentReport {
            segments,
            customers,
            revenue,
        })
    }
}

/// The segment report of customers `values` with segment indices `segments` (as from
/// [`crate::Segmenter::classify_all`]).
///
/// # Errors
/// [`RfmError::LengthMismatch`] when the slices differ in length or an index is out of range;
/// [`RfmError::Overflow`].
pub fn segment_report(
    values: &[RfmValues],
    segments: &[u16],
    names: &[String],
    fallback: usize,
) -> Result<SegmentReport> {
    if values.len() != segments.len() {
        return Err(RfmError::LengthMismatch {
            what: "segments",
            expected: values.len(),
            found: segments.len(),
        });
    }
    let mut acc = ReportAccumulator::new(names.len());
    for (v, &s) in values.iter().zip(segments) {
        acc.push(v, usize::from(s))?;
    }
    acc.finish(names, fallback)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(d: Decimal) -> (i128, u32, bool) {
        (d.mantissa(), d.scale(), d.is_sign_negative())
    }

    fn value(kind: u8, m: u64, scale: u8, neg: bool) -> Decimal {
        let mantissa = match kind % 6 {
            0..=2 => i128::from(m % 100_000),
            3 => 0,
            4 => (1i128 << 95) + i128::from(m % 1000),
            _ => i128::from(m),
        };
        let scale = [2, 2, 2, 0, 4, 28][usize::from(scale % 6)];
        let d = Decimal::from_i128_with_scale(mantissa, scale);
        if neg { -d } else { d }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// The integer fast path equals `Decimal::checked_add` from `ZERO` in order, bit for bit
        /// (zeros of other scales, negative values and zeros, sums past 96 bits), and merging
        /// equals adding the two partial sums.
        #[test]
        fn exact_sum_equals_decimal_sums(
            xs in prop::collection::vec((any::<u8>(), any::<u64>(), any::<u8>(), prop::bool::weighted(0.1)), 0..40),
            cut in 0usize..40,
        ) {
            let vals: Vec<Decimal> = xs.iter().map(|&(k, m, s, n)| value(k, m, s, n)).collect();
            let mut plain = Some(Decimal::ZERO);
            let mut fast = ExactSum::default();
            let mut ok = Some(());
            for &v in &vals {
                plain = plain.and_then(|p| p.checked_add(v));
                ok = ok.and_then(|()| fast.add(v));
                if plain.is_none() {
                    break;
                }
                prop_assert!(ok.is_some());
                prop_assert_eq!(id(fast.value().unwrap()), id(plain.unwrap()));
            }
            let cut = cut.min(vals.len());
            let (a, b) = vals.split_at(cut);
            let (mut x, mut y) = (ExactSum::default(), ExactSum::default());
            let px = a.iter().try_fold(Decimal::ZERO, |p, &v| p.checked_add(v));
            let py = b.iter().try_fold(Decimal::ZERO, |p, &v| p.checked_add(v));
            if let (Some(px), Some(py)) = (px, py) {
                for &v in a {
                    x.add(v).unwrap();
                }
                for &v in b {
                    y.add(v).unwrap();
                }
                prop_assert_eq!(id(x.value().unwrap()), id(px));
                let merged = x.merge(&y).map(|()| x.value().unwrap());
                prop_assert_eq!(merged.map(id), px.checked_add(py).map(id));
            }
        }
    }
}
