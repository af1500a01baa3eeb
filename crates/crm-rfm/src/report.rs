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
    monetary: Decimal,
    revenue: Decimal,
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
        s.monetary = s
            .monetary
            .checked_add(v.monetary)
            .ok_or(RfmError::Overflow { field: "monetary" })?;
        s.revenue = s
            .revenue
            .checked_add(v.total_spend)
            .ok_or(RfmError::Overflow {
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
            a.monetary = a.monetary.checked_add(b.monetary).ok_or(of("monetary"))?;
            a.revenue = a.revenue.checked_add(b.revenue).ok_or(of("total_spend"))?;
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
        let mut revenue = Decimal::ZERO;
        for s in &self.sums {
            revenue = revenue
                .checked_add(s.revenue)
                .ok_or(RfmError::Overflow { field: "revenue" })?;
        }
        let total_rev = to_f64(revenue);
        let segments = self
            .sums
            .iter()
            .zip(names)
            .enumerate()
            .filter(|(i, (s, _))| *i != fallback || s.n > 0)
            .map(|(_, (s, name))| {
                let mean = |x: f64| (s.n > 0).then(|| x / s.n as f64);
                SegmentStats {
                    segment: name.clone(),
                    customers: s.n,
                    customer_share: if customers > 0 {
                        s.n as f64 / customers as f64
                    } else {
                        0.0
                    },
                    revenue: s.revenue,
                    revenue_share: (!revenue.is_zero()).then(|| to_f64(s.revenue) / total_rev),
                    mean_recency_days: mean(s.recency as f64),
                    mean_frequency: mean(s.frequency as f64),
                    mean_monetary: mean(to_f64(s.monetary)),
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
