//! # crm-rfm
//!
//! Facade module: `crm_rfm` = `crm_analytics::rfm`. Depend on `crm-analytics` and use
//! `crm_analytics::rfm::...`, or on this crate alone for a smaller tree.
//!
//! RFM (recency, frequency, monetary) analysis: per-customer values from transactions, n-tile
//! scores with an explicit tie policy, cut points fitted on one population and applied to
//! another, segment maps as data, and a per-segment report.
//!
//! ## The method
//!
//! RFM comes from direct marketing: Arthur Hughes, *Strategic Database Marketing* (1994),
//! popularised scoring each customer on three behaviours that predict response to the next
//! mailing:
//!
//! ```text
//! R  recency    = days since the last purchase (at an as-of date)
//! F  frequency  = number of purchases
//! M  monetary   = total spend
//! ```
//!
//! Each is cut into n-tiles, classically quintiles (n = 5): the customers are sorted by the value
//! and split into five groups of (about) equal size, scored 1 (bottom 20 %) to 5 (top 20 %). High
//! F and M are good, so they score 5 for the largest values. For recency a *small* number of days
//! is good (a customer who bought last week is far more likely to buy again than one who bought
//! two years ago), so the recency scale is **reversed**: the most recent fifth scores R = 5. With
//! that, 5-5-5 is always the best cell and 1-1-1 the worst, and rules such as "R >= 4 and F >= 4"
//! read naturally.
//!
//! ```text
//! up(x) = 1 + #{ j : x > c_j }   for cut points c_1 <= ... <= c_{n-1}
//! R = n + 1 - up(recency_days),  F = up(frequency),  M = up(monetary)
//! ```
//!
//! **Ties.** Frequency is full of ties (often most customers bought exactly once), so "equal-sized
//! groups" and "equal values get equal scores" cannot both hold. [`TiePolicy`] makes the choice
//! explicit:
//! - [`TiePolicy::ValueBased`] (default): cut points are quantiles of the values; equal values
//!   always share a score and the result does not depend on input order, but groups can be
//!   unequal and some scores empty.
//! - [`TiePolicy::RankFirst`]: the common pandas recipe `qcut(x.rank(method="first"), 5)`:
//!   equal-sized groups, but ties are broken by input position, so two identical customers can
//!   land in different scores and re-ordering the input changes the result.
//! - [`TiePolicy::Fixed`]: business thresholds (e.g. recency 30 / 90 / 180 / 365 days).
//!
//! Scores then map to named segments with a [`SegmentMap`] (default: the widely used
//! 10-segment R-by-F grid: Champions, Loyal Customers, ..., Hibernating).
//!
//! Per-customer results: [`analyze_rows`] returns one [`RfmRow`] per customer (its key, values,
//! scores and segment) in input order; [`analyze`], [`score`] and [`RfmModel::score_all`] are
//! the low-level forms whose vectors are parallel to the input values.
//!
//! ## Pipeline
//!
//! ```
//! use crm_analytics::model::chrono::NaiveDate;
//! use crm_analytics::model::rust_decimal::Decimal;
//! use crm_analytics::model::{CustomerInterner, Transaction};
//! use crm_analytics::rfm::{analyze, rfm_values, RfmOptions, SegmentMap, TiePolicy};
//!
//! let mut ids = CustomerInterner::new();
//! let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
//! let rows = [
//!     ("ann", d(6, 28), 120), ("ann", d(6, 1), 80), ("ann", d(5, 2), 60),
//!     ("bob", d(1, 3), 15),
//!     ("cyd", d(6, 20), 30),
//!     ("dan", d(2, 14), 200), ("dan", d(3, 1), 150), ("dan", d(3, 9), 90),
//!     ("eve", d(4, 30), 25), ("eve", d(5, 30), 20),
//! ];
//! let mut tx = Vec::new();
//! for (id, date, amount) in rows {
//!     tx.push(Transaction::purchase(ids.intern(id)?, date, Decimal::from(amount))?);
//! }
//! let table = rfm_values(&tx, &RfmOptions::new(d(7, 1)))?;
//! let a = analyze(&table.customers, 5, &TiePolicy::ValueBased, &SegmentMap::standard())?;
//! let name = |i: usize| a.segment_names[usize::from(a.segments[i])].as_str();
//! // ann: 3 days ago, 3 purchases, 260 spent. Quintile cut points of frequency (1, 1, 2, 3, 3)
//! // are 1, 1.6, 2.4, 3: the top value equals the last cut, so F = 4 (bins are right-closed).
//! assert_eq!((a.scores[0].r, a.scores[0].f, a.scores[0].m), (5, 4, 4));
//! assert_eq!(name(0), "Champions");
//! // bob: 180 days ago, one purchase of 15 -> the bottom cell.
//! assert_eq!((a.scores[1].r, a.scores[1].f, a.scores[1].m), (1, 1, 1));
//! assert_eq!(name(1), "Hibernating");
//! // dan spent most (M = 5) and often, but not since March (114 days): at risk.
//! assert_eq!((a.scores[3].r, a.scores[3].f, a.scores[3].m), (2, 4, 5));
//! assert_eq!(name(3), "At Risk");
//! assert_eq!(a.report.customers, 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Reference: A. M. Hughes, *Strategic Database Marketing*, Probus, 1994 (3rd ed. McGraw-Hill
//! 2006); J. R. Bult & T. Wansbeek (1995), "Optimal selection for direct mail", *Marketing Science*
//! 14(4).

#![forbid(unsafe_code)]

use rayon::prelude::*;

mod error;
mod report;
mod rows;
mod score;
mod segment;
mod values;

pub use crm_model as model;
pub use error::{Result, RfmError};
pub use report::{ReportAccumulator, SegmentReport, SegmentStats, segment_report};
pub use rows::{RfmCustomer, RfmRow, RfmRows, analyze_rows};
pub use score::{CutPoints, MAX_BINS, MIN_BINS, RfmModel, RfmScore, TiePolicy, score};
pub use segment::{ScoreRange, SegmentMap, SegmentRule, Segmenter};
pub use values::{
    MonetaryValue, RfmAccumulator, RfmOptions, RfmTable, RfmValues, rfm_values,
    rfm_values_from_summaries, rfm_values_threaded, sort_by_customer_id,
};

/// Scores, segments and the report of one population, as vectors parallel to the input values:
/// the low-level form of [`analyze_rows`], for callers that keep their own per-customer
/// columns. `scores[i]` and `segments[i]` belong to `values[i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RfmAnalysis {
    /// Scores, parallel to the input values.
    pub scores: Vec<RfmScore>,
    /// Segment index of each customer (into `segment_names`).
    pub segments: Vec<u16>,
    /// Segment names.
    pub segment_names: Vec<String>,
    /// The segment report.
    pub report: SegmentReport,
}

/// Scores `values` with `bins` levels under `ties`, assigns segments with `map`, and reports.
///
/// The result's vectors are parallel to `values` (zip them with `values[i].customer`);
/// [`analyze_rows`] gives the same numbers as one row per customer that carries its key.
///
/// # Errors
/// As [`score`] and [`SegmentMap::compile`].
pub fn analyze(
    values: &[RfmValues],
    bins: u8,
    ties: &TiePolicy,
    map: &SegmentMap,
) -> Result<RfmAnalysis> {
    let (pairs, segment_names, report) = analyze_with(values, bins, ties, map, |_, s, g| (s, g))?;
    let (scores, segments) = pairs.into_par_iter().unzip();
    Ok(RfmAnalysis {
        scores,
        segments,
        segment_names,
        report,
    })
}

/// Customers per part of the parallel pass of [`analyze_with`].
const ANALYZE_CHUNK: usize = 1 << 15;

/// The one pass behind [`analyze`] and [`analyze_rows`]: scores every customer, classifies it,
/// adds it to the report and maps `(values, score, segment index)` with `row`, in input order.
/// Value-based and fixed cut points score parts of the input on the current rayon pool (the
/// report parts are exact sums, merged in order); rank-first scores need the whole ranking and
/// run as one pass. Returns the rows, the segment names and the report.
pub(crate) fn analyze_with<T: Send>(
    values: &[RfmValues],
    bins: u8,
    ties: &TiePolicy,
    map: &SegmentMap,
    row: impl Fn(&RfmValues, RfmScore, u16) -> T + Sync,
) -> Result<(Vec<T>, Vec<String>, SegmentReport)> {
    let seg = map.compile(bins)?;
    let segments = seg.names().len();
    let part = |values: &[RfmValues], scores: &mut dyn Iterator<Item = RfmScore>| {
        let mut report = ReportAccumulator::new(segments);
        let mut rows = Vec::with_capacity(values.len());
        for (v, s) in values.iter().zip(scores) {
            let g = seg.classify(&s);
            report.push(v, g)?;
            rows.push(row(v, s, g as u16));
        }
        Ok::<_, RfmError>((rows, report))
    };
    let (rows, report) = match score::model_for(values, bins, ties)? {
        Some(model) => {
            let scorer = model.scorer();
            // Rows and segments by indexed iterators, collected in place; the report from
            // chunks of both, merged in order (exact sums).
            let (mut rows, mut groups) = (Vec::new(), Vec::new());
            values
                .par_iter()
                .map(|v| {
                    let s = scorer.score(v);
                    let g = seg.classify(&s) as u16;
                    (row(v, s, g), g)
                })
                .unzip_into_vecs(&mut rows, &mut groups);
            let parts: Vec<Result<ReportAccumulator>> = values
                .par_chunks(ANALYZE_CHUNK)
                .zip(groups.par_chunks(ANALYZE_CHUNK))
                .map(|(v, g)| {
                    let mut report = ReportAccumulator::new(segments);
                    for (v, &g) in v.iter().zip(g) {
                        report.push(v, usize::from(g))?;
                    }
                    Ok(report)
                })
                .collect();
            let mut report = ReportAccumulator::new(segments);
            for p in parts {
                report.merge(&p?)?;
            }
            (rows, report)
        }
        None => part(values, &mut score::rank_first(values, bins).into_iter())?,
    };
    let report = report.finish(seg.names(), seg.fallback())?;
    Ok((rows, seg.names().to_vec(), report))
}
