//! Per-customer predictions as rows that carry the customer's key: the purchase-summary
//! counterparts of [`PurchaseModel::predict_batch`] and [`crate::predict_clv_batch`], whose
//! vectors are parallel to a slice of [`History`] (which names no customer).

use crm_model::{CustomerKey, PurchaseSummary, to_f64};
use serde::{Deserialize, Serialize};

use crate::clv::predict_clv_batch;
use crate::data::History;
use crate::discount::ClvOptions;
use crate::error::{ClvError, Result};
use crate::gamma_gamma::GammaGamma;
use crate::purchase::PurchaseModel;

/// One customer's predictions over the next `t`: a row of [`predict_rows`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PredictionRow {
    /// The customer (the summary's [`PurchaseSummary::customer`]).
    pub customer: CustomerKey,
    /// P(alive at T): the probability the customer has not yet dropped out.
    pub p_alive: f64,
    /// Expected purchases in (T, T + t].
    pub expected_purchases: f64,
    /// P(no purchase in (T, T + t]): the churn score.
    pub p_no_purchase: f64,
}

/// One customer's predictions at the CLV horizon and expected CLV: a row of
/// [`predict_clv_rows`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClvRow {
    /// The customer (the summary's [`PurchaseSummary::customer`]).
    pub customer: CustomerKey,
    /// P(alive at T).
    pub p_alive: f64,
    /// Expected purchases over the horizon, (T, T + horizon].
    pub expected_purchases: f64,
    /// P(no purchase over the horizon).
    pub p_no_purchase: f64,
    /// Expected discounted CLV per unit of spend: [`crate::expected_clv`] with spend 1 (multiply
    /// by a spend or margin per purchase of your own when there is no spend model).
    pub clv_per_spend: f64,
    /// Expected spend per purchase, E[M | x, zbar] of the Gamma-Gamma model
    /// ([`GammaGamma::conditional_expected_spend`]); `None` without a spend model or when the
    /// expectation is infinite.
    pub expected_spend: Option<f64>,
    /// Expected CLV: `clv_per_spend * expected_spend`; `None` when `expected_spend` is.
    pub clv: Option<f64>,
}

/// The model inputs (x = `frequency`, t_x = `recency`, T = `age`) of every summary, validated.
fn histories(summaries: &[PurchaseSummary]) -> Result<Vec<History>> {
    summaries
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let h = History::new(s.frequency, s.recency, s.age);
            h.check(i)?;
            Ok(h)
        })
        .collect()
}

/// [`PurchaseModel::predict_batch`] for purchase summaries, as rows that carry the customer:
/// P(alive), expected purchases and P(no purchase) over the next `t`, one [`PredictionRow`]
/// per summary, in input order (`rows[i]` describes `summaries[i].customer`), computed on all
/// cores.
///
/// `t` and the summaries' recency and age are in the unit the model was fitted in (the
/// [`crm_model::TimeUnit`] of the summaries it was fitted on).
/// [`PurchaseModel::predict_batch`] on a slice of [`History`] is the low-level form (no
/// customer, no validation).
///
/// # Errors
/// [`ClvError::InvalidParameter`] for a `t` that is negative or not finite;
/// [`ClvError::InvalidRecord`] naming the first summary whose (x, t_x, T) is invalid (see
/// [`History::check`]); [`ClvError::Numerical`] naming the first record whose prediction is not
/// finite.
///
/// ```
/// use crm_analytics::clv::model::chrono::NaiveDate;
/// use crm_analytics::clv::model::{CustomerKey, PurchaseSummary};
/// use crm_analytics::clv::{BgNbd, predict_rows};
/// // Published CDNOW parameters (Fader, Hardie & Lee 2005), weeks.
/// let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259)?;
/// let day = NaiveDate::from_ymd_opt(1997, 1, 1).unwrap();
/// let summary = |key, x, t_x, t| PurchaseSummary {
///     customer: CustomerKey::from_index(key), frequency: x, recency: t_x, age: t,
///     monetary: None, first_purchase: day, last_purchase: day, total_spend: 0.into(),
/// };
/// // Customer 7: 2 repeat purchases, the last at week 30.43 of 38.86; customer 3: none.
/// let rows = predict_rows(&m, &[summary(7, 2, 30.43, 38.86), summary(3, 0, 0.0, 38.86)], 39.0)?;
/// assert_eq!(rows[0].customer, CustomerKey::from_index(7));
/// assert!((rows[0].expected_purchases - 1.226).abs() < 1e-3); // the paper's 1.226
/// assert_eq!(rows[1].customer, CustomerKey::from_index(3));
/// assert_eq!(rows[1].p_alive, 1.0);          // BG/NBD: no repeat, no chance to drop out yet
/// assert!(rows[1].expected_purchases < rows[0].expected_purchases);
/// # Ok::<(), crm_analytics::clv::ClvError>(())
/// ```
pub fn predict_rows<M: PurchaseModel + Sync>(
    model: &M,
    summaries: &[PurchaseSummary],
    t: f64,
) -> Result<Vec<PredictionRow>> {
    if !(t >= 0.0) || !t.is_finite() {
        return Err(ClvError::InvalidParameter {
            name: "t",
            value: t,
            reason: "the prediction horizon must be finite and >= 0",
        });
    }
    let hs = histories(summaries)?;
    summaries
        .iter()
        .zip(model.predict_batch(&hs, t))
        .enumerate()
        .map(|(i, (s, p))| {
            Ok(PredictionRow {
                customer: s.customer,
                p_alive: finite(i, "p_alive", p.p_alive)?,
                expected_purchases: finite(i, "expected_purchases", p.expected_purchases)?,
                p_no_purchase: finite(i, "p_no_purchase", p.p_no_purchase)?,
            })
        })
        .collect()
}

/// `value` when finite, else [`ClvError::Numerical`] naming the record and the figure: an age
/// or horizon near the f64 limit (T = 1e308) can make a prediction overflow, and a row must
/// not carry inf or NaN.
fn finite(index: usize, field: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ClvError::Numerical {
            what: "prediction",
            reason: format!(
                "record {index}: {field} = {value} is not a finite number (the age, recency or \
                 horizon is too large for f64 arithmetic)"
            ),
        })
    }
}

/// [`crate::predict_clv_batch`] for purchase summaries, as rows that carry the customer: the
/// predictions at `options.horizon`, the discounted CLV per unit of spend and, with a
/// Gamma-Gamma `spend` model, the expected spend per purchase and the expected CLV, one
/// [`ClvRow`] per summary, in input order (`rows[i]` describes `summaries[i].customer`),
/// computed on all cores.
///
/// ```text
/// expected_spend = E[M | x, zbar]       x = frequency, zbar = monetary (0 when None)
/// clv            = clv_per_spend * expected_spend
/// ```
///
/// The summaries' `monetary` should be the repeat-purchase mean
/// ([`crm_model::MonetaryBasis::RepeatMean`], the default), the zbar the spend model was fitted
/// on. Times are in the unit the purchase model was fitted in. [`crate::predict_clv_batch`] on a
/// slice of [`History`] is the low-level form (no customer, no spend, no validation).
///
/// # Errors
/// [`ClvError::InvalidRecord`] naming the first summary whose (x, t_x, T) is invalid (see
/// [`History::check`]); with a `spend` model, [`ClvError::InvalidRecord`] naming the first
/// repeat buyer whose mean spend (monetary) is not positive (see [`GammaGamma::expected_spend`]);
/// [`ClvError::Numerical`] naming the first record whose prediction is not finite.
///
/// ```
/// use crm_analytics::clv::model::chrono::NaiveDate;
/// use crm_analytics::clv::model::rust_decimal::Decimal;
/// use crm_analytics::clv::model::{CustomerKey, PurchaseSummary};
/// use crm_analytics::clv::{BgNbd, ClvOptions, GammaGamma, predict_clv_rows};
/// // Published CDNOW parameters, weeks: BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma
/// // (Fader & Hardie 2013: p = 6.25, q = 3.74, gamma = 15.44).
/// let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259)?;
/// let gg = GammaGamma::new(6.25, 3.74, 15.44)?;
/// let day = NaiveDate::from_ymd_opt(1997, 1, 1).unwrap();
/// let c = PurchaseSummary {
///     customer: CustomerKey::from_index(7), frequency: 2, recency: 30.43, age: 38.86,
///     monetary: Some(Decimal::from(30)), // mean of the 2 repeat purchases
///     first_purchase: day, last_purchase: day, total_spend: Decimal::from(80),
/// };
/// // 39 weeks, undiscounted: CLV per unit of spend = expected purchases.
/// let rows = predict_clv_rows(&m, &[c], Some(&gg), &ClvOptions::new(39.0, 0.0, 1.0)?)?;
/// let r = &rows[0];
/// assert_eq!(r.customer, CustomerKey::from_index(7));
/// assert!((r.clv_per_spend - 1.226).abs() < 1e-3);
/// // E[M] = (p gamma + p x zbar) / (p x + q - 1) = (96.5 + 375) / 15.24 = 30.94
/// let spend = r.expected_spend.unwrap();
/// assert!((spend - 471.5 / 15.24).abs() < 1e-9);
/// assert!((r.clv.unwrap() - spend * r.clv_per_spend).abs() < 1e-9); // about 37.9
/// # Ok::<(), crm_analytics::clv::ClvError>(())
/// ```
pub fn predict_clv_rows<M: PurchaseModel + Sync>(
    model: &M,
    summaries: &[PurchaseSummary],
    spend: Option<&GammaGamma>,
    options: &ClvOptions,
) -> Result<Vec<ClvRow>> {
    let hs = histories(summaries)?;
    let spends = summaries
        .iter()
        .enumerate()
        .map(|(i, s)| match spend {
            None => Ok(None),
            Some(g) => g
                .expected_spend(s.frequency, s.monetary.map_or(0.0, to_f64))
                .map_err(|e| match e {
                    ClvError::InvalidRecord {
                        field,
                        value,
                        reason,
                        ..
                    } => ClvError::InvalidRecord {
                        index: i,
                        field,
                        value,
                        reason,
                    },
                    other => other,
                }),
        })
        .collect::<Result<Vec<_>>>()?;
    summaries
        .iter()
        .zip(predict_clv_batch(model, &hs, options))
        .zip(spends)
        .enumerate()
        .map(|(i, ((s, c), expected_spend))| {
            Ok(ClvRow {
                customer: s.customer,
                p_alive: finite(i, "p_alive", c.prediction.p_alive)?,
                expected_purchases: finite(
                    i,
                    "expected_purchases",
                    c.prediction.expected_purchases,
                )?,
                p_no_purchase: finite(i, "p_no_purchase", c.prediction.p_no_purchase)?,
                clv_per_spend: finite(i, "clv_per_spend", c.clv_per_spend)?,
                expected_spend,
                clv: expected_spend
                    .map(|e| finite(i, "clv", e * c.clv_per_spend))
                    .transpose()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BgNbd, ParetoNbd, expected_clv};
    use crm_model::chrono::NaiveDate;
    use crm_model::rust_decimal::Decimal;

    fn summary(key: u32, x: u32, t_x: f64, t: f64, zbar: Option<i64>) -> PurchaseSummary {
        let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        PurchaseSummary {
            customer: CustomerKey::from_index(key),
            frequency: x,
            recency: t_x,
            age: t,
            monetary: zbar.map(Decimal::from),
            first_purchase: day,
            last_purchase: day,
            total_spend: Decimal::ZERO,
        }
    }

    #[test]
    fn non_positive_mean_spend_is_rejected() {
        // Issue #14: zbar <= 0 used to give a negative or near-zero CLV.
        let m = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let gg = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
        let rows = [
            summary(0, 2, 10.0, 20.0, Some(30)),
            summary(1, 2, 10.0, 20.0, Some(-30)),
        ];
        let e = predict_clv_rows(
            &m,
            &rows,
            Some(&gg),
            &ClvOptions::new(39.0, 0.0, 1.0).unwrap(),
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                ClvError::InvalidRecord {
                    index: 1,
                    field: "zbar",
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(gg.conditional_expected_spend(2, -30.0), None);
        assert_eq!(gg.conditional_expected_spend(2, 0.0), None);
        assert!(gg.conditional_expected_spend(0, 0.0).unwrap() > 0.0);
        let ok = predict_clv_rows(
            &m,
            &rows[..1],
            Some(&gg),
            &ClvOptions::new(39.0, 0.0, 1.0).unwrap(),
        )
        .unwrap();
        assert!(ok[0].clv.unwrap() > 0.0);
    }

    fn population() -> Vec<PurchaseSummary> {
        // Keys in a scrambled order: rows must follow the input, not the keys.
        (0..500u32)
            .map(|i| {
                let x = i % 7;
                let t = 10.0 + f64::from(i % 29);
                let t_x = if x == 0 {
                    0.0
                } else {
                    t * f64::from(i % 5) / 5.0
                };
                summary(
                    (i * 37) % 500,
                    x,
                    t_x,
                    t,
                    (x > 0).then_some(10 + i64::from(i % 13)),
                )
            })
            .collect()
    }

    #[test]
    fn prediction_rows_carry_the_batch_numbers_in_input_order() {
        let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap();
        let s = population();
        let hs: Vec<History> = s
            .iter()
            .map(|c| History::new(c.frequency, c.recency, c.age))
            .collect();
        let batch = m.predict_batch(&hs, 13.0);
        let rows = predict_rows(&m, &s, 13.0).unwrap();
        assert_eq!(rows.len(), s.len());
        for ((r, c), p) in rows.iter().zip(&s).zip(&batch) {
            assert_eq!(r.customer, c.customer);
            assert_eq!(
                (r.p_alive, r.expected_purchases, r.p_no_purchase),
                (p.p_alive, p.expected_purchases, p.p_no_purchase)
            );
        }
    }

    #[test]
    fn clv_rows_match_expected_clv_with_the_gamma_gamma_spend() {
        let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
        let gg = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
        let s = population();
        let opts = ClvOptions::new(26.0, 0.01, 4.0).unwrap();
        let rows = predict_clv_rows(&m, &s, Some(&gg), &opts).unwrap();
        for (r, c) in rows.iter().zip(&s) {
            assert_eq!(r.customer, c.customer);
            let h = History::new(c.frequency, c.recency, c.age);
            let zbar = c.monetary.map_or(0.0, to_f64);
            let spend = gg.conditional_expected_spend(c.frequency, zbar).unwrap();
            assert_eq!(r.expected_spend, Some(spend));
            let want = expected_clv(&m, &h, spend, &opts);
            assert!((r.clv.unwrap() - want).abs() <= 1e-10 * want.max(1.0));
        }
        // Without a spend model: the per-unit value only.
        let bare = predict_clv_rows(&m, &s, None, &opts).unwrap();
        assert!(
            bare.iter()
                .all(|r| r.expected_spend.is_none() && r.clv.is_none())
        );
        assert_eq!(bare[3].clv_per_spend, rows[3].clv_per_spend);
    }

    #[test]
    fn invalid_input_is_a_named_error() {
        let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap();
        let mut s = population();
        s[42].recency = s[42].age + 5.0;
        for e in [
            predict_rows(&m, &s, 13.0).unwrap_err(),
            predict_clv_rows(&m, &s, None, &ClvOptions::new(13.0, 0.0, 1.0).unwrap()).unwrap_err(),
        ] {
            assert!(
                matches!(
                    e,
                    ClvError::InvalidRecord {
                        index: 42,
                        field: "t_x",
                        ..
                    }
                ),
                "{e}"
            );
        }
        assert!(matches!(
            predict_rows(&m, &population(), f64::NAN),
            Err(ClvError::InvalidParameter { name: "t", .. })
        ));
        assert!(predict_rows(&m, &[], 13.0).unwrap().is_empty());
    }
}
