//! Expected customer lifetime value: a purchase model times a spend model, discounted.

use crm_model::TimeUnit;
use serde::{Deserialize, Serialize};

use crate::data::History;
use crate::error::{ClvError, Result};
use crate::purchase::{Prediction, PurchaseModel};

/// Horizon and discounting of [`expected_clv`], all in explicit units.
///
/// `horizon` and `period` are in the purchase model's time unit (the unit of t_x and T);
/// `discount_rate` is per `period`. Example: a model fitted in weeks, a 12-month horizon and
/// 1% monthly discounting: `ClvOptions::new(12.0 * unit_ratio(Month, Week), 0.01,
/// unit_ratio(Month, Week))`, or [`ClvOptions::in_units`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClvOptions {
    /// Horizon, model time units (> 0).
    pub horizon: f64,
    /// Discount rate per period (>= 0).
    pub discount_rate: f64,
    /// Length of one discounting period, model time units (> 0).
    pub period: f64,
}

/// Average length of `unit` measured in `in_unit` (calendar months, quarters and years use the
/// Gregorian average year of 365.2425 days).
///
/// ```
/// use crm_clv::unit_ratio;
/// use crm_clv::model::TimeUnit;
/// assert_eq!(unit_ratio(TimeUnit::Week, TimeUnit::Day), 7.0);
/// assert!((unit_ratio(TimeUnit::Month, TimeUnit::Week) - 4.348125).abs() < 1e-6);
/// ```
#[must_use]
pub fn unit_ratio(unit: TimeUnit, in_unit: TimeUnit) -> f64 {
    let days = |u: TimeUnit| match u {
        TimeUnit::Day => 1.0,
        TimeUnit::Week => 7.0,
        TimeUnit::Month => 365.2425 / 12.0,
        TimeUnit::Quarter => 365.2425 / 4.0,
        TimeUnit::Year => 365.2425,
    };
    days(unit) / days(in_unit)
}

impl ClvOptions {
    /// Options in model units.
    ///
    /// # Errors
    /// [`ClvError::InvalidParameter`] for a horizon or period that is not > 0 or a negative
    /// discount rate.
    pub fn new(horizon: f64, discount_rate: f64, period: f64) -> Result<Self> {
        if !(horizon > 0.0) || !horizon.is_finite() {
            return Err(ClvError::InvalidParameter {
                name: "horizon",
                value: horizon,
                reason: "must be finite and > 0",
            });
        }
        if !(period > 0.0) || !period.is_finite() {
            return Err(ClvError::InvalidParameter {
                name: "period",
                value: period,
                reason: "must be finite and > 0",
            });
        }
        if !(discount_rate >= 0.0) || !discount_rate.is_finite() {
            return Err(ClvError::InvalidParameter {
                name: "discount_rate",
                value: discount_rate,
                reason: "must be finite and >= 0",
            });
        }
        Ok(ClvOptions {
            horizon,
            discount_rate,
            period,
        })
    }

    /// Options from named units: `horizon` periods of `discount_unit`, `discount_rate` per
    /// `discount_unit`, for a model fitted in `model_unit`.
    ///
    /// # Errors
    /// As [`ClvOptions::new`].
    pub fn in_units(
        horizon_periods: f64,
        discount_rate: f64,
        discount_unit: TimeUnit,
        model_unit: TimeUnit,
    ) -> Result<Self> {
        let p = unit_ratio(discount_unit, model_unit);
        Self::new(horizon_periods * p, discount_rate, p)
    }
}

/// Expected discounted value of a customer's future purchases over the horizon:
///
/// ```text
/// CLV = spend * sum_{k=1}^{K} [E(min(kP, H)) - E((k-1)P)] / (1 + d)^k
/// E(t) = conditional expected purchases in the next t,  P = period, K = ceil(H / P)
/// ```
///
/// `spend` is the expected value per purchase (e.g. [`crate::GammaGamma::conditional_expected_spend`]
/// or a margin). Purchases within a period are discounted at the period's end, as in
/// `lifetimes`' `customer_lifetime_value`.
///
/// ```
/// use crm_clv::{BgNbd, ClvOptions, History, PurchaseModel, expected_clv};
/// let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259)?;
/// let h = History::new(2, 30.43, 38.86);
/// // No discounting: spend times expected purchases.
/// let v = expected_clv(&m, &h, 20.0, &ClvOptions::new(39.0, 0.0, 13.0)?);
/// assert!((v - 20.0 * m.conditional_expected_purchases(39.0, &h)).abs() < 1e-9);
/// # Ok::<(), crm_clv::ClvError>(())
/// ```
#[must_use]
pub fn expected_clv<M: PurchaseModel + ?Sized>(
    model: &M,
    history: &History,
    spend: f64,
    options: &ClvOptions,
) -> f64 {
    let k_max = (options.horizon / options.period).ceil().max(1.0) as u64;
    let mut prev = 0.0;
    let mut value = 0.0;
    let mut disc = 1.0;
    for k in 1..=k_max {
        let t = (k as f64 * options.period).min(options.horizon);
        let e = model.conditional_expected_purchases(t, history);
        disc /= 1.0 + options.discount_rate;
        value += (e - prev) * disc;
        prev = e;
    }
    spend * value
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
    if options.discount_rate == 0.0 {
        return model.expected_purchases_if_alive(options.horizon, history);
    }
    let k_max = (options.horizon / options.period).ceil().max(1.0) as u64;
    let (mut prev, mut value, mut disc) = (0.0, 0.0, 1.0);
    for k in 1..=k_max {
        let t = (k as f64 * options.period).min(options.horizon);
        let e = model.expected_purchases_if_alive(t, history);
        disc /= 1.0 + options.discount_rate;
        value += (e - prev) * disc;
        prev = e;
    }
    value
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
/// customer, on all cores (results in input order, independent of the number of threads).
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
/// use crm_clv::{ClvOptions, History, ParetoNbd, PurchaseModel, expected_clv, predict_clv_batch};
/// let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?;
/// let hs = [History::new(2, 30.43, 38.86), History::new(0, 0.0, 38.86)];
/// let opts = ClvOptions::new(39.0, 0.01, 4.0)?;
/// let out = predict_clv_batch(&m, &hs, &opts);
/// let one = expected_clv(&m, &hs[0], 1.0, &opts);
/// assert!((out[0].clv_per_spend - one).abs() < 1e-12 * one);
/// # Ok::<(), crm_clv::ClvError>(())
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
