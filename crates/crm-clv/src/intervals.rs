//! Uncertainty of the predictions: intervals from the estimation error of the parameters, by
//! parametric bootstrap.
//!
//! ```text
//! draw b = 1..B:  log theta_b = log theta_hat + L z_b,  z_b ~ N(0, I),
//!                 L L' = the covariance of log theta (Cov(theta) / (theta_i theta_j), delta method)
//!                 (the spend model's parameters drawn the same way, independently: it is a
//!                 separate fit)
//! per customer:   the predictions under each draw; the interval at level c is their
//!                 (1-c)/2 and (1+c)/2 quantiles (linear interpolation), widened to contain the
//!                 point prediction, so low <= point <= high always
//! in total:       the same for the sums over the customers
//! ```
//!
//! Drawing in log space keeps every drawn parameter positive. The draws come from the seeded
//! generator [`crate::rng::Rng`] before any prediction, so the intervals are the same for a
//! seed on any number of threads. The cost is B predictions per customer (B = 200 by default,
//! at most [`MAX_DRAWS`]); customers are processed in chunks, so memory is B predictions per
//! customer of one chunk.
//!
//! The intervals cover parameter uncertainty only (how sure the fit is of r, alpha, a, b), not
//! the randomness of one customer's future purchases: with many customers in the fit they are
//! narrow, as they should be.

use crm_model::Named;
use serde::Serialize;

use crate::discount::ClvOptions;
use crate::error::{ClvError, Result};
use crate::gamma_gamma::GammaGamma;
use crate::optim::Covariance;
use crate::rng::Rng;
use crate::saved::{InputPrediction, PurchaseParams, SummaryInput};

/// Most draws of one bootstrap.
pub const MAX_DRAWS: u32 = 10_000;

/// Customers predicted together under every draw.
const CHUNK: usize = 4096;

/// Level, number of draws and seed of [`PurchaseParams::predict_intervals`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct IntervalOptions {
    /// Coverage of each interval, in (0, 1) (e.g. 0.9).
    pub level: f64,
    /// Parameter draws (at least 20, at most [`MAX_DRAWS`]).
    pub draws: u32,
    /// Seed of the draws.
    pub seed: u64,
}

impl IntervalOptions {
    /// `level` with 200 draws and seed 1.
    ///
    /// # Errors
    /// [`ClvError::InvalidParameter`] when `level` is not in (0, 1).
    pub fn new(level: f64) -> Result<Self> {
        IntervalOptions {
            level,
            draws: 200,
            seed: 1,
        }
        .checked()
    }

    /// Sets the number of draws.
    ///
    /// # Errors
    /// Fewer than 20 or more than [`MAX_DRAWS`].
    pub fn draws(mut self, draws: u32) -> Result<Self> {
        self.draws = draws;
        self.checked()
    }

    /// Sets the seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn checked(self) -> Result<Self> {
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(ClvError::InvalidParameter {
                name: "level",
                value: self.level,
                reason: "an interval level must be between 0 and 1 (e.g. 0.9)",
            });
        }
        if !(20..=MAX_DRAWS).contains(&self.draws) {
            return Err(ClvError::InvalidParameter {
                name: "draws",
                value: f64::from(self.draws),
                reason: "between 20 and 10,000 parameter draws",
            });
        }
        Ok(self)
    }
}

/// A closed interval, `low <= high`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// The intervals of one customer's [`InputPrediction`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PredictionInterval {
    /// P(alive).
    pub p_alive: Interval,
    /// Expected purchases over the horizon.
    pub expected_purchases: Interval,
    /// Expected spend per purchase, with a spend model.
    pub expected_spend: Option<Interval>,
    /// CLV, with a spend model.
    pub clv: Option<Interval>,
}

/// A total over the customers with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Total {
    /// The sum of the point predictions.
    pub point: f64,
    /// Its interval.
    pub interval: Interval,
}

/// The result of [`PurchaseParams::predict_intervals`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Intervals {
    /// One per input row, in order.
    pub customers: Vec<PredictionInterval>,
    /// Expected purchases of all customers.
    pub total_expected_purchases: Total,
    /// CLV of all customers, with a spend model.
    pub total_clv: Option<Total>,
    /// Draws used (drawn parameters outside a model's supported range are left out).
    pub draws: u32,
}

/// Parameters drawn around `theta` with covariance `cov`, in log space (see the module docs).
fn draw_params(theta: &[f64], cov: &Covariance, n: u32, rng: &mut Rng) -> Result<Vec<Vec<f64>>> {
    let k = theta.len();
    if cov.len() != k {
        return Err(ClvError::LengthMismatch {
            what: "covariance",
            found: cov.len(),
            expected: k,
        });
    }
    // Cholesky factor of Cov(log theta).
    let mut l = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let mut s = cov.get(i, j) / (theta[i] * theta[j]);
            for m in 0..j {
                s -= l[i][m] * l[j][m];
            }
            if i == j {
                if !(s > 0.0) {
                    return Err(ClvError::InvalidParameter {
                        name: "covariance",
                        value: s,
                        reason: "is not positive definite",
                    });
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Ok((0..n)
        .map(|_| {
            let z: Vec<f64> = (0..k).map(|_| rng.normal()).collect();
            (0..k)
                .map(|i| (theta[i].ln() + (0..=i).map(|j| l[i][j] * z[j]).sum::<f64>()).exp())
                .collect()
        })
        .collect())
}

/// The `q` quantile of sorted `v` (linear interpolation between order statistics).
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let h = q * (v.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] + (h - lo as f64) * (v[hi.min(v.len() - 1)] - v[lo])
}

/// The interval at `level` of the draws `v` (sorted here), widened to contain `point`.
fn interval(v: &mut [f64], level: f64, point: f64) -> Interval {
    v.sort_unstable_by(f64::total_cmp);
    let low = quantile(v, (1.0 - level) / 2.0);
    let high = quantile(v, (1.0 + level) / 2.0);
    Interval {
        low: if low <= point { low } else { point },
        high: if high >= point { high } else { point },
    }
}

impl PurchaseParams {
    /// Point predictions of `rows` (as [`PurchaseParams::predict`]) with intervals from the
    /// estimation error of the parameters: `cov` is their covariance (a fit's
    /// `covariance`), `spend` the spend model with its covariance (`None`: the spend
    /// model's parameters are taken as known). See the module docs for the method.
    ///
    /// ```
    /// use crm_analytics::clv::{BgNbd, ClvOptions, FitOptions, IntervalOptions, ModelKind, SummaryInput};
    /// use crm_analytics::model::TimeUnit;
    /// // 2,000 customers simulated from known parameters, then fitted.
    /// let truth = BgNbd::new(0.25, 4.0, 0.8, 2.5)?;
    /// let rows: Vec<SummaryInput> = truth
    ///     .simulate(&vec![39.0; 2000], 7)
    ///     .iter()
    ///     .map(|h| SummaryInput::new(h.x, h.t_x, h.t))
    ///     .collect();
    /// let fit = ModelKind::BgNbd.fit(&rows, &FitOptions::default(), TimeUnit::Week)?;
    /// let values: Vec<f64> = fit.params.0.iter().map(|p| p.1).collect();
    /// let m = ModelKind::BgNbd.purchase_model(&values)?;
    /// let cov = fit.covariance.expect("a well-identified fit");
    /// let opts = IntervalOptions::new(0.9)?;
    /// let (points, iv) = m.predict_intervals(&rows[..3], &cov, None, &ClvOptions::new(39.0, 0.0, 1.0)?, &opts)?;
    /// for (p, i) in points.iter().zip(&iv.customers) {
    ///     let e = &i.expected_purchases;
    ///     assert!(e.low <= p.expected_purchases && p.expected_purchases <= e.high);
    /// }
    /// # Ok::<(), crm_analytics::clv::ClvError>(())
    /// ```
    ///
    /// # Errors
    /// A covariance of the wrong size or not positive definite; fewer than half of the draws
    /// inside the model's supported parameter range ([`ClvError::DegenerateData`]); the errors
    /// of [`PurchaseParams::predict`].
    pub fn predict_intervals(
        &self,
        rows: &[SummaryInput],
        cov: &Covariance,
        spend: Option<(&GammaGamma, Option<&Covariance>)>,
        clv: &ClvOptions,
        options: &IntervalOptions,
    ) -> Result<(Vec<InputPrediction>, Intervals)> {
        let options = options.checked()?;
        let gg = spend.map(|s| s.0);
        let points = self.predict(rows, gg, clv)?;
        let mut rng = Rng::new(options.seed);
        let (kind, theta) = self.kind_and_values();
        let mut models = Vec::new();
        for v in draw_params(&theta, cov, options.draws, &mut rng)? {
            if let Ok(m) = kind.purchase_model(&v) {
                models.push(m);
            }
        }
        let spend_draws: Vec<Option<GammaGamma>> = match spend {
            Some((g, Some(gcov))) => draw_params(&g.to_vec(), gcov, options.draws, &mut rng)?
                .into_iter()
                .map(|v| GammaGamma::new(v[0], v[1], v[2]).ok())
                .collect(),
            Some((g, None)) => vec![Some(*g); options.draws as usize],
            None => vec![None; options.draws as usize],
        };
        let pairs: Vec<(PurchaseParams, Option<GammaGamma>)> = models
            .into_iter()
            .zip(spend_draws)
            .filter(|(_, g)| spend.is_none() || g.is_some())
            .collect();
        if pairs.len() * 2 < options.draws as usize {
            return Err(ClvError::DegenerateData {
                model: kind.name(),
                reason: format!(
                    "only {} of {} parameter draws are inside the supported range: the estimates are too uncertain for intervals",
                    pairs.len(),
                    options.draws
                ),
            });
        }
        let b = pairs.len();
        let mut customers = Vec::with_capacity(rows.len());
        let mut total_e = vec![0.0; b];
        let mut total_clv = vec![0.0; b];
        for (chunk, point) in rows.chunks(CHUNK).zip(points.chunks(CHUNK)) {
            let per_draw = pairs
                .iter()
                .map(|(m, g)| m.predict(chunk, g.as_ref(), clv))
                .collect::<Result<Vec<Vec<InputPrediction>>>>()?;
            for (d, preds) in per_draw.iter().enumerate() {
                total_e[d] += preds.iter().map(|p| p.expected_purchases).sum::<f64>();
                total_clv[d] += preds.iter().filter_map(|p| p.clv).sum::<f64>();
            }
            let mut buf = vec![0.0; b];
            for (i, p) in point.iter().enumerate() {
                let mut of = |f: &dyn Fn(&InputPrediction) -> Option<f64>, at: f64| {
                    for (slot, preds) in buf.iter_mut().zip(&per_draw) {
                        *slot = f(&preds[i]).unwrap_or(f64::NAN);
                    }
                    interval(&mut buf, options.level, at)
                };
                customers.push(PredictionInterval {
                    p_alive: of(&|q| Some(q.p_alive), p.p_alive),
                    expected_purchases: of(&|q| Some(q.expected_purchases), p.expected_purchases),
                    expected_spend: p.expected_spend.map(|s| of(&|q| q.expected_spend, s)),
                    clv: p.clv.map(|c| of(&|q| q.clv, c)),
                });
            }
        }
        let total = |mut v: Vec<f64>, point: f64| Total {
            point,
            interval: interval(&mut v, options.level, point),
        };
        let point_e: f64 = points.iter().map(|p| p.expected_purchases).sum();
        let point_clv: f64 = points.iter().filter_map(|p| p.clv).sum();
        Ok((
            points,
            Intervals {
                customers,
                total_expected_purchases: total(total_e, point_e),
                total_clv: gg.map(|_| total(total_clv, point_clv)),
                draws: b as u32,
            },
        ))
    }
}
