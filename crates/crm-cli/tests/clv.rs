//! End-to-end tests of `crm clv fit` and `crm clv predict`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{crm, write};

#[test]
fn fit_and_predict_cdnow() {
    let Some(summary) =
        crm_testdata::shared_file("cdnow/cdnow_customers_summary_with_transactions.csv")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let params = dir.path().join("bg.json");
    let out = crm()
        .args(["clv", "fit", "--model", "bgnbd", "--summary"])
        .arg(&summary)
        .arg("-o")
        .arg(&params)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&params).unwrap()).unwrap();
    assert_eq!(v["model"], "bgnbd");
    assert!((v["log_likelihood"].as_f64().unwrap() + 9582.4256).abs() < 0.01);
    assert!((v["params"]["r"].as_f64().unwrap() - 0.2426).abs() < 0.001);
    assert!(v["standard_errors"]["alpha"].as_f64().unwrap() > 0.0);
    assert_eq!(v["converged"], true);
    assert_eq!(v["customers"], 2357.0);
    assert!(v["iterations"].as_u64().unwrap() > 0);

    let gg = dir.path().join("gg.json");
    let out = crm()
        .args(["clv", "fit", "--model", "gg", "--summary"])
        .arg(&summary)
        .arg("-o")
        .arg(&gg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&gg).unwrap()).unwrap();
    assert!((v["params"]["p"].as_f64().unwrap() - 6.25).abs() < 0.07);

    let out = crm()
        .args(["clv", "predict", "--model", "bgnbd", "--params"])
        .arg(&params)
        .arg("--spend-params")
        .arg(&gg)
        .arg("--summary")
        .arg(&summary)
        .args([
            "--horizon",
            "39",
            "--discount-rate",
            "0.01",
            "--discount-unit",
            "month",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "customer_id,p_alive,expected_purchases,p_no_purchase,expected_spend,clv"
    );
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(first[0], "1");
    let e: f64 = first[2].parse().unwrap();
    assert!((e - 1.226).abs() < 1e-3, "{e}");
    assert_eq!(text.lines().count(), 2358);
    // Total expected purchases in weeks 40-78 (FHL 2005: about 1,653 with the sample's ages).
    let total: f64 = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse::<f64>().unwrap())
        .sum();
    assert!(total > 1500.0 && total < 1800.0, "{total}");
}

#[test]
fn bad_summary_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(&dir, "s.csv", "x,t_x,T\n1,2,5\n2,9,5\n");
    let out = crm()
        .args(["clv", "fit", "--model", "bgnbd", "--summary"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("s.csv:3: column t_x"), "{err}");
    // Degenerate data: a clear error, exit code 2, no panic.
    let f = write(&dir, "z.csv", "x,t_x,T\n0,0,5\n0,0,6\n");
    let out = crm()
        .args(["clv", "fit", "--model", "pnbd", "--summary"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("x = 0"), "{err}");
    // --skip-invalid skips and counts.
    let f = write(&dir, "k.csv", "x,t_x,T\n1,2,5\nabc,1,5\n2,3,5\n0,0,5\n");
    let out = crm()
        .args([
            "clv",
            "fit",
            "--model",
            "bgnbd",
            "--skip-invalid",
            "--format",
            "table",
            "--summary",
        ])
        .arg(&f)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("skipped 1 invalid row"), "{err}");
}

#[test]
fn fit_from_transactions_and_grouped_weights() {
    let dir = tempfile::tempdir().unwrap();
    // Weighted donations-style summary for BG/BB.
    let f = write(
        &dir,
        "d.csv",
        "frequency,recency,periods,weights\n0,0,6,300\n1,1,6,100\n1,5,6,40\n2,6,6,60\n3,6,6,50\n4,5,6,40\n6,6,6,120\n",
    );
    let out = crm()
        .args(["clv", "fit", "--model", "bgbb", "--summary"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["customers"], 710.0);
    for k in ["alpha", "beta", "gamma", "delta"] {
        assert!(v["params"][k].as_f64().unwrap() > 0.0);
    }
    let mut tx = String::from("customer_id,date,amount\n");
    for c in 0..40 {
        tx.push_str(&format!("c{c},2024-01-01,10\n"));
        for k in 0..(c % 5) {
            tx.push_str(&format!("c{c},2024-0{}-1{},12\n", 2 + k, c % 9));
        }
    }
    let t = write(&dir, "t.csv", &tx);
    let out = crm()
        .args(["clv", "fit", "--model", "bgnbd", "--transactions"])
        .arg(&t)
        .args(["--calibration-end", "2024-08-01", "--unit", "day"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["customers"], 40.0);
    assert_eq!(v["unit"], "day");
}

#[test]
fn diagnose_reproduces_the_cdnow_holdout_and_writes_charts_and_tables() {
    let Some(sample) = crm_testdata::shared_file("cdnow/CDNOW_sample.txt") else {
        return;
    };
    // The sample as a CSV of customer_id,date (no amounts: diagnostics need none).
    let text = std::fs::read_to_string(&sample).unwrap();
    let mut csv = String::from("customer_id,date\n");
    for l in text.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        csv.push_str(&format!("{},{}\n", f[1], f[2]));
    }
    let dir = tempfile::tempdir().unwrap();
    let f = write(&dir, "cdnow.csv", &csv);
    let html = dir.path().join("d.html");
    let tables = dir.path().join("tables");
    let out = crm()
        .args(["clv", "diagnose", "--transactions"])
        .arg(&f)
        .args([
            "--calibration-end",
            "1997-09-30",
            "--format",
            "json",
            "--html",
        ])
        .arg(&html)
        .arg("--tables")
        .arg(&tables)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["diagnostics"];
    // The holdout defaults to the last transaction date (1998-06-30): weeks 40-78.
    assert_eq!(d["holdout_actual"], 1882);
    let predicted = d["holdout_predicted"].as_f64().unwrap();
    assert!((predicted - 1653.0).abs() < 0.02 * 1653.0, "{predicted}");
    assert_eq!(v["fit"]["model"], "bgnbd");
    assert_eq!(d["tracking"].as_array().unwrap().len(), 78);
    let page = std::fs::read_to_string(&html).unwrap();
    assert_eq!(page.matches("<svg").count(), 4);
    let tracking = std::fs::read_to_string(tables.join("tracking.csv")).unwrap();
    assert_eq!(tracking.lines().count(), 79);
    assert!(tables.join("conditional.csv").is_file() && tables.join("frequency.csv").is_file());

    // Gamma-Gamma is no purchase model: a clear error, no panic.
    let out = crm()
        .args(["clv", "diagnose", "--model", "gg", "--transactions"])
        .arg(&f)
        .args(["--calibration-end", "1997-09-30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bgnbd, mbgnbd or pnbd"), "{err}");
}

#[test]
fn predict_interval_adds_low_and_high_columns_around_the_point() {
    let Some(s) = crm_testdata::shared_file("cdnow/cdnow_customers_summary_with_transactions.csv")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let params = dir.path().join("bg.json");
    let out = crm()
        .args(["clv", "fit", "--model", "bgnbd", "--summary"])
        .arg(&s)
        .arg("-o")
        .arg(&params)
        .output()
        .unwrap();
    assert!(out.status.success());
    let predict = |extra: &[&str]| {
        crm()
            .args(["clv", "predict", "--model", "bgnbd", "--params"])
            .arg(&params)
            .arg("--summary")
            .arg(&s)
            .args(["--horizon", "39"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = predict(&["--interval", "0.9", "--draws", "50"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (e, lo, hi) = (
        col("expected_purchases"),
        col("expected_purchases_low"),
        col("expected_purchases_high"),
    );
    let mut narrower = 0;
    for l in text.lines().skip(1) {
        let f: Vec<f64> = l
            .split(',')
            .map(|v| v.parse().unwrap_or(f64::NAN))
            .collect();
        assert!(f[lo] <= f[e] && f[e] <= f[hi], "{l}");
        narrower += usize::from(f[hi] - f[lo] < f[e]);
    }
    assert_eq!(text.lines().count(), 2358);
    assert!(narrower > 2000, "{narrower}");
    let note = String::from_utf8(out.stderr).unwrap();
    assert!(
        note.contains("90% intervals from 50 parameter draws"),
        "{note}"
    );

    // A level outside (0, 1) is a usage error; parameters without a covariance are refused.
    let out = predict(&["--interval", "90"]);
    assert_eq!(out.status.code(), Some(2));
    let bare = dir.path().join("bare.json");
    std::fs::write(
        &bare,
        r#"{"model":"bgnbd","params":{"r":0.24,"alpha":4.4,"a":0.79,"b":2.4}}"#,
    )
    .unwrap();
    let out = crm()
        .args(["clv", "predict", "--model", "bgnbd", "--params"])
        .arg(&bare)
        .arg("--summary")
        .arg(&s)
        .args(["--horizon", "39", "--interval", "0.9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("bare.json") && err.contains("covariance"),
        "{err}"
    );
}
