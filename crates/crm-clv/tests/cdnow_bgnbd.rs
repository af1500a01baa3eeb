#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Reference tests: BG/NBD on the CDNOW calibration summary (Fader, Hardie & Lee 2005).

use crm_clv::{BgNbd, FitOptions, Histories, History, PurchaseModel};
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
fn bgnbd_cdnow_published_fit() {
    let Some(data) = cdnow() else { return };
    let fit = BgNbd::fit(&data, &FitOptions::default()).unwrap();
    let p = fit.params;
    eprintln!("{fit:?}");
    assert!(
        (fit.report.log_likelihood - -9582.4256).abs() < 0.01,
        "{}",
        fit.report.log_likelihood
    );
    assert!((fit.report.log_likelihood - -9582.43).abs() < 0.01);
    assert!(close(p.r, 0.2426, 0.005), "r {}", p.r);
    assert!(close(p.alpha, 4.4136, 0.005), "alpha {}", p.alpha);
    assert!(close(p.a, 0.7929, 0.005), "a {}", p.a);
    assert!(close(p.b, 2.4259, 0.005), "b {}", p.b);
    assert!(fit.report.converged);
    assert_eq!(fit.report.customers, 2357.0);
    let se = fit.standard_errors.unwrap();
    // Published standard errors are not given in the README; they must be positive and small.
    for (v, s) in p.to_vec().iter().zip(se.to_vec()) {
        assert!(s > 0.0 && s < *v, "se {s} for {v}");
    }
    // Point checks at the fitted parameters.
    let e = p.conditional_expected_purchases(39.0, &History::new(2, 30.43, 38.86));
    assert!((e - 1.226).abs() < 5e-4, "{e}");
    for (t, want) in [(1.0, 0.0532), (3.0, 0.1506), (78.0, 1.858)] {
        let v = p.expected_purchases_new(t);
        assert!((v - want).abs() < 5e-4, "E[X({t})] = {v}");
    }
}

#[test]
fn bgnbd_published_pmf_points() {
    let m = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
    let p0 = m.p_purchases_new(0, 39.0);
    assert!((p0 - 0.5737864).abs() < 5e-7, "{p0}");
    let p10 = m.p_purchases_new(10, 2.0);
    assert!((p10 / 1.0787e-7 - 1.0).abs() < 5e-4, "{p10}");
    // The pmf sums to one.
    let s: f64 = (0..400).map(|n| m.p_purchases_new(n, 39.0)).sum();
    assert!((s - 1.0).abs() < 1e-9, "{s}");
}

#[test]
fn bgnbd_cdnow_holdout_total() {
    use crm_model::chrono::NaiveDate;
    use crm_model::{SummaryOptions, TimeUnit, summarize_with_holdout};
    let Some(sample) = shared_file("cdnow/CDNOW_sample.txt") else {
        return;
    };
    let rows = crm_testdata::read_cdnow(&sample);
    let (tx, _) = crm_testdata::cdnow_transactions(&rows);
    let cal_end = NaiveDate::from_ymd_opt(1997, 9, 30).unwrap();
    let hold_end = NaiveDate::from_ymd_opt(1998, 6, 30).unwrap();
    let s = summarize_with_holdout(&tx, &SummaryOptions::new(cal_end, TimeUnit::Week), hold_end)
        .unwrap();
    let cal: Vec<_> = s.customers.iter().map(|c| c.calibration.clone()).collect();
    let data = Histories::from_summaries(&cal).unwrap();
    let fit = BgNbd::fit(&data, &FitOptions::default()).unwrap();
    let predicted: f64 = s
        .customers
        .iter()
        .map(|c| {
            let h = History::new(
                c.calibration.frequency,
                c.calibration.recency,
                c.calibration.age,
            );
            fit.params
                .conditional_expected_purchases(c.holdout_duration, &h)
        })
        .sum();
    let actual: u32 = s.customers.iter().map(|c| c.holdout_frequency).sum();
    eprintln!("holdout: predicted {predicted:.1}, actual {actual}");
    assert_eq!(actual, 1882);
    assert!(close(predicted, 1653.0, 0.02), "{predicted}");
}

#[test]
fn bgnbd_degenerate_data_is_an_error() {
    use crm_clv::ClvError;
    let zeros = Histories::from_slices(&[0, 0, 0], &[0.0; 3], &[10.0; 3], None).unwrap();
    assert!(matches!(
        BgNbd::fit(&zeros, &FitOptions::default()),
        Err(ClvError::DegenerateData { .. })
    ));
    let one = Histories::from_slices(&[3], &[5.0], &[10.0], None).unwrap();
    assert!(matches!(
        BgNbd::fit(&one, &FitOptions::default()),
        Err(ClvError::DegenerateData { .. })
    ));
    assert!(matches!(
        Histories::from_slices(&[1], &[11.0], &[10.0], None),
        Err(ClvError::InvalidRecord { field: "t_x", .. })
    ));
}

#[test]
fn bgnbd_parameter_recovery() {
    let truth = BgNbd::new(0.25, 4.0, 0.8, 2.5).unwrap();
    // Cohorts joining over 12 weeks, observed until week 52.
    let ages: Vec<f64> = (0..40_000).map(|i| 52.0 - (i % 12) as f64).collect();
    let sim = truth.simulate(&ages, 20_240_501);
    let data = Histories::from_weighted(sim.iter().map(|h| (*h, 1.0))).unwrap();
    let fit = BgNbd::fit(&data, &FitOptions::default()).unwrap();
    let p = fit.params;
    eprintln!("{p:?} se {:?}", fit.standard_errors);
    // Tolerance: 4 standard errors (about 5-15% at this sample size).
    let se = fit.standard_errors.unwrap();
    for ((v, t), s) in p.to_vec().iter().zip(truth.to_vec()).zip(se.to_vec()) {
        assert!((v - t).abs() < 4.0 * s, "{v} vs {t} (se {s})");
    }
}
