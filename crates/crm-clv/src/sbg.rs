//! Shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007).

use serde::{Deserialize, Serialize};

use crate::error::{ClvError, Result};
use crate::optim::{FitOptions, Fitted, LogLik, maximize, positive};
use crate::rng::Rng;
use crate::special::ln_beta;

/// sBG parameters.
///
/// Story: at the end of each period a subscriber cancels with her own probability theta;
/// across subscribers theta ~ Beta(alpha, beta). Heterogeneity makes the cohort's retention
/// rate rise over time (the weakest leave first).
///
/// ```text
/// P(T = t) = B(alpha+1, beta+t-1) / B(alpha, beta)          t = 1, 2, ...
/// S(t)     = B(alpha, beta+t) / B(alpha, beta)               survival to the start of t+1
/// r_t      = S(t)/S(t-1) = (beta+t-1) / (alpha+beta+t-1)     retention rate of period t
/// LL       = sum_t (n_(t-1) - n_t) ln P(T = t) + n_last ln S(last)
/// ```
///
/// ```
/// use crm_analytics::clv::Sbg;
/// let m = Sbg::new(0.704, 1.182)?;           // "Regular" segment, Fader & Hardie (2007)
/// assert!((m.survival(12) - 0.170).abs() < 0.005);
/// assert!((m.retention_rate(1) - 1.182 / 1.886).abs() < 1e-12);
/// # Ok::<(), crm_analytics::clv::ClvError>(())
/// ```
///
/// Reference: P. S. Fader and B. G. S. Hardie (2007), "How to project customer retention",
/// Journal of Interactive Marketing 21(1), 76-90; (2010) "Customer-base valuation in a
/// contractual setting: the perils of ignoring heterogeneity", Marketing Science 29(1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sbg {
    /// First shape of the Beta churn-probability distribution.
    pub alpha: f64,
    /// Second shape of the Beta churn-probability distribution.
    pub beta: f64,
}

const MODEL: &str = "sBG";

impl Sbg {
    /// Parameter names.
    pub const NAMES: [&'static str; 2] = ["alpha", "beta"];

    /// Parameters, each finite and > 0.
    ///
    /// # Errors
    /// [`ClvError::InvalidParameter`].
    pub fn new(alpha: f64, beta: f64) -> Result<Self> {
        positive("alpha", alpha)?;
        positive("beta", beta)?;
        Ok(Sbg { alpha, beta })
    }

    /// Fits to a survivor curve: `survivors[t]` customers still active at the start of period
    /// t, `survivors[0]` the cohort size (counts, or percentages with cohort 100; the
    /// log-likelihood scales with the counts).
    ///
    /// # Errors
    /// [`ClvError::InvalidRecord`] for a negative, non-finite or increasing count;
    /// [`ClvError::DegenerateData`] with fewer than two periods or no churn at all.
    pub fn fit_survivors(survivors: &[f64], options: &FitOptions) -> Result<Fitted<Sbg>> {
        for (i, w) in survivors.windows(2).enumerate() {
            if !(w[1] >= 0.0) || !w[1].is_finite() || w[1] > w[0] {
                return Err(ClvError::InvalidRecord {
                    index: i + 1,
                    field: "survivors",
                    value: w[1],
                    reason: "survivor counts must be finite, >= 0 and non-increasing",
                });
            }
        }
        if survivors.len() < 2 || !(survivors[0] > 0.0) {
            return Err(ClvError::DegenerateData {
                model: MODEL,
                reason: "need a positive cohort size and at least one later period".into(),
            });
        }
        let last = survivors[survivors.len() - 1];
        if last == survivors[0] {
            return Err(ClvError::DegenerateData {
                model: MODEL,
                reason: "nobody churned: the churn distribution cannot be estimated".into(),
            });
        }
        let lik = SbgLik { survivors };
        let (theta, cov, report) = maximize(
            MODEL,
            &lik,
            &[1.0, 1.0],
            survivors[0],
            survivors.len(),
            options,
        )?;
        Ok(Fitted {
            params: Sbg {
                alpha: theta[0],
                beta: theta[1],
            },
            standard_errors: cov.map(|c| Sbg {
                alpha: c.standard_errors()[0],
                beta: c.standard_errors()[1],
            }),
            covariance: cov,
            report,
        })
    }

    /// Log-likelihood of a survivor curve.
    #[must_use]
    pub fn log_likelihood(&self, survivors: &[f64]) -> f64 {
        SbgLik { survivors }.ll(&[self.alpha, self.beta], None)
    }

    /// P(T = t): probability of cancelling at the end of period t (t >= 1; 0 for t = 0).
    #[must_use]
    pub fn churn_probability(&self, t: u32) -> f64 {
        if t == 0 {
            return 0.0;
        }
        let tf = f64::from(t);
        (ln_beta(self.alpha + 1.0, self.beta + tf - 1.0) - ln_beta(self.alpha, self.beta)).exp()
    }

    /// S(t): share of the cohort still active after t periods (S(0) = 1).
    #[must_use]
    pub fn survival(&self, t: u32) -> f64 {
        (ln_beta(self.alpha, self.beta + f64::from(t)) - ln_beta(self.alpha, self.beta)).exp()
    }

    /// r_t = (beta+t-1)/(alpha+beta+t-1): retention rate from period t-1 to t (t >= 1).
    #[must_use]
    pub fn retention_rate(&self, t: u32) -> f64 {
        let tf = f64::from(t.max(1));
        (self.beta + tf - 1.0) / (self.alpha + self.beta + tf - 1.0)
    }

    /// Survival curve S(0..=horizon).
    #[must_use]
    pub fn survival_curve(&self, horizon: u32) -> Vec<f64> {
        (0..=horizon).map(|t| self.survival(t)).collect()
    }

    /// Projected survivors of a cohort of `cohort_size`: cohort_size S(t), t = 0..=horizon.
    #[must_use]
    pub fn project(&self, cohort_size: f64, horizon: u32) -> Vec<f64> {
        (0..=horizon)
            .map(|t| cohort_size * self.survival(t))
            .collect()
    }

    /// Discounted expected residual lifetime (Fader & Hardie 2010) of a customer who has made
    /// `renewals` renewals (is at the end of period `renewals + 1`, about to renew), in
    /// periods, discount rate `d` per period (> 0):
    ///
    /// ```text
    /// DERL(d | n-1 renewals) = sum_{t=n}^inf S(t)/S(n-1) / (1+d)^(t-n)
    ///                        = (beta+n-1)/(alpha+beta+n-1) 2F1(1, beta+n; alpha+beta+n; 1/(1+d))
    /// ```
    ///
    /// Multiply by the margin per period for the residual value.
    ///
    /// # Errors
    /// [`ClvError::InvalidParameter`] when `d <= 0` or not finite (the sum diverges for d = 0
    /// when alpha <= 1).
    pub fn derl(&self, discount_rate: f64, renewals: u32) -> Result<f64> {
        if !(discount_rate > 0.0) || !discount_rate.is_finite() {
            return Err(ClvError::InvalidParameter {
                name: "discount_rate",
                value: discount_rate,
                reason: "must be finite and > 0",
            });
        }
        let n = f64::from(renewals) + 1.0;
        let (a, b) = (self.alpha, self.beta);
        let disc = 1.0 / (1.0 + discount_rate);
        // term_0 = S(n)/S(n-1); term_{k+1} = term_k (beta+n+k)/(alpha+beta+n+k) disc.
        let mut term = (b + n - 1.0) / (a + b + n - 1.0);
        let mut sum = 0.0f64;
        let mut k = 0.0;
        while term > 1e-17 * sum.max(1e-300) && k < 1e8 {
            sum += term;
            term *= (b + n + k) / (a + b + n + k) * disc;
            k += 1.0;
        }
        Ok(sum)
    }

    /// Simulates a cohort of `n` subscribers over `horizon` periods and returns the survivor
    /// counts (length horizon + 1). Deterministic for a given `seed`.
    #[must_use]
    pub fn simulate(&self, n: usize, horizon: u32, seed: u64) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        let mut counts = vec![0.0; horizon as usize + 1];
        for _ in 0..n {
            let theta = rng.beta(self.alpha, self.beta);
            let mut t = 0usize;
            counts[0] += 1.0;
            while t < horizon as usize && !rng.bernoulli(theta) {
                t += 1;
                counts[t] += 1.0;
            }
        }
        counts
    }
}

struct SbgLik<'a> {
    survivors: &'a [f64],
}

impl LogLik for SbgLik<'_> {
    const K: usize = 2;
    const ANALYTIC_GRADIENT: bool = false;

    fn ll(&self, theta: &[f64], _grad: Option<&mut [f64]>) -> f64 {
        let m = Sbg {
            alpha: theta[0],
            beta: theta[1],
        };
        let s = self.survivors;
        let mut ll = 0.0;
        for t in 1..s.len() {
            let lost = s[t - 1] - s[t];
            if lost > 0.0 {
                ll += lost * m.churn_probability(t as u32).ln();
            }
        }
        let last = s.len() - 1;
        if s[last] > 0.0 {
            ll += s[last] * m.survival(last as u32).ln();
        }
        ll
    }
}
