#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Hostile inputs (issue #14): identical records in any number, empty link sources, duplicate
//! ids in evaluation.

mod common;

use crm_dedup::DedupError;
use crm_dedup::pipeline::{DedupConfig, deduplicate, link};
use crm_dedup::schema::{FieldKind, FieldSpec, Record, Schema};
use crm_demo::people::PeopleStyle;

fn schema() -> Schema {
    Schema::new([
        FieldSpec::new("name", FieldKind::Name),
        FieldSpec::new("phone", FieldKind::Phone),
        FieldSpec::new("email", FieldKind::Email),
    ])
}

fn copies(n: usize, prefix: &str) -> Vec<Record> {
    (0..n)
        .map(|k| {
            Record::new(
                format!("{prefix}{k}"),
                ["王博士 Zhang", "138 1234 5678", "zhang@example.com"],
            )
        })
        .collect()
}

fn one_cluster(n: usize) {
    let recs = copies(n, "c");
    let r = deduplicate(&recs, &DedupConfig::new(schema()), &mut |_| {}).unwrap();
    assert_eq!(r.clustering.n_clusters, 1, "{n} identical records");
    assert!(r.clustering.labels.iter().all(|&l| l == 0));
    assert_eq!(r.exact.folded(), n - 1);
    assert_eq!(r.cluster_rows()[n - 1].cluster_size, n);
    // nothing left to train on: said so, not guessed
    assert!(r.model.is_none());
    assert_eq!(r.explain("c0", "c1"), Err(DedupError::NoModel));
}

#[test]
fn identical_records_form_one_cluster_3() {
    one_cluster(3);
}

#[test]
fn identical_records_form_one_cluster_50() {
    one_cluster(50);
}

#[test]
fn identical_records_form_one_cluster_1000() {
    one_cluster(1000);
}

#[test]
fn identical_records_form_one_cluster_100000() {
    // beyond max_cluster_size (1000): the cap counts distinct records
    one_cluster(100_000);
}

/// Identical copies of one person among ordinary data: one cluster of all the copies, and the
/// copies neither drive their own values' term frequency to 1 nor u(exact) to 1.
#[test]
fn many_copies_among_other_records() {
    let data = common::people(PeopleStyle::Contact, 600, 1);
    let config = DedupConfig::new(data.schema.clone());
    let base = deduplicate(&data.records, &config, &mut |_| {}).unwrap();
    for n in [3usize, 50, 1000] {
        let mut recs = data.records.clone();
        let first = recs[0].clone();
        for k in 0..n {
            let mut c = first.clone();
            c.id = format!("copy{k}");
            recs.push(c);
        }
        let r = deduplicate(&recs, &config, &mut |_| {}).unwrap();
        let l0 = r.clustering.labels[0];
        let m = data.records.len();
        assert!(
            r.clustering.labels[m..].iter().all(|&l| l == l0),
            "{n} copies split"
        );
        // the original data clusters exactly as without the copies
        assert_eq!(&r.clustering.labels[..m], &base.clustering.labels[..]);
        assert!(r.exact.folded() >= n);
        let model = r.model.as_ref().unwrap();
        for f in &model.fields {
            assert!(
                f.u_random[0] < 0.5,
                "{}: u(exact) {}",
                f.name,
                f.u_random[0]
            );
        }
    }
}

/// Two identical records with one different record: still one cluster plus a singleton,
/// and a record differing in one field is compared, not folded.
#[test]
fn near_duplicates_are_not_folded() {
    let mut recs = copies(3, "c");
    recs.push(Record::new(
        "d",
        ["王博士 Zhang", "138 1234 5678", "other@example.com"],
    ));
    recs.push(Record::new(
        "e",
        ["Mary Jones", "+1 212 555 0100", "mary@jones.org"],
    ));
    let r = deduplicate(&recs, &DedupConfig::new(schema()), &mut |_| {}).unwrap();
    assert_eq!(r.exact.folded(), 2);
    assert_eq!(r.exact.group, [0, 0, 0, 1, 2]);
    assert_eq!(r.clustering.labels[..3], [0, 0, 0]);
    assert_ne!(r.clustering.labels[4], r.clustering.labels[0]);
}

/// Sparse records that agree on one value out of three are not folded (too little evidence).
#[test]
fn sparse_identical_records_are_left_to_the_model() {
    let recs: Vec<Record> = (0..4)
        .map(|k| Record::new(format!("s{k}"), ["", "", "shared@example.com"]))
        .collect();
    let prep = crm_dedup::prepare::prepare(
        &schema(),
        &recs,
        &crm_dedup::prepare::NormalizeOptions::default(),
    )
    .unwrap();
    assert_eq!(prep.exact_groups().folded(), 0);
}

#[test]
fn link_with_an_empty_side_names_it() {
    let left = copies(5, "l");
    let err = link(&left, &[], &DedupConfig::new(schema()), &mut |_| {}).unwrap_err();
    assert_eq!(err, DedupError::EmptySource("right"));
    assert!(err.to_string().contains("right source has no records"));
    let err = link(&[], &left, &DedupConfig::new(schema()), &mut |_| {}).unwrap_err();
    assert_eq!(err, DedupError::EmptySource("left"));
}

/// Copies within one source are folded and expanded: every left copy links to the right record.
#[test]
fn link_expands_copies_within_a_source() {
    let data = common::people(PeopleStyle::Contact, 400, 1);
    let config = DedupConfig::new(data.schema.clone());
    let (l, r) = data.records.split_at(data.records.len() / 2);
    let mut left = l.to_vec();
    let right = r.to_vec();
    let target = right[0].clone();
    for k in 0..20 {
        let mut c = target.clone();
        c.id = format!("copy{k}");
        left.push(c);
    }
    let res = link(&left, &right, &config, &mut |_| {}).unwrap();
    let hits = res
        .links
        .iter()
        .filter(|x| x.left_id.starts_with("copy") && x.right_id == target.id)
        .count();
    assert_eq!(hits, 20);
}

#[test]
fn evaluation_refuses_duplicate_ids() {
    use crm_dedup::eval::{EvalInput, evaluate_cluster_rows};
    let truth = [("a", "e1"), ("b", "e1"), ("c", "e2")];
    // "a" twice in the clusters: it used to pair with itself as a true positive
    let clusters = [("a", 0), ("b", 0), ("a", 0)];
    assert_eq!(
        evaluate_cluster_rows(&clusters, &truth).unwrap_err(),
        DedupError::DuplicateEvalId {
            input: EvalInput::Clusters,
            id: "a".into(),
            first: 0,
            second: 2
        }
    );
    let truth2 = [("a", "e1"), ("c", "e2"), ("c", "e3")];
    let err = evaluate_cluster_rows(&[("a", 0)], &truth2).unwrap_err();
    assert!(
        err.to_string()
            .contains("truth: record id \"c\" appears twice")
    );
    let err = evaluate_cluster_rows(&[("z", 0)], &truth).unwrap_err();
    assert_eq!(
        err,
        DedupError::MissingTruth {
            id: "z".into(),
            index: 0
        }
    );
    let ok = evaluate_cluster_rows(&[("a", 0), ("b", 0), ("c", 1)], &truth).unwrap();
    assert_eq!(
        (ok.true_positives, ok.predicted_pairs, ok.true_pairs),
        (1, 1, 1)
    );
}
