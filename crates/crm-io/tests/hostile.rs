//! Hostile input: whatever a service's users upload, every reader returns an error naming file,
//! line and column (or, under `skip_invalid`, a counted skip with its reason), never a panic and
//! never a silently wrong row. One test per class (see docs/robustness.md).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use crm_analytics::io::*;
use crm_analytics::model::CustomerInterner;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn skip() -> ReadOptions {
    ReadOptions {
        skip_invalid: true,
        ..ReadOptions::default()
    }
}

/// The error text of a transaction load that must fail.
fn load_err(p: &Path, o: &ReadOptions) -> String {
    match load_transactions(p, &TransactionColumns::default(), o) {
        Ok(l) => panic!("read {} rows", l.transactions.len()),
        Err(e) => e.to_string(),
    }
}

fn load(p: &Path, o: &ReadOptions) -> LoadedTransactions {
    load_transactions(p, &TransactionColumns::default(), o).unwrap()
}

/// A file big enough (over 4 MiB) that the parallel reader splits it into parts, with `bad`
/// inserted as line `at` (1-based; the header is line 1).
fn big_file(bad: &str, at: usize) -> String {
    let mut t = String::from("customer_id,date,amount\n");
    let mut line = 1;
    while t.len() < 5 << 20 {
        line += 1;
        if line == at {
            t.push_str(bad);
            t.push('\n');
        } else {
            t.push_str(&format!(
                "{},2024-01-{:02},{}.50\n",
                line % 997,
                1 + line % 28,
                line % 89
            ));
        }
    }
    t
}

#[test]
fn rows_wider_than_the_header_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    // An extra field; an unquoted "Smith, John" that would shift every field after it.
    let p = write(
        dir.path(),
        "tx.csv",
        b"customer_id,date,amount\nA,2024-01-01,12\nA,2024-01-01,12,50\nSmith, John,2024-01-02,3\n",
    );
    let e = load_err(&p, &ReadOptions::default());
    assert!(
        e.contains("tx.csv:3: column 4: the row has 4 fields but the header has 3"),
        "{e}"
    );
    let l = load(&p, &skip());
    assert_eq!((l.transactions.len(), l.skipped.count), (1, 2));
    assert!(
        l.skipped.first[1].contains("tx.csv:4: column 4:"),
        "{:?}",
        l.skipped.first
    );
    // The parallel reader (a file split into parts) says the same, at the same line.
    let big = write(
        dir.path(),
        "big.csv",
        big_file("A,2024-01-01,12,50", 150_000).as_bytes(),
    );
    let e = load_err(&big, &ReadOptions::default());
    assert!(
        e.contains("big.csv:150000: column 4: the row has 4 fields"),
        "{e}"
    );
    let l = load(&big, &skip());
    assert_eq!(l.skipped.count, 1);
    // The data-file readers share the rule.
    let c = write(
        dir.path(),
        "customers.csv",
        b"customer_id,full_name\n1,Ann\n2,Smith, John\n",
    );
    let e = read_customers(
        &c,
        &ReadOptions::default(),
        &mut CustomerInterner::new(),
        || {},
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("customers.csv:3: column 3: the row has 3 fields"),
        "{e}"
    );
    // Whitespace files too, and without a header the first row is the reference.
    let w = write(
        dir.path(),
        "cdnow.txt",
        b"1 19970101 1 11.77\n2 19970102 2 9.00 extra\n",
    );
    let o = ReadOptions {
        delimiter: Delimiter::Whitespace,
        has_header: false,
        ..ReadOptions::default()
    };
    let cols = TransactionColumns {
        customer: "1".into(),
        date: "2".into(),
        amount: Some("4".into()),
        ..TransactionColumns::default()
    };
    let e = load_transactions(&w, &cols, &o).err().unwrap().to_string();
    assert!(
        e.contains("cdnow.txt:2: column 5: the row has 5 fields but the first row has 4"),
        "{e}"
    );
}

#[test]
fn rows_shorter_than_the_header_read_missing_cells_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    // A missing required cell is an error of that column.
    let p = write(
        dir.path(),
        "tx.csv",
        b"customer_id,date,amount\nA,2024-01-01,12\nB,2024-01-02\nC\n",
    );
    let e = load_err(&p, &ReadOptions::default());
    assert!(e.contains("tx.csv:3: column amount:"), "{e}");
    let l = load(&p, &skip());
    assert_eq!((l.transactions.len(), l.skipped.count), (1, 2));
    assert!(
        l.skipped.first[1].contains("tx.csv:4: column date:"),
        "{:?}",
        l.skipped.first
    );
    // Trailing optional columns left out are simply empty.
    let c = write(
        dir.path(),
        "customers.csv",
        b"customer_id,full_name,email,city\n1,Ann\n2\n3,Bo,bo@example.com,Oslo\n",
    );
    let got = read_customers(
        &c,
        &ReadOptions::default(),
        &mut CustomerInterner::new(),
        || {},
    )
    .unwrap();
    assert_eq!(got.rows.len(), 3);
    assert_eq!(got.rows[0].customer.full_name.as_deref(), Some("Ann"));
    assert!(got.rows[1].customer.full_name.is_none());
}

#[test]
fn an_unterminated_quote_is_an_error_naming_the_line_it_opened() {
    let dir = tempfile::tempdir().unwrap();
    let text = "customer_id,date,amount\nA,2024-01-01,1\n\"B,2024-01-02,2\nC,2024-01-03,3\nD,2024-01-04,4\n";
    let p = write(dir.path(), "tx.csv", text.as_bytes());
    let e = load_err(&p, &ReadOptions::default());
    assert!(
        e.contains("tx.csv:3: column customer_id: a quoted field opens here and is never closed"),
        "{e}"
    );
    // Not one skipped row swallowing the rest: the file itself is broken, so even
    // skip_invalid stops.
    let e = load_err(&p, &skip());
    assert!(e.contains("tx.csv:3:"), "{e}");
    // In a later column, in the last line without a newline, and on the parallel path.
    let p = write(
        dir.path(),
        "t2.csv",
        b"customer_id,date,amount\nA,2024-01-01,\"1",
    );
    let e = load_err(&p, &ReadOptions::default());
    assert!(
        e.contains("t2.csv:2: column amount: a quoted field opens"),
        "{e}"
    );
    let mut big = big_file("X,2024-01-01,\"3", 120_000);
    big.push_str("Y,2024-01-01,1\n");
    let p = write(dir.path(), "big.csv", big.as_bytes());
    let e = load_err(&p, &ReadOptions::default());
    assert!(
        e.contains("big.csv:120000: column amount: a quoted field opens"),
        "{e}"
    );
    // In the header; in a data file; with GBK decoding.
    let p = write(
        dir.path(),
        "h.csv",
        b"customer_id,\"date,amount\nA,2024-01-01,1\n",
    );
    let e = load_err(&p, &ReadOptions::default());
    assert!(e.contains("h.csv:1: column 2: a quoted field opens"), "{e}");
    let c = write(
        dir.path(),
        "customers.csv",
        b"customer_id,full_name\n1,\"Ann\n2,Bo\n",
    );
    let e = read_customers(&c, &skip(), &mut CustomerInterner::new(), || {})
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("customers.csv:2: column full_name: a quoted field"),
        "{e}"
    );
    let g = ReadOptions {
        encoding: Encoding::Gbk,
        ..ReadOptions::default()
    };
    let p = write(dir.path(), "g.csv", text.as_bytes());
    assert!(load_err(&p, &g).contains("g.csv:3: column customer_id"));
    // A closed quote spanning lines is still fine.
    let p = write(
        dir.path(),
        "ok.csv",
        b"customer_id,date,amount,note\nA,2024-01-01,1,\"two\nlines\"\nB,2024-01-02,2,\"\"\"\"\n",
    );
    assert_eq!(load(&p, &ReadOptions::default()).transactions.len(), 2);
}

#[test]
fn duplicate_header_names_are_errors_on_open() {
    let dir = tempfile::tempdir().unwrap();
    for (header, col) in [
        ("customer_id,date,amount,Amount", "Amount"),
        ("customer_id,date,amount, AMOUNT ", "AMOUNT"),
        ("customer_id,date,amount,note,note", "note"),
    ] {
        let p = write(
            dir.path(),
            "tx.csv",
            format!("{header}\nA,2024-01-01,1,2\n").as_bytes(),
        );
        let e = load_err(&p, &ReadOptions::default());
        assert!(
            e.contains(&format!(
                "tx.csv:1: column {col}: the header names this column twice"
            )),
            "{e}"
        );
        // Even when the duplicated column is not one the reader asks for.
        assert!(load_err(&p, &skip()).contains("names this column twice"));
    }
    // Empty names (trailing delimiters of the header) are not duplicates.
    let p = write(
        dir.path(),
        "tx.csv",
        b"customer_id,date,amount,,\nA,2024-01-01,1,,\n",
    );
    assert_eq!(load(&p, &ReadOptions::default()).transactions.len(), 1);
    let s = write(dir.path(), "spend.csv", b"channel,month,amount,Channel\n");
    let e = read_spend(&s, &ReadOptions::default(), || {})
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("spend.csv:1: column Channel: the header names"),
        "{e}"
    );
}

/// Writes one record batch to a Parquet file.
#[cfg(feature = "parquet")]
fn write_parquet(path: &Path, batch: &arrow_array::RecordBatch) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

#[cfg(feature = "parquet")]
#[test]
fn duplicate_parquet_columns_are_errors() {
    use arrow_array::{Int64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tx.parquet");
    let schema = Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Int64, false),
        Field::new("date", DataType::Utf8, false),
        Field::new("amount", DataType::Utf8, false),
        Field::new("Amount", DataType::Utf8, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from(vec![1])),
            Arc::new(StringArray::from(vec!["2024-01-01"])),
            Arc::new(StringArray::from(vec!["1"])),
            Arc::new(StringArray::from(vec!["2"])),
        ],
    )
    .unwrap();
    write_parquet(&path, &batch);
    let e = load_err(&path, &ReadOptions::default());
    assert!(
        e.contains("column amount: the schema names this column twice"),
        "{e}"
    );
}

#[test]
fn control_characters_in_ids_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "tx.csv",
        b"customer_id,date,amount\nA,2024-01-01,1\nB\x00C,2024-01-02,2\nD\x1b[31m,2024-01-03,3\n\"E\rF\",2024-01-04,4\nG\tH,2024-01-05,5\n",
    );
    let e = load_err(&p, &ReadOptions::default());
    assert!(
        e.contains("tx.csv:3: column customer_id:") && e.contains("control character '\\0'"),
        "{e}"
    );
    let l = load(&p, &skip());
    // A tab inside an id is kept; NUL, escape and carriage return are not.
    assert_eq!((l.transactions.len(), l.skipped.count), (2, 3));
    assert_eq!(l.ids.ids()[1].to_string(), "G\tH");
    // The same at the root: every reader that interns ids (customers, Parquet, ...).
    let c = write(
        dir.path(),
        "customers.csv",
        b"customer_id,full_name\n1\x00,Ann\n",
    );
    let e = read_customers(
        &c,
        &ReadOptions::default(),
        &mut CustomerInterner::new(),
        || {},
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("customers.csv:2: column customer_id:"), "{e}");
    // The parallel path.
    let big = write(
        dir.path(),
        "big.csv",
        big_file("Z\x00,2024-01-01,1", 99_999).as_bytes(),
    );
    let e = load_err(&big, &ReadOptions::default());
    assert!(e.contains("big.csv:99999: column customer_id:"), "{e}");
}

#[test]
fn whitespace_files_with_invalid_utf8_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "cdnow.txt",
        b"customer_id date amount\n1 19970101 11.77\n2 1997\xff0102 9.00\n3 19970103 1\n",
    );
    let o = ReadOptions {
        delimiter: Delimiter::Whitespace,
        ..ReadOptions::default()
    };
    let e = load_err(&p, &o);
    assert!(
        e.contains("cdnow.txt:3: column date: bytes that are not valid UTF-8"),
        "{e}"
    );
    let o = ReadOptions {
        skip_invalid: true,
        ..o
    };
    let l = load(&p, &o);
    assert_eq!((l.transactions.len(), l.skipped.count), (2, 1));
    // In the header too.
    let p = write(
        dir.path(),
        "h.txt",
        b"customer_id d\xffate amount\n1 19970101 1\n",
    );
    let e = load_err(&p, &o);
    assert!(
        e.contains("h.txt:1: column 2: bytes that are not valid UTF-8"),
        "{e}"
    );
}

/// Found by `fuzz/csv_transactions` (input in tests/fuzz-crashes/): csv-core takes a record's
/// position before it consumes the `\n` of the `\r\n` before it, so the sequential reader
/// (always used for GB18030, and for UTF-8 files the parallel reader hands back) numbered
/// records after a CRLF line end one line short. Fixed by `decode::CrlfAsLf`.
#[test]
fn crlf_line_numbers_agree_between_readers() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "tx.csv",
        b"customer_id,date,amount\r\nA,x,1\r\nB,y,1\r\n",
    );
    for encoding in [Encoding::Utf8, Encoding::Gbk] {
        let o = ReadOptions { encoding, ..skip() };
        let l = load(&p, &o);
        assert!(
            l.skipped.first[0].contains("tx.csv:2: column date"),
            "{:?}",
            l.skipped.first
        );
        assert!(
            l.skipped.first[1].contains("tx.csv:3: column date"),
            "{:?}",
            l.skipped.first
        );
    }
}

/// Found by `fuzz/parquet_bytes`: a corrupt `ARROW:schema` footer entry made `arrow-ipc`
/// (convert.rs, unknown date unit) panic while the metadata was loaded. The readers now take the
/// column types from the Parquet schema and ignore the embedded Arrow schema, so the file reads
/// (its Parquet data is valid) instead of taking the process down.
#[cfg(feature = "parquet")]
#[test]
fn corrupt_embedded_arrow_schema_does_not_panic() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-crashes/parquet-arrow-ipc-panic.parquet");
    let r = load_transactions(&p, &TransactionColumns::default(), &ReadOptions::default());
    let l = r.unwrap();
    assert_eq!((l.transactions.len(), l.skipped.count), (3, 0));
}

/// The parallel reader's block scanner (1 MiB blocks, plain blocks skip the per-line checks)
/// against the sequential reader (GBK decoding reads ASCII the same way, one record at a time):
/// a line longer than a block, a quoted field and CRLF line ends after megabytes of plain
/// lines, and bad rows, in a file split into parts.
#[test]
fn block_scanner_agrees_with_the_sequential_reader() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = big_file("7,2024-02-30,1", 60_000);
    // A line longer than a block: its id padded with 1.5 MiB of spaces.
    t.push_str(&format!("8{},2024-01-03,2.25\n", " ".repeat(3 << 19)));
    t.push_str("\"9, quoted\",2024-01-04,3\n");
    t.push_str("10,2024-01-05,4\r\n11,2024-01-06,x\r\n12,2024-01-07,5\r\n");
    t.push_str(&big_file("13,2024-01-08,1,extra", 20_000).replace("customer_id,date,amount\n", ""));
    let p = write(dir.path(), "mixed.csv", t.as_bytes());
    let fast = load(&p, &skip());
    let slow = load(
        &p,
        &ReadOptions {
            encoding: Encoding::Gbk,
            ..skip()
        },
    );
    assert_eq!(fast.transactions, slow.transactions);
    assert_eq!(fast.ids.ids(), slow.ids.ids());
    assert_eq!(fast.skipped.count, slow.skipped.count);
    assert_eq!(fast.skipped.first, slow.skipped.first);
    assert_eq!(fast.skipped.count, 3, "{:?}", fast.skipped.first);
}

/// Found by `fuzz/csv_transactions` (input in tests/fuzz-crashes/): csv-core skips empty lines
/// but takes a record's position before skipping them, so the sequential reader numbered every
/// record after an empty line too low (here: a leading empty line, an error reported on line 1
/// instead of 2). The reader now passes empty lines on as blank records, skipped at their true
/// line numbers.
#[test]
fn empty_lines_do_not_shift_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "tx.csv",
        b"\ncustomer_id,date,amount\n1,2024-01-01,1\n\n\n2,2024-01-0x,1\n\n3,bad,1\n",
    );
    for encoding in [Encoding::Utf8, Encoding::Gbk] {
        let l = load(&p, &ReadOptions { encoding, ..skip() });
        assert_eq!(l.transactions.len(), 1);
        assert!(
            l.skipped.first[0].contains("tx.csv:6: column date"),
            "{:?}",
            l.skipped.first
        );
        assert!(
            l.skipped.first[1].contains("tx.csv:8: column date"),
            "{:?}",
            l.skipped.first
        );
    }
    // The fuzz input: a tab file without a header whose first line is empty.
    let crash = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-crashes/csv_transactions-blank-first-line");
    let data = std::fs::read(crash).unwrap();
    let p = write(dir.path(), "crash.csv", &data[1..]);
    let cols = TransactionColumns {
        customer: "1".into(),
        date: "2".into(),
        amount: Some("3".into()),
        date_format: Some("%d/%m/%Y".into()),
        amount_optional: true,
    };
    let errs: Vec<String> = [Encoding::Utf8, Encoding::Gbk]
        .into_iter()
        .map(|encoding| {
            let o = ReadOptions {
                delimiter: Delimiter::Tab,
                has_header: false,
                encoding,
                ..ReadOptions::default()
            };
            load_transactions(&p, &cols, &o).err().unwrap().to_string()
        })
        .collect();
    assert!(errs[0].contains("crash.csv:2: column 1"), "{errs:?}");
    assert_eq!(errs[0], errs[1]);
}

/// Found by `fuzz/parquet_bytes`: a footer whose column chunk has a negative offset or size made
/// the `parquet` crate panic (an assertion in `ColumnChunkMetaData::byte_range`) when the chunk
/// was read. The readers now check every chunk against the file when they open it.
#[cfg(feature = "parquet")]
#[test]
fn parquet_chunks_outside_the_file_are_errors() {
    for (name, want) in [
        (
            "parquet-negative-chunk-offset.parquet",
            "row group 0, column date claims bytes -2..+72",
        ),
        (
            "parquet-negative-chunk-size.parquet",
            "row group 0, column amount claims bytes 124..+-57",
        ),
    ] {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz-crashes")
            .join(name);
        for o in [ReadOptions::default(), skip()] {
            let e = load_transactions(&p, &TransactionColumns::default(), &o)
                .err()
                .unwrap()
                .to_string();
            assert!(e.contains(want), "{e}");
        }
    }
}

/// Found by `fuzz/parquet_bytes` (second campaign): a data page whose dictionary-index bit width
/// is larger than 32 made the `parquet` crate's bit reader assert (`num_bits <= T::BIT_CAPACITY`)
/// inside `RecordBatchReader::next`. The test writes a valid file, sets that byte to 40 and checks
/// that reading it is an error naming the row group, not a panic.
#[cfg(feature = "parquet")]
#[test]
fn parquet_decoder_panics_are_errors() {
    use arrow_array::{RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tx.parquet");
    let schema = Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Utf8, false),
        Field::new("date", DataType::Utf8, false),
        Field::new("amount", DataType::Utf8, false),
    ]));
    let n = 64;
    let ids: Vec<String> = (0..n).map(|i| format!("C{}", i % 5)).collect();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(ids)),
            Arc::new(StringArray::from(vec!["2024-01-01"; n])),
            Arc::new(StringArray::from(vec!["1"; n])),
        ],
    )
    .unwrap();
    write_parquet(&path, &batch);
    // The valid file reads.
    let ok = load_transactions(
        &path,
        &TransactionColumns::default(),
        &ReadOptions::default(),
    );
    assert_eq!(ok.unwrap().transactions.len(), n);

    // The first byte of the id column's (uncompressed, version 1) data page is the bit width of
    // its dictionary indices; find the page's bytes in the file and make the width 40.
    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut pages = reader
        .get_row_group(0)
        .unwrap()
        .get_column_page_reader(0)
        .unwrap();
    let mut data_page = None;
    while let Some(page) = pages.get_next_page().unwrap() {
        if matches!(page.page_type(), parquet::basic::PageType::DATA_PAGE) {
            data_page = Some(page.buffer().to_vec());
            break;
        }
    }
    let data_page = data_page.expect("a dictionary-encoded data page");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes
        .windows(data_page.len())
        .position(|w| w == data_page.as_slice())
        .expect("the page's bytes are in the file");
    assert!(bytes[at] > 0 && bytes[at] <= 8, "bit width {}", bytes[at]);
    bytes[at] = 40;
    std::fs::write(&path, &bytes).unwrap();
    for o in [ReadOptions::default(), skip()] {
        let e = load_transactions(&path, &TransactionColumns::default(), &o)
            .err()
            .expect("a corrupt page is an error")
            .to_string();
        assert!(
            e.contains("tx.parquet: row group 0, row 1:") && e.contains("parquet decoder failed"),
            "{e}"
        );
    }
}

/// Found by `fuzz/csv_transactions`: bare CRs (`\r\r\n`, a lone `\r` at the end) in a
/// semicolon-separated file without a header, read with `skip_invalid`. The parallel and the
/// sequential reader must number the skipped records alike.
#[test]
fn bare_cr_line_numbers_agree_between_readers() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "tx.csv",
        b"\r\n\0\0\0\0\0\0\0\r\r\r\n\0\0\0\0\0\0\0\r",
    );
    let cols = TransactionColumns {
        customer: "1".into(),
        date: "2".into(),
        amount: Some("3".into()),
        ..TransactionColumns::default()
    };
    let mut seen = Vec::new();
    for encoding in [Encoding::Utf8, Encoding::Gbk] {
        let o = ReadOptions {
            encoding,
            delimiter: Delimiter::Semicolon,
            has_header: false,
            ..skip()
        };
        let l = load_transactions(&p, &cols, &o).unwrap();
        seen.push((l.skipped.count, l.skipped.first.clone()));
    }
    assert_eq!(seen[0], seen[1]);
    assert!(
        seen[0].1[1].contains("tx.csv:3: column 1"),
        "{:?}",
        seen[0].1
    );
}
