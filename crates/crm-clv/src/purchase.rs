//! The interface shared by the continuous-time purchase models (BG/NBD, MBG/NBD, Pareto/NBD),
//! and the expectation helpers the beta-geometric family shares.

use crate::data::History;
use crate::special::{GL20, ln_beta};

/// The three per-customer predictions of [`PurchaseModel::predict_batch`].
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Prediction {
    /// P(alive at T).
    pub p_alive: f64,
    /// Expected purchases in (T, T + t].
    pub expected_purchases: f64,
    /// P(no purchase in (T, T + t]).
    pub p_no_purchase: f64,
}

/// Predictions every continuous-time "buy till you die" model makes. Times are in the unit the
/// model was fitted in (the unit of t_x and T).
pub trait PurchaseModel {
    /// Short model name (`"bgnbd"`, `"mbgnbd"`, `"pnbd"`).
    fn name(&self) -> &'static str;

    /// P(alive at T | x, t_x, T): the probability the customer has not yet dropped out.
    fn p_alive(&self, h: &History) -> f64;

    /// E[Y(t) | alive at T, x, T]: expected purchases in (T, T + t] of a customer known to be
    /// alive (depends on x and T only, not on t_x).
    fn expected_purchases_if_alive(&self, t: f64, h: &History) -> f64;

    /// P(Y(t) > 0 | alive at T, x, T): probability that an alive customer buys at least once in
    /// (T, T + t] (depends on x and T only).
    fn p_purchase_if_alive(&self, t: f64, h: &History) -> f64;

    /// E[Y(t) | x, t_x, T] = P(alive) E[Y(t) | alive]: expected purchases in (T, T + t].
    fn conditional_expected_purchases(&self, t: f64, h: &History) -> f64 {
        self.p_alive(h) * self.expected_purchases_if_alive(t, h)
    }

    /// P(Y(t) = 0 | x, t_x, T) = 1 - P(alive) P(Y(t) > 0 | alive): probability of no purchase
    /// in (T, T + t] (dead, or alive and not buying) — the natural churn score.
    fn p_no_purchase(&self, t: f64, h: &History) -> f64 {
        (1.0 - self.p_alive(h) * self.p_purchase_if_alive(t, h)).clamp(0.0, 1.0)
    }

    /// E[X(t)]: expected repeat purchases of a new customer in (0, t] after the first purchase.
    fn expected_purchases_new(&self, t: f64) -> f64;

    /// P(X(t) = n): probability that a new customer makes exactly `n` repeat purchases by `t`.
    fn p_purchases_new(&self, n: u32, t: f64) -> f64;

    /// P(alive), expected purchases in the next `t` and P(no purchase in the next `t`) for many
    /// customers, computed on all available cores (results in input order, independent of the
    /// number of threads; equal to calling the three methods one by one up to rounding, relative
    /// 1e-12: models may specialise it, e.g. [`crate::BgNbd`] tabulates its series
    /// coefficients by x). The "if alive" parts depend on (x, T) only and are computed once per
    /// distinct (x, T) within each thread's share while customers share them, so customers who
    /// joined on the same day cost one series evaluation. The low-level form (`out[i]` belongs
    /// to `histories[i]`); [`crate::predict_rows`] returns rows that carry the customer.
    ///
    /// ```
    /// use crm_clv::{BgNbd, History, PurchaseModel};
    /// let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259)?;
    /// let hs = [History::new(2, 30.43, 38.86), History::new(0, 0.0, 38.86)];
    /// let p = m.predict_batch(&hs, 39.0);
    /// assert_eq!(p[0].p_alive, m.p_alive(&hs[0]));
    /// assert!((p[0].expected_purchases - 1.226).abs() < 1e-3);
    /// # Ok::<(), crm_clv::ClvError>(())
    /// ```
    fn predict_batch(&self, histories: &[History], t: f64) -> Vec<Prediction>
    where
        Self: Sync + Sized,
    {
        let mut out = vec![Prediction::default(); histories.len()];
        let work = |hs: &[History], os: &mut [Prediction]| {
            let mut cache = XtCache::new();
            for (h, o) in hs.iter().zip(os.iter_mut()) {
                let (e, q) = cache.get_or(h, || {
                    (
                        self.expected_purchases_if_alive(t, h),
                        self.p_purchase_if_alive(t, h),
                    )
                });
                let pa = self.p_alive(h);
                *o = Prediction {
                    p_alive: pa,
                    expected_purchases: pa * e,
                    p_no_purchase: (1.0 - pa * q).clamp(0.0, 1.0),
                };
            }
        };
        par_predict(histories, &mut out, work);
        out
    }

    /// [`crate::discounted_purchases_if_alive`] for many customers, on all cores (results in
    /// input order, independent of the number of threads), so that
    /// `expected_clv = spend * P(alive) * D`; used by [`crate::predict_clv_batch`].
    ///
    /// The default evaluates every customer's sum over the K period ends. BG/NBD, MBG/NBD and
    /// Pareto/NBD specialise it: their D depends on a customer through x and T only (BG
    /// family) or is (r+x)(beta+T)/(alpha+T) times a function of beta+T (Pareto/NBD), a smooth
    /// function of T that is tabulated by piecewise Chebyshev interpolation where enough
    /// customers share it (agreement with the per-customer sum to about 1e-13 relative; see
    /// `docs/clv.md`).
    ///
    /// ```
    /// use crm_clv::{BgNbd, ClvOptions, History, PurchaseModel, discounted_purchases_if_alive};
    /// let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259)?;
    /// let hs = [History::new(2, 30.43, 38.86), History::new(0, 0.0, 38.86)];
    /// let opts = ClvOptions::new(39.0, 0.01, 1.0)?;
    /// let d = m.discounted_purchases_if_alive_batch(&hs, &opts);
    /// let one = discounted_purchases_if_alive(&m, &hs[0], &opts);
    /// assert!((d[0] - one).abs() < 1e-12 * one);
    /// # Ok::<(), crm_clv::ClvError>(())
    /// ```
    fn discounted_purchases_if_alive_batch(
        &self,
        histories: &[History],
        options: &crate::ClvOptions,
    ) -> Vec<f64>
    where
        Self: Sync + Sized,
    {
        crate::clv_batch::per_customer(self, histories, options)
    }

    /// Expected cumulative repeat purchases of a customer base over a calendar (the tracking
    /// plot of Fader, Hardie & Lee 2005, fig. 4):
    ///
    /// ```text
    /// cum(tau) = sum_i E[X(tau - s_i)]   over customers with s_i < tau
    /// ```
    ///
    /// `first_purchase_times` are the s_i (time of each customer's first purchase from the
    /// calendar origin, model unit); `grid` the calendar times tau. Returns one value per grid
    /// point.
    fn expected_cumulative_repeat(&self, first_purchase_times: &[f64], grid: &[f64]) -> Vec<f64> {
        // Group identical first-purchase times (cohorts) so the cost is cohorts x grid.
        let mut s: Vec<f64> = first_purchase_times
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        s.sort_by(f64::total_cmp);
        let mut cohorts: Vec<(f64, f64)> = Vec::new();
        for v in s {
            match cohorts.last_mut() {
                Some((t, n)) if *t == v => *n += 1.0,
                _ => cohorts.push((v, 1.0)),
            }
        }
        grid.iter()
            .map(|&tau| {
                cohorts
                    .iter()
                    .filter(|(s, _)| *s < tau)
                    .map(|(s, n)| n * self.expected_purchases_new(tau - s))
                    .sum()
            })
            .collect()
    }
}

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
/// which is stable at a = 1 and for heavy buyers (large rx). When C <= 0 (a + b < 1 and x = 0)
/// the expectation is integrated numerically over p instead.
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
        let mut k = 1.0f64;
        while k < 1e6 {
            let ratio = (big_a + k) * (a + k - 1.0) * z / ((c + k) * (k + 1.0));
            term *= ratio;
            sum += term;
            k += 1.0;
            if term.abs() <= 1e-16 * sum.abs().max(1e-300) && ratio.abs() < 1.0 {
                break;
            }
            if term == 0.0 {
                break;
            }
        }
        let v = c * (first - (am1 * l).exp() * sum);
        if v.is_finite() && v >= 0.0 {
            return v;
        }
    }
    bg_alive_expected_quadrature(t, rx, at, a, bb)
}

/// Numerical version of [`bg_alive_expected`]: Gauss-Legendre on [0, 1/2] and [1/2, 1] after the
/// substitutions p = v^(1/a) and 1 - p = w^(1/bb), which remove the Beta density's end-point
/// singularities.
fn bg_alive_expected_quadrature(t: f64, rx: f64, at: f64, a: f64, bb: f64) -> f64 {
    let g = |p: f64| {
        if p <= 0.0 {
            return rx * t / at;
        }
        -(rx * (-(p * t) / (at + p * t)).ln_1p()).exp_m1() / p
    };
    let ln_b = ln_beta(a, bb);
    let v_max = 0.5f64.powf(a);
    let w_max = 0.5f64.powf(bb);
    let mut s = 0.0;
    for (u, wt) in GL20 {
        let v = u * v_max;
        let p = v.powf(1.0 / a);
        s += wt * v_max / a * g(p) * (-p).ln_1p().mul_add(bb - 1.0, -ln_b).exp();
        let w = u * w_max;
        let q = w.powf(1.0 / bb);
        let p = 1.0 - q;
        s += wt * w_max / bb * g(p) * (p.ln().mul_add(a - 1.0, -ln_b)).exp();
    }
    s.max(0.0)
}

/// Runs `work` over contiguous shares of `histories` / `out` on the available cores (one share
/// per thread, at least 16,384 customers each). Each output depends only on its own input, so
/// the results are in input order and do not depend on the number of threads.
pub(crate) fn par_predict<W>(histories: &[History], out: &mut [Prediction], work: W)
where
    W: Fn(&[History], &mut [Prediction]) + Sync,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(histories.len().div_ceil(16_384).max(1));
    if threads <= 1 {
        work(histories, out);
        return;
    }
    let per = histories.len().div_ceil(threads).max(1);
    let work = &work;
    std::thread::scope(|s| {
        for (hs, os) in histories.chunks(per).zip(out.chunks_mut(per)) {
            s.spawn(move || work(hs, os));
        }
    });
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
        if v.is_finite() && v >= 0.0 {
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

/// The (x, T)-only parts of a prediction (expectation and P(purchase) if alive), cached by
/// (x, T) while it pays: after the first 4,096 customers the cache is dropped if fewer than a
/// quarter of lookups hit (continuous join times make every T distinct).
pub(crate) struct XtCache {
    map: rustc_hash::FxHashMap<(u32, u64), (f64, f64)>,
    on: bool,
    seen: usize,
    hits: usize,
}

impl XtCache {
    /// An empty, active cache.
    pub(crate) fn new() -> Self {
        Self {
            map: rustc_hash::FxHashMap::default(),
            on: true,
            seen: 0,
            hits: 0,
        }
    }

    /// The cached value for `h`'s (x, T), or `compute()` (stored while the cache is on).
    pub(crate) fn get_or(
        &mut self,
        h: &History,
        compute: impl FnOnce() -> (f64, f64),
    ) -> (f64, f64) {
        if self.on && self.seen == 4096 && self.hits < 1024 {
            self.on = false;
            self.map = rustc_hash::FxHashMap::default();
        }
        self.seen += 1;
        if !self.on {
            return compute();
        }
        let key = (h.x, h.t.to_bits());
        if let Some(v) = self.map.get(&key) {
            self.hits += 1;
            return *v;
        }
        let v = compute();
        self.map.insert(key, v);
        v
    }
}
