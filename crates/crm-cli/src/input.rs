//! Reading delimited text files: CSV (with or without spaces after commas), TSV, whitespace.
//!
//! Every reader reports errors as `FILE:LINE: column C: message` and either stops at the first
//! malformed row or, with `--skip-invalid`, skips it and counts it.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use crm_analytics::model::chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{CustomerInterner, Transaction};

use crate::error::{CliError, CliResult};
use crate::fastcsv::{self, Ids, Part};

/// Field separator of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Delimiter {
    /// Comma (spaces after commas are tolerated).
    Comma,
    /// Tab.
    Tab,
    /// Semicolon.
    Semicolon,
    /// Runs of spaces or tabs (e.g. the CDNOW files).
    Whitespace,
}

/// How a file is read: shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct InputOptions {
    /// Field separator.
    #[arg(long, value_enum, default_value = "comma", global = true)]
    pub delimiter: Delimiter,
    /// The file has no header row; columns are then named by 1-based position ("1", "2", ...).
    #[arg(long, global = true)]
    pub no_header: bool,
    /// Skip malformed rows instead of stopping; the count and first reasons go to stderr.
    #[arg(long, global = true)]
    pub skip_invalid: bool,
}

/// Rows skipped under `--skip-invalid`, with the first few reasons.
#[derive(Debug, Default)]
pub struct Skipped {
    /// Number of rows skipped.
    pub count: u64,
    /// The first reasons, formatted as errors.
    pub first: Vec<String>,
}

impl Skipped {
    /// How many reasons are kept.
    pub(crate) const KEEP: usize = 5;

    /// Records one skipped row.
    pub fn push(&mut self, e: &CliError) {
        self.count += 1;
        if self.first.len() < Self::KEEP {
            self.first.push(e.to_string());
        }
    }

    /// Writes the summary to stderr when anything was skipped.
    pub fn report(&self) {
        if self.count > 0 {
            eprintln!(
                "warning: skipped {} invalid row(s); first reasons:",
                self.count
            );
            for r in &self.first {
                eprintln!("  {r}");
            }
        }
    }
}

/// A delimited file opened for reading, with its header resolved.
pub struct Table {
    path: PathBuf,
    header: Vec<String>,
    has_header: bool,
    lines: std::io::Lines<BufReader<File>>,
    csv: Option<csv::Reader<File>>,
    line_no: u64,
    skip_invalid: bool,
}

/// One row of a [`Table`] with its line number.
pub struct Row<'a> {
    /// 1-based line number in the file.
    pub line: u64,
    fields: Vec<&'a str>,
}

impl Row<'_> {
    /// Field at column index `i` (trimmed), or "" when the row is short.
    pub fn get(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", |s| s.trim())
    }
}

impl Table {
    /// Opens `path` and reads its header (or, with `no_header`, peeks the first row's width).
    pub fn open(path: &Path, opts: &InputOptions) -> CliResult<Self> {
        let io = |source| CliError::Io {
            file: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let mut t = Table {
            path: path.to_path_buf(),
            header: Vec::new(),
            has_header: !opts.no_header,
            lines: BufReader::new(File::open(path).map_err(io)?).lines(),
            csv: None,
            line_no: 0,
            skip_invalid: opts.skip_invalid,
        };
        if opts.delimiter != Delimiter::Whitespace {
            let d = match opts.delimiter {
                Delimiter::Tab => b'\t',
                Delimiter::Semicolon => b';',
                _ => b',',
            };
            let mut r = csv::ReaderBuilder::new()
                .delimiter(d)
                .has_headers(false)
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(file);
            if t.has_header {
                let mut rec = csv::StringRecord::new();
                let got = r.read_record(&mut rec).map_err(|e| t.csv_error(&e))?;
                if !got {
                    return Err(CliError::input(
                        path,
                        None,
                        None,
                        "file is empty (a header row is required)",
                    ));
                }
                t.line_no = 1;
                t.header = rec.iter().map(|s| s.trim().to_string()).collect();
            }
            t.csv = Some(r);
        } else if t.has_header {
            match t.lines.next() {
                Some(l) => {
                    let l = l.map_err(io)?;
                    t.line_no = 1;
                    t.header = l.split_whitespace().map(str::to_string).collect();
                }
                None => {
                    return Err(CliError::input(
                        path,
                        None,
                        None,
                        "file is empty (a header row is required)",
                    ));
                }
            }
        }
        Ok(t)
    }

    fn csv_error(&self, e: &csv::Error) -> CliError {
        let line = e.position().map(|p| p.line());
        CliError::input(&self.path, line, None, format!("malformed CSV: {e}"))
    }

    /// Name of column `i` (the header cell, or its 1-based position without a header); `None`
    /// past the last column.
    pub fn header_name(&self, i: usize) -> Option<String> {
        if self.has_header {
            self.header.get(i).cloned()
        } else {
            None
        }
    }

    /// Index of the column `name`: a header name (case-insensitive), or a 1-based position when
    /// the file has no header.
    pub fn column(&self, name: &str) -> CliResult<usize> {
        if !self.has_header {
            return match name.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(n - 1),
                _ => Err(CliError::input(
                    &self.path,
                    None,
                    Some(name),
                    "with --no-header, columns are named by 1-based position (e.g. --customer-column 1)",
                )),
            };
        }
        self.header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                CliError::input(
                    &self.path,
                    Some(1),
                    Some(name),
                    format!("no such column; the header has: {}", self.header.join(", ")),
                )
            })
    }

    /// Calls `f` for every data row, the way every reader treats a bad record: an error from `f`
    /// stops the read, unless the table was opened with `--skip-invalid`; then the row is counted
    /// in the returned [`Skipped`] (with the first reasons) and reading goes on. Errors of the file
    /// itself (I/O, broken quoting) always stop.
    pub fn for_each_record(
        &mut self,
        mut f: impl FnMut(&Row<'_>) -> CliResult<()>,
    ) -> CliResult<Skipped> {
        let skip = self.skip_invalid;
        let mut skipped = Skipped::default();
        self.for_each(|row| match f(row) {
            Err(e) if skip => {
                skipped.push(&e);
                Ok(())
            }
            other => other,
        })?;
        Ok(skipped)
    }

    /// Calls `f` for every data row; blank lines are skipped silently (they hold no record).
    pub fn for_each(&mut self, mut f: impl FnMut(&Row<'_>) -> CliResult<()>) -> CliResult<()> {
        if let Some(mut r) = self.csv.take() {
            let mut rec = csv::StringRecord::new();
            loop {
                match r.read_record(&mut rec) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => return Err(self.csv_error(&e)),
                }
                let line = rec.position().map_or(self.line_no + 1, |p| p.line());
                self.line_no = line;
                if rec.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                f(&Row {
                    line,
                    fields: rec.iter().collect(),
                })?;
            }
            return Ok(());
        }
        while let Some(l) = self.lines.next() {
            let l = l.map_err(|source| CliError::Io {
                file: self.path.clone(),
                source,
            })?;
            self.line_no += 1;
            if l.trim().is_empty() {
                continue;
            }
            f(&Row {
                line: self.line_no,
                fields: l.split_whitespace().collect(),
            })?;
        }
        Ok(())
    }
}

/// Column names of a transaction file.
#[derive(Debug, Clone, Args)]
pub struct TransactionColumns {
    /// Column holding the customer id.
    #[arg(long, default_value = "customer_id")]
    pub customer_column: String,
    /// Column holding the purchase date (YYYY-MM-DD or YYYYMMDD unless --date-format is given;
    /// a time after the date, as in "2024-05-01T10:30:00", is accepted).
    #[arg(long, default_value = "date")]
    pub date_column: String,
    /// Column holding the amount (a negative amount is a return).
    #[arg(long, default_value = "amount")]
    pub amount_column: String,
    /// chrono strftime format of the date column, e.g. "%d/%m/%Y".
    #[arg(long)]
    pub date_format: Option<String>,
}

/// Parses dates with a fixed format or the default ISO / compact forms.
#[derive(Debug, Clone)]
pub struct DateParser {
    format: Option<String>,
}

impl DateParser {
    /// A parser for `format` (`None`: ISO `YYYY-MM-DD[ T]HH:MM[:SS]` or `YYYYMMDD`).
    pub fn new(format: Option<String>) -> Self {
        DateParser { format }
    }

    /// Parses a date (and optional time of day).
    pub fn parse(&self, text: &str) -> Result<(NaiveDate, Option<NaiveTime>), String> {
        let t = text.trim();
        if let Some(f) = &self.format {
            if let Ok(d) = NaiveDate::parse_from_str(t, f) {
                return Ok((d, None));
            }
            return NaiveDateTime::parse_from_str(t, f)
                .map(|dt| (dt.date(), Some(dt.time())))
                .map_err(|_| format!("cannot parse {t:?} as a date with format {f:?}"));
        }
        let bad = || {
            format!(
                "cannot parse {t:?} as a date (expected YYYY-MM-DD or YYYYMMDD; use --date-format for others)"
            )
        };
        if t.len() > 10 && t.is_char_boundary(10) {
            let (d, rest) = t.split_at(10);
            let d = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| bad())?;
            let rest = rest.trim_start_matches(['T', ' ']);
            let time = NaiveTime::parse_from_str(rest, "%H:%M:%S%.f")
                .or_else(|_| NaiveTime::parse_from_str(rest, "%H:%M"))
                .map_err(|_| bad())?;
            return Ok((d, Some(time)));
        }
        let fmt = if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
            "%Y%m%d"
        } else {
            "%Y-%m-%d"
        };
        NaiveDate::parse_from_str(t, fmt)
            .map(|d| (d, None))
            .map_err(|_| bad())
    }
}

/// Parses a money amount.
pub fn parse_amount(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("amount is empty".into());
    }
    t.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| format!("cannot parse {t:?} as an amount"))
}

/// Transactions loaded from a file, with the id interner and the skip report.
pub struct LoadedTransactions {
    /// The transactions in file order.
    pub transactions: Vec<Transaction>,
    /// Customer ids.
    pub ids: CustomerInterner,
    /// Rows skipped with `--skip-invalid`.
    pub skipped: Skipped,
}

/// Reads a transaction file.
///
/// Comma, tab and semicolon files are read in parallel parts by [`crate::fastcsv`] (same rows,
/// keys, messages and skip counts as the sequential reader); whitespace files, and files the
/// line-by-line view cannot read exactly (a quoted field spanning lines, a lone carriage return,
/// invalid UTF-8), are read sequentially.
pub fn load_transactions(
    path: &Path,
    cols: &TransactionColumns,
    opts: &InputOptions,
) -> CliResult<LoadedTransactions> {
    load_transactions_with(path, cols, opts, fastcsv::default_threads(), false)
}

/// [`load_transactions`] with `threads` parts (`force`: split even a small file).
fn load_transactions_with(
    path: &Path,
    cols: &TransactionColumns,
    opts: &InputOptions,
    threads: usize,
    force: bool,
) -> CliResult<LoadedTransactions> {
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
    opts: &InputOptions,
    threads: usize,
    force: bool,
) -> CliResult<Option<LoadedTransactions>> {
    let table = Table::open(path, opts)?;
    let idx = [
        table.column(&cols.customer_column)?,
        table.column(&cols.date_column)?,
        table.column(&cols.amount_column)?,
    ];
    drop(table);
    let Some(plan) = fastcsv::plan(path, opts, threads, force)? else {
        return Ok(None);
    };
    let spec = TxSpec {
        cols,
        idx,
        dates: DateParser::new(cols.date_format.clone()),
        fast_dates: cols.date_format.is_none(),
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
    Ok(merged.map(|skipped| LoadedTransactions {
        transactions,
        ids: ids.interner,
        skipped,
    }))
}

/// Column indices and parsers shared by the parts of a transaction file.
struct TxSpec<'a> {
    cols: &'a TransactionColumns,
    idx: [usize; 3],
    dates: DateParser,
    fast_dates: bool,
}

/// Reads one part of a transaction file: the part's own ids (keys in its order of first
/// appearance) and its transactions, exactly as the sequential reader parses each row.
fn read_tx_part(s: &TxSpec<'_>, p: &mut Part) -> CliResult<(Ids, Vec<Transaction>)> {
    let path = p.path().to_path_buf();
    let mut ids = Ids::default();
    let mut tx = Vec::new();
    while let Some(l) = p.next(&s.idx)? {
        let [c, d, a] = l.fields;
        let err = |col: &str, msg: String| CliError::input(&path, Some(l.line), Some(col), msg);
        let parsed = (|| {
            // The id first, as the sequential reader (a row failing later still interns it).
            let key = ids.field(c).map_err(|m| err(&s.cols.customer_column, m))?;
            let (date, time) = match s.fast_dates.then(|| fastcsv::fast_date(d)).flatten() {
                Some(day) => (day, None),
                None => fastcsv::utf8(d)
                    .and_then(|t| s.dates.parse(t))
                    .map_err(|m| err(&s.cols.date_column, m))?,
            };
            let amount = match fastcsv::fast_amount(a) {
                Some(x) => x,
                None => fastcsv::utf8(a)
                    .and_then(parse_amount)
                    .map_err(|m| err(&s.cols.amount_column, m))?,
            };
            let mut t = Transaction::from_signed(key, date, amount);
            if let Some(time) = time {
                t = t.with_time(time);
            }
            Ok::<_, CliError>(t)
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
    opts: &InputOptions,
) -> CliResult<LoadedTransactions> {
    let mut table = Table::open(path, opts)?;
    let ci = table.column(&cols.customer_column)?;
    let di = table.column(&cols.date_column)?;
    let ai = table.column(&cols.amount_column)?;
    let dates = DateParser::new(cols.date_format.clone());
    let mut ids = CustomerInterner::new();
    let mut transactions = Vec::new();
    let path_buf = path.to_path_buf();
    let skipped = table.for_each_record(|row| {
        let err =
            |col: &str, msg: String| CliError::input(&path_buf, Some(row.line), Some(col), msg);
        let parsed = (|| {
            let key = ids
                .intern(row.get(ci))
                .map_err(|e| err(&cols.customer_column, e.to_string()))?;
            let (date, time) = dates
                .parse(row.get(di))
                .map_err(|m| err(&cols.date_column, m))?;
            let amount = parse_amount(row.get(ai)).map_err(|m| err(&cols.amount_column, m))?;
            let mut t = Transaction::from_signed(key, date, amount);
            if let Some(time) = time {
                t = t.with_time(time);
            }
            Ok::<_, CliError>(t)
        })();
        transactions.push(parsed?);
        Ok(())
    })?;
    Ok(LoadedTransactions {
        transactions,
        ids,
        skipped,
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
        assert_eq!(parse_amount(" 12.50 ").unwrap().to_string(), "12.50");
        assert!(parse_amount("NaN").is_err());
        assert!(parse_amount("").is_err());
        assert!(parse_amount("1e3").is_ok());
    }

    fn cols() -> TransactionColumns {
        TransactionColumns {
            customer_column: "customer_id".into(),
            date_column: "date".into(),
            amount_column: "amount".into(),
            date_format: None,
        }
    }

    fn opts(delimiter: Delimiter, skip_invalid: bool) -> InputOptions {
        InputOptions {
            delimiter,
            no_header: false,
            skip_invalid,
        }
    }

    /// Everything a load returns, as comparable text (errors by their message).
    fn outcome(r: CliResult<LoadedTransactions>) -> Result<String, String> {
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
    fn same(text: &str, o: &InputOptions) -> Result<String, String> {
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
    fn lines_the_fast_reader_cannot_split_fall_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tx.csv");
        let o = opts(Delimiter::Comma, false);
        for text in [
            "customer_id,date,amount\n\"multi\nline\",2024-01-01,1\n2,2024-01-02,3\n",
            "customer_id,date,amount\n1,2024-01-01,1\r2,2024-01-02,3\n",
        ] {
            std::fs::write(&path, text).unwrap();
            assert!(load_fast(&path, &cols(), &o, 2, true).unwrap().is_none());
            let want = outcome(load_transactions_seq(&path, &cols(), &o));
            assert!(want.is_ok(), "{want:?}");
            assert_eq!(outcome(load_transactions(&path, &cols(), &o)), want);
        }
        // Invalid UTF-8: the sequential reader's message.
        std::fs::write(
            &path,
            b"customer_id,date,amount\n1,2024-01-01,1\n\xff,2024-01-02,3\n",
        )
        .unwrap();
        assert!(load_fast(&path, &cols(), &o, 2, true).unwrap().is_none());
        let e = outcome(load_transactions(&path, &cols(), &o)).unwrap_err();
        assert!(e.contains(":3: malformed CSV"), "{e}");
    }
}
