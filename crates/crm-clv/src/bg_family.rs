//! Expectation helpers the beta-geometric family (BG/NBD, MBG/NBD) shares: the expected
//! purchases of an alive customer (one hypergeometric series, also tabulated by x for many
//! customers), P(any purchase), ln(b + x) by x, and the tabulated discounted CLV sums.

use crate::data::History;
use crate::discount::{ClvOptions, Periods};
use crate::special::{integrate_adaptive, ln_beta};

/// The largest ratio of the expectation series' biggest term to its result that the series is
/// trusted with (about 4 of 16 digits lost); beyond it the expectation is integrated.
pub(crate) const SERIES_MAX_CANCELLATION: f64 = 1e4;

/// The most terms the expectation series may take (z near 1 converges slowly); beyond, the
/// expectation is integrated.
const SERIES_MAX_TERMS: f64 = 20_000.0;
use crate::tabulate::Smooth;

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
/// than [`SERIES_MAX_CANCELLATION`], when C <= 0 (a + b < 1 and x = 0) or z >= 0.999, the
/// expectation is integrated numerically over p instead (adaptive Gauss-Kronrod, relative
/// tolerance 1e-13).
pub(crate) fn bg_alive_expected(t: f64, rx: f64, at: f64, a: f64, bb: f64) -> f64 {
    if !(t > 0.0) {
        return 0.0;
    }
    let c = a + bb - 1.0;
    let z = t / (at + t);
    if c > 0.0 && z < 0.999 {
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
        // Bounded: past SERIES_MAX_TERMS terms (z near 1) the integral answers instead.
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

/// Numerical version of [`bg_alive_expected`]: adaptive Gauss-Kronrod on [0, 1/2] and [1/2, 1]
/// after the substitutions p = v^(1/a) and 1 - p = w^(1/bb), which remove the Beta density's
/// end-point singularities (at most 200 intervals per half: bounded work).
fn bg_alive_expected_quadrature(t: f64, rx: f64, at: f64, a: f64, bb: f64) -> f64 {
    let g = |p: f64| {
        if p <= 0.0 {
            return rx * t / at;
        }
        -(rx * (-(p * t) / (at + p * t)).ln_1p()).exp_m1() / p
    };
    let ln_b = ln_beta(a, bb);
    let lower = |v: f64| {
        let p = v.powf(1.0 / a);
        g(p) / a * (-p).ln_1p().mul_add(bb - 1.0, -ln_b).exp()
    };
    let upper = |w: f64| {
        let p = 1.0 - w.powf(1.0 / bb);
        g(p) / bb * p.ln().mul_add(a - 1.0, -ln_b).exp()
    };
    let mut s = 0.0;
    for (f, end) in [
        (&lower as &dyn Fn(f64) -> f64, 0.5f64.powf(a)),
        (&upper, 0.5f64.powf(bb)),
    ] {
        if end > 0.0 {
            s += integrate_adaptive(f, 0.0, end, 1e-13, 200);
        }
    }
    if s.is_finite() { s.max(0.0) } else { 0.0 }
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
