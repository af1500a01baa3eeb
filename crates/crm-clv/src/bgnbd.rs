//! BG/NBD: the beta-geometric / negative binomial distribution model (Fader, Hardie & Lee 2005).

use serde::{Deserialize, Serialize};
use statrs::function::beta::beta_reg;

use crate::bg_family::{self, BgSeries, LnByX, bg_alive_expected, nbd_any_purchase, sigmoid_neg};
use crate::data::{Histories, History};
use crate::discount::ClvOptions;
use crate::error::Result;
use crate::optim::{FitOptions, Fitted, LogLik, fit_params, positive};
use crate::parallel::{MIN_SHARE, chunk_sums, for_each_share};
use crate::purchase::{Prediction, PurchaseModel, XtCache, or_per_customer};
use crate::rng::Rng;
use crate::special::{digamma, ln_beta, ln_gamma, xlny};
use crate::tabulate::MIN_SHARED;

/// BG/NBD parameters.
///
/// Story: while alive, a customer buys as a Poisson process with rate lambda; after each
/// repeat purchase she drops out ("dies") with probability p. Across customers
/// lambda ~ Gamma(shape r, rate alpha) and p ~ Beta(a, b).
///
/// Likelihood of one customer (x, t_x, T) (FHL 2005, eq. 6), evaluated in log space:
///
/// ```text
/// L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
///   + [x > 0] B(a+1, b+x-1)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))
/// ```
///
/// Parameters: `r`, `alpha` (shape and rate of the purchase-rate distribution; mean rate
/// r/alpha per time unit, so alpha is in time units), `a`, `b` (dropout probability
/// distribution; mean a/(a+b)).
///
/// ```
/// use crm_analytics::clv::{BgNbd, History, PurchaseModel};
/// // The published CDNOW estimates (weeks).
/// let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259)?;
/// let h = History::new(2, 30.43, 38.86);
/// let e = m.conditional_expected_purchases(39.0, &h);
/// assert!((e - 1.226).abs() < 1e-3);
/// assert!((m.expected_purchases_new(78.0) - 1.858).abs() < 1e-3);
/// # Ok::<(), crm_analytics::clv::ClvError>(())
/// ```
///
/// Reference: P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "'Counting your customers' the
/// easy way: an alternative to the Pareto/NBD model", Marketing Science 24(2), 275-284.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbd {
    /// Shape of the Gamma purchase-rate distribution.
    pub r: f64,
    /// Rate (scale in time units) of the Gamma purchase-rate distribution.
    pub alpha: f64,
    /// First shape of the Beta dropout distribution.
    pub a: f64,
    /// Second shape of the Beta dropout distribution.
    pub b: f64,
}

const MODEL: &str = "BG/NBD";

impl BgNbd {
    /// Parameters, each finite and > 0.
    ///
    /// # Errors
    /// [`crate::ClvError::InvalidParameter`].
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self> {
        positive("r", r)?;
        positive("alpha", alpha)?;
        positive("a", a)?;
        positive("b", b)?;
        Ok(BgNbd { r, alpha, a, b })
    }

    /// Parameter names in the order of [`BgNbd::to_vec`].
    pub const NAMES: [&'static str; 4] = ["r", "alpha", "a", "b"];

    /// `[r, alpha, a, b]`.
    #[must_use]
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.a, self.b]
    }

    fn from_slice(v: &[f64]) -> Self {
        BgNbd {
            r: v[0],
            alpha: v[1],
            a: v[2],
            b: v[3],
        }
    }

    /// Maximum-likelihood fit from default starting values.
    ///
    /// # Errors
    /// [`crate::ClvError::DegenerateData`] (fewer than two customers, every x = 0),
    /// [`crate::ClvError::NotConverged`], [`crate::ClvError::Numerical`].
    pub fn fit(data: &Histories, options: &FitOptions) -> Result<Fitted<BgNbd>> {
        let start = BgNbd {
            r: 1.0,
            alpha: data.mean_age(),
            a: 1.0,
            b: 1.0,
        };
        Self::fit_from(data, options, start)
    }

    /// Maximum-likelihood fit from given starting values.
    ///
    /// # Errors
    /// As [`BgNbd::fit`].
    pub fn fit_from(data: &Histories, options: &FitOptions, start: BgNbd) -> Result<Fitted<BgNbd>> {
        let start = data.warm_start(MODEL, options, start, Self::fit_from)?;
        let lik = BgNbdLik::new(data, false);
        fit_params(
            MODEL,
            &lik,
            &start.to_vec(),
            (data.total_weight(), data.len()),
            options,
            Self::from_slice,
        )
    }

    /// Log-likelihood of the (weighted) data at these parameters.
    #[must_use]
    pub fn log_likelihood(&self, data: &Histories) -> f64 {
        BgNbdLik::new(data, false).ll(&self.to_vec(), None)
    }

    /// Simulates one customer per entry of `ages` (T, model time unit) from these parameters:
    /// draws lambda and p, then purchase times, dropping out after each repeat purchase with
    /// probability p. Deterministic for a given `seed`.
    #[must_use]
    pub fn simulate(&self, ages: &[f64], seed: u64) -> Vec<History> {
        let mut rng = Rng::new(seed);
        ages.iter()
            .map(|&t_age| {
                let lambda = rng.gamma(self.r, self.alpha);
                let p = rng.beta(self.a, self.b);
                let (mut x, mut t_x, mut now) = (0u32, 0.0, 0.0);
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
                History::new(x, t_x, t_age)
            })
            .collect()
    }
}

/// Precomputed grouping of a data set for fast likelihood evaluation: the per-x constants are
/// computed once per distinct x.
pub(crate) struct BgNbdLik<'a> {
    data: &'a Histories,
    xs: Vec<u32>,
    xi: Vec<u32>,
    /// MBG/NBD variant (death possible at time 0, Batislam et al. 2007).
    modified: bool,
}

impl<'a> BgNbdLik<'a> {
    pub(crate) fn new(data: &'a Histories, modified: bool) -> Self {
        let mut xs: Vec<u32> = data.x.clone();
        xs.sort_unstable();
        xs.dedup();
        let xi = data
            .x
            .iter()
            .map(|x| xs.binary_search(x).unwrap_or(0) as u32)
            .collect();
        BgNbdLik {
            data,
            xs,
            xi,
            modified,
        }
    }
}

/// Per-x constants of the BG/NBD likelihood and gradient.
#[derive(Clone, Copy)]
struct PerX {
    rx: f64,
    c1: f64,
    ln_ab: f64,
    has_m: bool,
    d1r: f64,
    d1a: f64,
    d1b: f64,
    dmb: f64,
}

const CHUNK: usize = 1 << 15;

impl LogLik for BgNbdLik<'_> {
    const K: usize = 4;
    const ANALYTIC_GRADIENT: bool = true;

    fn ll(&self, theta: &[f64], grad: Option<&mut [f64]>) -> f64 {
        let (r, alpha, a, b) = (theta[0], theta[1], theta[2], theta[3]);
        let ln_alpha = alpha.ln();
        let (lg_r, lg_ab, lg_b) = (ln_gamma(r), ln_gamma(a + b), ln_gamma(b));
        let (dg_r, dg_ab, dg_b) = (digamma(r), digamma(a + b), digamma(b));
        let want_grad = grad.is_some();
        // BG/NBD: B(a, b+x)/B(a,b), second term a/(b+x-1) for x > 0.
        // MBG/NBD: B(a, b+x+1)/B(a,b), second term a/(b+x) for every x.
        let shift = if self.modified { 1.0 } else { 0.0 };
        let per_x: Vec<PerX> = self
            .xs
            .iter()
            .map(|&x| {
                let xf = f64::from(x);
                let bx = b + xf + shift;
                let c1 = ln_gamma(r + xf) - lg_r + r * ln_alpha + lg_ab + ln_gamma(bx)
                    - lg_b
                    - ln_gamma(a + bx);
                let has_m = x > 0 || self.modified;
                let (ln_ab, dmb) = if has_m {
                    (a.ln() - (bx - 1.0).ln(), -1.0 / (bx - 1.0))
                } else {
                    (0.0, 0.0)
                };
                let (d1r, d1a, d1b) = if want_grad {
                    let dg_abx = digamma(a + bx);
                    (
                        digamma(r + xf) - digamma(r) + ln_alpha,
                        dg_ab - dg_abx,
                        dg_ab + digamma(bx) - dg_b - dg_abx,
                    )
                } else {
                    (0.0, 0.0, 0.0)
                };
                let _ = dg_r;
                PerX {
                    rx: r + xf,
                    c1,
                    ln_ab,
                    has_m,
                    d1r,
                    d1a,
                    d1b,
                    dmb,
                }
            })
            .collect();
        let d = self.data;
        let n = d.len();
        let chunk = |lo: usize, hi: usize| -> [f64; 5] {
            let mut acc = [0.0f64; 5];
            for i in lo..hi {
                let px = &per_x[self.xi[i] as usize];
                let w = d.w[i];
                let at = alpha + d.t[i];
                let l_t = at.ln();
                let l = -px.rx * l_t;
                if px.has_m {
                    let atx = alpha + d.t_x[i];
                    let l_tx = atx.ln();
                    let m = px.ln_ab - px.rx * l_tx;
                    // S = logaddexp(l, m) = l + softplus(m - l); weight of m = sigmoid(m - l).
                    let dlt = m - l;
                    let (s, wm) = if dlt > 0.0 {
                        let e = (-dlt).exp();
                        (m + e.ln_1p(), 1.0 / (1.0 + e))
                    } else {
                        let e = dlt.exp();
                        (l + e.ln_1p(), e / (1.0 + e))
                    };
                    acc[0] += w * (px.c1 + s);
                    if want_grad {
                        let wl = 1.0 - wm;
                        acc[1] += w * (px.d1r - wl * l_t - wm * l_tx);
                        acc[2] += w * (r / alpha - px.rx * (wl / at + wm / atx));
                        acc[3] += w * (px.d1a + wm / a);
                        acc[4] += w * (px.d1b + wm * px.dmb);
                    }
                } else {
                    acc[0] += w * (px.c1 + l);
                    if want_grad {
                        acc[1] += w * (px.d1r - l_t);
                        acc[2] += w * (r / alpha - px.rx / at);
                        acc[3] += w * px.d1a;
                        acc[4] += w * px.d1b;
                    }
                }
            }
            acc
        };
        let acc = chunk_sums(n, CHUNK, &chunk);
        if let Some(g) = grad {
            g[..4].copy_from_slice(&acc[1..5]);
        }
        acc[0]
    }
}

impl PurchaseModel for BgNbd {
    fn name(&self) -> &'static str {
        "bgnbd"
    }

    /// ```text
    /// P(alive) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
    /// ```
    fn p_alive(&self, h: &History) -> f64 {
        if h.x == 0 {
            return 1.0;
        }
        let xf = f64::from(h.x);
        let logit = self.a.ln() - (self.b + xf - 1.0).ln()
            + (self.r + xf) * ((self.alpha + h.t).ln() - (self.alpha + h.t_x).ln());
        sigmoid_neg(logit)
    }

    /// FHL 2005 eq. 10 without the P(alive) factor: E over p ~ Beta(a, b+x) of
    /// (1/p)(1 - ((alpha+T)/(alpha+T+p t))^(r+x)).
    fn expected_purchases_if_alive(&self, t: f64, h: &History) -> f64 {
        let xf = f64::from(h.x);
        bg_alive_expected(t, self.r + xf, self.alpha + h.t, self.a, self.b + xf)
    }

    /// ```text
    /// P(purchase in (T, T+t] | alive) = 1 - ((alpha+T)/(alpha+T+t))^(r+x)
    /// ```
    fn p_purchase_if_alive(&self, t: f64, h: &History) -> f64 {
        nbd_any_purchase(t, self.r + f64::from(h.x), self.alpha + h.t)
    }

    /// As [`PurchaseModel::predict_batch`], specialised: the hypergeometric series of the
    /// expected purchases is a power series in z = t/(alpha+T+t) whose coefficients depend on
    /// x only, so they are tabulated once per distinct x and every customer costs a
    /// division-free polynomial evaluation (see `BgSeries`), and ln(1 - z) is shared by the
    /// expectation and P(no purchase). As in the generic version, the (x, T)-only parts are
    /// cached while customers share them (daily data). P(alive) and P(no purchase) are bit-for-bit those of
    /// the single-customer methods; expected purchases agree to rounding (relative 1e-13).
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
            let mut series = BgSeries::new(t, self.r, self.a, self.b);
            // ln(b + x - 1) by x (NaN for x = 0, where it is not used).
            let mut ln_bx = LnByX::new(self.b, -1.0);
            let mut cache = XtCache::new();
            for (h, o) in hs.iter().zip(os.iter_mut()) {
                let xf = f64::from(h.x);
                let at = self.alpha + h.t;
                let pa = if h.x == 0 {
                    1.0
                } else {
                    let lb = ln_bx.get(h.x);
                    let logit = ln_a - lb + (self.r + xf) * (at.ln() - (self.alpha + h.t_x).ln());
                    sigmoid_neg(logit)
                };
                let (e, q) = cache.get_or(h, || {
                    let z = t / (at + t);
                    let l = (-z).ln_1p();
                    let q = -((self.r + xf) * l).exp_m1();
                    (series.eval(h.x, at, z, l), q)
                });
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
            (self.r, self.alpha, self.a, self.b),
            MIN_SHARED,
        );
        or_per_customer(self, histories, options, tabulated)
    }

    /// ```text
    /// E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]
    /// ```
    fn expected_purchases_new(&self, t: f64) -> f64 {
        bg_alive_expected(t, self.r, self.alpha, self.a, self.b)
    }

    /// FHL 2005 eq. 8:
    ///
    /// ```text
    /// P(X(t)=n) = B(a, b+n)/B(a,b) * NB(n; r, alpha/(alpha+t))
    ///           + [n > 0] B(a+1, b+n-1)/B(a,b) * P(NB(r, alpha/(alpha+t)) >= n)
    /// ```
    fn p_purchases_new(&self, n: u32, t: f64) -> f64 {
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let nf = f64::from(n);
        if !(t > 0.0) {
            return if n == 0 { 1.0 } else { 0.0 };
        }
        let lb = ln_beta(a, b);
        let q = t / (alpha + t);
        let ln_nb = ln_gamma(r + nf) - ln_gamma(r) - ln_gamma(nf + 1.0)
            + r * (alpha / (alpha + t)).ln()
            + xlny(nf, q);
        let mut p = (ln_beta(a, b + nf) - lb + ln_nb).exp();
        if n > 0 {
            // P(NB >= n) = I_q(n, r), the regularised incomplete beta function.
            let tail = beta_reg(nf, r, q);
            p += (ln_beta(a + 1.0, b + nf - 1.0) - lb).exp() * tail;
        }
        p.clamp(0.0, 1.0)
    }
}
