#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Reference tests on FEBRL 1 and 2: one unsupervised configuration (kinds inferred from the
//! column names, default blocking, EM, threshold 0.5, chaining guard 0.5) must reach F1 >= 0.95
//! with pairs completeness >= 0.97 on both.

use crm_dedup::eval::{evaluate_clusters, pairs_completeness};
use crm_dedup::phonetic::PhoneticCode;
use crm_dedup::pipeline::{DedupConfig, deduplicate};
use crm_dedup::schema::{FieldKind, FieldSpec, Record, Schema};

/// Reads a FEBRL CSV (", " separated, no quoting); returns schema, records, entity ids.
fn load(rel: &str) -> Option<(Schema, Vec<Record>, Vec<String>)> {
    let path = crm_testdata::shared_file(rel)?;
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let id_col = header.iter().position(|h| h == "rec_id").unwrap();
    let fields: Vec<(usize, FieldSpec)> = header
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != id_col)
        .map(|(i, h)| (i, FieldSpec::new(h.clone(), FieldKind::infer(h).unwrap())))
        .collect();
    let schema = Schema::new(fields.iter().map(|f| f.1.clone()));
    let mut records = Vec::new();
    let mut entity = Vec::new();
    for l in lines.filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = l.split(',').map(str::trim).collect();
        let id = cells[id_col].to_string();
        entity.push(id.split('-').nth(1).unwrap().to_string());
        records.push(Record::new(id, fields.iter().map(|(i, _)| cells[*i])));
    }
    Some((schema, records, entity))
}

fn check(rel: &str, code: PhoneticCode) {
    let Some((schema, records, entity)) = load(rel) else {
        return;
    };
    let kinds: Vec<&str> = schema.fields.iter().map(|f| f.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "given_name",
            "surname",
            "exact",
            "address",
            "address",
            "city",
            "postcode",
            "state",
            "date",
            "exact"
        ]
    );
    let mut config = DedupConfig::new(schema);
    config.normalize.phonetic = code;
    let r = deduplicate(&records, &config, &mut |_| {}).unwrap();
    // Exact duplicates are folded before blocking and always share a cluster: their pairs count
    // as found.
    let mut pairs = r.pairs.clone();
    for (i, &g) in r.exact.group.iter().enumerate() {
        let rep = r.exact.representatives[g as usize];
        if rep != i {
            for (j, &h) in r.exact.group.iter().enumerate().take(i) {
                if h == g {
                    pairs.push((j as u32, i as u32));
                }
            }
        }
    }
    eprintln!(
        "{rel}: {} records folded as exact duplicates",
        r.exact.folded()
    );
    let pc = pairs_completeness(&pairs, &entity).unwrap();
    let m = evaluate_clusters(&r.clustering.labels, &entity).unwrap();
    eprintln!(
        "{rel} ({}): per_rule={:?} candidates={} rr={:.4} pc={pc:.4} precision={:.4} recall={:.4} f1={:.4} prior={:.4} em_iter={}",
        code.as_str(),
        r.blocking.pairs_per_rule,
        r.blocking.candidate_pairs,
        r.blocking.reduction_ratio.unwrap(),
        m.precision.unwrap(),
        m.recall.unwrap(),
        m.f1.unwrap(),
        r.model.as_ref().unwrap().prior,
        r.model.as_ref().unwrap().em_iterations
    );
    assert!(pc >= 0.97, "{rel}: pairs completeness {pc}");
    assert!(m.f1.unwrap() >= 0.95, "{rel}: F1 {:?}", m.f1);
}

#[test]
fn febrl_dataset1() {
    check("febrl/dataset1.csv", PhoneticCode::Soundex);
}

#[test]
fn febrl_dataset2() {
    check("febrl/dataset2.csv", PhoneticCode::Soundex);
}

/// The same configuration with Double Metaphone name codes meets the same bar.
#[test]
fn febrl_dataset1_double_metaphone() {
    check("febrl/dataset1.csv", PhoneticCode::DoubleMetaphone);
}

#[test]
fn febrl_dataset2_double_metaphone() {
    check("febrl/dataset2.csv", PhoneticCode::DoubleMetaphone);
}
