#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Model diagnostics on the CDNOW sample (Fader, Hardie & Lee 2005): BG/NBD fitted on weeks
//! 1-39, tracked to week 78.

use crm_clv::model::chrono::NaiveDate;
use crm_clv::model::{LateEvents, SummaryOptions, TimeUnit, summarize};
use crm_clv::{BgNbd, DiagnosticsOptions, FitOptions, Histories, PurchaseModel, diagnose};
use crm_testdata::{cdnow_transactions, read_cdnow, shared_file};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn cdnow_holdout_tracking_and_frequency() {
    let Some(sample) = shared_file("cdnow/CDNOW_sample.txt") else {
        return;
    };
    let (tx, _) = cdnow_transactions(&read_cdnow(&sample));
    let (cal, hold) = (day(1997, 9, 30), day(1998, 6, 30));
    let calibration = SummaryOptions::new(cal, TimeUnit::Week).late_events(LateEvents::Exclude);
    let s = summarize(&tx, &calibration).unwrap();
    let fit = BgNbd::fit(
        &Histories::from_summaries(&s.customers).unwrap(),
        &FitOptions::default(),
    )
    .unwrap();
    let m = fit.params;
    let d = diagnose(&m, &tx, &DiagnosticsOptions::new(cal, hold, TimeUnit::Week)).unwrap();

    // The paper's holdout comparison: 1,882 actual, about 1,653 predicted (weeks 40-78).
    assert_eq!(d.customers, 2357);
    assert_eq!(d.holdout_actual, 1882);
    assert!(
        (d.holdout_predicted - 1653.0).abs() < 0.02 * 1653.0,
        "{}",
        d.holdout_predicted
    );
    assert!((d.holdout_length - 39.0).abs() < 1e-12);

    // 78 weekly periods from 1997-01-01; week 39 ends on the calibration end.
    assert_eq!(d.origin, day(1997, 1, 1));
    assert_eq!(d.tracking.len(), 78);
    assert_eq!(d.tracking[38].end, cal);
    assert!(!d.tracking[38].holdout && d.tracking[39].holdout);
    assert_eq!(d.tracking[77].end, hold);
    let holdout_actual: u64 = d
        .tracking
        .iter()
        .filter(|r| r.holdout)
        .map(|r| r.actual)
        .sum();
    assert_eq!(holdout_actual, 1882);
    // Calibration repeat purchases are the sum of x.
    let x_total: u64 = s.customers.iter().map(|c| u64::from(c.frequency)).sum();
    assert_eq!(d.tracking[38].cumulative_actual, x_total);
    assert_eq!(d.tracking[77].cumulative_actual, x_total + 1882);
    // The expected tracking follows the actual within a few percent at weeks 39 and 78 (the
    // paper's tracking plot: the model tracks the cumulative curve closely).
    for r in [&d.tracking[38], &d.tracking[77]] {
        let (a, e) = (r.cumulative_actual as f64, r.cumulative_expected);
        eprintln!("week {}: actual {a}, expected {e:.1}", r.period);
        assert!((e - a).abs() < 0.05 * a, "week {}: {e} vs {a}", r.period);
    }
    // Cumulative expectations are the model's E[X(t)] summed over the first purchases.
    let firsts: Vec<f64> = s
        .customers
        .iter()
        .map(|c| TimeUnit::Week.elapsed(c.first_purchase, hold))
        .collect();
    let direct: f64 = firsts.iter().map(|&t| m.expected_purchases_new(t)).sum();
    assert!((d.tracking[77].cumulative_expected - direct).abs() < 1e-9 * direct);

    // Frequency: 1,411 customers made no repeat purchase in calibration (the paper's figure 1);
    // the expected counts add up to the customers.
    assert_eq!(d.frequency[0].actual, 1411);
    let n: f64 = d.frequency.iter().map(|r| r.expected).sum();
    assert!((n - 2357.0).abs() < 1e-6, "{n}");
    assert_eq!(d.frequency.iter().map(|r| r.actual).sum::<u64>(), 2357);
    assert!(d.frequency[7].open_ended && d.frequency.len() == 8);
    for r in &d.frequency {
        eprintln!(
            "x = {}: actual {}, expected {:.1}",
            r.frequency, r.actual, r.expected
        );
    }

    // Conditional expectations: customers add up and the means reproduce the totals.
    let n: u64 = d.conditional.iter().map(|r| r.customers).sum();
    assert_eq!(n, 2357);
    let actual: f64 = d
        .conditional
        .iter()
        .map(|r| r.actual_mean * r.customers as f64)
        .sum();
    assert!((actual - 1882.0).abs() < 1e-6);
    let predicted: f64 = d
        .conditional
        .iter()
        .map(|r| r.predicted_mean * r.customers as f64)
        .sum();
    assert!((predicted - d.holdout_predicted).abs() < 1e-6);
    for r in &d.conditional {
        eprintln!(
            "x = {}: {} customers, actual {:.3}, predicted {:.3}",
            r.frequency, r.customers, r.actual_mean, r.predicted_mean
        );
    }
}
