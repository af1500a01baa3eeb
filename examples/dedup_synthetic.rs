//! Deduplicates synthetic people with known duplicates (`crm_analytics::demo::people`) and reports
//! speed and quality. `cargo run --release --example dedup_synthetic -- 1000000` runs the
//! 1M-record scale test; without an argument it runs 20 000 records. A second argument chooses
//! the phonetic code of names (`soundex`, the default, or `double_metaphone`), a third the style
//! of people (`contact`, the default: CRM contacts in Chinese and English; or `febrl`).

use std::time::Instant;

use crm_analytics::dedup::eval::{evaluate_clusters, pairs_completeness};
use crm_analytics::dedup::phonetic::PhoneticCode;
use crm_analytics::dedup::pipeline::{DedupConfig, Progress, deduplicate};
use crm_analytics::dedup::schema::{Record, Schema};
use crm_analytics::demo::people::{PeopleOptions, PeopleStyle, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(a) => a.parse()?,
        None => 20_000,
    };
    let style = match std::env::args().nth(3) {
        Some(s) => PeopleStyle::parse(&s)?,
        None => PeopleStyle::Contact,
    };
    let t0 = Instant::now();
    let opts = PeopleOptions {
        records: n,
        seed: 7,
        ..PeopleOptions::new(style)
    };
    let people = generate(&opts)?;
    let gen_s = t0.elapsed().as_secs_f64();
    println!(
        "generated {n} {} records in {gen_s:.2} s; sample:",
        style.as_str()
    );
    for r in people.iter().take(3) {
        println!("  {} {:?}", r.id, r.values);
    }
    // The records as crm-dedup sees them: kinds inferred from the column names.
    let records: Vec<Record> = (people.iter())
        .map(|r| Record::new(&r.id, &r.values))
        .collect();
    let entity: Vec<u64> = people.iter().map(|r| r.entity).collect();
    let mut config = DedupConfig::new(Schema::infer(style.columns())?);
    if let Some(code) = std::env::args().nth(2) {
        config.normalize.phonetic = PhoneticCode::parse(&code)?;
    }
    println!("phonetic code: {}", config.normalize.phonetic.as_str());
    let t1 = Instant::now();
    let mut last = None;
    let mut progress = |p: Progress| {
        if last != Some(p.stage) {
            eprintln!("  [{:>6.2} s] {:?}", t1.elapsed().as_secs_f64(), p.stage);
            last = Some(p.stage);
        }
    };
    let r = deduplicate(&records, &config, &mut progress)?;
    let secs = t1.elapsed().as_secs_f64();
    let m = evaluate_clusters(&r.clustering.labels, &entity)?;
    let pc = pairs_completeness(&r.pairs, &entity);
    // `None` only when every cluster is a group of exact duplicates.
    let Some(model) = r.model.as_ref() else {
        println!("no model trained: every cluster is a group of exact duplicates");
        return Ok(());
    };
    println!(
        "dedup of {n} records: {secs:.2} s; candidate pairs {} (reduction ratio {:.6}); skipped rules {:?}",
        r.blocking.candidate_pairs,
        r.blocking.reduction_ratio.unwrap_or(f64::NAN),
        r.blocking.skipped_rules
    );
    println!(
        "pairs per rule {:?}; prior {:.5}",
        r.blocking.pairs_per_rule, model.prior
    );
    for f in &model.fields {
        let w: Vec<String> = (0..4)
            .map(|l| format!("{:.2}", (f.m[l] / f.u[l]).log2()))
            .collect();
        println!(
            "  {:<14} m {:.3?} u {:.5?} weights {}",
            f.name,
            f.m,
            f.u,
            w.join(" ")
        );
    }
    println!(
        "clusters {}; pairs completeness {:.4}; precision {:.4} recall {:.4} F1 {:.4}",
        r.clustering.n_clusters,
        pc.unwrap_or(f64::NAN),
        m.precision.unwrap_or(f64::NAN),
        m.recall.unwrap_or(f64::NAN),
        m.f1.unwrap_or(f64::NAN)
    );
    Ok(())
}
