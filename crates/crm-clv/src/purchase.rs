//! The interface shared by the continuous-time purchase models (BG/NBD, MBG/NBD, Pareto/NBD)
//! and the generic batch loops behind its default methods.

use crate::data::History;
use crate::discount::{ClvOptions, discounted_sum};
use crate::parallel::{MIN_SHARE, for_each_share};

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
    /// customers, computed in parallel on the current rayon pool (results in input order, independent of the
    /// number of threads; equal to calling the three methods one by one up to rounding, relative
    /// 1e-12: models may specialise it, e.g. [`crate::BgNbd`] tabulates its series
    /// coefficients by x). The "if alive" parts depend on (x, T) only and are computed once per
    /// distinct (x, T) within each thread's share while customers share them, so customers who
    /// joined on the same day cost one series evaluation. The low-level form (`out[i]` belongs
    /// to `histories[i]`); [`crate::predict_rows`] returns rows that carry the customer.
    ///
    /// ```
    /// use crm_analytics::clv::{BgNbd, History, PurchaseModel};
    /// let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259)?;
    /// let hs = [History::new(2, 30.43, 38.86), History::new(0, 0.0, 38.86)];
    /// let p = m.predict_batch(&hs, 39.0);
    /// assert_eq!(p[0].p_alive, m.p_alive(&hs[0]));
    /// assert!((p[0].expected_purchases - 1.226).abs() < 1e-3);
    /// # Ok::<(), crm_analytics::clv::ClvError>(())
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
        for_each_share(histories, &mut out, MIN_SHARE, work);
        out
    }

    /// [`crate::discounted_purchases_if_alive`] for many customers, in parallel on the current
    /// rayon pool (results in
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
    /// use crm_analytics::clv::{BgNbd, ClvOptions, History, PurchaseModel, discounted_purchases_if_alive};
    /// let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259)?;
    /// let hs = [History::new(2, 30.43, 38.86), History::new(0, 0.0, 38.86)];
    /// let opts = ClvOptions::new(39.0, 0.01, 1.0)?;
    /// let d = m.discounted_purchases_if_alive_batch(&hs, &opts);
    /// let one = discounted_purchases_if_alive(&m, &hs[0], &opts);
    /// assert!((d[0] - one).abs() < 1e-12 * one);
    /// # Ok::<(), crm_analytics::clv::ClvError>(())
    /// ```
    fn discounted_purchases_if_alive_batch(
        &self,
        histories: &[History],
        options: &ClvOptions,
    ) -> Vec<f64>
    where
        Self: Sync + Sized,
    {
        per_customer(self, histories, options)
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

/// The per-customer loop of [`crate::discounted_purchases_if_alive`] in parallel: the
/// default of [`crate::PurchaseModel::discounted_purchases_if_alive_batch`].
pub(crate) fn per_customer<M: PurchaseModel + Sync + ?Sized>(
    model: &M,
    histories: &[History],
    options: &ClvOptions,
) -> Vec<f64> {
    let mut out = vec![0.0; histories.len()];
    for_each_share(histories, &mut out, MIN_SHARE, |hs, os| {
        for (h, o) in hs.iter().zip(os.iter_mut()) {
            *o = discounted_sum(options, |t| model.expected_purchases_if_alive(t, h));
        }
    });
    out
}

/// The tabulated sums when there are any (`None`: see `Periods::new`), else the per-customer
/// loop: the specialised [`PurchaseModel::discounted_purchases_if_alive_batch`] of BG/NBD,
/// MBG/NBD and Pareto/NBD.
pub(crate) fn or_per_customer<M: PurchaseModel + Sync + ?Sized>(
    model: &M,
    histories: &[History],
    options: &ClvOptions,
    tabulated: Option<(Vec<f64>, usize)>,
) -> Vec<f64> {
    tabulated.map_or_else(|| per_customer(model, histories, options), |v| v.0)
}
