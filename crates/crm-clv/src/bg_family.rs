//! Expectation helpers the beta-geometric family (BG/NBD, MBG/NBD) shares: the expected
//! purchases of an alive customer (one hypergeometric series, also tabulated by x for many
//! customers), P(any purchase), ln(b + x) by x, and the tabulated discounted CLV sums.

use crate::data::History;
use crate::discount::{ClvOptions, Periods};
use crate::special::{
    integrate_adaptive, ln_beta, ln_beta_logit_mode, ln_shares, log_add_exp, softplus,
};
use crate::tabulate::Smooth;

/// The largest ratio of the expectation series' biggest term to its result that the series is
/// trusted with (about 2 of 16 digits lost, relative error below ~1e-13); beyond it the
/// expectation is integrated. (It was 1e4 while the integral was slow; the series then erred
/// by up to 1.6e-11.)
pub(crate) const SERIES_MAX_CANCELLATION: f64 = 1e2;

/// The most terms the expectation series may take; beyond, the expectation is integrated. The
/// series needs about 37 / (1 - z) terms (more while its terms still grow, about a z / (1 - z)
/// for large a), so z near 1 or a in the thousands go to the integral: the series costs at
/// most ~4,100 multiply-adds per call (the former cap of 20,000 and z < 0.999, times one
/// evaluation per CLV period, made fuzz inputs run for seconds).
const SERIES_MAX_TERMS: f64 = 4096.0;

/// Largest series argument z = t / (at + t) tried by the series (37 / (1 - 0.99) = 3,700
/// terms).
const SERIES_MAX_Z: f64 = 0.99;

/// E over p ~ Beta(a, bb) of (1/p) (1 - (at / (at + p t))^rx): the expected number of purchases
/// in the next `t` of a customer who is alive, whose purchase rate is Gamma(rx, at) and whose
/// dropout probability (after each purchase) is Beta(a, bb).
///
/// Closed form (Fader, Hardie & Lee 2005, eq. 10, before dividing by P(alive)):
///
/// ```text
/// C / (a - 1) * [1 - (1 - z)^rx 2F1(rx, bb; C; z)],   C = a + bb - 1, z = t / (at + t)
/// ```
///
/// evaluated after Euler's transformation as
///
/// ```text
/// C * [ (1 - (1 - z)^(a-1)) / (a - 1)  -  (1 - z)^(a-1) sum_{k>=1} (C-rx)_k (a)_{k-1} z^k / ((C)_k k!) ]
/// ```
///
/// which is stable at a = 1 and for heavy buyers (large rx). The series alternates when
/// C - rx < 0 (rx well above a + bb): with rx in the tens its terms grow far beyond the result
/// and cancel, losing every digit. When the largest term (times C) exceeds the result by more
/// than [`SERIES_MAX_CANCELLATION`], when C <= 0 (a + b < 1 and x = 0), z > [`SERIES_MAX_Z`]
/// or the series needs more than [`SERIES_MAX_TERMS`] terms (or a z exceeds that: the terms
/// grow until k ~ a z), the expectation is integrated
/// numerically over p instead ([`bg_alive_expected_quadrature`]: bounded work; relative errors
/// of the whole function below 2.5e-13 against mpmath on 1,221 random cases).
pub(crate) fn bg_alive_expected(t: f64, rx: f64, at: f64, a: f64, bb: f64) -> f64 {
    if !(t > 0.0) {
        return 0.0;
    }
    let c = a + bb - 1.0;
    let z = t / (at + t);
    // The terms grow until k ~ a z: beyond the term cap there, go straight to the integral.
    if c > 0.0 && z <= SERIES_MAX_Z && a * z < SERIES_MAX_TERMS {
        let l = (-z).ln_1p(); // ln(1 - z) < 0
        let am1 = a - 1.0;
        let first = if am1.abs() < 1e-10 {
            -l
        } else {
            -(am1 * l).exp_m1() / am1
        };
        let big_a = c - rx;
        let mut term = big_a * z / c;
        let mut sum = term;
        let mut biggest = term.abs();
        let mut k = 1.0f64;
        let mut converged = false;
        // Bounded: past SERIES_MAX_TERMS terms the integral answers instead.
        while k < SERIES_MAX_TERMS {
            let ratio = (big_a + k) * (a + k - 1.0) * z / ((c + k) * (k + 1.0));
            term *= ratio;
            sum += term;
            biggest = biggest.max(term.abs());
            k += 1.0;
            if (term.abs() <= 1e-16 * sum.abs().max(1e-300) && ratio.abs() < 1.0) || term == 0.0 {
                converged = true;
                break;
            }
        }
        let v = c * (first - (am1 * l).exp() * sum);
        let size = c * first.abs().max((am1 * l).exp() * biggest);
        if converged && v.is_finite() && v >= 0.0 && size <= SERIES_MAX_CANCELLATION * v {
            return v;
        }
    }
    bg_alive_expected_quadrature(t, rx, at, a, bb)
}

#[cfg(test)]
thread_local! {
    pub(crate) static EVALS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Relative size of the end pieces of [`bg_alive_expected_quadrature`] (2^-26): their
/// two-term Taylor expansions are exact to about its square, 2^-52.
const TAIL_EPS: f64 = 1.0 / 67_108_864.0;

/// Most Gauss-Kronrod intervals of [`bg_alive_expected_quadrature`] (at most
/// 15 * (2 * 160 - 1) = 4,785 integrand evaluations; calls take ~450 on average, the up to 30
/// initial intervals included, and at most 960 on the 1,221 reference cases).
const QUADRATURE_MAX_INTERVALS: usize = 160;

/// Numerical version of [`bg_alive_expected`], for any z in (0, 1) (t up to f64::MAX, where
/// t / at itself may overflow) and any a, bb > 0: the same expectation
///
/// ```text
/// E = int_0^1 phi(p) p^(a-2) (1-p)^(bb-1) dp / B(a, bb),   phi(p) = 1 - (1 + p w)^-rx,
/// w = t / at
/// ```
///
/// (the Beta mixture of Fader, Hardie & Lee 2005, eq. 10, before the 2F1 closed form) in the
/// logit coordinate y = ln(p / (1 - p)), where it reads int G(y) dy with
/// G = phi(p) p^(a-1) (1-p)^bb / B(a, bb), evaluated in logs (w kept as ln w). In y every
/// feature has a width of order 1 whatever w is: the knee of phi at p ~ 1/(w (rx+1)), where
/// (1 + p w)^-rx turns from 1 to a power law, and the Beta bump at y ~ ln(a/bb) with width
/// sqrt(1/a + 1/bb); between them G is a smooth exponential in y. In p, the knee sits at 1e-300
/// for t = 1e300 and took the former quadrature (in p^a) hundreds of bisections per call.
///
/// - p < p_L = 2^-26 / ((rx+1) w + |bb-1| + 1): phi(p)/p = rx w (1 - (rx+1) w p/2 + ...) and
///   (1-p)^(bb-1) = 1 - (bb-1) p + ..., so the piece is
///   rx w / B (p_L^a / a - ((rx+1) w/2 + bb - 1) p_L^(a+1) / (a+1)), relative error ~2^-52;
/// - 1 - p < q_R = 2^-26 / (|a-2| + rx + 3): with h(p) = phi(p) p^(a-2) (|h'/h| <= |a-2| + 1
///   at p = 1), the piece is (h(1) q_R^bb / bb - h'(1) q_R^(bb+1) / (bb+1)) / B, alike;
/// - between, adaptive Gauss-Kronrod (G7/K15) in y from break points around every feature,
///   estimated relative error 1e-13 (the integrand's own rounding is ~1e-14), at most
///   [`QUADRATURE_MAX_INTERVALS`] intervals: bounded work whatever t, rx, a, bb are.
///
/// Checked against mpmath (hyp2f1 closed form at 50 digits, cross-checked by tanh-sinh
/// quadrature) on 1,221 random cases with rx, a, bb log-uniform over 1e-4..1e4 or 1e-8..1e8,
/// at over 1e-6..1e6 and w = t/at up to 1e300: largest relative error 2.5e-13 (the former
/// quadrature: factors up to 2e5 off). A sample is `tests/bg_expectation.rs`.
pub(crate) fn bg_alive_expected_quadrature(t: f64, rx: f64, at: f64, a: f64, bb: f64) -> f64 {
    if !(t > 0.0) {
        return 0.0;
    }
    let ln_w = t.min(f64::MAX).ln() - at.ln();
    let ln_b = ln_beta(a, bb);
    let ln_rx1 = rx.ln_1p();
    // ln G(y) relative to the Beta factor's logit mode y_m = ln(a/bb), p_m = a/(a+bb):
    // ln G = ln phi + (a-1) ln(p/p_m) + bb ln((1-p)/(1-p_m)) + k_mode, where
    // k_mode = ln(p_m^(a-1) (1-p_m)^bb / B(a, bb)) is formed without cancellation (a = 1e8
    // makes each of its terms ~1e8). Near the mode (|y - y_m| <= 1),
    // ln(p/p_m) = -ln(1 + (1-p_m) expm1(-d)) and ln((1-p)/(1-p_m)) = -ln(1 + p_m expm1(d)),
    // d = y - y_m, keep their relative precision (1 - p_m taken as bb/(a+bb)); elsewhere
    // ln p = -softplus(-y) and ln(1-p) = -softplus(y). ln(1 + p w) = softplus(ln p + ln w).
    let s_ab = a + bb;
    let (p_m, q_m) = (a / s_ab, bb / s_ab);
    let (ln_pm, ln_qm) = ln_shares(a, bb);
    let y_mode = a.ln() - bb.ln();
    let k_mode = ln_beta_logit_mode(a, bb);
    let ln_g = |y: f64| {
        #[cfg(test)]
        EVALS.with(|c| c.set(c.get() + 1));
        let d = y - y_mode;
        let (lp, dp, dq) = if d.abs() <= 1.0 {
            let dp = -(q_m * (-d).exp_m1()).ln_1p();
            (ln_pm + dp, dp, -(p_m * d.exp_m1()).ln_1p())
        } else {
            let lp = -softplus(-y);
            (lp, lp - ln_pm, -softplus(y) - ln_qm)
        };
        let phi = -(-rx * softplus(lp + ln_w)).exp_m1();
        phi.ln() + (a - 1.0) * dp + bb * dq + k_mode
    };
    // Left end piece, p < p_L.
    let ln_pl = TAIL_EPS.ln() - log_add_exp(ln_rx1 + ln_w, ((bb - 1.0).abs() + 1.0).ln());
    let left = {
        let c1 = 0.5 * (ln_rx1 + ln_w + ln_pl).exp() + (bb - 1.0) * ln_pl.exp();
        (rx.ln() + ln_w + a * ln_pl - a.ln() - ln_b).exp() * (1.0 - c1 * a / (a + 1.0))
    };
    // Right end piece, 1 - p < q_R.
    let ln_qr = TAIL_EPS.ln() - ((a - 2.0).abs() + rx + 3.0).ln();
    let right = {
        let s1 = softplus(ln_w); // ln(1 + w)
        let h1 = -(-rx * s1).exp_m1(); // phi(1)
        // h'(1) / h(1) = phi'(1) / phi(1) + a - 2, phi'(1) = rx w (1 + w)^-(rx+1).
        let dphi = rx * (ln_w - (rx + 1.0) * s1).exp();
        let slope = if h1 > 0.0 { dphi / h1 + a - 2.0 } else { 0.0 };
        let corr = 1.0 - slope * ln_qr.exp() * bb / (bb + 1.0);
        (h1.ln() + bb * ln_qr - bb.ln() - ln_b).exp() * corr
    };
    let y_lo = ln_pl - (-ln_pl.exp()).ln_1p();
    let y_hi = (-ln_qr.exp()).ln_1p() - ln_qr;
    // The knee: p = 1 / (w (rx+1)).
    let ln_pk = -(ln_w + ln_rx1);
    let y_knee = ln_pk - (-ln_pk.exp()).ln_1p();
    let width = (1.0 / a + 1.0 / bb).sqrt();
    let mut points = vec![y_lo, y_hi, 0.0];
    // Around each feature, points at distances 1, 3 and 8 (features of width ~1 with one
    // double-exponential side: the knee, where (1 + p w)^-rx vanishes to its right; the cut of
    // p^(a-1) at p ~ 1 - 1/a (a > 1) to its left; the cut of (1-p)^bb at p ~ 1/bb (bb > 1) to
    // its right), and at 1, 4 and 16 widths around the Beta bump: no interval is wider than 5
    // near a feature, so none can hide between the 15 nodes of one interval.
    let near = [-8.0, -3.0, -1.0, 0.0, 1.0, 3.0, 8.0];
    if y_knee.is_finite() {
        points.extend(near.map(|d| y_knee + d));
    }
    if a > 1.0 {
        points.extend(near.map(|d| a.ln() + d));
    }
    if bb > 1.0 {
        points.extend(near.map(|d| d - bb.ln()));
    }
    points.extend([-16.0, -4.0, -1.0, 0.0, 1.0, 4.0, 16.0].map(|d| y_mode + d * width));
    points.retain(|y| *y >= y_lo && *y <= y_hi);
    points.sort_by(f64::total_cmp);
    points.dedup();
    let mid = integrate_adaptive(
        |y| ln_g(y).exp(),
        &points,
        1e-13,
        1e-15 * (left + right),
        QUADRATURE_MAX_INTERVALS,
    );
    let s = left + mid + right;
    if s >= 0.0 { s } else { 0.0 }
}

/// Fast repeated evaluation of [`bg_alive_expected`] for one model and horizon across many
/// customers: `rx = r + x`, `bb = b0 + x`, `at` free.
///
/// With C = a + bb - 1 and A = C - rx = a + b0 - 1 - r (the same for every x), the series of
/// [`bg_alive_expected`] is `sum_k coef_x[k] z^k` with coefficients that depend on x only:
///
/// ```text
/// coef_x[1] = A / C,   coef_x[k+1] = coef_x[k] (A+k)(a+k-1) / ((C+k)(k+1))
/// ```
///
/// so they are tabulated once per distinct x (per thread) and each customer costs a
/// division-free polynomial evaluation in z = t/(at+t), summed four terms at a time with the
/// same stopping rule (last term <= 1e-16 of the sum, terms decreasing). Arguments outside the
/// fast path (C <= 0, z > 0.95, no convergence within the table limit) use
/// [`bg_alive_expected`] itself.
pub(crate) struct BgSeries {
    t: f64,
    r: f64,
    a: f64,
    b0: f64,
    /// Coefficient tables by x for small x (index 0 unused in each table).
    small: Vec<Vec<f64>>,
    /// Coefficient tables for large x.
    large: rustc_hash::FxHashMap<u32, Vec<f64>>,
}

/// Largest number of series terms tabulated per x before falling back to the plain loop.
const BG_SERIES_MAX_TERMS: usize = 4096;
/// x below this value index `BgSeries::small` directly.
const BG_SERIES_SMALL_X: u32 = 4096;

impl BgSeries {
    /// Evaluator of `bg_alive_expected(t, r + x, at, a, b0 + x)`.
    pub(crate) fn new(t: f64, r: f64, a: f64, b0: f64) -> Self {
        BgSeries {
            t,
            r,
            a,
            b0,
            small: Vec::new(),
            large: rustc_hash::FxHashMap::default(),
        }
    }

    /// Extends `coef` (for C = `c`, A = `big_a`) to at least `len` entries.
    fn extend(coef: &mut Vec<f64>, len: usize, big_a: f64, a: f64, c: f64) {
        if coef.is_empty() {
            coef.push(0.0);
            coef.push(big_a / c);
        }
        while coef.len() < len {
            let k = (coef.len() - 1) as f64;
            let prev = coef[coef.len() - 1];
            coef.push(prev * ((big_a + k) * (a + k - 1.0) / ((c + k) * (k + 1.0))));
        }
    }

    /// `bg_alive_expected(t, r + x, at, a, b0 + x)`, up to rounding (relative differences of
    /// order 1e-15); `z` must be `t / (at + t)` and `l` must be `(-z).ln_1p()` (the caller
    /// shares them with the other predictions).
    pub(crate) fn eval(&mut self, x: u32, at: f64, z: f64, l: f64) -> f64 {
        self.eval_at(self.t, x, at, z, l)
    }

    /// As [`BgSeries::eval`] at another horizon `t` (the coefficient tables do not depend on
    /// t); `z` must be `t / (at + t)` and `l` must be `(-z).ln_1p()`.
    pub(crate) fn eval_at(&mut self, t: f64, x: u32, at: f64, z: f64, l: f64) -> f64 {
        let xf = f64::from(x);
        let (rx, bb, a) = (self.r + xf, self.b0 + xf, self.a);
        if !(t > 0.0) {
            return 0.0;
        }
        let c = a + bb - 1.0;
        if !(c > 0.0 && z <= 0.95) {
            return bg_alive_expected(t, rx, at, a, bb);
        }
        let big_a = c - rx;
        let coef = if x < BG_SERIES_SMALL_X {
            let i = x as usize;
            if self.small.len() <= i {
                self.small.resize_with(i + 1, Vec::new);
            }
            &mut self.small[i]
        } else {
            self.large.entry(x).or_default()
        };
        let (z2, z3) = (z * z, z * z * z);
        let z4 = z2 * z2;
        let mut zp = z;
        let mut k = 1usize;
        let mut sum = 0.0f64;
        let mut biggest = 0.0f64;
        loop {
            if coef.len() < k + 5 {
                if k + 5 > BG_SERIES_MAX_TERMS {
                    return bg_alive_expected(t, rx, at, a, bb);
                }
                Self::extend(coef, (k + 5).max(64).max(2 * coef.len()), big_a, a, c);
            }
            let cs = &coef[k..k + 5];
            let last = cs[3] * z3 * zp;
            sum += zp * ((cs[0] + cs[1] * z) + (cs[2] * z2 + cs[3] * z3));
            let mag = (cs[0].abs() + cs[1].abs() * z) + (cs[2].abs() * z2 + cs[3].abs() * z3);
            biggest = biggest.max(zp * mag);
            zp *= z4;
            k += 4;
            if last == 0.0 || (last.abs() <= 1e-16 * sum.abs() && cs[4].abs() * z < cs[3].abs()) {
                break;
            }
        }
        let am1 = a - 1.0;
        let first = if am1.abs() < 1e-10 {
            -l
        } else {
            -(am1 * l).exp_m1() / am1
        };
        let v = c * (first - (am1 * l).exp() * sum);
        // `biggest` bounds every term of the series (a group of four), so when the batch
        // trusts its series, so does `bg_alive_expected`; otherwise it answers.
        let size = c * first.abs().max((am1 * l).exp() * biggest);
        if v.is_finite() && v >= 0.0 && size <= SERIES_MAX_CANCELLATION * v {
            v
        } else {
            bg_alive_expected(t, rx, at, a, bb)
        }
    }
}

/// ln(b + x + offset) by purchase count x: tabulated lazily for x < 4096, computed directly
/// above. The sum is formed as `(b + x) + offset`, the order of the single-customer formulas
/// (`b + x - 1` with offset -1, `b + x` with offset 0), so batch and single-customer P(alive)
/// agree bit for bit.
pub(crate) struct LnByX {
    b: f64,
    offset: f64,
    table: Vec<f64>,
}

impl LnByX {
    /// An empty table for ln(b + x + offset).
    pub(crate) fn new(b: f64, offset: f64) -> Self {
        Self {
            b,
            offset,
            table: Vec::new(),
        }
    }

    /// ln(b + x + offset).
    pub(crate) fn get(&mut self, x: u32) -> f64 {
        let (b, offset) = (self.b, self.offset);
        if x >= 4096 {
            return (b + f64::from(x) + offset).ln();
        }
        let i = x as usize;
        if self.table.len() <= i {
            let from = self.table.len();
            self.table
                .extend((from..=i).map(|j| (b + j as f64 + offset).ln()));
        }
        self.table[i]
    }
}

/// 1 - (at/(at+t))^rx: probability of at least one purchase in the next t for an alive
/// customer whose rate is Gamma(rx, at) (dropout only happens after a purchase).
#[inline]
pub(crate) fn nbd_any_purchase(t: f64, rx: f64, at: f64) -> f64 {
    let t = t.max(0.0);
    -(rx * (-t / (at + t)).ln_1p()).exp_m1()
}

/// 1 / (1 + e^v) without overflow.
#[inline]
pub(crate) fn sigmoid_neg(v: f64) -> f64 {
    if v > 0.0 {
        let e = (-v).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + v.exp())
    }
}

/// The BG/NBD-family discounted sums if alive for many customers (the specialised
/// [`crate::PurchaseModel::discounted_purchases_if_alive_batch`]): D = f_x(alpha + T), f by the
/// tabulated series of [`BgSeries`] (E over p ~ Beta(a, b0 + x) of the NBD expectation).
pub(crate) fn discounted_batch(
    histories: &[History],
    options: &ClvOptions,
    (r, alpha, a, b0): (f64, f64, f64, f64),
    min_shared: u32,
) -> Option<(Vec<f64>, usize)> {
    let periods = Periods::new(options)?;
    let key = |h: &History| (h.x, alpha + h.t, 1.0);
    let scratch = || BgSeries::new(options.horizon, r, a, b0);
    let exact = |s: &mut BgSeries, x: u32, at: f64| {
        periods.discounted(|t| {
            let z = t / (at + t);
            s.eval_at(t, x, at, z, (-z).ln_1p())
        })
    };
    Some(
        Smooth {
            classes: 4096,
            // Below this, the largest series argument H/(alpha+T+H) can exceed 0.95, where
            // the exact evaluation switches method.
            u_min: options.horizon / 18.0,
            min_shared,
            key: &key,
            scratch: &scratch,
            exact: &exact,
        }
        .run(histories),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bounded, small cost wherever the arguments are: the knee of (1 + p w)^-rx at p ~ 1e-300
    /// (t = 1e306), shapes from 1e-8 to 1e8, heavy buyers (rx = 2^32), and the parameters of the
    /// slow fuzz inputs (BG/NBD 316.97, 316.11, 316.11, 279.04 with CLV periods of 8e305; 1.2,
    /// 0.75, 0.66, 2.78 at t = 3e306), where the former quadrature (in p^a) bisected to its cap
    /// of 2 x 200 intervals (~12,000 evaluations) per call and erred by factors up to 1e5.
    #[test]
    fn quadrature_takes_few_evaluations_everywhere() {
        let mut worst = 0;
        for t in [1e-300, 1e-3, 1.0, 1e6, 1e150, 3e306, f64::MAX] {
            for (rx, at, a, bb) in [
                (319.97, 335.03, 316.11, 282.04),
                (1.2, 0.75, 0.66, 2.78),
                (1e-8, 1e-8, 1e-8, 1e-8),
                (1e8, 1e8, 1e8, 1e8),
                (4.3e9, 1e-8, 1e8, 1e-8),
                (1e-8, 1e8, 1e-8, 1e8),
                (0.24, 38.86, 0.79, 4.43),
                (60.7, 1.0, 1.0, 1.0),
            ] {
                EVALS.with(|c| c.set(0));
                let v = bg_alive_expected_quadrature(t, rx, at, a, bb);
                let n = EVALS.with(std::cell::Cell::get);
                assert!(v >= 0.0, "t {t:e} {rx} {at} {a} {bb}: {v}");
                assert!(n <= 1500, "t {t:e} {rx} {at} {a} {bb}: {n} evaluations");
                worst = worst.max(n);
            }
        }
        eprintln!("at most {worst} integrand evaluations");
    }
}
