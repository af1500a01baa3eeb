//! Evaluation against known entity ids.
//!
//! A clustering predicts every pair of records in the same cluster to be a match. Against the
//! truth (records with the same entity id match):
//!
//! ```text
//! TP = Σ over (cluster, entity) cells C(n_cell, 2)
//! predicted pairs = Σ clusters C(size, 2)        true pairs = Σ entities C(size, 2)
//! precision = TP / predicted      recall = TP / true      F1 = 2 P R / (P + R)
//! pairs completeness = true pairs among blocking candidates / true pairs
//! ```
//!
//! Recall is over *all* true pairs, so pairs lost at blocking count as misses.
//!
//! Reference: Christen, *Data Matching* (2012), ch. 7; Christen and Goiser, "Quality and complexity
//! measures for data linkage and deduplication" (2007).

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{DedupError, Result};

/// Pairwise quality of a clustering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairMetrics {
    /// Correctly predicted pairs.
    pub true_positives: u64,
    /// Predicted pairs (same cluster).
    pub predicted_pairs: u64,
    /// True pairs (same entity).
    pub true_pairs: u64,
    /// TP / predicted (`None` when nothing is predicted).
    pub precision: Option<f64>,
    /// TP / true pairs (`None` when there is no true pair).
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall (`None` when either is undefined or both are 0).
    pub f1: Option<f64>,
}

fn c2(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Pairwise precision, recall and F1 of `clusters` against `truth` (one label each per record).
///
/// ```
/// use crm_analytics::dedup::eval::evaluate_clusters;
/// // truth: {0,1,2} {3}; predicted: {0,1} {2,3}
/// let m = evaluate_clusters(&[7, 7, 8, 8], &["a", "a", "a", "b"]).unwrap();
/// assert_eq!((m.true_positives, m.predicted_pairs, m.true_pairs), (1, 2, 3));
/// assert_eq!(m.precision, Some(0.5));
/// assert!((m.f1.unwrap() - 0.4).abs() < 1e-12);
/// ```
pub fn evaluate_clusters<C, E>(clusters: &[C], truth: &[E]) -> Result<PairMetrics>
where
    C: std::hash::Hash + Eq,
    E: std::hash::Hash + Eq,
{
    if clusters.len() != truth.len() {
        return Err(DedupError::InvalidParameter {
            name: "truth",
            reason: format!(
                "{} truth labels for {} records",
                truth.len(),
                clusters.len()
            ),
        });
    }
    let mut cl: FxHashMap<&C, u64> = FxHashMap::default();
    let mut en: FxHashMap<&E, u64> = FxHashMap::default();
    let mut cell: FxHashMap<(&C, &E), u64> = FxHashMap::default();
    for (c, e) in clusters.iter().zip(truth) {
        *cl.entry(c).or_default() += 1;
        *en.entry(e).or_default() += 1;
        *cell.entry((c, e)).or_default() += 1;
    }
    let tp: u64 = cell.values().map(|&n| c2(n)).sum();
    let pred: u64 = cl.values().map(|&n| c2(n)).sum();
    let true_pairs: u64 = en.values().map(|&n| c2(n)).sum();
    Ok(metrics(tp, pred, true_pairs))
}

pub use crate::error::EvalInput;

/// Pairwise precision, recall and F1 of clusters given as `(record id, cluster id)` rows
/// against truth given as `(record id, entity id)` rows (the truth may hold more records).
///
/// A record id that appears twice in either input is an error, not a pair of a record with
/// itself (which would count as a true positive); so is a clustered record without truth.
///
/// # Errors
/// [`DedupError::DuplicateEvalId`] naming the input, the id and both 0-based row positions;
/// [`DedupError::MissingTruth`] naming the id and its row in `clusters`.
///
/// ```
/// use crm_analytics::dedup::eval::evaluate_cluster_rows;
/// let clusters = [("r1", 0), ("r2", 0), ("r3", 1)];
/// let truth = [("r1", "a"), ("r2", "a"), ("r3", "b")];
/// assert_eq!(evaluate_cluster_rows(&clusters, &truth)?.f1, Some(1.0));
/// let twice = [("r1", 0), ("r1", 0)];
/// let e = evaluate_cluster_rows(&twice, &truth).unwrap_err();
/// assert_eq!(e.to_string(), "clusters: record id \"r1\" appears twice (rows 0 and 1)");
/// # Ok::<(), crm_analytics::dedup::DedupError>(())
/// ```
pub fn evaluate_cluster_rows<I, C, E>(clusters: &[(I, C)], truth: &[(I, E)]) -> Result<PairMetrics>
where
    I: AsRef<str>,
    C: std::hash::Hash + Eq,
    E: std::hash::Hash + Eq,
{
    let truth_of = truth_index(truth)?;
    let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
    let mut c = Vec::with_capacity(clusters.len());
    let mut t = Vec::with_capacity(clusters.len());
    for (k, (id, cl)) in clusters.iter().enumerate() {
        let id = id.as_ref();
        if let Some(first) = seen.insert(id, k) {
            return Err(DedupError::DuplicateEvalId {
                input: EvalInput::Clusters,
                id: id.to_string(),
                first,
                second: k,
            });
        }
        let Some(e) = truth_of.get(id).and_then(|&p| truth.get(p)) else {
            return Err(DedupError::MissingTruth {
                id: id.to_string(),
                index: k,
            });
        };
        c.push(cl);
        t.push(&e.1);
    }
    evaluate_clusters(&c, &t)
}

/// Row of each id of `truth`; a repeated id is [`DedupError::DuplicateEvalId`].
fn truth_index<I: AsRef<str>, E>(truth: &[(I, E)]) -> Result<FxHashMap<&str, usize>> {
    let mut m: FxHashMap<&str, usize> = FxHashMap::default();
    for (k, (id, _)) in truth.iter().enumerate() {
        if let Some(first) = m.insert(id.as_ref(), k) {
            return Err(DedupError::DuplicateEvalId {
                input: EvalInput::Truth,
                id: id.as_ref().to_string(),
                first,
                second: k,
            });
        }
    }
    Ok(m)
}

/// The entity of each of `ids` (in their order) from truth rows `(record id, entity id)`; the
/// truth may hold more records.
///
/// # Errors
/// [`DedupError::DuplicateEvalId`] for an id repeated in `truth`; [`DedupError::MissingTruth`]
/// naming an id without a truth row and its position in `ids`.
///
/// ```
/// use crm_analytics::dedup::eval::truth_labels;
/// let truth = [("r3", "b"), ("r1", "a"), ("r2", "a"), ("r9", "z")];
/// assert_eq!(truth_labels(&["r1", "r2", "r3"], &truth)?, [&"a", &"a", &"b"]);
/// let e = truth_labels(&["r1", "r4"], &truth).unwrap_err();
/// assert_eq!(e.to_string(), "clusters: record id \"r4\" (row 1) has no truth row");
/// # Ok::<(), crm_analytics::dedup::DedupError>(())
/// ```
pub fn truth_labels<'a, S, I, E>(ids: &[S], truth: &'a [(I, E)]) -> Result<Vec<&'a E>>
where
    S: AsRef<str>,
    I: AsRef<str>,
{
    let truth_of = truth_index(truth)?;
    ids.iter()
        .enumerate()
        .map(|(k, id)| {
            let id = id.as_ref();
            match truth_of.get(id).and_then(|&p| truth.get(p)) {
                Some(e) => Ok(&e.1),
                None => Err(DedupError::MissingTruth {
                    id: id.to_string(),
                    index: k,
                }),
            }
        })
        .collect()
}

/// Metrics from counts.
pub fn metrics(tp: u64, predicted: u64, true_pairs: u64) -> PairMetrics {
    let precision = (predicted > 0).then(|| tp as f64 / predicted as f64);
    let recall = (true_pairs > 0).then(|| tp as f64 / true_pairs as f64);
    let f1 = match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        _ => None,
    };
    PairMetrics {
        true_positives: tp,
        predicted_pairs: predicted,
        true_pairs,
        precision,
        recall,
        f1,
    }
}

/// Pairs completeness of candidate pairs: the share of true pairs (same entity label) that are
/// among `pairs`. `None` when there is no true pair.
///
/// ```
/// use crm_analytics::dedup::eval::pairs_completeness;
/// assert_eq!(pairs_completeness(&[(0, 1)], &[1, 1, 1]), Some(1.0 / 3.0));
/// ```
pub fn pairs_completeness<E: std::hash::Hash + Eq>(
    pairs: &[(u32, u32)],
    truth: &[E],
) -> Option<f64> {
    let mut en: FxHashMap<&E, u64> = FxHashMap::default();
    for e in truth {
        *en.entry(e).or_default() += 1;
    }
    let true_pairs: u64 = en.values().map(|&n| c2(n)).sum();
    if true_pairs == 0 {
        return None;
    }
    let mut pairs = pairs.to_vec();
    pairs
        .iter_mut()
        .for_each(|p| *p = (p.0.min(p.1), p.0.max(p.1)));
    pairs.sort_unstable();
    pairs.dedup();
    let found = pairs
        .iter()
        .filter(
            |&&(i, j)| match (truth.get(i as usize), truth.get(j as usize)) {
                (Some(a), Some(b)) => i != j && a == b,
                _ => false,
            },
        )
        .count();
    Some(found as f64 / true_pairs as f64)
}

/// Precision, recall and F1 of a set of predicted pairs (e.g. links between two sources).
pub fn evaluate_pairs<E: std::hash::Hash + Eq>(pairs: &[(u32, u32)], truth: &[E]) -> PairMetrics {
    let mut en: FxHashMap<&E, u64> = FxHashMap::default();
    for e in truth {
        *en.entry(e).or_default() += 1;
    }
    let true_pairs: u64 = en.values().map(|&n| c2(n)).sum();
    let mut p = pairs.to_vec();
    p.iter_mut().for_each(|x| *x = (x.0.min(x.1), x.0.max(x.1)));
    p.sort_unstable();
    p.dedup();
    let tp = p
        .iter()
        .filter(
            |&&(i, j)| match (truth.get(i as usize), truth.get(j as usize)) {
                (Some(a), Some(b)) => i != j && a == b,
                _ => false,
            },
        )
        .count() as u64;
    metrics(tp, p.len() as u64, true_pairs)
}

/// Precision, recall and F1 of the scored candidate pairs taken as links at one weight
/// threshold: a point of [`threshold_curve`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdPoint {
    /// The threshold: pairs of at least this match weight (bits) are links.
    pub weight: f64,
    /// The same threshold as a match probability (the weight is log2 of the odds).
    pub probability: f64,
    /// The counts and rates at this threshold (pairs, before clustering).
    pub metrics: PairMetrics,
}

/// Link-level precision, recall and F1 against the truth at `steps` weight thresholds evenly
/// spread (in whole bits) over the scores' range: how a threshold trades precision for
/// recall before clustering (clustering can only remove links). `labels[i]` is the entity of
/// record position `i`; true pairs are counted over all records, so pairs that blocking never
/// compared lower the recall at every threshold. Empty without scores.
///
/// ```
/// use crm_analytics::dedup::eval::threshold_curve;
/// use crm_analytics::dedup::pipeline::ScoredPair;
/// let pair = |i, j, weight: f64| ScoredPair { i, j, weight, probability: 1.0 / (1.0 + (-weight).exp2()) };
/// let scores = [pair(0, 1, 12.0), pair(2, 3, -4.0), pair(1, 2, 3.0)];
/// let curve = threshold_curve(&scores, &["a", "a", "b", "b"], 5);
/// let at = |w: f64| curve.iter().find(|p| p.weight == w).unwrap().metrics.clone();
/// assert_eq!((at(-4.0).true_positives, at(-4.0).predicted_pairs), (2, 3));
/// assert_eq!((at(12.0).true_positives, at(12.0).predicted_pairs), (1, 1));
/// ```
#[must_use]
pub fn threshold_curve<E: std::hash::Hash + Eq>(
    scores: &[crate::pipeline::ScoredPair],
    labels: &[E],
    steps: usize,
) -> Vec<ThresholdPoint> {
    let finite = || scores.iter().map(|s| s.weight).filter(|w| w.is_finite());
    let (Some(lo), Some(hi)) = (finite().reduce(f64::min), finite().reduce(f64::max)) else {
        return Vec::new();
    };
    let mut en: FxHashMap<&E, u64> = FxHashMap::default();
    for e in labels {
        *en.entry(e).or_default() += 1;
    }
    let true_pairs: u64 = en.values().map(|&n| c2(n)).sum();
    let is_true = |s: &crate::pipeline::ScoredPair| {
        s.i != s.j
            && matches!(
                (labels.get(s.i as usize), labels.get(s.j as usize)),
                (Some(a), Some(b)) if a == b
            )
    };
    let mut sorted: Vec<(f64, bool)> = scores.iter().map(|s| (s.weight, is_true(s))).collect();
    sorted.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    let (lo, hi) = (lo.floor(), hi.ceil());
    let steps = steps.max(2);
    let mut thresholds: Vec<f64> = (0..steps)
        .map(|k| (hi - (hi - lo) * k as f64 / (steps - 1) as f64).round())
        .collect();
    thresholds.dedup();
    let (mut at, mut links, mut tp) = (0usize, 0u64, 0u64);
    thresholds
        .into_iter()
        .map(|w| {
            while let Some(&(sw, t)) = sorted.get(at) {
                if sw < w {
                    break;
                }
                links += 1;
                tp += u64::from(t);
                at += 1;
            }
            ThresholdPoint {
                weight: w,
                probability: 1.0 / (1.0 + (-w).exp2()),
                metrics: metrics(tp, links, true_pairs),
            }
        })
        .collect()
}

#[cfg(test)]
mod curve_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::pipeline::ScoredPair;

    #[test]
    fn lower_thresholds_add_links_and_never_lose_recall() {
        // 40 records in 10 entities of 4; pairs scored high when true, low otherwise, with
        // some noise in both directions.
        let labels: Vec<u32> = (0..40).map(|i| i / 4).collect();
        let mut scores = Vec::new();
        for i in 0..40u32 {
            for j in (i + 1)..40u32.min(i + 7) {
                let same = labels[i as usize] == labels[j as usize];
                let noise = f64::from((i * 7 + j * 13) % 11) - 5.0;
                let weight = if same { 20.0 } else { -10.0 } + noise * 2.0;
                scores.push(ScoredPair {
                    i,
                    j,
                    weight,
                    probability: 1.0 / (1.0 + (-weight).exp2()),
                });
            }
        }
        let curve = threshold_curve(&scores, &labels, 31);
        assert!(curve.len() > 10);
        let last = curve.last().unwrap();
        assert_eq!(last.metrics.predicted_pairs, scores.len() as u64);
        assert_eq!(last.metrics.true_pairs, 10 * 6);
        for w in curve.windows(2) {
            assert!(w[1].weight < w[0].weight);
            assert!(w[1].metrics.predicted_pairs >= w[0].metrics.predicted_pairs);
            assert!(w[1].metrics.true_positives >= w[0].metrics.true_positives);
        }
        assert!(threshold_curve::<u32>(&[], &labels, 10).is_empty());
    }
}
