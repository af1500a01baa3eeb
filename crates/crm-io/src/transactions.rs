//! Transaction files: customer id, date and amount per row, read in parallel parts.

use std::path::Path;

use crm_model::rust_decimal::Decimal;
use crm_model::{CustomerInterner, Transaction};

use crate::error::{IoError, IoResult};
use crate::fastcsv::{self, Ids, Part};
use crate::loaded::LoadedTransactions;
use crate::options::{Delimiter, ReadOptions, TransactionColumns};
use crate::parse::{AmountFormat, DateParser, parse_amount};
use crate::table::Table;

/// Index and name of the amount column: `None` when the file is read without amounts.
fn amount_column(table: &Table, cols: &TransactionColumns) -> IoResult<Option<(usize, String)>> {
    match &cols.amount {
        None => Ok(None),
        Some(name) => match table.column(name) {
            Ok(i) => Ok(Some((i, name.clone()))),
            Err(_) if cols.amount_optional => Ok(None),
            Err(e) => Err(e),
        },
    }
}

/// Reads a transaction file.
///
/// A `.parquet` file (any case; feature `parquet`) is read row group by row group, runs of row
/// groups in parallel, with the column rules of [Parquet and Arrow](crate#parquet-and-arrow)
/// and errors at [`Position::Row`](crate::Position::Row); without the feature it is an error.
///
/// Comma, tab and semicolon files are read in parallel parts on the current rayon pool (same rows,
/// keys, messages and skip counts as the sequential reader); whitespace files, and files the
/// line-by-line view cannot read exactly (a quoted field spanning lines, a lone carriage return,
/// invalid UTF-8), are read sequentially.
pub fn load_transactions(
    path: &Path,
    cols: &TransactionColumns,
    opts: &ReadOptions,
) -> IoResult<LoadedTransactions> {
    #[cfg(feature = "parquet")]
    if crate::table::is_parquet(path) {
        return crate::pq::load_file(path, cols, opts);
    }
    load_transactions_with(path, cols, opts, fastcsv::default_threads(), false)
}

/// [`load_transactions`] with `threads` parts (`force`: split even a small file).
fn load_transactions_with(
    path: &Path,
    cols: &TransactionColumns,
    opts: &ReadOptions,
    threads: usize,
    force: bool,
) -> IoResult<LoadedTransactions> {
    if opts.delimiter == Delimiter::Whitespace {
        return load_transactions_seq(path, cols, opts);
    }
    match load_fast(path, cols, opts, threads, force)? {
        Some(loaded) => Ok(loaded),
        None => load_transactions_seq(path, cols, opts),
    }
}

/// The parallel reader; `None` when the file needs the sequential reader.
fn load_fast(
    path: &Path,
    cols: &TransactionColumns,
    opts: &ReadOptions,
    threads: usize,
    force: bool,
) -> IoResult<Option<LoadedTransactions>> {
    let table = Table::open(path, opts)?;
    let mut idx = [table.column(&cols.customer)?, table.column(&cols.date)?, 0];
    let amount = amount_column(&table, cols)?;
    if let Some((i, _)) = &amount {
        idx[2] = *i;
    } else {
        idx[2] = idx[1];
    }
    let width = table.width();
    drop(table);
    let Some(plan) = fastcsv::plan(path, opts, threads, force, width)? else {
        return Ok(None);
    };
    let spec = TxSpec {
        cols,
        idx,
        dates: DateParser::new(cols.date_format.clone()),
        fast_dates: cols.date_format.is_none(),
        amounts: AmountFormat::from(opts),
        amount_name: amount.as_ref().map(|(_, n)| n.clone()),
    };
    let results = fastcsv::read_parts(&plan, opts.skip_invalid, |p| read_tx_part(&spec, p));
    let total: usize = results
        .iter()
        .map(|r| r.as_ref().map_or(0, |(_, (_, t))| t.len()))
        .sum();
    let mut ids = Ids::default();
    let mut transactions = Vec::new();
    let merged = fastcsv::merge(&plan, results, |i, (part_ids, part_tx)| {
        if i == 0 {
            ids = part_ids;
            transactions = part_tx;
            transactions.reserve_exact(total - transactions.len());
        } else {
            // Keys of a later part are re-interned in its order of first appearance, so keys
            // number customers by first appearance in the file.
            let map = ids.remap(&part_ids.interner)?;
            transactions.extend(part_tx.into_iter().map(|t| {
                let mut n = Transaction::from_signed(
                    map[t.customer().index()],
                    t.date(),
                    t.signed_amount(),
                );
                if let Some(time) = t.details().and_then(|d| d.time) {
                    n = n.with_time(time);
                }
                n
            }));
        }
        Ok(())
    })?;
    let has_amounts = spec.amount_name.is_some();
    Ok(merged.map(|skipped| LoadedTransactions {
        transactions,
        ids: ids.interner,
        skipped,
        has_amounts,
    }))
}

/// Column indices and parsers shared by the parts of a transaction file.
struct TxSpec<'a> {
    cols: &'a TransactionColumns,
    idx: [usize; 3],
    dates: DateParser,
    fast_dates: bool,
    amounts: AmountFormat,
    /// The amount column's name; `None`: no amounts (all zero).
    amount_name: Option<String>,
}

/// Reads one part of a transaction file: the part's own ids (keys in its order of first
/// appearance) and its transactions, exactly as the sequential reader parses each row.
fn read_tx_part(s: &TxSpec<'_>, p: &mut Part) -> IoResult<(Ids, Vec<Transaction>)> {
    let path = p.path().to_path_buf();
    let mut ids = Ids::default();
    let mut tx = Vec::new();
    while let Some(l) = p.next(&s.idx)? {
        let [c, d, a] = l.fields;
        let err = |col: &str, msg: String| IoError::input(&path, Some(l.line), Some(col), msg);
        let parsed = (|| {
            // A row wider than the header is an error before any field is read.
            if let Some(e) = l.width_error(&path) {
                return Err(e);
            }
            // The id first, as the sequential reader (a row failing later still interns it).
            let key = ids.field(c).map_err(|m| err(&s.cols.customer, m))?;
            let (date, time) = match s.fast_dates.then(|| fastcsv::fast_date(d)).flatten() {
                Some(day) => (day, None),
                None => fastcsv::utf8(d)
                    .and_then(|t| s.dates.parse(t))
                    .map_err(|m| err(&s.cols.date, m))?,
            };
            let amount = match &s.amount_name {
                None => Decimal::ZERO,
                Some(name) => match fastcsv::fast_amount(a, s.amounts.decimal_comma) {
                    Some(x) => x,
                    None => fastcsv::utf8(a)
                        .and_then(|t| parse_amount(t, s.amounts))
                        .map_err(|m| err(name, m))?,
                },
            };
            let mut t = Transaction::from_signed(key, date, amount);
            if let Some(time) = time {
                t = t.with_time(time);
            }
            Ok::<_, IoError>(t)
        })();
        match parsed {
            Ok(t) => tx.push(t),
            Err(e) => {
                if l.is_blank() {
                    continue;
                }
                if p.error(e) {
                    break;
                }
            }
        }
    }
    Ok((ids, tx))
}

/// The sequential reader of [`load_transactions`] (csv crate or whitespace lines).
fn load_transactions_seq(
    path: &Path,
    cols: &TransactionColumns,
    opts: &ReadOptions,
) -> IoResult<LoadedTransactions> {
    let mut table = Table::open(path, opts)?;
    let ci = table.column(&cols.customer)?;
    let di = table.column(&cols.date)?;
    let amount_col = amount_column(&table, cols)?;
    let dates = DateParser::new(cols.date_format.clone());
    let amounts = AmountFormat::from(opts);
    let mut ids = CustomerInterner::new();
    let mut transactions = Vec::new();
    let path_buf = path.to_path_buf();
    let skipped = table.for_each_record(|row| {
        let err =
            |col: &str, msg: String| IoError::input(&path_buf, Some(row.line), Some(col), msg);
        let parsed = (|| {
            let key = ids
                .intern(row.get(ci))
                .map_err(|e| err(&cols.customer, e.to_string()))?;
            let (date, time) = dates.parse(row.get(di)).map_err(|m| err(&cols.date, m))?;
            let amount = match &amount_col {
                Some((ai, name)) => {
                    parse_amount(row.get(*ai), amounts).map_err(|m| err(name, m))?
                }
                None => Decimal::ZERO,
            };
            let mut t = Transaction::from_signed(key, date, amount);
            if let Some(time) = time {
                t = t.with_time(time);
            }
            Ok::<_, IoError>(t)
        })();
        transactions.push(parsed?);
        Ok(())
    })?;
    Ok(LoadedTransactions {
        transactions,
        ids,
        skipped,
        has_amounts: amount_col.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let p = DateParser::new(None);
        assert_eq!(p.parse("19970101").unwrap().0.to_string(), "1997-01-01");
        let (d, t) = p.parse("2024-05-01T10:30:00").unwrap();
        assert_eq!(
            (d.to_string(), t.unwrap().to_string()),
            ("2024-05-01".into(), "10:30:00".into())
        );
        assert!(p.parse("01/05/2024").is_err());
        let p = DateParser::new(Some("%d/%m/%Y".into()));
        assert_eq!(p.parse("01/05/2024").unwrap().0.to_string(), "2024-05-01");
    }

    #[test]
    fn amounts() {
        let f = AmountFormat::default();
        assert_eq!(parse_amount(" 12.50 ", f).unwrap().to_string(), "12.50");
        assert!(parse_amount("NaN", f).is_err());
        assert!(parse_amount("", f).is_err());
        assert!(parse_amount("1e3", f).is_ok());
    }

    fn cols() -> TransactionColumns {
        TransactionColumns {
            ..TransactionColumns::default()
        }
    }

    fn opts(delimiter: Delimiter, skip_invalid: bool) -> ReadOptions {
        ReadOptions {
            delimiter,
            skip_invalid,
            ..ReadOptions::default()
        }
    }

    /// Everything a load returns, as comparable text (errors by their message).
    fn outcome(r: IoResult<LoadedTransactions>) -> Result<String, String> {
        r.map(|l| {
            format!(
                "{:?}\n{:?}\n{} {:?}",
                l.transactions,
                l.ids.ids(),
                l.skipped.count,
                l.skipped.first
            )
        })
        .map_err(|e| e.to_string())
    }

    /// Loads `text` sequentially and with 1 to 4 forced parts; asserts identical outcomes and
    /// that the parallel reader did not fall back. Returns the sequential outcome.
    fn same(text: &str, o: &ReadOptions) -> Result<String, String> {
        same_cols(text, &cols(), o)
    }

    /// [`same`] with the columns `cols`.
    fn same_cols(text: &str, cols: &TransactionColumns, o: &ReadOptions) -> Result<String, String> {
        let cols = || cols.clone();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tx.csv");
        std::fs::write(&path, text).unwrap();
        let want = outcome(load_transactions_seq(&path, &cols(), o));
        for parts in 1..=4 {
            let fast = load_fast(&path, &cols(), o, parts, true);
            let fast = match fast {
                Ok(None) => panic!("{parts} part(s): fell back to the sequential reader"),
                Ok(Some(l)) => outcome(Ok(l)),
                Err(e) => Err(e.to_string()),
            };
            assert_eq!(fast, want, "{parts} part(s)");
            let public = outcome(load_transactions_with(&path, &cols(), o, parts, true));
            assert_eq!(public, want, "{parts} part(s), public entry");
        }
        want
    }

    /// Quoted fields with commas and doubled quotes, spaces after commas, blank lines (empty,
    /// spaces only, delimiters only), CRLF endings, no final newline, non-canonical and string
    /// ids, 20-digit ids, negative and scientific amounts, compact dates, times of day.
    const TRICKY: &str = "customer_id,date,amount\r\n\
        1,2024-01-05,10.50\r\n\
        007, 2024-01-06 , -3.25\r\n\
        \r\n\
        \"C,1\",2024-01-07,5\r\n\
        7,2024-05-01T10:30:00,1e2\r\n\
        alice,20240102,\"15.0\"\r\n\
        \x20  \r\n\
        ,,\r\n\
        12345678901234567890,2024-01-01,1\r\n\
        99999999999999999999,2024-01-01,1\r\n\
        1,2024-01-08,0.000\r\n\
        2,2024-01-09,-0\r\n\
        \"bob \"\"the\"\" builder\",2024-02-02 10:15,3\r\n\
        x\u{a0},2024-01-01,+1.5\r\n\
        \u{a0},\u{a0},\u{a0}\r\n\
        7 ,  2024-03-03  ,  .5  \r\n\
        007,2024-03-04,99.99\r\n\
        alice,2024-03-05,-12.000\r\n\
        \"\",\"\"\r\n\
        3,2024-03-06,123456789012345678.9\r\n\
        3,2024-03-07,1234567890123456789\r\n";

    fn tricky() -> String {
        // Long enough that forced parts start mid-file; the last line has no newline.
        let mut t = TRICKY.to_string();
        for i in 0..6 {
            let body = &TRICKY[TRICKY.find('\n').unwrap() + 1..];
            t.push_str(&body.replace("2024", &format!("{}", 2010 + i)));
        }
        t.push_str("8,2024-12-31,7");
        t
    }

    #[test]
    fn fast_reader_matches_sequential_reader() {
        let got = same(&tricky(), &opts(Delimiter::Comma, false)).unwrap();
        // The sequential reader read every row: 16 per block, 7 blocks, plus the last line.
        assert_eq!(got.matches("Transaction {").count(), 7 * 16 + 1);
        assert!(got.contains("Str(\"007\")") && got.contains("Int(7)"));
        assert!(got.contains("Int(12345678901234567890)"));
        assert!(got.contains("Str(\"C,1\")") && got.contains("Str(\"bob \\\"the\\\" builder\")"));
        assert!(got.contains("10:30:00") && got.contains("kind: Return"));
        let semi = tricky().replace(',', ";").replace("\"C;1\"", "\"C,1\"");
        same(&semi, &opts(Delimiter::Semicolon, false)).unwrap();
        let tab = tricky().replace(',', "\t");
        same(&tab, &opts(Delimiter::Tab, false)).unwrap();
    }

    #[test]
    fn parts_report_the_same_first_error_and_skips() {
        let mut t = tricky();
        t.push_str("\n9,2024-13-01,1\n9,2024-01-01,abc\n,2024-01-01,1\n9,2024-01-01,\n");
        t.push_str(&tricky()[TRICKY.find('\n').unwrap() + 1..]);
        t.push_str("\n\t2024-01-01\t5\n");
        let e = same(&t, &opts(Delimiter::Comma, false)).unwrap_err();
        // Header, 7 blocks of 21 lines, the line without newline, then the bad date.
        let line = 1 + 7 * 21 + 2;
        assert!(
            e.contains(&format!(
                "tx.csv:{line}: column date: cannot parse \"2024-13-01\""
            )),
            "{e}"
        );
        let ok = same(&t, &opts(Delimiter::Comma, true)).unwrap();
        assert!(ok.contains("\n5 ["), "{ok}");
        // Tab file whose first field is empty: an empty id, not shifted fields.
        let e = same(&t.replace(',', "\t"), &opts(Delimiter::Tab, false)).unwrap_err();
        assert!(e.contains(&format!(":{line}: column date:")), "{e}");
        let tab_ok = same(&t.replace(',', "\t"), &opts(Delimiter::Tab, true)).unwrap();
        assert!(tab_ok.contains("\n5 ["), "{tab_ok}");
    }

    #[test]
    fn rows_wider_than_the_header_are_errors_on_both_paths() {
        // Wide rows (unquoted "Smith, John", an extra amount, a quoted wide row, a wide row of
        // empty fields which is blank) spread over the file so forced parts meet them mid-part.
        let mut t = tricky();
        t.push_str("\nSmith, John,2024-01-01,12\n");
        t.push_str(&tricky()[TRICKY.find('\n').unwrap() + 1..]);
        t.push_str("\nA,2024-01-01,12,50\n\"q\",2024-01-01,1,\"x\"\n,,,,\nB,2024-01-02,3\n");
        let line = 1 + 7 * 21 + 2;
        let e = same(&t, &opts(Delimiter::Comma, false)).unwrap_err();
        assert!(
            e.contains(&format!(
                "tx.csv:{line}: column 4: the row has 4 fields but the header has 3"
            )),
            "{e}"
        );
        let ok = same(&t, &opts(Delimiter::Comma, true)).unwrap();
        assert!(ok.contains("\n3 ["), "{ok}");
        assert!(!ok.contains("Str(\"Smith\")") && !ok.contains("Str(\"q\")"));
        let tab = t.replace(',', "\t");
        let tab_ok = same(&tab, &opts(Delimiter::Tab, true)).unwrap();
        assert!(tab_ok.contains("\n3 ["), "{tab_ok}");
        // Shorter rows read their missing trailing cells as empty: a missing amount is an error
        // of the amount column.
        let short = "customer_id,date,amount\n1,2024-01-01,2\n2,2024-01-02\n";
        let e = same(short, &opts(Delimiter::Comma, false)).unwrap_err();
        assert!(e.contains(":3: column amount:"), "{e}");
    }

    #[test]
    fn without_a_header_the_first_row_sets_the_width() {
        let cols = TransactionColumns {
            customer: "1".into(),
            date: "2".into(),
            amount: Some("3".into()),
            ..TransactionColumns::default()
        };
        let o = ReadOptions {
            has_header: false,
            ..opts(Delimiter::Comma, false)
        };
        let mut t = String::from("\n,,\n");
        for i in 0..40 {
            t.push_str(&format!("{i},2024-01-01,{i}\n"));
        }
        t.push_str("x,2024-01-01,1,2\n9,2024-01-01\n");
        let e = same_cols(&t, &cols, &o).unwrap_err();
        assert!(
            e.contains(":43: column 4: the row has 4 fields but the first row has 3"),
            "{e}"
        );
        let o = ReadOptions {
            skip_invalid: true,
            ..o
        };
        let ok = same_cols(&t, &cols, &o).unwrap();
        assert!(ok.contains("\n2 ["), "{ok}");
    }

    #[test]
    fn lines_the_fast_reader_cannot_split_fall_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tx.csv");
        let o = opts(Delimiter::Comma, false);
        for text in [
            "customer_id,date,amount,note\n1,2024-01-01,1,\"multi\nline\"\n2,2024-01-02,3\n",
            "customer_id,date,amount\n1,2024-01-01,1\r2,2024-01-02,3\n",
        ] {
            std::fs::write(&path, text).unwrap();
            assert!(load_fast(&path, &cols(), &o, 2, true).unwrap().is_none());
            let want = outcome(load_transactions_seq(&path, &cols(), &o));
            assert!(want.is_ok(), "{want:?}");
            assert_eq!(outcome(load_transactions(&path, &cols(), &o)), want);
        }
        // Invalid UTF-8: the sequential reader's message, naming line and column and hinting at
        // --encoding gbk; under --skip-invalid the row is skipped and counted.
        std::fs::write(
            &path,
            b"customer_id,date,amount\n1,2024-01-01,1\n\xff,2024-01-02,3\n4,2024-01-03,5\n",
        )
        .unwrap();
        assert!(load_fast(&path, &cols(), &o, 2, true).unwrap().is_none());
        let e = outcome(load_transactions(&path, &cols(), &o)).unwrap_err();
        assert!(
            e.contains(":3: column customer_id: bytes that are not valid UTF-8")
                && e.contains("--encoding gbk"),
            "{e}"
        );
        let l = load_transactions(&path, &cols(), &opts(Delimiter::Comma, true)).unwrap();
        assert_eq!((l.transactions.len(), l.skipped.count), (2, 1));
        assert!(l.skipped.first[0].contains(":3: column customer_id:"));
    }
}
