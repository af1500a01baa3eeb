//! Expected customer lifetime value: a purchase model times a spend model, discounted.

use serde::{Deserialize, Serialize};

use crate::data::History;
use crate::discount::{ClvOptions, discounted_sum, non_negative};
use crate::purchase::{Prediction, PurchaseModel};

/// Expected discounted value of a customer's future purchases over the horizon:
///
/// ```text
/// CLV = spend * sum_{k=1}^{K} [E(min(kP, H)) - E((k-1)P)] / (1 + d)^k
/// E(t) = conditional expected purchases in the next t,  P = period, K = ceil(H / P)
/// ```
///
/// computed as `spend * P(alive) * D` with D = [`discounted_purchases_if_alive`] (E(t) is
/// P(alive) E(t | alive) and P(alive) does not depend on t).
///
/// `spend` is the expected value per purchase (e.g. [`crate::GammaGamma::conditional_expected_spend`]
/// or a margin). Purchases within a period are discounted at the period's end, as in
/// `lifetimes`' `customer_lifetime_value`.
///
/// ```
/// use crm_analytics::clv::{BgNbd, ClvOptions, History, PurchaseModel, expected_clv};
/// let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259)?;
/// let h = History::new(2, 30.43, 38.86);
/// // No discounting: spend times expected purchases.
/// let v = expected_clv(&m, &h, 20.0, &ClvOptions::new(39.0, 0.0, 13.0)?);
/// assert!((v - 20.0 * m.conditional_expected_purchases(39.0, &h)).abs() < 1e-9);
/// # Ok::<(), crm_analytics::clv::ClvError>(())
/// ```
#[must_use]
pub fn expected_clv<M: PurchaseModel + ?Sized>(
    model: &M,
    history: &History,
    spend: f64,
    options: &ClvOptions,
) -> f64 {
    // P(alive) once, not once per period: for Pareto/NBD with alpha >> beta each P(alive) is a
    // 2F1 series of ~10^5 terms, and 172 periods took 3 s (found by fuzzing). A customer who
    // is surely gone buys nothing (and her D may be +inf: 0 * inf is NaN).
    let pa = model.p_alive(history);
    let d = if pa == 0.0 {
        0.0
    } else {
        discounted_purchases_if_alive(model, history, options)
    };
    spend * non_negative(pa * d)
}

/// Discounted expected purchases of a customer known to be alive, the CLV sum of
/// [`expected_clv`] without P(alive) and spend:
///
/// ```text
/// D = sum_{k=1}^{K} [E(min(kP, H) | alive) - E((k-1)P | alive)] / (1 + d)^k
/// ```
///
/// so that `expected_clv = spend * P(alive) * D`. With d = 0 the sum telescopes to
/// E(H | alive) (one evaluation instead of K).
#[must_use]
pub fn discounted_purchases_if_alive<M: PurchaseModel + ?Sized>(
    model: &M,
    history: &History,
    options: &ClvOptions,
) -> f64 {
    discounted_sum(options, |t| model.expected_purchases_if_alive(t, history))
}

/// The batch predictions at the CLV horizon and each customer's expected CLV per unit of
/// spend, for many customers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ClvPrediction {
    /// P(alive), expected purchases and P(no purchase) over `options.horizon`
    /// ([`PurchaseModel::predict_batch`]).
    pub prediction: Prediction,
    /// P(alive) times [`discounted_purchases_if_alive`]: [`expected_clv`] with spend 1
    /// (multiply by the expected spend per purchase for the CLV).
    pub clv_per_spend: f64,
}

/// [`PurchaseModel::predict_batch`] at `options.horizon` and the CLV per unit of spend of every
/// customer, in parallel on the current rayon pool (results in input order, independent of the
/// number of threads).
/// The low-level form: `out[i]` belongs to `histories[i]`; [`crate::predict_clv_rows`] takes
/// purchase summaries and returns rows that carry the customer (and the spend and CLV).
///
/// Undiscounted (d = 0) the CLV per unit of spend is the expected purchases over the horizon,
/// so it costs nothing extra; with discounting each customer needs the expectation at the K
/// period ends (K = ceil(H / P)), which
/// [`PurchaseModel::discounted_purchases_if_alive_batch`] computes (BG/NBD, MBG/NBD and
/// Pareto/NBD tabulate it where customers share a smooth function of T; equal to
/// [`expected_clv`] with spend 1 up to about 1e-13 relative).
///
/// ```
/// use crm_analytics::clv::{ClvOptions, History, ParetoNbd, PurchaseModel, expected_clv, predict_clv_batch};
/// let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
/// let hs = [History::new(2, 30.43, 38.86), History::new(0, 0.0, 38.86)];
/// let opts = ClvOptions::new(39.0, 0.01, 4.0)?;
/// let out = predict_clv_batch(&m, &hs, &opts);
/// let one = expected_clv(&m, &hs[0], 1.0, &opts);
/// assert!((out[0].clv_per_spend - one).abs() < 1e-12 * one);
/// # Ok::<(), crm_analytics::clv::ClvError>(())
/// ```
#[must_use]
pub fn predict_clv_batch<M: PurchaseModel + Sync>(
    model: &M,
    histories: &[History],
    options: &ClvOptions,
) -> Vec<ClvPrediction> {
    let preds = model.predict_batch(histories, options.horizon);
    let mut out: Vec<ClvPrediction> = preds
        .iter()
        .map(|p| ClvPrediction {
            prediction: *p,
            clv_per_spend: p.expected_purchases,
        })
        .collect();
    if options.discount_rate == 0.0 {
        return out;
    }
    let d = model.discounted_purchases_if_alive_batch(histories, options);
    for (o, d) in out.iter_mut().zip(d) {
        o.clv_per_spend = o.prediction.p_alive * d;
    }
    out
}

#[cfg(test)]
mod tests {
    //! The tabulated batch sums of the BG family and Pareto/NBD against the per-customer
    //! definition, with every eligible piece tabulated.
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::bg_family;
    use crate::discount::Periods;
    use crate::pareto;
    use crate::{BgNbd, MbgNbd, ParetoNbd};

    /// Ages on a fine grid over many binades, for a spread of x including heavy buyers.
    fn grid() -> Vec<History> {
        let mut hs = vec![History::new(221, 103.4, 103.6)];
        for x in [0u32, 1, 2, 5, 20, 221, 300, 1000, 4095, 5000] {
            let mut tt = 0.01;
            while tt < 3000.0 {
                let tx = if x == 0 { 0.0 } else { tt * 0.6 };
                hs.push(History::new(x, tx, tt));
                tt *= 1.03;
            }
        }
        hs
    }

    fn options() -> Vec<ClvOptions> {
        [
            (39.0, 0.01, 1.0),
            (39.5, 0.05, 1.0),
            (52.0, 0.1, 4.348_125),
            (10.5, 0.02, 3.0),
            (200.0, 0.001, 7.0),
            (3.0, 0.3, 0.25),
        ]
        .iter()
        .map(|&(h, d, p)| ClvOptions::new(h, d, p).unwrap())
        .collect()
    }

    fn compare<M: PurchaseModel>(
        m: &M,
        hs: &[History],
        o: &ClvOptions,
        got: &[f64],
        worst: &mut f64,
    ) {
        for (h, g) in hs.iter().zip(got) {
            let want = discounted_purchases_if_alive(m, h, o);
            let err = (g - want).abs();
            assert!(
                err <= 1e-11 * want.abs() || err < 1e-300,
                "{m:?} {h:?} {o:?}: batch {g:e} per customer {want:e}",
                m = m.name()
            );
            if want != 0.0 {
                *worst = worst.max(err / want.abs());
            }
        }
    }

    #[test]
    fn tabulated_matches_per_customer_bg_family() {
        let hs = grid();
        let (mut worst, mut tabulated) = (0.0f64, 0usize);
        for (r, alpha, a, b) in [
            (0.2426, 4.4136, 0.7929, 2.4259),
            (0.25, 4.0, 1.0, 2.5),
            (2.0, 0.5, 3.5, 0.3),
            (0.05, 40.0, 0.2, 0.6),
            (5.0, 1.0, 0.5, 50.0),
        ] {
            let bg = BgNbd::new(r, alpha, a, b).unwrap();
            let mb = MbgNbd::new(r, alpha, a, b).unwrap();
            for o in options() {
                // min_shared = 1: every eligible piece is tabulated.
                let (got, n) = bg_family::discounted_batch(&hs, &o, (r, alpha, a, b), 1).unwrap();
                compare(&bg, &hs, &o, &got, &mut worst);
                tabulated += n;
                let (got, n) =
                    bg_family::discounted_batch(&hs, &o, (r, alpha, a, b + 1.0), 1).unwrap();
                compare(&mb, &hs, &o, &got, &mut worst);
                tabulated += n;
            }
        }
        let total = hs.len() * 5 * 2 * options().len();
        eprintln!("BG family: {tabulated} of {total} interpolated, worst relative {worst:e}");
        assert!(tabulated > total / 2, "{tabulated} of {total}");
    }

    #[test]
    fn tabulated_matches_per_customer_pareto() {
        let hs = grid();
        let (mut worst, mut tabulated) = (0.0f64, 0usize);
        for (r, alpha, s, beta) in [
            (0.553, 10.578, 0.606, 11.669),
            (0.553, 11.669, 0.606, 10.578),
            (0.8, 15.0, 1.3, 4.0),
            (2.0, 1.0, 1.0, 1.0),
            (0.05, 40.0, 0.2, 0.6),
            (5.0, 1.0, 0.5, 50.0),
            (0.3, 0.5, 3.0, 0.4),
            (0.5, 2.0, 1.0 + 1e-13, 0.01),
            (0.5, 2.0, 20.0, 0.01),
        ] {
            let m = ParetoNbd::new(r, alpha, s, beta).unwrap();
            for o in options() {
                let (got, n) = pareto::discounted_batch(&hs, &o, &m, 1).unwrap();
                compare(&m, &hs, &o, &got, &mut worst);
                tabulated += n;
            }
        }
        let total = hs.len() * 9 * options().len();
        eprintln!("Pareto/NBD: {tabulated} of {total} interpolated, worst relative {worst:e}");
        assert!(tabulated > total * 9 / 10, "{tabulated} of {total}");
    }

    #[test]
    fn no_discount_and_huge_period_counts_use_the_loop() {
        let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap();
        let hs = grid();
        assert!(
            bg_family::discounted_batch(
                &hs,
                &ClvOptions::new(39.0, 0.0, 1.0).unwrap(),
                (0.2, 4.0, 0.8, 2.4),
                1
            )
            .is_none()
        );
        // More than 2^20 periods: refused by `new`; built field by field, the batch paths
        // fall back to the (bounded) loop.
        assert!(ClvOptions::new(1e7, 0.01, 1.0).is_err());
        let o = ClvOptions {
            horizon: 1e7,
            discount_rate: 0.01,
            period: 1.0,
        };
        assert!(Periods::new(&o).is_none());
        let d = m.discounted_purchases_if_alive_batch(
            &hs[..3],
            &ClvOptions::new(39.0, 0.0, 1.0).unwrap(),
        );
        for (h, v) in hs[..3].iter().zip(d) {
            assert_eq!(v, m.expected_purchases_if_alive(39.0, h));
        }
    }
}
