//! Benchmarks of crm-dedup: normalisers and the whole pipeline on synthetic people from
//! `crm_analytics::demo::people` (CRM contacts at 10,000 records, FEBRL-style people at 200,000)
//! and on FEBRL 2.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crm_analytics::dedup::normalize;
use crm_analytics::dedup::pipeline::{DedupConfig, deduplicate};
use crm_analytics::dedup::schema::{Record, Schema};
use crm_analytics::demo::people::{PeopleOptions, PeopleStyle, generate};
use std::hint::black_box;

fn normalisers(c: &mut Criterion) {
    let mut g = c.benchmark_group("normalize");
    g.bench_function("phone_cn_mobile", |b| {
        b.iter(|| normalize::phone(black_box("+86 138-1234-5678"), "CN"))
    });
    g.bench_function("phone_cn_landline", |b| {
        b.iter(|| normalize::phone(black_box("(010) 6552 9988"), "CN"))
    });
    g.bench_function("company_cn", |b| {
        b.iter(|| normalize::company(black_box("（北京）华信科技股份有限公司")))
    });
    g.bench_function("person_name", |b| {
        b.iter(|| normalize::person_name(black_box("Smith, John")))
    });
    g.finish();
}

/// `records` synthetic people of `style` (seed 3) as dedup records, kinds inferred from the
/// column names as `crm dedup` infers them.
fn people(style: PeopleStyle, records: usize) -> (Schema, Vec<Record>) {
    let opts = PeopleOptions {
        records,
        seed: 3,
        ..PeopleOptions::new(style)
    };
    let data = generate(&opts).unwrap();
    let recs = (data.iter())
        .map(|r| Record::new(&r.id, &r.values))
        .collect();
    (Schema::infer(style.columns()).unwrap(), recs)
}

fn pipeline(c: &mut Criterion) {
    let mut g = c.benchmark_group("dedup");
    g.sample_size(10);
    for (name, style, n) in [
        ("synthetic_10k", PeopleStyle::Contact, 10_000),
        ("febrl_synthetic_200k", PeopleStyle::Febrl, 200_000),
    ] {
        let (schema, records) = people(style, n);
        let config = DedupConfig::new(schema);
        g.throughput(Throughput::Elements(records.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| deduplicate(black_box(&records), &config, &mut |_| {}).unwrap())
        });
    }
    g.finish();
}

/// FEBRL dataset2 (5000 records), in-process like the peer's timing (CSV parsing excluded).
fn febrl(c: &mut Criterion) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/febrl/dataset2.csv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("SKIPPED: {} not found", path.display());
        return;
    };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').map(str::trim).collect();
    let schema = Schema::infer(&header[1..]).unwrap();
    let records: Vec<Record> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split(',').map(str::trim).collect();
            Record::new(cells[0], cells[1..].iter().copied())
        })
        .collect();
    let config = DedupConfig::new(schema);
    let mut g = c.benchmark_group("dedup");
    g.sample_size(20);
    g.bench_function("febrl_dataset2", |b| {
        b.iter(|| deduplicate(black_box(&records), &config, &mut |_| {}).unwrap())
    });
    g.finish();
}

criterion_group!(benches, normalisers, pipeline, febrl);
criterion_main!(benches);
