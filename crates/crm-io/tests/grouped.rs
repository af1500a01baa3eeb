//! Drill-down reading: group keys, filters and the customer-table lookup.
#![allow(clippy::unwrap_used)]

use crm_io::{Grouping, ReadOptions, ScoreColumns, read_grouped_scores, read_lookup};

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_lookup_table_with_a_repeated_id_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let c = file(
        &dir,
        "c.csv",
        "customer_id,region\n1,north\n2,south\n1,west\n",
    );
    let e = read_lookup(
        &c,
        "customer_id",
        &["region".into()],
        "customer_id",
        &ReadOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("c.csv:4") && e.contains("appears twice"), "{e}");
}

#[test]
fn joined_columns_group_and_a_bad_date_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let c = file(&dir, "c.csv", "customer_id,region\n1,north\n2,south\n");
    let s = file(
        &dir,
        "s.csv",
        "customer_id,date,score\n1,2024-01-02,9\n2,2024-01-03,4\n1,2024-01-04,7\n",
    );
    let lookup = read_lookup(
        &c,
        "customer_id",
        &["region".into(), "absent".into()],
        "customer_id",
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(lookup.columns, ["region"]);
    let g = Grouping {
        by: vec!["region".into()],
        joined: Some(lookup),
        ..Grouping::default()
    };
    let mut seen = Vec::new();
    let read = read_grouped_scores(
        &s,
        &ScoreColumns::of_type("score", "nps"),
        &g,
        &ReadOptions::default(),
        |k, v| {
            seen.push((k.to_vec(), v));
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(read.unmatched, 0);
    let k = |r: &str| vec![r.to_string()];
    assert_eq!(seen, [(k("north"), 9), (k("south"), 4), (k("north"), 7)]);

    let bad = file(&dir, "b.csv", "date,score\n2024-01-02,9\n2024-13-01,4\n");
    let g = Grouping {
        every: Some(("date".into(), crm_model::TimeUnit::Month)),
        ..Grouping::default()
    };
    let e = read_grouped_scores(
        &bad,
        &ScoreColumns::of_type("score", "nps"),
        &g,
        &ReadOptions::default(),
        |_, _| Ok(()),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("b.csv:3") && e.contains("date"), "{e}");
}
