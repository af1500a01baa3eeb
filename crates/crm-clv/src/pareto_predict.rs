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
use crate::special::GL20;

/// Largest series argument handled here (at most ~520 terms for relative precision 1e-16).
const Z_MAX: f64 = 0.93;
/// Safety cap on the number of terms.
const MAX_TERMS: f64 = 2_000.0;

/// `(sum_k t_k, sum_k k t_k)` with `t_k = (p)_k / (c)_k z^k`, for 0 < p < c and
/// 0 <= z <= [`Z_MAX`]; `None` outside that range or without convergence.
///
/// Stopping rule: after term k, the remaining terms are below t_k z^j (j >= 1), so the tails
/// are at most t_k z/(1-z) and t_k z/(1-z) (k + 1/(1-z)); both must be below 1e-17 of their sums.
#[inline]
fn series(p: f64, c: f64, z: f64) -> Option<(f64, f64)> {
    if !(z >= 0.0 && z <= Z_MAX && p > 0.0 && c > p) {
        return None;
    }
    let inv = 1.0 / (1.0 - z);
    let q = z * inv;
    let (mut term, mut s, mut s1, mut k) = (1.0f64, 1.0f64, 0.0f64, 0.0f64);
    while k < MAX_TERMS {
        term *= (p + k) / (c + k) * z;
        k += 1.0;
        s += term;
        s1 += k * term;
        let tail = term * q;
        if tail <= 1e-17 * s && tail * (k + inv) <= 1e-17 * s1 || term == 0.0 {
            return Some((s, s1));
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

    /// (f, g) = (E[lambda/(lambda+mu)], E[mu/(lambda+mu)]) given alive at age `y`.
    #[inline]
    fn fg(&self, y: f64) -> Option<(f64, f64)> {
        let (a, b) = (self.a, self.b);
        let (ay, by) = (self.alpha + y, self.beta + y);
        let ab = a + b;
        if ay >= by {
            let z = (self.alpha - self.beta) / ay;
            let (s, s1) = series(a, ab + 1.0, z)?;
            Some(((by / ay) * (a * s + s1) / ab, b * s / ab))
        } else {
            let z = (self.beta - self.alpha) / by;
            let (s, s1) = series(b, ab + 1.0, z)?;
            Some((a * s / ab, (ay / by) * (b * s + s1) / ab))
        }
    }
}

/// (1 - e^(-k l)) / k, stable as k -> 0 (limit l); with l = ln(1 + t/b) this is
/// (1 - (b/(b+t))^k) / k.
#[inline]
pub(super) fn expm1_ratio_ln(k: f64, l: f64) -> f64 {
    if k.abs() < 1e-12 {
        l
    } else {
        -(-k * l).exp_m1() / k
    }
}

/// P(alive at T | x, t_x, T) from the series, `None` where the series is not used (argument
/// beyond [`Z_MAX`]). `g_t` is g at age T when the caller already has it.
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
fn p_alive_series(p: &Post, h: &History, g_t: Option<f64>) -> Option<f64> {
    if !(h.t_x < h.t) {
        return Some(1.0);
    }
    let d = h.t - h.t_x;
    let ln_r = p.a * (d / (p.alpha + h.t_x)).ln_1p() + p.b * (d / (p.beta + h.t_x)).ln_1p();
    let (_, g_tx) = p.fg(h.t_x)?;
    let g_t = match g_t {
        Some(g) => g,
        None => p.fg(h.t)?.1,
    };
    let pa = if ln_r < 700.0 {
        let excess = ln_r.exp_m1() * g_tx + (g_tx - g_t);
        1.0 / (1.0 + excess.max(0.0))
    } else {
        // R g(t_x) dominates 1 - g(T) <= 1 by a factor above e^700 g(t_x).
        (-(ln_r + g_tx.ln())).exp()
    };
    pa.is_finite().then_some(pa.clamp(0.0, 1.0))
}

/// E[Y(t) | alive] and P(Y(t) > 0 | alive) from the series (`None` beyond [`Z_MAX`]), with
/// (f, g) at age T:
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
fn if_alive_series(p: &Post, t_age: f64, t: f64, f_t: f64) -> Option<(f64, f64)> {
    if !(t > 0.0) {
        return Some((0.0, 0.0));
    }
    let (at, bt) = (p.alpha + t_age, p.beta + t_age);
    let la = (t / at).ln_1p();
    let lb = (t / bt).ln_1p();
    let (f_tt, _) = p.fg(t_age + t)?;
    let q = f_t - (-(p.a * la + p.b * lb)).exp() * f_tt;
    let e = p.a * bt / at * expm1_ratio_ln(p.b - 1.0, lb);
    (q.is_finite() && e.is_finite()).then_some((e, q.clamp(0.0, 1.0)))
}

impl ParetoNbd {
    /// P(alive) by the series of this module, `None` where it does not apply.
    pub(super) fn p_alive_fast(&self, h: &History) -> Option<f64> {
        p_alive_series(&Post::new(self, h.x), h, None)
    }

    /// P(Y(t) > 0 | alive) by the series of this module, `None` where it does not apply.
    pub(super) fn p_purchase_if_alive_fast(&self, t: f64, h: &History) -> Option<f64> {
        if !(t > 0.0) {
            return Some(0.0);
        }
        let p = Post::new(self, h.x);
        let (f_t, _) = p.fg(h.t)?;
        if_alive_series(&p, h.t, t, f_t).map(|(_, q)| q)
    }

    /// P(Y(t) > 0 | alive) by quadrature (the fallback where the series does not apply):
    ///
    /// ```text
    /// P(purchase | alive) = int_0^t E[lambda e^(-lambda u)] E[e^(-mu u)] du
    ///                     = int_0^L a e^(-a w) (B/(B + A(e^w - 1)))^b dw
    /// u = A(e^w - 1), L = ln(1 + t/A), a = r+x, b = s, A = alpha+T, B = beta+T
    /// ```
    ///
    /// on [0, min(L, 60/a)] (the rest is below e^-60) with `panels` panels of 20-point
    /// Gauss-Legendre (the substitution turns the (A/(A+u))^(a+1) decay of heavy buyers into
    /// e^(-a w), which the panels resolve).
    pub(super) fn p_purchase_if_alive_quadrature(&self, t: f64, h: &History, panels: u32) -> f64 {
        if !(t > 0.0) {
            return 0.0;
        }
        let a = self.r + f64::from(h.x);
        let (at, bt) = (self.alpha + h.t, self.beta + h.t);
        let end = (t / at).ln_1p().min(60.0 / a);
        let width = end / f64::from(panels);
        let mut integral = 0.0;
        for k in 0..panels {
            for (node, wt) in GL20 {
                let w = (f64::from(k) + node) * width;
                let u = at * w.exp_m1();
                integral += wt * (-a * w - self.s * (u / bt).ln_1p()).exp();
            }
        }
        (a * width * integral).clamp(0.0, 1.0)
    }

    /// The three predictions of one customer, sharing the series at age T between P(alive)
    /// and the "if alive" parts; the general routines where the series does not apply.
    #[inline]
    pub(super) fn predict_one(&self, h: &History, t: f64) -> Prediction {
        use crate::purchase::PurchaseModel;
        let p = Post::new(self, h.x);
        let fast = p.fg(h.t).and_then(|(f_t, g_t)| {
            let pa = p_alive_series(&p, h, Some(g_t))?;
            let (e, q) = if_alive_series(&p, h.t, t, f_t)?;
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
            a: a,
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
                    (l1 - crate::special::log_add_exp(l1, l2)).exp().clamp(0.0, 1.0)
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
                    // 400 panels of 20 nodes: a reference far more accurate than the fallback.
                    let quad = m.p_purchase_if_alive_quadrature(t, &h, 400);
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
                        assert!((fb - quad).abs() < 1e-9, "{m:?} {h:?} t {t}: {fb} vs {quad}");
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
        eprintln!(
            "P(alive) worst {worst_pa:e}, P(purchase|alive) worst abs {worst_q:e}; \
             series on {used} histories, quadrature fallback on {fallback} (history, t)"
        );
        assert!(fallback > 0, "the fallback is exercised");
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
            (ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(), History::new(2, 30.43, 38.86)),
            (ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(), History::new(221, 103.4, 103.6)),
            (ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(), History::new(0, 0.0, 20.0)),
            (ParetoNbd::new(0.553, 11.669, 0.606, 10.578).unwrap(), History::new(5, 10.0, 30.0)),
            (ParetoNbd::new(0.8, 15.0, 1.3, 4.0).unwrap(), History::new(1, 1.0, 3.0)),
            (ParetoNbd::new(0.3, 0.5, 3.0, 0.4).unwrap(), History::new(300, 49.9, 50.0)),
        ] {
            let t = 39.0;
            let p = m.predict_one(&h, t);
            let (pa, p0) = monte_carlo(&m, &h, t, 200_000, 5);
            assert!((p.p_alive - pa).abs() < 0.01, "{m:?} {h:?}: P(alive) {} vs MC {pa}", p.p_alive);
            assert!(
                (p.p_no_purchase - p0).abs() < 0.01,
                "{m:?} {h:?}: P(none) {} vs MC {p0}",
                p.p_no_purchase
            );
        }
    }
}
