#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Inputs found by the `models` fuzz target (fuzz/fuzz_targets/models.rs, issue #14): each
//! failed before its fix.

use std::cell::Cell;

use crm_clv::model::chrono::NaiveDate;
use crm_clv::model::{CustomerKey, PurchaseSummary};
use crm_clv::{
    BgBb, BgNbd, ClvError, ClvOptions, GammaGamma, Histories, History, MAX_TOTAL_WEIGHT, MbgNbd,
    ParetoNbd, PurchaseModel, Sbg, Spends, discounted_purchases_if_alive, expected_clv,
    predict_clv_rows, predict_rows,
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

/// Parameters, histories (x, t_x, T) and weights of a fuzz input.
type Case = ([f64; 4], Vec<(u32, f64, f64)>, Vec<f64>);

/// A model's log-likelihood at fixed parameters.
type LogLik = Box<dyn Fn(&Histories) -> f64>;

/// The seven BG/NBD log-likelihood findings of the third campaign (fuzz/corpus/models/
/// crash-266e8187, -2ff90269, -5732d3a6, -6be18b30, -9247f3f6, -95201ae2, -b6077e2d): a weight of
/// 1e300 or f64::MAX times a per-customer log-likelihood of magnitude > 1 overflowed to +inf, or
/// to inf - inf = NaN. Such weights are refused (the total is at most 2^53); with every weight
/// scaled under the bound the same data give the weighted sum of the per-customer terms.
#[test]
fn weights_beyond_2_pow_53_are_errors_and_bounded_weights_give_a_finite_log_likelihood() {
    let max = f64::MAX;
    let cases: [Case; 7] = [
        (
            [334.1, 1.42, 334.1, 334.1],
            vec![
                (130, 170.325_490_196_078_42, 334.1),
                (130, 3_031_741.62, 3_031_741.62),
                (180, 0.0, 2_192_880.82),
                (75, 0.01, 1.798_496_406_652_495e29),
            ],
            vec![179.19, 1.42, 2.78, max],
        ),
        (
            [168.49, 316.11, 315.53, 316.11],
            vec![(24_849_019, 0.0, 0.0), (0, 0.0, 108.75), (120, 0.0, 0.0)],
            vec![1e300, 0.0, 654.03],
        ),
        (
            [0.5; 4],
            vec![
                (29, 0.5, 0.5),
                (0, 0.0, 23.13),
                (9, max, max),
                (9, max, max),
                (9, max, max),
            ],
            vec![max, max, 418.91, 418.91, 418.91],
        ),
        (
            [316.97, 316.11, 295.63, 316.11],
            vec![
                (123, 0.0, 0.22),
                (0, 0.0, 0.0),
                (0, 0.0, 0.0),
                (0, 0.0, -0.0),
                (1_679_326_075, 0.0, 256.0),
                (0, 0.0, 0.66),
            ],
            vec![
                1e-9,
                439.47,
                439.47,
                1_084_992.427,
                1e300,
                3.274_306_646_732_44e-310,
            ],
        ),
        (
            [316.97, 316.11, 303.31, 316.11],
            vec![
                (4_294_967_057, 0.0, 3.79),
                (32, 0.0, 0.0),
                (0, 0.0, 0.0),
                (0, 0.0, -0.0),
                (9, 0.0, 4_294_967.22),
                (0, 0.0, 0.0),
            ],
            vec![1e300, 0.0, 0.0, 0.0, 1.951_638_4e-317, 0.0],
        ),
        (
            [258.09, 256.0, 0.75, 0.66],
            vec![
                (171, 294.703_411_764_705_95, 439.47),
                (0, 0.0, 437.88),
                (0, 0.0, 1e300),
                (2_880_122_623, 294.703_411_764_705_95, 439.47),
            ],
            vec![256.0, 1e300, 165.55, 1e300],
        ),
        (
            [168.49, 113.87, 167.63, 316.11],
            vec![(123, 0.0, -0.0), (25, max, max), (44, max, max)],
            vec![max, max, -0.0],
        ),
    ];
    for (p, hs, w) in cases {
        let x: Vec<u32> = hs.iter().map(|h| h.0).collect();
        let t_x: Vec<f64> = hs.iter().map(|h| h.1).collect();
        let t: Vec<f64> = hs.iter().map(|h| h.2).collect();
        let err = Histories::from_slices(&x, &t_x, &t, Some(&w)).unwrap_err();
        assert!(
            matches!(
                err,
                ClvError::InvalidRecord {
                    field: "weight",
                    ..
                }
            ),
            "{err}"
        );
        // Every weight under MAX_TOTAL_WEIGHT / n: accepted, and the log-likelihood is the
        // weighted sum of the one-customer log-likelihoods, for each model.
        let cap = MAX_TOTAL_WEIGHT / hs.len() as f64;
        let w: Vec<f64> = w.iter().map(|&v| v.min(cap)).collect();
        let d = Histories::from_slices(&x, &t_x, &t, Some(&w)).unwrap();
        let one = |i: usize| Histories::from_slices(&x[i..=i], &t_x[i..=i], &t[i..=i], None);
        let lls: [(&str, LogLik); 3] = [
            ("bgnbd", {
                let m = BgNbd::new(p[0], p[1], p[2], p[3]).unwrap();
                Box::new(move |d| m.log_likelihood(d))
            }),
            ("mbgnbd", {
                let m = MbgNbd::new(p[0], p[1], p[2], p[3]).unwrap();
                Box::new(move |d| m.log_likelihood(d))
            }),
            ("pnbd", {
                let m = ParetoNbd::new(p[0], p[1], p[2], p[3]).unwrap();
                Box::new(move |d| m.log_likelihood(d))
            }),
        ];
        for (name, ll) in &lls {
            let got = ll(&d);
            let (mut want, mut size) = (0.0, 0.0);
            for (i, &wi) in w.iter().enumerate() {
                if wi > 0.0 {
                    let term = wi * ll(&one(i).unwrap());
                    want += term;
                    size += term.abs();
                }
            }
            if name == &"pnbd" && !want.is_finite() {
                // A Pareto/NBD series that fails is -inf (documented), here as there.
                assert_eq!(got, want, "{name} {p:?}");
                continue;
            }
            assert!(got.is_finite(), "{name} {p:?}: {got}");
            assert!(
                (got - want).abs() <= 1e-12 * size,
                "{name} {p:?}: {got} vs {want}"
            );
        }
    }
    // The bound is on the total: two halves are fine, a little more is not.
    let h = |n| vec![(History::new(1, 1.0, 2.0), MAX_TOTAL_WEIGHT / 2.0); n];
    assert!(Histories::from_weighted(h(2)).is_ok());
    let mut rows = h(2);
    rows.push((History::new(0, 0.0, 2.0), 1e3));
    assert!(Histories::from_weighted(rows).is_err());
    assert!(Spends::from_slices(&[1, 2], &[5.0, 6.0], Some(&[1e300, 1.0])).is_err());
    assert!(Spends::from_slices(&[1, 2], &[5.0, 6.0], Some(&[1e15, 1.0])).is_ok());
}

/// The four Pareto/NBD P(X(t) = n) findings (crash-22adb305, -6fb36151, -82f402e6, -86e5b8f2):
/// at t = f64::MAX, 16 equal panels over [0, t] missed every bit of the death density's mass
/// near 0 and multiplied inf (panel width times s/beta) by 0: NaN. References by mpmath 1.3.0
/// (40 digits, tanh-sinh quadrature of the same integral over u = the death-time CDF, checked
/// against geometric splitting in y).
#[test]
fn pareto_pmf_at_the_largest_horizon_matches_mpmath() {
    let t = f64::MAX;
    for (p, want) in [
        (
            [1.2, 0.75, 225.72, 1.0],
            [
                0.992_971_638_298_428_8,
                0.006_938_453_996_504_591,
                1.599_305_155_464_109_4e-12,
            ],
        ),
        (
            [316.97, 316.11, 316.11, 1.2],
            [
                0.996_196_062_971_258_6,
                0.003_789_375_935_592_508_6,
                1.309_713_324_616_833_8e-17,
            ],
        ),
        (
            [334.1, 334.1, 2_189_591.17, 334.1],
            [
                0.999_847_437_716_447_7,
                0.000_152_538_938_647_037_3,
                2.047_297_145_465_289_8e-27,
            ],
        ),
        (
            [316.97, 316.11, 316.11, 1.16],
            [
                0.996_322_391_621_185_3,
                0.003_663_998_351_368_655,
                1.034_126_834_261_490_3e-17,
            ],
        ),
    ] {
        let m = ParetoNbd::new(p[0], p[1], p[2], p[3]).unwrap();
        for (n, want) in [0, 1, 7].into_iter().zip(want) {
            let got = m.p_purchases_new(n, t);
            assert!(
                (got - want).abs() <= 1e-12 * want,
                "{p:?} n = {n}: {got:e} vs {want:e}"
            );
        }
    }
    // Ordinary horizons keep their values (mpmath as above; CDNOW parameters).
    let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
    for (n, t, want) in [
        (0, 39.0, 0.593_625_031_602_383_8),
        (1, 39.0, 0.165_562_947_277_175_5),
        (7, 39.0, 0.010_707_750_733_514_574),
        (1, 1e6, 0.134_056_248_235_986_94),
        (1, 1e300, 0.134_055_769_085_450_92),
    ] {
        let got = m.p_purchases_new(n, t);
        assert!(
            (got - want).abs() <= 1e-12 * want,
            "n = {n}, t = {t}: {got:e} vs {want:e}"
        );
    }
}

/// Pareto/NBD with s = 1 and beta + T = 0.47 (crash-6a800424): at t = 1e308, t/(beta+T)
/// overflowed, ln(1 + t/(beta+T)) and E[Y(t) | alive] were +inf, and the CLV sum took
/// inf - inf = NaN. The closed form (r+x)(beta+T)/(alpha+T) ln(1 + t/(beta+T)) is finite.
#[test]
fn pareto_expectation_at_a_horizon_near_f64_max_is_finite() {
    let m = ParetoNbd::new(193.2, 1_267_649.483, 1.0, 0.47).unwrap();
    let o = ClvOptions::new(f64::MAX, 520.24, 1.045_170_427_245_532_3e306).unwrap();
    for h in [
        History::new(6912, 5e-324, 5e-324),
        History::new(56, 0.0, 519.68),
        History::new(52171, 2_721_896.305_415_686, 3_419_130.827),
    ] {
        let (rx, at, bt) = (193.2 + f64::from(h.x), 1_267_649.483 + h.t, 0.47 + h.t);
        // ln(1 + t/bt) = ln t - ln bt + ln(1 + bt/t), every part finite.
        let e = |t: f64| rx * (bt / at) * (t.ln() - bt.ln() + (bt / t).ln_1p());
        for t in [1e306, 1e308, f64::MAX] {
            let got = m.expected_purchases_if_alive(t, &h);
            assert!(
                (got - e(t)).abs() <= 1e-14 * e(t),
                "{h:?} {t}: {got} vs {}",
                e(t)
            );
        }
        // The CLV: P(alive) times the discounted increments of the closed form.
        let (mut want, mut prev, mut disc) = (0.0, 0.0, 1.0);
        for k in 1..=172 {
            let t = (f64::from(k) * o.period).min(o.horizon);
            disc /= 1.0 + o.discount_rate;
            want += (e(t) - prev) * disc;
            prev = e(t);
        }
        let want = m.p_alive(&h) * want;
        let got = expected_clv(&m, &h, 1.0, &o);
        assert!(
            got.is_finite() && (got - want).abs() <= 1e-12 * want,
            "{h:?}: {got} vs {want}"
        );
        let d = discounted_purchases_if_alive(&m, &h, &o);
        assert!(d.is_finite(), "{h:?}: {d}");
    }
}

/// A model that counts its P(alive) calls.
struct Counting(ParetoNbd, Cell<u32>);

impl PurchaseModel for Counting {
    fn name(&self) -> &'static str {
        "counting"
    }
    fn p_alive(&self, h: &History) -> f64 {
        self.1.set(self.1.get() + 1);
        self.0.p_alive(h)
    }
    fn expected_purchases_if_alive(&self, t: f64, h: &History) -> f64 {
        self.0.expected_purchases_if_alive(t, h)
    }
    fn p_purchase_if_alive(&self, t: f64, h: &History) -> f64 {
        self.0.p_purchase_if_alive(t, h)
    }
    fn expected_purchases_new(&self, t: f64) -> f64 {
        self.0.expected_purchases_new(t)
    }
    fn p_purchases_new(&self, n: u32, t: f64) -> f64 {
        self.0.p_purchases_new(n, t)
    }
}

/// crash-6a800424 also took 5 s: `expected_clv` evaluated P(alive) once per period (172), and
/// with alpha >> beta each Pareto/NBD P(alive) is a 2F1 series of ~10^5 terms. P(alive) does
/// not depend on the horizon: one call per customer, the same value (checked here on the
/// CDNOW estimates, where the series is short).
#[test]
fn expected_clv_computes_p_alive_once() {
    let m = Counting(
        ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(),
        Cell::new(0),
    );
    let o = ClvOptions::new(172.0, 0.01, 1.0).unwrap();
    let h = History::new(56, 3.0, 519.68);
    let v = expected_clv(&m, &h, 2.0, &o);
    assert_eq!(m.1.get(), 1);
    let mut want = 0.0;
    let (mut prev, mut disc) = (0.0, 1.0);
    for k in 1..=172 {
        let e = m.0.conditional_expected_purchases(f64::from(k), &h);
        disc /= 1.01;
        want += (e - prev) * disc;
        prev = e;
    }
    assert!((v - 2.0 * want).abs() <= 1e-12 * v, "{v} vs {}", 2.0 * want);
}

/// An expectation beyond the f64 range at several period ends (Pareto/NBD with s = 1e-8:
/// E(t | alive) ~ (t/(beta+T))^(1-s) = +inf for t > ~1e300) made the discounted sums
/// inf - inf = NaN, and a discount factor that underflows to 0 times +inf NaN as well; the sums
/// are +inf (the true value exceeds the f64 range), as the raw expectations are documented to be.
#[test]
fn discounted_sums_of_an_expectation_beyond_f64_are_inf_not_nan() {
    let m = ParetoNbd::new(1.0, 1.0, 1e-8, 1e-8).unwrap();
    let h = History::new(0, 0.0, 0.0);
    assert_eq!(m.expected_purchases_if_alive(1e306, &h), f64::INFINITY);
    for o in [
        ClvOptions::new(1e308, 0.1, 1e306).unwrap(),
        ClvOptions::new(1e308, 1e300, 1e306).unwrap(),
    ] {
        assert_eq!(
            discounted_purchases_if_alive(&m, &h, &o),
            f64::INFINITY,
            "{o:?}"
        );
        assert_eq!(expected_clv(&m, &h, 1.0, &o), f64::INFINITY, "{o:?}");
    }
}
