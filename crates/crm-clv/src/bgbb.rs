//! BG/BB: the beta-geometric / beta-binomial model for discrete transaction opportunities
//! (Fader, Hardie & Shang 2010).

use serde::{Deserialize, Serialize};

use crate::data::{Histories, History};
use crate::error::{ClvError, Result};
use crate::optim::{FitOptions, Fitted, LogLik, fit_params, positive};
use crate::rng::Rng;
use crate::special::{DIRECT_TERMS, digamma, ln_beta, ln_gamma, ln_sum_smooth};

/// BG/BB parameters.
///
/// Story: at each of n discrete opportunities (e.g. yearly campaigns) an alive customer
/// transacts with probability p; at the start of each opportunity after the first she may
/// "die" with probability theta. p ~ Beta(alpha, beta), theta ~ Beta(gamma, delta).
///
/// Histories are [`History`] values with x = transactions, t_x = the opportunity of the last
/// transaction (0 if none) and T = n, the number of opportunities; all integers,
/// `x <= t_x <= n`.
///
/// ```text
/// L(x, t_x, n) = B(alpha+x, beta+n-x)/B(alpha,beta) * B(gamma, delta+n)/B(gamma,delta)
///   + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha,beta)
///                         * B(gamma+1, delta+t_x+i)/B(gamma,delta)
/// ```
///
/// ```
/// use crm_analytics::clv::{BgBb, History};
/// let m = BgBb::new(1.204, 0.750, 0.657, 2.783)?;
/// let h = History::new(3, 4.0, 6.0);   // 3 donations in 6 years, last in year 4
/// let pa = m.p_alive(&h);
/// assert!(pa > 0.0 && pa < 1.0);
/// // Expected donations over the next 5 years are below 5 P(alive).
/// assert!(m.conditional_expected_transactions(5, &h) < 5.0 * pa);
/// # Ok::<(), crm_analytics::clv::ClvError>(())
/// ```
///
/// Reference: P. S. Fader, B. G. S. Hardie and J. Shang (2010), "Customer-base analysis in a
/// discrete-time noncontractual setting", Marketing Science 29(6), 1086-1108.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgBb {
    /// First shape of the Beta transaction-probability distribution.
    pub alpha: f64,
    /// Second shape of the Beta transaction-probability distribution.
    pub beta: f64,
    /// First shape of the Beta dropout-probability distribution.
    pub gamma: f64,
    /// Second shape of the Beta dropout-probability distribution.
    pub delta: f64,
}

const MODEL: &str = "BG/BB";

fn check_discrete(data: &Histories) -> Result<()> {
    for (i, (h, _)) in data.iter().enumerate() {
        let bad = |field, value, reason| ClvError::InvalidRecord {
            index: i,
            field,
            value,
            reason,
        };
        if h.t_x.fract() != 0.0 {
            return Err(bad(
                "t_x",
                h.t_x,
                "BG/BB recency must be a whole opportunity",
            ));
        }
        if h.t.fract() != 0.0 {
            return Err(bad("T", h.t, "BG/BB needs a whole number of opportunities"));
        }
        if f64::from(h.x) > h.t_x {
            return Err(bad(
                "x",
                f64::from(h.x),
                "BG/BB transactions cannot exceed the last transaction's opportunity",
            ));
        }
    }
    Ok(())
}

impl BgBb {
    /// Parameter names in the order of [`BgBb::to_vec`].
    pub const NAMES: [&'static str; 4] = ["alpha", "beta", "gamma", "delta"];

    /// Parameters, each finite and > 0.
    ///
    /// # Errors
    /// [`ClvError::InvalidParameter`].
    pub fn new(alpha: f64, beta: f64, gamma: f64, delta: f64) -> Result<Self> {
        positive("alpha", alpha)?;
        positive("beta", beta)?;
        positive("gamma", gamma)?;
        positive("delta", delta)?;
        Ok(BgBb {
            alpha,
            beta,
            gamma,
            delta,
        })
    }

    /// `[alpha, beta, gamma, delta]`.
    #[must_use]
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.alpha, self.beta, self.gamma, self.delta]
    }

    fn from_slice(v: &[f64]) -> Self {
        BgBb {
            alpha: v[0],
            beta: v[1],
            gamma: v[2],
            delta: v[3],
        }
    }

    /// Maximum-likelihood fit (numerical gradient).
    ///
    /// # Errors
    /// [`ClvError::InvalidRecord`] for non-integer histories; as [`crate::BgNbd::fit`].
    pub fn fit(data: &Histories, options: &FitOptions) -> Result<Fitted<BgBb>> {
        check_discrete(data)?;
        data.check_fit(MODEL)?;
        fit_params(
            MODEL,
            &BgBbLik { data },
            &[1.0, 1.0, 1.0, 1.0],
            (data.total_weight(), data.len()),
            options,
            Self::from_slice,
        )
    }

    /// Log-likelihood of the data.
    #[must_use]
    pub fn log_likelihood(&self, data: &Histories) -> f64 {
        BgBbLik { data }.ll(&self.to_vec(), None)
    }

    /// (ln of the alive term, ln L).
    fn ln_terms(&self, h: &History) -> (f64, f64) {
        let (a, b, g, d) = (self.alpha, self.beta, self.gamma, self.delta);
        let x = f64::from(h.x);
        let n = h.t.max(0.0).round();
        let tx = h.t_x.max(0.0).round();
        let (lab, lgd) = (ln_beta(a, b), ln_beta(g, d));
        let alive = ln_beta(a + x, b + n - x) - lab + ln_beta(g, d + n) - lgd;
        // The n - t_x terms of the sum: one by one up to DIRECT_TERMS, then Euler-Maclaurin
        // (bounded work and error, see `ln_sum_smooth`), so n = 5,000,000 costs ~1,500 terms.
        let (p0, q0) = (b + tx - x, d + tx);
        let total = ln_sum_smooth(
            alive,
            (n - tx).max(0.0),
            |i| ln_beta(a + x, p0 + i) - lab + ln_beta(g + 1.0, q0 + i) - lgd,
            |i| {
                digamma(p0 + i) - digamma(a + x + p0 + i) + digamma(q0 + i)
                    - digamma(g + 1.0 + q0 + i)
            },
        );
        (alive, total)
    }

    /// P(alive after opportunity n | x, t_x, n).
    #[must_use]
    pub fn p_alive(&self, h: &History) -> f64 {
        let (alive, total) = self.ln_terms(h);
        (alive - total).exp().clamp(0.0, 1.0)
    }

    /// Expected transactions in the next `n_star` opportunities:
    ///
    /// ```text
    /// P(alive) (alpha+x)/(alpha+beta+n) sum_{k=1}^{n*} B(gamma, delta+n+k)/B(gamma, delta+n)
    /// ```
    #[must_use]
    pub fn conditional_expected_transactions(&self, n_star: u32, h: &History) -> f64 {
        let x = f64::from(h.x);
        let n = h.t.max(0.0).round();
        let sum = survival_sum(self.gamma, self.delta + n, n_star);
        self.p_alive(h) * (self.alpha + x) / (self.alpha + self.beta + n) * sum
    }

    /// Discounted expected transactions over the next `n_star` opportunities, the k-th
    /// discounted by (1 + `discount_rate`)^k (multiply by a spend per transaction for a CLV):
    ///
    /// ```text
    /// P(alive) (alpha+x)/(alpha+beta+n) sum_{k=1}^{n*} B(gamma, delta+n+k)/B(gamma, delta+n) / (1+d)^k
    /// ```
    ///
    /// Bounded work for any `n_star` (see [`BgBb::conditional_expected_transactions`]); with
    /// `discount_rate` 0 it equals the undiscounted expectation. A negative or non-finite rate
    /// gives NaN.
    #[must_use]
    pub fn discounted_expected_transactions(
        &self,
        n_star: u32,
        discount_rate: f64,
        h: &History,
    ) -> f64 {
        if !(discount_rate >= 0.0 && discount_rate.is_finite()) {
            return f64::NAN;
        }
        let x = f64::from(h.x);
        let n = h.t.max(0.0).round();
        let (g, d) = (self.gamma, self.delta + n);
        let base = ln_beta(g, d);
        let c = discount_rate.ln_1p();
        let term = |i: f64| ln_beta(g, d + 1.0 + i) - base - (i + 1.0) * c;
        let sum = ln_sum_smooth(f64::NEG_INFINITY, f64::from(n_star), term, |i| {
            digamma(d + 1.0 + i) - digamma(g + d + 1.0 + i) - c
        })
        .exp();
        self.p_alive(h) * (self.alpha + x) / (self.alpha + self.beta + n) * sum
    }

    /// Probability of no transaction in the next `n_star` opportunities (dead, or alive and
    /// not transacting until death or the end).
    #[must_use]
    pub fn p_no_purchase(&self, n_star: u32, h: &History) -> f64 {
        let x = f64::from(h.x);
        let n = h.t.max(0.0).round();
        let (pa, pb) = (self.alpha + x, self.beta + n - x);
        let (g, d) = (self.gamma, self.delta + n);
        let (lbp, lbt) = (ln_beta(pa, pb), ln_beta(g, d));
        // Given alive: die at the start of opportunity k (after k-1 silent ones) or survive all.
        let mut q = (ln_beta(g, d + f64::from(n_star)) - lbt + ln_beta(pa, pb + f64::from(n_star))
            - lbp)
            .exp();
        let term = |m: f64| ln_beta(g + 1.0, d + m) - lbt + ln_beta(pa, pb + m) - lbp;
        if u64::from(n_star) <= DIRECT_TERMS {
            for k in 1..=n_star {
                q += term(f64::from(k - 1)).exp();
            }
        } else {
            q += ln_sum_smooth(f64::NEG_INFINITY, f64::from(n_star), term, |m| {
                digamma(d + m) - digamma(g + 1.0 + d + m) + digamma(pb + m) - digamma(pa + pb + m)
            })
            .exp();
        }
        let alive = self.p_alive(h);
        (1.0 - alive + alive * q).clamp(0.0, 1.0)
    }

    /// Expected transactions of a new customer in her first `n` opportunities:
    /// alpha/(alpha+beta) sum_{k=1}^{n} B(gamma, delta+k)/B(gamma, delta).
    #[must_use]
    pub fn expected_transactions_new(&self, n: u32) -> f64 {
        self.alpha / (self.alpha + self.beta) * survival_sum(self.gamma, self.delta, n)
    }

    /// P(X(n) = x) for a new customer:
    ///
    /// ```text
    /// C(n,x) B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n)/B(gamma,delta)
    ///  + sum_{i=x}^{n-1} C(i,x) B(alpha+x, beta+i-x)/B(alpha,beta) B(gamma+1, delta+i)/B(gamma,delta)
    /// ```
    #[must_use]
    pub fn p_transactions_new(&self, x: u32, n: u32) -> f64 {
        if x > n {
            return 0.0;
        }
        let (a, b, g, d) = (self.alpha, self.beta, self.gamma, self.delta);
        let (lab, lgd) = (ln_beta(a, b), ln_beta(g, d));
        let xf = f64::from(x);
        let ln_choose =
            |m: f64, k: f64| ln_gamma(m + 1.0) - ln_gamma(k + 1.0) - ln_gamma(m - k + 1.0);
        let nf = f64::from(n);
        let mut p = (ln_choose(nf, xf) + ln_beta(a + xf, b + nf - xf) - lab + ln_beta(g, d + nf)
            - lgd)
            .exp();
        let term = |i: f64| {
            ln_choose(i, xf) + ln_beta(a + xf, b + i - xf) - lab + ln_beta(g + 1.0, d + i) - lgd
        };
        if u64::from(n - x) <= DIRECT_TERMS {
            for i in x..n {
                p += term(f64::from(i)).exp();
            }
        } else {
            // j = i - x = 0..n-x-1, summed with a bounded number of terms.
            let dj = |j: f64| {
                digamma(j + xf + 1.0) - digamma(j + 1.0) + digamma(b + j) - digamma(a + xf + b + j)
                    + digamma(d + xf + j)
                    - digamma(g + 1.0 + d + xf + j)
            };
            p += ln_sum_smooth(f64::NEG_INFINITY, f64::from(n - x), |j| term(j + xf), dj).exp();
        }
        p.clamp(0.0, 1.0)
    }

    /// Simulates `n_customers` histories over `n` opportunities. Deterministic for a `seed`.
    #[must_use]
    pub fn simulate(&self, n_customers: usize, n: u32, seed: u64) -> Vec<History> {
        let mut rng = Rng::new(seed);
        (0..n_customers)
            .map(|_| {
                let p = rng.beta(self.alpha, self.beta);
                let theta = rng.beta(self.gamma, self.delta);
                let (mut x, mut t_x) = (0u32, 0u32);
                for k in 1..=n {
                    if rng.bernoulli(theta) {
                        break;
                    }
                    if rng.bernoulli(p) {
                        x += 1;
                        t_x = k;
                    }
                }
                History::new(x, f64::from(t_x), f64::from(n))
            })
            .collect()
    }
}

/// sum_{k=1}^{n} B(g, d+k)/B(g, d): the expected number of the next n opportunities survived
/// (one by one up to [`DIRECT_TERMS`], then with a bounded number of terms).
fn survival_sum(g: f64, d: f64, n: u32) -> f64 {
    let base = ln_beta(g, d);
    if u64::from(n) <= DIRECT_TERMS {
        return (1..=n)
            .map(|k| (ln_beta(g, d + f64::from(k)) - base).exp())
            .sum();
    }
    ln_sum_smooth(
        f64::NEG_INFINITY,
        f64::from(n),
        |i| ln_beta(g, d + 1.0 + i) - base,
        |i| digamma(d + 1.0 + i) - digamma(g + d + 1.0 + i),
    )
    .exp()
}

struct BgBbLik<'a> {
    data: &'a Histories,
}

impl LogLik for BgBbLik<'_> {
    const K: usize = 4;
    const ANALYTIC_GRADIENT: bool = false;

    fn ll(&self, theta: &[f64], _grad: Option<&mut [f64]>) -> f64 {
        let m = BgBb::from_slice(theta);
        self.data.iter().map(|(h, w)| w * m.ln_terms(&h).1).sum()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::special::log_add_exp;

    /// The likelihood sum term by term, as before the bounded evaluation.
    fn naive_ln_l(m: &BgBb, x: u32, tx: f64, n: f64) -> f64 {
        let (a, b, g, d) = (m.alpha, m.beta, m.gamma, m.delta);
        let x = f64::from(x);
        let (lab, lgd) = (ln_beta(a, b), ln_beta(g, d));
        let mut total = ln_beta(a + x, b + n - x) - lab + ln_beta(g, d + n) - lgd;
        let mut i = 0.0;
        while i < n - tx {
            total = log_add_exp(
                total,
                ln_beta(a + x, b + tx - x + i) - lab + ln_beta(g + 1.0, d + tx + i) - lgd,
            );
            i += 1.0;
        }
        total
    }

    #[test]
    fn long_histories_match_the_term_by_term_sum() {
        for (a, b, g, d) in [
            (1.204, 0.750, 0.657, 2.783),
            (0.1, 0.2, 0.05, 0.3),
            (5.0, 50.0, 2.0, 40.0),
        ] {
            let m = BgBb::new(a, b, g, d).unwrap();
            for (x, tx, n) in [
                (0, 0.0, 20_000.0),
                (3, 10.0, 30_000.0),
                (50, 900.0, 5_000.0),
            ] {
                let h = History::new(x, tx, n);
                let got = m.ln_terms(&h).1;
                let want = naive_ln_l(&m, x, tx, n);
                assert!(
                    (got - want).abs() < 1e-9 * want.abs().max(1.0),
                    "{got} vs {want}"
                );
                // Predictions over long horizons against the term-by-term sums.
                let k = 20_000u32;
                let base = ln_beta(g, d + n);
                let direct: f64 = (1..=k)
                    .map(|j| (ln_beta(g, d + n + f64::from(j)) - base).exp())
                    .sum();
                let want = m.p_alive(&h) * (a + f64::from(x)) / (a + b + n) * direct;
                let got = m.conditional_expected_transactions(k, &h);
                assert!((got - want).abs() <= 1e-9 * want, "{got} vs {want}");
            }
        }
    }

    #[test]
    fn discounted_expectation_matches_the_increments() {
        let m = BgBb::new(1.204, 0.750, 0.657, 2.783).unwrap();
        let h = History::new(3, 4.0, 6.0);
        for (n_star, rate) in [(5u32, 0.1), (200, 0.05), (2000, 0.01), (3000, 0.0)] {
            let (mut prev, mut want) = (0.0, 0.0);
            for k in 1..=n_star {
                let e = m.conditional_expected_transactions(k, &h);
                want += (e - prev) / (1.0f64 + rate).powf(f64::from(k));
                prev = e;
            }
            let got = m.discounted_expected_transactions(n_star, rate, &h);
            assert!(
                (got - want).abs() < 1e-9 * want,
                "{n_star} {rate}: {got} vs {want}"
            );
        }
        assert!(
            m.discounted_expected_transactions(u32::MAX, 0.1, &h)
                .is_finite()
        );
        assert!(m.discounted_expected_transactions(10, -0.5, &h).is_nan());
    }

    #[test]
    fn huge_opportunity_counts_finish_with_finite_values() {
        // Issue #14: n = 5,000,000 used to loop over every opportunity per evaluation.
        let m = BgBb::new(1.204, 0.750, 0.657, 2.783).unwrap();
        let h = History::new(3, 4.0, 5_000_000.0);
        let data =
            Histories::from_weighted([(h, 1.0), (History::new(0, 0.0, 5_000_000.0), 2.0)]).unwrap();
        assert!(m.log_likelihood(&data).is_finite());
        let pa = m.p_alive(&h);
        assert!((0.0..=1.0).contains(&pa));
        for v in [
            m.conditional_expected_transactions(u32::MAX, &h),
            m.p_no_purchase(u32::MAX, &h),
            m.expected_transactions_new(u32::MAX),
            m.p_transactions_new(2, u32::MAX),
        ] {
            assert!(v.is_finite() && v >= 0.0, "{v}");
        }
        // P(X(n) = x) sums to 1 over x (n large enough to use the bounded tail).
        let n = 1500u32;
        let total: f64 = (0..=n).map(|x| m.p_transactions_new(x, n)).sum();
        assert!((total - 1.0).abs() < 1e-8, "{total}");
    }
}
