//! The Fellegi-Sunter model: m and u probabilities per field and level, match weights and
//! probabilities, explanations.
//!
//! For a pair of records, each field's comparison falls into a level `l`. Two probabilities
//! describe each level:
//!
//! ```text
//! m_l = P(level l | the records are the same entity)
//! u_l = P(level l | the records are different entities)
//! ```
//!
//! Fields are treated as independent given the match status, so evidence adds up in log space:
//!
//! ```text
//! match weight  W = log2(λ / (1 - λ)) + Σ_fields log2(m_l / u_l)       (missing level: 0)
//! probability   P = 2^W / (1 + 2^W)
//! ```
//!
//! where λ is the prior share of matches among the compared (candidate) pairs.
//!
//! * u is estimated from a seeded random sample of record pairs: almost all random pairs are
//!   non-matches, so the level frequencies among them estimate u.
//! * m and λ are estimated without labels by expectation-maximisation over the candidate pairs with
//!   u held fixed (as Splink does), or from labelled pairs with [`m_from_labels`].
//! * Term-frequency adjustment: for fields with `term_frequency`, exact agreement uses
//!   `u = tf(value)`, the value's share among records, instead of the average `u_exact`, so
//!   agreeing on "smith" is weaker evidence than agreeing on "zyzanski".
//!
//! References: Fellegi and Sunter, "A theory for record linkage", JASA 64 (1969);
//! Winkler, "Using the EM algorithm for weight computation in the Fellegi-Sunter model of record
//! linkage" (1988); Splink documentation (term-frequency adjustments, waterfall charts).

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::blocking::PairScope;
use crate::compare::{LEVELS, Level, level_with};
use crate::error::{DedupError, Result};
use crate::prepare::Prepared;
use crate::schema::FieldKind;

/// Level of field `f` for records `i` and `j`.
pub fn field_level(prep: &Prepared, f: usize, i: usize, j: usize) -> Level {
    let field = &prep.fields[f];
    let (a, b) = (field.value_id[i], field.value_id[j]);
    if a == 0 || b == 0 {
        return Level::Missing;
    }
    if a == b {
        return Level::Exact;
    }
    level_with(
        field.spec.kind,
        &field.values[i],
        &field.values[j],
        &field.keys[i],
        &field.keys[j],
        field.alternatives,
    )
}

/// Comparison vectors of many pairs: `levels[p * n_fields + f]` is the level index of field `f`
/// for pair `p`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparisons {
    /// Number of fields.
    pub n_fields: usize,
    /// Flattened level indices (0 = exact ... 4 = missing).
    pub levels: Vec<u8>,
}

impl Comparisons {
    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.levels.len().checked_div(self.n_fields).unwrap_or(0)
    }
    /// True when there is no pair.
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }
    /// The level vector of pair `p`.
    pub fn row(&self, p: usize) -> &[u8] {
        &self.levels[p * self.n_fields..(p + 1) * self.n_fields]
    }
}

/// Compares every pair (in parallel).
pub fn compare_pairs(prep: &Prepared, pairs: &[(u32, u32)]) -> Comparisons {
    let nf = prep.fields.len();
    let mut levels = vec![0u8; pairs.len() * nf];
    levels
        .par_chunks_mut(nf.max(1))
        .zip(pairs.par_iter())
        .for_each(|(row, &(i, j))| {
            for (f, slot) in row.iter_mut().enumerate() {
                *slot = field_level(prep, f, i as usize, j as usize) as u8;
            }
        });
    Comparisons {
        n_fields: nf,
        levels,
    }
}

/// m and u of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldParams {
    /// Field name.
    pub name: String,
    /// Field kind.
    pub kind: FieldKind,
    /// Term-frequency adjustment on exact agreement.
    pub term_frequency: bool,
    /// m per level (exact, close, partial, far).
    pub m: [f64; LEVELS],
    /// u per level (exact, close, partial, far) among the candidate pairs (used in weights).
    pub u: [f64; LEVELS],
    /// u per level among random pairs (the reference of the term-frequency adjustment).
    pub u_random: [f64; LEVELS],
}

/// A trained Fellegi-Sunter model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FsModel {
    /// λ: prior probability that a candidate pair is a match.
    pub prior: f64,
    /// Per-field parameters, in schema order.
    pub fields: Vec<FieldParams>,
    /// EM iterations run (0 when m came from labels).
    pub em_iterations: usize,
    /// Whether EM met its tolerance before the iteration cap.
    pub converged: bool,
}

/// Small counts are smoothed so that no probability is 0 (a level never seen would otherwise get
/// an infinite weight).
const FLOOR: f64 = 1e-6;

fn normalise(counts: [f64; LEVELS], pseudo: f64) -> [f64; LEVELS] {
    let total: f64 = counts.iter().sum::<f64>() + pseudo * LEVELS as f64;
    let mut out = [0.0; LEVELS];
    for (o, c) in out.iter_mut().zip(counts) {
        *o = ((c + pseudo) / total).max(FLOOR);
    }
    out
}

/// Deterministic 64-bit generator (SplitMix64) for seeded sampling.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform integer in `0..n` (`n > 0`; returns 0 for `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
    /// Uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Estimates u per field and level from `sample` random pairs within `scope` (seeded). When the
/// scope has no more pairs than `sample`, all pairs are used.
pub fn estimate_u(
    prep: &Prepared,
    scope: PairScope,
    sample: usize,
    seed: u64,
) -> Result<Vec<[f64; LEVELS]>> {
    let n = prep.len();
    if n < 2 || scope.total_pairs(n) == 0 {
        return Err(DedupError::TooFewRecords(n));
    }
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    if scope.total_pairs(n) <= sample as u64 {
        for i in 0..n {
            for j in i + 1..n {
                if scope_allows(scope, i, j) {
                    pairs.push((i as u32, j as u32));
                }
            }
        }
    } else {
        let mut rng = SplitMix64::new(seed);
        let (lo_range, hi_start) = match scope {
            PairScope::All => (n, 0),
            PairScope::Cross(s) | PairScope::Involving(s) => (s.min(n), s.min(n)),
        };
        while pairs.len() < sample {
            let (i, j) = match scope {
                PairScope::All => (rng.below(n as u64) as usize, rng.below(n as u64) as usize),
                PairScope::Cross(_) => (
                    rng.below(lo_range as u64) as usize,
                    hi_start + rng.below((n - hi_start) as u64) as usize,
                ),
                PairScope::Involving(_) => (
                    rng.below(n as u64) as usize,
                    hi_start + rng.below((n - hi_start) as u64) as usize,
                ),
            };
            if i != j {
                pairs.push((i.min(j) as u32, i.max(j) as u32));
            }
        }
    }
    let comps = compare_pairs(prep, &pairs);
    let nf = prep.fields.len();
    let mut counts = vec![[0.0f64; LEVELS]; nf];
    for p in 0..comps.len() {
        for (f, &l) in comps.row(p).iter().enumerate() {
            if (l as usize) < LEVELS {
                counts[f][l as usize] += 1.0;
            }
        }
    }
    Ok(counts.into_iter().map(|c| normalise(c, 0.5)).collect())
}

fn scope_allows(scope: PairScope, i: usize, j: usize) -> bool {
    match scope {
        PairScope::All => true,
        PairScope::Cross(s) => i < s && j >= s,
        PairScope::Involving(s) => j >= s,
    }
}

/// Options of [`train_em`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EmOptions {
    /// Iteration cap. Default 100.
    pub max_iterations: usize,
    /// Stop when no parameter moves by more than this. Default 1e-6.
    pub tolerance: f64,
    /// Starting λ. Default 0.05.
    pub initial_prior: f64,
    /// Also re-estimate u by EM over the candidate pairs (the classic two-class EM of Winkler,
    /// started from the sampled u). Candidate pairs agree on their blocking keys far more often
    /// than random pairs do, so with u held at its random-pair value EM can explain every
    /// candidate as a match (λ -> 1); re-estimating u within the candidates avoids that. The
    /// sampled u is kept for the term-frequency reference. Default true.
    pub train_u: bool,
}

impl Default for EmOptions {
    fn default() -> Self {
        EmOptions {
            max_iterations: 100,
            tolerance: 1e-6,
            initial_prior: 0.05,
            train_u: true,
        }
    }
}

/// Estimates m and λ by EM over the comparison vectors, with u fixed.
///
/// ```text
/// E step: g_p = λ Π m_f,l(p) / (λ Π m_f,l(p) + (1-λ) Π u_f,l(p))     (missing levels skipped)
/// M step: m_f,l = Σ_p g_p [level_f(p) = l] / Σ_p g_p [level_f(p) ≠ missing];  λ = Σ g_p / N
/// ```
///
/// Identical comparison vectors are grouped first, so each iteration costs the number of distinct
/// patterns, not pairs. Starting m: exact 0.85, close 0.08, partial 0.04, far 0.03.
pub fn train_em(
    prep: &Prepared,
    comps: &Comparisons,
    u: &[[f64; LEVELS]],
    opts: EmOptions,
) -> Result<FsModel> {
    if comps.is_empty() {
        return Err(DedupError::NoCandidatePairs);
    }
    if !(opts.initial_prior > 0.0 && opts.initial_prior < 1.0) {
        return Err(DedupError::InvalidParameter {
            name: "initial_prior",
            reason: format!("{} is not in (0, 1)", opts.initial_prior),
        });
    }
    let nf = comps.n_fields;
    let mut patterns: FxHashMap<&[u8], f64> = FxHashMap::default();
    for p in 0..comps.len() {
        *patterns.entry(comps.row(p)).or_insert(0.0) += 1.0;
    }
    let patterns: Vec<(&[u8], f64)> = patterns.into_iter().collect();
    let total: f64 = patterns.iter().map(|p| p.1).sum();
    let mut m = vec![[0.85, 0.08, 0.04, 0.03]; nf];
    let mut uu: Vec<[f64; LEVELS]> = u.to_vec();
    let mut prior = opts.initial_prior;
    let mut iterations = 0;
    let mut converged = false;
    while iterations < opts.max_iterations {
        iterations += 1;
        let mut mc = vec![[0.0f64; LEVELS]; nf];
        let mut uc = vec![[0.0f64; LEVELS]; nf];
        let mut matched = 0.0;
        for (row, count) in &patterns {
            let mut lw = (prior / (1.0 - prior)).ln();
            for (f, &l) in row.iter().enumerate() {
                if (l as usize) < LEVELS {
                    lw += (m[f][l as usize] / uu[f][l as usize]).ln();
                }
            }
            let g = 1.0 / (1.0 + (-lw).exp());
            matched += g * count;
            for (f, &l) in row.iter().enumerate() {
                if (l as usize) < LEVELS {
                    mc[f][l as usize] += g * count;
                    uc[f][l as usize] += (1.0 - g) * count;
                }
            }
        }
        if opts.train_u {
            uu = uc.into_iter().map(|c| normalise(c, 1e-3)).collect();
        }
        let new_prior = (matched / total).clamp(1e-9, 1.0 - 1e-9);
        let new_m: Vec<[f64; LEVELS]> = mc.into_iter().map(|c| normalise(c, 1e-3)).collect();
        let mut delta = (new_prior - prior).abs();
        for (a, b) in m.iter().zip(&new_m) {
            for l in 0..LEVELS {
                delta = delta.max((a[l] - b[l]).abs());
            }
        }
        m = new_m;
        prior = new_prior;
        if delta < opts.tolerance {
            converged = true;
            break;
        }
    }
    let mut fields = build_fields(prep, m, &uu);
    for (f, r) in fields.iter_mut().zip(u) {
        f.u_random = *r;
    }
    Ok(FsModel {
        prior,
        fields,
        em_iterations: iterations,
        converged,
    })
}

fn build_fields(prep: &Prepared, m: Vec<[f64; LEVELS]>, u: &[[f64; LEVELS]]) -> Vec<FieldParams> {
    prep.fields
        .iter()
        .zip(m)
        .zip(u)
        .map(|((f, m), u)| FieldParams {
            name: f.spec.name.clone(),
            kind: f.spec.kind,
            term_frequency: f.spec.term_frequency,
            m,
            u: *u,
            u_random: *u,
        })
        .collect()
}

/// m and λ from labelled pairs (`labels[p]` = pair `p` is a true match), u as given.
pub fn m_from_labels(
    prep: &Prepared,
    comps: &Comparisons,
    labels: &[bool],
    u: &[[f64; LEVELS]],
) -> Result<FsModel> {
    if labels.len() != comps.len() {
        return Err(DedupError::InvalidParameter {
            name: "labels",
            reason: format!("{} labels for {} pairs", labels.len(), comps.len()),
        });
    }
    let matches = labels.iter().filter(|&&b| b).count();
    if matches == 0 {
        return Err(DedupError::InvalidParameter {
            name: "labels",
            reason: "no labelled match".into(),
        });
    }
    let mut mc = vec![[0.0f64; LEVELS]; comps.n_fields];
    for (p, _) in labels.iter().enumerate().filter(|(_, b)| **b) {
        for (f, &l) in comps.row(p).iter().enumerate() {
            if (l as usize) < LEVELS {
                mc[f][l as usize] += 1.0;
            }
        }
    }
    let m = mc.into_iter().map(|c| normalise(c, 0.5)).collect();
    Ok(FsModel {
        prior: (matches as f64 / labels.len() as f64).clamp(1e-9, 1.0 - 1e-9),
        fields: build_fields(prep, m, u),
        em_iterations: 0,
        converged: true,
    })
}

/// One field's line of an explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldContribution {
    /// Field name.
    pub field: String,
    /// Normalised value of the first record.
    pub left: String,
    /// Normalised value of the second record.
    pub right: String,
    /// Level.
    pub level: Level,
    /// m of the level.
    pub m: f64,
    /// u of the level (before term-frequency adjustment).
    pub u: f64,
    /// Term-frequency adjustment in bits (0 when not applied).
    pub tf_adjustment: f64,
    /// Contribution to the match weight in bits: `log2(m/u) + tf_adjustment` (0 when missing).
    pub weight: f64,
}

/// A pair's score with the per-field waterfall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// First record id.
    pub left_id: String,
    /// Second record id.
    pub right_id: String,
    /// Starting weight `log2(λ / (1-λ))`.
    pub prior_weight: f64,
    /// One line per field.
    pub fields: Vec<FieldContribution>,
    /// Final match weight (prior + contributions).
    pub match_weight: f64,
    /// Match probability `2^W / (1 + 2^W)`.
    pub match_probability: f64,
}

/// Converts a match weight in bits to a probability.
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight * std::f64::consts::LN_2).exp())
}

impl FsModel {
    /// Prior weight `log2(λ / (1 - λ))`.
    pub fn prior_weight(&self) -> f64 {
        (self.prior / (1.0 - self.prior)).log2()
    }

    /// `log2(m_l / u_l)` of field `f` at level `l` (0 for a missing level or an unknown field).
    fn base_weight(&self, f: usize, l: Level) -> f64 {
        let Some(p) = self.fields.get(f) else {
            return 0.0;
        };
        let li = l as usize;
        if li >= LEVELS {
            return 0.0;
        }
        (p.m[li] / p.u[li]).log2()
    }

    fn contribution(&self, prep: &Prepared, f: usize, l: Level, i: usize, j: usize) -> (f64, f64) {
        let Some(p) = self.fields.get(f) else {
            return (0.0, 0.0);
        };
        let li = l as usize;
        if li >= LEVELS {
            return (0.0, 0.0);
        }
        let base = self.base_weight(f, l);
        let mut tf = 0.0;
        if l == Level::Exact && p.term_frequency {
            let field = &prep.fields[f];
            if let (Some(a), Some(b)) = (field.term_frequency(i), field.term_frequency(j)) {
                let t = a.max(b).max(FLOOR);
                tf = (p.u_random[0] / t).log2();
            }
        }
        (base, tf)
    }

    /// Match weight of records `i` and `j` given their level vector.
    pub fn weight_of(&self, prep: &Prepared, i: usize, j: usize, levels: &[u8]) -> f64 {
        let mut w = self.prior_weight();
        for (f, &l) in levels.iter().enumerate() {
            let (b, t) = self.contribution(prep, f, Level::from_index(l), i, j);
            w += b + t;
        }
        w
    }

    /// Match weight of a pair from its comparison levels alone, one per field in schema order
    /// (`0` exact, `1` close, `2` partial, `3` far, `4` or more missing):
    ///
    /// ```text
    /// W = log2(λ / (1 - λ)) + Σ_fields log2(m_l / u_l)       (missing level: 0)
    /// ```
    ///
    /// without the term-frequency adjustment, which needs the records' values (for a model
    /// without term-frequency fields it is [`FsModel::weight_of`]). Levels beyond the model's
    /// fields add nothing. For callers that hold the levels but not the records, such as a SQL
    /// engine that compared the pairs itself.
    ///
    /// ```
    /// use crm_analytics::dedup::FieldKind;
    /// use crm_analytics::dedup::model::{FieldParams, FsModel};
    /// let field = |name: &str| FieldParams {
    ///     name: name.into(),
    ///     kind: FieldKind::Email,
    ///     term_frequency: false,
    ///     m: [0.8, 0.1, 0.05, 0.05],
    ///     u: [0.01, 0.04, 0.15, 0.8],
    ///     u_random: [0.01, 0.04, 0.15, 0.8],
    /// };
    /// let model = FsModel { prior: 0.2, fields: vec![field("email"), field("phone")], em_iterations: 0, converged: true };
    /// // Email exact (log2 80), phone missing (0), prior log2(0.25) = -2.
    /// let w = model.weight_of_levels(&[0, 4]);
    /// assert!((w - (80f64.log2() - 2.0)).abs() < 1e-12);
    /// ```
    #[must_use]
    pub fn weight_of_levels(&self, levels: &[u8]) -> f64 {
        let mut w = self.prior_weight();
        for (f, &l) in levels.iter().enumerate() {
            w += self.base_weight(f, Level::from_index(l));
        }
        w
    }

    /// Match weights of all candidate pairs (parallel).
    pub fn score(&self, prep: &Prepared, pairs: &[(u32, u32)], comps: &Comparisons) -> Vec<f64> {
        pairs
            .par_iter()
            .enumerate()
            .map(|(p, &(i, j))| self.weight_of(prep, i as usize, j as usize, comps.row(p)))
            .collect()
    }

    /// The waterfall for records `i` and `j` (positions in `prep`).
    pub fn explain(&self, prep: &Prepared, i: usize, j: usize) -> Result<Explanation> {
        let n = prep.len();
        if i >= n || j >= n {
            return Err(DedupError::UnknownRecord(format!("position {}", i.max(j))));
        }
        let prior_weight = self.prior_weight();
        let mut total = prior_weight;
        let mut fields = Vec::with_capacity(prep.fields.len());
        for (f, field) in prep.fields.iter().enumerate() {
            let l = field_level(prep, f, i, j);
            let (b, t) = self.contribution(prep, f, l, i, j);
            let li = l as usize;
            let (m, u) = self
                .fields
                .get(f)
                .filter(|_| li < LEVELS)
                .map_or((f64::NAN, f64::NAN), |p| (p.m[li], p.u[li]));
            total += b + t;
            fields.push(FieldContribution {
                field: field.spec.name.clone(),
                left: field.values[i].clone(),
                right: field.values[j].clone(),
                level: l,
                m: if m.is_nan() { 0.0 } else { m },
                u: if u.is_nan() { 0.0 } else { u },
                tf_adjustment: t,
                weight: b + t,
            });
        }
        Ok(Explanation {
            left_id: prep.ids[i].clone(),
            right_id: prep.ids[j].clone(),
            prior_weight,
            fields,
            match_weight: total,
            match_probability: probability(total),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::FieldKind;

    fn model(term_frequency: bool) -> FsModel {
        let field = |name: &str, m: [f64; LEVELS], u: [f64; LEVELS]| FieldParams {
            name: name.into(),
            kind: FieldKind::Email,
            term_frequency,
            m,
            u,
            u_random: u,
        };
        FsModel {
            prior: 0.01,
            fields: vec![
                field("email", [0.9, 0.05, 0.03, 0.02], [0.001, 0.01, 0.1, 0.889]),
                field("phone", [0.7, 0.2, 0.05, 0.05], [0.002, 0.02, 0.2, 0.778]),
            ],
            em_iterations: 3,
            converged: true,
        }
    }

    #[test]
    fn weight_of_levels_adds_the_prior_and_each_fields_log_ratio() {
        let m = model(false);
        let prior = (0.01f64 / 0.99).log2();
        assert_eq!(m.weight_of_levels(&[]), prior);
        let w = m.weight_of_levels(&[0, 3]);
        let want = prior + (0.9f64 / 0.001).log2() + (0.05f64 / 0.778).log2();
        assert!((w - want).abs() < 1e-12, "{w} vs {want}");
        // Missing levels (4 and above) and levels beyond the fields add nothing.
        assert_eq!(m.weight_of_levels(&[0, 4]), m.weight_of_levels(&[0, 9]));
        assert_eq!(m.weight_of_levels(&[0, 4, 0]), m.weight_of_levels(&[0]));
        // Term-frequency fields use the average u here (the records are not known).
        assert_eq!(
            model(true).weight_of_levels(&[0, 1]),
            m.weight_of_levels(&[0, 1])
        );
        // Probability of the weight is the posterior of a match.
        let p = probability(m.weight_of_levels(&[0, 0]));
        assert!(p > 0.99 && p < 1.0, "{p}");
    }
}
