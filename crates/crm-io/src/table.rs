//! Reading delimited text files: CSV (with or without spaces after commas), TSV, whitespace.
//!
//! Every reader reports errors as `FILE:LINE: column C: message` and either stops at the first
//! malformed row or, with `--skip-invalid`, skips it and counts it.

use std::cell::Cell;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::decode;
use crate::error::{IoError, IoResult, Position};
use crate::options::{Delimiter, Encoding, ReadOptions};
use crate::rows::{Row, Skipped, too_wide};

/// Is `path` a Parquet file? (Extension `.parquet`, any case.)
pub(crate) fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// The error for a Parquet file when the crate was built without its `parquet` feature.
#[cfg(not(feature = "parquet"))]
pub(crate) fn parquet_disabled(path: &Path) -> IoError {
    IoError::input(
        path,
        None,
        None,
        "a Parquet file, but crm-io was built without its `parquet` feature \
         (enable the `parquet` feature of crm-io or crm-analytics)",
    )
}

/// A delimited file (or, with the `parquet` feature, a Parquet file) opened for reading, with
/// its header resolved.
///
/// The file is read as UTF-8 (a leading byte-order mark skipped) or, with
/// [`Encoding::Gbk`](crate::Encoding::Gbk), decoded from GB18030; bytes that are not valid text
/// in the declared encoding make a row error naming the line and the column.
pub struct Table {
    path: PathBuf,
    header: Vec<String>,
    has_header: bool,
    delimiter: Delimiter,
    encoding: Encoding,
    lines: Option<BufReader<Box<dyn Read>>>,
    csv: Option<csv::Reader<Box<dyn Read>>>,
    /// Without a header: the first non-blank line (for the delimiter hint of [`Table::column`]).
    first_row: Option<String>,
    /// Fields a row may have at most: the header's, or without one the first non-blank row's.
    width: Option<usize>,
    /// What the quote watcher under the csv reader saw (unterminated quote at the end).
    quotes: Rc<Cell<QuoteState>>,
    line_no: u64,
    skip_invalid: bool,
    #[cfg(feature = "parquet")]
    parquet: Option<crate::pq::PqRows>,
}

/// `line` without its `\n` or `\r\n` terminator (as [`BufRead::lines`] strips it).
fn strip_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// 0-based index of the whitespace-separated field holding byte `at` of `line` (whose bytes
/// before `at` are valid UTF-8).
fn whitespace_field_at(line: &[u8], at: usize) -> usize {
    let before = std::str::from_utf8(&line[..at]).unwrap_or("");
    let n = before.split_whitespace().count();
    if before.is_empty() || before.ends_with(char::is_whitespace) {
        n
    } else {
        n.saturating_sub(1)
    }
}

/// Delimiters a one-column header or first row is checked against, with their names and the
/// `--delimiter` value that reads them (`None`: not supported).
const SNIFFED: [(char, &str, Option<Delimiter>); 4] = [
    (';', "semicolon", Some(Delimiter::Semicolon)),
    ('\t', "tab", Some(Delimiter::Tab)),
    (',', "comma", Some(Delimiter::Comma)),
    ('|', "pipe", None),
];

/// When the one-column `text` would split with a delimiter other than `current`, the hint that
/// says so (the delimiter occurring most often wins; ties in the order of [`SNIFFED`]).
pub fn delimiter_hint(text: &str, current: Delimiter) -> Option<String> {
    let (c, name, delimiter) = SNIFFED
        .iter()
        .filter(|(c, _, _)| {
            current.byte() != Some(*c as u8) && !(current == Delimiter::Whitespace && *c == '\t')
        })
        .map(|s| (text.matches(s.0).count(), s))
        .filter(|(n, _)| *n > 0)
        .max_by(|a, b| a.0.cmp(&b.0).then(std::cmp::Ordering::Greater))
        .map(|(_, s)| *s)?;
    Some(match delimiter {
        Some(d) => format!(
            "the file looks {name}-delimited: try --delimiter {}",
            match d {
                Delimiter::Comma => "comma",
                Delimiter::Tab => "tab",
                Delimiter::Semicolon => "semicolon",
                Delimiter::Whitespace => "whitespace",
            }
        ),
        None => format!(
            "the file looks {name}-delimited ('{c}'), which is not supported: convert it to \
             comma, tab or semicolon separators"
        ),
    })
}

impl Table {
    /// Opens `path` and reads its header (without a header, the first row is kept for the
    /// delimiter hint of [`Table::column`]).
    ///
    /// A `.parquet` file (any case) is read as a Parquet file: its column names are the header
    /// and each cell reads as the text a CSV export would hold (dates `YYYY-MM-DD`, times
    /// `YYYY-MM-DD HH:MM:SS`, nulls empty); without the `parquet` feature it is an error.
    pub fn open(path: &Path, opts: &ReadOptions) -> IoResult<Self> {
        let io = |source| IoError::Io {
            file: path.to_path_buf(),
            source,
        };
        if is_parquet(path) {
            #[cfg(not(feature = "parquet"))]
            return Err(parquet_disabled(path));
        }
        let source = decode::open_utf8(path, opts.encoding).map_err(io)?;
        let mut t = Table {
            path: path.to_path_buf(),
            header: Vec::new(),
            has_header: opts.has_header,
            delimiter: opts.delimiter,
            encoding: opts.encoding,
            lines: None,
            csv: None,
            first_row: None,
            width: None,
            quotes: Rc::default(),
            line_no: 0,
            skip_invalid: opts.skip_invalid,
            #[cfg(feature = "parquet")]
            parquet: None,
        };
        #[cfg(feature = "parquet")]
        if is_parquet(path) {
            let rows = crate::pq::PqRows::open(path)?;
            t.header = rows.header();
            t.has_header = true;
            t.parquet = Some(rows);
            t.check_header(None)?;
            return Ok(t);
        }
        let empty = || IoError::input(path, None, None, "file is empty (a header row is required)");
        if let Some(d) = opts.delimiter.byte() {
            let watched: Box<dyn Read> = Box::new(QuoteWatch::new(source, d, t.quotes.clone()));
            let mut r = csv::ReaderBuilder::new()
                .delimiter(d)
                .has_headers(false)
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(watched);
            if t.has_header {
                let mut rec = csv::StringRecord::new();
                // The header is the first line that is not blank (bounded: every pass reads a
                // record or ends).
                loop {
                    let got = r.read_record(&mut rec).map_err(|e| match e.kind() {
                        csv::ErrorKind::Utf8 { pos, err } => {
                            let line = pos.as_ref().map_or(1, csv::Position::line);
                            t.invalid_text(line, err.field())
                        }
                        _ => t.csv_error(&e),
                    })?;
                    if !got {
                        return Err(empty());
                    }
                    if !rec.iter().all(|f| f.trim().is_empty()) {
                        break;
                    }
                }
                t.unclosed_quote(&r)?;
                t.line_no = rec.position().map_or(1, csv::Position::line);
                t.header = rec.iter().map(|s| s.trim().to_string()).collect();
                t.check_header(Some(t.line_no))?;
            }
            t.csv = Some(r);
        } else {
            let mut r = BufReader::new(source);
            if t.has_header {
                // The first line is the header, blank or not (as the reader always did).
                let mut buf = Vec::new();
                if r.read_until(b'\n', &mut buf).map_err(io)? == 0 {
                    return Err(empty());
                }
                t.line_no = 1;
                let l = strip_newline(&buf);
                let l = std::str::from_utf8(l)
                    .map_err(|e| t.invalid_text(1, whitespace_field_at(l, e.valid_up_to())))?;
                t.header = l.split_whitespace().map(str::to_string).collect();
                t.check_header(Some(1))?;
            }
            t.lines = Some(r);
        }
        if t.has_header {
            t.width = Some(t.header.len());
        } else {
            t.first_row = first_row(path, opts.encoding).map_err(io)?;
            t.width = first_width(path, opts).map_err(io)?;
        }
        Ok(t)
    }

    /// Fields a data row may have at most: the header's count, or without a header the count of
    /// the first non-blank row (`None`: no such row, or a Parquet file). Rows with more fields are
    /// errors (a delimiter inside an unquoted field, as in `Smith, John`, shifts every field after
    /// it); rows with fewer read their missing trailing cells as empty.
    pub fn width(&self) -> Option<usize> {
        if self.is_parquet_table() {
            None
        } else {
            self.width
        }
    }

    /// A header naming a column twice (case-insensitively, after trimming; empty names aside) is
    /// an error naming the column: which of the two a reader would take is a guess.
    fn check_header(&self, line: Option<u64>) -> IoResult<()> {
        for (j, h) in self.header.iter().enumerate() {
            let h = h.trim();
            if h.is_empty() {
                continue;
            }
            if let Some(i) = self.header[..j]
                .iter()
                .position(|e| e.trim().eq_ignore_ascii_case(h))
            {
                return Err(IoError::input(
                    &self.path,
                    line,
                    Some(h),
                    format!(
                        "the header names this column twice (columns {} and {}; names are \
                         compared case-insensitively): rename or remove one",
                        i + 1,
                        j + 1
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The error for a record of `r` that holds a quote opened and never closed (the csv crate
    /// reads such a record to the end of the file, swallowing every line after the quote).
    fn unclosed_quote(&self, r: &csv::Reader<Box<dyn Read>>) -> IoResult<()> {
        let q = self.quotes.get();
        match q.open {
            // The record holding the open quote is the one that ends at the end of the input.
            Some((line, field)) if q.eof && r.position().byte() >= q.total => {
                let column = self
                    .header_name(field)
                    .filter(|h| !h.is_empty())
                    .unwrap_or_else(|| (field + 1).to_string());
                Err(IoError::input(
                    &self.path,
                    Some(line),
                    Some(&column),
                    "a quoted field opens here and is never closed: the rest of the file would \
                     be read as one field (close the quote; a quote inside a quoted field is \
                     written twice, \"\")",
                ))
            }
            _ => Ok(()),
        }
    }

    /// The error for a row of `n` fields, wider than the [`width`](Self::width) `w`.
    fn too_wide(&self, line: u64, n: usize, w: usize) -> IoError {
        too_wide(&self.path, self.has_header, line, n, w)
    }

    fn csv_error(&self, e: &csv::Error) -> IoError {
        let line = e.position().map(|p| p.line());
        IoError::input(&self.path, line, None, format!("malformed CSV: {e}"))
    }

    /// The error for bytes that are not text in the file's encoding, at `line` and the 0-based
    /// column `field`.
    fn invalid_text(&self, line: u64, field: usize) -> IoError {
        let column = self
            .header_name(field)
            .unwrap_or_else(|| (field + 1).to_string());
        IoError::input(
            &self.path,
            Some(line),
            Some(&column),
            decode::invalid_text(self.encoding),
        )
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
    ///
    /// When the header (or, without one, the first row) is a single column that another
    /// delimiter would split, the error says which `--delimiter` to try.
    pub fn column(&self, name: &str) -> IoResult<usize> {
        if !self.has_header {
            return match name.parse::<usize>() {
                Ok(n) if n >= 1 => {
                    if n > 1 {
                        if let Some(row) = &self.first_row {
                            if let Some(hint) = self.one_column_hint(row) {
                                return Err(IoError::input(
                                    &self.path,
                                    None,
                                    Some(name),
                                    format!(
                                        "no such column; the first row has one column {row:?}; {hint}"
                                    ),
                                ));
                            }
                        }
                    }
                    Ok(n - 1)
                }
                _ => Err(IoError::input(
                    &self.path,
                    None,
                    Some(name),
                    "with --no-header, columns are named by 1-based position (e.g. --customer-column 1)",
                )),
            };
        }
        let i = self
            .header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                let message = match (&self.header[..], self.header.first()) {
                    ([_], Some(h)) => match self.one_column_hint(h) {
                        Some(hint) => {
                            format!("no such column; the header has one column {h:?}; {hint}")
                        }
                        None => format!("no such column; the header has: {h}"),
                    },
                    _ => format!("no such column; the header has: {}", self.header.join(", ")),
                };
                IoError::input(
                    &self.path,
                    (!self.is_parquet_table()).then_some(1),
                    Some(name),
                    message,
                )
            })?;
        #[cfg(feature = "parquet")]
        if let Some(rows) = &self.parquet {
            rows.check_column(i, name)?;
        }
        Ok(i)
    }

    fn is_parquet_table(&self) -> bool {
        #[cfg(feature = "parquet")]
        return self.parquet.is_some();
        #[cfg(not(feature = "parquet"))]
        false
    }

    /// The delimiter hint for a row read as one column, when it is one.
    fn one_column_hint(&self, row: &str) -> Option<String> {
        let one = match self.delimiter.byte() {
            Some(d) => !row.as_bytes().contains(&d),
            None => row.split_whitespace().nth(1).is_none(),
        };
        if one {
            delimiter_hint(row, self.delimiter)
        } else {
            None
        }
    }

    /// Calls `f` for every data row, the way every reader treats a bad record: an error from `f`
    /// (or bytes that are not text in the file's encoding) stops the read, unless the table was
    /// opened with [`ReadOptions::skip_invalid`]; then the row is counted in the returned
    /// [`Skipped`] (with the first reasons) and reading goes on. Errors of the file itself (I/O,
    /// broken quoting) always stop.
    pub fn for_each_record(
        &mut self,
        mut f: impl FnMut(&Row<'_>) -> IoResult<()>,
    ) -> IoResult<Skipped> {
        let skip = self.skip_invalid;
        let mut skipped = Skipped::default();
        #[cfg(feature = "parquet")]
        if let Some(rows) = self.parquet.take() {
            rows.for_each(|row| match f(row) {
                Err(e) if skip => {
                    skipped.push(&e);
                    Ok(())
                }
                other => other,
            })?;
            return Ok(skipped);
        }
        self.rows(|row| match row.and_then(|row| f(&row)) {
            Err(e) if skip => {
                skipped.push(&e);
                Ok(())
            }
            other => other,
        })?;
        Ok(skipped)
    }

    /// Calls `f` for every data row; blank lines are skipped silently (they hold no record). A
    /// row holding bytes that are not text in the file's encoding stops the read with an error
    /// naming its line and column.
    pub fn for_each(&mut self, mut f: impl FnMut(&Row<'_>) -> IoResult<()>) -> IoResult<()> {
        #[cfg(feature = "parquet")]
        if let Some(rows) = self.parquet.take() {
            return rows.for_each(f);
        }
        self.rows(|row| f(&row?))
    }

    /// Calls `f` for every non-blank row, or for the error of a row that is not valid text.
    fn rows(&mut self, mut f: impl FnMut(IoResult<Row<'_>>) -> IoResult<()>) -> IoResult<()> {
        if let Some(mut r) = self.csv.take() {
            let mut rec = csv::StringRecord::new();
            loop {
                let got = r.read_record(&mut rec);
                if matches!(&got, Ok(true))
                    || matches!(&got, Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }))
                {
                    self.unclosed_quote(&r)?;
                }
                match got {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => {
                        if let csv::ErrorKind::Utf8 { pos, err } = e.kind() {
                            let line = pos.as_ref().map_or(self.line_no + 1, csv::Position::line);
                            self.line_no = line;
                            f(Err(self.invalid_text(line, err.field())))?;
                            continue;
                        }
                        return Err(self.csv_error(&e));
                    }
                }
                let line = rec.position().map_or(self.line_no + 1, |p| p.line());
                self.line_no = line;
                if rec.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                if let Some(w) = self.width.filter(|&w| rec.len() > w) {
                    f(Err(self.too_wide(line, rec.len(), w)))?;
                    continue;
                }
                f(Ok(Row {
                    line,
                    fields: rec.iter().collect(),
                    at: Position::Line(line),
                }))?;
            }
            return Ok(());
        }
        let Some(mut r) = self.lines.take() else {
            return Ok(());
        };
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let n = r
                .read_until(b'\n', &mut buf)
                .map_err(|source| IoError::Io {
                    file: self.path.clone(),
                    source,
                })?;
            if n == 0 {
                break;
            }
            self.line_no += 1;
            let l = strip_newline(&buf);
            match std::str::from_utf8(l) {
                Ok(l) if l.trim().is_empty() => {}
                Ok(l) => {
                    let fields: Vec<&str> = l.split_whitespace().collect();
                    match self.width.filter(|&w| fields.len() > w) {
                        Some(w) => f(Err(self.too_wide(self.line_no, fields.len(), w)))?,
                        None => f(Ok(Row {
                            line: self.line_no,
                            fields,
                            at: Position::Line(self.line_no),
                        }))?,
                    }
                }
                Err(e) => f(Err(self.invalid_text(
                    self.line_no,
                    whitespace_field_at(l, e.valid_up_to()),
                )))?,
            }
        }
        Ok(())
    }
}

/// The first non-blank line of `path` as text (`None`: none, or not valid text).
fn first_row(path: &Path, encoding: Encoding) -> std::io::Result<Option<String>> {
    let mut r = BufReader::new(decode::open_utf8(path, encoding)?);
    let mut buf = Vec::new();
    // Bounded: at most 1000 blank lines are looked past.
    for _ in 0..1000 {
        buf.clear();
        if r.read_until(b'\n', &mut buf)? == 0 {
            return Ok(None);
        }
        match std::str::from_utf8(strip_newline(&buf)) {
            Ok(l) if l.trim().is_empty() => {}
            Ok(l) => return Ok(Some(l.trim().to_string())),
            Err(_) => return Ok(None),
        }
    }
    Ok(None)
}

/// Width of the first non-blank record of a file without a header (`None`: no such record).
fn first_width(path: &Path, opts: &ReadOptions) -> std::io::Result<Option<usize>> {
    let source = decode::open_utf8(path, opts.encoding)?;
    let blank = |f: &[u8]| std::str::from_utf8(f).is_ok_and(|s| s.trim().is_empty());
    match opts.delimiter.byte() {
        Some(d) => {
            let mut r = csv::ReaderBuilder::new()
                .delimiter(d)
                .has_headers(false)
                .flexible(true)
                .from_reader(source);
            let mut rec = csv::ByteRecord::new();
            // Bounded by the file: every iteration consumes a record.
            loop {
                match r.read_byte_record(&mut rec) {
                    Ok(true) if rec.iter().all(blank) => {}
                    Ok(true) => return Ok(Some(rec.len())),
                    Ok(false) => return Ok(None),
                    Err(e) => {
                        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e));
                    }
                }
            }
        }
        None => {
            let mut r = BufReader::new(source);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                if r.read_until(b'\n', &mut buf)? == 0 {
                    return Ok(None);
                }
                let l = strip_newline(&buf);
                if let Ok(l) = std::str::from_utf8(l) {
                    if !l.trim().is_empty() {
                        return Ok(Some(l.split_whitespace().count()));
                    }
                } else {
                    // Not text: the row is an error of its own; the width is the next row's.
                }
            }
        }
    }
}

/// What a [`QuoteWatch`] saw of the stream under the csv reader.
#[derive(Debug, Clone, Copy, Default)]
struct QuoteState {
    /// The end of the input was reached.
    eof: bool,
    /// Bytes passed on so far.
    total: u64,
    /// At the end of the input, a quoted field was still open: its 1-based line and 0-based field.
    open: Option<(u64, usize)>,
}

/// Quoting states of the csv crate (quoting on, doubled quotes, no escape character).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Q {
    Start,
    Field,
    Quoted,
    QuoteInQuoted,
}

/// A reader passing its input on to the csv reader while following its quoting, so that a quote
/// left open at the end of the file (which the lenient csv crate accepts, reading every line after
/// it as one field) is detected and named by the line where it opened.
///
/// It also writes a space into every empty line outside quotes (a line end, `\n` or a bare `\r`,
/// right after another): csv-core skips empty lines but
/// takes a record's position before skipping them, so every record after an empty line would be
/// numbered too low. A line holding one space is a record of one blank field, which the readers
/// skip as they skip any blank row, at its true line number.
struct QuoteWatch<R> {
    inner: R,
    /// Input bytes read and not yet passed on (at most one: a newline after its inserted space).
    held: Option<u8>,
    /// The last byte passed on ended a line outside quotes (true at the start of the input).
    line_start: bool,
    scratch: Vec<u8>,
    delim: u8,
    state: Q,
    line: u64,
    field: usize,
    opened: (u64, usize),
    total: u64,
    out: Rc<Cell<QuoteState>>,
}

impl<R: Read> QuoteWatch<R> {
    fn new(inner: R, delim: u8, out: Rc<Cell<QuoteState>>) -> Self {
        QuoteWatch {
            inner,
            held: None,
            line_start: true,
            scratch: Vec::new(),
            delim,
            state: Q::Start,
            line: 1,
            field: 0,
            opened: (1, 0),
            total: 0,
            out,
        }
    }
}

/// A byte that ends a record for csv-core outside quotes: `\n`, or a bare `\r` (the `\r\n`
/// pairs are already `\n` by [`crate::decode::CrlfAsLf`]; one that is left, from `\r\r\n`, is a
/// bare `\r` and then an empty line).
fn is_line_end(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

impl<R: Read> QuoteWatch<R> {
    /// `b` ends an empty record (it follows the end of a record, or is the first byte) outside
    /// quotes: csv-core would skip it after taking the next record's position.
    fn ends_empty_line(&self, b: u8) -> bool {
        is_line_end(b) && self.line_start && self.state != Q::Quoted
    }

    /// Follows the quoting state over one input byte.
    fn follow(&mut self, b: u8) {
        if b == b'\n' {
            self.line += 1;
        }
        self.state = match self.state {
            Q::Quoted if b == b'"' => Q::QuoteInQuoted,
            Q::Quoted => Q::Quoted,
            Q::QuoteInQuoted if b == b'"' => Q::Quoted,
            _ if b == b'\n' || b == b'\r' => {
                self.field = 0;
                Q::Start
            }
            _ if b == self.delim => {
                self.field += 1;
                Q::Start
            }
            Q::Start if b == b'"' => {
                self.opened = (self.line, self.field);
                Q::Quoted
            }
            _ => Q::Field,
        };
    }
}

impl<R: Read> Read for QuoteWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut o = 0;
        if let Some(b) = self.held.take() {
            buf[0] = b;
            o = 1;
            self.line_start = true;
        }
        // Each input byte becomes at most two output bytes.
        let want = (buf.len() - o) / 2;
        let n = if want == 0 {
            0
        } else {
            self.scratch.resize(want, 0);
            self.inner.read(&mut self.scratch[..want])?
        };
        for i in 0..n {
            let b = self.scratch[i];
            let blank = self.ends_empty_line(b);
            self.follow(b);
            if blank {
                buf[o] = b' ';
                o += 1;
            }
            buf[o] = b;
            o += 1;
            self.line_start = is_line_end(b) && self.state != Q::Quoted;
        }
        if o > 0 {
            self.total += o as u64;
            let mut q = self.out.get();
            q.total = self.total;
            self.out.set(q);
            return Ok(o);
        }
        if want == 0 {
            // A one-byte buffer: pass the input on byte by byte.
            let mut one = [0u8; 1];
            if self.inner.read(&mut one)? == 1 {
                let b = one[0];
                let blank = self.ends_empty_line(b);
                self.follow(b);
                self.line_start = is_line_end(b) && self.state != Q::Quoted;
                if blank {
                    buf[0] = b' ';
                    self.held = Some(b);
                    self.line_start = false;
                } else {
                    buf[0] = b;
                }
                self.total += 1;
                let mut q = self.out.get();
                q.total = self.total;
                self.out.set(q);
                return Ok(1);
            }
        }
        let n = 0usize;
        self.total += n as u64;
        let mut q = self.out.get();
        q.total = self.total;
        if n == 0 && !buf.is_empty() {
            q.eof = true;
            q.open = (self.state == Q::Quoted).then_some(self.opened);
        }
        self.out.set(q);
        Ok(n)
    }
}
