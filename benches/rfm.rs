//! Benchmarks of crm-rfm: the in-memory RFM step (transactions already parsed) on 1M synthetic
//! transactions, or on a CSV file `customer_id,date,amount` named by `RFM_BENCH_CSV` (e.g. the
//! 10M-row file of `../shared/peers/gen_transactions.py`, to compare with `pandas_rfm.py`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crm_analytics::model::chrono::{Duration, NaiveDate};
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{CustomerInterner, SameDayPurchases, Transaction};
use crm_analytics::rfm::{
    MonetaryValue, RfmAccumulator, RfmOptions, SegmentMap, TiePolicy, analyze, rfm_values,
    rfm_values_threaded,
};
use std::hint::black_box;

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Same shape as gen_transactions.py: uniform customers, uniform days over two years,
/// lognormal-ish amounts in cents.
fn synthetic(rows: usize, customers: u64) -> Vec<Transaction> {
    let start = NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    let mut s = 42u64;
    let mut ids = CustomerInterner::new();
    (0..rows)
        .map(|_| {
            let c = ids.intern_int(xorshift(&mut s) % customers).unwrap();
            let d = start + Duration::days((xorshift(&mut s) % 730) as i64);
            let cents = 100 + (xorshift(&mut s) % 20_000) as i64;
            Transaction::purchase(c, d, Decimal::new(cents, 2)).unwrap()
        })
        .collect()
}

fn from_csv(path: &str) -> Vec<Transaction> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut ids = CustomerInterner::new();
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut f = l.split(',');
            let c = ids.intern(f.next().unwrap()).unwrap();
            let d: NaiveDate = f.next().unwrap().parse().unwrap();
            let a: Decimal = f.next().unwrap().parse().unwrap();
            Transaction::from_signed(c, d, a)
        })
        .collect()
}

/// The RFM step in two halves on rayon's pool (`rayon::join`): one accumulator per half, merged.
fn values_two_threads(tx: &[Transaction]) -> usize {
    let (a, b) = tx.split_at(tx.len() / 2);
    let part = |p: &[Transaction]| {
        let mut acc = RfmAccumulator::new(SameDayPurchases::Separate);
        for t in p {
            acc.push(t).unwrap();
        }
        acc
    };
    let (mut x, y) = rayon::join(|| part(a), || part(b));
    x.merge(y).unwrap();
    x.finish(None, MonetaryValue::Total)
        .unwrap()
        .customers
        .len()
}

fn rfm(c: &mut Criterion) {
    let (label, tx) = match std::env::var("RFM_BENCH_CSV") {
        Ok(p) => ("csv", from_csv(&p)),
        Err(_) => ("synthetic", synthetic(1_000_000, 100_000)),
    };
    let n = tx.len();
    let as_of = tx.iter().map(Transaction::date).max().unwrap() + Duration::days(1);
    let opts = RfmOptions::new(as_of);
    let map = SegmentMap::standard();
    let mut g = c.benchmark_group(format!("rfm_{label}"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_with_input(BenchmarkId::new("values", n), &tx, |b, tx| {
        b.iter(|| rfm_values(black_box(tx), &opts).unwrap().customers.len())
    });
    g.bench_with_input(BenchmarkId::new("values_2_threads", n), &tx, |b, tx| {
        b.iter(|| values_two_threads(black_box(tx)))
    });
    g.bench_with_input(BenchmarkId::new("values_threaded_2", n), &tx, |b, tx| {
        b.iter(|| {
            rfm_values_threaded(black_box(tx), &opts, 2)
                .unwrap()
                .customers
                .len()
        })
    });
    let values = rfm_values(&tx, &opts).unwrap().customers;
    for (name, ties) in [
        ("score_segment_report_value", TiePolicy::ValueBased),
        ("score_segment_report_rank_first", TiePolicy::RankFirst),
    ] {
        g.bench_with_input(BenchmarkId::new(name, n), &values, |b, v| {
            b.iter(|| {
                analyze(black_box(v), 5, &ties, &map)
                    .unwrap()
                    .segments
                    .len()
            })
        });
    }
    // The whole in-memory step, as pandas_rfm.py's timed `rfm(df)` (values, R/F/M scores) plus
    // segments and the report.
    g.bench_with_input(BenchmarkId::new("full_step_value", n), &tx, |b, tx| {
        b.iter(|| {
            let t = rfm_values(black_box(tx), &opts).unwrap();
            analyze(&t.customers, 5, &TiePolicy::ValueBased, &map)
                .unwrap()
                .segments
                .len()
        })
    });
    g.bench_with_input(
        BenchmarkId::new("full_step_value_2_threads", n),
        &tx,
        |b, tx| {
            b.iter(|| {
                let t = rfm_values_threaded(black_box(tx), &opts, 2).unwrap();
                analyze(&t.customers, 5, &TiePolicy::ValueBased, &map)
                    .unwrap()
                    .segments
                    .len()
            })
        },
    );
    g.bench_with_input(BenchmarkId::new("full_step_rank_first", n), &tx, |b, tx| {
        b.iter(|| {
            let t = rfm_values(black_box(tx), &opts).unwrap();
            analyze(&t.customers, 5, &TiePolicy::RankFirst, &map)
                .unwrap()
                .segments
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, rfm);
criterion_main!(benches);
