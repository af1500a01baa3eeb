//! Input formats: text encodings (UTF-8 with a byte-order mark, GB18030/GBK), amounts with
//! currency symbols, thousands separators and decimal commas, and the delimiter hint.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use crm_analytics::io::*;
use crm_analytics::model::CustomerInterner;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// The error text of a load that must fail.
fn load_err(p: &Path, cols: &TransactionColumns, o: &ReadOptions) -> String {
    match load_transactions(p, cols, o) {
        Ok(l) => panic!("read {:?}", tx_rows(&l)),
        Err(e) => e.to_string(),
    }
}

fn gbk_opts() -> ReadOptions {
    ReadOptions {
        encoding: Encoding::Gbk,
        ..ReadOptions::default()
    }
}

/// Transactions as comparable text: external id, date, signed amount.
fn tx_rows(l: &LoadedTransactions) -> Vec<String> {
    l.transactions
        .iter()
        .map(|t| {
            format!(
                "{}|{}|{}",
                l.ids.id(t.customer()).unwrap(),
                t.date(),
                t.signed_amount()
            )
        })
        .collect()
}

const TX: &str = "customer_id,date,amount\n\
    张三,2024-01-05,12.50\n\
    李四,2024-01-06,3\n\
    \"王五,北京\",2024-01-07,-2.5\n\
    张三,2024-02-01,7\n\
    1001,2024-02-02,1\n";

#[test]
fn utf8_byte_order_mark_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let plain = write(dir.path(), "plain.csv", TX.as_bytes());
    let bom = write(
        dir.path(),
        "bom.csv",
        &[b"\xEF\xBB\xBF", TX.as_bytes()].concat(),
    );
    let cols = TransactionColumns::default();
    let o = ReadOptions::default();
    let want = tx_rows(&load_transactions(&plain, &cols, &o).unwrap());
    assert_eq!(want.len(), 5);
    assert_eq!(tx_rows(&load_transactions(&bom, &cols, &o).unwrap()), want);
    // Without a header, the first id is not prefixed with the mark (fast and sequential reader).
    let no_header = ReadOptions {
        has_header: false,
        ..ReadOptions::default()
    };
    let by_pos = TransactionColumns {
        customer: "1".into(),
        date: "2".into(),
        amount: Some("3".into()),
        ..TransactionColumns::default()
    };
    let body = &TX[TX.find('\n').unwrap() + 1..];
    let bom = write(
        dir.path(),
        "bom2.csv",
        &[b"\xEF\xBB\xBF", body.as_bytes()].concat(),
    );
    assert_eq!(
        tx_rows(&load_transactions(&bom, &by_pos, &no_header).unwrap()),
        want
    );
    // Whitespace files and the other readers skip it too.
    let ws = write(
        dir.path(),
        "ws.txt",
        b"\xEF\xBB\xBFcustomer_id date amount\n1 2024-01-01 2\n",
    );
    let o = ReadOptions {
        delimiter: Delimiter::Whitespace,
        ..ReadOptions::default()
    };
    let l = load_transactions(&ws, &cols, &o).unwrap();
    assert_eq!(tx_rows(&l), ["1|2024-01-01|2"]);
    let cust = write(
        dir.path(),
        "customers.csv",
        "\u{feff}customer_id,full_name\n1,Ann\n".as_bytes(),
    );
    let mut ids = CustomerInterner::new();
    let c = read_customers(&cust, &ReadOptions::default(), &mut ids, || {}).unwrap();
    assert_eq!(c.rows.len(), 1);
}

#[test]
fn gbk_files_read_as_their_utf8_twins() {
    let dir = tempfile::tempdir().unwrap();
    let cols = TransactionColumns::default();
    let utf8 = write(dir.path(), "tx.csv", TX.as_bytes());
    let gb = write(dir.path(), "tx-gbk.csv", &gbk(TX));
    let want = tx_rows(&load_transactions(&utf8, &cols, &ReadOptions::default()).unwrap());
    assert!(want[0].starts_with("张三|"), "{want:?}");
    assert!(want[2].starts_with("王五,北京|"), "{want:?}");
    assert_eq!(
        tx_rows(&load_transactions(&gb, &cols, &gbk_opts()).unwrap()),
        want
    );
    // Semicolon and whitespace files, and the streaming fold's fallback, read the same.
    let semi = write(dir.path(), "semi.csv", &gbk(&TX.replace(',', ";")));
    let o = ReadOptions {
        delimiter: Delimiter::Semicolon,
        ..gbk_opts()
    };
    let got = tx_rows(&load_transactions(&semi, &cols, &o).unwrap());
    assert_eq!(got[0], want[0]);
    let ws = write(
        dir.path(),
        "ws.txt",
        &gbk("customer_id date amount\n张三 2024-01-05 12.50\n"),
    );
    let o = ReadOptions {
        delimiter: Delimiter::Whitespace,
        ..gbk_opts()
    };
    assert_eq!(
        tx_rows(&load_transactions(&ws, &cols, &o).unwrap()),
        ["张三|2024-01-05|12.50"]
    );

    // Customers with Chinese names, ids and cities.
    let customers = "customer_id,full_name,city,email\n\
        客户001,张三,北京,zhang@example.com\n\
        客户002,李四,上海,\n";
    let cu = write(dir.path(), "customers.csv", customers.as_bytes());
    let cg = write(dir.path(), "customers-gbk.csv", &gbk(customers));
    let read = |p: &Path, o: &ReadOptions| {
        let mut ids = CustomerInterner::new();
        let l = read_customers(p, o, &mut ids, || {}).unwrap();
        (format!("{:?}", l.rows), format!("{:?}", ids.ids()))
    };
    let want = read(&cu, &ReadOptions::default());
    assert!(
        want.0.contains("张三") && want.1.contains("客户002"),
        "{want:?}"
    );
    assert_eq!(read(&cg, &gbk_opts()), want);
}

#[test]
fn invalid_bytes_name_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cols = TransactionColumns::default();
    // GBK bytes read as UTF-8: an error naming the line and column, with the hint.
    let gb = write(dir.path(), "tx-gbk.csv", &gbk(TX));
    let e = load_err(&gb, &cols, &ReadOptions::default());
    assert!(
        e.contains("tx-gbk.csv:2: column customer_id: bytes that are not valid UTF-8")
            && e.contains("try --encoding gbk"),
        "{e}"
    );
    // Invalid GB18030 (a lead byte at the end of a field; a 0xFF byte) in the amount column.
    let mut bad = gbk("customer_id,date,amount\n张三,2024-01-05,1\n");
    bad.extend_from_slice(b"x,2024-01-06,2\x81\n");
    bad.extend_from_slice(&gbk("李四,2024-01-07,3\n"));
    bad.extend_from_slice(b"y,2024-01-08,\xff\n");
    let p = write(dir.path(), "bad.csv", &bad);
    let e = load_err(&p, &cols, &gbk_opts());
    assert!(
        e.contains("bad.csv:3: column amount: bytes that are not valid GB18030/GBK text"),
        "{e}"
    );
    let skip = ReadOptions {
        skip_invalid: true,
        ..gbk_opts()
    };
    let l = load_transactions(&p, &cols, &skip).unwrap();
    assert_eq!(tx_rows(&l), ["张三|2024-01-05|1", "李四|2024-01-07|3"]);
    assert_eq!(l.skipped.count, 2);
    assert!(l.skipped.first[1].contains("bad.csv:5: column amount:"));
    // Whitespace files: the column is the field holding the bad byte.
    let ws = write(
        dir.path(),
        "ws.txt",
        b"customer_id date amount\n1 2024-01-01 2\n2 20\xff24-01-01 3\n",
    );
    let o = ReadOptions {
        delimiter: Delimiter::Whitespace,
        ..ReadOptions::default()
    };
    let e = load_err(&ws, &cols, &o);
    assert!(
        e.contains("ws.txt:3: column date: bytes that are not valid UTF-8"),
        "{e}"
    );
    // A header that is not UTF-8.
    let h = write(
        dir.path(),
        "h.csv",
        &gbk("客户,date,amount\n1,2024-01-01,1\n"),
    );
    let e = load_err(&h, &cols, &ReadOptions::default());
    assert!(
        e.contains("h.csv:1: column 1: bytes that are not valid UTF-8"),
        "{e}"
    );
}

#[test]
fn amounts_with_symbols_separators_and_decimal_commas() {
    let dir = tempfile::tempdir().unwrap();
    let cols = TransactionColumns::default();
    // A quoted amount with a thousands comma parses; an unquoted `12,50`-style cell is an error.
    let p = write(
        dir.path(),
        "tx.csv",
        "customer_id,date,amount\n1,2024-01-01,\"1,234.50\"\n2,2024-01-02,¥12.50\n3,2024-01-03,\"-$1,000\"\n4,2024-01-04,7.25\n"
            .as_bytes(),
    );
    let l = load_transactions(&p, &cols, &ReadOptions::default()).unwrap();
    assert_eq!(
        tx_rows(&l),
        [
            "1|2024-01-01|1234.50",
            "2|2024-01-02|12.50",
            "3|2024-01-03|-1000",
            "4|2024-01-04|7.25"
        ]
    );
    let p = write(
        dir.path(),
        "bad.csv",
        b"customer_id,date,amount\n1,2024-01-01,1_000\n2,2024-01-02,\"12,50\"\n",
    );
    let e = load_err(&p, &cols, &ReadOptions::default());
    assert!(
        e.contains("bad.csv:2: column amount: cannot parse \"1_000\""),
        "{e}"
    );
    let skip = ReadOptions {
        skip_invalid: true,
        ..ReadOptions::default()
    };
    let l = load_transactions(&p, &cols, &skip).unwrap();
    assert_eq!(l.skipped.count, 2);
    assert!(
        l.skipped.first[1].contains("--decimal-comma"),
        "{:?}",
        l.skipped.first
    );

    // A semicolon file with decimal commas (fast path), the same read sequentially (whitespace)
    // and through the streaming fold's generic parser.
    let semi = write(
        dir.path(),
        "semi.csv",
        "customer_id;date;amount\n1;2024-01-01;12,50\n2;2024-01-02;1.234,50 €\n3;2024-01-03;-3\n4;2024-01-04;1 234,5\n"
            .as_bytes(),
    );
    let o = ReadOptions {
        delimiter: Delimiter::Semicolon,
        decimal_comma: true,
        ..ReadOptions::default()
    };
    let want = [
        "1|2024-01-01|12.50",
        "2|2024-01-02|1234.50",
        "3|2024-01-03|-3",
        "4|2024-01-04|1234.5",
    ];
    assert_eq!(tx_rows(&load_transactions(&semi, &cols, &o).unwrap()), want);
    let ws = write(
        dir.path(),
        "ws.txt",
        b"customer_id date amount\n1 2024-01-01 12,50\n2 2024-01-02 1.234,50\n3 2024-01-03 -3\n4 2024-01-04 1.234,5\n",
    );
    let o = ReadOptions {
        delimiter: Delimiter::Whitespace,
        decimal_comma: true,
        ..ReadOptions::default()
    };
    assert_eq!(tx_rows(&load_transactions(&ws, &cols, &o).unwrap()), want);
    // Without --decimal-comma the same file is an error at its first decimal comma.
    let o = ReadOptions {
        delimiter: Delimiter::Semicolon,
        ..ReadOptions::default()
    };
    let e = load_err(&semi, &cols, &o);
    assert!(e.contains("semi.csv:2: column amount:"), "{e}");
    // With it, a decimal point is an error: `.` separates thousands.
    let p = write(
        dir.path(),
        "point.csv",
        b"customer_id,date,amount\n1,2024-01-01,12.50\n",
    );
    let o = ReadOptions {
        decimal_comma: true,
        ..ReadOptions::default()
    };
    let e = load_err(&p, &cols, &o);
    assert!(e.contains("point.csv:2: column amount:"), "{e}");
}

#[test]
fn one_column_headers_hint_at_the_delimiter() {
    let dir = tempfile::tempdir().unwrap();
    let cols = TransactionColumns::default();
    let p = write(
        dir.path(),
        "tx.csv",
        b"customer_id;date;amount\n1;2024-01-01;3\n",
    );
    let e = load_err(&p, &cols, &ReadOptions::default());
    assert!(
        e.contains(
            "tx.csv:1: column customer_id: no such column; the header has one column \
             \"customer_id;date;amount\"; the file looks semicolon-delimited: try --delimiter semicolon"
        ),
        "{e}"
    );
    let p = write(
        dir.path(),
        "tab.csv",
        b"customer_id\tdate\tamount\n1\t2024-01-01\t3\n",
    );
    let e = load_err(&p, &cols, &ReadOptions::default());
    assert!(
        e.contains("looks tab-delimited: try --delimiter tab"),
        "{e}"
    );
    let p = write(
        dir.path(),
        "pipe.csv",
        b"customer_id|date|amount\n1|2024-01-01|3\n",
    );
    let e = load_err(&p, &cols, &ReadOptions::default());
    assert!(e.contains("looks pipe-delimited"), "{e}");
    let p = write(
        dir.path(),
        "comma.csv",
        b"customer_id,date,amount\n1,2024-01-01,3\n",
    );
    let o = ReadOptions {
        delimiter: Delimiter::Semicolon,
        ..ReadOptions::default()
    };
    let e = load_err(&p, &cols, &o);
    assert!(
        e.contains("looks comma-delimited: try --delimiter comma"),
        "{e}"
    );
    // Without a header: the first row.
    let p = write(dir.path(), "nohead.csv", b"1;2024-01-01;3\n");
    let o = ReadOptions {
        has_header: false,
        ..ReadOptions::default()
    };
    let by_pos = TransactionColumns {
        customer: "1".into(),
        date: "2".into(),
        amount: Some("3".into()),
        ..TransactionColumns::default()
    };
    let e = load_err(&p, &by_pos, &o);
    assert!(
        e.contains(
            "the first row has one column \"1;2024-01-01;3\"; the file looks semicolon-delimited"
        ),
        "{e}"
    );
    // A header that splits, or a single column without another delimiter: the usual message.
    let p = write(dir.path(), "other.csv", b"id,date,amount\n1,2024-01-01,3\n");
    let e = load_err(&p, &cols, &ReadOptions::default());
    assert!(
        e.ends_with("column customer_id: no such column; the header has: id, date, amount"),
        "{e}"
    );
    let p = write(dir.path(), "one.csv", b"id\n1\n");
    let e = load_err(&p, &cols, &ReadOptions::default());
    assert!(e.ends_with("no such column; the header has: id"), "{e}");
}
