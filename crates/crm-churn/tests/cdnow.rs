#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Real data: CDNOW master (23,570 customers). As of 1997-09-30, churned = no purchase from
//! 1997-10-01 to 1998-06-30. Published reference ROC AUCs on this task: BG/NBD expected
//! purchases 0.763, weeks since the last purchase 0.759, cross-validated logistic regression on
//! recency, frequency, age, spend and the BG/NBD expectation 0.772.

use chrono::NaiveDate;
use crm_churn::*;
use crm_clv::FitOptions;

#[test]
fn cdnow_churn_reference() {
    let Some(path) = crm_testdata::shared_file("cdnow/CDNOW_master.txt") else {
        return;
    };
    let (tx, _ids) = crm_testdata::cdnow_transactions(&crm_testdata::read_cdnow(&path));
    let as_of = NaiveDate::from_ymd_opt(1997, 9, 30).unwrap();
    let f = compute_features(&tx, &[], &[], &FeatureOptions::new(as_of)).unwrap();
    assert_eq!(f.len(), 23_570);
    let y: Vec<bool> = noncontractual_labels(&tx, as_of, 273)
        .unwrap()
        .iter()
        .map(|l| l.churned)
        .collect();
    let rate = y.iter().filter(|&&c| c).count() as f64 / y.len() as f64;
    assert!((rate - 0.70).abs() < 0.01, "churn rate {rate}");

    let recency: Vec<f64> = f.iter().map(|f| f.recency_days).collect();
    let auc_recency = roc_auc(&recency, &y).unwrap();
    assert!((auc_recency - 0.759).abs() < 0.002, "{auc_recency}");

    let fit = fit_bgnbd(&f, &FitOptions::default()).unwrap();
    let bg = bgnbd_scores(&fit.params, &f, 273.0, true).unwrap();
    let neg_exp: Vec<f64> = bg.iter().map(|s| -s.expected_purchases).collect();
    let auc_bg = roc_auc(&neg_exp, &y).unwrap();
    assert!((auc_bg - 0.763).abs() < 0.002, "{auc_bg}");
    // P(alive) = 1 for every one-time buyer: as a ranking score on its own it is poor.
    let dead: Vec<f64> = bg.iter().map(|s| 1.0 - s.p_alive).collect();
    assert!(roc_auc(&dead, &y).unwrap() < 0.6);
    let no_buy: Vec<f64> = bg.iter().map(|s| s.p_no_purchase).collect();
    assert!(roc_auc(&no_buy, &y).unwrap() > 0.74);

    let expectation: Vec<f64> = bg.iter().map(|s| s.expected_purchases).collect();
    let mut x = FeatureMatrix::from_features(
        &f,
        &[
            Feature::RecencyDays,
            Feature::Frequency,
            Feature::TenureDays,
            Feature::LogTotalSpend,
        ],
    );
    x.push_column("bgnbd_expected", &expectation).unwrap();
    let cv = cross_validated_probabilities(&x, &y, 10, 1, &LogisticOptions::default()).unwrap();
    let e = evaluate(&cv, &y).unwrap();
    assert!(e.roc_auc >= 0.77, "CV logistic AUC {}", e.roc_auc);
    assert!(e.top_decile_lift > 1.2);
    // Calibrated out of fold: every decile within 5 points of its observed rate.
    for b in &e.calibration {
        assert!((b.mean_score - b.observed_rate).abs() < 0.05, "{b:?}");
    }
}
