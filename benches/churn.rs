//! Benchmarks of crm-churn on 1M customers / 10M transactions: features as of a date, logistic
//! scores and BG/NBD scores (the "< 2 s after parsing" target), plus the fits.
//!
//! Data: `CRM_CHURN_BENCH_FILE` or `/tmp/tx_10m.csv` (from `../shared/peers/gen_transactions.py`,
//! `customer_id,date,amount`); when missing, 1M synthetic transactions (100k customers).
//! Run: `cargo bench --bench churn`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use crm_analytics::churn::{
    Feature, FeatureMatrix, FeatureOptions, LogisticModel, LogisticOptions, bgnbd_scores,
    compute_features, fit_bgnbd, noncontractual_labels_grouped,
};
use crm_analytics::clv::{BgNbd, FitOptions};
use crm_analytics::model::chrono::{Days, NaiveDate};
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{CustomerGroups, CustomerInterner, Transaction};
use std::hint::black_box;
use std::time::Instant;

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

/// Transactions and the date range they span.
fn load() -> (Vec<Transaction>, String) {
    let path = std::env::var("CRM_CHURN_BENCH_FILE").unwrap_or_else(|_| "/tmp/tx_10m.csv".into());
    if let Ok(text) = std::fs::read_to_string(&path) {
        let t0 = Instant::now();
        let mut ids = CustomerInterner::with_capacity(1 << 20);
        let mut tx = Vec::with_capacity(text.len() / 22);
        for line in text.lines().skip(1) {
            let mut f = line.split(',');
            let (Some(c), Some(d), Some(a)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let key = ids.intern(c).unwrap();
            let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
            let amount: Decimal = a.parse().unwrap();
            tx.push(Transaction::from_signed(key, date, amount));
        }
        eprintln!(
            "loaded {} transactions, {} customers from {path} in {:.1} s (parsing, not timed)",
            tx.len(),
            ids.len(),
            t0.elapsed().as_secs_f64()
        );
        return (tx, path);
    }
    eprintln!("{path} not found: using 1M synthetic transactions over 100k customers");
    let mut s = 7u64;
    let start = NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    let tx = (0..1_000_000)
        .map(|_| {
            let c = (xorshift(&mut s) % 100_000) as u32;
            let d = start + Days::new(xorshift(&mut s) % 730);
            let a = Decimal::new((xorshift(&mut s) % 20_000) as i64, 2);
            Transaction::purchase(crm_analytics::model::CustomerKey::from_index(c), d, a).unwrap()
        })
        .collect();
    (tx, "synthetic".into())
}

fn churn(c: &mut Criterion) {
    let (tx, _src) = load();
    let last = tx.iter().map(Transaction::date).max().unwrap();
    let horizon = 90u32;
    let as_of = last - Days::new(u64::from(horizon));
    let train_as_of = as_of - Days::new(u64::from(horizon));
    let opts = FeatureOptions::new(as_of);
    let cols = Feature::PURCHASE;

    // Fitted once, outside the timed scoring: logistic on the previous window, BG/NBD at as-of.
    let groups = CustomerGroups::new(&tx).unwrap();
    let t0 = Instant::now();
    let train = compute_features(&tx, &[], &[], &FeatureOptions::new(train_as_of)).unwrap();
    let y: Vec<bool> = noncontractual_labels_grouped(&tx, &groups, train_as_of, horizon)
        .unwrap()
        .iter()
        .map(|l| l.churned)
        .collect();
    let xtrain = FeatureMatrix::from_features(&train, &cols);
    let t1 = Instant::now();
    let model = LogisticModel::fit(&xtrain, &y, &LogisticOptions::default()).unwrap();
    eprintln!(
        "logistic fit on {} customers x {} features: {:.2} s ({} Newton iterations; training features {:.2} s)",
        train.len(),
        cols.len(),
        t1.elapsed().as_secs_f64(),
        model.iterations,
        (t1 - t0).as_secs_f64()
    );
    let features = compute_features(&tx, &[], &[], &opts).unwrap();
    let t2 = Instant::now();
    // Accept the optimiser's best point even when its strict convergence test fails.
    let bgm: BgNbd = match fit_bgnbd(&features, &FitOptions::default().require_convergence(false)) {
        Ok(bg) => {
            eprintln!(
                "BG/NBD fit on {} customers: {:.2} s, converged {} (r {:.4} alpha {:.4} a {:.4} b {:.4})",
                features.len(),
                t2.elapsed().as_secs_f64(),
                bg.report.converged,
                bg.params.r,
                bg.params.alpha,
                bg.params.a,
                bg.params.b
            );
            bg.params
        }
        Err(e) => {
            // Scoring cost does not depend on the parameter values.
            eprintln!(
                "BG/NBD fit failed after {:.2} s ({e}); scoring with the CDNOW parameters instead",
                t2.elapsed().as_secs_f64()
            );
            BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap()
        }
    };

    let mut g = c.benchmark_group("churn_1m");
    g.sample_size(10);
    g.bench_function("features", |b| {
        b.iter(|| compute_features(&tx, &[], &[], &opts).unwrap().len())
    });
    g.bench_function("logistic_scores", |b| {
        b.iter(|| {
            let x = FeatureMatrix::from_features(&features, &cols);
            model.predict(&x).unwrap().len()
        })
    });
    g.bench_function("bgnbd_p_no_purchase_p_alive", |b| {
        b.iter(|| {
            bgnbd_scores(&bgm, &features, f64::from(horizon), false)
                .unwrap()
                .len()
        })
    });
    g.bench_function("bgnbd_with_expected_purchases", |b| {
        b.iter(|| {
            bgnbd_scores(&bgm, &features, f64::from(horizon), true)
                .unwrap()
                .len()
        })
    });
    // The target: everything after parsing, end to end.
    g.bench_function("features_logistic_bgnbd_total", |b| {
        b.iter(|| {
            let f = compute_features(&tx, &[], &[], &opts).unwrap();
            let x = FeatureMatrix::from_features(&f, &cols);
            let p = model.predict(&x).unwrap();
            let s = bgnbd_scores(&bgm, &f, f64::from(horizon), false).unwrap();
            black_box((p.len(), s.len()))
        })
    });
    g.finish();
}

criterion_group!(benches, churn);
criterion_main!(benches);
