//! Benchmarks of crm-metrics: NPS over 100M scores, cohort matrices over 10M transactions.
//!
//! The cohort bench reads `/tmp/tx_10m.csv` (written by `../shared/peers/gen_transactions.py`)
//! when present, or `CRM_BENCH_TX`; otherwise it generates 10M synthetic transactions in memory.
//! Parsing is outside the timed region: the figure is "after parsing".
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::BufRead;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crm_analytics::metrics::engagement::{CohortPeriod, cohort_matrix};
use crm_analytics::metrics::satisfaction::NpsState;
use crm_analytics::model::chrono::{Days, NaiveDate};
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{CustomerInterner, CustomerKey, NpsScore, Transaction};

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn nps(c: &mut Criterion) {
    let n = 100_000_000usize;
    let mut s = 7u64;
    let raw: Vec<u8> = (0..n).map(|_| (xorshift(&mut s) % 11) as u8).collect();
    let typed: Vec<NpsScore> = raw.iter().map(|&x| NpsScore::new(x).unwrap()).collect();
    let mut g = c.benchmark_group("nps");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("push_raw_u8_100m", |b| {
        b.iter(|| {
            let mut st = NpsState::new();
            st.push_raw(black_box(&raw)).unwrap();
            st.finish().unwrap().score
        })
    });
    g.bench_function("push_slice_npsscore_100m", |b| {
        b.iter(|| {
            let mut st = NpsState::new();
            st.push_slice(black_box(&typed));
            st.finish().unwrap().score
        })
    });
    g.finish();
}

/// Reads `customer_id,date,amount` quickly (integer ids, ISO dates).
fn load(path: &str) -> Option<Vec<Transaction>> {
    let f = std::fs::File::open(path).ok()?;
    let mut ids = CustomerInterner::with_capacity(1 << 20);
    let mut out = Vec::with_capacity(10_000_000);
    for line in std::io::BufReader::with_capacity(1 << 20, f)
        .lines()
        .skip(1)
    {
        let line = line.ok()?;
        let mut it = line.split(',');
        let (id, date, amount) = (it.next()?, it.next()?, it.next()?);
        let k = ids.intern_int(id.parse().ok()?).ok()?;
        let d = NaiveDate::from_ymd_opt(
            date[0..4].parse().ok()?,
            date[5..7].parse().ok()?,
            date[8..10].parse().ok()?,
        )?;
        out.push(Transaction::from_signed(
            k,
            d,
            amount.parse::<Decimal>().ok()?,
        ));
    }
    Some(out)
}

fn synthetic(n: usize, customers: u64) -> Vec<Transaction> {
    let start = NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    let mut s = 11u64;
    (0..n)
        .map(|_| {
            let c = CustomerKey::from_index((xorshift(&mut s) % customers) as u32);
            let d = start
                .checked_add_days(Days::new(xorshift(&mut s) % 730))
                .unwrap();
            Transaction::purchase(c, d, Decimal::ONE).unwrap()
        })
        .collect()
}

fn cohorts(c: &mut Criterion) {
    let path = std::env::var("CRM_BENCH_TX").unwrap_or_else(|_| "/tmp/tx_10m.csv".into());
    let (tx, source) = match load(&path) {
        Some(tx) => (tx, path),
        None => (synthetic(10_000_000, 1_000_000), "synthetic".into()),
    };
    eprintln!("cohort bench: {} transactions from {source}", tx.len());
    let mut g = c.benchmark_group("cohorts");
    g.sample_size(10);
    g.throughput(Throughput::Elements(tx.len() as u64));
    g.bench_function("monthly_10m", |b| {
        b.iter(|| cohort_matrix(black_box(&tx), CohortPeriod::Month).unwrap())
    });
    g.bench_function("weekly_10m", |b| {
        b.iter(|| cohort_matrix(black_box(&tx), CohortPeriod::Week).unwrap())
    });
    g.finish();
}

criterion_group!(benches, nps, cohorts);
criterion_main!(benches);
