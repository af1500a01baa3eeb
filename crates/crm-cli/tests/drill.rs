//! End-to-end tests of the drill-down by customer attributes (`--by COLUMN --customers F`) of
//! `crm metrics cohorts|revenue|funnel`, `crm churn score` and `crm clv predict`: hand-computed
//! groups, and group figures that equal the per-customer output summed by hand.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{crm, ok, write};
use std::collections::BTreeMap;

fn json(args: &[&str]) -> (serde_json::Value, String) {
    let out = crm().args(args).output().unwrap();
    let v = serde_json::from_str(&ok(&out)).unwrap();
    (v, String::from_utf8(out.stderr).unwrap())
}

fn path(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    write(dir, name, text).to_str().unwrap().to_string()
}

#[test]
fn cohorts_by_customer_attribute() {
    let dir = tempfile::tempdir().unwrap();
    let tx = path(
        &dir,
        "t.csv",
        "customer_id,date,amount\na,2024-01-05,10\na,2024-02-05,10\nb,2024-01-09,10\nc,2024-02-10,10\nc,2024-03-01,10\nz,2024-01-02,5\n",
    );
    let cust = path(
        &dir,
        "c.csv",
        "customer_id,region\na,north\nb,south\nc,north\n",
    );
    let (v, note) = json(&[
        "metrics",
        "cohorts",
        "--transactions",
        &tx,
        "--by",
        "region",
        "--customers",
        &cust,
        "--format",
        "json",
    ]);
    let cells: Vec<(String, String, u64, u64)> = (v.as_array().unwrap().iter())
        .map(|r| {
            (
                r["region"].as_str().unwrap().to_string(),
                r["cohort"].as_str().unwrap().to_string(),
                r["period"].as_u64().unwrap(),
                r["customers"].as_u64().unwrap(),
            )
        })
        .collect();
    let c = |g: &str, m: &str, k, n| (g.to_string(), format!("2024-{m}-01"), k, n);
    // z is not in the table (empty group); north: a (January, back in February), c
    // (February, back in March); south: b (January only, its own last month).
    assert_eq!(
        cells,
        [
            c("", "01", 0, 1),
            c("north", "01", 0, 1),
            c("north", "01", 1, 1),
            c("north", "01", 2, 0),
            c("north", "02", 0, 1),
            c("north", "02", 1, 1),
            c("south", "01", 0, 1),
        ]
    );
    assert!(note.contains("1 customer(s) not in --customers"), "{note}");
    let rate = v[2]["rate"].as_f64().unwrap();
    assert_eq!(rate, 1.0);
}

#[test]
fn revenue_by_customer_attribute_starts_each_group_from_its_own_mrr() {
    let dir = tempfile::tempdir().unwrap();
    let m = path(
        &dir,
        "m.csv",
        "customer_id,date,kind,amount\na,2023-12-01,new,6000\nb,2023-12-05,new,4000\nc,2024-01-15,new,2000\na,2024-01-10,expansion,1500\nb,2024-01-20,contraction,300\nb,2024-01-25,churn,700\nd,2024-01-30,reactivation,200\n",
    );
    let cust = path(
        &dir,
        "c.csv",
        "customer_id,size\na,big\nb,big\nc,small\nd,small\n",
    );
    let (v, note) = json(&[
        "metrics",
        "revenue",
        "--movements",
        &m,
        "--start",
        "2024-01-01",
        "--end",
        "2024-01-31",
        "--by",
        "size",
        "--customers",
        &cust,
        "--format",
        "json",
    ]);
    // big: 10,000 at the start, +1,500 -300 -700; small has no MRR before January (its rates
    // are undefined): left out, and said so.
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["size"], "big");
    assert_eq!(rows[0]["starting_mrr"], "10000");
    assert_eq!(rows[0]["ending_mrr"], "10500");
    assert!((rows[0]["grr"].as_f64().unwrap() - 0.9).abs() < 1e-12);
    assert!((rows[0]["nrr"].as_f64().unwrap() - 1.05).abs() < 1e-12);
    assert!(
        note.contains("left out 1 period(s) without MRR at their start"),
        "{note}"
    );
    // --starting-mrr is one number for the whole file: not with --by.
    let out = crm()
        .args([
            "metrics",
            "revenue",
            "--movements",
            &m,
            "--start",
            "2024-01-01",
        ])
        .args(["--end", "2024-01-31", "--by", "size", "--customers", &cust])
        .args(["--starting-mrr", "100"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn revenue_every_month_chains_each_group_from_the_month_before() {
    let dir = tempfile::tempdir().unwrap();
    let m = path(
        &dir,
        "m.csv",
        "customer_id,date,kind,amount\na,2023-12-01,new,6000\nb,2023-12-05,new,4000\nc,2024-01-15,new,2000\na,2024-01-10,expansion,1500\nb,2024-01-20,contraction,300\nb,2024-01-25,churn,700\nd,2024-01-30,reactivation,200\n",
    );
    let cust = path(
        &dir,
        "c.csv",
        "customer_id,size\na,big\nb,big\nc,small\nd,small\n",
    );
    let run = |extra: &[&str]| -> (Vec<(String, String, String, String)>, String) {
        let mut args = vec!["metrics", "revenue", "--movements", &m];
        args.extend(["--start", "2024-01-01", "--end", "2024-02-29"]);
        args.extend(["--every", "month", "--format", "json"]);
        args.extend(extra);
        let (v, note) = json(&args);
        let rows = (v.as_array().unwrap().iter())
            .map(|r| {
                let s = |f: &str| r[f].as_str().unwrap_or("*").to_string();
                (
                    s("size"),
                    s("period_start"),
                    s("starting_mrr"),
                    s("ending_mrr"),
                )
            })
            .collect();
        (rows, note)
    };
    let row = |g: &str, p: &str, a: &str, b: &str| (g.into(), p.into(), a.into(), b.into());
    // January from the 10,000 of December; February from January's 12,700.
    assert_eq!(
        run(&[]).0,
        [
            row("*", "2024-01-01", "10000", "12700"),
            row("*", "2024-02-01", "12700", "12700"),
        ]
    );
    // small starts January without MRR (left out); its February starts from c and d's 2,200.
    let (rows, note) = run(&["--by", "size", "--customers", &cust]);
    assert_eq!(
        rows,
        [
            row("big", "2024-01-01", "10000", "10500"),
            row("big", "2024-02-01", "10500", "10500"),
            row("small", "2024-02-01", "2200", "2200"),
        ]
    );
    assert!(note.contains("left out 1 period(s)"), "{note}");
}

#[test]
fn funnel_by_customer_attribute() {
    let dir = tempfile::tempdir().unwrap();
    let f = path(
        &dir,
        "f.csv",
        "customer_id,stage,at\n1,visit,2024-05-01 09:00\n1,signup,2024-05-01 10:00\n1,paid,2024-05-03 10:00\n2,visit,2024-05-01 09:00\n2,signup,2024-05-01 13:00\n3,visit,2024-05-02\n4,visit,2024-05-02\n",
    );
    let cust = path(
        &dir,
        "c.csv",
        "customer_id,channel\n1,web\n2,web\n3,shop\n4,shop\n",
    );
    let (v, _) = json(&[
        "metrics",
        "funnel",
        "--events",
        &f,
        "--stages",
        "visit,signup,paid",
        "--by",
        "channel",
        "--customers",
        &cust,
        "--format",
        "json",
    ]);
    let steps: Vec<(String, String, u64)> = (v.as_array().unwrap().iter())
        .map(|r| {
            (
                r["channel"].as_str().unwrap().to_string(),
                r["stage"].as_str().unwrap().to_string(),
                r["reached"].as_u64().unwrap(),
            )
        })
        .collect();
    let s = |g: &str, st: &str, n| (g.to_string(), st.to_string(), n);
    assert_eq!(
        steps,
        [
            s("shop", "visit", 2),
            s("shop", "signup", 0),
            s("shop", "paid", 0),
            s("web", "visit", 2),
            s("web", "signup", 2),
            s("web", "paid", 1),
        ]
    );
    assert_eq!(v[4]["median_hours_from_previous"], 2.5);
}

fn examples_transactions() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/transactions.csv")
}

#[test]
fn churn_tiers_by_group_are_the_scores_counted_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let tx = examples_transactions();
    let tx = tx.to_str().unwrap();
    let base = [
        "churn",
        "score",
        "--transactions",
        tx,
        "--as-of",
        "2024-09-30",
        "--format",
        "json",
    ];
    let (scores, _) = json(&base);
    let scores = scores.as_array().unwrap();
    // Customers alternate between two groups in score-file order; the last one is left out of
    // the table.
    let mut table = String::from("customer_id,team\n");
    let mut want: BTreeMap<String, (u64, u64, f64)> = BTreeMap::new();
    for (i, s) in scores.iter().enumerate() {
        let id = s["customer_id"].as_str().unwrap();
        let team = if i + 1 == scores.len() {
            String::new()
        } else {
            let t = ["red", "blue"][i % 2];
            table += &format!("{id},{t}\n");
            t.to_string()
        };
        let e = want.entry(team).or_default();
        e.0 += 1;
        e.1 += u64::from(s["tier"] == "high");
        e.2 += s["score"].as_f64().unwrap();
    }
    let cust = path(&dir, "c.csv", &table);
    let (v, note) = json(&[&base[..], &["--by", "team", "--customers", &cust]].concat());
    let got: BTreeMap<String, (u64, u64, f64)> = (v.as_array().unwrap().iter())
        .map(|r| {
            let n = r["customers"].as_u64().unwrap();
            let sum = r["mean_score"].as_f64().unwrap() * n as f64;
            let tiers = ["high", "medium", "low"].map(|t| r[t].as_u64().unwrap());
            assert_eq!(tiers.iter().sum::<u64>(), n);
            (r["team"].as_str().unwrap().to_string(), (n, tiers[0], sum))
        })
        .collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (k, w) in &want {
        let g = got[k];
        assert_eq!((g.0, g.1), (w.0, w.1), "{k}");
        assert!((g.2 - w.2).abs() < 1e-9 * w.2.abs().max(1.0), "{k}");
    }
    assert!(note.contains("1 customer(s) not in --customers"), "{note}");
}

#[test]
fn clv_by_group_sums_the_customer_predictions() {
    let Some(summary) =
        crm_testdata::shared_file("cdnow/cdnow_customers_summary_with_transactions.csv")
    else {
        return;
    };
    let summary = summary.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let fit = |model: &str, name: &str| {
        let p = dir.path().join(name).to_str().unwrap().to_string();
        let args = [
            "clv",
            "fit",
            "--model",
            model,
            "--summary",
            summary,
            "-o",
            &p,
        ];
        ok(&crm().args(args).output().unwrap());
        p
    };
    let (bg, gg) = (fit("bgnbd", "bg.json"), fit("gg", "gg.json"));
    let base = [
        "clv",
        "predict",
        "--model",
        "bgnbd",
        "--params",
        &bg,
        "--spend-params",
        &gg,
        "--summary",
        summary,
        "--horizon",
        "39",
        "--format",
        "json",
    ];
    let (rows, _) = json(&base);
    // Even and odd ids; id 1 is left out of the table.
    let mut table = String::from("customer_id,parity\n");
    let mut want: BTreeMap<String, (u64, f64, f64, f64)> = BTreeMap::new();
    for r in rows.as_array().unwrap() {
        let id = r["customer_id"].as_str().unwrap();
        let parity = match id.parse::<u64>().unwrap() {
            1 => String::new(),
            n => {
                let p = ["even", "odd"][(n % 2) as usize];
                table += &format!("{id},{p}\n");
                p.to_string()
            }
        };
        let e = want.entry(parity).or_default();
        e.0 += 1;
        e.1 += r["p_alive"].as_f64().unwrap();
        e.2 += r["expected_purchases"].as_f64().unwrap();
        e.3 += r["clv"].as_f64().unwrap();
    }
    let cust = path(&dir, "c.csv", &table);
    let (v, note) = json(&[&base[..], &["--by", "parity", "--customers", &cust]].concat());
    let v = v.as_array().unwrap();
    assert_eq!(v.len(), 3);
    for r in v {
        let w = want[r["parity"].as_str().unwrap()];
        assert_eq!(r["customers"].as_u64().unwrap(), w.0);
        let close = |f: &str, x: f64| {
            let g = r[f].as_f64().unwrap();
            assert!((g - x).abs() <= 1e-9 * x.abs().max(1.0), "{f}: {g} vs {x}");
        };
        close("expected_alive", w.1);
        close("mean_p_alive", w.1 / w.0 as f64);
        close("expected_purchases", w.2);
        close("clv", w.3);
    }
    assert!(note.contains("1 customer(s) not in --customers"), "{note}");
    // Group totals of intervals need the draws, not sums of customer bounds: refused.
    let out = crm()
        .args([&base[..], &["--by", "parity", "--customers", &cust]].concat())
        .args(["--interval", "0.9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn by_a_column_of_the_input_file_groups_each_customer_by_its_first_row() {
    let dir = tempfile::tempdir().unwrap();
    // a moves from north to south: grouped by its first row (north), and said so.
    let tx = path(
        &dir,
        "t.csv",
        "customer_id,date,amount,region\na,2024-01-05,10,north\nb,2024-01-09,10,south\na,2024-02-05,10,south\nc,2024-02-10,10,north\n",
    );
    let (v, note) = json(&[
        "metrics",
        "cohorts",
        "--transactions",
        &tx,
        "--by",
        "region",
        "--format",
        "json",
    ]);
    let cells: Vec<(String, String, u64, u64)> = (v.as_array().unwrap().iter())
        .map(|r| {
            (
                r["region"].as_str().unwrap().to_string(),
                r["cohort"].as_str().unwrap().to_string(),
                r["period"].as_u64().unwrap(),
                r["customers"].as_u64().unwrap(),
            )
        })
        .collect();
    let c = |g: &str, m: &str, k, n| (g.to_string(), format!("2024-{m}-01"), k, n);
    assert_eq!(
        cells,
        [
            c("north", "01", 0, 1),
            c("north", "01", 1, 1),
            c("north", "02", 0, 1),
            c("south", "01", 0, 1),
        ]
    );
    assert!(
        note.contains("1 customer(s) have more than one value of region"),
        "{note}"
    );
    // The same groups for the per-customer lifecycle counts.
    let out = crm()
        .args(["lifecycle", "--transactions", &tx, "--as-of", "2024-02-29"])
        .args(["--counts", "--by", "region", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    let customers = |region: &str| -> u64 {
        (v.as_array().unwrap().iter())
            .filter(|r| r["region"] == region)
            .map(|r| r["customers"].as_u64().unwrap())
            .sum()
    };
    assert_eq!((customers("north"), customers("south")), (2, 1));
    // A column the file lacks names the file and the column.
    let out = crm()
        .args(["rfm", "--transactions", &tx, "--as-of", "2024-03-01"])
        .args(["--by", "plan"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8(out.stderr).unwrap();
    assert!(e.contains("t.csv") && e.contains("plan"), "{e}");
}

#[test]
fn rfm_every_month_is_the_report_as_of_each_month_end() {
    let tx = examples_transactions();
    let tx = tx.to_str().unwrap();
    let base = ["rfm", "--transactions", tx, "--as-of", "2024-06-30"];
    let (v, note) = json(&[&base[..], &["--every", "month", "--format", "json"]].concat());
    assert!(!note.contains("not in --customers"), "{note}");
    let rows = v.as_array().unwrap();
    let mut dates: Vec<&str> = rows.iter().map(|r| r["as_of"].as_str().unwrap()).collect();
    dates.dedup();
    assert_eq!(dates.last(), Some(&"2024-06-30"));
    assert!(dates.len() >= 6, "{dates:?}");
    let key = |r: &serde_json::Value| {
        (
            r["segment"].to_string(),
            r["customers"].to_string(),
            r["revenue"].to_string(),
        )
    };
    for date in &dates {
        let (one, _) = json(&[
            "rfm",
            "--transactions",
            tx,
            "--as-of",
            date,
            "--exclude-after-as-of",
            "--report-only",
            "--format",
            "json",
        ]);
        let want: Vec<_> = one["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(key)
            .collect();
        let got: Vec<_> = (rows.iter())
            .filter(|r| r["as_of"] == *date)
            .map(key)
            .collect();
        assert_eq!(got, want, "{date}");
    }
    // Per group: each date's groups add up to that date's segments.
    let dir = tempfile::tempdir().unwrap();
    let mut table = String::from("customer_id,team\n");
    for (i, id) in ["C001", "C002", "C003", "C004", "C005"].iter().enumerate() {
        table += &format!("{id},{}\n", ["red", "blue"][i % 2]);
    }
    let cust = path(&dir, "c.csv", &table);
    let by = [
        "--every",
        "month",
        "--by",
        "team",
        "--customers",
        &cust,
        "--format",
        "json",
    ];
    let (g, note) = json(&[&base[..], &by[..]].concat());
    assert!(note.contains("not in --customers"), "{note}");
    let mut sums: BTreeMap<(String, String), u64> = BTreeMap::new();
    for r in g.as_array().unwrap() {
        let k = (
            r["as_of"].as_str().unwrap().to_string(),
            r["segment"].to_string(),
        );
        *sums.entry(k).or_default() += r["customers"].as_u64().unwrap();
    }
    for r in rows {
        let k = (
            r["as_of"].as_str().unwrap().to_string(),
            r["segment"].to_string(),
        );
        assert_eq!(sums[&k], r["customers"].as_u64().unwrap(), "{k:?}");
    }
}

#[test]
fn funnel_every_month_of_entry_and_unmatched_customers_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    // 1 and 2 enter in April (2 pays), 3 enters in May and pays; 4 never visits (no entry:
    // nobody reached the first stage in its group, left out); 9 is not in the table.
    let f = path(
        &dir,
        "f.csv",
        "customer_id,stage,at\n1,visit,2024-04-30 23:00\n1,visit,2024-05-02\n2,visit,2024-04-10\n2,paid,2024-04-12\n3,visit,2024-05-03\n3,paid,2024-05-04\n4,paid,2024-05-05\n9,visit,2024-05-06\n9,paid,2024-05-07\n",
    );
    let base = [
        "metrics",
        "funnel",
        "--events",
        &f,
        "--stages",
        "visit,paid",
    ];
    let rows = |extra: &[&str]| -> (Vec<(String, String, String, u64)>, String) {
        let (v, note) =
            json(&[&base[..], &["--every", "month", "--format", "json"], extra].concat());
        let rows = (v.as_array().unwrap().iter())
            .map(|r| {
                let s = |f: &str| r[f].as_str().unwrap_or("*").to_string();
                (
                    s("channel"),
                    s("month"),
                    s("stage"),
                    r["reached"].as_u64().unwrap(),
                )
            })
            .collect();
        (rows, note)
    };
    let r = |g: &str, m: &str, st: &str, n| (g.to_string(), m.to_string(), st.to_string(), n);
    let (got, note) = rows(&[]);
    assert_eq!(
        got,
        [
            r("*", "2024-04-01", "visit", 2),
            r("*", "2024-04-01", "paid", 1),
            r("*", "2024-05-01", "visit", 2),
            r("*", "2024-05-01", "paid", 2),
        ]
    );
    assert!(note.contains("left out 1 group(s)"), "{note}");
    let cust = path(
        &dir,
        "c.csv",
        "customer_id,channel\n1,web\n2,web\n3,shop\n4,shop\n",
    );
    let (got, note) = rows(&["--by", "channel", "--customers", &cust]);
    assert_eq!(
        got,
        [
            r("", "2024-05-01", "visit", 1),
            r("", "2024-05-01", "paid", 1),
            r("shop", "2024-05-01", "visit", 1),
            r("shop", "2024-05-01", "paid", 1),
            r("web", "2024-04-01", "visit", 2),
            r("web", "2024-04-01", "paid", 1),
        ]
    );
    // 9 has two events: one customer missing from the table, counted once.
    assert!(note.contains("1 customer(s) not in --customers"), "{note}");
}

#[test]
fn churn_every_month_is_the_scoring_as_of_each_month_end() {
    let tx = examples_transactions();
    let tx = tx.to_str().unwrap();
    let base = ["churn", "score", "--transactions", tx, "--format", "json"];
    let (v, note) = json(&[&base[..], &["--as-of", "2024-09-30", "--every", "month"]].concat());
    assert!(!note.contains("not in --customers"), "{note}");
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 9, "one row per month end, January to September");
    assert_eq!(rows[8]["as_of"], "2024-09-30");
    for r in rows {
        let date = r["as_of"].as_str().unwrap();
        let (scores, _) = json(&[&base[..], &["--as-of", date]].concat());
        let scores = scores.as_array().unwrap();
        let tier = |t: &str| scores.iter().filter(|s| s["tier"] == t).count() as u64;
        assert_eq!(
            r["customers"].as_u64().unwrap(),
            scores.len() as u64,
            "{date}"
        );
        for t in ["high", "medium", "low"] {
            assert_eq!(r[t].as_u64().unwrap(), tier(t), "{date} {t}");
        }
    }
}
