//! Honest evaluation of churn scores: ranking (ROC AUC, PR AUC, gains, lift, precision at k) and
//! probability quality (log loss, Brier score, calibration by decile).
//!
//! Convention everywhere: `labels[i] = true` means customer `i` churned (the positive class), and
//! a higher score means "more likely to churn".
//!
//! **Ties.** Real scores tie (rule scores take a handful of values; recency in days ties by the
//! thousand). ROC AUC gives tied pairs half credit through mid-ranks. Every "top k" figure
//! (gains, lift, precision at k, the deciles) counts a tie group straddling the cut-off
//! fractionally, as the expectation over a random order within the tie: deterministic, and it
//! neither rewards nor penalises the arbitrary order in which tied customers come.
//!
//! References: Hanley & McNeil (1982), "The meaning and use of the area under a ROC curve",
//! *Radiology* 143; Brier (1950), *Monthly Weather Review* 78; Neslin et al. (2006),
//! "Defection detection", *JMR* 43 (top-decile lift as the churn-modelling tournament metric).

use serde::{Deserialize, Serialize};

use crate::error::{ChurnError, Result, check_finite};

fn check(scores: &[f64], labels: &[bool]) -> Result<(usize, usize)> {
    if scores.len() != labels.len() {
        return Err(ChurnError::LengthMismatch {
            what: "scores vs labels",
            left: scores.len(),
            right: labels.len(),
        });
    }
    if scores.is_empty() {
        return Err(ChurnError::Empty { what: "scores" });
    }
    check_finite("score", scores)?;
    let pos = labels.iter().filter(|&&l| l).count();
    Ok((pos, labels.len() - pos))
}

fn check_probabilities(scores: &[f64]) -> Result<()> {
    match scores.iter().position(|p| !(0.0..=1.0).contains(p)) {
        None => Ok(()),
        Some(index) => Err(ChurnError::OutOfRange {
            field: "probability".into(),
            index,
            value: scores[index],
            min: 0.0,
            max: 1.0,
        }),
    }
}

/// Area under the ROC curve: the probability that a random churner scores above a random
/// stayer, ties counting one half.
///
/// ```text
/// AUC = (R+ - n+ (n+ + 1) / 2) / (n+ n-)
///   R+ = sum of the (mid-)ranks of the churners among all scores, ranked ascending;
///        tied scores share the mean of the ranks they span
/// ```
///
/// Equals scikit-learn's `roc_auc_score` (trapezoidal ROC, which handles ties the same way).
/// 0.5 is a coin, 1.0 a perfect ranking, below 0.5 a reversed one.
///
/// # Errors
/// [`ChurnError::Empty`], [`ChurnError::LengthMismatch`], [`ChurnError::NotFinite`];
/// [`ChurnError::OneClass`] when every label is the same.
///
/// ```
/// use crm_analytics::churn::roc_auc;
/// // Pairs (churner, stayer): (0.9,0.1) win, (0.9,0.5) win, (0.5,0.1) win, (0.5,0.5) tie.
/// let auc = roc_auc(&[0.9, 0.5, 0.5, 0.1], &[true, true, false, false])?;
/// assert_eq!(auc, 3.5 / 4.0);
/// # Ok::<(), crm_analytics::churn::ChurnError>(())
/// ```
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Result<f64> {
    let (pos, neg) = check(scores, labels)?;
    if pos == 0 || neg == 0 {
        return Err(ChurnError::OneClass {
            what: "ROC AUC",
            class: pos > 0,
        });
    }
    let mut idx: Vec<u32> = (0..scores.len() as u32).collect();
    idx.sort_unstable_by(|&a, &b| scores[a as usize].total_cmp(&scores[b as usize]));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let s = scores[idx[i] as usize];
        let mut j = i;
        let mut p = 0usize;
        while j < idx.len() && scores[idx[j] as usize] == s {
            p += usize::from(labels[idx[j] as usize]);
            j += 1;
        }
        // Ranks i+1 ..= j share the mean (i + 1 + j) / 2.
        rank_sum += p as f64 * (i + 1 + j) as f64 / 2.0;
        i = j;
    }
    let (pos, neg) = (pos as f64, neg as f64);
    Ok((rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

/// Scores sorted descending, grouped into tie groups: `(end position, positives in group)`.
struct Ranked {
    sorted: Vec<f64>,
    groups: Vec<(usize, usize)>,
    positives: usize,
}

impl Ranked {
    fn new(scores: &[f64], labels: &[bool]) -> Self {
        let mut idx: Vec<u32> = (0..scores.len() as u32).collect();
        idx.sort_unstable_by(|&a, &b| scores[b as usize].total_cmp(&scores[a as usize]));
        let sorted: Vec<f64> = idx.iter().map(|&i| scores[i as usize]).collect();
        let mut groups = Vec::new();
        let mut i = 0;
        let mut positives = 0;
        while i < idx.len() {
            let mut j = i;
            let mut p = 0;
            while j < idx.len() && sorted[j] == sorted[i] {
                p += usize::from(labels[idx[j] as usize]);
                j += 1;
            }
            positives += p;
            groups.push((j, p));
            i = j;
        }
        Ranked {
            sorted,
            groups,
            positives,
        }
    }

    /// Expected churners among the top `k` (ties at the cut-off shared pro rata).
    fn top(&self, k: usize) -> f64 {
        let mut start = 0;
        let mut acc = 0.0;
        for &(end, p) in &self.groups {
            if end <= k {
                acc += p as f64;
                start = end;
                continue;
            }
            if k > start {
                acc += p as f64 * (k - start) as f64 / (end - start) as f64;
            }
            break;
        }
        acc
    }
}

/// Area under the precision-recall curve as average precision (the step-wise sum scikit-learn's
/// `average_precision_score` computes; no interpolation).
///
/// ```text
/// AP = sum over distinct thresholds t (descending) of (R(t) - R(t_prev)) * P(t)
///   P(t) = churners with score >= t / customers with score >= t,  R(t) = churners with score >= t / all churners
/// ```
///
/// A random score reaches the churn rate; 1.0 is a perfect ranking. More informative than ROC
/// AUC when churners are rare.
///
/// # Errors
/// As [`roc_auc`]; [`ChurnError::OneClass`] when there is no churner.
///
/// ```
/// use crm_analytics::churn::pr_auc;
/// // Thresholds 0.9 (P 1, R 1/2), 0.5 (P 2/3, R 1): AP = 1/2 * 1 + 1/2 * 2/3.
/// let ap = pr_auc(&[0.9, 0.5, 0.5, 0.1], &[true, true, false, false])?;
/// assert!((ap - (0.5 + 1.0 / 3.0)).abs() < 1e-12);
/// # Ok::<(), crm_analytics::churn::ChurnError>(())
/// ```
pub fn pr_auc(scores: &[f64], labels: &[bool]) -> Result<f64> {
    let (pos, _) = check(scores, labels)?;
    if pos == 0 {
        return Err(ChurnError::OneClass {
            what: "PR AUC",
            class: false,
        });
    }
    let r = Ranked::new(scores, labels);
    let mut tp = 0usize;
    let mut ap = 0.0;
    for &(end, p) in &r.groups {
        if p > 0 {
            tp += p;
            ap += (p as f64 / pos as f64) * (tp as f64 / end as f64);
        }
    }
    Ok(ap)
}

/// Mean negative log-likelihood of the labels under probabilities `p` (natural log).
///
/// ```text
/// log loss = -(1/n) sum [ y ln p + (1 - y) ln(1 - p) ],   p clipped to [eps, 1 - eps], eps = 2^-52 (as scikit-learn)
/// ```
///
/// Lower is better; a constant prediction of the churn rate q scores the entropy
/// `-(q ln q + (1-q) ln(1-q))`.
///
/// # Errors
/// As [`roc_auc`] (one class is fine here); [`ChurnError::OutOfRange`] for `p` outside [0, 1].
///
/// ```
/// use crm_analytics::churn::log_loss;
/// let l = log_loss(&[0.8, 0.4], &[true, false])?;
/// assert!((l - -(0.8f64.ln() + 0.6f64.ln()) / 2.0).abs() < 1e-12);
/// # Ok::<(), crm_analytics::churn::ChurnError>(())
/// ```
pub fn log_loss(p: &[f64], labels: &[bool]) -> Result<f64> {
    check(p, labels)?;
    check_probabilities(p)?;
    const EPS: f64 = f64::EPSILON;
    let s: f64 = p
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let p = p.clamp(EPS, 1.0 - EPS);
            if y { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    Ok(s / p.len() as f64)
}

/// Brier score: the mean squared error of probabilities (Brier 1950).
///
/// ```text
/// Brier = (1/n) sum (p_i - y_i)^2      0 = perfect; q (1 - q) for a constant churn rate q
/// ```
///
/// # Errors
/// As [`log_loss`].
///
/// ```
/// use crm_analytics::churn::brier_score;
/// assert!((brier_score(&[0.8, 0.4], &[true, false])? - (0.04 + 0.16) / 2.0).abs() < 1e-12);
/// # Ok::<(), crm_analytics::churn::ChurnError>(())
/// ```
pub fn brier_score(p: &[f64], labels: &[bool]) -> Result<f64> {
    check(p, labels)?;
    check_probabilities(p)?;
    let s: f64 = p
        .iter()
        .zip(labels)
        .map(|(&p, &y)| (p - f64::from(u8::from(y))).powi(2))
        .sum();
    Ok(s / p.len() as f64)
}

/// Precision among the `k` highest scores: expected churners in the top k / k (ties at the
/// cut-off shared pro rata). What a retention team calling `k` customers actually reaches.
///
/// # Errors
/// As [`roc_auc`] (one class is fine); [`ChurnError::InvalidParameter`] when `k` is 0 or above
/// the number of customers.
///
/// ```
/// use crm_analytics::churn::precision_at_k;
/// // Top 2: 0.9 (churner), then one of the tied 0.5s (one churner, one stayer) -> 1.5 / 2.
/// assert_eq!(precision_at_k(&[0.9, 0.5, 0.5, 0.1], &[true, true, false, false], 2)?, 0.75);
/// # Ok::<(), crm_analytics::churn::ChurnError>(())
/// ```
pub fn precision_at_k(scores: &[f64], labels: &[bool], k: usize) -> Result<f64> {
    check(scores, labels)?;
    if k == 0 || k > scores.len() {
        return Err(ChurnError::InvalidParameter {
            name: "k",
            reason: format!("must be in 1..={}, got {k}", scores.len()),
        });
    }
    Ok(Ranked::new(scores, labels).top(k) / k as f64)
}

/// One point of a cumulative gains curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GainPoint {
    /// Share of customers targeted (highest scores first), e.g. 0.1.
    pub fraction: f64,
    /// Customers targeted: `ceil(fraction * n)`.
    pub targeted: usize,
    /// Share of all churners among them (the gain).
    pub captured: f64,
    /// Churn rate among them divided by the overall churn rate.
    pub lift: f64,
}

/// Cumulative gains at the deciles 10%, 20%, ..., 100%.
///
/// ```text
/// targeted(f) = ceil(f n);  captured(f) = churners in the top targeted(f) / all churners
/// lift(f)     = (churners in top / targeted(f)) / (all churners / n) = captured(f) n / targeted(f)
/// ```
///
/// A random order captures `f` of the churners (lift 1); lift at 10% is the **top-decile
/// lift**.
///
/// # Errors
/// As [`roc_auc`]; [`ChurnError::OneClass`] without churners.
pub fn cumulative_gains(scores: &[f64], labels: &[bool]) -> Result<Vec<GainPoint>> {
    let (pos, _) = check(scores, labels)?;
    if pos == 0 {
        return Err(ChurnError::OneClass {
            what: "cumulative gains",
            class: false,
        });
    }
    let r = Ranked::new(scores, labels);
    let n = scores.len();
    Ok((1..=10)
        .map(|d| {
            let targeted = (n * d).div_ceil(10).max(1);
            let captured = r.top(targeted) / r.positives as f64;
            GainPoint {
                fraction: d as f64 / 10.0,
                targeted,
                captured,
                lift: captured * n as f64 / targeted as f64,
            }
        })
        .collect())
}

/// Top-decile lift: churn rate among the 10% highest scores over the overall churn rate
/// (the first point of [`cumulative_gains`]).
///
/// # Errors
/// As [`cumulative_gains`].
///
/// ```
/// use crm_analytics::churn::top_decile_lift;
/// // 10 customers, 3 churners; the top score is a churner: (1/1) / (3/10).
/// let s: Vec<f64> = (0..10).map(|i| i as f64).collect();
/// let y = [false, false, false, false, false, false, true, false, true, true];
/// assert!((top_decile_lift(&s, &y)? - 10.0 / 3.0).abs() < 1e-12);
/// # Ok::<(), crm_analytics::churn::ChurnError>(())
/// ```
pub fn top_decile_lift(scores: &[f64], labels: &[bool]) -> Result<f64> {
    Ok(cumulative_gains(scores, labels)?
        .first()
        .map_or(1.0, |g| g.lift))
}

/// One decile of a calibration table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// 1 = the 10% highest scores, 10 = the lowest.
    pub decile: usize,
    /// Customers in the bin.
    pub n: usize,
    /// Lowest score in the bin.
    pub min_score: f64,
    /// Highest score in the bin.
    pub max_score: f64,
    /// Mean score (the predicted churn rate when scores are probabilities).
    pub mean_score: f64,
    /// Observed churn rate (tie groups straddling a bin edge shared pro rata).
    pub observed_rate: f64,
}

/// Calibration table by decile of the score: bin `d` holds sorted positions
/// `[ceil((d-1) n / 10), ceil(d n / 10))`, highest scores first. A calibrated probability has
/// `mean_score ≈ observed_rate` in every bin. Bins are empty (and left out) when n < 10.
///
/// # Errors
/// As [`roc_auc`] (one class is fine).
///
/// ```
/// use crm_analytics::churn::calibration_table;
/// let p: Vec<f64> = (0..20).map(|i| i as f64 / 20.0).collect();
/// let y: Vec<bool> = (0..20).map(|i| i >= 10).collect();
/// let t = calibration_table(&p, &y)?;
/// assert_eq!((t[0].decile, t[0].n, t[0].observed_rate), (1, 2, 1.0));
/// assert!((t[0].mean_score - 0.925).abs() < 1e-12);
/// assert_eq!(t[9].observed_rate, 0.0);
/// # Ok::<(), crm_analytics::churn::ChurnError>(())
/// ```
pub fn calibration_table(scores: &[f64], labels: &[bool]) -> Result<Vec<CalibrationBin>> {
    check(scores, labels)?;
    let r = Ranked::new(scores, labels);
    let n = scores.len();
    let mut out = Vec::with_capacity(10);
    for d in 1..=10 {
        let (a, b) = ((n * (d - 1)).div_ceil(10), (n * d).div_ceil(10));
        if b <= a {
            continue;
        }
        let bin = &r.sorted[a..b];
        out.push(CalibrationBin {
            decile: d,
            n: b - a,
            min_score: bin[bin.len() - 1],
            max_score: bin[0],
            mean_score: bin.iter().sum::<f64>() / bin.len() as f64,
            observed_rate: (r.top(b) - r.top(a)) / (b - a) as f64,
        });
    }
    Ok(out)
}

/// Every evaluation figure of one score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Customers evaluated.
    pub n: usize,
    /// Churners among them.
    pub churners: usize,
    /// Churn rate.
    pub churn_rate: f64,
    /// ROC AUC.
    pub roc_auc: f64,
    /// PR AUC (average precision).
    pub pr_auc: f64,
    /// Log loss; `None` when the scores are not probabilities in [0, 1].
    pub log_loss: Option<f64>,
    /// Brier score; `None` when the scores are not probabilities in [0, 1].
    pub brier: Option<f64>,
    /// Top-decile lift.
    pub top_decile_lift: f64,
    /// Cumulative gains at each decile.
    pub gains: Vec<GainPoint>,
    /// Calibration table by decile.
    pub calibration: Vec<CalibrationBin>,
}

/// All figures at once: [`roc_auc`], [`pr_auc`], [`log_loss`] and [`brier_score`] (when the
/// scores are probabilities), [`cumulative_gains`], [`top_decile_lift`], [`calibration_table`].
///
/// # Errors
/// As [`roc_auc`].
pub fn evaluate(scores: &[f64], labels: &[bool]) -> Result<Evaluation> {
    let (pos, _) = check(scores, labels)?;
    let probabilities = check_probabilities(scores).is_ok();
    let gains = cumulative_gains(scores, labels)?;
    Ok(Evaluation {
        n: scores.len(),
        churners: pos,
        churn_rate: pos as f64 / scores.len() as f64,
        roc_auc: roc_auc(scores, labels)?,
        pr_auc: pr_auc(scores, labels)?,
        log_loss: if probabilities {
            Some(log_loss(scores, labels)?)
        } else {
            None
        },
        brier: if probabilities {
            Some(brier_score(scores, labels)?)
        } else {
            None
        },
        top_decile_lift: gains.first().map_or(1.0, |g| g.lift),
        gains,
        calibration: calibration_table(scores, labels)?,
    })
}
