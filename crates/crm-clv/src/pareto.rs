//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987), likelihood after Fader & Hardie (2005).

use serde::{Deserialize, Serialize};

use crate::data::{Histories, History};
use crate::discount::{ClvOptions, Periods};
use crate::error::Result;
use crate::optim::{FitOptions, Fitted, LogLik, fit_params, positive};
use crate::parallel::{MIN_SHARE, for_each_share};
use crate::purchase::{Prediction, PurchaseModel, or_per_customer};
use crate::rng::Rng;
use crate::special::{
    integrate_graded, ln_gamma, ln_hyp2f1_pos, ln1p_div, log_add_exp, log_sub_exp, xlny,
};
use crate::tabulate::{MIN_SHARED, Smooth};

mod lik;
use lik::ParetoLik;

#[path = "pareto_predict.rs"]
mod predict;

/// Pareto/NBD parameters.
///
/// Story: while alive, a customer buys as a Poisson process with rate lambda; her unobserved
/// lifetime is exponential with rate mu (she can drop out at any moment, not only after a
/// purchase). Across customers lambda ~ Gamma(r, alpha) and mu ~ Gamma(s, beta), independent.
///
/// Likelihood of one customer (x, t_x, T) (Fader & Hardie 2005, eq. 22), in log space:
///
/// ```text
/// L = Gamma(r+x) alpha^r beta^s / Gamma(r) *
///     [ 1 / ((alpha+T)^(r+x) (beta+T)^s)  +  s/(r+s+x) * A0 ]
/// alpha >= beta:  A0 = F(a1, t_x) - F(a1, T),
///   F(a1, y) = 2F1(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+y)) / (alpha+y)^(r+s+x)
/// alpha < beta:   A0 = G(t_x) - G(T),
///   G(y) = 2F1(r+s+x, r+x; r+s+x+1; (beta-alpha)/(beta+y)) / (beta+y)^(r+s+x)
/// ```
///
/// The hypergeometric function is summed in log space with a running scale, so heavy buyers
/// (x in the hundreds) stay finite.
///
/// ```
/// use crm_analytics::clv::{ParetoNbd, History, PurchaseModel};
/// let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
/// // A heavy buyer who bought two days before the end is almost surely alive.
/// let p = m.p_alive(&History::new(221, 103.4, 103.6));
/// assert!(p > 0.99 && p <= 1.0);
/// # Ok::<(), crm_analytics::clv::ClvError>(())
/// ```
///
/// Reference: D. C. Schmittlein, D. G. Morrison and R. Colombo (1987), "Counting your
/// customers: who are they and what will they do next?", Management Science 33(1), 1-24;
/// P. S. Fader and B. G. S. Hardie (2005), "A note on deriving the Pareto/NBD model and related
/// expressions".
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ParetoNbd {
    /// Shape of the Gamma purchase-rate distribution.
    pub r: f64,
    /// Rate of the Gamma purchase-rate distribution (time units).
    pub alpha: f64,
    /// Shape of the Gamma dropout-rate distribution.
    pub s: f64,
    /// Rate of the Gamma dropout-rate distribution (time units).
    pub beta: f64,
}

const MODEL: &str = "Pareto/NBD";

impl ParetoNbd {
    /// Parameter names in the order of [`ParetoNbd::to_vec`].
    pub const NAMES: [&'static str; 4] = ["r", "alpha", "s", "beta"];

    /// Parameters, each finite and > 0.
    ///
    /// # Errors
    /// [`crate::ClvError::InvalidParameter`].
    pub fn new(r: f64, alpha: f64, s: f64, beta: f64) -> Result<Self> {
        positive("r", r)?;
        positive("alpha", alpha)?;
        positive("s", s)?;
        positive("beta", beta)?;
        Ok(ParetoNbd { r, alpha, s, beta })
    }

    /// `[r, alpha, s, beta]`.
    #[must_use]
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.s, self.beta]
    }

    fn from_slice(v: &[f64]) -> Self {
        ParetoNbd {
            r: v[0],
            alpha: v[1],
            s: v[2],
            beta: v[3],
        }
    }

    /// Maximum-likelihood fit with an analytic gradient: the derivatives of ln 2F1 in its
    /// parameters and argument are accumulated in the same series as the function.
    ///
    /// # Errors
    /// As [`crate::BgNbd::fit`].
    pub fn fit(data: &Histories, options: &FitOptions) -> Result<Fitted<ParetoNbd>> {
        let m = data.mean_age();
        let start = ParetoNbd {
            r: 1.0,
            alpha: m,
            s: 1.0,
            beta: m,
        };
        Self::fit_from(data, options, start)
    }

    /// Maximum-likelihood fit from given starting values.
    ///
    /// # Errors
    /// As [`crate::BgNbd::fit`].
    pub fn fit_from(
        data: &Histories,
        options: &FitOptions,
        start: ParetoNbd,
    ) -> Result<Fitted<ParetoNbd>> {
        let start = data.warm_start(MODEL, options, start, Self::fit_from)?;
        let lik = ParetoLik::new(data);
        fit_params(
            MODEL,
            &lik,
            &start.to_vec(),
            (data.total_weight(), data.len()),
            options,
            Self::from_slice,
        )
    }

    /// Log-likelihood of the data at these parameters (-inf if a series fails).
    #[must_use]
    pub fn log_likelihood(&self, data: &Histories) -> f64 {
        ParetoLik::new(data).ll(&self.to_vec(), None)
    }

    /// The two log-terms of the bracket: (ln of the "alive throughout" term, ln of
    /// s/(r+s+x) A0), without the common factor.
    fn log_terms(&self, h: &History) -> (f64, f64) {
        let (r, alpha, s, beta) = (self.r, self.alpha, self.s, self.beta);
        let xf = f64::from(h.x);
        let l1 = -(r + xf) * (alpha + h.t).ln() - s * (beta + h.t).ln();
        let rsx = r + s + xf;
        let term = |y: f64| -> f64 {
            let (lf, base) = if alpha >= beta {
                (
                    ln_hyp2f1_pos(rsx, s + 1.0, rsx + 1.0, (alpha - beta) / (alpha + y)),
                    alpha + y,
                )
            } else {
                (
                    ln_hyp2f1_pos(rsx, r + xf, rsx + 1.0, (beta - alpha) / (beta + y)),
                    beta + y,
                )
            };
            lf.map_or(f64::NAN, |lf| lf - rsx * base.ln())
        };
        let ln_a0 = if h.t_x >= h.t {
            f64::NEG_INFINITY
        } else {
            log_sub_exp(term(h.t_x), term(h.t))
        };
        (l1, (s / rsx).ln() + ln_a0)
    }

    /// Simulates one customer per age: lambda ~ Gamma(r, alpha), mu ~ Gamma(s, beta), lifetime
    /// ~ Exp(mu), Poisson purchases while alive. Deterministic for a given `seed`.
    #[must_use]
    pub fn simulate(&self, ages: &[f64], seed: u64) -> Vec<History> {
        let mut rng = Rng::new(seed);
        ages.iter()
            .map(|&t_age| {
                let lambda = rng.gamma(self.r, self.alpha);
                let mu = rng.gamma(self.s, self.beta);
                let end = rng.exponential(mu).min(t_age);
                let (mut x, mut t_x, mut now) = (0u32, 0.0, 0.0);
                loop {
                    now += rng.exponential(lambda);
                    if now > end || !now.is_finite() {
                        break;
                    }
                    x += 1;
                    t_x = now;
                }
                History::new(x, t_x, t_age)
            })
            .collect()
    }
}

impl PurchaseModel for ParetoNbd {
    fn name(&self) -> &'static str {
        "pnbd"
    }

    /// ```text
    /// P(alive) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0)
    /// ```
    ///
    /// Evaluated as 1 / (1 + (R-1) g(t_x) + g(t_x) - g(T)) with the series of
    /// [`ParetoNbd::predict_batch`]'s notes where their argument is <= 0.93, else from the
    /// 2F1 terms of the likelihood.
    fn p_alive(&self, h: &History) -> f64 {
        if let Some(p) = self.p_alive_fast(h) {
            return p;
        }
        let (l1, l2) = self.log_terms(h);
        if l2.is_nan() {
            // Series failure (should not happen for valid parameters): the alive term alone.
            return 1.0;
        }
        (l1 - log_add_exp(l1, l2)).exp().clamp(0.0, 1.0)
    }

    /// ```text
    /// E[Y(t) | alive, x, T] = (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]
    /// ```
    /// (evaluated with `expm1`, so s = 1 is the limit (r+x)/(alpha+T) (beta+T) ln(1 + t/(beta+T))).
    fn expected_purchases_if_alive(&self, t: f64, h: &History) -> f64 {
        if !(t > 0.0) {
            return 0.0;
        }
        let xf = f64::from(h.x);
        let bt = self.beta + h.t;
        // (beta+T)/(alpha+T) first: (r+x)(beta+T) overflows for T near f64::MAX.
        (self.r + xf) * (bt / (self.alpha + h.t)) * expm1_ratio(self.s - 1.0, t, bt)
    }

    /// ```text
    /// P(purchase | alive) = E[lambda/(lambda+mu) (1 - e^(-(lambda+mu)t))]
    ///                     = f(T) - ((alpha+T)/(alpha+T+t))^(r+x) ((beta+T)/(beta+T+t))^s f(T+t)
    /// f(y) = E[lambda/(lambda+mu)]  under lambda ~ Gamma(r+x, alpha+y), mu ~ Gamma(s, beta+y)
    /// ```
    /// (the posterior given alive at T, and at T + t after the Laplace factor), f by its
    /// hypergeometric series (see [`ParetoNbd::predict_batch`]); where the series argument
    /// exceeds 0.93, Gauss-Legendre quadrature (20 points on geometrically graded panels) of
    /// int_0^t E[lambda e^(-lambda u)] E[e^(-mu u)] du instead.
    fn p_purchase_if_alive(&self, t: f64, h: &History) -> f64 {
        self.p_purchase_if_alive_fast(t, h)
            .unwrap_or_else(|| self.p_purchase_if_alive_quadrature(t, h, 1))
    }

    /// Batch predictions on the current rayon pool (contiguous shares in input order; each customer's
    /// result depends on that customer only, so it equals the single-customer methods and
    /// does not depend on the number of threads).
    ///
    /// Given alive at age y, lambda ~ Gamma(a, A) and mu ~ Gamma(b, B) with a = r+x, b = s,
    /// A = alpha+y, B = beta+y. With f(y) = E[lambda/(lambda+mu)] and g(y) = 1 - f(y), by
    /// Euler's integral (U ~ Beta(a, b), lambda/(lambda+mu) = U / (U + (1-U) A/B)):
    ///
    /// ```text
    /// alpha >= beta, z = 1 - B/A:  g = b/(a+b) sum_k (a)_k/(a+b+1)_k z^k
    ///                              f = (1-z) a/(a+b) sum_k (a+1)_k/(a+b+1)_k z^k
    /// alpha <  beta, z = 1 - A/B:  f = a/(a+b) sum_k (b)_k/(a+b+1)_k z^k
    ///                              g = (1-z) b/(a+b) sum_k (b+1)_k/(a+b+1)_k z^k
    /// P(alive)               = 1 / (1 + (R-1) g(t_x) + g(t_x) - g(T)),
    ///                          R = ((alpha+T)/(alpha+t_x))^(r+x) ((beta+T)/(beta+t_x))^s
    /// P(purchase | alive)    = f(T) - ((alpha+T)/(alpha+T+t))^(r+x) ((beta+T)/(beta+T+t))^s f(T+t)
    /// E[Y(t) | alive]        = (r+x)(beta+T)/((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]
    /// P(no purchase in t)    = 1 - P(alive) P(purchase | alive)
    /// ```
    ///
    /// Both sums of a branch come from one loop (sum t_k and sum k t_k), the series at age T
    /// serves P(alive) and P(purchase | alive), so a customer costs three short series (all
    /// terms positive, ratio below z), four `ln_1p` and three `exp`. Where z > 0.93 (only
    /// for ages small against |alpha - beta|) the general routines are used instead.
    fn predict_batch(&self, histories: &[History], t: f64) -> Vec<Prediction> {
        let mut out = vec![Prediction::default(); histories.len()];
        for_each_share(histories, &mut out, MIN_SHARE, |hs, os| {
            for (h, o) in hs.iter().zip(os.iter_mut()) {
                *o = self.predict_one(h, t);
            }
        });
        out
    }

    /// Specialised: D = (r+x)(beta+T)/(alpha+T) S(beta+T) with
    /// S(B) = sum_k (1+d)^-k [g(t_k) - g(t_{k-1})], g(t) = (1 - (B/(B+t))^(s-1))/(s-1), one
    /// function for all customers, tabulated by piecewise Chebyshev interpolation in B (see
    /// [`PurchaseModel::discounted_purchases_if_alive_batch`]).
    fn discounted_purchases_if_alive_batch(
        &self,
        histories: &[History],
        options: &ClvOptions,
    ) -> Vec<f64> {
        let tabulated = discounted_batch(histories, options, self, MIN_SHARED);
        or_per_customer(self, histories, options, tabulated)
    }

    /// ```text
    /// E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]
    /// ```
    fn expected_purchases_new(&self, t: f64) -> f64 {
        if !(t > 0.0) {
            return 0.0;
        }
        self.r * self.beta / self.alpha * expm1_ratio(self.s - 1.0, t, self.beta)
    }

    /// ```text
    /// P(X(t)=n) = NB(n; r, alpha/(alpha+t)) (beta/(beta+t))^s
    ///           + int_0^t (s/beta)(beta/(beta+y))^(s+1) NB(n; r, alpha/(alpha+y)) dy
    /// ```
    /// (alive through t, or dead at y < t; Fader & Hardie (2006), "Deriving an expression for
    /// P(X(t) = x) under the Pareto/NBD model", eq. 3 before integration). The integrand is
    /// evaluated in log space and integrated by 20-point Gauss-Legendre on geometrically
    /// graded panels from w = min(alpha/(r+n+1), beta/(s+1))/4 up to t (see
    /// `special::integrate_graded`): the death density's decay near 0 and the power-law tail
    /// are resolved for any t up to f64::MAX (16 equal panels over [0, t] missed all the mass
    /// for t = 1e308 and multiplied inf by 0 there: NaN, found by fuzzing).
    fn p_purchases_new(&self, n: u32, t: f64) -> f64 {
        if !(t > 0.0) {
            return if n == 0 { 1.0 } else { 0.0 };
        }
        let (r, alpha, s, beta) = (self.r, self.alpha, self.s, self.beta);
        let nf = f64::from(n);
        let c = ln_gamma(r + nf) - ln_gamma(r) - ln_gamma(nf + 1.0);
        // ln NB(n; r, alpha/(alpha+y)) = c - r ln(1 + y/alpha) + n ln(y/(alpha+y)).
        let ln_nb = |y: f64| {
            if y <= 0.0 {
                return if n == 0 { 0.0 } else { f64::NEG_INFINITY };
            }
            c - r * ln1p_div(y, alpha) + xlny(nf, y / (alpha + y))
        };
        let alive = (ln_nb(t) - s * ln1p_div(t, beta)).exp();
        let ln_density = (s / beta).ln();
        let dead = |y: f64| (ln_density + ln_nb(y) - (s + 1.0) * ln1p_div(y, beta)).exp();
        let w = (alpha / (r + nf + 1.0)).min(beta / (s + 1.0)) / 4.0;
        (alive + integrate_graded(dead, w, t, PMF_SPLIT)).clamp(0.0, 1.0)
    }
}

/// Parts per graded panel of the Pareto/NBD P(X(t) = n) integral.
const PMF_SPLIT: u32 = 2;

/// (1 - (b/(b+t))^k) / k, stable as k -> 0 (limit ln(1 + t/b)).
pub(crate) fn expm1_ratio(k: f64, t: f64, b: f64) -> f64 {
    let l = ln1p_div(t, b); // ln((b+t)/b), finite where t/b overflows
    if k.abs() < 1e-12 {
        l
    } else {
        -(-k * l).exp_m1() / k
    }
}

/// The Pareto/NBD discounted sums if alive for many customers (the specialised
/// [`PurchaseModel::discounted_purchases_if_alive_batch`]):
/// D = (r+x)(beta+T)/(alpha+T) S(beta+T), one function S for everyone, tabulated.
pub(crate) fn discounted_batch(
    histories: &[History],
    options: &ClvOptions,
    m: &ParetoNbd,
    min_shared: u32,
) -> Option<(Vec<f64>, usize)> {
    let periods = Periods::new(options)?;
    let (r, alpha, s, beta) = (m.r, m.alpha, m.s, m.beta);
    let key = |h: &History| {
        let bt = beta + h.t;
        (0, bt, (r + f64::from(h.x)) * (bt / (alpha + h.t)))
    };
    let exact = |_: &mut (), _: u32, bt: f64| periods.discounted(|t| expm1_ratio(s - 1.0, t, bt));
    Some(
        Smooth {
            classes: 1,
            u_min: 0.0,
            min_shared,
            key: &key,
            scratch: &|| (),
            exact: &exact,
        }
        .run(histories),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn analytic_gradient_matches_central_differences() {
        let data = Histories::from_slices(
            &[0, 1, 3, 12, 221],
            &[0.0, 5.0, 20.0, 35.5, 103.4],
            &[39.0, 30.0, 38.0, 39.0, 103.6],
            Some(&[10.0, 3.0, 2.0, 1.0, 1.0]),
        )
        .unwrap();
        // Both branches: alpha < beta and alpha >= beta.
        for theta in [[0.55, 10.6, 0.61, 11.7], [0.8, 15.0, 1.3, 4.0]] {
            let lik = ParetoLik::new(&data);
            let mut g = [0.0; 4];
            lik.ll(&theta, Some(&mut g));
            for i in 0..4 {
                let h = 1e-6 * theta[i];
                let (mut up, mut dn) = (theta, theta);
                up[i] += h;
                dn[i] -= h;
                let num = (lik.ll(&up, None) - lik.ll(&dn, None)) / (2.0 * h);
                assert!(
                    (g[i] - num).abs() < 1e-5 * (1.0 + num.abs()),
                    "{i}: {} vs {num}",
                    g[i]
                );
            }
        }
    }
}
