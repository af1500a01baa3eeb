#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Inputs found by the `models` fuzz target (fuzz/fuzz_targets/models.rs, issue #14): each
//! failed before its fix.

use crm_clv::model::chrono::NaiveDate;
use crm_clv::model::{CustomerKey, PurchaseSummary};
use crm_clv::{
    BgBb, BgNbd, ClvOptions, GammaGamma, History, MbgNbd, ParetoNbd, PurchaseModel, Sbg,
    expected_clv, predict_clv_rows, predict_rows,
};

fn summary(x: u32, t_x: f64, t: f64) -> PurchaseSummary {
    let d = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    PurchaseSummary {
        customer: CustomerKey::from_index(0),
        frequency: x,
        recency: t_x,
        age: t,
        monetary: None,
        first_purchase: d,
        last_purchase: d,
        total_spend: Default::default(),
    }
}

/// P(X(t) = 0) at a subnormal horizon: q = t / (alpha + t) underflows to 0 and 0 * ln(0) was NaN.
#[test]
fn p_purchases_new_at_a_subnormal_horizon_is_a_probability() {
    let t = 5e-324;
    let models: [Box<dyn PurchaseModel>; 3] = [
        Box::new(BgNbd::new(0.24, 17.21, 0.79, 2.43).unwrap()),
        Box::new(MbgNbd::new(0.24, 17.21, 0.79, 2.43).unwrap()),
        Box::new(ParetoNbd::new(0.24, 17.21, 0.79, 2.43).unwrap()),
    ];
    for m in &models {
        for n in [0, 1, 7] {
            let p = m.p_purchases_new(n, t);
            assert!((0.0..=1.0).contains(&p), "{} n = {n}: {p}", m.name());
        }
        assert!(
            (m.p_purchases_new(0, t) - 1.0).abs() < 1e-12,
            "{}",
            m.name()
        );
    }
}

/// A period of 3.5e-308 in a horizon of 218 is ~6e309 periods: `expected_clv` looped for ever.
#[test]
fn clv_options_with_more_than_2_pow_20_periods_are_errors() {
    assert!(ClvOptions::new(218.45, 0.5, 3.5e-308).is_err());
    assert!(ClvOptions::new(2f64.powi(20) + 1.0, 0.01, 1.0).is_err());
    assert!(ClvOptions::new(2f64.powi(20), 0.01, 1.0).is_ok());
    // Built field by field, the sums stop after 2^20 periods (bounded, not a hang).
    let o = ClvOptions {
        horizon: 218.45,
        discount_rate: 0.5,
        period: 3.5e-308,
    };
    let m = BgNbd::new(0.24, 4.41, 0.79, 2.43).unwrap();
    let v = expected_clv(&m, &History::new(2, 30.0, 38.0), 1.0, &o);
    assert!(v.is_finite(), "{v}");
}

/// r = 1e300: ln Gamma(r) is infinite and P(X(t) = n) was NaN. Parameters outside
/// [1e-8, 1e8] are refused by every constructor.
#[test]
fn parameters_outside_the_supported_range_are_errors() {
    assert!(BgNbd::new(1e300, 1e-300, 1.0, 5e-324).is_err());
    assert!(MbgNbd::new(1e9, 1.0, 1.0, 1.0).is_err());
    assert!(ParetoNbd::new(1.0, 1.0, 1e-9, 1.0).is_err());
    assert!(BgBb::new(1.0, 1.0, 1.0, 2e8).is_err());
    assert!(Sbg::new(1e-300, 1.0).is_err());
    assert!(GammaGamma::new(1.0, f64::MAX, 1.0).is_err());
    assert!(BgNbd::new(1e-8, 1e8, 1e-8, 1e8).is_ok());
}

/// T = f64::MAX: Pareto/NBD's (r + x)(beta + T) overflowed to inf before the division by
/// alpha + T, and P(alive) = 0 times inf was NaN.
#[test]
fn pareto_predictions_at_the_largest_age_are_not_nan() {
    let m = ParetoNbd::new(0.24, 4.41, 0.79, 2.43).unwrap();
    let h = History::new(5, 0.0, f64::MAX);
    let e = m.expected_purchases_if_alive(274.99, &h);
    assert!(e.is_finite() && e >= 0.0, "{e}");
    let c = m.conditional_expected_purchases(274.99, &h);
    assert!(c.is_finite() && c >= 0.0, "{c}");
}

/// Rows never carry inf or NaN: a figure that is not finite is `ClvError::Numerical`.
#[test]
fn prediction_rows_are_finite_or_an_error() {
    let m = ParetoNbd::new(0.24, 4.41, 0.79, 2.43).unwrap();
    let s = [summary(2, 0.0, 0.01), summary(46, f64::MAX, f64::MAX)];
    match predict_rows(&m, &s, 1.0) {
        Ok(rows) => {
            for r in rows {
                assert!(
                    r.expected_purchases.is_finite() && r.p_alive.is_finite(),
                    "{r:?}"
                );
            }
        }
        Err(e) => assert!(e.to_string().contains("record 1"), "{e}"),
    }
    let o = ClvOptions::new(257.0, 0.0, 8.68).unwrap();
    match predict_clv_rows(&m, &s, None, &o) {
        Ok(rows) => {
            for r in rows {
                assert!(
                    r.clv_per_spend.is_finite() && r.expected_purchases.is_finite(),
                    "{r:?}"
                );
            }
        }
        Err(e) => assert!(e.to_string().contains("record 1"), "{e}"),
    }
}

/// Rounding of the increments left a CLV of -1.6e-86 for a customer whose expected purchases
/// are ~0 (BG/NBD r = 565.8: P(alive) tiny); discounted sums of a non-decreasing expectation
/// are >= 0.
#[test]
fn clv_of_a_customer_with_no_expected_purchases_is_not_negative() {
    let m = BgNbd::new(565.8, 4.41, 0.79, 2.43).unwrap();
    let o = ClvOptions::new(257.0, 0.0, 257.0 / 69.0).unwrap();
    for h in [
        History::new(2, 15.239215686274509, 38.86),
        History::new(147, 217.7848235294118, 377.79),
    ] {
        let v = expected_clv(&m, &h, 1.0, &o);
        assert!(v >= 0.0, "{h:?}: {v}");
    }
}
