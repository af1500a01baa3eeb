//! Parquet files and Arrow record batches (feature `parquet`).
//!
//! Transaction columns are decoded with typed views of the Arrow arrays (integer or string ids;
//! `Date32`, `Date64`, timestamp or string dates; `Decimal128`, float, integer or string amounts),
//! without a string per row. A file is read row group by row group: contiguous runs of row groups
//! are decoded in parallel on the current rayon pool, each into its own customer ids and result,
//! then merged in file order with the keys re-interned, exactly as the CSV reader merges its
//! parts, so keys number customers by first appearance in the file. The fold of the common
//! column types (non-negative `Int64` ids, `Date32` dates, `Float64` amounts in whole cents, no
//! nulls) runs in tight loops over each batch's slices with the state keyed by the ids
//! themselves while they are small, keys issued once at the end; any other batch is read row by
//! row, with the same result.
//!
//! The other readers (customers, surveys, ...) see a Parquet file through [`PqRows`]: every cell
//! as the text a CSV export would hold, through the same parsers as CSV.

use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Schema, TimeUnit};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use crm_model::rust_decimal::Decimal;
use crm_model::{CustomerKey, Transaction};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use rayon::prelude::*;

use crate::error::{IoError, IoResult, Position};
use crate::fastcsv::{self, Ids};
use crate::folded::{Folded, merge_part};
use crate::loaded::LoadedTransactions;
use crate::options::{ReadOptions, TransactionColumns};
use crate::parse::{DateParser, parse_amount};
use crate::rows::{Row, Skipped};
use crm_model::PurchaseFold;

/// Rows per decoded batch.
const BATCH_ROWS: usize = 64 * 1024;

/// The file name used in errors about in-memory record batches.
pub(crate) const BATCHES: &str = "<record batches>";

// ---------------------------------------------------------------------------------------------
// Sources: the row groups of a file, or in-memory batches
// ---------------------------------------------------------------------------------------------

/// Where record batches come from.
enum Source<'a> {
    /// A Parquet file: its metadata (read once) and the projection of the needed columns.
    File {
        path: &'a Path,
        meta: ArrowReaderMetadata,
        mask: ProjectionMask,
    },
    /// Record batches in memory.
    Batches(&'a [RecordBatch]),
}

impl Source<'_> {
    fn file(&self) -> &Path {
        match self {
            Source::File { path, .. } => path,
            Source::Batches(_) => Path::new(BATCHES),
        }
    }

    /// Number of chunks: row groups or batches.
    fn chunks(&self) -> usize {
        match self {
            Source::File { meta, .. } => meta.metadata().num_row_groups(),
            Source::Batches(b) => b.len(),
        }
    }

    /// Rows of each chunk.
    fn chunk_rows(&self) -> Vec<u64> {
        match self {
            Source::File { meta, .. } => meta
                .metadata()
                .row_groups()
                .iter()
                .map(|g| u64::try_from(g.num_rows()).unwrap_or(0))
                .collect(),
            Source::Batches(b) => b.iter().map(|b| b.num_rows() as u64).collect(),
        }
    }

    /// Position of the 1-based `row` of `chunk`.
    fn pos(&self, chunk: usize, row: u64) -> Position {
        match self {
            Source::File { .. } => Position::Row {
                row_group: chunk,
                row,
            },
            Source::Batches(_) => Position::Batch { batch: chunk, row },
        }
    }

    /// Calls `f` with every batch of `chunk` and the number of rows of the chunk before it;
    /// stops when `f` returns true.
    fn each_batch(
        &self,
        chunk: usize,
        mut f: impl FnMut(&RecordBatch, u64) -> IoResult<bool>,
    ) -> IoResult<bool> {
        match self {
            Source::Batches(b) => match b.get(chunk) {
                Some(batch) => f(batch, 0),
                None => Ok(false),
            },
            Source::File { path, meta, mask } => {
                let file = File::open(path).map_err(|source| IoError::Io {
                    file: path.to_path_buf(),
                    source,
                })?;
                let build = || {
                    ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
                        .with_row_groups(vec![chunk])
                        .with_projection(mask.clone())
                        .with_batch_size(BATCH_ROWS)
                        .build()
                };
                let mut reader = contained(build)
                    .map_err(|m| bad_parquet(path, Some(self.pos(chunk, 1)), &m))?
                    .map_err(|e| bad_parquet(path, Some(self.pos(chunk, 1)), &e))?;
                let mut before = 0u64;
                // Bounded: the reader yields the batches of one row group.
                loop {
                    let at = Some(self.pos(chunk, before + 1));
                    let Some(batch) =
                        contained(|| reader.next()).map_err(|m| bad_parquet(path, at, &m))?
                    else {
                        break;
                    };
                    let batch = batch.map_err(|e| bad_parquet(path, at, &e))?;
                    if f(&batch, before)? {
                        return Ok(true);
                    }
                    before += batch.num_rows() as u64;
                }
                Ok(false)
            }
        }
    }
}

/// Runs a call into the `parquet` crate, turning a panic into an error message: on corrupt
/// data the crate sometimes asserts instead of returning an error (fuzzing found panics in its
/// footer and page decoders, e.g. apache/arrow-rs#6255), and a reader of uploaded files must
/// not take the process down. (A binary built with `panic = "abort"` still aborts; the panic
/// hook still prints the crate's message.)
fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        format!("the parquet decoder failed on corrupt data ({what})")
    })
}

fn bad_parquet(path: &Path, at: Option<Position>, e: &dyn std::fmt::Display) -> IoError {
    IoError::Input {
        file: path.to_path_buf(),
        at,
        column: None,
        message: format!("cannot read Parquet data: {e}"),
    }
}

/// Opens a Parquet file and reads its metadata (footer and schema).
fn open_meta(path: &Path) -> IoResult<ArrowReaderMetadata> {
    let file = File::open(path).map_err(|source| IoError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    // The column types come from the Parquet schema itself, not from the Arrow schema some
    // writers embed in the footer: decoding that embedded schema panics inside arrow-ipc on a
    // corrupt entry (found by fuzzing), and the Parquet logical types carry everything the
    // readers accept (integers, strings, Date32, UTC timestamps, decimals, floats).
    let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    let meta = ArrowReaderMetadata::load(&file, options).map_err(|e| {
        IoError::input(
            path,
            None,
            None,
            format!("not a readable Parquet file: {e}"),
        )
    })?;
    let len = file
        .metadata()
        .map_err(|source| IoError::Io {
            file: path.to_path_buf(),
            source,
        })?
        .len();
    check_chunks(&meta, len).map_err(|m| {
        IoError::input(
            path,
            None,
            None,
            format!("not a readable Parquet file: {m}"),
        )
    })?;
    Ok(meta)
}

/// Checks that every column chunk of the footer lies inside the file: the `parquet` crate asserts
/// (panics) on a negative offset or length when it reads the chunk (found by fuzzing), so a
/// corrupt footer is refused here, naming the row group and column.
fn check_chunks(meta: &ArrowReaderMetadata, file_len: u64) -> Result<(), String> {
    for (g, rg) in meta.metadata().row_groups().iter().enumerate() {
        for col in rg.columns() {
            let start = col
                .dictionary_page_offset()
                .unwrap_or_else(|| col.data_page_offset());
            let size = col.compressed_size();
            let inside = u64::try_from(start)
                .ok()
                .zip(u64::try_from(size).ok())
                .and_then(|(a, b)| a.checked_add(b))
                .is_some_and(|end| end <= file_len);
            if !inside || col.data_page_offset() < 0 {
                return Err(format!(
                    "row group {g}, column {} claims bytes {start}..+{size}, outside the file of {file_len} bytes",
                    col.column_path().string()
                ));
            }
        }
    }
    Ok(())
}

/// Index of the column `name` (case-insensitive, as CSV headers), with the CSV reader's message.
/// A schema naming the column twice (case-insensitively) is an error naming it.
fn find_column(schema: &Schema, file: &Path, at: Option<Position>, name: &str) -> IoResult<usize> {
    let same = |f: &&std::sync::Arc<arrow_schema::Field>| {
        f.name().trim().eq_ignore_ascii_case(name.trim())
    };
    if schema.fields().iter().filter(same).count() > 1 {
        return Err(IoError::Input {
            file: file.to_path_buf(),
            at,
            column: Some(name.to_string()),
            message: "the schema names this column twice (names are compared \
                      case-insensitively): rename or remove one"
                .to_string(),
        });
    }
    schema
        .fields()
        .iter()
        .position(|f| f.name().eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| IoError::Input {
            file: file.to_path_buf(),
            at,
            column: Some(name.to_string()),
            message: format!(
                "no such column; the header has: {}",
                schema
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

/// Contiguous runs of chunks, about equal in rows, at most `parts` of them.
fn split(rows: &[u64], parts: usize) -> Vec<Range<usize>> {
    let total: u64 = rows.iter().sum();
    let parts = parts.clamp(1, rows.len().max(1)) as u64;
    let mut out = Vec::new();
    let mut start = 0;
    let mut acc = 0u64;
    let mut next = 1u64;
    for (i, r) in rows.iter().enumerate() {
        acc += r;
        if next < parts && acc * parts >= total * next {
            out.push(start..i + 1);
            start = i + 1;
            while next < parts && acc * parts >= total * next {
                next += 1;
            }
        }
    }
    if start < rows.len() || out.is_empty() {
        out.push(start..rows.len());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Typed views of columns
// ---------------------------------------------------------------------------------------------

/// Message of a null in a required column.
const NULL: &str = "missing value (null)";

/// Values of an integer column.
enum Ints<'a> {
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
    U64(&'a [u64]),
}

impl<'a> Ints<'a> {
    fn new(a: &'a dyn Array) -> Option<Self> {
        Some(match a.data_type() {
            DataType::Int8 => Ints::I8(a.as_primitive_opt::<Int8Type>()?.values()),
            DataType::Int16 => Ints::I16(a.as_primitive_opt::<Int16Type>()?.values()),
            DataType::Int32 => Ints::I32(a.as_primitive_opt::<Int32Type>()?.values()),
            DataType::Int64 => Ints::I64(a.as_primitive_opt::<Int64Type>()?.values()),
            DataType::UInt8 => Ints::U8(a.as_primitive_opt::<UInt8Type>()?.values()),
            DataType::UInt16 => Ints::U16(a.as_primitive_opt::<UInt16Type>()?.values()),
            DataType::UInt32 => Ints::U32(a.as_primitive_opt::<UInt32Type>()?.values()),
            DataType::UInt64 => Ints::U64(a.as_primitive_opt::<UInt64Type>()?.values()),
            _ => return None,
        })
    }

    #[inline]
    fn get(&self, i: usize) -> Option<i128> {
        match self {
            Ints::I8(v) => v.get(i).map(|&x| i128::from(x)),
            Ints::I16(v) => v.get(i).map(|&x| i128::from(x)),
            Ints::I32(v) => v.get(i).map(|&x| i128::from(x)),
            Ints::I64(v) => v.get(i).map(|&x| i128::from(x)),
            Ints::U8(v) => v.get(i).map(|&x| i128::from(x)),
            Ints::U16(v) => v.get(i).map(|&x| i128::from(x)),
            Ints::U32(v) => v.get(i).map(|&x| i128::from(x)),
            Ints::U64(v) => v.get(i).map(|&x| i128::from(x)),
        }
    }
}

fn is_int(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
    )
}

fn is_plain_str(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn is_str(t: &DataType) -> bool {
    match t {
        DataType::Dictionary(k, v) => is_int(k) && is_plain_str(v),
        t => is_plain_str(t),
    }
}

/// Values of a string column (plain, large, view or dictionary-encoded).
enum Strs<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    Dict {
        nulls: Option<&'a NullBuffer>,
        keys: Vec<usize>,
        values: Box<Strs<'a>>,
    },
}

impl<'a> Strs<'a> {
    fn new(a: &'a dyn Array) -> Option<Self> {
        Some(match a.data_type() {
            DataType::Utf8 => Strs::Utf8(a.as_string_opt::<i32>()?),
            DataType::LargeUtf8 => Strs::Large(a.as_string_opt::<i64>()?),
            DataType::Utf8View => Strs::View(a.as_string_view_opt()?),
            DataType::Dictionary(_, _) => {
                let d = a.as_any_dictionary_opt()?;
                let values = Strs::new(d.values().as_ref())?;
                // `normalized_keys` needs values; without any, every row must be null.
                let keys = if d.values().is_empty() {
                    vec![usize::MAX; d.len()]
                } else {
                    d.normalized_keys()
                };
                Strs::Dict {
                    nulls: d.nulls(),
                    keys,
                    values: Box::new(values),
                }
            }
            _ => return None,
        })
    }

    /// The text of row `i`; `None` for a null.
    #[inline]
    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strs::Utf8(a) => (i < a.len() && a.is_valid(i)).then(|| a.value(i)),
            Strs::Large(a) => (i < a.len() && a.is_valid(i)).then(|| a.value(i)),
            Strs::View(a) => (i < a.len() && a.is_valid(i)).then(|| a.value(i)),
            Strs::Dict {
                nulls,
                keys,
                values,
            } => {
                if nulls.is_some_and(|n| i >= n.len() || n.is_null(i)) {
                    return None;
                }
                values.get(*keys.get(i)?)
            }
        }
    }
}

/// Is row `i` valid (not null) under `nulls`?
#[inline]
fn valid(nulls: Option<&NullBuffer>, i: usize) -> bool {
    nulls.is_none_or(|n| i < n.len() && n.is_valid(i))
}

/// A customer id as read from a cell.
enum IdVal<'a> {
    /// A canonical unsigned integer.
    Int(u64),
    /// Text (ASCII-trimmed), possibly a non-canonical integer.
    Text(&'a [u8]),
    /// A negative integer (kept as its text, as CSV keeps `-5`).
    Neg(i128),
}

impl IdVal<'_> {
    /// Interns the id.
    fn intern(&self, ids: &mut Ids) -> Result<CustomerKey, String> {
        match *self {
            IdVal::Int(n) => ids.int(n).map_err(|e| e.to_string()),
            IdVal::Text(b) => ids.field(b),
            IdVal::Neg(n) => ids.field(n.to_string().as_bytes()),
        }
    }
}

/// The id column of a batch.
enum IdCol<'a> {
    Int(Ints<'a>, Option<&'a NullBuffer>),
    Str(Strs<'a>),
}

impl<'a> IdCol<'a> {
    fn check(t: &DataType) -> Result<(), String> {
        if is_int(t) || is_str(t) {
            Ok(())
        } else {
            Err(format!(
                "unsupported type {t} for a customer id (expected an integer or string column)"
            ))
        }
    }

    fn new(a: &'a dyn Array) -> Option<Self> {
        match Ints::new(a) {
            Some(v) => Some(IdCol::Int(v, a.nulls())),
            None => Strs::new(a).map(IdCol::Str),
        }
    }

    #[inline]
    fn get(&self, i: usize) -> Result<IdVal<'a>, String> {
        match self {
            IdCol::Int(v, nulls) => {
                if !valid(*nulls, i) {
                    return Err(NULL.into());
                }
                match v.get(i) {
                    Some(n) => Ok(u64::try_from(n).map_or(IdVal::Neg(n), IdVal::Int)),
                    None => Err(NULL.into()),
                }
            }
            IdCol::Str(s) => {
                let b = fastcsv::trim(s.get(i).ok_or(NULL)?.as_bytes());
                Ok(match fastcsv::fast_int_id(b) {
                    Some(n) => IdVal::Int(n),
                    None => IdVal::Text(b),
                })
            }
        }
    }
}

/// Days from 0001-01-01 (day 1 of the common era) to 1970-01-01.
const EPOCH_DAYS_CE: i64 = 719_163;

fn day(days: i64) -> Result<NaiveDate, String> {
    days.checked_add(EPOCH_DAYS_CE)
        .and_then(|d| i32::try_from(d).ok())
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or_else(|| format!("date out of range ({days} days from 1970-01-01)"))
}

/// Parses a fixed time-zone offset of an Arrow timestamp type, in seconds east of UTC.
fn tz_offset(tz: &str) -> Result<i64, String> {
    let t = tz.trim();
    if ["utc", "z", "etc/utc", "gmt", "etc/gmt", "zulu"]
        .iter()
        .any(|u| t.eq_ignore_ascii_case(u))
    {
        return Ok(0);
    }
    let bad = || {
        format!(
            "unsupported time zone {tz:?} (UTC or a fixed offset such as +02:00; convert the column to UTC)"
        )
    };
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => return Err(bad()),
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return Err(bad());
    }
    let h: i64 = digits
        .get(0..2)
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    let m: i64 = digits.get(2..).map_or(Ok(0), |s| {
        if s.is_empty() {
            Ok(0)
        } else {
            s.parse().map_err(|_| bad())
        }
    })?;
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(sign * (h * 3600 + m * 60))
}

/// The date column of a batch.
enum DateCol<'a> {
    Date32(&'a [i32], Option<&'a NullBuffer>),
    Date64(&'a [i64], Option<&'a NullBuffer>),
    /// A timestamp: values, units per second, offset of the time zone (seconds).
    Ts(&'a [i64], i64, i64, Option<&'a NullBuffer>),
    Str(Strs<'a>, &'a DateParser, bool),
}

impl<'a> DateCol<'a> {
    fn check(t: &DataType) -> Result<(), String> {
        match t {
            DataType::Date32 | DataType::Date64 => Ok(()),
            DataType::Timestamp(_, tz) => tz.as_deref().map_or(Ok(0), tz_offset).map(|_| ()),
            t if is_str(t) => Ok(()),
            t => Err(format!(
                "unsupported type {t} for a date (expected Date32, Date64, Timestamp or string)"
            )),
        }
    }

    fn new(a: &'a dyn Array, dates: &'a DateParser, fast: bool) -> Option<Self> {
        let n = a.nulls();
        Some(match a.data_type() {
            DataType::Date32 => DateCol::Date32(a.as_primitive_opt::<Date32Type>()?.values(), n),
            DataType::Date64 => DateCol::Date64(a.as_primitive_opt::<Date64Type>()?.values(), n),
            DataType::Timestamp(unit, tz) => {
                let off = tz.as_deref().map_or(Ok(0), tz_offset).ok()?;
                let (v, per): (&[i64], i64) = match unit {
                    TimeUnit::Second => (a.as_primitive_opt::<TimestampSecondType>()?.values(), 1),
                    TimeUnit::Millisecond => (
                        a.as_primitive_opt::<TimestampMillisecondType>()?.values(),
                        1_000,
                    ),
                    TimeUnit::Microsecond => (
                        a.as_primitive_opt::<TimestampMicrosecondType>()?.values(),
                        1_000_000,
                    ),
                    TimeUnit::Nanosecond => (
                        a.as_primitive_opt::<TimestampNanosecondType>()?.values(),
                        1_000_000_000,
                    ),
                };
                DateCol::Ts(v, per, off, n)
            }
            _ => DateCol::Str(Strs::new(a)?, dates, fast),
        })
    }

    #[inline]
    fn get(&self, i: usize) -> Result<(NaiveDate, Option<NaiveTime>), String> {
        match self {
            DateCol::Date32(v, n) => match (valid(*n, i), v.get(i)) {
                (true, Some(&d)) => Ok((day(i64::from(d))?, None)),
                _ => Err(NULL.into()),
            },
            DateCol::Date64(v, n) => match (valid(*n, i), v.get(i)) {
                (true, Some(&ms)) => Ok((day(ms.div_euclid(86_400_000))?, None)),
                _ => Err(NULL.into()),
            },
            DateCol::Ts(v, per, off, n) => match (valid(*n, i), v.get(i)) {
                (true, Some(&x)) => {
                    let dt = timestamp(x, *per, *off)?;
                    Ok((dt.date(), Some(dt.time())))
                }
                _ => Err(NULL.into()),
            },
            DateCol::Str(s, dates, fast) => {
                let text = s.get(i).ok_or(NULL)?;
                let b = fastcsv::trim(text.as_bytes());
                match fast.then(|| fastcsv::fast_date(b)).flatten() {
                    Some(d) => Ok((d, None)),
                    None => dates.parse(text),
                }
            }
        }
    }
}

/// The local date and time of a timestamp `x` in units of `1/per` second, `off` seconds east.
fn timestamp(x: i64, per: i64, off: i64) -> Result<NaiveDateTime, String> {
    let secs = x.div_euclid(per);
    let frac = x.rem_euclid(per);
    let nanos = u32::try_from(frac * (1_000_000_000 / per)).ok();
    secs.checked_add(off)
        .zip(nanos)
        .and_then(|(s, n)| DateTime::from_timestamp(s, n))
        .map(|d| d.naive_utc())
        .ok_or_else(|| format!("timestamp out of range ({x})"))
}

/// An amount from a `Decimal128` value and scale.
#[inline]
fn decimal(v: i128, scale: i8) -> Result<Decimal, String> {
    let out = || {
        format!(
            "{v}e{} does not fit an amount (96 bits, at most 28 decimals)",
            -i32::from(scale)
        )
    };
    if scale >= 0 {
        Decimal::try_from_i128_with_scale(v, u32::from(scale.unsigned_abs())).map_err(|_| out())
    } else {
        let m = Decimal::try_from_i128_with_scale(v, 0).map_err(|_| out())?;
        let mut p = Decimal::ONE;
        for _ in 0..scale.unsigned_abs() {
            p = p.checked_mul(Decimal::TEN).ok_or_else(out)?;
        }
        m.checked_mul(p).ok_or_else(out)
    }
}

/// An amount from a float: the decimal its shortest round-trip text (`12.5`, as CSV exports
/// write it) reads as. Infinite and NaN values are errors.
#[inline]
pub(crate) fn float_amount(x: f64) -> Result<Decimal, String> {
    if !x.is_finite() {
        return Err(format!("{x} is not a finite amount"));
    }
    // Fewest decimals k such that round(x * 10^k) / 10^k is x again: while |x| * 10^k < 2^52
    // at most one k-decimal number rounds to x, so it is the shortest round-trip text.
    // Money first: when a number with at most two decimals rounds to x, it is that number
    // without its trailing zeros (one multiplication instead of up to three).
    let y = x * 100.0;
    if y.abs() < 4_503_599_627_370_496.0 {
        let r = y.round();
        if r / 100.0 == x {
            // |r| < 2^52: exact as an i64.
            let m = r as i64;
            return Ok(if m % 100 == 0 {
                Decimal::new(m / 100, 0)
            } else if m % 10 == 0 {
                Decimal::new(m / 10, 1)
            } else {
                Decimal::new(m, 2)
            });
        }
    }
    let mut p = 1.0f64;
    for k in 0..=9u32 {
        let y = x * p;
        if y.abs() >= 4_503_599_627_370_496.0 {
            break;
        }
        let r = y.round();
        if r / p == x {
            // |r| < 2^52: exact as an i64.
            return Ok(Decimal::new(r as i64, k));
        }
        p *= 10.0;
    }
    text_amount(&x.to_string())
}

/// An amount held as text in a Parquet column (or a float's shortest text): decimal point.
fn text_amount(t: &str) -> Result<Decimal, String> {
    match fastcsv::fast_amount(fastcsv::trim(t.as_bytes()), false) {
        Some(d) => Ok(d),
        None => parse_amount(t, crate::parse::AmountFormat::default()),
    }
}

/// The amount column of a batch.
enum AmountCol<'a> {
    Dec(&'a [i128], i8, Option<&'a NullBuffer>),
    F64(&'a [f64], Option<&'a NullBuffer>),
    F32(&'a [f32], Option<&'a NullBuffer>),
    Int(Ints<'a>, Option<&'a NullBuffer>),
    Str(Strs<'a>),
}

impl<'a> AmountCol<'a> {
    fn check(t: &DataType) -> Result<(), String> {
        match t {
            DataType::Decimal128(_, _) | DataType::Float32 | DataType::Float64 => Ok(()),
            t if is_int(t) || is_str(t) => Ok(()),
            t => Err(format!(
                "unsupported type {t} for an amount (expected Decimal128, Float32/64, an integer or a string column)"
            )),
        }
    }

    fn new(a: &'a dyn Array) -> Option<Self> {
        let n = a.nulls();
        Some(match a.data_type() {
            DataType::Decimal128(_, s) => {
                AmountCol::Dec(a.as_primitive_opt::<Decimal128Type>()?.values(), *s, n)
            }
            DataType::Float64 => AmountCol::F64(a.as_primitive_opt::<Float64Type>()?.values(), n),
            DataType::Float32 => AmountCol::F32(a.as_primitive_opt::<Float32Type>()?.values(), n),
            t if is_int(t) => AmountCol::Int(Ints::new(a)?, n),
            _ => AmountCol::Str(Strs::new(a)?),
        })
    }

    #[inline]
    fn get(&self, i: usize) -> Result<Decimal, String> {
        match self {
            AmountCol::Dec(v, s, n) => match (valid(*n, i), v.get(i)) {
                (true, Some(&x)) => decimal(x, *s),
                _ => Err(NULL.into()),
            },
            AmountCol::F64(v, n) => match (valid(*n, i), v.get(i)) {
                (true, Some(&x)) => float_amount(x),
                _ => Err(NULL.into()),
            },
            AmountCol::F32(v, n) => match (valid(*n, i), v.get(i)) {
                (true, Some(&x)) if x.is_finite() => text_amount(&x.to_string()),
                (true, Some(&x)) => Err(format!("{x} is not a finite amount")),
                _ => Err(NULL.into()),
            },
            AmountCol::Int(v, n) => match (valid(*n, i), v.get(i)) {
                (true, Some(x)) => decimal(x, 0),
                _ => Err(NULL.into()),
            },
            AmountCol::Str(s) => text_amount(s.get(i).ok_or(NULL)?),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------

/// The transaction columns, as the caller named them, with the date parser.
struct TxSpec<'a> {
    cols: &'a TransactionColumns,
    /// The amount column's name; `None`: no amounts.
    amount: Option<String>,
    dates: DateParser,
    fast_dates: bool,
}

impl<'a> TxSpec<'a> {
    /// Resolves the amount column against `schema` (absent and optional: no amounts).
    fn new(
        cols: &'a TransactionColumns,
        schema: &Schema,
        file: &Path,
        at: Option<Position>,
    ) -> IoResult<Self> {
        // In the CSV reader's order: customer, date, then amount.
        find_column(schema, file, at, &cols.customer)?;
        find_column(schema, file, at, &cols.date)?;
        let amount = match &cols.amount {
            None => None,
            Some(name) => match find_column(schema, file, at, name) {
                Ok(_) => Some(name.clone()),
                Err(_) if cols.amount_optional => None,
                Err(e) => return Err(e),
            },
        };
        Ok(TxSpec {
            cols,
            amount,
            dates: DateParser::new(cols.date_format.clone()),
            fast_dates: cols.date_format.is_none(),
        })
    }

    /// Checks that the columns exist in `schema` with supported types; their indices.
    fn resolve(
        &self,
        schema: &Schema,
        file: &Path,
        at: Option<Position>,
    ) -> IoResult<[Option<usize>; 3]> {
        let typed = |name: &str, check: fn(&DataType) -> Result<(), String>| -> IoResult<usize> {
            let i = find_column(schema, file, at, name)?;
            let t = schema.fields().get(i).map(|f| f.data_type().clone());
            t.map_or(Ok(()), |t| check(&t))
                .map_err(|m| IoError::Input {
                    file: file.to_path_buf(),
                    at: at.or(Some(Position::Row {
                        row_group: 0,
                        row: 1,
                    })),
                    column: Some(name.to_string()),
                    message: m,
                })?;
            Ok(i)
        };
        Ok([
            Some(typed(&self.cols.customer, IdCol::check)?),
            Some(typed(&self.cols.date, DateCol::check)?),
            match &self.amount {
                Some(a) => Some(typed(a, AmountCol::check)?),
                None => None,
            },
        ])
    }
}

/// Typed views of the transaction columns of one batch.
struct TxView<'a> {
    rows: usize,
    id: IdCol<'a>,
    date: DateCol<'a>,
    amount: Option<AmountCol<'a>>,
}

impl<'a> TxView<'a> {
    /// Views of `batch` (columns found by name; `at`: the batch's first row, for errors).
    fn new(
        batch: &'a RecordBatch,
        spec: &'a TxSpec<'_>,
        file: &Path,
        at: Position,
    ) -> IoResult<Self> {
        let schema = batch.schema_ref();
        let idx = spec.resolve(schema, file, Some(at))?;
        let col =
            |i: Option<usize>| -> Option<&'a ArrayRef> { i.and_then(|i| batch.columns().get(i)) };
        let broken = || IoError::at(file, at, None, "a column does not match its declared type");
        let id = col(idx[0])
            .and_then(|a| IdCol::new(a.as_ref()))
            .ok_or_else(broken)?;
        let date = col(idx[1])
            .and_then(|a| DateCol::new(a.as_ref(), &spec.dates, spec.fast_dates))
            .ok_or_else(broken)?;
        let amount = match idx[2] {
            Some(_) => Some(
                col(idx[2])
                    .and_then(|a| AmountCol::new(a.as_ref()))
                    .ok_or_else(broken)?,
            ),
            None => None,
        };
        Ok(TxView {
            rows: batch.num_rows(),
            id,
            date,
            amount,
        })
    }
}

/// Error and skip bookkeeping of one part (as [`crate::fastcsv::Part`]).
struct Log {
    skip: bool,
    count: u64,
    first: Vec<IoError>,
    stop: Option<IoError>,
}

impl Log {
    fn new(skip: bool) -> Self {
        Log {
            skip,
            count: 0,
            first: Vec::new(),
            stop: None,
        }
    }

    /// Records a row error; true when the part must stop (no `skip_invalid`).
    fn error(&mut self, e: IoError) -> bool {
        if self.skip {
            self.count += 1;
            if self.first.len() < Skipped::KEEP {
                self.first.push(e);
            }
            false
        } else {
            self.stop = Some(e);
            true
        }
    }

    /// Stops the part at `e`, even with `skip_invalid`.
    fn fail(&mut self, e: IoError) {
        self.stop = Some(e);
    }
}

/// Reads the chunks `range` of `src`, calling `row` for each row of each batch with the
/// batch's views, the row index in the batch and the row's position; `row` returns an error
/// for the log (column name and message), and the part stops as the log says.
fn read_part<T>(
    src: &Source<'_>,
    spec: &TxSpec<'_>,
    range: Range<usize>,
    skip: bool,
    mut state: T,
    mut row: impl FnMut(&mut T, &TxView<'_>, usize, &mut Log, Position) -> Option<(String, String)>,
) -> IoResult<(T, Log)> {
    let file = src.file().to_path_buf();
    let mut log = Log::new(skip);
    for chunk in range {
        let stopped = src.each_batch(chunk, |batch, before| {
            let view = TxView::new(batch, spec, &file, src.pos(chunk, before + 1))?;
            for i in 0..view.rows {
                let at = src.pos(chunk, before + i as u64 + 1);
                if let Some((col, msg)) = row(&mut state, &view, i, &mut log, at) {
                    if log.error(IoError::at(&file, at, Some(&col), msg)) {
                        return Ok(true);
                    }
                }
                if log.stop.is_some() {
                    return Ok(true);
                }
            }
            Ok(false)
        })?;
        if stopped {
            break;
        }
    }
    Ok((state, log))
}

/// Merges the parts' logs in file order: the first error in the file, or the skip report.
fn merge_logs<T>(
    parts: Vec<IoResult<(T, Log)>>,
    mut each: impl FnMut(usize, T) -> IoResult<()>,
) -> IoResult<Skipped> {
    let mut skipped = Skipped::default();
    for (i, r) in parts.into_iter().enumerate() {
        let (t, log) = r?;
        if let Some(e) = log.stop {
            return Err(e);
        }
        let listed = log.first.len() as u64;
        for e in log.first {
            skipped.push(&e);
        }
        skipped.count += log.count.saturating_sub(listed);
        each(i, t)?;
    }
    Ok(skipped)
}

/// Runs `read` on every part, in parallel on the current rayon pool when there are several.
fn run<T: Send>(
    ranges: Vec<Range<usize>>,
    read: impl Fn(Range<usize>) -> IoResult<(T, Log)> + Sync,
) -> Vec<IoResult<(T, Log)>> {
    if ranges.len() <= 1 {
        return ranges.into_iter().map(read).collect();
    }
    ranges.into_par_iter().map(&read).collect()
}

/// Parses one row for [`load`]: the id is interned first (as the CSV reader does).
fn load_row(
    spec: &TxSpec<'_>,
    v: &TxView<'_>,
    i: usize,
    ids: &mut Ids,
) -> Result<Transaction, (String, String)> {
    let c = &spec.cols;
    let key =
        v.id.get(i)
            .and_then(|id| id.intern(ids))
            .map_err(|m| (c.customer.clone(), m))?;
    let (date, time) = v.date.get(i).map_err(|m| (c.date.clone(), m))?;
    let amount = match (&v.amount, &spec.amount) {
        (Some(a), Some(name)) => a.get(i).map_err(|m| (name.clone(), m))?,
        _ => Decimal::ZERO,
    };
    let mut t = Transaction::from_signed(key, date, amount);
    if let Some(time) = time {
        t = t.with_time(time);
    }
    Ok(t)
}

fn load(
    src: &Source<'_>,
    spec: &TxSpec<'_>,
    opts: &ReadOptions,
    parts: usize,
) -> IoResult<LoadedTransactions> {
    let ranges = split(&src.chunk_rows(), parts);
    let results = run(ranges, |range| {
        read_part(
            src,
            spec,
            range,
            opts.skip_invalid,
            (Ids::default(), Vec::new()),
            |(ids, tx), v, i, _, _| match load_row(spec, v, i, ids) {
                Ok(t) => {
                    tx.push(t);
                    None
                }
                Err(e) => Some(e),
            },
        )
    });
    let total: usize = results
        .iter()
        .map(|r| r.as_ref().map_or(0, |((_, t), _)| t.len()))
        .sum();
    let mut ids = Ids::default();
    let mut transactions: Vec<Transaction> = Vec::new();
    let skipped = merge_logs(results, |i, (part_ids, part_tx)| {
        if i == 0 {
            ids = part_ids;
            transactions = part_tx;
            transactions.reserve_exact(total.saturating_sub(transactions.len()));
        } else {
            let map = ids.remap(&part_ids.interner)?;
            for t in part_tx {
                let key = map.get(t.customer().index()).copied().ok_or_else(|| {
                    IoError::input(
                        src.file(),
                        None,
                        None,
                        "internal error: unknown customer key",
                    )
                })?;
                let mut n = Transaction::from_signed(key, t.date(), t.signed_amount());
                if let Some(time) = t.details().and_then(|d| d.time) {
                    n = n.with_time(time);
                }
                transactions.push(n);
            }
        }
        Ok(())
    })?;
    Ok(LoadedTransactions {
        transactions,
        ids: ids.interner,
        skipped,
        has_amounts: spec.amount.is_some(),
    })
}

/// A Parquet file opened for the transaction readers: metadata, spec, projection.
fn open_tx<'a>(path: &'a Path, cols: &'a TransactionColumns) -> IoResult<(Source<'a>, TxSpec<'a>)> {
    let meta = open_meta(path)?;
    let schema = meta.schema().clone();
    let spec = TxSpec::new(cols, &schema, path, None)?;
    let idx = spec.resolve(&schema, path, None)?;
    let mask = ProjectionMask::roots(meta.parquet_schema(), idx.into_iter().flatten());
    Ok((Source::File { path, meta, mask }, spec))
}

/// [`crate::load_transactions`] of a Parquet file.
pub(crate) fn load_file(
    path: &Path,
    cols: &TransactionColumns,
    opts: &ReadOptions,
) -> IoResult<LoadedTransactions> {
    let (src, spec) = open_tx(path, cols)?;
    load(&src, &spec, opts, fastcsv::default_threads())
}

/// Reads transactions from Arrow record batches (for example from a query engine or a Polars
/// data frame), with the column mapping and type rules of Parquet files.
///
/// Columns are found by name, case-insensitively: ids are integer or string columns (plain,
/// large, view or dictionary-encoded); dates are `Date32`, `Date64`, timestamps (any unit; time
/// zone UTC or a fixed offset, converted to local time) or strings read as in CSV files; amounts
/// are `Decimal128`, `Float32`/`Float64` (finite; read as their shortest text, `12.5`), integers
/// or strings. A null in a required column is an error, or a skipped row under
/// [`ReadOptions::skip_invalid`]. Errors name the batch and the 1-based row in it
/// ([`Position::Batch`]); the file name in errors is `<record batches>`. Only
/// [`ReadOptions::skip_invalid`] applies (the other options are about text files).
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch};
/// use crm_analytics::io::{transactions_from_batches, ReadOptions, TransactionColumns};
/// let batch = RecordBatch::try_from_iter([
///     ("customer_id", Arc::new(Int64Array::from(vec![7, 8, 7])) as ArrayRef),
///     ("date", Arc::new(Date32Array::from(vec![19_723, 19_724, 19_750])) as ArrayRef),
///     ("amount", Arc::new(Float64Array::from(vec![12.5, 3.0, -2.5])) as ArrayRef),
/// ])?;
/// let loaded = transactions_from_batches([batch], &TransactionColumns::default(), &ReadOptions::default())?;
/// assert_eq!(loaded.transactions.len(), 3);
/// assert_eq!(loaded.ids.len(), 2);
/// assert_eq!(loaded.transactions[0].date().to_string(), "2024-01-01");
/// assert_eq!(loaded.transactions[0].amount().to_string(), "12.5");
/// assert!(!loaded.transactions[2].is_purchase()); // a return
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A missing column, an unsupported column type, a null or a value that does not convert (an
/// [`IoError`] naming the batch, the row and the column).
pub fn transactions_from_batches(
    batches: impl IntoIterator<Item = RecordBatch>,
    cols: &TransactionColumns,
    opts: &ReadOptions,
) -> IoResult<LoadedTransactions> {
    let batches: Vec<RecordBatch> = batches.into_iter().collect();
    let file = Path::new(BATCHES);
    let spec = match batches.first() {
        Some(b) => TxSpec::new(
            cols,
            b.schema_ref(),
            file,
            Some(Position::Batch { batch: 0, row: 1 }),
        )?,
        None => TxSpec::new(cols, &Schema::empty(), file, None).or_else(|_| {
            Ok::<_, IoError>(TxSpec {
                cols,
                amount: cols.amount.clone(),
                dates: DateParser::new(cols.date_format.clone()),
                fast_dates: cols.date_format.is_none(),
            })
        })?,
    };
    load(
        &Source::Batches(&batches),
        &spec,
        opts,
        fastcsv::default_threads(),
    )
}

/// [`crate::fold_purchases`] of a Parquet file: runs of row groups decoded in parallel.
pub(crate) fn fold_file<S: PurchaseFold>(
    path: &Path,
    cols: &TransactionColumns,
    opts: &ReadOptions,
    parts: Option<usize>,
    init: impl Fn() -> S + Sync,
) -> IoResult<Folded<S>> {
    if cols.amount.is_none() {
        return Err(IoError::input(
            path,
            None,
            None,
            "an amount column is required",
        ));
    }
    let strict = TransactionColumns {
        amount_optional: false,
        ..cols.clone()
    };
    let (src, spec) = open_tx(path, &strict)?;
    let threads = parts.unwrap_or_else(fastcsv::default_threads).clamp(1, 8);
    let (ids, state, skipped) = fold_source(&src, &spec, opts.skip_invalid, threads, &init, true)?;
    Ok(Folded {
        state,
        ids: ids.interner,
        skipped,
    })
}

/// [`fold_file`] of a source in at most `parts` parts (`columnar`: see [`fold_part`]). Parts
/// still keyed by id ([`Direct`]) merge by id, and their keys are issued once at the end.
fn fold_source<S: PurchaseFold>(
    src: &Source<'_>,
    spec: &TxSpec<'_>,
    skip: bool,
    parts: usize,
    init: &(impl Fn() -> S + Sync),
    columnar: bool,
) -> IoResult<(Ids, S, Skipped)> {
    let ranges = split(&src.chunk_rows(), parts);
    let results = run(ranges, |range| {
        fold_part(src, spec, range, skip, init, columnar)
    });
    let file = src.file();
    let mut acc: Option<PartFold<S>> = None;
    let skipped = merge_logs(results, |_, part| {
        acc = Some(match (acc.take(), part) {
            (None, p) => p,
            (Some(PartFold::Direct(mut d, mut state)), PartFold::Direct(d2, s2)) => {
                // Both keyed by id: the same customers under the same keys.
                let same: Vec<CustomerKey> = (0..d2.seen.len() * 64)
                    .map(|i| CustomerKey::from_index(u32::try_from(i).unwrap_or(u32::MAX)))
                    .collect();
                state
                    .merge_remapped(s2, &same)
                    .map_err(|e| IoError::input(file, None, None, e.to_string()))?;
                d.absorb(&d2);
                PartFold::Direct(d, state)
            }
            (Some(a), p) => {
                let mut keyed = Some(a.keyed(init, file)?);
                merge_part(&mut keyed, p.keyed(init, file)?, file)?;
                match keyed {
                    Some((ids, state)) => PartFold::Keyed(ids, state),
                    None => PartFold::Keyed(Ids::default(), init()),
                }
            }
        });
        Ok(())
    })?;
    let (ids, state) = match acc {
        Some(a) => a.keyed(init, file)?,
        None => (Ids::default(), init()),
    };
    Ok((ids, state, skipped))
}

/// The ids and state of a part of [`fold_part`]: keyed by the part's own interner, or still by
/// the customers' integer ids (see [`Direct`]).
enum PartFold<S> {
    Keyed(Ids, S),
    Direct(Direct, S),
}

impl<S: PurchaseFold> PartFold<S> {
    /// The part keyed by its own interner.
    fn keyed(self, init: &impl Fn() -> S, file: &Path) -> IoResult<(Ids, S)> {
        match self {
            PartFold::Keyed(ids, state) => Ok((ids, state)),
            PartFold::Direct(d, state) => d.into_keyed(state, init, file),
        }
    }
}

/// Rows of [`fold_file`] are parsed into a batch of this many, then keyed and accumulated in
/// two tight passes, so that the cache misses of different rows (id table, per-customer state)
/// overlap instead of queueing (as the CSV fold does).
const FOLD_BATCH: usize = 256;

/// A parsed row of [`fold_file`] waiting for its key and accumulation.
struct Pending {
    /// The integer id still to intern (`key` is set otherwise).
    id: Option<u64>,
    key: CustomerKey,
    day: NaiveDate,
    /// Signed: a negative amount is a non-purchase.
    amount: Decimal,
    /// Row index in the batch.
    row: usize,
}

/// Reads the chunks `range` of `src` into a fresh state made by `init`: rows are checked in the
/// CSV fold's order (id, date, amount; a text id is interned first, an integer id once the row
/// parsed; a negative amount is a non-purchase), in batches of [`FOLD_BATCH`] rows. With
/// `columnar`, batches that fit [`Columnar`] take that path (the same result; tests compare).
fn fold_part<S: PurchaseFold>(
    src: &Source<'_>,
    spec: &TxSpec<'_>,
    range: Range<usize>,
    skip: bool,
    init: &impl Fn() -> S,
    columnar: bool,
) -> IoResult<(PartFold<S>, Log)> {
    let file = src.file().to_path_buf();
    let mut log = Log::new(skip);
    let mut ids = Ids::default();
    let mut state = init();
    let mut pending: Vec<Pending> = Vec::with_capacity(FOLD_BATCH);
    let rows: u64 = src
        .chunk_rows()
        .get(range.clone())
        .unwrap_or_default()
        .iter()
        .sum();
    let mut direct = columnar.then(|| Direct::new(rows));
    for chunk in range {
        let stopped = src.each_batch(chunk, |batch, before| {
            let view = TxView::new(batch, spec, &file, src.pos(chunk, before + 1))?;
            let days = DayTable::new(&view.date, view.rows);
            let pos = |row: usize| src.pos(chunk, before + row as u64 + 1);
            let cols = columnar.then(|| Columnar::of(&view, &days)).flatten();
            if let Some(d) = direct.as_mut() {
                if cols.as_ref().is_some_and(|c| c.max_id < d.bound) {
                    // Still keyed by id: `state` holds no other keys.
                } else if let Some(d) = direct.take() {
                    (ids, state) =
                        d.into_keyed(std::mem::replace(&mut state, init()), init, &file)?;
                }
            }
            let mut fold = Fold {
                spec,
                ids: &mut ids,
                state: &mut state,
                log: &mut log,
                file: &file,
                pending: &mut pending,
                deferred: false,
            };
            if let Some(cols) = cols {
                return Ok(match direct.as_mut() {
                    Some(d) => fold.columnar(&cols, &pos, |_, id| Ok(d.key(id))),
                    None => fold.columnar(&cols, &pos, |ids, id| ids.int(id)),
                });
            }
            for i in 0..view.rows {
                match fold.parse(&view, &days, i, &pos) {
                    Ok(p) => {
                        fold.deferred |= p.id.is_some();
                        fold.pending.push(p);
                        if fold.pending.len() == FOLD_BATCH && fold.flush(&pos) {
                            return Ok(true);
                        }
                    }
                    Err(None) => return Ok(true),
                    Err(Some((col, msg))) => {
                        // Earlier rows first, so the first error reported is the first in the
                        // file.
                        if fold.flush(&pos)
                            || fold.log.error(IoError::at(&file, pos(i), Some(col), msg))
                        {
                            return Ok(true);
                        }
                    }
                }
            }
            Ok(fold.flush(&pos))
        })?;
        if stopped {
            break;
        }
    }
    let part = match direct {
        Some(d) => PartFold::Direct(d, state),
        None => PartFold::Keyed(ids, state),
    };
    Ok((part, log))
}

/// A part's state keyed by the customers' integer ids themselves (key `id` for id `id`), while
/// every batch fits [`Columnar`] with ids below `bound`: no id -> key table is read per row,
/// only a bitmap of the ids seen (an eighth of a byte per id), which records the ids in order
/// of first appearance. [`Direct::into_keyed`] then issues the keys in that order and moves the
/// state onto them, which is the state the keyed fold would have built (the same calls per
/// customer, in the same order). A part leaves this mode at its first batch that does not fit.
struct Direct {
    /// Bit `id % 64` of word `id / 64`: `id` was seen.
    seen: Vec<u64>,
    /// The ids in order of first appearance.
    order: Vec<u64>,
    /// Ids key the state directly below this bound: the part's rows plus 2^16 (so the state's
    /// table holds at most about one entry per row), and within the range of keys.
    bound: i64,
}

impl Direct {
    fn new(rows: u64) -> Self {
        let bound = rows
            .saturating_add(1 << 16)
            .min(u64::from(u32::MAX) - 1)
            .try_into()
            .unwrap_or(0);
        Direct {
            seen: Vec::new(),
            order: Vec::new(),
            bound,
        }
    }

    /// The key of `id` (below `bound`), recording its first appearance.
    #[inline]
    fn key(&mut self, id: u64) -> CustomerKey {
        let w = (id / 64) as usize;
        if w >= self.seen.len() {
            self.seen.resize((w + 1).next_power_of_two(), 0);
        }
        let bit = 1u64 << (id % 64);
        if let Some(word) = self.seen.get_mut(w) {
            if *word & bit == 0 {
                *word |= bit;
                self.order.push(id);
            }
        }
        CustomerKey::from_index(u32::try_from(id).unwrap_or(u32::MAX))
    }

    /// Adds the ids of a later part (in its order of first appearance) after those seen here.
    fn absorb(&mut self, later: &Direct) {
        for &id in &later.order {
            self.key(id);
        }
    }

    /// The ids interned in order of first appearance, and `state` moved from id keys onto
    /// their keys (merged into a fresh state from `init`).
    fn into_keyed<S: PurchaseFold>(
        self,
        state: S,
        init: &impl Fn() -> S,
        file: &Path,
    ) -> IoResult<(Ids, S)> {
        let mut ids = Ids::default();
        // Ids never seen have no entry in `state`: any key will do for them.
        let mut map = vec![CustomerKey::from_index(0); self.seen.len() * 64];
        for &id in &self.order {
            let k = ids.int(id)?;
            if let Some(slot) = usize::try_from(id).ok().and_then(|i| map.get_mut(i)) {
                *slot = k;
            }
        }
        let mut keyed = init();
        keyed
            .merge_remapped(state, &map)
            .map_err(|e| IoError::input(file, None, None, e.to_string()))?;
        Ok((ids, keyed))
    }
}

/// The mutable parts of [`fold_part`] while it reads a batch.
struct Fold<'s, 'a, S> {
    spec: &'s TxSpec<'a>,
    ids: &'s mut Ids,
    state: &'s mut S,
    log: &'s mut Log,
    file: &'s Path,
    pending: &'s mut Vec<Pending>,
    /// Some pending row has an integer id still to intern.
    deferred: bool,
}

impl<'s, S: PurchaseFold> Fold<'s, '_, S> {
    /// Parses row `i` in [`fold_part`]'s order of checks: a text id is interned at once (after
    /// the pending integer ids, so that keys follow first appearance), an integer id later, in
    /// [`flush`](Self::flush). `Err(Some(..))`: the column and message of a row error;
    /// `Err(None)`: the part stopped (the pending rows were flushed).
    #[inline]
    fn parse(
        &mut self,
        v: &TxView<'_>,
        days: &DayTable,
        i: usize,
        pos: &impl Fn(usize) -> Position,
    ) -> Result<Pending, Option<(&'s str, String)>> {
        let c = self.spec.cols;
        let id = v.id.get(i).map_err(|m| Some((c.customer.as_str(), m)))?;
        let (id, key) = match id {
            IdVal::Int(n) => (Some(n), CustomerKey::from_index(0)),
            _ => {
                if self.deferred && self.flush(pos) {
                    return Err(None);
                }
                let k = id
                    .intern(self.ids)
                    .map_err(|m| Some((c.customer.as_str(), m)))?;
                (None, k)
            }
        };
        let day = match days.get(&v.date, i) {
            Some(d) => d,
            None => v.date.get(i).map_err(|m| Some((c.date.as_str(), m)))?.0,
        };
        let amount = match (&v.amount, &self.spec.amount) {
            (Some(a), Some(name)) => a.get(i).map_err(|m| Some((name.as_str(), m)))?,
            _ => Decimal::ZERO,
        };
        Ok(Pending {
            id,
            key,
            day,
            amount,
            row: i,
        })
    }

    /// Folds a batch that fits [`Columnar`]: per run of [`FOLD_BATCH`] rows, the ids are
    /// interned in row order (by `key`: [`Ids::int`], or [`Direct::key`]), the customers' entries prefetched, then the rows pushed in order
    /// (a negative amount is a non-purchase), exactly as [`parse`](Self::parse) and
    /// [`flush`](Self::flush) would; true when the part must stop.
    fn columnar(
        &mut self,
        cols: &Columnar<'_>,
        pos: &impl Fn(usize) -> Position,
        mut key: impl FnMut(&mut Ids, u64) -> Result<CustomerKey, crm_model::ModelError>,
    ) -> bool {
        let c = self.spec.cols;
        let mut keys = [CustomerKey::from_index(0); FOLD_BATCH];
        let mut start = 0;
        for run in cols.ids.chunks(FOLD_BATCH) {
            let mut failed = None;
            for (j, (k, &id)) in keys.iter_mut().zip(run).enumerate() {
                // Not negative: checked by `Columnar::of`.
                match key(self.ids, id.unsigned_abs()) {
                    Ok(key) => *k = key,
                    Err(e) => {
                        failed = Some((j, e.to_string()));
                        break;
                    }
                }
            }
            let upto = failed.as_ref().map_or(run.len(), |f| f.0);
            let keys = keys.get(..upto).unwrap_or_default();
            for &k in keys {
                self.state.prefetch(k);
            }
            let end = start + upto;
            let rows = cols
                .dates
                .get(start..end)
                .unwrap_or_default()
                .iter()
                .zip(cols.amounts.get(start..end).unwrap_or_default());
            for (j, (&k, (&d, &x))) in keys.iter().zip(rows).enumerate() {
                let cents = float_cents(x).unwrap_or(-1);
                if cents < 0 {
                    self.state.non_purchase();
                    continue;
                }
                let day = usize::try_from(i64::from(d) - cols.base)
                    .ok()
                    .and_then(|i| cols.days.get(i).copied().flatten());
                let Some(day) = day else { continue };
                if let Err(e) = self.state.purchase_cents(k, day, cents.unsigned_abs()) {
                    let e = IoError::at(self.file, pos(start + j), Some(&c.date), e.to_string());
                    if self.log.error(e) {
                        return true;
                    }
                }
            }
            if let Some((j, m)) = failed {
                self.log
                    .fail(IoError::at(self.file, pos(start + j), Some(&c.customer), m));
                return true;
            }
            start += run.len();
        }
        false
    }

    /// Interns the pending integer ids, then pushes the pending rows; true when the part must
    /// stop.
    fn flush(&mut self, pos: &impl Fn(usize) -> Position) -> bool {
        let c = self.spec.cols;
        let pending = &mut *self.pending;
        self.deferred = false;
        let mut failed = None;
        for (j, p) in pending.iter_mut().enumerate() {
            if let Some(n) = p.id {
                match self.ids.int(n) {
                    Ok(k) => p.key = k,
                    Err(e) => {
                        failed = Some((j, e.to_string()));
                        break;
                    }
                }
            }
        }
        let upto = failed.as_ref().map_or(pending.len(), |f| f.0);
        for p in pending.get(..upto).unwrap_or_default() {
            self.state.prefetch(p.key);
        }
        let mut stop = false;
        for p in pending.get(..upto).unwrap_or_default() {
            if p.amount.is_sign_negative() && !p.amount.is_zero() {
                self.state.non_purchase();
                continue;
            }
            if let Err(e) = self.state.purchase(p.key, p.day, p.amount.abs()) {
                let e = IoError::at(self.file, pos(p.row), Some(&c.date), e.to_string());
                if self.log.error(e) {
                    stop = true;
                    break;
                }
            }
        }
        if !stop {
            if let Some((j, m)) = failed {
                let row = pending.get(j).map_or(0, |p| p.row);
                self.log
                    .fail(IoError::at(self.file, pos(row), Some(&c.customer), m));
                stop = true;
            }
        }
        pending.clear();
        stop
    }
}

/// A batch of the common column types whose every row is known to parse: non-negative `Int64`
/// ids, `Date32` days inside the batch's [`DayTable`] and `Float64` amounts that are whole
/// cents (read by [`float_amount`] as at most two decimals), none null. [`Fold::columnar`]
/// folds it in tight loops over the Arrow slices, with the rows' keys, days and cents computed
/// per run of [`FOLD_BATCH`] rows and no `Decimal` per row; the state, keys, counts and errors
/// are those of the row-by-row path ([`Fold::parse`] and [`Fold::flush`]), which takes every
/// batch that does not fit.
struct Columnar<'a> {
    ids: &'a [i64],
    /// The largest id.
    max_id: i64,
    dates: &'a [i32],
    /// Day of `dates[i]` at `days[dates[i] - base]`.
    base: i64,
    days: &'a [Option<NaiveDate>],
    amounts: &'a [f64],
}

/// 2^52: below it a float's integer part and fraction are exact.
const EXACT: f64 = 4_503_599_627_370_496.0;

/// The amount `x` in whole cents when [`float_amount`] reads it with at most two decimals (its
/// money branch), so that it is `crm_model::cents_amount(|cents|)` with the sign of `cents`;
/// `None` otherwise (non-finite, more decimals, or `|x| * 100 >= 2^52`).
#[inline]
fn float_cents(x: f64) -> Option<i64> {
    let y = x * 100.0;
    // Infinities fail the bound; NaN is refused by name.
    if y.abs() >= EXACT || y.is_nan() {
        return None;
    }
    let r = round_half_away(y);
    (r as f64 / 100.0 == x).then_some(r)
}

/// `y.round()` as an integer for `|y| < 2^52` (rounding half away from zero), without a call
/// into libm: truncation and the fraction `y - trunc(y)` are exact in that range.
#[inline]
fn round_half_away(y: f64) -> i64 {
    let t = y as i64;
    let f = y - t as f64;
    t + i64::from(f >= 0.5) - i64::from(f <= -0.5)
}

impl<'a> Columnar<'a> {
    /// The batch's columns when every row fits (see [`Columnar`]); `None`: the row-by-row path.
    fn of(v: &TxView<'a>, days: &'a DayTable) -> Option<Self> {
        let no_nulls = |n: Option<&NullBuffer>| n.is_none_or(|n| n.null_count() == 0);
        let IdCol::Int(Ints::I64(ids), id_nulls) = &v.id else {
            return None;
        };
        let DateCol::Date32(dates, date_nulls) = &v.date else {
            return None;
        };
        let Some(AmountCol::F64(amounts, amount_nulls)) = &v.amount else {
            return None;
        };
        let rows = v.rows;
        let (min_id, max_id) = ids
            .iter()
            .fold((0i64, 0i64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        let fits = no_nulls(*id_nulls)
            && no_nulls(*date_nulls)
            && no_nulls(*amount_nulls)
            && ids.len() == rows
            && dates.len() == rows
            && amounts.len() == rows
            && !days.days.is_empty()
            && days.days.iter().all(Option::is_some)
            && min_id >= 0
            && amounts
                .iter()
                .fold(true, |ok, &x| ok & float_cents(x).is_some());
        // Every date lies in the table: it was built from this column's minimum and maximum.
        fits.then_some(Columnar {
            ids,
            max_id,
            dates,
            base: days.base,
            days: &days.days,
            amounts,
        })
    }
}

/// The days of a `Date32` column's values, computed once per distinct day of a batch (when its
/// days span a short range, as transaction dates do).
struct DayTable {
    base: i64,
    days: Vec<Option<NaiveDate>>,
}

impl DayTable {
    fn new(col: &DateCol<'_>, rows: usize) -> Self {
        let none = DayTable {
            base: 0,
            days: Vec::new(),
        };
        let DateCol::Date32(v, _) = col else {
            return none;
        };
        let Some((lo, hi)) = v.iter().fold(None, |acc: Option<(i32, i32)>, &d| {
            Some(acc.map_or((d, d), |(lo, hi)| (lo.min(d), hi.max(d))))
        }) else {
            return none;
        };
        let span = i64::from(hi) - i64::from(lo) + 1;
        if span > (rows as i64 / 4).max(64) {
            return none;
        }
        let base = i64::from(lo);
        DayTable {
            base,
            days: (0..span).map(|k| day(base + k).ok()).collect(),
        }
    }

    /// The day of row `i` of `col` when it is valid and in the table.
    #[inline]
    fn get(&self, col: &DateCol<'_>, i: usize) -> Option<NaiveDate> {
        match col {
            DateCol::Date32(v, n) if valid(*n, i) => {
                let k = usize::try_from(i64::from(*v.get(i)?) - self.base).ok()?;
                *self.days.get(k)?
            }
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Any table: cells as text, for the other readers
// ---------------------------------------------------------------------------------------------

/// A Parquet file read as rows of text cells by [`crate::table::Table`].
pub(crate) struct PqRows {
    path: PathBuf,
    meta: ArrowReaderMetadata,
}

impl PqRows {
    pub(crate) fn open(path: &Path) -> IoResult<Self> {
        Ok(PqRows {
            path: path.to_path_buf(),
            meta: open_meta(path)?,
        })
    }

    /// Column names.
    pub(crate) fn header(&self) -> Vec<String> {
        self.meta
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// Checks that column `i` has a type whose cells read as text.
    pub(crate) fn check_column(&self, i: usize, name: &str) -> IoResult<()> {
        let schema = self.meta.schema();
        match schema.fields().get(i).map(|f| f.data_type()) {
            Some(t) if cell_type(t) => Ok(()),
            t => Err(IoError::at(
                &self.path,
                Position::Row {
                    row_group: 0,
                    row: 1,
                },
                Some(name),
                format!(
                    "unsupported type {} (expected a string, integer, float, decimal, boolean, date or timestamp column)",
                    t.map_or_else(|| "?".to_string(), ToString::to_string)
                ),
            )),
        }
    }

    /// Calls `f` with every row, row group by row group; cells of unsupported types read empty.
    pub(crate) fn for_each(self, mut f: impl FnMut(&Row<'_>) -> IoResult<()>) -> IoResult<()> {
        let src = Source::File {
            path: &self.path,
            meta: self.meta.clone(),
            mask: ProjectionMask::all(),
        };
        let mut line = 0u64;
        let mut cells: Vec<String> = Vec::new();
        for chunk in 0..src.chunks() {
            src.each_batch(chunk, |batch, before| {
                let cols = batch.columns();
                for i in 0..batch.num_rows() {
                    line += 1;
                    let at = src.pos(chunk, before + i as u64 + 1);
                    cells.clear();
                    for c in cols {
                        cells.push(
                            cell(c.as_ref(), i)
                                .map_err(|m| IoError::at(&self.path, at, None, m))?,
                        );
                    }
                    if cells.iter().all(|c| c.trim().is_empty()) {
                        continue;
                    }
                    f(&Row::cells(
                        line,
                        cells.iter().map(String::as_str).collect(),
                        at,
                    ))?;
                }
                Ok(false)
            })?;
        }
        Ok(())
    }
}

/// Types whose cells [`cell`] reads.
fn cell_type(t: &DataType) -> bool {
    is_int(t)
        || is_str(t)
        || matches!(
            t,
            DataType::Boolean
                | DataType::Float32
                | DataType::Float64
                | DataType::Decimal128(_, _)
                | DataType::Date32
                | DataType::Date64
                | DataType::Timestamp(_, _)
                | DataType::Null
        )
}

/// Cell `i` of `a` as the text a CSV export holds ("" for a null or an unsupported type).
fn cell(a: &dyn Array, i: usize) -> Result<String, String> {
    if i >= a.len() || a.is_null(i) {
        return Ok(String::new());
    }
    let t = a.data_type();
    if let Some(v) = Ints::new(a) {
        return Ok(v.get(i).map(|n| n.to_string()).unwrap_or_default());
    }
    if is_str(t) {
        return Ok(Strs::new(a)
            .and_then(|s| s.get(i))
            .unwrap_or_default()
            .to_string());
    }
    Ok(match t {
        DataType::Boolean => a
            .as_boolean_opt()
            .map(|b| b.value(i).to_string())
            .unwrap_or_default(),
        DataType::Float64 => a
            .as_primitive_opt::<Float64Type>()
            .map(|v| v.value(i).to_string())
            .unwrap_or_default(),
        DataType::Float32 => a
            .as_primitive_opt::<Float32Type>()
            .map(|v| v.value(i).to_string())
            .unwrap_or_default(),
        DataType::Decimal128(_, s) => match a.as_primitive_opt::<Decimal128Type>() {
            Some(v) => decimal(v.value(i), *s)?.to_string(),
            None => String::new(),
        },
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) => {
            let parser = DateParser::new(None);
            match DateCol::new(a, &parser, true).map(|d| d.get(i)) {
                Some(Ok((d, None))) => d.to_string(),
                Some(Ok((d, Some(t)))) => d.and_time(t).to_string(),
                Some(Err(m)) => return Err(m),
                None => String::new(),
            }
        }
        _ => String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Date32Array, Float64Array, Int64Array};
    use proptest::prelude::*;
    use std::sync::Arc;

    /// A state that records every call in order (the customer's key, or `None` for a return;
    /// amounts with their scale) and refuses purchases after `end`.
    #[derive(Debug, Default)]
    struct Calls {
        end: Option<NaiveDate>,
        calls: Vec<(Option<CustomerKey>, String)>,
    }

    impl PurchaseFold for Calls {
        type Error = String;
        fn purchase(&mut self, c: CustomerKey, day: NaiveDate, a: Decimal) -> Result<(), String> {
            if self.end.is_some_and(|end| day > end) {
                return Err(format!("{day} is late"));
            }
            self.calls
                .push((Some(c), format!("{day} {a} {}", a.scale())));
            Ok(())
        }
        fn non_purchase(&mut self) {
            self.calls.push((None, "return".into()));
        }
        fn merge_remapped(&mut self, other: Self, keys: &[CustomerKey]) -> Result<(), String> {
            for (k, call) in other.calls {
                let k = k.map(|k| keys.get(k.index()).copied().ok_or("unmapped key"));
                self.calls.push((k.transpose()?, call));
            }
            Ok(())
        }
    }

    type Row = (Option<i64>, Option<i32>, Option<f64>);

    fn tx_batch(rows: &[Row]) -> RecordBatch {
        let ids: Int64Array = rows.iter().map(|r| r.0).collect();
        let dates: Date32Array = rows.iter().map(|r| r.1).collect();
        let amounts: Float64Array = rows.iter().map(|r| r.2).collect();
        RecordBatch::try_from_iter([
            ("customer_id", Arc::new(ids) as ArrayRef),
            ("date", Arc::new(dates) as ArrayRef),
            ("amount", Arc::new(amounts) as ArrayRef),
        ])
        .unwrap()
    }

    /// Everything [`fold_part`] returns over `batches`, as text: ids in key order, the calls
    /// into the state, the skip count, the first skipped errors and the error that stopped it.
    fn fold_text(
        batches: &[RecordBatch],
        skip: bool,
        end: i32,
        parts: usize,
        columnar: bool,
    ) -> String {
        let cols = TransactionColumns::default();
        let Some(first) = batches.first() else {
            return String::new();
        };
        let file = Path::new(BATCHES);
        let spec = TxSpec::new(&cols, first.schema_ref(), file, None).unwrap();
        let end = day(i64::from(end)).ok();
        let init = || Calls {
            end,
            calls: Vec::new(),
        };
        let src = Source::Batches(batches);
        match fold_source(&src, &spec, skip, parts, &init, columnar) {
            Ok((ids, state, skipped)) => format!(
                "{:?}\n{:?}\n{} {:?}",
                ids.interner.ids(),
                state.calls,
                skipped.count,
                skipped.first,
            ),
            Err(e) => format!("error {e}"),
        }
    }

    /// Days around 2022-01-01 (day 18,993).
    const DAY0: i32 = 18_993;

    /// A row of the common types; kind 1: with ids too large to key a part's state directly;
    /// kind 2: with the edge cases (nulls, negative and huge ids, days out of range, amounts
    /// that are not cents, not finite).
    fn row(kind: u8) -> impl Strategy<Value = Row> {
        let w = u32::from(kind == 2);
        let big = u32::from(kind == 1);
        let id = prop_oneof![
            15 => (0i64..40).prop_map(Some),
            5 => (0i64..3_000).prop_map(Some),
            // Past the bound of ids that key a part's state directly.
            big => (60_000i64..70_000).prop_map(Some),
            w => Just(None),
            w => (-3i64..0).prop_map(Some),
            w => prop_oneof![Just(i64::MAX), Just(1i64 << 40), Just(4_000_000_000)].prop_map(Some),
        ];
        let date = prop_oneof![
            20 => (DAY0..DAY0 + 60).prop_map(Some),
            w => Just(None),
            w => prop_oneof![Just(i32::MAX), Just(i32::MIN), Just(-800_000_000)].prop_map(Some),
        ];
        let amount = prop_oneof![
            20 => (-500i64..5_000).prop_map(|c| Some(c as f64 / 100.0)),
            2 => (0i64..1_000_000_000_000).prop_map(|c| Some(c as f64 / 100.0)),
            1 => prop_oneof![Just(-0.0), Just(0.0), Just(45_035_996_273_704.95)].prop_map(Some),
            w => Just(None),
            w => prop_oneof![
                Just(f64::NAN),
                Just(f64::INFINITY),
                Just(f64::NEG_INFINITY),
                Just(0.001),
                Just(12.345),
                Just(1e17),
                Just(-1e300),
                Just(5e-324),
            ]
            .prop_map(Some),
        ];
        (id, date, amount)
    }

    fn batches() -> impl Strategy<Value = Vec<Vec<Row>>> {
        let kind = prop_oneof![3 => Just(0u8), 1 => Just(1), 1 => Just(2)];
        let batch = kind.prop_flat_map(|kind| prop::collection::vec(row(kind), 0..700));
        prop::collection::vec(batch, 1..6)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The columnar path gives the row-by-row path's keys, calls, skips and errors, on
        /// batches that fit it and on batches with edge cases (which fall back).
        #[test]
        fn columnar_fold_is_the_row_by_row_fold(
            rows in batches(),
            skip in any::<bool>(),
            end in DAY0 + 30..DAY0 + 120,
            parts in 1usize..4,
        ) {
            let batches: Vec<RecordBatch> = rows.iter().map(|r| tx_batch(r)).collect();
            prop_assert_eq!(
                fold_text(&batches, skip, end, parts, true),
                fold_text(&batches, skip, end, parts, false)
            );
        }

        /// Whole cents are exactly the floats whose `float_amount` has at most two decimals.
        #[test]
        fn float_cents_is_float_amounts_money_branch(
            c in prop_oneof![
                -100_000i64..100_000,
                any::<i64>(),
                -(1i64 << 52)..(1i64 << 52),
            ],
            k in 0u8..4,
            bits in any::<u64>(),
        ) {
            for x in [
                c as f64 / [1.0, 10.0, 100.0, 1000.0][usize::from(k)],
                f64::from_bits(bits),
            ] {
                let want = float_amount(x).ok().filter(|d| d.scale() <= 2).map(|d| {
                    (d.is_sign_negative() && !d.is_zero(), d.abs(), d.scale())
                });
                let got = float_cents(x).map(|m| {
                    let d = crm_model::cents_amount(m.unsigned_abs());
                    (m < 0, d, d.scale())
                });
                // Near 2^52 cents `float_amount` may still read two decimals another way (its
                // shortest text); below 2^50 every two-decimal reading is whole cents.
                if got.is_some() || (x * 100.0).abs() < EXACT / 4.0 {
                    prop_assert_eq!(got, want, "{}", x);
                }
            }
        }
    }

    #[test]
    fn columnar_takes_only_batches_that_fit() {
        let cols = TransactionColumns::default();
        let takes = |rows: &[Row]| {
            let b = tx_batch(rows);
            let spec = TxSpec::new(&cols, b.schema_ref(), Path::new(BATCHES), None).unwrap();
            let at = Position::Batch { batch: 0, row: 1 };
            let v = TxView::new(&b, &spec, Path::new(BATCHES), at).unwrap();
            let days = DayTable::new(&v.date, v.rows);
            Columnar::of(&v, &days).is_some()
        };
        let good: Row = (Some(7), Some(DAY0), Some(12.5));
        assert!(takes(&[good, (Some(0), Some(DAY0 + 9), Some(-2.5))]));
        assert!(takes(&[good, (Some(8), Some(DAY0), Some(-0.0))]));
        for bad in [
            (None, Some(DAY0), Some(1.0)),
            (Some(-1), Some(DAY0), Some(1.0)),
            (Some(1), None, Some(1.0)),
            (Some(1), Some(i32::MAX), Some(1.0)),
            (Some(1), Some(DAY0), None),
            (Some(1), Some(DAY0), Some(f64::NAN)),
            (Some(1), Some(DAY0), Some(f64::INFINITY)),
            (Some(1), Some(DAY0), Some(0.001)),
            (Some(1), Some(DAY0), Some(1e17)),
        ] {
            assert!(!takes(&[good, bad]), "{bad:?}");
        }
    }

    #[test]
    fn floats_read_as_their_shortest_text() {
        for x in [
            0.0,
            -0.0,
            12.5,
            0.1,
            0.3,
            1.0 / 3.0,
            123456.789,
            -2.5,
            1e15,
            1e20,
            1e-7,
            99.99,
            0.000123,
            4503599627370495.0,
            2.0f64.powi(60),
            5e-324,
        ] {
            let want = text_amount(&x.to_string());
            assert_eq!(float_amount(x), want, "{x}");
            if let Ok(d) = want {
                assert_eq!(float_amount(x).unwrap().scale(), d.scale(), "{x}");
            }
        }
        assert!(float_amount(f64::NAN).is_err());
        assert!(float_amount(f64::INFINITY).is_err());
    }

    #[test]
    fn money_floats_read_as_their_shortest_text() {
        let cents = (-20_000i64..20_000).chain((0..2000).map(|k| k * 7_919_113 + 123_456_789));
        for c in cents {
            for x in [
                c as f64 / 100.0,
                c as f64 / 1000.0,
                c as f64 * 0.01,
                c as f64 / 10.0,
            ] {
                let want = text_amount(&x.to_string()).unwrap();
                let got = float_amount(x).unwrap();
                assert_eq!((got, got.scale()), (want, want.scale()), "{x}");
            }
        }
    }

    #[test]
    fn parts_split_row_groups_in_order() {
        assert_eq!(split(&[10, 10, 10, 10], 2), vec![0..2, 2..4]);
        assert_eq!(split(&[10, 10, 10], 8), vec![0..1, 1..2, 2..3]);
        assert_eq!(split(&[], 4), vec![0..0]);
        assert_eq!(split(&[5], 4), vec![0..1]);
        assert_eq!(
            split(&[0, 0, 0], 2).iter().map(|r| r.len()).sum::<usize>(),
            3
        );
        assert_eq!(split(&[100, 1, 1, 1], 2), vec![0..1, 1..4]);
    }

    #[test]
    fn time_zones() {
        assert_eq!(tz_offset("UTC"), Ok(0));
        assert_eq!(tz_offset("+02:00"), Ok(7200));
        assert_eq!(tz_offset("-0530"), Ok(-19800));
        assert!(tz_offset("Europe/Berlin").is_err());
        assert_eq!(decimal(1250, 2).unwrap().to_string(), "12.50");
        assert_eq!(decimal(12, -2).unwrap().to_string(), "1200");
        assert!(decimal(i128::MAX, 2).is_err());
    }
}
