//! Churn scores on the CDNOW data set, evaluated honestly.
//!
//! Run: `cargo run --release --example churn_cdnow [CDNOW_master.txt]`
//! (default: `$CRM_SHARED_DATA/cdnow/CDNOW_master.txt`, else `../shared/data/...` beside the
//! workspace; prints a note and exits 0 when the file is missing).
//!
//! Task (the published benchmark): as of 1997-09-30, which of the 23,570 customers will make no
//! purchase from 1997-10-01 to 1998-06-30 (273 days)? About 70% of them. Reference ROC AUCs:
//! BG/NBD expected purchases 0.763, weeks since the last purchase 0.759, a cross-validated
//! logistic regression on recency, frequency, age, spend and the BG/NBD expectation 0.772.
//!
//! Every feature is computed from purchases up to 1997-09-30 only; the BG/NBD model is fitted on
//! the same pre-as-of histories (no labels); the logistic models are scored out of fold (10-fold
//! cross-validation), so no customer is scored by a model that saw its label.

use std::error::Error;
use std::path::PathBuf;

use crm_analytics::churn::{
    ConfidenceBand, Evaluation, Feature, FeatureMatrix, FeatureOptions, KaplanMeier, LogisticModel,
    LogisticOptions, RuleSet, bgnbd_scores, compute_features, cross_validated_probabilities,
    evaluate, fit_bgnbd, lifetimes_from_transactions, noncontractual_labels,
};
use crm_analytics::clv::FitOptions;
use crm_analytics::io::{Delimiter, ReadOptions, TransactionColumns, load_transactions};
use crm_analytics::model::chrono::NaiveDate;

fn data_path() -> PathBuf {
    if let Some(p) = std::env::args().nth(1) {
        return p.into();
    }
    let dir = std::env::var_os("CRM_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
        PathBuf::from,
    );
    dir.join("cdnow/CDNOW_master.txt")
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = data_path();
    if !path.is_file() {
        println!(
            "note: {} not found; set CRM_SHARED_DATA or pass the file path. Nothing to do.",
            path.display()
        );
        return Ok(());
    }
    // A header line, then whitespace-separated: customer_id date(YYYYMMDD) number_of_cds
    // dollar_value.
    let cols = TransactionColumns {
        amount: Some("dollar_value".into()),
        ..TransactionColumns::default()
    };
    let opts = ReadOptions {
        delimiter: Delimiter::Whitespace,
        ..ReadOptions::default()
    };
    let loaded = load_transactions(&path, &cols, &opts)?;
    let (ids, tx) = (loaded.ids, loaded.transactions);

    let as_of = NaiveDate::from_ymd_opt(1997, 9, 30).ok_or("date")?;
    let horizon = 273; // 1997-10-01 ..= 1998-06-30
    let features = compute_features(&tx, &[], &[], &FeatureOptions::new(as_of))?;
    let labels: Vec<bool> = noncontractual_labels(&tx, as_of, horizon)?
        .iter()
        .map(|l| l.churned)
        .collect();
    let churners = labels.iter().filter(|&&c| c).count();
    println!(
        "CDNOW: {} customers as of {as_of}, {} churned in the next {horizon} days ({:.1}%)\n",
        features.len(),
        churners,
        100.0 * churners as f64 / features.len() as f64
    );

    // BG/NBD, fitted on the pre-as-of histories (weeks).
    let fit = fit_bgnbd(&features, &FitOptions::default())?;
    let m = fit.params;
    println!(
        "BG/NBD (weeks): r {:.4}, alpha {:.4}, a {:.4}, b {:.4}, LL {:.2}",
        m.r, m.alpha, m.a, m.b, fit.report.log_likelihood
    );
    let bg = bgnbd_scores(&m, &features, f64::from(horizon), true)?;

    let mut scores: Vec<(&str, Vec<f64>)> = vec![
        (
            "weeks since last purchase",
            features.iter().map(|f| f.recency_days / 7.0).collect(),
        ),
        (
            "BG/NBD P(no purchase in 273 days)",
            bg.iter().map(|s| s.p_no_purchase).collect(),
        ),
        (
            "BG/NBD expected purchases (negated)",
            bg.iter().map(|s| -s.expected_purchases).collect(),
        ),
        (
            "BG/NBD 1 - P(alive)",
            bg.iter().map(|s| 1.0 - s.p_alive).collect(),
        ),
    ];
    let rules = RuleSet::default().score(&features)?;
    scores.push((
        "rules (default set)",
        rules.iter().map(|r| r.score).collect(),
    ));
    // Rules for transaction-only data: silence thresholds, as data.
    let silence: RuleSet = serde_json::from_str(
        r#"{ "rules": [
            { "name": "no_order_90d",  "when": { "kind": "no_order_for_days", "days": 90 } },
            { "name": "no_order_180d", "when": { "kind": "no_order_for_days", "days": 180 } },
            { "name": "late_vs_usual_gap", "when": { "kind": "late_versus_usual_gap", "ratio": 2.0 } }
          ], "high_at": 2, "medium_at": 1 }"#,
    )?;
    let silence = silence.score(&features)?;
    scores.push((
        "rules (silence only: 90d, 180d, 2x usual gap)",
        silence.iter().map(|r| r.score).collect(),
    ));

    // Logistic regressions, 10-fold cross-validated.
    let opts = LogisticOptions::default();
    let expectation: Vec<f64> = bg.iter().map(|s| s.expected_purchases).collect();
    let mut reference = FeatureMatrix::from_features(
        &features,
        &[
            Feature::RecencyDays,
            Feature::Frequency,
            Feature::TenureDays,
            Feature::LogTotalSpend,
        ],
    );
    reference.push_column("bgnbd_expected", &expectation)?;
    scores.push((
        "logistic CV: recency, frequency, age, spend, BG/NBD",
        cross_validated_probabilities(&reference, &labels, 10, 1, &opts)?,
    ));
    let mut ours = FeatureMatrix::from_features(
        &features,
        &[
            Feature::LogRecency,
            Feature::LogFrequency,
            Feature::LogMonetary,
            Feature::TenureDays,
            Feature::Trend,
            Feature::PurchasesLastWindow,
            Feature::LogGapRatio,
            Feature::OneTimeBuyer,
        ],
    );
    ours.push_column("bgnbd_expected", &expectation)?;
    ours.push_column(
        "bgnbd_p_no_purchase",
        &bg.iter().map(|s| s.p_no_purchase).collect::<Vec<_>>(),
    )?;
    scores.push((
        "logistic CV: all purchase features + BG/NBD",
        cross_validated_probabilities(&ours, &labels, 10, 1, &opts)?,
    ));

    println!(
        "\n{:<52} {:>7} {:>7} {:>8} {:>7} {:>9}",
        "score", "ROC AUC", "PR AUC", "log loss", "Brier", "top-10% lift"
    );
    let mut evals: Vec<(&str, Evaluation)> = Vec::new();
    for (name, s) in &scores {
        let e = evaluate(s, &labels)?;
        // Log loss and Brier only for scores meant as probabilities of the label.
        let probability = name.starts_with("BG/NBD P(") || name.starts_with("logistic");
        let opt = |v: Option<f64>| {
            v.filter(|_| probability)
                .map_or_else(|| "-".to_string(), |v| format!("{v:.4}"))
        };
        println!(
            "{name:<52} {:>7.4} {:>7.4} {:>8} {:>7} {:>9.3}",
            e.roc_auc,
            e.pr_auc,
            opt(e.log_loss),
            opt(e.brier),
            e.top_decile_lift
        );
        evals.push((name, e));
    }
    let best = evals
        .iter()
        .max_by(|a, b| a.1.roc_auc.total_cmp(&b.1.roc_auc))
        .ok_or("no scores")?;
    println!("\nbest: {} (ROC AUC {:.4})", best.0, best.1.roc_auc);
    for (name, e) in &evals {
        if !(name.starts_with("BG/NBD P(") || name.starts_with("logistic")) {
            continue;
        }
        println!("\ncalibration by decile, {name} (1 = highest scores):");
        println!("decile      n  mean score  observed churn");
        for b in &e.calibration {
            println!(
                "{:>6} {:>6} {:>11.3} {:>15.3}",
                b.decile, b.n, b.mean_score, b.observed_rate
            );
        }
    }

    // Survival: customer lifetimes up to the as-of date, churn inferred after 180 silent days
    // (customers seen within the last 180 days are censored). The lifetime of an inferred churner
    // ends at the last purchase, so one-time buyers churn at day 0: S(0) is the share of
    // customers who bought again or are still within 180 days of their only purchase.
    let lt = lifetimes_from_transactions(&tx, as_of, 180)?;
    let days: Vec<f64> = lt.iter().map(|l| l.days).collect();
    let churned: Vec<bool> = lt.iter().map(|l| l.churned).collect();
    let km = KaplanMeier::fit(&days, &churned, 0.95, ConfidenceBand::LogLog)?;
    let band = |t: f64| {
        km.steps
            .iter()
            .take_while(|s| s.time <= t)
            .last()
            .map_or((1.0, 1.0), |s| (s.lower, s.upper))
    };
    println!(
        "\nKaplan-Meier (inactivity 180 days): {} lifetimes, {} churned; median lifetime {} days",
        km.n,
        km.events,
        km.median()
            .map_or_else(|| "beyond the data".to_string(), |m| m.to_string())
    );
    for t in [0.0, 30.0, 90.0, 180.0] {
        let (lo, hi) = band(t);
        println!(
            "  S({t:>3} days) = {:.3}  95% band [{lo:.3}, {hi:.3}]",
            km.survival_at(t)
        );
    }

    // What drives the model: odds ratios per standard deviation, fitted on everyone.
    let full = LogisticModel::fit(&ours, &labels, &opts)?;
    println!("\nlogistic (all features), odds ratio per +1 SD:");
    for (n, or) in full.names.iter().zip(full.odds_ratios_per_sd()) {
        println!("  {n:<22} {or:>7.3}");
    }
    let i = 0;
    let why: Vec<String> = full
        .top_contributions(&ours, i, 3)?
        .iter()
        .map(|c| format!("{} (+{:.2} log-odds)", c.feature, c.log_odds))
        .collect();
    println!(
        "customer {}: P(churn) {:.2}, because {}",
        ids.id(features[i].customer)
            .map_or_else(String::new, ToString::to_string),
        full.predict_row(ours.row(i)),
        why.join(", ")
    );
    Ok(())
}
