//! End-to-end tests of `crm summary`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{crm, write};

#[test]
fn help_lists_subcommands() {
    let out = crm().arg("--help").output().unwrap();
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("summary"), "{s}");
    let out = crm().arg("--version").output().unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("crm "));
}

#[test]
fn csv_and_json_output() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "t.csv",
        "customer_id, date, amount, note\nA, 2024-01-01, 10.00, x\nA, 2024-01-15, 20.00, y\nB, 2024-01-08, 5, z\nA, 2024-01-15, 4.00, w\n",
    );
    let out = crm()
        .args(["summary", "--transactions"])
        .arg(&f)
        .args(["--observation-end", "2024-01-29"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "customer_id,x,t_x,T,monetary\nA,1,2.0,4.0,24\nB,0,0.0,3.0,0\n"
    );
    let out = crm()
        .args([
            "summary",
            "--format",
            "json",
            "--unit",
            "day",
            "--transactions",
        ])
        .arg(&f)
        .args(["--observation-end", "2024-01-29"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["customer_id"], "A");
    assert_eq!(v[0]["t_x"], 14.0);
    assert_eq!(v[1]["T"], 21.0);
}

#[test]
fn malformed_row_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "t.csv",
        "customer_id,date,amount\nA,2024-01-01,10\nB,2024-13-01,5\nC,2024-01-02,abc\n",
    );
    let out = crm()
        .args(["summary", "--transactions"])
        .arg(&f)
        .args(["--observation-end", "2024-02-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("t.csv:3: column date: cannot parse \"2024-13-01\""),
        "{err}"
    );
    assert!(!err.contains("panicked"));

    let out = crm()
        .args(["summary", "--skip-invalid", "--transactions"])
        .arg(&f)
        .args(["--observation-end", "2024-02-01"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("skipped 2 invalid row(s)"), "{err}");
    assert!(err.contains("t.csv:4: column amount"), "{err}");
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 2);
}

#[test]
fn missing_column_and_late_rows() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "t.csv",
        "id,date,amount\nA,2024-01-01,10\nA,2024-03-01,10\n",
    );
    let out = crm()
        .args(["summary", "--transactions"])
        .arg(&f)
        .args(["--observation-end", "2024-02-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("column customer_id: no such column; the header has: id, date, amount"),
        "{err}"
    );

    let out = crm()
        .args(["summary", "--customer-column", "id", "--transactions"])
        .arg(&f)
        .args(["--observation-end", "2024-02-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("after the observation end") && err.contains("--exclude-after-end"),
        "{err}"
    );

    let out = crm()
        .args([
            "summary",
            "--exclude-after-end",
            "--customer-column",
            "id",
            "--transactions",
        ])
        .arg(&f)
        .args(["--observation-end", "2024-02-01"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("left out 1 transaction")
    );
}

#[test]
fn whitespace_input_without_header() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "t.txt",
        " 00001 19970101  1   11.77\n 00001 19970108  2   20.00\n",
    );
    let out = crm()
        .args(["summary", "--delimiter", "whitespace", "--no-header"])
        .args([
            "--customer-column",
            "1",
            "--date-column",
            "2",
            "--amount-column",
            "4",
        ])
        .arg("--transactions")
        .arg(&f)
        .args(["--observation-end", "1997-01-15"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "customer_id,x,t_x,T,monetary\n00001,1,1.0,2.0,20\n"
    );
}

#[test]
fn missing_file_is_a_clear_error() {
    let out = crm()
        .args([
            "summary",
            "--transactions",
            "/nonexistent/t.csv",
            "--observation-end",
            "2024-01-01",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("error: /nonexistent/t.csv: "), "{err}");
}
