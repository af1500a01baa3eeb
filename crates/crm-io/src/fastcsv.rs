//! A fast, multi-threaded reader of comma, tab and semicolon files.
//!
//! The file is split into byte ranges at line starts ([`plan`]); each range ([`Part`]) is read
//! line by line on its own thread with byte-level field splitting (a line holding a quote goes
//! through the csv crate), and allocation-free parsers for the common forms of ids, dates and
//! amounts ([`fast_int_id`], [`fast_date`], [`fast_amount`]); anything else falls back to the
//! generic parsers of [`crate::table`]. The parts are then merged in file order ([`merge`]):
//! line numbers are shifted, the first error in the file wins, skip counts add up, and the
//! caller re-interns each part's ids so keys number customers by first appearance in the file.
//!
//! The result is the same as the sequential csv-crate reader ([`crate::table::Table`]): same rows,
//! same line numbers, same messages. Where the line-by-line view cannot guarantee that (a quoted
//! field spanning lines, a lone carriage return, invalid UTF-8), a part reports
//! [`PartEnd::Fallback`] and the caller re-reads the file sequentially.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;
use crm_model::{CustomerId, CustomerInterner, CustomerKey, ModelError};

use rayon::prelude::*;

use crate::decode;
use crate::error::{IoError, IoResult, Position};
use crate::options::{Delimiter, Encoding, ReadOptions};
use crate::rows::Skipped;

/// Bytes a part reads from its file at a time.
const BLOCK_BYTES: usize = 1 << 20;

/// Files smaller than this are read as one part.
const MIN_SPLIT_BYTES: u64 = 4 << 20;

/// The interner of one part of a file, with the byte-level entry points of the readers (small
/// integer ids cost one array read in [`CustomerInterner::intern_int`]).
#[derive(Default)]
pub struct Ids {
    /// The interner that hands out the keys.
    pub interner: CustomerInterner,
}

impl Ids {
    /// Key of the integer id `n`.
    #[inline]
    pub fn int(&mut self, n: u64) -> Result<CustomerKey, ModelError> {
        self.interner.intern_int(n)
    }

    /// Key of the id written as `b` (already trimmed of ASCII whitespace): canonical integers
    /// through the cache, anything else through [`CustomerInterner::intern`].
    #[inline]
    pub fn field(&mut self, b: &[u8]) -> Result<CustomerKey, String> {
        match fast_int_id(b) {
            Some(n) => self.int(n).map_err(|e| e.to_string()),
            None => self.interner.intern(utf8(b)?).map_err(|e| e.to_string()),
        }
    }

    /// Key of `id`.
    pub fn id(&mut self, id: &CustomerId) -> Result<CustomerKey, ModelError> {
        match id {
            CustomerId::Int(n) => self.int(*n),
            CustomerId::Str(s) => self.interner.intern(s),
        }
    }

    /// Keys in `self` of the ids of `other`, indexed by `other`'s keys (merge of a later part).
    pub fn remap(&mut self, other: &CustomerInterner) -> IoResult<Vec<CustomerKey>> {
        other
            .ids()
            .iter()
            .map(|id| self.id(id).map_err(IoError::Model))
            .collect()
    }
}

/// `b` as text (the fallback parsers take `&str`).
#[inline]
pub fn utf8(b: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(b).map_err(|_| "not valid UTF-8".to_string())
}

/// `b` without leading and trailing ASCII whitespace.
#[inline]
pub fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |e| e + 1);
    &b[s..e.max(s)]
}

/// `YYYY-MM-DD` without allocation (`None`: another form, left to [`crate::table::DateParser`]).
#[inline]
pub fn fast_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: &[u8]| -> Option<u32> {
        r.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(&b[0..4])? as i32, num(&b[5..7])?, num(&b[8..10])?)
}

/// [`fast_date`] with the dates already seen remembered: transaction files repeat a few hundred
/// distinct days millions of times, so each `YYYY-MM-DD` from 1900 to 2155 is validated and
/// converted once per reader (a table of 4 bytes per possible day, 380 KB, filled on first use
/// of each day).
#[derive(Default)]
pub struct DateMemo {
    /// Index `(year - 1900) * 372 + (month - 1) * 31 + (day - 1)`; `None` inside: not seen yet
    /// (an invalid day is never stored: it is refused each time by the slow path).
    days: Vec<Option<NaiveDate>>,
}

impl DateMemo {
    const FIRST_YEAR: u32 = 1900;
    const YEARS: u32 = 256;

    /// As [`fast_date`].
    #[inline]
    pub fn get(&mut self, b: &[u8]) -> Option<NaiveDate> {
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: &[u8]| -> Option<u32> {
            r.iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let (y, m, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
        let in_table = (Self::FIRST_YEAR..Self::FIRST_YEAR + Self::YEARS).contains(&y)
            && (1..=12).contains(&m)
            && (1..=31).contains(&d);
        if !in_table {
            return NaiveDate::from_ymd_opt(y as i32, m, d);
        }
        let i = ((y - Self::FIRST_YEAR) * 372 + (m - 1) * 31 + (d - 1)) as usize;
        if self.days.is_empty() {
            self.days = vec![None; (Self::YEARS * 372) as usize];
        }
        match self.days.get(i).copied().flatten() {
            Some(day) => Some(day),
            None => {
                let day = NaiveDate::from_ymd_opt(y as i32, m, d)?;
                if let Some(slot) = self.days.get_mut(i) {
                    *slot = Some(day);
                }
                Some(day)
            }
        }
    }
}

/// `-?digits(.digits)?` (with `decimal_comma`, `-?digits(,digits)?`) with at most 18 digits,
/// without allocation (`None`: another form, left to [`crate::parse_amount`], which gives the
/// same value for every form accepted here).
#[inline]
pub fn fast_amount(b: &[u8], decimal_comma: bool) -> Option<Decimal> {
    let mark = if decimal_comma { b',' } else { b'.' };
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut m: i64 = 0;
    let mut scale = None;
    let mut n = 0;
    for (i, &c) in digits.iter().enumerate() {
        if c == mark {
            if scale.is_some() || i == 0 || i + 1 == digits.len() {
                return None;
            }
            scale = Some((digits.len() - i - 1) as u32);
        } else if c.is_ascii_digit() {
            m = m * 10 + i64::from(c - b'0');
            n += 1;
        } else {
            return None;
        }
    }
    if n > 18 {
        return None;
    }
    Some(Decimal::new(if neg { -m } else { m }, scale.unwrap_or(0)))
}

/// Canonical unsigned integer id (no sign, no leading zero, fits u64).
#[inline]
pub fn fast_int_id(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    b.iter().try_fold(0u64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u64::from(c - b'0'))
    })
}

/// Field separator byte of a comma, tab or semicolon file.
pub fn delimiter_byte(d: Delimiter) -> u8 {
    d.byte().unwrap_or(b',')
}

/// Does the csv crate (quoting on, doubled quotes, no escape) leave this line inside a quoted
/// field, i.e. does the record go on past the line end?
fn ends_in_quote(body: &[u8], delim: u8) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum S {
        Start,
        Field,
        Quoted,
        QuoteInQuoted,
    }
    let mut s = S::Start;
    for &b in body {
        s = match s {
            S::Start if b == b'"' => S::Quoted,
            S::Start | S::Field | S::QuoteInQuoted if b == delim => S::Start,
            S::Start | S::Field => S::Field,
            S::Quoted if b == b'"' => S::QuoteInQuoted,
            S::Quoted => S::Quoted,
            S::QuoteInQuoted if b == b'"' => S::Quoted,
            S::QuoteInQuoted => S::Field,
        };
    }
    s == S::Quoted
}

/// `line` without its terminator (`\n`, `\r\n`, or several of them).
fn strip_terminator(line: &[u8]) -> &[u8] {
    let e = line
        .iter()
        .rposition(|&c| c != b'\n' && c != b'\r')
        .map_or(0, |e| e + 1);
    &line[..e]
}

/// Can a line be read on its own, as the csv crate reads it? (No lone carriage return, valid
/// UTF-8, no quoted field running past its end.)
fn self_contained(body: &[u8], delim: u8) -> bool {
    if body.is_ascii() {
        if !body.contains(&b'\r') && !body.contains(&b'"') {
            return true;
        }
    } else if std::str::from_utf8(body).is_err() {
        return false;
    }
    !body.contains(&b'\r') && !ends_in_quote(body, delim)
}

/// A file split into parts at line starts.
pub struct Plan {
    path: PathBuf,
    delim: u8,
    /// Byte ranges of the parts, in file order.
    ranges: Vec<(u64, u64)>,
    /// 1-based line number of the first line of the first part.
    first_line: u64,
    /// Fields a row may have at most ([`crate::table::Table::width`]).
    width: Option<usize>,
    has_header: bool,
}

impl Plan {
    /// Number of parts.
    pub fn parts(&self) -> usize {
        self.ranges.len()
    }
}

/// Number of parts to split a file into: the threads of the current rayon pool, at most 8.
pub fn default_threads() -> usize {
    rayon::current_num_threads().clamp(1, 8)
}

/// Splits `path` (comma, tab or semicolon; the header, if any, already checked with
/// [`crate::table::Table::open`], whose [`width`](crate::table::Table::width) is `width`) into
/// `threads` parts, or one part below 4 MiB unless `force`.
/// `None` when the file needs the sequential reader: a GB18030 file (decoded sequentially), or a
/// header that holds a quoted field spanning lines. A UTF-8 byte-order mark is skipped.
pub fn plan(
    path: &Path,
    opts: &ReadOptions,
    threads: usize,
    force: bool,
    width: Option<usize>,
) -> IoResult<Option<Plan>> {
    let io = |source| IoError::Io {
        file: path.to_path_buf(),
        source,
    };
    if opts.encoding != Encoding::Utf8 {
        return Ok(None);
    }
    let delim = delimiter_byte(opts.delimiter);
    let len = File::open(path)
        .and_then(|f| f.metadata())
        .map_err(io)?
        .len();
    let mut r = BufReader::new(File::open(path).map_err(io)?);
    let mut start = if decode::skip_bom(&mut r).map_err(io)? {
        decode::BOM.len() as u64
    } else {
        0
    };
    let mut first_line = 1u64;
    if opts.has_header {
        // Empty lines before the header hold no record; the header is the first other line.
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = r.read_until(b'\n', &mut line).map_err(io)?;
            if n == 0 {
                break;
            }
            start += n as u64;
            first_line += 1;
            let body = strip_terminator(&line);
            if !body.is_empty() {
                if !self_contained(body, delim) {
                    return Ok(None);
                }
                break;
            }
        }
    }
    let threads = threads.max(1) as u64;
    let parts = if force || len.saturating_sub(start) >= MIN_SPLIT_BYTES {
        threads
    } else {
        1
    };
    let mut bounds = vec![start];
    for i in 1..parts {
        // The line start at or after the guess.
        let guess = start + (len - start) * i / parts;
        let mut f = File::open(path).map_err(io)?;
        f.seek(SeekFrom::Start(guess.saturating_sub(1)))
            .map_err(io)?;
        let mut r = BufReader::new(f);
        let mut skip = Vec::new();
        let b = guess.saturating_sub(1) + r.read_until(b'\n', &mut skip).map_err(io)? as u64;
        if b > *bounds.last().unwrap_or(&0) && b < len {
            bounds.push(b);
        }
    }
    bounds.push(len.max(start));
    Ok(Some(Plan {
        path: path.to_path_buf(),
        delim,
        ranges: bounds.windows(2).map(|w| (w[0], w[1])).collect(),
        first_line,
        width,
        has_header: opts.has_header,
    }))
}

/// How a part ended.
pub enum PartEnd {
    /// Read to its end (with `--skip-invalid`, possibly skipping rows).
    Done,
    /// Stopped at this error (line numbers local to the part).
    Error(IoError),
    /// Met a line it cannot read on its own: the whole file must be read sequentially.
    Fallback,
}

/// The line reader of one part, with its error and skip bookkeeping.
pub struct Part {
    path: PathBuf,
    delim: u8,
    width: Option<usize>,
    has_header: bool,
    file: File,
    /// File offset of the next line.
    pos: u64,
    /// File offset where the part ends (a line start).
    to: u64,
    /// Bytes read from the file and not yet consumed: `block[start..filled]`; the file offset
    /// of `block[filled]` is `read_to`.
    block: Vec<u8>,
    start: usize,
    filled: usize,
    read_to: u64,
    /// `block[..plain_to]` is plain text: ASCII with no quote and no carriage return, so its
    /// lines need neither the self-containment check nor the quote-aware splitter.
    plain_to: usize,
    /// The current line (with its terminator) in `block`.
    line: std::ops::Range<usize>,
    quoted: csv::StringRecord,
    /// Lines read so far (local 1-based number of the current line).
    lines: u64,
    skip_invalid: bool,
    skipped_count: u64,
    skipped_first: Vec<IoError>,
    end: PartEnd,
}

/// One non-blank line of a [`Part`]: the fields at the requested indices (ASCII-trimmed; missing
/// fields read as empty, as in [`crate::table::Row::get`]).
pub struct Line<'a, const N: usize> {
    /// Line number local to the part (shifted to the file's at [`merge`]).
    pub line: u64,
    /// The requested fields.
    pub fields: [&'a [u8]; N],
    body: &'a [u8],
    quoted: Option<&'a csv::StringRecord>,
    delim: u8,
    /// Fields of the line, and the most it may have (when it has more).
    too_wide: Option<(usize, usize)>,
    has_header: bool,
}

impl<const N: usize> Line<'_, N> {
    /// The error of a line with more fields than the header (or the first row), as the
    /// sequential reader reports it; readers check it before parsing the fields.
    pub fn width_error(&self, path: &Path) -> Option<IoError> {
        self.too_wide
            .map(|(n, w)| crate::rows::too_wide(path, self.has_header, self.line, n, w))
    }

    /// Do all fields of the line trim to nothing? (The sequential reader skips such rows
    /// silently; a row that fails to parse is checked with this before it counts as an error.)
    pub fn is_blank(&self) -> bool {
        match self.quoted {
            Some(rec) => rec.iter().all(|f| f.trim().is_empty()),
            None => self
                .body
                .split(|&c| c == self.delim)
                .all(|f| std::str::from_utf8(f).is_ok_and(|s| s.trim().is_empty())),
        }
    }
}

impl Part {
    /// Opens the part `i` of `plan`.
    pub fn open(plan: &Plan, i: usize, skip_invalid: bool) -> IoResult<Self> {
        let (from, to) = plan.ranges[i];
        let io = |source| IoError::Io {
            file: plan.path.clone(),
            source,
        };
        let mut f = File::open(&plan.path).map_err(io)?;
        f.seek(SeekFrom::Start(from)).map_err(io)?;
        Ok(Part {
            path: plan.path.clone(),
            delim: plan.delim,
            width: plan.width,
            has_header: plan.has_header,
            file: f,
            pos: from,
            to,
            block: vec![0; BLOCK_BYTES],
            start: 0,
            filled: 0,
            read_to: from,
            plain_to: 0,
            line: 0..0,
            quoted: csv::StringRecord::new(),
            lines: 0,
            skip_invalid,
            skipped_count: 0,
            skipped_first: Vec::new(),
            end: PartEnd::Done,
        })
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next non-blank line with the fields at `idx`; `None` at the end of the part or when
    /// the part must fall back to the sequential reader (then [`merge`] says so).
    pub fn next<const N: usize>(&mut self, idx: &[usize; N]) -> IoResult<Option<Line<'_, N>>> {
        // Find the next non-blank line (indices only, so no borrow outlives an iteration).
        let len = loop {
            if self.pos >= self.to {
                return Ok(None);
            }
            if self.read_line()? == 0 {
                return Ok(None);
            }
            let plain = self.line.end <= self.plain_to;
            let body = strip_terminator(self.block.get(self.line.clone()).unwrap_or_default());
            if trim(body).is_empty() {
                continue;
            }
            if !plain && !self_contained(body, self.delim) {
                self.end = PartEnd::Fallback;
                return Ok(None);
            }
            break (body.len(), plain);
        };
        let (len, plain) = len;
        let from = self.line.start;
        let body = self.block.get(from..from + len).unwrap_or_default();
        let mut fields: [&[u8]; N] = [b""; N];
        let mut n = 0;
        let quoted = if !plain && body.contains(&b'"') {
            let mut rd = csv::ReaderBuilder::new()
                .delimiter(self.delim)
                .has_headers(false)
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(body);
            if !matches!(rd.read_record(&mut self.quoted), Ok(true)) {
                self.end = PartEnd::Fallback;
                return Ok(None);
            }
            for (slot, &i) in fields.iter_mut().zip(idx) {
                *slot = self.quoted.get(i).map_or(b"", str::as_bytes);
            }
            n = self.quoted.len();
            Some(&self.quoted)
        } else {
            let want = idx.iter().copied().max().unwrap_or(0);
            // Offset just past the last field split off.
            let mut end = 0;
            for (i, fld) in body.split(|&c| c == self.delim).enumerate() {
                for (slot, &j) in fields.iter_mut().zip(idx) {
                    if i == j {
                        *slot = trim(fld);
                    }
                }
                end += fld.len() + 1;
                n = i + 1;
                if i >= want {
                    break;
                }
            }
            // The fields after the last one needed (when a delimiter followed it) are counted.
            if let Some(rest) = body.get(end..) {
                n += 1 + rest.iter().filter(|&&c| c == self.delim).count();
            }
            None
        };
        Ok(Some(Line {
            line: self.lines,
            fields,
            body,
            quoted,
            delim: self.delim,
            too_wide: self.width.filter(|&w| n > w).map(|w| (n, w)),
            has_header: self.has_header,
        }))
    }

    /// Records a row error (line number local to the part); returns true when the part must
    /// stop (no `--skip-invalid`).
    pub fn error(&mut self, e: IoError) -> bool {
        if self.skip_invalid {
            self.skipped_count += 1;
            if self.skipped_first.len() < Skipped::KEEP {
                self.skipped_first.push(e);
            }
            false
        } else {
            self.end = PartEnd::Error(e);
            true
        }
    }

    /// Stops the part at `e` (line number local to the part), even with `--skip-invalid`.
    pub fn fail(&mut self, e: IoError) {
        self.end = PartEnd::Error(e);
    }

    /// Finds the next line of the part in the block (reading more of the file when needed) and
    /// counts it; returns its length in bytes with the terminator (0 at the end of the part).
    fn read_line(&mut self) -> IoResult<usize> {
        // Bounded: every pass returns, or reads at least one byte of the part's finite range,
        // or ends the part.
        loop {
            let rest = self.block.get(self.start..self.filled).unwrap_or_default();
            let end = match memchr::memchr(b'\n', rest) {
                Some(i) => Some(self.start + i + 1),
                // The part's last line, without a terminator.
                None if self.read_to >= self.to && !rest.is_empty() => Some(self.filled),
                None if self.read_to >= self.to => return Ok(0),
                None => None,
            };
            if let Some(end) = end {
                let n = end - self.start;
                self.line = self.start..end;
                self.start = end;
                self.pos += n as u64;
                self.lines += 1;
                return Ok(n);
            }
            self.refill()?;
        }
    }

    /// Moves the unconsumed bytes to the front of the block (growing it for a line longer than
    /// the block) and reads more of the part after them.
    fn refill(&mut self) -> IoResult<()> {
        self.block.copy_within(self.start..self.filled, 0);
        self.filled -= self.start;
        self.plain_to = self.plain_to.saturating_sub(self.start);
        self.start = 0;
        if self.filled == self.block.len() {
            self.block.resize(self.block.len() * 2, 0);
        }
        let left = usize::try_from(self.to - self.read_to).unwrap_or(usize::MAX);
        let room = (self.block.len() - self.filled).min(left);
        let n = self
            .file
            .read(&mut self.block[self.filled..self.filled + room])
            .map_err(|source| IoError::Io {
                file: self.path.clone(),
                source,
            })?;
        if n == 0 {
            // The file ended early (it shrank while being read): the part ends here.
            self.to = self.read_to;
            return Ok(());
        }
        let new = &self.block[self.filled..self.filled + n];
        if self.plain_to == self.filled
            && new.is_ascii()
            && memchr::memchr2(b'"', b'\r', new).is_none()
        {
            self.plain_to = self.filled + n;
        }
        self.filled += n;
        self.read_to += n as u64;
        Ok(())
    }

    /// Reads the rest of the part without parsing, so its line count is complete (after a
    /// consumer stopped early on its own).
    fn finish_lines(&mut self) -> IoResult<()> {
        if !matches!(self.end, PartEnd::Done) {
            return Ok(());
        }
        while self.pos < self.to {
            if self.read_line()? == 0 {
                break;
            }
        }
        Ok(())
    }
}

/// Reads every part of `plan` with `read` (one rayon task per part), returning the results in file
/// order. `read` gets the opened part and returns what it accumulated; it stops early by
/// returning after [`Part::error`] returned true or [`Part::next`] returned `None`.
pub fn read_parts<T: Send>(
    plan: &Plan,
    skip_invalid: bool,
    read: impl Fn(&mut Part) -> IoResult<T> + Sync,
) -> Vec<IoResult<(Part, T)>> {
    let run = |i: usize| -> IoResult<(Part, T)> {
        let mut p = Part::open(plan, i, skip_invalid)?;
        let t = read(&mut p)?;
        p.finish_lines()?;
        Ok((p, t))
    };
    if plan.parts() == 1 {
        return vec![run(0)];
    }
    // One rayon task per part; `collect` keeps file order.
    (0..plan.parts()).into_par_iter().map(run).collect()
}

/// Shifts the line number of an error by `off`.
fn shift(e: IoError, off: u64) -> IoError {
    match e {
        IoError::Input {
            file,
            at: Some(Position::Line(l)),
            column,
            message,
        } => IoError::Input {
            file,
            at: Some(Position::Line(l + off)),
            column,
            message,
        },
        other => other,
    }
}

/// Merges parts in file order: the first error in the file is returned, skipped rows are counted
/// (the first reasons kept overall), and `each` gets every part's result in order (the first
/// part is numbered 0). `Ok(None)`: a part needs the sequential reader.
pub fn merge<T>(
    plan: &Plan,
    results: Vec<IoResult<(Part, T)>>,
    mut each: impl FnMut(usize, T) -> IoResult<()>,
) -> IoResult<Option<Skipped>> {
    let mut skipped = Skipped::default();
    let mut offset = plan.first_line - 1;
    for (i, r) in results.into_iter().enumerate() {
        let (part, t) = r?;
        match part.end {
            PartEnd::Fallback => return Ok(None),
            PartEnd::Error(e) => return Err(shift(e, offset)),
            PartEnd::Done => {}
        }
        let listed = part.skipped_first.len() as u64;
        for e in part.skipped_first {
            // `push` counts each listed row and keeps the first reasons overall.
            skipped.push(&shift(e, offset));
        }
        skipped.count += part.skipped_count.saturating_sub(listed);
        each(i, t)?;
        offset += part.lines;
    }
    Ok(Some(skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_memo_agrees_with_fast_date() {
        let mut memo = DateMemo::default();
        let cases = [
            "2024-02-29",
            "2023-02-29",
            "1900-01-01",
            "2155-12-31",
            "2156-01-01",
            "1899-12-31",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "2024-01-00",
            "0001-01-01",
            "9999-12-31",
            "2024-1-011",
            "2024/01/01",
            "20240101",
            "2024-01-0x",
        ];
        for _ in 0..2 {
            for c in cases {
                assert_eq!(memo.get(c.as_bytes()), fast_date(c.as_bytes()), "{c}");
            }
        }
    }
}
