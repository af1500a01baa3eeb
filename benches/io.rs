//! Benchmarks of crm-io's readers: the CSV transaction reader (`load_transactions`), the
//! streaming RFM fold (`fold_purchases`) on CSV and on a Parquet copy, and the amount parser.
//!
//! The files are 1M synthetic rows (`customer_id,date,amount`, the shape of
//! `../shared/peers/gen_transactions.py`) written to a temporary directory once; set
//! `IO_BENCH_CSV` to a file of that shape (e.g. the 10M-row peer file) to read it instead.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crm_analytics::io::{
    AmountFormat, OutputFormat, ReadOptions, TransactionColumns, fold_purchases, load_transactions,
    parse_amount, write_table,
};
use crm_analytics::model::SameDayPurchases;
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::rfm::RfmAccumulator;

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[derive(serde::Serialize)]
struct Row {
    customer_id: u64,
    date: String,
    amount: String,
}

fn rows(n: usize) -> Vec<Row> {
    let start = NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    let mut s = 42u64;
    (0..n)
        .map(|_| {
            let c = xorshift(&mut s) % (n as u64 / 10).max(1);
            let d = start + chrono_days(xorshift(&mut s) % 730);
            let cents = 100 + (xorshift(&mut s) % 20_000) as i64;
            Row {
                customer_id: c,
                date: d.to_string(),
                amount: Decimal::new(cents, 2).to_string(),
            }
        })
        .collect()
}

fn chrono_days(n: u64) -> crm_analytics::model::chrono::Duration {
    crm_analytics::model::chrono::Duration::days(n as i64)
}

/// The CSV and Parquet files: the user's CSV (and a Parquet copy of it) or 1M synthetic rows.
fn files(dir: &Path) -> (PathBuf, PathBuf, u64) {
    let csv = match std::env::var("IO_BENCH_CSV") {
        Ok(p) => PathBuf::from(p),
        Err(_) => {
            let p = dir.join("tx.csv");
            let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
            writeln!(f, "customer_id,date,amount").unwrap();
            for r in rows(1_000_000) {
                writeln!(f, "{},{},{}", r.customer_id, r.date, r.amount).unwrap();
            }
            p
        }
    };
    let loaded = load_transactions(
        &csv,
        &TransactionColumns::default(),
        &ReadOptions::default(),
    )
    .unwrap();
    let copy: Vec<Row> = loaded
        .transactions
        .iter()
        .map(|t| Row {
            customer_id: loaded
                .ids
                .id(t.customer())
                .unwrap()
                .to_string()
                .parse()
                .unwrap(),
            date: t.date().to_string(),
            amount: t.signed_amount().to_string(),
        })
        .collect();
    let pq = dir.join("tx.parquet");
    write_table(&pq, OutputFormat::Parquet, &copy).unwrap();
    let bytes = std::fs::metadata(&csv).unwrap().len();
    (csv, pq, bytes)
}

fn readers(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (csv, pq, bytes) = files(dir.path());
    let (cols, opts) = (TransactionColumns::default(), ReadOptions::default());
    let mut g = c.benchmark_group("io");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("load_transactions_csv", |b| {
        b.iter(|| {
            black_box(
                load_transactions(&csv, &cols, &opts)
                    .unwrap()
                    .transactions
                    .len(),
            )
        })
    });
    g.bench_function("load_transactions_parquet", |b| {
        b.iter(|| {
            black_box(
                load_transactions(&pq, &cols, &opts)
                    .unwrap()
                    .transactions
                    .len(),
            )
        })
    });
    for (name, path) in [("fold_rfm_csv", &csv), ("fold_rfm_parquet", &pq)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let f = fold_purchases(path, &cols, &opts, None, || {
                    RfmAccumulator::new(SameDayPurchases::Separate)
                })
                .unwrap();
                black_box(f.ids.len())
            })
        });
    }
    g.finish();
}

fn amounts(c: &mut Criterion) {
    let texts: Vec<String> = rows(10_000).into_iter().map(|r| r.amount).collect();
    let fancy: Vec<String> = texts.iter().map(|t| format!("¥{t}")).collect();
    let mut g = c.benchmark_group("parse_amount");
    g.throughput(Throughput::Elements(texts.len() as u64));
    for (name, set) in [("plain", &texts), ("currency_symbol", &fancy)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                set.iter()
                    .map(|t| parse_amount(t, AmountFormat::default()).unwrap())
                    .fold(Decimal::ZERO, |a, x| a + x)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, readers, amounts);
criterion_main!(benches);
