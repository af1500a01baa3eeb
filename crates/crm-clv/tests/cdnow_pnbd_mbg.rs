#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Reference tests: Pareto/NBD and MBG/NBD on the CDNOW calibration summary.

use crm_clv::{FitOptions, Histories, History, MbgNbd, ParetoNbd, PurchaseModel};
use crm_testdata::{read_cdnow_summary, shared_file};

fn cdnow() -> Option<Histories> {
    let p = shared_file("cdnow/cdnow_customers_summary_with_transactions.csv")?;
    let rows = read_cdnow_summary(&p);
    Some(
        Histories::from_weighted(rows.iter().map(|r| (History::new(r.x, r.t_x, r.t), 1.0)))
            .unwrap(),
    )
}

fn close(v: f64, want: f64, rel: f64) -> bool {
    ((v - want) / want).abs() <= rel
}

#[test]
fn pareto_nbd_cdnow_published_fit() {
    let Some(data) = cdnow() else { return };
    let fit = ParetoNbd::fit(&data, &FitOptions::default()).unwrap();
    eprintln!("{fit:?}");
    let p = fit.params;
    assert!(
        (fit.report.log_likelihood - -9594.98).abs() < 0.05,
        "{}",
        fit.report.log_likelihood
    );
    assert!(close(p.r, 0.553, 0.01), "r {}", p.r);
    assert!(close(p.alpha, 10.578, 0.01), "alpha {}", p.alpha);
    assert!(close(p.s, 0.606, 0.01), "s {}", p.s);
    // beta is weakly identified: only a loose check.
    assert!(close(p.beta, 11.669, 0.10), "beta {}", p.beta);
}

#[test]
fn mbgnbd_cdnow_published_fit() {
    let Some(data) = cdnow() else { return };
    let fit = MbgNbd::fit(&data, &FitOptions::default()).unwrap();
    eprintln!("{fit:?}");
    let p = fit.params;
    assert!(close(p.r, 0.525, 0.01), "r {}", p.r);
    assert!(close(p.alpha, 6.183, 0.01), "alpha {}", p.alpha);
    assert!(close(p.a, 0.891, 0.01), "a {}", p.a);
    assert!(close(p.b, 1.614, 0.01), "b {}", p.b);
    assert!(
        (fit.report.log_likelihood - -9582.1).abs() < 0.5,
        "{}",
        fit.report.log_likelihood
    );
}

#[test]
fn pareto_heavy_buyer_regressions() {
    let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
    let h = History::new(221, 103.4, 103.6);
    let pa = m.p_alive(&h);
    let e = m.conditional_expected_purchases(39.0, &h);
    let p0 = m.p_no_purchase(39.0, &h);
    eprintln!("x=221: p_alive {pa}, E {e}, p0 {p0}");
    assert!(pa.is_finite() && pa > 0.99 && pa <= 1.0);
    // Rate about 221/103.6 = 2.1 per week: E over 39 weeks must be large but below 39*2.2.
    assert!(e.is_finite() && e > 30.0 && e < 90.0, "{e}");
    assert!(p0.is_finite() && (0.0..0.05).contains(&p0), "{p0}");
    for x in [300u32, 500, 1000, 5000] {
        let h = History::new(x, 100.0, 104.0);
        let pa = m.p_alive(&h);
        let e = m.conditional_expected_purchases(39.0, &h);
        assert!(pa.is_finite() && (0.0..=1.0).contains(&pa), "x={x}: {pa}");
        assert!(e.is_finite() && e > 0.0, "x={x}: {e}");
        // A heavy buyer silent for a long time is surely gone.
        let gone = m.p_alive(&History::new(x, 20.0, 104.0));
        assert!(gone.is_finite() && gone < 1e-6, "x={x}: {gone}");
    }
    // The likelihood is finite on such data too.
    let data = Histories::from_slices(
        &[300, 0, 221, 2],
        &[90.0, 0.0, 103.4, 10.0],
        &[104.0, 104.0, 103.6, 104.0],
        None,
    )
    .unwrap();
    assert!(m.log_likelihood(&data).is_finite());
}

#[test]
fn pareto_pmf_sums_to_one_and_matches_expectation() {
    let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
    let t = 39.0;
    let probs: Vec<f64> = (0..300).map(|n| m.p_purchases_new(n, t)).collect();
    let total: f64 = probs.iter().sum();
    let mean: f64 = probs.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
    assert!((total - 1.0).abs() < 1e-6, "{total}");
    assert!((mean - m.expected_purchases_new(t)).abs() < 1e-3, "{mean}");
}

#[test]
fn pareto_predictions_match_lifetimes() {
    // lifetimes 0.11.3 ParetoNBDFitter at the published CDNOW parameters (params_ set by hand):
    // conditional_probability_alive, conditional_expected_number_of_purchases_up_to_time(39)
    // and conditional_probability_of_n_purchases_up_to_time(0, 39).
    let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
    let cases = [
        (
            (2, 30.43, 38.86),
            (
                0.869_167_559_153_011_1,
                1.455_123_193_257_602,
                0.408_062_723_606_464_3,
            ),
        ),
        (
            (0, 0.0, 38.86),
            (
                0.295_286_604_616_894_43,
                0.107_081_468_215_308_92,
                0.930_714_815_945_680_2,
            ),
        ),
        (
            (221, 103.4, 103.6),
            (
                0.998_714_939_380_824_3,
                68.984_985_527_125_46,
                0.003_983_730_417_916_606,
            ),
        ),
        (
            (5, 10.0, 30.0),
            (
                0.142_854_198_753_342_4,
                0.614_642_894_740_774_2,
                0.872_967_167_246_598_7,
            ),
        ),
        (
            (30, 60.0, 78.0),
            (
                0.042_251_198_267_021_5,
                0.507_131_622_977_074_6,
                0.958_561_505_564_080_8,
            ),
        ),
    ];
    let hs: Vec<History> = cases
        .iter()
        .map(|((x, tx, t), _)| History::new(*x, *tx, *t))
        .collect();
    let batch = m.predict_batch(&hs, 39.0);
    for ((h, (_, (pa, e, p0))), b) in hs.iter().zip(&cases).zip(&batch) {
        eprintln!("{h:?}: ours {b:?}, lifetimes ({pa}, {e}, {p0})");
        assert!(
            (b.p_alive - pa).abs() < 1e-9,
            "{h:?} P(alive) {} vs {pa}",
            b.p_alive
        );
        assert!(
            (b.expected_purchases - e).abs() < 1e-12 * e.max(1.0),
            "{h:?} E {} vs {e}",
            b.expected_purchases
        );
        assert!(
            (b.p_no_purchase - p0).abs() < 1e-6,
            "{h:?} P(none) {} vs {p0}",
            b.p_no_purchase
        );
    }
}
