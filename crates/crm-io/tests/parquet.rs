//! Parquet files and Arrow batches read exactly as the same data written as CSV.
#![cfg(feature = "parquet")]
// Test helpers may panic: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, DictionaryArray, Float64Array,
    Int64Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use crm_analytics::io::{
    DataFiles, IoError, LoadedTransactions, Position, PurchaseFold, ReadOptions,
    TransactionColumns, fold_purchases, load_transactions, read_data_set,
    transactions_from_batches,
};
use crm_analytics::model::CustomerKey;
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::rust_decimal::Decimal;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

/// One generated row: id, day number from 2020-01-01, amount in cents.
fn rows(n: u64) -> Vec<(u64, i64, i64)> {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let id = s % 400;
            let day = ((s >> 20) % 1500) as i64;
            let cents = ((s >> 40) % 50_000) as i64 - if s % 13 == 0 { 60_000 } else { 0 };
            (id, day, cents)
        })
        .collect()
}

fn date(day: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono_days(day)
}

fn chrono_days(d: i64) -> crm_analytics::model::chrono::TimeDelta {
    crm_analytics::model::chrono::TimeDelta::days(d)
}

const EPOCH_2020: i32 = 18_262;

fn write_parquet(path: &Path, batch: &RecordBatch, rows_per_group: usize, c: Compression) {
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(rows_per_group))
        .set_compression(c)
        .build();
    let mut w =
        ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(cols).unwrap()
}

/// Everything a load returns, as comparable text.
fn outcome(r: Result<LoadedTransactions, IoError>) -> Result<String, String> {
    r.map(|l| {
        format!(
            "{:?}\n{:?}\n{} {:?} {}",
            l.transactions,
            l.ids.ids(),
            l.skipped.count,
            l.skipped.first,
            l.has_amounts
        )
    })
    .map_err(|e| e.to_string())
}

/// A per-customer state: purchases, total, first and last day.
#[derive(Default, Debug, PartialEq)]
struct Sums {
    per: Vec<(u64, Decimal, Option<NaiveDate>, Option<NaiveDate>)>,
    returns: u64,
}

impl PurchaseFold for Sums {
    type Error = String;
    fn purchase(&mut self, c: CustomerKey, day: NaiveDate, amount: Decimal) -> Result<(), String> {
        if self.per.len() <= c.index() {
            self.per
                .resize(c.index() + 1, (0, Decimal::ZERO, None, None));
        }
        let e = &mut self.per[c.index()];
        e.0 += 1;
        e.1 += amount;
        e.2 = Some(e.2.map_or(day, |d| d.min(day)));
        e.3 = Some(e.3.map_or(day, |d| d.max(day)));
        Ok(())
    }
    fn non_purchase(&mut self) {
        self.returns += 1;
    }
    fn merge_remapped(&mut self, other: Self, keys: &[CustomerKey]) -> Result<(), String> {
        for (i, o) in other.per.into_iter().enumerate() {
            if o.0 == 0 {
                continue;
            }
            let k = keys[i];
            if self.per.len() <= k.index() {
                self.per
                    .resize(k.index() + 1, (0, Decimal::ZERO, None, None));
            }
            let e = &mut self.per[k.index()];
            e.0 += o.0;
            e.1 += o.1;
            e.2 = [e.2, o.2].into_iter().flatten().min();
            e.3 = [e.3, o.3].into_iter().flatten().max();
        }
        self.returns += other.returns;
        Ok(())
    }
}

/// The fold's result per customer id (sorted by id), returns and skips; and the ids in key
/// order. (The CSV fold interns the integer id of a return before those of up to 255 pending
/// purchases, so its key order is compared through `load_transactions` instead.)
fn fold(path: &Path, opts: &ReadOptions, parts: Option<usize>) -> Result<(String, String), String> {
    fold_purchases(
        path,
        &TransactionColumns::default(),
        opts,
        parts,
        Sums::default,
    )
    .map(|f| {
        let mut per = f.state.per;
        per.resize(f.ids.len(), (0, Decimal::ZERO, None, None));
        let mut by_id: Vec<_> = f.ids.ids().iter().zip(per).collect();
        by_id.sort_by(|a, b| a.0.cmp(b.0));
        (
            format!("{by_id:?} {} {}", f.state.returns, f.skipped.count),
            format!("{:?}", f.ids.ids()),
        )
    })
    .map_err(|e| e.to_string())
}

/// Asserts that `csv` text and the Parquet `batch` read identically (load and fold).
fn same(csv: &str, batch: &RecordBatch, c: Compression) {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("tx.csv");
    std::fs::write(&csv_path, csv).unwrap();
    let pq = dir.path().join("tx.PARQUET");
    write_parquet(&pq, batch, 700, c);
    let meta = parquet::file::reader::SerializedFileReader::new(File::open(&pq).unwrap()).unwrap();
    use parquet::file::reader::FileReader;
    assert!(meta.metadata().num_row_groups() >= 4);
    let o = ReadOptions::default();
    let want = outcome(load_transactions(
        &csv_path,
        &TransactionColumns::default(),
        &o,
    ));
    assert!(want.is_ok(), "{want:?}");
    let got = outcome(load_transactions(&pq, &TransactionColumns::default(), &o));
    assert_eq!(got, want);
    let loaded = load_transactions(&csv_path, &TransactionColumns::default(), &o).unwrap();
    let first_appearance = format!("{:?}", loaded.ids.ids());
    let want = fold(&csv_path, &o, None).unwrap().0;
    for parts in [Some(1), Some(3), None] {
        let (got, keys) = fold(&pq, &o, parts).unwrap();
        assert_eq!(got, want, "{parts:?} parts");
        assert_eq!(keys, first_appearance, "{parts:?} parts");
    }
}

#[test]
fn integer_ids_date32_and_decimal128_read_as_csv() {
    let data = rows(3000);
    let mut csv = String::from("customer_id,date,amount\n");
    for (id, day, cents) in &data {
        csv.push_str(&format!(
            "{id},{},{}\n",
            date(*day),
            Decimal::new(*cents, 2)
        ));
    }
    let b = batch(vec![
        (
            "Customer_ID",
            Arc::new(Int64Array::from_iter_values(
                data.iter().map(|r| r.0 as i64),
            )),
        ),
        (
            "date",
            Arc::new(Date32Array::from_iter_values(
                data.iter().map(|r| EPOCH_2020 + r.1 as i32),
            )),
        ),
        (
            "amount",
            Arc::new(
                Decimal128Array::from_iter_values(data.iter().map(|r| i128::from(r.2)))
                    .with_precision_and_scale(12, 2)
                    .unwrap(),
            ),
        ),
    ]);
    same(&csv, &b, Compression::ZSTD(ZstdLevel::default()));
}

#[test]
fn string_ids_timestamps_and_floats_read_as_csv() {
    let data = rows(3000);
    let mut csv = String::from("customer_id,date,amount\n");
    let mut ts = Vec::new();
    let mut amounts = Vec::new();
    for (i, (id, day, cents)) in data.iter().enumerate() {
        let secs = (i as i64 * 7919) % 86_400;
        let at = date(*day).and_hms_opt(0, 0, 0).unwrap()
            + crm_analytics::model::chrono::TimeDelta::seconds(secs);
        ts.push(at.and_utc().timestamp_millis());
        let x = *cents as f64 / 100.0;
        amounts.push(x);
        csv.push_str(&format!("C-{id},{},{x}\n", at.format("%Y-%m-%d %H:%M:%S")));
    }
    let b = batch(vec![
        (
            "customer_id",
            Arc::new(StringArray::from_iter_values(
                data.iter().map(|r| format!("C-{}", r.0)),
            )),
        ),
        (
            "date",
            Arc::new(TimestampMillisecondArray::from(ts).with_timezone("UTC")),
        ),
        ("amount", Arc::new(Float64Array::from(amounts))),
    ]);
    same(&csv, &b, Compression::SNAPPY);
}

#[test]
fn dictionary_ids_and_string_dates_and_amounts_read_as_csv() {
    let data = rows(3000);
    let mut csv = String::from("customer_id,date,amount\n");
    for (id, day, cents) in &data {
        csv.push_str(&format!(
            "{id:05},{},{}\n",
            date(*day),
            Decimal::new(*cents, 2)
        ));
    }
    let texts: Vec<String> = data.iter().map(|r| format!("{:05}", r.0)).collect();
    let ids: DictionaryArray<Int32Type> = texts.iter().map(String::as_str).collect();
    let b = batch(vec![
        ("customer_id", Arc::new(ids)),
        (
            "date",
            Arc::new(StringArray::from_iter_values(
                data.iter().map(|r| date(r.1).to_string()),
            )),
        ),
        (
            "amount",
            Arc::new(StringArray::from_iter_values(
                data.iter().map(|r| Decimal::new(r.2, 2).to_string()),
            )),
        ),
    ]);
    same(&csv, &b, Compression::LZ4_RAW);
}

/// A small file with 3 rows per row group.
fn small(dir: &Path, name: &str, cols: Vec<(&str, ArrayRef)>) -> std::path::PathBuf {
    let p = dir.join(name);
    write_parquet(&p, &batch(cols), 3, Compression::UNCOMPRESSED);
    p
}

fn input_error(e: IoError) -> (String, Option<Position>, Option<String>) {
    match e {
        IoError::Input {
            file, at, column, ..
        } => (file.display().to_string(), at, column),
        other => panic!("not an input error: {other}"),
    }
}

#[test]
fn errors_name_file_row_group_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let ids = || Arc::new(Int64Array::from(vec![1, 2, 3, 4, 5, 6, 7])) as ArrayRef;
    let days = || Arc::new(Date32Array::from(vec![19_000; 7])) as ArrayRef;
    let tc = TransactionColumns::default();
    let o = ReadOptions::default();

    // Missing column: the CSV reader's message, with the file and column.
    let p = small(
        dir.path(),
        "missing.parquet",
        vec![("customer_id", ids()), ("day", days())],
    );
    let e = load_transactions(&p, &tc, &o).map(|_| ()).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("column date: no such column; the header has: customer_id, day"),
        "{text}"
    );
    assert!(text.contains("missing.parquet"), "{text}");

    // A null id: row group 1 (rows 4..6), row 2.
    let nulls = Arc::new(Int64Array::from(vec![
        Some(1),
        Some(2),
        Some(3),
        Some(4),
        None,
        Some(6),
        Some(7),
    ]));
    let amounts = || Arc::new(Float64Array::from(vec![1.0; 7])) as ArrayRef;
    let p = small(
        dir.path(),
        "null.parquet",
        vec![
            ("customer_id", nulls),
            ("date", days()),
            ("amount", amounts()),
        ],
    );
    let e = load_transactions(&p, &tc, &o).map(|_| ()).unwrap_err();
    assert!(
        e.to_string()
            .contains("row group 1, row 2: column customer_id: missing value (null)"),
        "{e}"
    );
    let (file, at, col) = input_error(e);
    assert!(file.ends_with("null.parquet"));
    assert_eq!(
        at,
        Some(Position::Row {
            row_group: 1,
            row: 2
        })
    );
    assert_eq!(col.as_deref(), Some("customer_id"));
    let e = fold_purchases(&p, &tc, &o, Some(2), Sums::default)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        input_error(e).1,
        Some(Position::Row {
            row_group: 1,
            row: 2
        })
    );
    // Skipped under skip_invalid, with the reason.
    let skip = ReadOptions {
        skip_invalid: true,
        ..ReadOptions::default()
    };
    let l = load_transactions(&p, &tc, &skip).unwrap();
    assert_eq!((l.transactions.len(), l.skipped.count), (6, 1));
    assert!(
        l.skipped.first[0].contains("row group 1, row 2"),
        "{:?}",
        l.skipped.first
    );
    let f = fold_purchases(&p, &tc, &skip, Some(3), Sums::default).unwrap();
    assert_eq!((f.ids.len(), f.skipped.count), (6, 1));

    // A Boolean amount column.
    let p = small(
        dir.path(),
        "bool.parquet",
        vec![
            ("customer_id", ids()),
            ("date", days()),
            ("amount", Arc::new(BooleanArray::from(vec![true; 7]))),
        ],
    );
    let e = load_transactions(&p, &tc, &o).map(|_| ()).unwrap_err();
    assert!(e.to_string().contains("unsupported type Boolean"), "{e}");
    let (file, at, col) = input_error(e);
    assert!(file.ends_with("bool.parquet"));
    assert_eq!(
        at,
        Some(Position::Row {
            row_group: 0,
            row: 1
        })
    );
    assert_eq!(col.as_deref(), Some("amount"));

    // A non-finite float: row group 2, row 1.
    let mut v = vec![1.5; 7];
    v[6] = f64::NAN;
    let p = small(
        dir.path(),
        "nan.parquet",
        vec![
            ("customer_id", ids()),
            ("date", days()),
            ("amount", Arc::new(Float64Array::from(v))),
        ],
    );
    for e in [
        load_transactions(&p, &tc, &o).map(|_| ()).unwrap_err(),
        fold_purchases(&p, &tc, &o, None, Sums::default)
            .map(|_| ())
            .unwrap_err(),
    ] {
        assert!(e.to_string().contains("NaN is not a finite amount"), "{e}");
        assert_eq!(
            input_error(e).1,
            Some(Position::Row {
                row_group: 2,
                row: 1
            })
        );
    }
}

#[test]
fn record_batches_read_with_batch_positions() {
    let b1 = batch(vec![
        (
            "customer_id",
            Arc::new(StringArray::from(vec!["a", "b"])) as ArrayRef,
        ),
        (
            "date",
            Arc::new(StringArray::from(vec!["2024-01-01", "20240102"])),
        ),
        ("amount", Arc::new(Int64Array::from(vec![3, -1]))),
    ]);
    let b2 = batch(vec![
        (
            "customer_id",
            Arc::new(StringArray::from(vec!["c", "a", "d"])) as ArrayRef,
        ),
        (
            "date",
            Arc::new(StringArray::from(vec![
                "2024-01-03",
                "2024-01-04",
                "2024-13-01",
            ])),
        ),
        ("amount", Arc::new(Int64Array::from(vec![1, 2, 3]))),
    ]);
    let tc = TransactionColumns::default();
    let e = transactions_from_batches([b1.clone(), b2.clone()], &tc, &ReadOptions::default())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(input_error(e).1, Some(Position::Batch { batch: 1, row: 3 }));
    let skip = ReadOptions {
        skip_invalid: true,
        ..ReadOptions::default()
    };
    let l = transactions_from_batches([b1, b2], &tc, &skip).unwrap();
    assert_eq!(l.transactions.len(), 4);
    // As in CSV files, the id of a row that fails later is interned.
    assert_eq!(l.ids.len(), 4);
    assert_eq!(l.skipped.count, 1);
    assert!(!l.transactions[1].is_purchase());
    let none = transactions_from_batches(Vec::new(), &tc, &skip).unwrap();
    assert!(none.transactions.is_empty());
}

#[test]
fn a_parquet_data_directory_reads_as_a_data_set() {
    let dir = tempfile::tempdir().unwrap();
    small(
        dir.path(),
        "transactions.parquet",
        vec![
            (
                "customer_id",
                Arc::new(Int64Array::from(vec![1, 2, 1, 3])) as ArrayRef,
            ),
            (
                "date",
                Arc::new(Date32Array::from(vec![19_000, 19_001, 19_002, 19_003])),
            ),
            (
                "amount",
                Arc::new(Float64Array::from(vec![1.5, 2.0, 3.25, -1.0])),
            ),
        ],
    );
    small(
        dir.path(),
        "surveys.parquet",
        vec![
            (
                "customer_id",
                Arc::new(Int64Array::from(vec![Some(1), None, Some(4)])) as ArrayRef,
            ),
            (
                "date",
                Arc::new(Date32Array::from(vec![19_000, 19_001, 19_002])),
            ),
            (
                "type",
                Arc::new(StringArray::from(vec!["nps", "csat", "NPS"])),
            ),
            ("score", Arc::new(Int64Array::from(vec![9, 4, 11]))),
        ],
    );
    let files = DataFiles::in_dir(dir.path());
    assert!(files.transactions.ends_with("transactions.parquet"));
    let mut on = |_: crm_analytics::io::ReadEvent<'_>| {};
    let e = read_data_set(
        &files,
        &TransactionColumns::default(),
        &ReadOptions::default(),
        &mut on,
    )
    .unwrap_err();
    // The third survey has an NPS score of 11: row group 0, row 3 of surveys.parquet.
    let text = e.to_string();
    assert!(
        text.contains("surveys.parquet: row group 0, row 3: column score"),
        "{text}"
    );
    let skip = ReadOptions {
        skip_invalid: true,
        ..ReadOptions::default()
    };
    let data = read_data_set(&files, &TransactionColumns::default(), &skip, &mut on).unwrap();
    assert_eq!(data.transactions.len(), 4);
    assert_eq!(data.surveys.as_ref().map(Vec::len), Some(2));
    assert!(data.surveys.unwrap()[1].customer.is_none());
    // Customers 1, 2, 3 of the transactions, then 4 of the skipped survey (as with CSV).
    assert_eq!(data.ids.len(), 4);
}

#[derive(serde::Serialize)]
struct Out {
    customer: u64,
    segment: String,
    monetary: Decimal,
    score: Option<f64>,
    active: bool,
    big: u64,
}

#[test]
fn written_tables_read_back_with_the_parquet_crate() {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int64Type, UInt64Type};
    use crm_analytics::io::{OutputFormat, write_table};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let dir = tempfile::tempdir().unwrap();
    let rows = vec![
        Out {
            customer: 7,
            segment: "Champions".into(),
            monetary: Decimal::new(12_50, 2),
            score: Some(4.5),
            active: true,
            big: 1,
        },
        Out {
            customer: 9,
            segment: "At risk".into(),
            monetary: Decimal::new(-3, 0),
            score: None,
            active: false,
            big: u64::MAX,
        },
    ];
    let path = dir.path().join("out.parquet");
    assert_eq!(OutputFormat::from_path(&path), Some(OutputFormat::Parquet));
    write_table(&path, OutputFormat::Parquet, &rows).unwrap();
    let batches: Vec<RecordBatch> =
        ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    assert_eq!(batches.len(), 1);
    let b = &batches[0];
    let names: Vec<_> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        ["customer", "segment", "monetary", "score", "active", "big"]
    );
    assert_eq!(b.column(0).as_primitive::<Int64Type>().values(), &[7, 9]);
    assert_eq!(b.column(1).as_string::<i32>().value(1), "At risk");
    assert_eq!(b.column(2).as_string::<i32>().value(0), "12.50");
    let score = b.column(3).as_primitive::<Float64Type>();
    assert_eq!((score.value(0), score.is_null(1)), (4.5, true));
    assert!(b.column(4).as_boolean().value(0));
    assert_eq!(b.column(5).as_primitive::<UInt64Type>().value(1), u64::MAX);
    // JSON: an array of objects; CSV: header and rows.
    let json = dir.path().join("out.json");
    write_table(&json, OutputFormat::Json, &rows).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v[1]["segment"], "At risk");
    let csv = dir.path().join("out.csv");
    write_table(&csv, OutputFormat::Csv, &rows).unwrap();
    assert!(
        std::fs::read_to_string(&csv).unwrap().starts_with(
            "customer,segment,monetary,score,active,big\n7,Champions,12.50,4.5,true,1\n"
        )
    );
    // No rows: no columns to write in Parquet.
    assert!(write_table(&path, OutputFormat::Parquet, &Vec::<Out>::new()).is_err());
}
