//! Benchmarks of crm-model: customer-id interning and purchase summaries.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{
    CustomerInterner, CustomerKey, SummaryOptions, TimeUnit, Transaction, summarize,
};
use std::hint::black_box;

/// Deterministic pseudo-random stream (xorshift), so benches need no RNG crate.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn interning(c: &mut Criterion) {
    let n = 1_000_000usize;
    let mut s = 42u64;
    let ints: Vec<String> = (0..n)
        .map(|_| (xorshift(&mut s) % 100_000).to_string())
        .collect();
    let strs: Vec<String> = (0..n)
        .map(|_| format!("C-{:08}", xorshift(&mut s) % 100_000))
        .collect();
    let mut g = c.benchmark_group("intern");
    g.throughput(Throughput::Elements(n as u64));
    for (name, data) in [("integer_ids", &ints), ("string_ids", &strs)] {
        g.bench_with_input(BenchmarkId::new(name, n), data, |b, data| {
            b.iter(|| {
                let mut i = CustomerInterner::new();
                for t in data {
                    black_box(i.intern(t).unwrap());
                }
                i.len()
            })
        });
    }
    g.finish();
    // Hashing/comparing the key type itself.
    let keys: Vec<CustomerKey> = (0..n)
        .map(|_| CustomerKey::from_index((xorshift(&mut s) % 100_000) as u32))
        .collect();
    c.bench_function("key_hashset_1m", |b| {
        b.iter(|| {
            let set: std::collections::HashSet<
                CustomerKey,
                std::hash::BuildHasherDefault<DefaultHasherFx>,
            > = keys.iter().copied().collect();
            set.len()
        })
    });
}

/// Minimal FNV-style hasher for the key benchmark (the interner itself uses rustc-hash).
#[derive(Default)]
struct DefaultHasherFx(u64);
impl std::hash::Hasher for DefaultHasherFx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100000001b3);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(0x9E3779B97F4A7C15);
    }
}

fn summary(c: &mut Criterion) {
    let n = 1_000_000usize;
    let start = NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    let mut s = 7u64;
    let tx: Vec<Transaction> = (0..n)
        .map(|_| {
            let k = CustomerKey::from_index((xorshift(&mut s) % 100_000) as u32);
            let d = start + chrono_days(xorshift(&mut s) % 730);
            Transaction::purchase(k, d, Decimal::new((xorshift(&mut s) % 10_000) as i64, 2))
                .unwrap()
        })
        .collect();
    let opts = SummaryOptions::new(
        NaiveDate::from_ymd_opt(2023, 12, 31).unwrap(),
        TimeUnit::Week,
    );
    let mut g = c.benchmark_group("summarize");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    g.bench_function("1m_tx_100k_customers", |b| {
        b.iter(|| summarize(black_box(&tx), &opts).unwrap())
    });
    g.finish();
}

fn chrono_days(n: u64) -> crm_analytics::model::chrono::Duration {
    crm_analytics::model::chrono::Duration::days(n as i64)
}

/// The purchase summary of the whole CDNOW master file (69,659 rows, 23,570 customers), the
/// workload `lifetimes.utils.summary_data_from_transaction_data` is timed on in
/// `scripts/peer_summary.py`.
fn cdnow_master(c: &mut Criterion) {
    let Some(path) = crm_testdata::shared_file("cdnow/CDNOW_master.txt") else {
        return;
    };
    let rows = crm_testdata::read_cdnow(&path);
    let (tx, _) = crm_testdata::cdnow_transactions(&rows);
    let opts = SummaryOptions::new(
        NaiveDate::from_ymd_opt(1998, 6, 30).unwrap(),
        TimeUnit::Week,
    );
    let total: u64 = summarize(&tx, &opts)
        .unwrap()
        .customers
        .iter()
        .map(|c| u64::from(c.frequency))
        .sum();
    eprintln!("cdnow master: {} rows, checksum sum(x) = {total}", tx.len());
    c.bench_function("summarize_cdnow_master", |b| {
        b.iter(|| summarize(black_box(&tx), &opts).unwrap())
    });
}

criterion_group!(benches, interning, summary, cdnow_master);
criterion_main!(benches);
