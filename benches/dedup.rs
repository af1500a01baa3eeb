//! Benchmarks of crm-dedup: normalisers and the whole pipeline on synthetic customers.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crm_analytics::dedup::normalize;
use crm_analytics::dedup::pipeline::{DedupConfig, deduplicate};
use crm_analytics::dedup::synth::{SynthOptions, generate};
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

fn pipeline(c: &mut Criterion) {
    let data = generate(SynthOptions {
        records: 10_000,
        seed: 3,
        ..SynthOptions::default()
    });
    let config = DedupConfig::new(data.schema.clone());
    let mut g = c.benchmark_group("dedup");
    g.sample_size(10);
    g.throughput(Throughput::Elements(data.records.len() as u64));
    g.bench_function("synthetic_10k", |b| {
        b.iter(|| deduplicate(black_box(&data.records), &config, &mut |_| {}).unwrap())
    });
    g.finish();
}

/// FEBRL dataset2 (5000 records), in-process like the peer's timing (CSV parsing excluded).
fn febrl(c: &mut Criterion) {
    use crm_analytics::dedup::schema::{FieldKind, FieldSpec, Record, Schema};
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/febrl/dataset2.csv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("SKIPPED: {} not found", path.display());
        return;
    };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').map(str::trim).collect();
    let schema = Schema::new(
        header[1..]
            .iter()
            .map(|h| FieldSpec::new(*h, FieldKind::infer(h).unwrap())),
    );
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
