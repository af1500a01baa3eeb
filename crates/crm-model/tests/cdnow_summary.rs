//! Reference test: the CDNOW calibration summary of Fader, Hardie & Lee (2005), reproduced from
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! the raw 1/10 sample (`CDNOW_sample.txt`), calibration end 1997-09-30, time in weeks.

use crm_model::chrono::NaiveDate;
use crm_model::{SummaryOptions, TimeUnit, summarize_with_holdout, to_f64};
use crm_testdata::{cdnow_transactions, read_cdnow, read_cdnow_summary, shared_file};

#[test]
fn reproduces_published_cdnow_summary() {
    let (Some(sample), Some(published)) = (
        shared_file("cdnow/CDNOW_sample.txt"),
        shared_file("cdnow/cdnow_customers_summary_with_transactions.csv"),
    ) else {
        return;
    };
    let rows = read_cdnow(&sample);
    let (tx, ids) = cdnow_transactions(&rows);
    let cal_end = NaiveDate::from_ymd_opt(1997, 9, 30).unwrap();
    let hold_end = NaiveDate::from_ymd_opt(1998, 6, 30).unwrap();
    let opts = SummaryOptions::new(cal_end, TimeUnit::Week);
    let ours = summarize_with_holdout(&tx, &opts, hold_end).unwrap();
    let published = read_cdnow_summary(&published);
    assert_eq!(published.len(), 2357);
    assert_eq!(
        ours.customers.len(),
        2357,
        "every sample customer first bought in 1997Q1"
    );
    assert_eq!(ours.first_seen_in_holdout, 0);
    let mut by_id = std::collections::HashMap::new();
    for c in &ours.customers {
        by_id.insert(ids.id(c.calibration.customer).unwrap().to_string(), c);
    }
    let mut max_dt = 0.0f64;
    let mut max_dz = 0.0f64;
    for p in &published {
        let c = by_id[&p.id.to_string()];
        let s = &c.calibration;
        assert_eq!(s.frequency, p.x, "x of customer {}", p.id);
        let dt = (s.recency - p.t_x).abs().max((s.age - p.t).abs());
        assert!(dt <= 0.005, "t_x/T of customer {}: {s:?} vs {p:?}", p.id);
        let z = s.monetary.map_or(0.0, to_f64);
        let dz = (z - p.zbar).abs();
        assert!(dz <= 0.01, "zbar of customer {}: {z} vs {}", p.id, p.zbar);
        max_dt = max_dt.max(dt);
        max_dz = max_dz.max(dz);
    }
    eprintln!("max |dt| = {max_dt:.5} weeks, max |dzbar| = {max_dz:.5}");
    // Holdout: 1,882 repeat transactions in weeks 40-78 (the papers' tracking figure).
    let holdout: u32 = ours.customers.iter().map(|c| c.holdout_frequency).sum();
    assert_eq!(holdout, 1882);
    assert!((ours.customers[0].holdout_duration - 39.0).abs() < 1e-12);
}
