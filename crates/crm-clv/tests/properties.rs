#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Invariants of the purchase models, parameter recovery for MBG/NBD and Pareto/NBD, and
//! hand-computed values.

use crm_clv::{
    BgNbd, ClvOptions, FitOptions, GammaGamma, Histories, History, MbgNbd, ParetoNbd,
    PurchaseModel, expected_clv,
};
use proptest::prelude::*;

fn models(r: f64, alpha: f64, a: f64, b: f64) -> Vec<Box<dyn PurchaseModel>> {
    vec![
        Box::new(BgNbd::new(r, alpha, a, b).unwrap()),
        Box::new(MbgNbd::new(r, alpha, a, b).unwrap()),
        Box::new(ParetoNbd::new(r, alpha, a, b).unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn predictions_are_finite_and_bounded(
        r in 0.05f64..5.0, alpha in 0.1f64..50.0, a in 0.05f64..5.0, b in 0.05f64..10.0,
        x in 0u32..400, frac in 0.0f64..=1.0, t_age in 0.5f64..200.0, horizon in 0.1f64..200.0,
    ) {
        let t_x = if x == 0 { 0.0 } else { frac * t_age };
        let h = History::new(x, t_x, t_age);
        for m in models(r, alpha, a, b) {
            let pa = m.p_alive(&h);
            prop_assert!((0.0..=1.0).contains(&pa), "{} p_alive {pa}", m.name());
            let e = m.conditional_expected_purchases(horizon, &h);
            prop_assert!(e.is_finite() && e >= 0.0, "{} E {e}", m.name());
            let e2 = m.conditional_expected_purchases(horizon * 2.0, &h);
            prop_assert!(e2 >= e * (1.0 - 1e-9), "{} E not monotone {e} {e2}", m.name());
            let p0 = m.p_no_purchase(horizon, &h);
            prop_assert!((0.0..=1.0).contains(&p0), "{} p0 {p0}", m.name());
            // Not buying is at least as likely as being dead.
            prop_assert!(p0 >= 1.0 - pa - 1e-9, "{} p0 {p0} < 1 - p_alive {pa}", m.name());
            let n = m.expected_purchases_new(horizon);
            prop_assert!(n.is_finite() && n >= 0.0, "{} E new {n}", m.name());
        }
    }

    #[test]
    fn recent_buyers_are_more_alive(
        r in 0.1f64..3.0, alpha in 0.5f64..30.0, a in 0.1f64..3.0, b in 0.1f64..5.0,
        x in 1u32..50, t_age in 10.0f64..100.0,
    ) {
        for m in models(r, alpha, a, b) {
            let old = m.p_alive(&History::new(x, 0.2 * t_age, t_age));
            let recent = m.p_alive(&History::new(x, 0.9 * t_age, t_age));
            prop_assert!(recent >= old - 1e-12, "{}: {recent} < {old}", m.name());
        }
    }
}

#[test]
fn bgnbd_conditional_expectation_series_matches_quadrature_near_a_equal_one() {
    // a = 1 is the removable singularity of eq. 10; neighbours must agree continuously.
    let h = History::new(3, 20.0, 40.0);
    let v: Vec<f64> = [1.0 - 1e-7, 1.0, 1.0 + 1e-7]
        .iter()
        .map(|&a| {
            BgNbd::new(0.3, 5.0, a, 2.0)
                .unwrap()
                .conditional_expected_purchases(30.0, &h)
        })
        .collect();
    assert!(
        (v[0] - v[1]).abs() < 1e-6 && (v[2] - v[1]).abs() < 1e-6,
        "{v:?}"
    );
    // a + b < 1 with x = 0 uses the quadrature branch; it must agree with the pmf mean.
    let m = BgNbd::new(0.5, 3.0, 0.3, 0.4).unwrap();
    let t = 10.0;
    let mean: f64 = (0..3000).map(|n| n as f64 * m.p_purchases_new(n, t)).sum();
    let e = m.expected_purchases_new(t);
    assert!((mean - e).abs() / e < 1e-3, "{mean} vs {e}");
}

#[test]
fn hand_computed_p_alive() {
    // BG/NBD: 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)) with r=1, alpha=1, a=1, b=2,
    // x=1, t_x=1, T=3: 1 / (1 + 1/2 * 2^2) = 1/3.
    let m = BgNbd::new(1.0, 1.0, 1.0, 2.0).unwrap();
    assert!((m.p_alive(&History::new(1, 1.0, 3.0)) - 1.0 / 3.0).abs() < 1e-15);
    // P(no purchase in next 1) = 1 - 1/3 + 1/3 * (4/5)^2.
    let p0 = m.p_no_purchase(1.0, &History::new(1, 1.0, 3.0));
    assert!((p0 - (2.0 / 3.0 + 0.64 / 3.0)).abs() < 1e-15);
}

#[test]
fn clv_discounting_and_units() {
    let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap();
    let gg = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
    let h = History::new(2, 30.43, 38.86);
    let spend = gg.conditional_expected_spend(2, 22.35).unwrap();
    let plain = expected_clv(&m, &h, spend, &ClvOptions::new(52.0, 0.0, 4.0).unwrap());
    let disc = expected_clv(&m, &h, spend, &ClvOptions::new(52.0, 0.01, 4.0).unwrap());
    assert!(disc < plain && disc > plain / 1.01f64.powi(13));
    // 12 months at 1%/month in a week-based model equals the explicit week form.
    use crm_clv::model::TimeUnit;
    let a = ClvOptions::in_units(12.0, 0.01, TimeUnit::Month, TimeUnit::Week).unwrap();
    let b = ClvOptions::new(365.2425 / 7.0, 0.01, 365.2425 / 12.0 / 7.0).unwrap();
    assert!((a.horizon - b.horizon).abs() < 1e-9 && (a.period - b.period).abs() < 1e-12);
}

#[test]
fn recovery_mbgnbd_and_pareto() {
    let ages: Vec<f64> = (0..30_000).map(|i| 78.0 - (i % 12) as f64).collect();
    let truth = MbgNbd::new(0.5, 6.0, 0.9, 1.6).unwrap();
    let sim = truth.simulate(&ages, 99);
    let data = Histories::from_weighted(sim.iter().map(|h| (*h, 1.0))).unwrap();
    let fit = MbgNbd::fit(&data, &FitOptions::default()).unwrap();
    let se = fit.standard_errors.unwrap();
    for ((v, t), s) in fit
        .params
        .to_vec()
        .iter()
        .zip(truth.to_vec())
        .zip(se.to_vec())
    {
        assert!((v - t).abs() < 4.0 * s, "MBG {v} vs {t} (se {s})");
    }
    let truth = ParetoNbd::new(0.55, 10.5, 0.6, 12.0).unwrap();
    let sim = truth.simulate(&ages, 100);
    let data = Histories::from_weighted(sim.iter().map(|h| (*h, 1.0))).unwrap();
    let fit = ParetoNbd::fit(&data, &FitOptions::default()).unwrap();
    let se = fit.standard_errors.unwrap();
    eprintln!("{fit:?}");
    for ((v, t), s) in fit
        .params
        .to_vec()
        .iter()
        .zip(truth.to_vec())
        .zip(se.to_vec())
    {
        assert!((v - t).abs() < 4.0 * s, "Pareto {v} vs {t} (se {s})");
    }
}

#[test]
fn penalty_shrinks_parameters() {
    let truth = BgNbd::new(0.25, 4.0, 0.8, 2.5).unwrap();
    let ages = vec![39.0; 3000];
    let data =
        Histories::from_weighted(truth.simulate(&ages, 5).iter().map(|h| (*h, 1.0))).unwrap();
    let plain = BgNbd::fit(&data, &FitOptions::default()).unwrap();
    let pen = BgNbd::fit(&data, &FitOptions::default().penalty(0.01)).unwrap();
    let norm = |p: &BgNbd| p.to_vec().iter().map(|v| v * v).sum::<f64>();
    assert!(norm(&pen.params) < norm(&plain.params));
    assert!(pen.report.log_likelihood < plain.report.log_likelihood);
}

#[test]
fn tracking_curve_sums_cohorts() {
    let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap();
    let births = [0.0, 0.0, 2.0];
    let cum = m.expected_cumulative_repeat(&births, &[1.0, 5.0]);
    assert!((cum[0] - 2.0 * m.expected_purchases_new(1.0)).abs() < 1e-15);
    let want = 2.0 * m.expected_purchases_new(5.0) + m.expected_purchases_new(3.0);
    assert!((cum[1] - want).abs() < 1e-15);
}
