//! MBG/NBD: the modified BG/NBD (Batislam, Denizel & Filiztekin 2007).

use serde::{Deserialize, Serialize};
use statrs::function::beta::beta_reg;

use crate::bg_family::{self, BgSeries, LnByX, bg_alive_expected, nbd_any_purchase, sigmoid_neg};
use crate::bgnbd::BgNbdLik;
use crate::data::{Histories, History};
use crate::discount::ClvOptions;
use crate::error::Result;
use crate::optim::{FitOptions, Fitted, LogLik, fit_params, positive};
use crate::parallel::{MIN_SHARE, for_each_share};
use crate::purchase::{Prediction, PurchaseModel, or_per_customer};
use crate::rng::Rng;
use crate::special::{ln_beta, ln_gamma, xlny};
use crate::tabulate::MIN_SHARED;

/// MBG/NBD parameters.
///
/// Story: as BG/NBD, except that a customer may also drop out at time zero, right after the
/// first purchase (so customers with x = 0 are not certainly alive). While alive, purchases
/// are Poisson(lambda); at time 0 and after each repeat purchase the customer drops out with
/// probability p; lambda ~ Gamma(r, alpha), p ~ Beta(a, b).
///
/// Likelihood of one customer (x, t_x, T), in log space:
///
/// ```text
/// L = Gamma(r+x) alpha^r / Gamma(r) * [ B(a, b+x+1)/B(a,b) / (alpha+T)^(r+x)
///                                     + B(a+1, b+x)/B(a,b) / (alpha+t_x)^(r+x) ]
/// ```
///
/// ```
/// use crm_analytics::clv::{MbgNbd, History, PurchaseModel};
/// let m = MbgNbd::new(0.525, 6.183, 0.891, 1.614)?;
/// // Unlike BG/NBD, a customer with no repeat purchase may already be gone: right after the
/// // first purchase P(alive) = b/(a+b), and it falls while she stays silent.
/// let p0 = m.p_alive(&History::new(0, 0.0, 0.0));
/// assert!((p0 - 1.614 / (0.891 + 1.614)).abs() < 1e-12);
/// assert!(m.p_alive(&History::new(0, 0.0, 38.86)) < p0);
/// # Ok::<(), crm_analytics::clv::ClvError>(())
/// ```
///
/// Reference: E. P. Batislam, M. Denizel and A. Filiztekin (2007), "Empirical validation and
/// comparison of models for customer base analysis", International Journal of Research in
/// Marketing 24(3), 201-209; the BTYDplus R package.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MbgNbd {
    /// Shape of the Gamma purchase-rate distribution.
    pub r: f64,
    /// Rate of the Gamma purchase-rate distribution (time units).
    pub alpha: f64,
    /// First shape of the Beta dropout distribution.
    pub a: f64,
    /// Second shape of the Beta dropout distribution.
    pub b: f64,
}

const MODEL: &str = "MBG/NBD";

impl MbgNbd {
    /// Parameter names in the order of [`MbgNbd::to_vec`].
    pub const NAMES: [&'static str; 4] = ["r", "alpha", "a", "b"];

    /// Parameters, each finite and > 0.
    ///
    /// # Errors
    /// [`crate::ClvError::InvalidParameter`].
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self> {
        positive("r", r)?;
        positive("alpha", alpha)?;
        positive("a", a)?;
        positive("b", b)?;
        Ok(MbgNbd { r, alpha, a, b })
    }

    /// `[r, alpha, a, b]`.
    #[must_use]
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.a, self.b]
    }

    fn from_slice(v: &[f64]) -> Self {
        MbgNbd {
            r: v[0],
            alpha: v[1],
            a: v[2],
            b: v[3],
        }
    }

    /// Maximum-likelihood fit.
    ///
    /// # Errors
    /// As [`crate::BgNbd::fit`].
    pub fn fit(data: &Histories, options: &FitOptions) -> Result<Fitted<MbgNbd>> {
        Self::fit_from(
            data,
            options,
            MbgNbd {
                r: 1.0,
                alpha: data.mean_age(),
                a: 1.0,
                b: 1.0,
            },
        )
    }

    /// Maximum-likelihood fit from given starting values.
    ///
    /// # Errors
    /// As [`crate::BgNbd::fit`].
    pub fn fit_from(
        data: &Histories,
        options: &FitOptions,
        start: MbgNbd,
    ) -> Result<Fitted<MbgNbd>> {
        let start = data.warm_start(MODEL, options, start, Self::fit_from)?;
        let lik = BgNbdLik::new(data, true);
        fit_params(
            MODEL,
            &lik,
            &start.to_vec(),
            (data.total_weight(), data.len()),
            options,
            Self::from_slice,
        )
    }

    /// Log-likelihood of the data at these parameters.
    #[must_use]
    pub fn log_likelihood(&self, data: &Histories) -> f64 {
        BgNbdLik::new(data, true).ll(&self.to_vec(), None)
    }

    /// Simulates one customer per age (see [`crate::BgNbd::simulate`]); the dropout coin is
    /// also tossed at time 0.
    #[must_use]
    pub fn simulate(&self, ages: &[f64], seed: u64) -> Vec<History> {
        let mut rng = Rng::new(seed);
        ages.iter()
            .map(|&t_age| {
                let lambda = rng.gamma(self.r, self.alpha);
                let p = rng.beta(self.a, self.b);
                let (mut x, mut t_x, mut now) = (0u32, 0.0, 0.0);
                if !rng.bernoulli(p) {
                    loop {
                        now += rng.exponential(lambda);
                        if now > t_age || !now.is_finite() {
                            break;
                        }
                        x += 1;
                        t_x = now;
                        if rng.bernoulli(p) {
                            break;
                        }
                    }
                }
                History::new(x, t_x, t_age)
            })
            .collect()
    }
}

impl PurchaseModel for MbgNbd {
    fn name(&self) -> &'static str {
        "mbgnbd"
    }

    /// ```text
    /// P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))
    /// ```
    fn p_alive(&self, h: &History) -> f64 {
        let xf = f64::from(h.x);
        let logit = self.a.ln() - (self.b + xf).ln()
            + (self.r + xf) * ((self.alpha + h.t).ln() - (self.alpha + h.t_x).ln());
        sigmoid_neg(logit)
    }

    /// E over p ~ Beta(a, b+x+1) of (1/p)(1 - ((alpha+T)/(alpha+T+p t))^(r+x)).
    fn expected_purchases_if_alive(&self, t: f64, h: &History) -> f64 {
        let xf = f64::from(h.x);
        bg_alive_expected(t, self.r + xf, self.alpha + h.t, self.a, self.b + xf + 1.0)
    }

    /// ```text
    /// P(purchase in (T, T+t] | alive) = 1 - ((alpha+T)/(alpha+T+t))^(r+x)
    /// ```
    fn p_purchase_if_alive(&self, t: f64, h: &History) -> f64 {
        nbd_any_purchase(t, self.r + f64::from(h.x), self.alpha + h.t)
    }

    /// Batch predictions on the current rayon pool, as [`crate::BgNbd::predict_batch`]: the series of the
    /// expectation if alive (E over p ~ Beta(a, b+x+1), the BG/NBD series with b+1 in place
    /// of b) is a polynomial in z = t/(alpha+T+t) whose coefficients depend on x only, so they
    /// are tabulated once per distinct x and thread; ln(1 - z) is shared with P(no purchase)
    /// and ln(b + x) is tabulated by x. Results equal the single-customer methods (P(alive)
    /// and P(no purchase) bit for bit, the expectation up to rounding) and do not depend on
    /// the number of threads.
    fn predict_batch(&self, histories: &[History], t: f64) -> Vec<Prediction> {
        let mut out = vec![Prediction::default(); histories.len()];
        if !(t > 0.0) {
            for (h, o) in histories.iter().zip(out.iter_mut()) {
                let pa = self.p_alive(h);
                *o = Prediction {
                    p_alive: pa,
                    expected_purchases: pa * self.expected_purchases_if_alive(t, h),
                    p_no_purchase: (1.0 - pa * self.p_purchase_if_alive(t, h)).clamp(0.0, 1.0),
                };
            }
            return out;
        }
        let ln_a = self.a.ln();
        for_each_share(histories, &mut out, MIN_SHARE, |hs, os| {
            let mut series = BgSeries::new(t, self.r, self.a, self.b + 1.0);
            // ln(b + x) by x, the same expression as `p_alive`.
            let mut ln_bx = LnByX::new(self.b, 0.0);
            for (h, o) in hs.iter().zip(os.iter_mut()) {
                let xf = f64::from(h.x);
                let at = self.alpha + h.t;
                let lb = ln_bx.get(h.x);
                let pa =
                    sigmoid_neg(ln_a - lb + (self.r + xf) * (at.ln() - (self.alpha + h.t_x).ln()));
                let z = t / (at + t);
                let l = (-z).ln_1p();
                let q = -((self.r + xf) * l).exp_m1();
                let e = series.eval(h.x, at, z, l);
                *o = Prediction {
                    p_alive: pa,
                    expected_purchases: pa * e,
                    p_no_purchase: (1.0 - pa * q).clamp(0.0, 1.0),
                };
            }
        });
        out
    }

    /// Specialised: D depends on x and alpha + T only, a smooth function of alpha + T for
    /// each x, tabulated by piecewise Chebyshev interpolation where customers share it (see
    /// [`PurchaseModel::discounted_purchases_if_alive_batch`]); the period-end expectations
    /// use the tabulated series coefficients of the batch predictions.
    fn discounted_purchases_if_alive_batch(
        &self,
        histories: &[History],
        options: &ClvOptions,
    ) -> Vec<f64> {
        let tabulated = bg_family::discounted_batch(
            histories,
            options,
            (self.r, self.alpha, self.a, self.b + 1.0),
            MIN_SHARED,
        );
        or_per_customer(self, histories, options, tabulated)
    }

    /// ```text
    /// E[X(t)] = b/(a+b) * E_{p ~ Beta(a, b+1)} [(1/p)(1 - (alpha/(alpha+p t))^r)]
    /// ```
    fn expected_purchases_new(&self, t: f64) -> f64 {
        self.b / (self.a + self.b) * bg_alive_expected(t, self.r, self.alpha, self.a, self.b + 1.0)
    }

    /// ```text
    /// P(X(t)=n) = B(a, b+n+1)/B(a,b) NB(n; r, alpha/(alpha+t))
    ///           + B(a+1, b+n)/B(a,b) P(NB(r, alpha/(alpha+t)) >= n)
    /// ```
    fn p_purchases_new(&self, n: u32, t: f64) -> f64 {
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let nf = f64::from(n);
        let lb = ln_beta(a, b);
        if !(t > 0.0) {
            // Everyone has zero purchases at t = 0.
            return if n == 0 { 1.0 } else { 0.0 };
        }
        let q = t / (alpha + t);
        let ln_nb = ln_gamma(r + nf) - ln_gamma(r) - ln_gamma(nf + 1.0)
            + r * (alpha / (alpha + t)).ln()
            + xlny(nf, q);
        let tail = if n == 0 { 1.0 } else { beta_reg(nf, r, q) };
        let p = (ln_beta(a, b + nf + 1.0) - lb + ln_nb).exp()
            + (ln_beta(a + 1.0, b + nf) - lb).exp() * tail;
        p.clamp(0.0, 1.0)
    }
}
