//! End-to-end tests of `crm metrics`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::ok;
use std::process::Output;

fn crm(args: &[&str]) -> Output {
    common::crm().args(["metrics"]).args(args).output().unwrap()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    common::write(dir, name, text).to_str().unwrap().to_string()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(o)).unwrap()
}

#[test]
fn nps_json_shape_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id,score\n");
    // 50 promoters, 30 passives, 20 detractors.
    for i in 0..100 {
        let s = if i < 50 {
            9
        } else if i < 80 {
            7
        } else {
            3
        };
        text.push_str(&format!("{i},{s}\n"));
    }
    let f = write(&dir, "nps.csv", &text);
    let out = ok(&crm(&["nps", "--input", &f, "--format", "json"]));
    let keys: Vec<&str> = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"'))
        .map(|l| l.split('"').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "n",
            "promoters",
            "passives",
            "detractors",
            "nps",
            "standard_error",
            "ci_low",
            "ci_high"
        ]
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["n"], 100);
    assert_eq!(v["nps"], 30.0);
    assert!((v["standard_error"].as_f64().unwrap() - 7.81025).abs() < 1e-4);
    // Adjusted-Wald by default: [14.0511, 44.2013].
    assert!((v["ci_low"].as_f64().unwrap() - 14.0511).abs() < 1e-3);
    assert!((v["ci_high"].as_f64().unwrap() - 44.2013).abs() < 1e-3);
    let w = json(&crm(&[
        "nps",
        "--input",
        &f,
        "--format",
        "json",
        "--method",
        "wald",
        "--confidence",
        "0.9",
    ]));
    assert!((w["ci_low"].as_f64().unwrap() - (30.0 - 1.644854 * 7.81025)).abs() < 1e-3);
    let table = ok(&crm(&["nps", "--input", &f, "--format", "table"]));
    // JSON is the default format.
    assert_eq!(json(&crm(&["nps", "--input", &f]))["n"], 100);
    assert!(table.contains("NPS") && table.contains("30"), "{table}");
}

#[test]
fn nps_errors_name_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(&dir, "bad.csv", "id,score\n1,10\n2,11\n3,x\n");
    let o = crm(&["nps", "--input", &f]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8(o.stderr).unwrap();
    assert!(
        e.contains("bad.csv:3: column score:") && e.contains("outside 0..=10"),
        "{e}"
    );
    let o = crm(&["nps", "--input", &f, "--skip-invalid", "--format", "json"]);
    assert_eq!(json(&o)["n"], 1);
    assert!(
        String::from_utf8(o.stderr)
            .unwrap()
            .contains("skipped 2 invalid row(s)")
    );
    let o = crm(&["nps", "--input", &f, "--column", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    let o = crm(&[
        "nps",
        "--input",
        &f,
        "--confidence",
        "1.5",
        "--skip-invalid",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn csat_top_two_box_and_mean() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(&dir, "c.csv", "score\n5\n4\n4\n3\n5\n2\n4\n5\n1\n4\n");
    let v = json(&crm(&["csat", "--input", &f, "--format", "json"]));
    assert_eq!(v["satisfied"], 7);
    assert!((v["top_two_box_ci_low"].as_f64().unwrap() - 0.3968).abs() < 1e-4);
    assert!((v["mean_ci_high"].as_f64().unwrap() - 4.6568).abs() < 1e-3);
    let o = crm(&["csat", "--input", &f, "--scale", "1-5", "--format", "table"]);
    assert!(ok(&o).contains("top-2-box"));
    let bad = write(&dir, "b.csv", "score\n5\n6\n");
    let e = String::from_utf8(crm(&["csat", "--input", &bad]).stderr).unwrap();
    assert!(e.contains("b.csv:3: column score:"), "{e}");
}

#[test]
fn retention_counts_and_churn() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "s.csv",
        "customer_id,start,end\na,2024-01-01,\nb,2024-02-01,2024-05-01\nc,2024-03-01,\nd,2024-04-10,\ne,2024-05-01,2024-06-01\n",
    );
    let args = [
        "retention",
        "--subscriptions",
        &f,
        "--start",
        "2024-04-01",
        "--end",
        "2024-06-30",
        "--format",
        "json",
    ];
    let v = json(&crm(&args));
    assert_eq!(
        (
            v["customers_start"].as_u64(),
            v["customers_end"].as_u64(),
            v["new"].as_u64()
        ),
        (Some(3), Some(3), Some(2))
    );
    assert!((v["count_retention"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert!((v["cohort_retention"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert!((v["churn"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    let mut inc = args.to_vec();
    inc.extend(["--joiners", "include"]);
    assert!((json(&crm(&inc))["churn"].as_f64().unwrap() - 0.4).abs() < 1e-12);
    let dup = write(
        &dir,
        "d.csv",
        "customer_id,start,end\na,2024-01-01,\na,2024-02-01,\n",
    );
    let e = crm(&[
        "retention",
        "--subscriptions",
        &dup,
        "--start",
        "2024-04-01",
        "--end",
        "2024-06-30",
    ]);
    assert!(
        String::from_utf8(e.stderr)
            .unwrap()
            .contains("d.csv:3: column customer_id: customer a appears twice")
    );
}

#[test]
fn cohorts_month_and_week() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "t.csv",
        "customer_id,date,amount\n0,2024-01-10,1\n1,2024-01-10,1\n2,2024-01-10,1\n0,2024-02-10,1\n1,2024-03-10,1\n3,2024-02-10,1\n3,2024-03-10,1\n",
    );
    let v = json(&crm(&[
        "cohorts",
        "--transactions",
        &f,
        "--period",
        "month",
        "--format",
        "json",
    ]));
    assert_eq!(v["cohorts"][0]["active"], serde_json::json!([3, 1, 1]));
    assert_eq!(v["cohorts"][0]["rolling"], serde_json::json!([3, 2, 1]));
    assert_eq!(v["cohorts"][1]["start"], "2024-02-01");
    let t = ok(&crm(&[
        "cohorts",
        "--transactions",
        &f,
        "--counts",
        "--format",
        "table",
    ]));
    assert!(t.lines().nth(2).unwrap().starts_with("2024-01-01"), "{t}");
    let w = json(&crm(&[
        "cohorts",
        "--transactions",
        &f,
        "--period",
        "week",
        "--format",
        "json",
    ]));
    assert_eq!(w["cohorts"][0]["start"], "2024-01-08");
    let bad = write(&dir, "b.csv", "customer_id,date,amount\n0,2024-13-10,1\n");
    let e = String::from_utf8(crm(&["cohorts", "--transactions", &bad]).stderr).unwrap();
    assert!(e.contains("b.csv:2: column date:"), "{e}");
}

#[test]
fn revenue_from_movements() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "m.csv",
        "customer_id,date,kind,amount\na,2023-12-01,new,6000\nb,2023-12-05,new,4000\nc,2024-01-15,new,2000\na,2024-01-10,expansion,1500\nb,2024-01-20,contraction,300\nb,2024-01-25,churn,700\nd,2024-01-30,reactivation,200\n",
    );
    let v = json(&crm(&[
        "revenue",
        "--movements",
        &f,
        "--start",
        "2024-01-01",
        "--end",
        "2024-01-31",
        "--format",
        "json",
    ]));
    assert_eq!(v["starting_mrr"], "10000");
    assert_eq!(v["ending_mrr"], "12700");
    assert!((v["grr"].as_f64().unwrap() - 0.9).abs() < 1e-12);
    assert!((v["nrr"].as_f64().unwrap() - 1.05).abs() < 1e-12);
    assert!((v["net_mrr_churn"].as_f64().unwrap() + 0.05).abs() < 1e-12);
    assert!((v["quick_ratio"].as_f64().unwrap() - 3.7).abs() < 1e-12);
    let bad = write(
        &dir,
        "b.csv",
        "customer_id,date,kind,amount\na,2024-01-01,upgrade,1\n",
    );
    let e = String::from_utf8(
        crm(&[
            "revenue",
            "--movements",
            &bad,
            "--start",
            "2024-01-01",
            "--end",
            "2024-01-31",
        ])
        .stderr,
    )
    .unwrap();
    assert!(
        e.contains("b.csv:2: column kind: unknown movement kind"),
        "{e}"
    );
}

#[test]
fn funnel_conversion() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "f.csv",
        "customer_id,stage,at\n1,visit,2024-05-01 09:00\n1,signup,2024-05-01 10:00\n1,paid,2024-05-03 10:00\n2,visit,2024-05-01 09:00\n2,signup,2024-05-01 13:00\n3,visit,2024-05-02\n4,visit,2024-05-02\n",
    );
    let v = json(&crm(&[
        "funnel",
        "--events",
        &f,
        "--stages",
        "visit,signup,paid",
        "--format",
        "json",
    ]));
    let reached: Vec<u64> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reached"].as_u64().unwrap())
        .collect();
    assert_eq!(reached, [4, 2, 1]);
    assert_eq!(v["steps"][1]["median_hours_from_previous"], 2.5);
    let e = String::from_utf8(crm(&["funnel", "--events", &f, "--stages", "visit,signup"]).stderr)
        .unwrap();
    assert!(
        e.contains("f.csv:4: column stage: stage \"paid\" is not in --stages"),
        "{e}"
    );
}

/// A survey file mixing questions (the demo's `surveys.csv` layout): each command uses only
/// the rows of its own `type` and says how many others it left out.
#[test]
fn survey_types_are_kept_apart() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("customer_id,date,type,score\n");
    // NPS: 3 promoters, 1 passive, 1 detractor = +40; CSAT 1-5: 4, 5, 2; CES v2: 7, 6, 2.
    for (t, s) in [
        ("nps", 10),
        ("csat", 4),
        ("nps", 9),
        ("ces", 7),
        ("NPS", 9),
        ("csat", 5),
        ("nps", 8),
        ("ces", 6),
        ("nps", 0),
        ("csat", 2),
        ("ces", 2),
    ] {
        text.push_str(&format!("1,2024-01-02,{t},{s}\n"));
    }
    let f = write(&dir, "surveys.csv", &text);
    let nps = crm(&["nps", "--input", &f]);
    let v = json(&nps);
    assert_eq!((v["n"].as_u64(), v["nps"].as_f64()), (Some(5), Some(40.0)));
    let note = String::from_utf8(nps.stderr).unwrap();
    assert!(
        note.contains("5 nps answer(s), rows with type = nps; left out 6 row(s)"),
        "{note}"
    );
    let csat = json(&crm(&["csat", "--input", &f]));
    assert_eq!(csat["n"], 3);
    assert!((csat["top_two_box"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    let ces = json(&crm(&["ces", "--input", &f]));
    assert_eq!(
        (ces["n"].as_u64(), ces["mean"].as_f64()),
        (Some(3), Some(5.0))
    );
    assert_eq!(ces["version"], "v2");
    assert_eq!(ces["higher_is_better"], true);
    assert!((ces["low_effort_share"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    // t interval: 5 -/+ 4.3027 * sqrt(7) / sqrt(3)
    assert!(
        (ces["mean_ci_low"].as_f64().unwrap() + 1.5724).abs() < 1e-3,
        "{ces}"
    );
    // Without the type column every row is an answer: a CSAT 4 is a valid NPS detractor,
    // so the file's owner must name the column that tells the questions apart.
    let g = json(&crm(&["nps", "--input", &f, "--type-column", "kind"]));
    assert_eq!(g["n"], 11);
    // v1 answers run 1-5: the v2 answers 7 and 6 are errors naming line and column.
    let e = common::err(&crm(&["ces", "--input", &f, "--question", "v1"]));
    assert!(e.contains("surveys.csv:5: column score"), "{e}");
    // No answers of the type: an error naming the file.
    let only_csat = write(&dir, "csat.csv", "type,score\ncsat,4\n");
    let e = common::err(&crm(&["nps", "--input", &only_csat]));
    assert!(
        e.contains("csat.csv: column score") && e.contains("no scores"),
        "{e}"
    );
}

#[test]
fn survey_metrics_drill_down_by_column_period_and_customer_table() {
    let dir = tempfile::tempdir().unwrap();
    // North: 10, 9, 6 (2 promoters, 1 detractor: NPS 33.33); south: 3, 8 (NPS -50); one CSAT
    // row that NPS must ignore; one row from a customer the customer table lacks.
    let surveys = write(
        &dir,
        "s.csv",
        "customer_id,date,type,score,channel\n\
         1,2024-01-05,nps,10,web\n\
         2,2024-01-20,nps,9,store\n\
         1,2024-02-03,nps,6,web\n\
         3,2024-02-10,nps,3,web\n\
         3,2024-02-11,csat,5,web\n\
         4,2024-03-01,nps,8,web\n\
         9,2024-03-02,nps,10,web\n",
    );
    let customers = write(
        &dir,
        "c.csv",
        "customer_id,region\n1,north\n2,north\n3,south\n4,south\n",
    );
    let run = |extra: &[&str]| {
        let mut args = vec!["nps", "--input", &surveys, "--customers", &customers];
        args.extend_from_slice(extra);
        let out = crm(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (v, String::from_utf8(out.stderr).unwrap())
    };
    let (v, note) = run(&["--by", "region"]);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{v}");
    // The unmatched customer 9 groups under an empty region, and the note says so.
    assert_eq!(rows[0]["region"], "");
    assert_eq!(rows[0]["n"], 1);
    assert!(
        note.contains("1 answer(s) from customers not in --customers"),
        "{note}"
    );
    assert_eq!(rows[1]["region"], "north");
    assert_eq!(rows[1]["n"], 3);
    assert!((rows[1]["nps"].as_f64().unwrap() - 100.0 / 3.0).abs() < 1e-9);
    assert_eq!(rows[2]["region"], "south");
    assert_eq!(rows[2]["nps"].as_f64().unwrap(), -50.0);
    // Region by month, web only: north January (10) and February (6), south February (3)
    // and March (8), and the unmatched March row.
    let (v, note) = run(&[
        "--by",
        "region",
        "--every",
        "month",
        "--where",
        "channel=web",
    ]);
    let keys: Vec<(String, String, u64)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["region"].as_str().unwrap().to_string(),
                r["month"].as_str().unwrap().to_string(),
                r["n"].as_u64().unwrap(),
            )
        })
        .collect();
    let k = |r: &str, m: &str| (r.to_string(), m.to_string(), 1);
    assert_eq!(
        keys,
        [
            k("", "2024-03-01"),
            k("north", "2024-01-01"),
            k("north", "2024-02-01"),
            k("south", "2024-02-01"),
            k("south", "2024-03-01")
        ]
    );
    assert!(note.contains("--where left out 1 row(s)"), "{note}");
    // A group column in neither file is an error naming it.
    let out = crm(&["nps", "--input", &surveys, "--by", "segment"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("segment"));
}

#[test]
fn retention_every_month_and_by_customer_attribute() {
    let dir = tempfile::tempdir().unwrap();
    // As in `retention_counts_and_churn`; b's first inactive day is May 1: a May loss.
    let f = write(
        &dir,
        "s.csv",
        "customer_id,start,end\na,2024-01-01,\nb,2024-02-01,2024-05-01\nc,2024-03-01,\nd,2024-04-10,\ne,2024-05-01,2024-06-01\n",
    );
    let c = write(
        &dir,
        "c.csv",
        "customer_id,region\na,north\nb,north\nc,south\nd,south\n",
    );
    let base = [
        "retention",
        "--subscriptions",
        &f,
        "--start",
        "2024-04-01",
        "--end",
        "2024-06-30",
    ];
    let rows = |extra: &[&str]| -> Vec<(String, String, f64, u64)> {
        let mut args = base.to_vec();
        args.extend(["--every", "month", "--format", "json"]);
        args.extend(extra);
        let v = json(&crm(&args));
        (v.as_array().unwrap().iter())
            .map(|r| {
                (
                    r["region"].as_str().unwrap_or("*").to_string(),
                    r["period_start"].as_str().unwrap().to_string(),
                    r["cohort_retention"].as_f64().unwrap(),
                    r["customers_start"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let s = |a: &str, b: &str, r: f64, n: u64| (a.to_string(), b.to_string(), r, n);
    // April: a, b, c carried in, all stay. May: a, b, c, d carried in, b lost. June: a, c, d, e
    // carried in, e lost.
    assert_eq!(
        rows(&[]),
        [
            s("*", "2024-04-01", 1.0, 3),
            s("*", "2024-05-01", 0.75, 4),
            s("*", "2024-06-01", 0.75, 4)
        ]
    );
    // e is not in the table; its group has nobody carried into April or May (left out, and
    // said so).
    let out = crm(&[
        &base[..],
        &["--every", "month", "--by", "region", "--customers", &c],
    ]
    .concat());
    let note = String::from_utf8(out.stderr.clone()).unwrap();
    assert!(
        note.contains("left out 2 period(s)") && note.contains("1 customer(s) not in"),
        "{note}"
    );
    assert_eq!(
        rows(&["--by", "region", "--customers", &c]),
        [
            s("", "2024-06-01", 0.0, 1),
            s("north", "2024-04-01", 1.0, 2),
            s("north", "2024-05-01", 0.5, 2),
            s("north", "2024-06-01", 1.0, 1),
            s("south", "2024-04-01", 1.0, 1),
            s("south", "2024-05-01", 1.0, 2),
            s("south", "2024-06-01", 1.0, 2),
        ]
    );
}
