//! End-to-end tests of `crm rfm`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{crm, err, ok, write};
use std::fmt::Write as _;

/// Five customers, hand-scored with 5 value-based bins. As-of defaults to 2024-07-01.
const FIVE: &str = "customer_id,date,amount\n\
ann,2024-06-28,120\nann,2024-06-01,80\nann,2024-05-02,60\n\
bob,2024-01-03,15\n\
cyd,2024-06-20,30\n\
dan,2024-02-14,200\ndan,2024-03-01,150\ndan,2024-03-09,90\n\
eve,2024-04-30,25\neve,2024-05-30,20\n\
\"fay, jr\",2024-06-30,1.5\n";

#[test]
fn per_customer_rows_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(&dir, "t.csv", FIVE);
    let out = ok(&crm()
        .args(["rfm", "--transactions"])
        .arg(&f)
        .output()
        .unwrap());
    // Recency 3, 180, 11, 114, 32, 1 days; frequency 3, 1, 1, 3, 2, 1; spend 260, 15, 30, 440,
    // 45, 1.5. Rows are sorted by id; quoted ids are written back quoted.
    assert_eq!(
        out,
        "customer_id,recency_days,frequency,monetary,r,f,m,segment\n\
         ann,3,3,260,5,4,4,Champions\n\
         bob,180,1,15,1,1,1,Hibernating\n\
         cyd,11,1,30,4,1,2,Promising\n\
         dan,114,3,440,2,4,5,At Risk\n\
         eve,32,2,45,3,3,3,Need Attention\n\
         \"fay, jr\",1,1,1.5,5,1,1,New Customers\n"
    );
    let rep = ok(&crm()
        .args([
            "rfm",
            "--report-only",
            "--segments",
            "tiers",
            "--transactions",
        ])
        .arg(&f)
        .output()
        .unwrap());
    let report_header = "segment,customers,customer_share,revenue,revenue_share,mean_recency_days,mean_frequency,mean_monetary";
    assert_eq!(rep.lines().next().unwrap(), report_header);
    // --report: the rows, a blank line, then the same report.
    let both = ok(&crm()
        .args(["rfm", "--report", "--segments", "tiers", "--transactions"])
        .arg(&f)
        .output()
        .unwrap());
    let (rows, tail) = both.split_once("\n\n").unwrap();
    assert_eq!(rows.lines().count(), 7, "{both}");
    assert!(rows.contains("\nann,3,3,260,5,4,4,VIP\n"), "{both}");
    assert_eq!(tail, rep);
    // --report-output: rows on stdout, the report in its own file.
    let rp = dir.path().join("report.csv");
    let rows_only = ok(&crm()
        .args(["rfm", "--segments", "tiers", "--report-output"])
        .arg(&rp)
        .arg("--transactions")
        .arg(&f)
        .output()
        .unwrap());
    assert_eq!(rows_only, format!("{rows}\n"));
    assert_eq!(std::fs::read_to_string(&rp).unwrap(), rep);
    // JSON: one object holding both.
    let js: serde_json::Value = serde_json::from_str(&ok(&crm()
        .args(["rfm", "--report", "--format", "json", "--segments", "tiers"])
        .arg("--transactions")
        .arg(&f)
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(js["customers"].as_array().unwrap().len(), 6);
    assert_eq!(js["customers"][0]["segment"], "VIP");
    assert_eq!(js["report"]["segments"][0]["segment"], "VIP");
    assert_eq!(js["report"]["segments"][0]["customers"], 1);
    // VIP needs R, F, M >= 4: ann. Potential: R >= 3: cyd, eve, fay. Churn warning: bob, dan.
    // Revenue 791.5 in all: 260 / 791.5 = 0.3285, 455 / 791.5 = 0.5749.
    assert!(rep.contains("\nVIP,1,0.1667,260,0.3285,3,3,260\n"), "{rep}");
    assert!(
        rep.contains("\nPotential,3,0.5,76.5,0.0967,14.67,1.33,25.5\n"),
        "{rep}"
    );
    assert!(
        rep.ends_with("\nChurn warning,2,0.3333,455,0.5749,147,2,227.5\n"),
        "{rep}"
    );
}

#[test]
fn rank_first_fixed_cut_points_and_json_maps() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(&dir, "t.csv", FIVE);
    let cuts = dir.path().join("cuts.json");
    ok(&crm()
        .args(["rfm", "--as-of", "2024-07-01", "--save-cut-points"])
        .arg(&cuts)
        .arg("--transactions")
        .arg(&f)
        .output()
        .unwrap());
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cuts).unwrap()).unwrap();
    assert_eq!(saved["frequency"], serde_json::json!([1.0, 1.0, 2.0, 3.0]));
    // Scoring a file against stored cut points gives the same scores as fitting on it.
    let fitted = ok(&crm()
        .args(["rfm", "--transactions"])
        .arg(&f)
        .output()
        .unwrap());
    let applied = ok(&crm()
        .args(["rfm", "--cut-points"])
        .arg(&cuts)
        .arg("--transactions")
        .arg(&f)
        .output()
        .unwrap());
    assert_eq!(fitted, applied);
    let rank = ok(&crm()
        .args([
            "rfm",
            "--ties",
            "rank-first",
            "--format",
            "json",
            "--transactions",
        ])
        .arg(&f)
        .output()
        .unwrap());
    let rows: serde_json::Value = serde_json::from_str(&rank).unwrap();
    // Rank-first: frequencies 3, 1, 1, 3, 2, 1 (id order) ranked 5, 1, 2, 6, 4, 3 (ties by
    // position) and cut at 1 + 5j/5: ranks 1-2 -> 1, 3 -> 2, 4 -> 3, 5 -> 4, 6 -> 5. The three
    // single buyers get 1, 1 and 2.
    let fs: Vec<u64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["f"].as_u64().unwrap())
        .collect();
    assert_eq!(fs, vec![4, 1, 1, 5, 3, 2]);
    let map = write(
        &dir,
        "map.json",
        r#"{"rules": [{"segment": "Big", "m": [5, 5]}], "fallback": "Rest"}"#,
    );
    let out = ok(&crm()
        .args(["rfm", "--segments"])
        .arg(&map)
        .arg("--transactions")
        .arg(&f)
        .output()
        .unwrap());
    assert!(out.contains("dan,114,3,440,2,4,5,Big\n"), "{out}");
    let bad = write(
        &dir,
        "bad.json",
        r#"{"rules": [{"segment": "X", "r": [4, 9]}], "fallback": "Y"}"#,
    );
    let e = err(&crm()
        .args(["rfm", "--segments"])
        .arg(&bad)
        .arg("--transactions")
        .arg(&f)
        .output()
        .unwrap());
    assert!(e.contains("reaches past the 5 score levels"), "{e}");
}

#[test]
fn errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "t.csv",
        "customer_id,date,amount\n1,2024-01-01,10\n\n2,2024-13-01,5\n3,2024-01-02,abc\n",
    );
    let e = err(&crm()
        .args(["rfm", "--transactions"])
        .arg(&f)
        .output()
        .unwrap());
    assert!(
        e.starts_with(&format!(
            "error: {}:4: column date: cannot parse",
            f.display()
        )),
        "{e}"
    );
    let out = crm()
        .args(["rfm", "--skip-invalid", "--transactions"])
        .arg(&f)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(stderr.contains("skipped 2 invalid row(s)"), "{stderr}");
    assert!(
        stderr.contains(":5: column amount: cannot parse \"abc\""),
        "{stderr}"
    );
    assert_eq!(ok(&out).lines().count(), 2);
    // Purchases after --as-of.
    let e = err(&crm()
        .args([
            "rfm",
            "--skip-invalid",
            "--as-of",
            "2023-12-31",
            "--transactions",
        ])
        .arg(&f)
        .output()
        .unwrap());
    assert!(e.contains("no customers"), "{e}");
    let late = write(
        &dir,
        "late.csv",
        "customer_id,date,amount\n1,2024-01-01,10\n2,2024-02-01,5\n",
    );
    let e = err(&crm()
        .args(["rfm", "--as-of", "2024-01-15", "--transactions"])
        .arg(&late)
        .output()
        .unwrap());
    assert!(
        e.contains(":3: column date: date 2024-02-01 is after"),
        "{e}"
    );
    assert!(e.contains("--exclude-after-as-of"), "{e}");
    let out = ok(&crm()
        .args([
            "rfm",
            "--as-of",
            "2024-01-15",
            "--exclude-after-as-of",
            "--transactions",
        ])
        .arg(&late)
        .output()
        .unwrap());
    assert_eq!(out.lines().count(), 2);
    let e = err(&crm()
        .args(["rfm", "--customer-column", "cust", "--transactions"])
        .arg(&late)
        .output()
        .unwrap());
    assert!(e.contains("column cust: no such column"), "{e}");
}

/// A file big enough to be read in parallel parts: the result and the error line numbers must
/// not depend on the number of threads.
#[test]
fn parallel_parts_agree_with_one_thread() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("customer_id,date,amount\n");
    let mut s = 7u64;
    let rows = 250_000;
    for _ in 0..rows {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let day = 1 + s % 28;
        writeln!(
            text,
            "{},2024-02-{day:02},{}.{:02}",
            s % 5000,
            s % 300,
            s % 100
        )
        .unwrap();
    }
    assert!(text.len() > 5 << 20);
    let f = write(&dir, "big.csv", &text);
    let run = |threads: &str| {
        ok(&crm()
            .args(["rfm", "--threads", threads, "--transactions"])
            .arg(&f)
            .output()
            .unwrap())
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert_eq!(one, run("3"));
    assert_eq!(one.lines().count(), 5001);
    // An error near the end: its line number is exact in every part.
    text.push_str("9,2024-02-30,1\n");
    let f = write(&dir, "bad.csv", &text);
    for threads in ["1", "2"] {
        let e = err(&crm()
            .args(["rfm", "--threads", threads, "--transactions"])
            .arg(&f)
            .output()
            .unwrap());
        let want = format!("{}:{}: column date:", f.display(), rows + 2);
        assert!(e.contains(&want), "{e}");
    }
}

#[test]
fn whitespace_files_use_the_shared_reader() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "cd.txt",
        " customer_id  date number_of_cds  dollar_value\n 00001 19970101  1   11.77\n 00002 19970112  1   12.00\n 00002 19970112  5   77.00\n",
    );
    let out = ok(&crm()
        .args([
            "rfm",
            "--delimiter",
            "whitespace",
            "--amount-column",
            "dollar_value",
            "--transactions",
        ])
        .arg(&f)
        .output()
        .unwrap());
    assert!(out.contains("\n00002,1,2,89,"), "{out}");
    let out = ok(&crm()
        .args([
            "rfm",
            "--merge-same-day",
            "--monetary",
            "mean",
            "--delimiter",
            "whitespace",
            "--amount-column",
            "dollar_value",
            "--transactions",
        ])
        .arg(&f)
        .output()
        .unwrap());
    assert!(out.contains("\n00002,1,1,89,"), "{out}");
}

/// `--encoding gbk` reads a GB18030 export as its UTF-8 twin; `--decimal-comma` reads
/// `1.234,50`-style amounts; without the flags each file is an error naming line and column.
#[test]
fn gbk_and_decimal_comma_files() {
    let dir = tempfile::tempdir().unwrap();
    let text = "customer_id,date,amount\n\
        张三,2024-06-28,120\n张三,2024-06-01,80\n\
        李四,2024-01-03,15\n\
        \"王五, 北京\",2024-06-20,30\n";
    let utf8 = write(&dir, "t.csv", text);
    let gbk_path = dir.path().join("t-gbk.csv");
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    std::fs::write(&gbk_path, &bytes).unwrap();
    let run = |args: &[&str], f: &std::path::Path| {
        crm()
            .arg("rfm")
            .args(args)
            .arg("--transactions")
            .arg(f)
            .output()
            .unwrap()
    };
    let want = ok(&run(&[], &utf8));
    assert!(
        want.contains("张三,") && want.contains("\"王五, 北京\","),
        "{want}"
    );
    assert_eq!(ok(&run(&["--encoding", "gbk"], &gbk_path)), want);
    let e = err(&run(&[], &gbk_path));
    assert!(
        e.contains("t-gbk.csv:2: column customer_id: bytes that are not valid UTF-8")
            && e.contains("--encoding gbk"),
        "{e}"
    );

    // The same amounts written with decimal commas and thousands points, semicolon-separated.
    let comma = write(
        &dir,
        "comma.csv",
        "customer_id;date;amount\n\
         张三;2024-06-28;120,00\n张三;2024-06-01;80\n\
         李四;2024-01-03;15,0\n\
         王五, 北京;2024-06-20;€30\n",
    );
    let got = ok(&run(
        &["--delimiter", "semicolon", "--decimal-comma"],
        &comma,
    ));
    let strip = |s: &str| s.replace(".00", "").replace(".0", "");
    assert_eq!(strip(&got), strip(&want));
    let e = err(&run(&["--delimiter", "semicolon"], &comma));
    assert!(
        e.contains("comma.csv:2: column amount:") && e.contains("--decimal-comma"),
        "{e}"
    );
    // The wrong delimiter: the hint.
    let e = err(&run(&[], &comma));
    assert!(e.contains("try --delimiter semicolon"), "{e}");
}

/// Parquet in and out: a `.parquet` transaction file reads like its CSV copy, and
/// `--output x.parquet` writes the per-customer rows as a Parquet table.
#[test]
fn parquet_input_and_output() {
    use crm_analytics::io::{ReadOptions, Table, TransactionColumns, load_transactions};
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("tx.csv");
    std::fs::write(
        &csv,
        "customer_id,date,amount\n1,2024-01-05,10.50\n2,2024-02-01,3\n1,2024-03-01,7\n3,2024-03-02,-2\n",
    )
    .unwrap();
    // A Parquet copy, written by the library's writer from the loaded rows.
    #[derive(serde::Serialize)]
    struct Tx {
        customer_id: u64,
        date: String,
        amount: String,
    }
    let loaded = load_transactions(
        &csv,
        &TransactionColumns::default(),
        &ReadOptions::default(),
    )
    .unwrap();
    let rows: Vec<Tx> = loaded
        .transactions
        .iter()
        .map(|t| Tx {
            customer_id: loaded
                .ids
                .id(t.customer())
                .unwrap()
                .to_string()
                .parse()
                .unwrap(),
            date: t.date().to_string(),
            amount: t.signed_amount().to_string(),
        })
        .collect();
    let pq = dir.path().join("tx.parquet");
    crm_analytics::io::write_table(&pq, crm_analytics::io::OutputFormat::Parquet, &rows).unwrap();
    let run = |input: &std::path::Path, extra: &[&str]| {
        let out = crm()
            .args(["rfm", "--as-of", "2024-03-31", "--transactions"])
            .arg(input)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    assert_eq!(run(&csv, &[]), run(&pq, &[]));
    let out = dir.path().join("rfm.parquet");
    assert!(run(&csv, &["--output", out.to_str().unwrap()]).is_empty());
    let mut t = Table::open(&out, &ReadOptions::default()).unwrap();
    let seg = t.column("segment").unwrap();
    let id = t.column("customer_id").unwrap();
    let mut got = Vec::new();
    t.for_each(|r| {
        got.push((r.get(id).to_string(), r.get(seg).to_string()));
        Ok(())
    })
    .unwrap();
    assert_eq!(got.len(), 2); // customer 3 only returned goods: not an RFM customer
    assert_eq!(got[0].0, "1");
}

#[test]
fn purchase_after_as_of_names_the_line_and_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(&dir, "t.csv", FIVE);
    let e = err(&crm()
        .args(["rfm", "--as-of", "2024-06-29", "--transactions"])
        .arg(&f)
        .output()
        .unwrap());
    assert!(
        e.contains("t.csv:12: column date: date 2024-06-30 is after the observation end 2024-06-29 (use --exclude-after-as-of to leave such rows out)"),
        "{e}"
    );
}

#[test]
fn segment_report_by_customer_attribute() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(&dir, "t.csv", FIVE);
    // "fay, jr" is not in the table: grouped under an empty region, and said so.
    let c = write(
        &dir,
        "c.csv",
        "customer_id,region\nann,east\nbob,east\ncyd,west\ndan,west\neve,west\n",
    );
    let out = crm()
        .args([
            "rfm",
            "--segments",
            "tiers",
            "--by",
            "region",
            "--customers",
        ])
        .arg(&c)
        .arg("--transactions")
        .arg(&f)
        .output()
        .unwrap();
    let rep = ok(&out);
    let lines: Vec<&str> = rep.lines().collect();
    assert_eq!(
        lines[0],
        "region,segment,customers,customer_share,revenue,revenue_share,mean_recency_days,mean_frequency,mean_monetary"
    );
    // Tiers as in `per_customer_rows_and_report`: VIP ann; Potential cyd, eve, fay; Churn
    // warning bob, dan. East: ann 260, bob 15; west: cyd 30, eve 45, dan 440. The fallback
    // segment (Churn warning) is listed where it has customers, so the empty region has two.
    assert_eq!(lines.len(), 1 + 2 + 3 + 3, "{rep}");
    for want in [
        ",Potential,1,1.0,1.50,1.0,1.0,1.0,1.5",
        ",VIP,0,0.0,0,",
        "east,VIP,1,0.5,260.00,",
        "east,Churn warning,1,0.5,15.00,",
        "west,Potential,2,0.6666666666666666,75.00,",
        "west,Churn warning,1,0.3333333333333333,440.00,",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(want)),
            "{want} missing in\n{rep}"
        );
    }
    let note = String::from_utf8(out.stderr).unwrap();
    assert!(note.contains("1 customer(s) not in --customers"), "{note}");
    // With --report-output the rows stay on stdout and the grouped report goes to the file.
    let rp = dir.path().join("by.csv");
    let rows = ok(&crm()
        .args([
            "rfm",
            "--segments",
            "tiers",
            "--by",
            "region",
            "--customers",
        ])
        .arg(&c)
        .arg("--report-output")
        .arg(&rp)
        .arg("--transactions")
        .arg(&f)
        .output()
        .unwrap());
    assert!(rows.starts_with("customer_id,recency_days"), "{rows}");
    assert_eq!(std::fs::read_to_string(&rp).unwrap(), rep);
}
