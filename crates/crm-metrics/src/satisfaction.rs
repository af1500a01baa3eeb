//! Survey metrics: Net Promoter Score, CSAT and CES, with standard errors, intervals and tests.

use crm_model::{CesScore, CesVersion, CsatScale, CsatScore, ModelError, NpsScore};
use serde::Serialize;

use crate::error::{MetricsError, Result};
use crate::stats::{Interval, t_critical, two_sided_p, wilson, z_critical};

// ---------------------------------------------------------------------------------------------
// NPS
// ---------------------------------------------------------------------------------------------

/// Mergeable NPS state: counts of promoters (9-10), passives (7-8) and detractors (0-6).
///
/// Counting is a branch-free loop over the scores ([`NpsState::push_slice`],
/// [`NpsState::push_raw`]): about one pass over memory per call.
///
/// ```
/// use crm_analytics::metrics::satisfaction::NpsState;
/// use crm_analytics::model::NpsScore;
/// let scores: Vec<NpsScore> = [10, 9, 9, 8, 7, 6, 3, 10, 9, 0]
///     .into_iter().map(NpsScore::new).collect::<Result<_, _>>()?;
/// let mut a = NpsState::new();
/// a.push_slice(&scores[..4]);
/// let mut b = NpsState::new();
/// b.push_slice(&scores[4..]);
/// a.merge(&b);
/// let nps = a.finish()?;
/// assert_eq!((nps.promoters, nps.passives, nps.detractors), (5, 2, 3));
/// assert!((nps.score - 20.0).abs() < 1e-12); // 50% - 30%
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NpsState {
    promoters: u64,
    passives: u64,
    detractors: u64,
}

/// Counts `(promoters, detractors, invalid > 10)` in a slice of raw scores, branch-free.
///
/// Blocks of 255 bytes are counted in `u8` accumulators (they cannot overflow), which the
/// compiler turns into 16- or 32-lane byte comparisons; each block's counts are then widened.
fn count_raw(s: &[u8]) -> (u64, u64, u64) {
    count_blocks(s, |x| x)
}

#[inline(always)]
fn count_blocks<T: Copy>(s: &[T], get: impl Fn(T) -> u8 + Copy) -> (u64, u64, u64) {
    let (mut p, mut d, mut bad) = (0u64, 0u64, 0u64);
    for block in s.chunks(255) {
        let (mut cp, mut cd, mut cb) = (0u8, 0u8, 0u8);
        for &x in block {
            let x = get(x);
            cp += u8::from(x >= 9);
            cd += u8::from(x <= 6);
            cb += u8::from(x > 10);
        }
        p += u64::from(cp);
        d += u64::from(cd);
        bad += u64::from(cb);
    }
    (p, d, bad)
}

impl NpsState {
    /// An empty state.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// State from known category counts.
    #[must_use]
    pub fn from_counts(promoters: u64, passives: u64, detractors: u64) -> Self {
        NpsState {
            promoters,
            passives,
            detractors,
        }
    }

    /// Adds one answer.
    pub fn push(&mut self, score: NpsScore) {
        let x = score.get();
        self.promoters += u64::from(x >= 9);
        self.detractors += u64::from(x <= 6);
        self.passives += u64::from((7..=8).contains(&x));
    }

    /// Adds validated answers (a tight counting loop).
    pub fn push_slice(&mut self, scores: &[NpsScore]) {
        let (p, d, _) = count_blocks(scores, NpsScore::get);
        self.add(scores.len() as u64, p, d);
    }

    /// Adds raw answers on 0..=10, validating them in the same pass.
    ///
    /// # Errors
    /// [`ModelError::OutOfRange`] wrapped in [`ModelError::AtRecord`] with the index of the first
    /// value above 10; the state is unchanged then.
    pub fn push_raw(&mut self, scores: &[u8]) -> Result<()> {
        let (p, d, bad) = count_raw(scores);
        if bad > 0 {
            let index = scores.iter().position(|&x| x > 10).unwrap_or(0);
            let value = scores.get(index).copied().unwrap_or(0);
            let e = NpsScore::new(value)
                .err()
                .unwrap_or(ModelError::OutOfRange {
                    field: "nps score",
                    value: f64::from(value),
                    min: 0.0,
                    max: 10.0,
                });
            return Err(e.at_record(index).into());
        }
        self.add(scores.len() as u64, p, d);
        Ok(())
    }

    fn add(&mut self, n: u64, p: u64, d: u64) {
        self.promoters += p;
        self.detractors += d;
        self.passives += n - p - d;
    }

    /// Combines two states (exactly the single-pass result).
    pub fn merge(&mut self, other: &NpsState) {
        self.promoters += other.promoters;
        self.passives += other.passives;
        self.detractors += other.detractors;
    }

    /// Number of answers so far.
    #[must_use]
    pub fn n(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    /// The NPS summary.
    ///
    /// # Errors
    /// [`MetricsError::Empty`] when no answer was pushed.
    pub fn finish(&self) -> Result<Nps> {
        Nps::from_counts(self.promoters, self.passives, self.detractors)
    }
}

/// Net Promoter Score of a set of answers (Reichheld 2003).
///
/// Definition: on "How likely are you to recommend us?" (0-10), promoters answer 9-10, passives
/// 7-8, detractors 0-6.
///
/// ```text
/// p = promoters / n, d = detractors / n
/// NPS = 100 (p - d)                                in [-100, 100]
/// SE  = 100 sqrt((p + d - (p - d)^2) / n)          (variance of a trinomial difference)
/// ```
///
/// Edge cases: `n = 0` is [`MetricsError::Empty`]; a standard error of 0 (all answers in one
/// category) is reported as 0, and the Wald interval then has zero width.
///
/// References: Reichheld (2003), "The one number you need to grow", HBR 81(12); Rocks (2016),
/// "Interval estimation for the 'Net Promoter Score'", The American Statistician 70(4):365-372.
///
/// ```
/// use crm_analytics::metrics::satisfaction::{Nps, NpsInterval};
/// let nps = Nps::from_counts(50, 30, 20)?;           // n = 100
/// assert!((nps.score - 30.0).abs() < 1e-12);
/// // SE = 100 sqrt((0.5 + 0.2 - 0.09) / 100) = 7.8102
/// assert!((nps.standard_error - 7.81025).abs() < 1e-4);
/// let ci = nps.interval(0.95, NpsInterval::Wald)?;
/// assert!((ci.low - 14.6921).abs() < 1e-3 && (ci.high - 45.3079).abs() < 1e-3);
/// # Ok::<(), crm_analytics::metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Nps {
    /// Number of answers.
    pub n: u64,
    /// Answers 9-10.
    pub promoters: u64,
    /// Answers 7-8.
    pub passives: u64,
    /// Answers 0-6.
    pub detractors: u64,
    /// promoters / n.
    pub promoter_share: f64,
    /// passives / n.
    pub passive_share: f64,
    /// detractors / n.
    pub detractor_share: f64,
    /// 100 (p - d), in points.
    pub score: f64,
    /// Standard error of the score, in points.
    pub standard_error: f64,
}

/// How an NPS confidence interval is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NpsInterval {
    /// Adjusted-Wald (default): add 3/4 of a pseudo-answer to the promoters and to the detractors
    /// and 3 to `n` (so 1.5 to the passives), then use the Wald formula centred on the adjusted
    /// score. Rocks (2016) found it the best-covering of six methods; MeasuringU (Sauro & Lewis)
    /// recommend it. The pseudo-counts are fixed (they do not change with the level).
    ///
    /// ```text
    /// p' = (promoters + 3/4) / (n + 3), d' = (detractors + 3/4) / (n + 3)
    /// centre = p' - d', se' = sqrt((p' + d' - (p' - d')^2) / (n + 3))
    /// [low, high] = 100 (centre -/+ z se'), clipped to [-100, 100]
    /// ```
    ///
    /// The interval is centred on the adjusted score, so for very small `n` with all answers in
    /// one category it may not contain the raw score (that is the point of the adjustment).
    #[default]
    AdjustedWald,
    /// Plain Wald: `score -/+ z SE`, clipped to [-100, 100]; zero width when SE = 0.
    Wald,
}

impl crm_model::Named for NpsInterval {
    const CHOICES: &'static [crm_model::Choice<Self>] = &[
        crm_model::Choice::new(
            "adjusted-wald",
            NpsInterval::AdjustedWald,
            "Adjusted-Wald (Rocks 2016; MeasuringU).",
        ),
        crm_model::Choice::new("wald", NpsInterval::Wald, "Plain Wald."),
    ];
}

impl Nps {
    /// NPS from category counts.
    ///
    /// # Errors
    /// [`MetricsError::Empty`] when all counts are zero.
    pub fn from_counts(promoters: u64, passives: u64, detractors: u64) -> Result<Nps> {
        let n = promoters + passives + detractors;
        if n == 0 {
            return Err(MetricsError::Empty { metric: "NPS" });
        }
        let nf = n as f64;
        let p = promoters as f64 / nf;
        let d = detractors as f64 / nf;
        Ok(Nps {
            n,
            promoters,
            passives,
            detractors,
            promoter_share: p,
            passive_share: passives as f64 / nf,
            detractor_share: d,
            score: 100.0 * (p - d),
            standard_error: 100.0 * trinomial_se(p, d, nf),
        })
    }

    /// Confidence interval for the score, in points, at `level` (e.g. 0.95).
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] unless `0 < level < 1`.
    pub fn interval(&self, level: f64, method: NpsInterval) -> Result<Interval> {
        let z = z_critical(level)?;
        let (centre, se) = match method {
            NpsInterval::Wald => (self.score / 100.0, self.standard_error / 100.0),
            NpsInterval::AdjustedWald => {
                let n = self.n as f64 + 3.0;
                let p = (self.promoters as f64 + 0.75) / n;
                let d = (self.detractors as f64 + 0.75) / n;
                (p - d, trinomial_se(p, d, n))
            }
        };
        Ok(Interval {
            low: (100.0 * (centre - z * se)).clamp(-100.0, 100.0),
            high: (100.0 * (centre + z * se)).clamp(-100.0, 100.0),
            level,
        })
    }

    /// Two-sample z test of `self.score - other.score` (two periods or two segments, independent
    /// samples).
    ///
    /// ```text
    /// diff = NPS_a - NPS_b,  SE_diff = sqrt(SE_a^2 + SE_b^2),  z = diff / SE_diff
    /// p = 2 (1 - Phi(|z|))
    /// ```
    ///
    /// ```
    /// use crm_analytics::metrics::satisfaction::Nps;
    /// let q2 = Nps::from_counts(50, 30, 20)?;   // 30
    /// let q1 = Nps::from_counts(40, 30, 30)?;   // 10
    /// let t = q2.compare(&q1)?;
    /// assert!((t.difference - 20.0).abs() < 1e-12);
    /// // SE_a = 7.8102, SE_b = 8.3066, SE_diff = 11.4018, z = 1.7541
    /// assert!((t.z - 1.75412).abs() < 1e-4 && (t.p_value - 0.07941).abs() < 1e-4);
    /// # Ok::<(), crm_analytics::metrics::MetricsError>(())
    /// ```
    ///
    /// Reference: Rocks (2016), section 4 (difference of two independent NPS).
    ///
    /// # Errors
    /// [`MetricsError::ZeroDenominator`] when both standard errors are 0 (both samples entirely in
    /// one category each): the test is undefined.
    pub fn compare(&self, other: &Nps) -> Result<NpsComparison> {
        let se = (self.standard_error.powi(2) + other.standard_error.powi(2)).sqrt();
        if se == 0.0 {
            return Err(MetricsError::ZeroDenominator {
                metric: "NPS difference test",
                denominator: "standard error of the difference",
            });
        }
        let difference = self.score - other.score;
        let z = difference / se;
        Ok(NpsComparison {
            difference,
            standard_error: se,
            z,
            p_value: two_sided_p(z)?,
        })
    }
}

fn trinomial_se(p: f64, d: f64, n: f64) -> f64 {
    ((p + d - (p - d) * (p - d)).max(0.0) / n).sqrt()
}

/// Result of [`Nps::compare`]: difference in points, its standard error, z and two-sided p.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NpsComparison {
    /// NPS_a - NPS_b, in points.
    pub difference: f64,
    /// Standard error of the difference, in points.
    pub standard_error: f64,
    /// z statistic.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

// ---------------------------------------------------------------------------------------------
// CSAT and CES: histograms on a small scale
// ---------------------------------------------------------------------------------------------

/// Counts per answer value 1..=10 (index 0 unused), with exact sums for mean and variance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Histogram([u64; 11]);

impl Histogram {
    fn n(&self) -> u64 {
        self.0.iter().sum()
    }
    fn merge(&mut self, o: &Histogram) {
        for (a, b) in self.0.iter_mut().zip(o.0.iter()) {
            *a += b;
        }
    }
    fn count_where(&self, f: impl Fn(u8) -> bool) -> u64 {
        (0u8..=10)
            .zip(self.0.iter())
            .filter(|(v, _)| f(*v))
            .map(|(_, c)| c)
            .sum()
    }
    /// (n, mean, sample standard deviation when n >= 2).
    fn moments(&self) -> (u64, f64, Option<f64>) {
        let n = self.n();
        let nf = n as f64;
        let sum: f64 = (0u8..=10)
            .zip(self.0.iter())
            .map(|(v, c)| f64::from(v) * *c as f64)
            .sum();
        let mean = sum / nf;
        let ss: f64 = (0u8..=10)
            .zip(self.0.iter())
            .map(|(v, c)| (f64::from(v) - mean).powi(2) * *c as f64)
            .sum();
        let sd = (n >= 2).then(|| (ss / (nf - 1.0)).sqrt());
        (n, mean, sd)
    }
}

fn mean_interval(
    n: u64,
    mean: f64,
    sd: Option<f64>,
    level: f64,
    metric: &'static str,
) -> Result<Interval> {
    let sd = sd.ok_or(MetricsError::ZeroDenominator {
        metric,
        denominator: "n - 1 (at least two answers are needed)",
    })?;
    let t = t_critical(level, n as f64 - 1.0)?;
    let half = t * sd / (n as f64).sqrt();
    Ok(Interval {
        low: mean - half,
        high: mean + half,
        level,
    })
}

/// Which CSAT figure to report; authorities use both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CsatMeasure {
    /// Share of answers in the top two boxes of the scale (default; the ACSI/industry
    /// "percentage satisfied").
    #[default]
    TopTwoBox,
    /// Mean answer on the scale.
    Mean,
}

/// Mergeable CSAT state: a histogram of answers on one [`CsatScale`].
///
/// ```
/// use crm_analytics::metrics::satisfaction::CsatState;
/// use crm_analytics::model::{CsatScale, CsatScore};
/// let mut s = CsatState::new(CsatScale::OneToFive);
/// for v in [5, 4, 4, 3, 5, 2, 4, 5, 1, 4] {
///     s.push(CsatScore::new(v, CsatScale::OneToFive)?)?;
/// }
/// let c = s.finish()?;
/// assert_eq!((c.n, c.satisfied), (10, 7));
/// assert!((c.top_two_box - 0.7).abs() < 1e-12 && (c.mean - 3.7).abs() < 1e-12);
/// let w = c.top_two_box_interval(0.95)?;          // Wilson
/// assert!((w.low - 0.3968).abs() < 1e-4 && (w.high - 0.8922).abs() < 1e-4);
/// let t = c.mean_interval(0.95)?;                 // t with 9 df, sd 1.3375
/// assert!((t.low - 2.7432).abs() < 1e-3 && (t.high - 4.6568).abs() < 1e-3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsatState {
    scale: CsatScale,
    counts: Histogram,
}

impl CsatState {
    /// An empty state for answers on `scale`.
    #[must_use]
    pub fn new(scale: CsatScale) -> Self {
        CsatState {
            scale,
            counts: Histogram::default(),
        }
    }
    /// The scale.
    #[must_use]
    pub fn scale(&self) -> CsatScale {
        self.scale
    }
    /// Number of answers per value: index `v` holds the count of answer `v` (index 0 and values
    /// above the scale are always 0). With [`CsatState::from_counts`] this is the state's exact
    /// serialised form, e.g. for the partial aggregates of a SQL engine.
    #[must_use]
    pub fn counts(&self) -> [u64; 11] {
        self.counts.0
    }
    /// A state from per-value counts as [`CsatState::counts`] returns them.
    ///
    /// ```
    /// use crm_analytics::metrics::satisfaction::CsatState;
    /// use crm_analytics::model::{CsatScale, CsatScore};
    /// let mut s = CsatState::new(CsatScale::OneToFive);
    /// s.push(CsatScore::new(4, CsatScale::OneToFive)?)?;
    /// let copy = CsatState::from_counts(CsatScale::OneToFive, s.counts())?;
    /// assert_eq!(copy, s);
    /// assert!(CsatState::from_counts(CsatScale::OneToFive, [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`ModelError::OutOfRange`] (as [`CsatScore::new`]) for a non-zero count of a value that is
    /// not on the scale.
    pub fn from_counts(scale: CsatScale, counts: [u64; 11]) -> Result<Self> {
        for (v, &c) in (0u8..).zip(counts.iter()) {
            if c > 0 {
                CsatScore::new(v, scale)?;
            }
        }
        Ok(CsatState {
            scale,
            counts: Histogram(counts),
        })
    }
    /// Adds one answer.
    ///
    /// # Errors
    /// [`MetricsError::Incompatible`] when the answer is on another scale.
    pub fn push(&mut self, s: CsatScore) -> Result<()> {
        if s.scale() != self.scale {
            return Err(MetricsError::Incompatible {
                what: "CSAT scales",
                left: format!("{:?}", self.scale),
                right: format!("{:?}", s.scale()),
            });
        }
        self.counts.0[usize::from(s.get())] += 1;
        Ok(())
    }
    /// Combines two states.
    ///
    /// # Errors
    /// [`MetricsError::Incompatible`] for different scales.
    pub fn merge(&mut self, other: &CsatState) -> Result<()> {
        if other.scale != self.scale {
            return Err(MetricsError::Incompatible {
                what: "CSAT scales",
                left: format!("{:?}", self.scale),
                right: format!("{:?}", other.scale),
            });
        }
        self.counts.merge(&other.counts);
        Ok(())
    }
    /// The summary.
    ///
    /// # Errors
    /// [`MetricsError::Empty`] with no answers.
    pub fn finish(&self) -> Result<Csat> {
        let (n, mean, sd) = self.counts.moments();
        if n == 0 {
            return Err(MetricsError::Empty { metric: "CSAT" });
        }
        let scale = self.scale;
        let satisfied = self
            .counts
            .count_where(|v| v > 0 && scale.is_top_two_box(v));
        Ok(Csat {
            scale,
            n,
            satisfied,
            top_two_box: satisfied as f64 / n as f64,
            mean,
            std_dev: sd,
        })
    }
}

/// Customer satisfaction (CSAT) of a set of answers on one scale.
///
/// ```text
/// top-2-box = answers in the top two values of the scale / n     (4-5 on 1-5, 6-7, 9-10)
/// mean      = sum of answers / n
/// ```
///
/// Variants: [`CsatMeasure::TopTwoBox`] (default) or [`CsatMeasure::Mean`]. Intervals: Wilson for
/// the share, Student t with n - 1 df for the mean. Edge cases: n = 0 is an error; the t interval
/// needs n >= 2. Reference: Fornell et al. (1996), "The American Customer Satisfaction Index",
/// J. Marketing 60(4); Sauro & Lewis (2016), "Quantifying the User Experience", ch. 3-5.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Csat {
    /// The scale.
    pub scale: CsatScale,
    /// Answers.
    pub n: u64,
    /// Answers in the top two boxes.
    pub satisfied: u64,
    /// satisfied / n, in [0, 1].
    pub top_two_box: f64,
    /// Mean answer.
    pub mean: f64,
    /// Sample standard deviation (n >= 2).
    pub std_dev: Option<f64>,
}

impl Csat {
    /// The figure chosen by `measure`.
    #[must_use]
    pub fn value(&self, measure: CsatMeasure) -> f64 {
        match measure {
            CsatMeasure::TopTwoBox => self.top_two_box,
            CsatMeasure::Mean => self.mean,
        }
    }
    /// Wilson interval of the top-two-box share.
    ///
    /// # Errors
    /// Bad level.
    pub fn top_two_box_interval(&self, level: f64) -> Result<Interval> {
        wilson(self.satisfied, self.n, level)
    }
    /// Student-t interval of the mean.
    ///
    /// # Errors
    /// [`MetricsError::ZeroDenominator`] when n < 2; bad level.
    pub fn mean_interval(&self, level: f64) -> Result<Interval> {
        mean_interval(self.n, self.mean, self.std_dev, level, "CSAT mean interval")
    }
}

/// Mergeable Customer Effort Score state for one [`CesVersion`].
///
/// ```
/// use crm_analytics::metrics::satisfaction::CesState;
/// use crm_analytics::model::{CesScore, CesVersion};
/// let mut s = CesState::new(CesVersion::V2);
/// for v in [7, 6, 5, 5, 3, 2] {
///     s.push(CesScore::new(v, CesVersion::V2)?)?;
/// }
/// let c = s.finish()?;
/// assert!((c.mean - 28.0 / 6.0).abs() < 1e-12);
/// assert!(c.higher_is_better);
/// assert!((c.low_effort_share - 4.0 / 6.0).abs() < 1e-12); // answers 5-7 agree "easy"
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CesState {
    version: CesVersion,
    counts: Histogram,
}

impl CesState {
    /// An empty state.
    #[must_use]
    pub fn new(version: CesVersion) -> Self {
        CesState {
            version,
            counts: Histogram::default(),
        }
    }
    /// The question version.
    #[must_use]
    pub fn version(&self) -> CesVersion {
        self.version
    }
    /// Number of answers per value: index `v` holds the count of answer `v` (index 0 and values
    /// above the version's scale are always 0); the exact serialised form of the state, read
    /// back by [`CesState::from_counts`].
    #[must_use]
    pub fn counts(&self) -> [u64; 11] {
        self.counts.0
    }
    /// A state from per-value counts as [`CesState::counts`] returns them.
    ///
    /// ```
    /// use crm_analytics::metrics::satisfaction::CesState;
    /// use crm_analytics::model::{CesScore, CesVersion};
    /// let mut s = CesState::new(CesVersion::V2);
    /// s.push(CesScore::new(7, CesVersion::V2)?)?;
    /// assert_eq!(CesState::from_counts(CesVersion::V2, s.counts())?, s);
    /// assert!(CesState::from_counts(CesVersion::V1, s.counts()).is_err()); // 7 is not on 1-5
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`ModelError::OutOfRange`] (as [`CesScore::new`]) for a non-zero count of a value that is
    /// not on the version's scale.
    pub fn from_counts(version: CesVersion, counts: [u64; 11]) -> Result<Self> {
        for (v, &c) in (0u8..).zip(counts.iter()) {
            if c > 0 {
                CesScore::new(v, version)?;
            }
        }
        Ok(CesState {
            version,
            counts: Histogram(counts),
        })
    }
    /// Adds one answer.
    ///
    /// # Errors
    /// [`MetricsError::Incompatible`] for an answer of the other version.
    pub fn push(&mut self, s: CesScore) -> Result<()> {
        if s.version() != self.version {
            return Err(MetricsError::Incompatible {
                what: "CES versions",
                left: format!("{:?}", self.version),
                right: format!("{:?}", s.version()),
            });
        }
        self.counts.0[usize::from(s.get())] += 1;
        Ok(())
    }
    /// Combines two states.
    ///
    /// # Errors
    /// [`MetricsError::Incompatible`] for different versions.
    pub fn merge(&mut self, other: &CesState) -> Result<()> {
        if other.version != self.version {
            return Err(MetricsError::Incompatible {
                what: "CES versions",
                left: format!("{:?}", self.version),
                right: format!("{:?}", other.version),
            });
        }
        self.counts.merge(&other.counts);
        Ok(())
    }
    /// The summary.
    ///
    /// # Errors
    /// [`MetricsError::Empty`] with no answers.
    pub fn finish(&self) -> Result<Ces> {
        let (n, mean, sd) = self.counts.moments();
        if n == 0 {
            return Err(MetricsError::Empty { metric: "CES" });
        }
        let low = match self.version {
            CesVersion::V1 => self.counts.count_where(|v| (1..=2).contains(&v)),
            CesVersion::V2 => self.counts.count_where(|v| v >= 5),
        };
        Ok(Ces {
            version: self.version,
            n,
            mean,
            std_dev: sd,
            higher_is_better: self.version.higher_is_better(),
            low_effort_share: low as f64 / n as f64,
        })
    }
}

/// Customer Effort Score (Dixon, Freeman & Toman 2010, "Stop trying to delight your customers",
/// HBR; CEB 2013 for v2).
///
/// ```text
/// v1: "How much effort did you personally have to put forth?" 1 (very low) .. 5 (very high)
///     lower is better; low-effort share = answers 1-2 / n
/// v2: "The company made it easy for me to handle my issue" 1 (strongly disagree) .. 7
///     higher is better; low-effort share = answers 5-7 / n
/// mean = sum / n
/// ```
///
/// The two versions run in opposite directions: never compare their means. Edge cases: n = 0 is
/// an error; the t interval needs n >= 2.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ces {
    /// Question version.
    pub version: CesVersion,
    /// Answers.
    pub n: u64,
    /// Mean answer.
    pub mean: f64,
    /// Sample standard deviation (n >= 2).
    pub std_dev: Option<f64>,
    /// Direction: true for v2 (higher = easier).
    pub higher_is_better: bool,
    /// Share of answers reporting low effort, in [0, 1].
    pub low_effort_share: f64,
}

impl Ces {
    /// Student-t interval of the mean.
    ///
    /// # Errors
    /// [`MetricsError::ZeroDenominator`] when n < 2; bad level.
    pub fn mean_interval(&self, level: f64) -> Result<Interval> {
        mean_interval(self.n, self.mean, self.std_dev, level, "CES mean interval")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn adjusted_wald_hand_computed() {
        // n = 100, 50 / 30 / 20: p' = 50.75/103, d' = 20.75/103.
        let nps = Nps::from_counts(50, 30, 20).unwrap();
        let ci = nps.interval(0.95, NpsInterval::AdjustedWald).unwrap();
        let n: f64 = 103.0;
        let (p, d) = (50.75 / n, 20.75 / n);
        let se = ((p + d - (p - d) * (p - d)) / n).sqrt();
        let z = 1.959_963_984_540_054;
        assert!((ci.low - 100.0 * (p - d - z * se)).abs() < 1e-9);
        assert!((ci.high - 100.0 * (p - d + z * se)).abs() < 1e-9);
        // centre 29.1262, se 7.6915 -> [14.0511, 44.2013]
        assert!((ci.low - 14.0511).abs() < 1e-3, "{ci:?}");
        assert!((ci.high - 44.2013).abs() < 1e-3, "{ci:?}");
    }

    #[test]
    fn raw_rejects_out_of_range_with_index() {
        let mut s = NpsState::new();
        let e = s.push_raw(&[1, 10, 11, 3]).unwrap_err();
        assert!(e.to_string().contains("record 2"), "{e}");
        assert_eq!(s.n(), 0);
        assert!(matches!(s.finish(), Err(MetricsError::Empty { .. })));
    }

    #[test]
    fn compare_zero_se_is_error() {
        let a = Nps::from_counts(5, 0, 0).unwrap();
        let b = Nps::from_counts(0, 0, 3).unwrap();
        assert!(a.compare(&b).is_err());
    }

    #[test]
    fn ces_v1_direction() {
        let mut s = CesState::new(CesVersion::V1);
        for v in [1, 2, 2, 4, 5] {
            s.push(CesScore::new(v, CesVersion::V1).unwrap()).unwrap();
        }
        let c = s.finish().unwrap();
        assert!(!c.higher_is_better);
        assert!((c.low_effort_share - 0.6).abs() < 1e-12);
        assert!(s.push(CesScore::new(7, CesVersion::V2).unwrap()).is_err());
    }

    proptest! {
        #[test]
        fn nps_partition_merge_bounds(scores in prop::collection::vec(0u8..=10, 1..300),
                                      cuts in prop::collection::vec(0usize..300, 0..4),
                                      level in 0.5f64..0.999) {
            let mut single = NpsState::new();
            single.push_raw(&scores).unwrap();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (scores.len() + 1)).collect();
            cuts.push(0); cuts.push(scores.len()); cuts.sort_unstable();
            let mut merged = NpsState::new();
            for w in cuts.windows(2) {
                let mut part = NpsState::new();
                for &x in &scores[w[0]..w[1]] { part.push(NpsScore::new(x).unwrap()); }
                merged.merge(&part);
            }
            prop_assert_eq!(merged, single);
            let nps = single.finish().unwrap();
            prop_assert!((-100.0..=100.0).contains(&nps.score));
            for s in [nps.promoter_share, nps.passive_share, nps.detractor_share] {
                prop_assert!((0.0..=1.0).contains(&s));
            }
            let w = nps.interval(level, NpsInterval::Wald).unwrap();
            prop_assert!(w.contains(nps.score));
            let a = nps.interval(level, NpsInterval::AdjustedWald).unwrap();
            let n = nps.n as f64 + 3.0;
            let centre = 100.0 * ((nps.promoters as f64 + 0.75) - (nps.detractors as f64 + 0.75)) / n;
            prop_assert!(a.low <= centre + 1e-9 && centre <= a.high + 1e-9);
            prop_assert!(a.low >= -100.0 && a.high <= 100.0);
        }

        #[test]
        fn nps_merge_associative(a in (0u64..50, 0u64..50, 0u64..50), b in (0u64..50, 0u64..50, 0u64..50),
                                 c in (0u64..50, 0u64..50, 0u64..50)) {
            let s = |t: (u64, u64, u64)| NpsState::from_counts(t.0, t.1, t.2);
            let mut left = s(a); left.merge(&s(b)); left.merge(&s(c));
            let mut bc = s(b); bc.merge(&s(c));
            let mut right = s(a); right.merge(&bc);
            prop_assert_eq!(left, right);
        }

        #[test]
        fn csat_merge_and_intervals(v in prop::collection::vec(1u8..=7, 2..200), cut in 0usize..200,
                                    level in 0.5f64..0.999) {
            let scale = CsatScale::OneToSeven;
            let cut = cut % (v.len() + 1);
            let mut all = CsatState::new(scale);
            let (mut a, mut b) = (CsatState::new(scale), CsatState::new(scale));
            for (i, &x) in v.iter().enumerate() {
                let s = CsatScore::new(x, scale).unwrap();
                all.push(s).unwrap();
                if i < cut { a.push(s).unwrap() } else { b.push(s).unwrap() }
            }
            a.merge(&b).unwrap();
            prop_assert_eq!(a, all);
            let c = all.finish().unwrap();
            prop_assert!((0.0..=1.0).contains(&c.top_two_box));
            prop_assert!(c.top_two_box_interval(level).unwrap().contains(c.top_two_box));
            let t = c.mean_interval(level).unwrap();
            prop_assert!(t.low <= c.mean + 1e-12 && c.mean <= t.high + 1e-12);
        }
    }
}
