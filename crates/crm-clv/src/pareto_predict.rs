//! Pareto/NBD predictions from one family of hypergeometric series: P(alive), expected
//! purchases and P(no purchase in the next t) share their series work (a child module of
//! `pareto`, so the likelihood code stays untouched).
//!
//! Given alive at age y, the posterior of the purchase rate is lambda ~ Gamma(a, A) and of the
//! dropout rate mu ~ Gamma(b, B), independent, with a = r + x, b = s, A = alpha + y,
//! B = beta + y. Everything below is an expectation of lambda / (lambda + mu) or
//! mu / (lambda + mu) under such a posterior. With U = X / (X + Y) ~ Beta(a, b)
//! (X ~ Gamma(a), Y ~ Gamma(b)), lambda / (lambda + mu) = U / (U + (1 - U) A / B), which
//! expands in a geometric-type series:
//!
//! ```text
//! A >= B, z = 1 - B/A:  g = E[mu/(lambda+mu)]     = b/(a+b)       sum_k (a)_k/(a+b+1)_k z^k
//!                       f = E[lambda/(lambda+mu)] = (1-z) a/(a+b) sum_k (a+1)_k/(a+b+1)_k z^k
//! A <  B, z = 1 - A/B:  f = a/(a+b)       sum_k (b)_k/(a+b+1)_k z^k
//!                       g = (1-z) b/(a+b) sum_k (b+1)_k/(a+b+1)_k z^k
//! ```
//!
//! (f = (1-z) a/(a+b) 2F1(1, a+1; a+b+1; z) is Euler's integral; f + g = 1.) With
//! (p+1)_k = (p)_k (p+k)/p both sums of a branch come from one loop over
//! t_k = (p)_k/(a+b+1)_k z^k: sum t_k and sum k t_k. Every term is positive and the term ratio
//! (p+k)/(a+b+1+k) z is below z, so the series converges at least geometrically; for
//! z > [`Z_MAX`] the callers fall back to the general routines (ln 2F1 series, quadrature).

use super::ParetoNbd;
use crate::data::History;
use crate::purchase::Prediction;
use crate::special::integrate_graded;

/// Largest series argument handled here (at most ~520 terms for relative precision 1e-16).
const Z_MAX: f64 = 0.93;
/// Safety cap on the number of terms.
const MAX_TERMS: f64 = 2_000.0;

/// `(sum_k t_k, sum_k k t_k)` with `t_k = (p)_k / (c)_k z_j^k` for three arguments
/// `z[0] >= z[1] >= z[2] >= 0` at once (the coefficients (p)_k/(c)_k are shared, one division
/// per term), for 0 < p < c and z[0] <= [`Z_MAX`]; `None` outside that range or without
/// convergence.
///
/// Stopping rule: after term k, the remaining terms of each sum are below t_k z^j (j >= 1), so
/// the tails are at most t_k z/(1-z) and t_k z/(1-z) (k + 1/(1-z)); the second must be below
/// 1e-16 of sum k t_k, which implies the same for the first and sum t_k (the partial sums
/// satisfy sum k t_k <= k sum t_k). The test is made on z[0] only: the relative tails grow
/// with z (the partial sums are polynomials in z of degree k with positive coefficients), so
/// the smaller arguments have converged too.
#[inline]
fn series3(p: f64, c: f64, z: [f64; 3]) -> Option<[(f64, f64); 3]> {
    if !(z[0] <= Z_MAX && z[2] >= 0.0 && z[1] <= z[0] && z[2] <= z[1] && p > 0.0 && c > p) {
        return None;
    }
    let inv = 1.0 / (1.0 - z[0]);
    let q = z[0] * inv;
    let mut coef = 1.0f64;
    let mut zp = [1.0f64; 3];
    let mut s = [1.0f64; 3];
    let mut s1 = [0.0f64; 3];
    let mut k = 0.0f64;
    while k < MAX_TERMS {
        coef *= (p + k) / (c + k);
        k += 1.0;
        for j in 0..3 {
            zp[j] *= z[j];
            let term = coef * zp[j];
            s[j] += term;
            s1[j] += k * term;
        }
        // The sum-of-k-terms test implies the plain one (s1 <= k s for the partial sums).
        if coef * zp[0] * q * (k + inv) <= 1e-16 * s1[0] {
            return Some([(s[0], s1[0]), (s[1], s1[1]), (s[2], s1[2])]);
        }
    }
    None
}

/// The posterior of (lambda, mu) given alive for one customer, at any age y.
#[derive(Clone, Copy)]
struct Post {
    a: f64,
    b: f64,
    alpha: f64,
    beta: f64,
}

impl Post {
    fn new(m: &ParetoNbd, x: u32) -> Self {
        Post {
            a: m.r + f64::from(x),
            b: m.s,
            alpha: m.alpha,
            beta: m.beta,
        }
    }

    /// (f, g) = (E[lambda/(lambda+mu)], E[mu/(lambda+mu)]) given alive at each of the ages
    /// `y[0] <= y[1] <= y[2]`.
    #[inline]
    fn fg3(&self, y: [f64; 3]) -> Option<[(f64, f64); 3]> {
        let (a, b) = (self.a, self.b);
        let ab = a + b;
        let mut out = [(0.0, 0.0); 3];
        if self.alpha >= self.beta {
            let d = self.alpha - self.beta;
            let ay = y.map(|y| self.alpha + y);
            let sums = series3(a, ab + 1.0, [d / ay[0], d / ay[1], d / ay[2]])?;
            for j in 0..3 {
                let (s, s1) = sums[j];
                let by = self.beta + y[j];
                out[j] = ((by / ay[j]) * (a * s + s1) / ab, b * s / ab);
            }
        } else {
            let d = self.beta - self.alpha;
            let by = y.map(|y| self.beta + y);
            let sums = series3(b, ab + 1.0, [d / by[0], d / by[1], d / by[2]])?;
            for j in 0..3 {
                let (s, s1) = sums[j];
                let ay = self.alpha + y[j];
                out[j] = (a * s / ab, (ay / by[j]) * (b * s + s1) / ab);
            }
        }
        Some(out)
    }

    /// (f, g) at one age.
    #[cfg(test)]
    fn fg(&self, y: f64) -> Option<(f64, f64)> {
        self.fg3([y; 3]).map(|v| v[0])
    }
}

/// ln(1 + t/b) for t >= 0, b > 0: `ln_1p` near 0, the cheaper `ln` of 1 + t/b elsewhere (where
/// it is as accurate relative to the result), and ln t - ln b where t/b overflows (t = 1e308,
/// b < 1: +inf made E[Y(t) | alive] infinite and a CLV sum NaN, found by fuzzing).
#[inline]
fn ln1p_pos(t: f64, b: f64) -> f64 {
    let e = t / b;
    if e < 0.25 {
        e.ln_1p()
    } else if e.is_finite() {
        (1.0 + e).ln()
    } else {
        t.ln() - b.ln()
    }
}

/// e^v - 1: `exp_m1` near 0, the cheaper `exp` where |v| > 0.5 (no cancellation there).
#[inline]
fn expm1_fast(v: f64) -> f64 {
    if v.abs() > 0.5 {
        v.exp() - 1.0
    } else {
        v.exp_m1()
    }
}

/// (1 - e^(-k l)) / k, stable as k -> 0 (limit l); with l = ln(1 + t/b) this is
/// (1 - (b/(b+t))^k) / k.
#[inline]
pub(super) fn expm1_ratio_ln(k: f64, l: f64) -> f64 {
    if k.abs() < 1e-12 {
        l
    } else {
        -expm1_fast(-k * l) / k
    }
}

/// P(alive at T | x, t_x, T) from g at t_x and at T:
///
/// ```text
/// 1/P(alive) = 1 + E_T[ mu/(lambda+mu) (e^((lambda+mu)(T-t_x)) - 1) ]
///            = 1 + (R - 1) g(t_x) + g(t_x) - g(T)
/// R = ((alpha+T)/(alpha+t_x))^(r+x) ((beta+T)/(beta+t_x))^s
/// ```
///
/// (E_T under the posterior given alive at T; e^((lambda+mu)(T-t_x)) turns it into the
/// posterior at t_x times R.) This is the likelihood ratio of Fader & Hardie (2005) eq. 22
/// rewritten with Euler's transformation of its 2F1.
#[inline]
fn p_alive_from(p: &Post, h: &History, g_tx: f64, g_t: f64) -> Option<f64> {
    if !(h.t_x < h.t) {
        return Some(1.0);
    }
    let d = h.t - h.t_x;
    let ln_r = p.a * ln1p_pos(d, p.alpha + h.t_x) + p.b * ln1p_pos(d, p.beta + h.t_x);
    let pa = if ln_r < 700.0 {
        let excess = expm1_fast(ln_r) * g_tx + (g_tx - g_t);
        1.0 / (1.0 + excess.max(0.0))
    } else {
        // R g(t_x) dominates 1 - g(T) <= 1 by a factor above e^700 g(t_x).
        (-(ln_r + g_tx.ln())).exp()
    };
    pa.is_finite().then_some(pa.clamp(0.0, 1.0))
}

/// E[Y(t) | alive] and P(Y(t) > 0 | alive) from f at T and at T + t:
///
/// ```text
/// P(no purchase in (T, T+t] | lambda, mu, alive) = mu/(lambda+mu) + lambda/(lambda+mu) e^(-(lambda+mu)t)
/// P(Y(t) > 0 | alive) = E_T[lambda/(lambda+mu) (1 - e^(-(lambda+mu)t))]
///                     = f(T) - (A/(A+t))^a (B/(B+t))^b f(T+t)
/// E[Y(t) | alive]     = a B / (A (b-1)) (1 - (B/(B+t))^(b-1))
/// ```
///
/// (E_T[h e^(-(lambda+mu)t)] is the Gamma Laplace factor times E under rates A+t, B+t, which
/// is the posterior at age T+t.)
#[inline]
fn if_alive_from(p: &Post, t_age: f64, t: f64, f_t: f64, f_tt: f64) -> Option<(f64, f64)> {
    if !(t > 0.0) {
        return Some((0.0, 0.0));
    }
    let (at, bt) = (p.alpha + t_age, p.beta + t_age);
    let la = ln1p_pos(t, at);
    let lb = ln1p_pos(t, bt);
    let q = f_t - (-(p.a * la + p.b * lb)).exp() * f_tt;
    let e = p.a * (bt / at) * expm1_ratio_ln(p.b - 1.0, lb);
    // e is +inf for t = inf and s <= 1 (the expectation diverges), a value, not a failure.
    (q.is_finite() && !e.is_nan()).then_some((e, q.clamp(0.0, 1.0)))
}

/// The ages at which the series are needed: t_x (P(alive)), T and T + t (clamped to be
/// non-decreasing, which leaves every used value unchanged).
#[inline]
fn ages(h: &History, t: f64) -> [f64; 3] {
    let tx = h.t_x.min(h.t);
    let tt = if t > 0.0 { h.t + t } else { h.t };
    [tx, h.t, tt]
}

impl ParetoNbd {
    /// P(alive) by the series of this module, `None` where it does not apply.
    pub(super) fn p_alive_fast(&self, h: &History) -> Option<f64> {
        if !(h.t_x < h.t) {
            return Some(1.0);
        }
        let p = Post::new(self, h.x);
        let v = p.fg3([h.t_x, h.t, h.t])?;
        p_alive_from(&p, h, v[0].1, v[1].1)
    }

    /// P(Y(t) > 0 | alive) by the series of this module, `None` where it does not apply.
    pub(super) fn p_purchase_if_alive_fast(&self, t: f64, h: &History) -> Option<f64> {
        if !(t > 0.0) {
            return Some(0.0);
        }
        let p = Post::new(self, h.x);
        let v = p.fg3([h.t, h.t, h.t + t])?;
        if_alive_from(&p, h.t, t, v[1].0, v[2].0).map(|(_, q)| q)
    }

    /// P(Y(t) > 0 | alive) by quadrature (the fallback where the series does not apply):
    ///
    /// ```text
    /// P(purchase | alive) = int_0^t E[lambda e^(-lambda u)] E[e^(-mu u)] du
    ///                     = int_0^t a/A (A/(A+u))^(a+1) (B/(B+u))^b du
    /// a = r+x, b = s, A = alpha+T, B = beta+T
    /// ```
    ///
    /// by 20-point Gauss-Legendre on geometrically growing panels [0, w], [w, 2w], [2w, 4w], ...
    /// up to t, w = min(A/(a+1), B/(b+1)) / 4 (the fastest decay scale of the integrand), each
    /// panel split into `split` equal parts. The graded panels resolve the e^(-(a+1)u/A) decay
    /// of heavy buyers and the slow power-law tail alike.
    pub(super) fn p_purchase_if_alive_quadrature(&self, t: f64, h: &History, split: u32) -> f64 {
        if !(t > 0.0) {
            return 0.0;
        }
        let (a, b) = (self.r + f64::from(h.x), self.s);
        let (at, bt) = (self.alpha + h.t, self.beta + h.t);
        let f = |u: f64| (-(a + 1.0) * (u / at).ln_1p() - b * (u / bt).ln_1p()).exp();
        let w = (at / (a + 1.0)).min(bt / (b + 1.0)) / 4.0;
        (a / at * integrate_graded(f, w, t, split)).clamp(0.0, 1.0)
    }

    /// The three predictions of one customer from one three-argument series (ages t_x, T,
    /// T + t); the general routines where the series does not apply.
    #[inline]
    pub(super) fn predict_one(&self, h: &History, t: f64) -> Prediction {
        use crate::purchase::PurchaseModel;
        let p = Post::new(self, h.x);
        let fast = p.fg3(ages(h, t)).and_then(|v| {
            let pa = p_alive_from(&p, h, v[0].1, v[1].1)?;
            let (e, q) = if_alive_from(&p, h.t, t, v[1].0, v[2].0)?;
            Some((pa, e, q))
        });
        let (pa, e, q) = fast.unwrap_or_else(|| {
            (
                self.p_alive(h),
                self.expected_purchases_if_alive(t, h),
                self.p_purchase_if_alive(t, h),
            )
        });
        Prediction {
            p_alive: pa,
            expected_purchases: pa * e,
            p_no_purchase: (1.0 - pa * q).clamp(0.0, 1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::purchase::PurchaseModel;
    use crate::rng::Rng;

    fn params() -> Vec<ParetoNbd> {
        [
            (0.553, 10.578, 0.606, 11.669), // CDNOW (alpha < beta)
            (0.553, 11.669, 0.606, 10.578), // swapped rates (alpha > beta)
            (0.8, 15.0, 1.3, 4.0),
            (2.0, 1.0, 1.0, 1.0), // s = 1, alpha = beta
            (0.05, 40.0, 0.2, 0.6),
            (5.0, 1.0, 0.5, 50.0),
            (0.3, 0.5, 3.0, 0.4),
        ]
        .iter()
        .map(|&(r, a, s, b)| ParetoNbd::new(r, a, s, b).unwrap())
        .collect()
    }

    fn histories() -> Vec<History> {
        let mut hs = vec![
            History::new(221, 103.4, 103.6),
            History::new(300, 50.0, 52.0),
            History::new(300, 10.0, 52.0),
            History::new(1000, 77.0, 78.0),
            History::new(5000, 99.9, 100.0),
            History::new(5000, 1.0, 5000.0),
            History::new(0, 0.0, 0.0),
            History::new(0, 0.0, 1e-9),
            History::new(1, 0.5, 1e5),
            History::new(40, 1e4, 1e5),
        ];
        for x in [0u32, 1, 2, 5, 20, 100, 300, 1000, 5000] {
            for tt in [0.5, 5.0, 38.86, 78.0, 500.0] {
                for frac in [0.0, 0.3, 0.9, 1.0] {
                    let tx = if x == 0 { 0.0 } else { tt * frac };
                    hs.push(History::new(x, tx, tt));
                }
            }
        }
        hs
    }

    #[test]
    fn f_plus_g_is_one_and_matches_definition() {
        // f by direct quadrature over U ~ Beta(a, b): E[U / (U + (1-U) A/B)], checked on a
        // smooth case; f + g = 1 everywhere.
        for m in params() {
            for x in [0u32, 3, 221, 5000] {
                let p = Post::new(&m, x);
                for y in [0.0, 1.0, 39.0, 1e3] {
                    if let Some((f, g)) = p.fg(y) {
                        assert!((f + g - 1.0).abs() < 1e-14, "{m:?} x {x} y {y}: {f} {g}");
                        assert!(f > 0.0 && g > 0.0);
                    }
                }
            }
        }
        // Monte Carlo check of f itself for one posterior.
        let (a, b, aa, bb) = (2.553, 0.606, 40.0, 45.0);
        let p = Post {
            a,
            b,
            alpha: aa,
            beta: bb,
        };
        let (f, _) = p.fg(0.0).unwrap();
        let mut rng = Rng::new(11);
        let n = 400_000;
        let mc: f64 = (0..n)
            .map(|_| {
                let l = rng.gamma(a, aa);
                let u = rng.gamma(b, bb);
                l / (l + u)
            })
            .sum::<f64>()
            / f64::from(n);
        assert!((f - mc).abs() < 3e-3, "{f} vs MC {mc}");
    }

    #[test]
    fn series_matches_general_routines() {
        // Series P(alive) against the 2F1 likelihood terms, P(purchase | alive) against the
        // 20-node quadrature, on heavy buyers and extreme parameters.
        let (mut worst_pa, mut worst_q, mut used, mut fallback) = (0.0f64, 0.0f64, 0usize, 0usize);
        for m in params() {
            for h in histories() {
                let old_pa = {
                    let (l1, l2) = m.log_terms(&h);
                    (l1 - crate::special::log_add_exp(l1, l2))
                        .exp()
                        .clamp(0.0, 1.0)
                };
                if let Some(pa) = m.p_alive_fast(&h) {
                    used += 1;
                    let err = (pa - old_pa).abs();
                    let rel = err / old_pa.max(1e-300);
                    assert!(
                        err < 1e-13 || rel < 1e-10,
                        "{m:?} {h:?}: series {pa:e} vs 2F1 {old_pa:e}"
                    );
                    worst_pa = worst_pa.max(err.min(rel));
                }
                for t in [0.0, 1e-3, 1.0, 39.0, 52.0, 1000.0] {
                    // Every panel split in 40: a reference far more accurate than the fallback.
                    let quad = m.p_purchase_if_alive_quadrature(t, &h, 40);
                    if let Some(q) = m.p_purchase_if_alive_fast(t, &h) {
                        let err = (q - quad).abs();
                        assert!(
                            err < 1e-12 || err < 1e-10 * quad,
                            "{m:?} {h:?} t {t}: series {q:e} vs quadrature {quad:e}"
                        );
                        worst_q = worst_q.max(err);
                    } else {
                        // Where the fallback runs, it must agree with the fine reference.
                        let fb = m.p_purchase_if_alive(t, &h);
                        assert!(
                            (fb - quad).abs() < 1e-9,
                            "{m:?} {h:?} t {t}: {fb} vs {quad}"
                        );
                        fallback += 1;
                    }
                }
            }
        }
        assert!(used > 1000, "series used on {used} cases");
        // An independent value (scipy.integrate.quad of the u-integral, epsrel 1e-14).
        let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
        let q = m.p_purchase_if_alive(39.0, &History::new(221, 103.4, 103.6));
        assert!((q - 0.997_297_857_784_695_7).abs() < 1e-14, "{q}");
        // Fallback cases (series argument above 0.93), scipy values as above.
        for (m, h, t, want) in [
            (
                ParetoNbd::new(
                    4.569_973_372_598_063,
                    28.152_692_977_625_446,
                    8.809_424_563_778_688,
                    0.598_863_392_130_891_8,
                ),
                History::new(10, 0.001_077_928_637_905_042, 0.072_580_190_932_411_55),
                331.804_954_172_271,
                0.042_119_302_395_871_5,
            ),
            (
                ParetoNbd::new(0.05, 40.0, 0.2, 0.6),
                History::new(5000, 1.0, 1.0),
                39.0,
                0.998_981_042_606_213_6,
            ),
            (
                ParetoNbd::new(0.05, 40.0, 0.2, 0.6),
                History::new(0, 0.0, 0.5),
                39.0,
                0.020_259_558_400_795_75,
            ),
        ] {
            let m = m.unwrap();
            assert!(m.p_purchase_if_alive_fast(t, &h).is_none());
            let q = m.p_purchase_if_alive(t, &h);
            assert!((q - want).abs() < 1e-11, "{m:?} {h:?}: {q} vs {want}");
        }
        eprintln!(
            "P(alive) worst {worst_pa:e}, P(purchase|alive) worst abs {worst_q:e}; \
             series on {used} histories, quadrature fallback on {fallback} (history, t)"
        );
        assert!(fallback > 0, "the fallback is exercised");
    }

    #[test]
    fn series_matches_references_on_random_cases() {
        // Log-uniform parameters and ages, x up to 5000 (seeded, 3000 cases).
        let mut rng = Rng::new(99);
        let mut lu = |lo: f64, hi: f64| (lo.ln() + rng.uniform() * (hi / lo).ln()).exp();
        let (mut n_series, mut worst_pa, mut worst_q) = (0, 0.0f64, 0.0f64);
        for i in 0..3000 {
            let m = ParetoNbd::new(
                lu(0.02, 20.0),
                lu(0.05, 200.0),
                lu(0.02, 20.0),
                lu(0.05, 200.0),
            )
            .unwrap();
            let x = if i % 3 == 0 {
                0
            } else {
                lu(1.0, 5000.0) as u32
            };
            let tt = lu(0.01, 2000.0);
            let tx = if x == 0 { 0.0 } else { tt * lu(0.01, 1.0) };
            let t = lu(0.01, 500.0);
            let h = History::new(x, tx, tt);
            let (l1, l2) = m.log_terms(&h);
            let old_pa = (l1 - crate::special::log_add_exp(l1, l2))
                .exp()
                .clamp(0.0, 1.0);
            if let Some(pa) = m.p_alive_fast(&h) {
                n_series += 1;
                let err = (pa - old_pa).abs();
                assert!(
                    err < 1e-12 || err < 1e-9 * old_pa,
                    "{m:?} {h:?}: {pa:e} vs {old_pa:e}"
                );
                worst_pa = worst_pa.max(err.min(err / old_pa));
            }
            let quad = m.p_purchase_if_alive_quadrature(t, &h, 40);
            let q = m.p_purchase_if_alive(t, &h);
            assert!(
                (q - quad).abs() < 1e-9,
                "{m:?} {h:?} t {t}: {q:e} vs {quad:e}"
            );
            worst_q = worst_q.max((q - quad).abs());
        }
        eprintln!("random: P(alive) worst {worst_pa:e}, P(purchase|alive) worst abs {worst_q:e}");
        assert!(n_series > 1500, "{n_series}");
    }

    #[test]
    fn infinite_horizon_is_finite_where_it_should_be() {
        // P(ever buying again | alive) = f(T); the expectation diverges for s <= 1 only.
        for m in params() {
            for h in [History::new(3, 10.0, 20.0), History::new(0, 0.0, 0.1)] {
                let p = m.predict_one(&h, f64::INFINITY);
                assert!(
                    p.p_alive.is_finite() && p.p_no_purchase.is_finite(),
                    "{m:?} {h:?} {p:?}"
                );
                assert!((0.0..=1.0).contains(&p.p_no_purchase));
                assert_eq!(
                    p.expected_purchases.is_finite(),
                    m.s > 1.0,
                    "{m:?} {h:?} {p:?}"
                );
                let q = m.p_purchase_if_alive_quadrature(f64::INFINITY, &h, 1);
                assert!(q.is_finite() && q > 0.0);
            }
        }
    }

    /// Monte Carlo: draw (lambda, mu) from the posterior given alive at T, weight by the
    /// likelihood of having died in (t_x, T] instead, and simulate the next t (exponential
    /// lifetime, Poisson purchases) for the alive share.
    fn monte_carlo(m: &ParetoNbd, h: &History, t: f64, n: u32, seed: u64) -> (f64, f64) {
        let mut rng = Rng::new(seed);
        let (a, b) = (m.r + f64::from(h.x), m.s);
        let (mut w_sum, mut alive_sum, mut none_sum) = (0.0, 0.0, 0.0);
        for _ in 0..n {
            let l = rng.gamma(a, m.alpha + h.t);
            let u = rng.gamma(b, m.beta + h.t);
            // Relative weight of "alive at T" (1) and "died in (t_x, T]".
            let dead = u / (l + u) * ((l + u) * (h.t - h.t_x)).exp_m1();
            let w = 1.0 + dead;
            let pi = 1.0 / w;
            let life = rng.exponential(u);
            let first = rng.exponential(l);
            let no_buy = if first > life.min(t) { 1.0 } else { 0.0 };
            w_sum += w;
            alive_sum += w * pi;
            none_sum += w * (pi * no_buy + (1.0 - pi));
        }
        (alive_sum / w_sum, none_sum / w_sum)
    }

    #[test]
    fn monte_carlo_agrees() {
        for (m, h) in [
            (
                ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(),
                History::new(2, 30.43, 38.86),
            ),
            (
                ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(),
                History::new(221, 103.4, 103.6),
            ),
            (
                ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(),
                History::new(0, 0.0, 20.0),
            ),
            (
                ParetoNbd::new(0.553, 11.669, 0.606, 10.578).unwrap(),
                History::new(5, 10.0, 30.0),
            ),
            (
                ParetoNbd::new(0.8, 15.0, 1.3, 4.0).unwrap(),
                History::new(1, 1.0, 3.0),
            ),
            (
                ParetoNbd::new(0.3, 0.5, 3.0, 0.4).unwrap(),
                History::new(300, 49.9, 50.0),
            ),
            (
                ParetoNbd::new(0.05, 40.0, 0.2, 0.6).unwrap(),
                History::new(5000, 99.9, 100.0),
            ),
            (
                ParetoNbd::new(5.0, 1.0, 0.5, 50.0).unwrap(),
                History::new(1000, 77.0, 78.0),
            ),
            // Series argument above 0.93: the fallback routines.
            (
                ParetoNbd::new(0.05, 40.0, 0.2, 0.6).unwrap(),
                History::new(3, 0.5, 1.0),
            ),
        ] {
            let t = 39.0;
            let p = m.predict_one(&h, t);
            let (pa, p0) = monte_carlo(&m, &h, t, 200_000, 5);
            assert!(
                (p.p_alive - pa).abs() < 0.01,
                "{m:?} {h:?}: P(alive) {} vs MC {pa}",
                p.p_alive
            );
            assert!(
                (p.p_no_purchase - p0).abs() < 0.01,
                "{m:?} {h:?}: P(none) {} vs MC {p0}",
                p.p_no_purchase
            );
        }
    }
}
