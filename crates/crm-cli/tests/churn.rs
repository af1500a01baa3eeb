//! End-to-end tests of `crm churn score` and `crm churn evaluate`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::crm;

fn data() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/transactions.csv")
}

fn score(model: &str, extra: &[&str]) -> std::process::Output {
    crm()
        .args(["churn", "score", "--transactions"])
        .arg(data())
        .args(["--as-of", "2024-09-30", "--horizon", "90", "--model", model])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn every_model_writes_scores_in_unit_interval() {
    for model in ["rules", "bgnbd", "logistic"] {
        let out = score(model, &[]);
        assert!(
            out.status.success(),
            "{model}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("customer_id,score,tier,reasons"));
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), 40, "{model}"); // 41 ids, one first buys after the as-of
        for r in rows {
            let f: Vec<&str> = r.splitn(4, ',').collect();
            let s: f64 = f[1].parse().unwrap();
            assert!((0.0..=1.0).contains(&s), "{model}: {r}");
            assert!(["low", "medium", "high"].contains(&f[2]), "{r}");
        }
    }
    let out = score("bgnbd", &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v[0]["reasons"].as_str().unwrap().contains("p_alive="));
}

#[test]
fn custom_rules_and_their_errors() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.json");
    std::fs::write(
        &rules,
        r#"{"rules":[{"name":"silent_60d","when":{"kind":"no_order_for_days","days":60}}],"high_at":1,"medium_at":1}"#,
    )
    .unwrap();
    let out = score("rules", &["--rules", rules.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(",1.0,high,silent_60d"), "{text}");
    assert!(text.contains(",0.0,low,"), "{text}");
    std::fs::write(&rules, r#"{"rules":[{"name":"x","when":{"kind":"nope"}}]}"#).unwrap();
    let out = score("rules", &["--rules", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: ") && err.contains("rules.json"),
        "{err}"
    );
}

#[test]
fn evaluate_reads_scores_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let scores = dir.path().join("s.csv");
    let out = score("logistic", &["-o", scores.to_str().unwrap()]);
    assert!(out.status.success());
    let eval = |extra: &[&str]| {
        crm()
            .args(["churn", "evaluate", "--scores"])
            .arg(&scores)
            .arg("--transactions")
            .arg(data())
            .args(["--as-of", "2024-09-30", "--horizon", "90"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = eval(&[]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "ROC AUC",
        "PR AUC",
        "Brier",
        "top-decile lift",
        "calibration by decile",
    ] {
        assert!(text.contains(want), "{text}");
    }
    let out = eval(&["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let auc = v["roc_auc"].as_f64().unwrap();
    assert!(auc > 0.5 && auc <= 1.0);
    assert_eq!(v["n"].as_u64(), Some(40));
    // A window past the data (its last purchase is in December 2024) is refused, unless the
    // data is said to cover it.
    let late = |extra: &[&str]| {
        crm()
            .args(["churn", "evaluate", "--scores"])
            .arg(&scores)
            .arg("--transactions")
            .arg(data())
            .args(["--as-of", "2024-12-01", "--horizon", "90"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = late(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("runs past the data, observed until"), "{err}");
    assert!(late(&["--observed-until", "2025-03-31"]).status.success());
    // A bad score names file, line and column.
    std::fs::write(&scores, "customer_id,score\nC001,0.5\nC002,high\n").unwrap();
    let out = eval(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("s.csv:3: column score:"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let out = score("rules", &["--horizon", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let out = crm()
        .args(["churn", "score", "--transactions"])
        .arg(data())
        .args(["--as-of", "2020-01-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("no customer")
    );
}
