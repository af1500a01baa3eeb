//! End-to-end tests of `crm demo`, `crm report` and `crm completions`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{crm, ok};
use std::path::Path;
use std::process::Output;

fn demo(dir: &Path, customers: &str) -> Output {
    crm()
        .args(["demo", "--quiet", "--customers", customers, "--out"])
        .arg(dir)
        .output()
        .unwrap()
}

const FILES: [&str; 7] = [
    "customers.csv",
    "transactions.csv",
    "surveys.csv",
    "interactions.csv",
    "mrr_movements.csv",
    "funnel_events.csv",
    "spend.csv",
];

#[test]
fn demo_writes_files_and_prints_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo(dir.path(), "300");
    let text = ok(&out);
    for f in FILES {
        let p = dir.path().join(f);
        assert!(p.exists(), "{f}");
        assert!(
            std::fs::read_to_string(&p).unwrap().lines().count() > 1,
            "{f} empty"
        );
    }
    for s in [
        "Key figures",
        "Customers",
        "Cohort retention",
        "Funnel",
        "NPS distribution",
        "RFM segments",
        "CLV model",
        "Top customers by expected value",
        "Churn risk tiers",
        "Customers to call first",
        "Churn calibration (Backtest",
        "Duplicates",
        "Golden records",
    ] {
        assert!(text.contains(s), "{s} missing from:\n{text}");
    }
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    for id in [
        "chart-cohort-retention",
        "chart-rfm-grid",
        "chart-nps",
        "chart-funnel",
        "chart-clv-distribution",
        "chart-p-alive",
        "chart-churn-calibration",
        "chart-lifecycle",
        "chart-trend-active",
        "chart-trend-revenue",
        "chart-trend-retention",
        "chart-trend-nps",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(!html.contains("<script"));
    assert!(!text.contains("Not in this report"), "{text}");
    assert_eq!(html.matches("data-available=\"true\"").count(), 12);
    assert!(
        text.contains("Lifecycle stages") && text.contains("Monthly trends"),
        "{text}"
    );

    // Same seed, same data; another seed, other data.
    let again = tempfile::tempdir().unwrap();
    ok(&demo(again.path(), "300"));
    let read = |d: &Path, f: &str| std::fs::read(d.join(f)).unwrap();
    for f in FILES {
        assert_eq!(read(dir.path(), f), read(again.path(), f), "{f} differs");
    }
    let other = tempfile::tempdir().unwrap();
    ok(&crm()
        .args([
            "demo",
            "--quiet",
            "--no-report",
            "--customers",
            "300",
            "--seed",
            "7",
            "--out",
        ])
        .arg(other.path())
        .output()
        .unwrap());
    assert_ne!(
        read(dir.path(), "transactions.csv"),
        read(other.path(), "transactions.csv")
    );
    assert!(!other.path().join("report.html").exists());
}

#[test]
fn open_never_fails() {
    let dir = tempfile::tempdir().unwrap();
    let out = crm()
        .args(["demo", "--quiet", "--open", "--customers", "20", "--out"])
        .arg(dir.path())
        .env("PATH", dir.path()) // no browser opener to be found
        .output()
        .unwrap();
    ok(&out);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("could not open a browser"), "{err}");
}

#[test]
fn report_json_matches_the_files() {
    let dir = tempfile::tempdir().unwrap();
    ok(&crm()
        .args([
            "demo",
            "--quiet",
            "--no-report",
            "--customers",
            "200",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap());
    let out = crm()
        .args([
            "report",
            "--quiet",
            "--format",
            "json",
            "--as-of",
            "2024-12-31",
            "--data",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    // Customers = distinct customer ids in transactions.csv with a purchase.
    let tx = std::fs::read_to_string(dir.path().join("transactions.csv")).unwrap();
    let mut ids: Vec<&str> = tx
        .lines()
        .skip(1)
        .filter(|l| !l.contains(",-"))
        .map(|l| l.split(',').next().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(v["kpis"]["customers"], ids.len() as u64);
    // NPS counts add up to the nps rows of surveys.csv.
    let surveys = std::fs::read_to_string(dir.path().join("surveys.csv")).unwrap();
    let nps_rows = surveys.lines().filter(|l| l.contains(",nps,")).count() as u64;
    let counts: u64 = v["nps"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .sum();
    assert_eq!(counts, nps_rows);
    assert_eq!(v["funnel"]["steps"][0]["stage"], "visit");
    assert_eq!(v["meta"]["inputs"].as_array().unwrap().len(), 7);
    // Every section is there on the demo data, and nothing is reported missing.
    for k in ["rfm", "clv", "churn", "dedup", "cohorts", "funnel", "nps"] {
        assert!(!v[k].is_null(), "{k} missing: {}", v["missing"]);
    }
    assert_eq!(v["missing"], serde_json::json!([]), "{}", v["missing"]);
    let k = &v["kpis"];
    for f in [
        "retention",
        "churn",
        "cac",
        "ltv_to_cac",
        "grr",
        "nrr",
        "quick_ratio",
    ] {
        assert!(!k[f].is_null(), "kpis.{f}");
    }
    // Cohort-form retention and joiners-excluded churn are complements.
    let (r, c) = (
        k["retention"].as_f64().unwrap(),
        k["churn"].as_f64().unwrap(),
    );
    assert!((r + c - 1.0).abs() < 1e-12);
    let nps = &k["nps"];
    let (lo, s, hi) = (
        nps["ci_low"].as_f64().unwrap(),
        nps["score"].as_f64().unwrap(),
        nps["ci_high"].as_f64().unwrap(),
    );
    assert!(lo < s && s < hi, "{nps}");
    assert!(k["csat"]["ci_low"].as_f64().unwrap() < k["csat"]["top_two_box"].as_f64().unwrap());
    // Segment counts add up to the customers; tiers too.
    let seg: u64 = v["rfm"]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["customers"].as_u64().unwrap())
        .sum();
    assert_eq!(seg, ids.len() as u64);
    let tiers: u64 = v["churn"]["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["customers"].as_u64().unwrap())
        .sum();
    assert_eq!(tiers, ids.len() as u64);
    assert!(!v["churn"]["calibration"].as_array().unwrap().is_empty());
    let auc = v["churn"]["auc"].as_f64().unwrap();
    assert!(auc > 0.5 && auc <= 1.0, "AUC {auc}");
    assert!(v["clv"]["total_expected_value"].as_f64().unwrap() > 0.0);
    assert!(v["dedup"]["evaluation"]["precision"].as_f64().unwrap() > 0.5);
    let records = std::fs::read_to_string(dir.path().join("customers.csv"))
        .unwrap()
        .lines()
        .count() as u64
        - 1;
    assert_eq!(v["dedup"]["records"], records);
}

#[test]
fn report_on_transactions_alone() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.csv");
    std::fs::write(
        &f,
        "customer_id,date,amount\nA,2024-01-05,100\nA,2024-02-05,50\nB,2024-01-20,30\nB,2024-01-25,-30\n",
    )
    .unwrap();
    let html = dir.path().join("out/r.html");
    let out = crm()
        .args(["report", "--transactions"])
        .arg(&f)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    let text = ok(&out);
    assert!(text.contains("as of 2024-02-05"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("Customers") && l.contains(" 2 ")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("AOV") && l.contains("60.00")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("NPS") && l.contains("needs surveys.csv")),
        "{text}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Not available: needs surveys.csv"));
    // Two customers are too few for the CLV models: the report still runs and says why.
    assert!(
        text.contains(
            "CLV model: needs at least 20 customers with a purchase to fit BG/NBD (found 2)"
        ),
        "{text}"
    );
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
    assert!(page.contains("id=\"chart-p-alive\""));
}

#[test]
fn bad_input_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    ok(&crm()
        .args([
            "demo",
            "--quiet",
            "--no-report",
            "--customers",
            "50",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap());
    let surveys = dir.path().join("surveys.csv");
    let mut text = std::fs::read_to_string(&surveys).unwrap();
    text.push_str("9,2024-13-45,nps,9\n9,2024-01-01,nps,11\n");
    let bad_line = text.lines().count() - 1;
    std::fs::write(&surveys, &text).unwrap();
    let out = crm()
        .args(["report", "--quiet", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("surveys.csv:{bad_line}: column date:")),
        "{err}"
    );
    // --skip-invalid skips both bad rows and reports them.
    let out = crm()
        .args(["report", "--quiet", "--skip-invalid", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    ok(&out);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("skipped 2 invalid row(s)"), "{err}");
    assert!(err.contains("column score"), "{err}");

    // A missing column.
    std::fs::write(dir.path().join("spend.csv"), "channel,amount\nx,1\n").unwrap();
    let out = crm()
        .args(["report", "--quiet", "--skip-invalid", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("spend.csv:1: column month: no such column"),
        "{err}"
    );

    // A missing transaction file.
    let out = crm()
        .args(["report", "--transactions", "/nonexistent/t.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("error: /nonexistent/t.csv"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn completions_help_and_version() {
    let out = crm().args(["completions", "bash"]).output().unwrap();
    let s = ok(&out);
    assert!(
        s.contains("_crm") && s.contains("report") && s.contains("demo"),
        "{s}"
    );
    for shell in ["zsh", "fish"] {
        assert!(!ok(&crm().args(["completions", shell]).output().unwrap()).is_empty());
    }
    let s = ok(&crm().args(["help", "report"]).output().unwrap());
    assert!(s.contains("--as-of") && s.contains("--html"), "{s}");
    let s = ok(&crm().args(["help", "demo"]).output().unwrap());
    assert!(s.contains("--customers") && s.contains("--open"), "{s}");
    let s = ok(&crm().arg("--version").output().unwrap());
    assert!(s.starts_with("crm "), "{s}");
    // Usage errors exit 2 (clap's code) without a panic.
    let out = crm().args(["report"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn report_by_customer_attribute_adds_groups_that_sum_to_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&crm()
        .args([
            "demo",
            "--quiet",
            "--no-report",
            "--customers",
            "300",
            "--out",
        ])
        .arg(&data)
        .output()
        .unwrap());
    let html = dir.path().join("r.html");
    let run = |format: &str| {
        ok(&crm()
            .args(["report", "--by", "region", "--format", format, "--data"])
            .arg(&data)
            .arg("--html")
            .arg(&html)
            .output()
            .unwrap())
    };
    let v: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let groups = v["groups"]["groups"].as_array().unwrap();
    assert!(groups.len() >= 3, "{groups:?}");
    assert_eq!(v["groups"]["columns"][0], "region");
    // Every customer with a purchase is in exactly one group; revenue adds up to the cent.
    let customers: u64 = groups
        .iter()
        .map(|g| g["customers"].as_u64().unwrap())
        .sum();
    assert_eq!(customers, v["kpis"]["customers"].as_u64().unwrap());
    let cents = |x: &serde_json::Value| {
        let s = x.as_str().unwrap();
        (s.parse::<f64>().unwrap() * 100.0).round() as i64
    };
    let revenue: i64 = groups.iter().map(|g| cents(&g["revenue"])).sum();
    assert_eq!(revenue, cents(&v["kpis"]["revenue"]));
    let months = v["groups"]["months"].as_array().unwrap().len();
    assert!(
        groups
            .iter()
            .all(|g| g["monthly_revenue"].as_array().unwrap().len() == months)
    );
    let text = run("table");
    assert!(text.contains("By region"), "{text}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("id=\"groups\"") && page.contains("id=\"chart-group-0\""));
    // Without a customer file --by reads the transaction file's own columns: this one has no
    // region (an input error naming file and column).
    let t = dir.path().join("t.csv");
    std::fs::copy(data.join("transactions.csv"), &t).unwrap();
    let out = crm()
        .args(["report", "--by", "region", "--transactions"])
        .arg(&t)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8(out.stderr).unwrap();
    assert!(e.contains("t.csv") && e.contains("region"), "{e}");
}
