#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Prediction intervals from parameter uncertainty (parametric bootstrap) on the CDNOW
//! calibration summary.

use crm_clv::model::TimeUnit;
use crm_clv::{
    ClvError, ClvOptions, Covariance, FitOptions, GammaGamma, IntervalOptions, ModelKind,
    SummaryInput,
};
use crm_testdata::{read_cdnow_summary, shared_file};

fn cdnow() -> Option<Vec<SummaryInput>> {
    let p = shared_file("cdnow/cdnow_customers_summary_with_transactions.csv")?;
    Some(
        read_cdnow_summary(&p)
            .iter()
            .map(|r| {
                let mut s = SummaryInput::new(r.x, r.t_x, r.t);
                s.zbar = (r.x > 0).then_some(r.zbar);
                s
            })
            .collect(),
    )
}

fn values(fit: &crm_clv::FitSummary) -> Vec<f64> {
    fit.params.0.iter().map(|p| p.1).collect()
}

#[test]
fn intervals_contain_the_point_and_narrow_with_more_customers() {
    let Some(rows) = cdnow() else { return };
    let kind = ModelKind::BgNbd;
    let fit = kind
        .fit(&rows, &FitOptions::default(), TimeUnit::Week)
        .unwrap();
    let m = kind.purchase_model(&values(&fit)).unwrap();
    let cov = fit.covariance.unwrap();
    // The covariance's diagonal is the standard errors the fit reports.
    let se = fit.standard_errors.as_ref().unwrap();
    for (i, s) in se.0.iter().enumerate() {
        assert!((cov.get(i, i).sqrt() - s.1).abs() < 1e-12);
    }
    let gg_rows: Vec<SummaryInput> = rows.iter().filter(|r| r.x > 0).cloned().collect();
    let gg_fit = ModelKind::GammaGamma
        .fit(&gg_rows, &FitOptions::default(), TimeUnit::Week)
        .unwrap();
    let g = values(&gg_fit);
    let gg = GammaGamma::new(g[0], g[1], g[2]).unwrap();
    let clv = ClvOptions::new(39.0, 0.01, 4.348125).unwrap();
    let opts = IntervalOptions::new(0.9).unwrap();
    let (points, iv) = m
        .predict_intervals(
            &rows,
            &cov,
            Some((&gg, gg_fit.covariance.as_ref())),
            &clv,
            &opts,
        )
        .unwrap();
    assert_eq!(iv.customers.len(), rows.len());
    assert!(iv.draws >= 190, "{}", iv.draws);
    let inside = |i: &crm_clv::Interval, v: f64| i.low <= v && v <= i.high;
    for (p, i) in points.iter().zip(&iv.customers) {
        assert!(inside(&i.p_alive, p.p_alive));
        assert!(inside(&i.expected_purchases, p.expected_purchases));
        assert!(i.p_alive.low >= 0.0 && i.p_alive.high <= 1.0);
        match (p.clv, i.clv) {
            (Some(c), Some(ci)) => assert!(inside(&ci, c)),
            (None, None) => {}
            other => panic!("{other:?}"),
        }
    }
    let t = iv.total_expected_purchases;
    eprintln!(
        "total expected purchases {:.1} [{:.1}, {:.1}]",
        t.point, t.interval.low, t.interval.high
    );
    // Parameter uncertainty of 2,357 customers: a few percent on the total, not zero.
    let width = (t.interval.high - t.interval.low) / t.point;
    assert!(width > 0.01 && width < 0.5, "{width}");
    let c = iv.total_clv.unwrap();
    assert!(inside(&c.interval, c.point) && c.interval.high > c.interval.low);

    // The same seed gives the same intervals, on one thread or two.
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let again = one
        .install(|| m.predict_intervals(&rows[..50], &cov, None, &clv, &opts))
        .unwrap();
    let two = m
        .predict_intervals(&rows[..50], &cov, None, &clv, &opts)
        .unwrap();
    assert_eq!(again, two);

    // A tenth of the customers: a less certain fit, wider intervals for the same customer.
    let tenth: Vec<SummaryInput> = rows.iter().step_by(10).cloned().collect();
    let fit10 = kind
        .fit(&tenth, &FitOptions::default(), TimeUnit::Week)
        .unwrap();
    let m10 = kind.purchase_model(&values(&fit10)).unwrap();
    let (_, iv10) = m10
        .predict_intervals(&rows[..50], &fit10.covariance.unwrap(), None, &clv, &opts)
        .unwrap();
    let w = |i: &crm_clv::Interval| i.high - i.low;
    let wider = iv10
        .customers
        .iter()
        .zip(&two.1.customers)
        .filter(|(a, b)| w(&a.expected_purchases) > w(&b.expected_purchases))
        .count();
    assert!(wider >= 45, "{wider} of 50");
}

#[test]
fn bad_interval_options_are_errors() {
    assert!(IntervalOptions::new(1.5).is_err());
    assert!(IntervalOptions::new(0.0).is_err());
    assert!(IntervalOptions::new(f64::NAN).is_err());
    assert!(IntervalOptions::new(0.9).unwrap().draws(5).is_err());
    assert!(IntervalOptions::new(0.9).unwrap().draws(20_000).is_err());
    let m = ModelKind::BgNbd
        .purchase_model(&[0.24, 4.41, 0.79, 2.43])
        .unwrap();
    let two = Covariance::from_rows(&[vec![1.0, 0.0], vec![0.0, 1.0]]).unwrap();
    let r = m.predict_intervals(
        &[SummaryInput::new(1, 2.0, 5.0)],
        &two,
        None,
        &ClvOptions::new(10.0, 0.0, 1.0).unwrap(),
        &IntervalOptions::new(0.9).unwrap(),
    );
    assert!(matches!(r, Err(ClvError::LengthMismatch { .. })), "{r:?}");
    assert!(Covariance::from_rows(&[vec![1.0, 2.0], vec![0.0, 1.0]]).is_err());
    assert!(Covariance::from_rows(&[vec![-1.0]]).is_err());
}
