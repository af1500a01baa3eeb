//! Benchmarks of crm-clv: BG/NBD and Pareto/NBD fits on CDNOW, a BG/NBD fit on one million
//! simulated customers, and predictions for one million customers.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crm_analytics::clv::{
    BgNbd, ClvOptions, FitOptions, GammaGamma, Histories, History, MbgNbd, ParetoNbd,
    PurchaseModel, Spends, predict_clv_batch,
};

/// The CDNOW calibration summary (x, t_x, T, zbar), or `None` when the shared data is absent.
fn cdnow() -> Option<Vec<(u32, f64, f64, f64)>> {
    let dir = std::env::var_os("CRM_SHARED_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
        PathBuf::from,
    );
    let text =
        std::fs::read_to_string(dir.join("cdnow/cdnow_customers_summary_with_transactions.csv"))
            .ok()?;
    Some(
        text.lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (
                    f[1].parse().unwrap(),
                    f[2].parse().unwrap(),
                    f[3].parse().unwrap(),
                    f[4].parse().unwrap(),
                )
            })
            .collect(),
    )
}

fn fits_cdnow(c: &mut Criterion) {
    let Some(rows) = cdnow() else {
        eprintln!("SKIPPED: CDNOW summary not found (set CRM_SHARED_DATA)");
        return;
    };
    let data =
        Histories::from_weighted(rows.iter().map(|r| (History::new(r.0, r.1, r.2), 1.0))).unwrap();
    let opts = FitOptions::default();
    let mut g = c.benchmark_group("clv_fit_cdnow");
    g.bench_function("bgnbd", |b| {
        b.iter(|| BgNbd::fit(black_box(&data), &opts).unwrap())
    });
    g.bench_function("pnbd", |b| {
        b.iter(|| ParetoNbd::fit(black_box(&data), &opts).unwrap())
    });
    let x: Vec<u32> = rows.iter().map(|r| r.0).collect();
    let z: Vec<f64> = rows.iter().map(|r| r.3).collect();
    let spends = Spends::from_slices(&x, &z, None).unwrap();
    g.bench_function("gg", |b| {
        b.iter(|| GammaGamma::fit(black_box(&spends), &opts).unwrap())
    });
    // Grouping included: from raw columns to a fitted model.
    let tx: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let t: Vec<f64> = rows.iter().map(|r| r.2).collect();
    g.bench_function("bgnbd_with_grouping", |b| {
        b.iter(|| {
            let d = Histories::from_slices(black_box(&x), &tx, &t, None).unwrap();
            BgNbd::fit(&d, &opts).unwrap()
        })
    });
    g.finish();
}

/// One million simulated BG/NBD customers observed up to week 78 after the first joined.
/// `distinct`: join times are continuous, so every (x, t_x, T) is distinct (the worst case for
/// grouping and caching); otherwise customers join on 365 different days (daily data).
fn million(distinct: bool) -> Vec<History> {
    let truth = BgNbd::new(0.25, 4.0, 0.8, 2.5).unwrap();
    let ages: Vec<f64> = (0..1_000_000)
        .map(|i| {
            if distinct {
                78.0 - 52.0 * i as f64 / 1e6
            } else {
                78.0 - (i % 365) as f64 / 7.0
            }
        })
        .collect();
    truth.simulate(&ages, 2024)
}

fn fit_million(c: &mut Criterion) {
    let sim = million(true);
    let data = Histories::from_weighted(sim.iter().map(|h| (*h, 1.0))).unwrap();
    eprintln!(
        "1M simulated customers -> {} distinct histories",
        data.len()
    );
    let opts = FitOptions::default();
    let mut g = c.benchmark_group("clv_fit_1m");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.throughput(Throughput::Elements(sim.len() as u64));
    g.bench_function("bgnbd_fit", |b| {
        b.iter(|| BgNbd::fit(black_box(&data), &opts).unwrap())
    });
    g.bench_function("bgnbd_group_and_fit", |b| {
        b.iter(|| {
            let d = Histories::from_weighted(sim.iter().map(|h| (*h, 1.0))).unwrap();
            BgNbd::fit(&d, &opts).unwrap()
        })
    });
    g.finish();
}

/// p_alive, expected purchases, p_no_purchase, expected spend, CLV.
type CliRow = (f64, f64, f64, Option<f64>, Option<f64>);

fn predict_million(c: &mut Criterion) {
    let sim = million(true);
    let daily = million(false);
    let bg = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap();
    let pn = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
    let mut g = c.benchmark_group("clv_predict_1m");
    g.sample_size(10);
    g.throughput(Throughput::Elements(sim.len() as u64));
    g.bench_function("bgnbd_p_alive", |b| {
        b.iter(|| sim.iter().map(|h| bg.p_alive(h)).sum::<f64>())
    });
    g.bench_function("bgnbd_expected_39", |b| {
        b.iter(|| {
            sim.iter()
                .map(|h| bg.conditional_expected_purchases(39.0, h))
                .sum::<f64>()
        })
    });
    g.bench_function("bgnbd_p_no_purchase_39", |b| {
        b.iter(|| sim.iter().map(|h| bg.p_no_purchase(39.0, h)).sum::<f64>())
    });
    g.bench_function("bgnbd_batch_all_three", |b| {
        b.iter(|| bg.predict_batch(black_box(&sim), 39.0))
    });
    g.bench_function("bgnbd_batch_all_three_daily_cohorts", |b| {
        b.iter(|| bg.predict_batch(black_box(&daily), 39.0))
    });
    g.bench_function("pnbd_batch_all_three", |b| {
        b.iter(|| pn.predict_batch(black_box(&sim), 39.0))
    });
    g.bench_function("pnbd_p_alive", |b| {
        b.iter(|| sim.iter().map(|h| pn.p_alive(h)).sum::<f64>())
    });
    let mb = MbgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap();
    g.bench_function("mbgnbd_batch_all_three", |b| {
        b.iter(|| mb.predict_batch(black_box(&sim), 39.0))
    });
    // The computation of a `crm clv predict --spend-params` row without the file IO: the three
    // predictions, Gamma-Gamma expected spend and CLV over 39 weeks (default: undiscounted).
    let gg = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
    let xs: Vec<u32> = sim.iter().map(|h| h.x).collect();
    let zbar = gg.simulate(&xs, 9);
    let plain = ClvOptions::new(39.0, 0.0, 1.0).unwrap();
    let weekly = ClvOptions::new(39.0, 0.01, 1.0).unwrap();
    fn cli_rows<M: PurchaseModel + Sync>(
        m: &M,
        hs: &[History],
        gg: &GammaGamma,
        zbar: &[f64],
        o: &ClvOptions,
    ) -> Vec<CliRow> {
        predict_clv_batch(m, hs, o)
            .iter()
            .zip(hs.iter().zip(zbar))
            .map(|(c, (h, z))| {
                let spend = gg.conditional_expected_spend(h.x, *z);
                let p = c.prediction;
                (
                    p.p_alive,
                    p.expected_purchases,
                    p.p_no_purchase,
                    spend,
                    spend.map(|s| s * c.clv_per_spend),
                )
            })
            .collect()
    }
    g.bench_function("bgnbd_cli_row", |b| {
        b.iter(|| cli_rows(&bg, black_box(&sim), &gg, &zbar, &plain))
    });
    g.bench_function("mbgnbd_cli_row", |b| {
        b.iter(|| cli_rows(&mb, black_box(&sim), &gg, &zbar, &plain))
    });
    g.bench_function("pnbd_cli_row", |b| {
        b.iter(|| cli_rows(&pn, black_box(&sim), &gg, &zbar, &plain))
    });
    g.bench_function("pnbd_cli_row_discounted_1pct_weekly", |b| {
        b.iter(|| cli_rows(&pn, black_box(&sim), &gg, &zbar, &weekly))
    });
    // Discounted CLV per unit of spend (39 weekly periods, 1% per week) with the three
    // predictions: `predict_clv_batch` alone.
    g.bench_function("bgnbd_clv_discounted", |b| {
        b.iter(|| predict_clv_batch(&bg, black_box(&sim), &weekly))
    });
    g.bench_function("mbgnbd_clv_discounted", |b| {
        b.iter(|| predict_clv_batch(&mb, black_box(&sim), &weekly))
    });
    g.bench_function("pnbd_clv_discounted", |b| {
        b.iter(|| predict_clv_batch(&pn, black_box(&sim), &weekly))
    });
    g.bench_function("bgnbd_clv_discounted_daily_cohorts", |b| {
        b.iter(|| predict_clv_batch(&bg, black_box(&daily), &weekly))
    });
    g.finish();
}

criterion_group!(benches, fits_cdnow, fit_million, predict_million);
criterion_main!(benches);
