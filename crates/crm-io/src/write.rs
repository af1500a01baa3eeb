//! Writing result tables (any slice of flat serde structs) as CSV, JSON or Parquet.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rayon::prelude::*;

use crate::error::{IoError, IoResult};

/// File format of a result table written by [`write_table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    /// Comma-separated values with a header row (the csv crate's serde mapping).
    Csv,
    /// One JSON array of objects, fields in declaration order.
    Json,
    /// Parquet (feature `parquet`): one column per field.
    Parquet,
}

impl OutputFormat {
    /// The format named by the extension of `path` (`.csv`, `.json`, `.parquet`, any case);
    /// `None` for any other extension.
    ///
    /// ```
    /// use std::path::Path;
    /// use crm_analytics::io::OutputFormat;
    /// assert_eq!(OutputFormat::from_path(Path::new("out/rfm.PARQUET")), Some(OutputFormat::Parquet));
    /// assert_eq!(OutputFormat::from_path(Path::new("rfm.json")), Some(OutputFormat::Json));
    /// assert_eq!(OutputFormat::from_path(Path::new("rfm.txt")), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(OutputFormat::Csv),
            "json" => Some(OutputFormat::Json),
            "parquet" => Some(OutputFormat::Parquet),
            _ => None,
        }
    }
}

/// Writes `rows` to `path` as a table: one row per element, one column per field.
///
/// `T` is a flat struct (or map) whose fields are strings, integers, floats, booleans or
/// `Option`s of these; `rust_decimal::Decimal` serialises as its exact text. In Parquet, each
/// column's type follows its values: all integers `Int64` (`UInt64` past `i64::MAX`), numbers
/// with a fraction `Float64`, booleans `Boolean`, anything else (text, decimals, mixed values)
/// `Utf8`, every column nullable (a missing or `None` field is a null). An empty `rows` has no
/// columns to write in Parquet and is an error there; CSV then writes an empty file and JSON `[]`.
///
/// ```
/// use crm_analytics::io::{write_table, OutputFormat};
/// #[derive(serde::Serialize)]
/// struct Segment { customer: u64, segment: String, score: Option<f64> }
/// let dir = std::env::temp_dir().join(format!("crm-io-write-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let rows = [
///     Segment { customer: 7, segment: "Champions".into(), score: Some(4.5) },
///     Segment { customer: 9, segment: "At risk".into(), score: None },
/// ];
/// let path = dir.join("segments.json");
/// write_table(&path, OutputFormat::Json, &rows)?;
/// let text = std::fs::read_to_string(&path)?;
/// assert!(text.starts_with('[') && text.contains("\"segment\": \"At risk\""));
/// write_table(&dir.join("segments.csv"), OutputFormat::Csv, &rows)?;
/// assert_eq!(std::fs::read_to_string(dir.join("segments.csv"))?,
///            "customer,segment,score\n7,Champions,4.5\n9,At risk,\n");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The file cannot be created or written; a row does not serialise as a flat record; Parquet
/// without the `parquet` feature.
pub fn write_table<T: serde::Serialize + Sync>(
    path: &Path,
    format: OutputFormat,
    rows: &[T],
) -> IoResult<()> {
    let io = |source| IoError::Io {
        file: path.to_path_buf(),
        source,
    };
    let bad = |e: &dyn std::fmt::Display| {
        IoError::input(path, None, None, format!("cannot write the table: {e}"))
    };
    match format {
        OutputFormat::Csv | OutputFormat::Json => {
            let file = File::create(path).map_err(io)?;
            let mut w = BufWriter::new(file);
            write_rows(&mut w, format, rows).map_err(|e| {
                if e.kind() == std::io::ErrorKind::InvalidData {
                    bad(&e)
                } else {
                    io(e)
                }
            })?;
            w.flush().map_err(io)
        }
        #[cfg(feature = "parquet")]
        OutputFormat::Parquet => parquet_out::write(path, rows),
        #[cfg(not(feature = "parquet"))]
        OutputFormat::Parquet => Err(crate::table::parquet_disabled(path)),
    }
}

/// Rows per chunk of the parallel CSV writer.
const CSV_CHUNK: usize = 1 << 14;

/// Writes `rows` as CSV (with a header row) or JSON (one pretty-printed array and a newline) to
/// any writer, e.g. standard output: the text [`write_table`] puts in a file.
///
/// CSV text is formatted in chunks on the current rayon pool and written in row order, a few
/// chunks at a time, so a million rows take a fraction of a second and the text in memory stays
/// bounded by those chunks.
///
/// ```
/// use crm_analytics::io::{write_rows, OutputFormat};
/// #[derive(serde::Serialize)]
/// struct Row<'a> { customer: u64, segment: &'a str }
/// let mut out = Vec::new();
/// write_rows(&mut out, OutputFormat::Csv, &[Row { customer: 7, segment: "At risk, soon" }])?;
/// assert_eq!(String::from_utf8(out)?, "customer,segment\n7,\"At risk, soon\"\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The writer fails; a row does not serialise as a flat record (`ErrorKind::InvalidData`);
/// [`OutputFormat::Parquet`], which needs a file ([`write_table`]) (`ErrorKind::Unsupported`).
pub fn write_rows<T: serde::Serialize + Sync>(
    mut w: impl Write,
    format: OutputFormat,
    rows: &[T],
) -> std::io::Result<()> {
    let invalid = |e: &dyn std::fmt::Display| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string())
    };
    match format {
        OutputFormat::Csv => {
            let format_chunk = |(i, chunk): (usize, &[T])| -> std::io::Result<Vec<u8>> {
                let mut text = Vec::with_capacity(chunk.len() * 48);
                if crate::csv_rows::write_chunk(&mut text, chunk, i == 0).is_ok() {
                    return Ok(text);
                }
                let mut c = csv::WriterBuilder::new()
                    .has_headers(i == 0)
                    .from_writer(Vec::with_capacity(chunk.len() * 48));
                for r in chunk {
                    c.serialize(r).map_err(|e| invalid(&e))?;
                }
                c.into_inner().map_err(|e| invalid(&e))
            };
            let chunks: Vec<(usize, &[T])> = rows.chunks(CSV_CHUNK).enumerate().collect();
            // A few chunks per thread at a time: parallel formatting, bounded text in memory.
            let window = rayon::current_num_threads().max(1) * 2;
            for group in chunks.chunks(window) {
                let texts: Vec<std::io::Result<Vec<u8>>> = if group.len() == 1 {
                    group.iter().copied().map(format_chunk).collect()
                } else {
                    group.par_iter().copied().map(format_chunk).collect()
                };
                for t in texts {
                    w.write_all(&t?)?;
                }
            }
            Ok(())
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut w, rows).map_err(|e| invalid(&e))?;
            w.write_all(b"\n")
        }
        OutputFormat::Parquet => Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "a Parquet table is written to a file (write_table)",
        )),
    }
}

#[cfg(feature = "parquet")]
mod parquet_out {
    use std::fmt;
    use std::fs::File;
    use std::path::Path;
    use std::sync::Arc;

    use arrow_array::{
        ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray, UInt64Array,
    };
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::properties::WriterProperties;
    use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
    use serde_json::Value;

    use crate::error::{IoError, IoResult};

    /// A JSON object with its fields in their serialisation order.
    struct Ordered(Vec<(String, Value)>);

    impl<'de> Deserialize<'de> for Ordered {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Ordered;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a record (a struct or map)")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Ordered, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, v)) = m.next_entry::<String, Value>()? {
                        out.push((k, v));
                    }
                    Ok(Ordered(out))
                }
            }
            d.deserialize_map(V)
        }
    }

    /// The Arrow array of one column's values.
    fn column(values: &[Option<&Value>]) -> (DataType, ArrayRef) {
        let present = || values.iter().flatten();
        let all = |f: fn(&Value) -> bool| present().all(|v| f(v));
        if present().next().is_some() {
            if all(Value::is_boolean) {
                let a: BooleanArray = values.iter().map(|v| v.and_then(Value::as_bool)).collect();
                return (DataType::Boolean, Arc::new(a));
            }
            if all(Value::is_i64) {
                let a: Int64Array = values.iter().map(|v| v.and_then(Value::as_i64)).collect();
                return (DataType::Int64, Arc::new(a));
            }
            if all(Value::is_u64) {
                let a: UInt64Array = values.iter().map(|v| v.and_then(Value::as_u64)).collect();
                return (DataType::UInt64, Arc::new(a));
            }
            if all(Value::is_number) {
                let a: Float64Array = values.iter().map(|v| v.and_then(Value::as_f64)).collect();
                return (DataType::Float64, Arc::new(a));
            }
        }
        let a: StringArray = values
            .iter()
            .map(|v| {
                v.map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            })
            .collect();
        (DataType::Utf8, Arc::new(a))
    }

    pub(super) fn write<T: serde::Serialize>(path: &Path, rows: &[T]) -> IoResult<()> {
        let bad = |e: &dyn fmt::Display| {
            IoError::input(path, None, None, format!("cannot write the table: {e}"))
        };
        // Each row as its fields in order (through JSON text, which keeps the order).
        let mut records = Vec::with_capacity(rows.len());
        for r in rows {
            let text = serde_json::to_string(r).map_err(|e| bad(&e))?;
            let o: Ordered = serde_json::from_str(&text).map_err(|e| bad(&e))?;
            records.push(o.0);
        }
        let mut names: Vec<String> = Vec::new();
        for r in &records {
            for (k, _) in r {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
        if names.is_empty() {
            return Err(bad(
                &"no columns (a Parquet table needs at least one row with a field)",
            ));
        }
        let mut fields = Vec::with_capacity(names.len());
        let mut arrays = Vec::with_capacity(names.len());
        for name in &names {
            let values: Vec<Option<&Value>> = records
                .iter()
                .map(|r| {
                    r.iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v)
                        .filter(|v| !v.is_null())
                })
                .collect();
            let (t, a) = column(&values);
            fields.push(Field::new(name, t, true));
            arrays.push(a);
        }
        let batch =
            RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| bad(&e))?;
        let file = File::create(path).map_err(|source| IoError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(|e| bad(&e))?;
        w.write(&batch).map_err(|e| bad(&e))?;
        w.close().map_err(|e| bad(&e))?;
        Ok(())
    }
}

/// Writes `rows` of a drill-down: each row with its group key first (`keys[i]` holds the
/// values of the group columns `names` for `rows[i]`), then the row's own fields, as CSV or
/// JSON (an array of objects, group columns first).
///
/// ```
/// use crm_analytics::io::{OutputFormat, write_grouped_rows};
/// #[derive(serde::Serialize)]
/// struct Figure { n: u64, nps: f64 }
/// let names = ["region".to_string()];
/// let keys = [vec!["north".to_string()], vec!["south".to_string()]];
/// let rows = [Figure { n: 2, nps: 100.0 }, Figure { n: 1, nps: -100.0 }];
/// let mut out = Vec::new();
/// write_grouped_rows(&mut out, OutputFormat::Csv, &names, &keys, &rows)?;
/// assert_eq!(String::from_utf8(out)?, "region,n,nps\nnorth,2,100.0\nsouth,1,-100.0\n");
/// let mut out = Vec::new();
/// write_grouped_rows(&mut out, OutputFormat::Json, &names, &keys[..1], &rows[..1])?;
/// assert_eq!(String::from_utf8(out)?, "[\n  {\"region\":\"north\",\"n\":2,\"nps\":100.0}\n]\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`write_rows`]; `keys` and `rows` of different lengths or a key of the wrong size
/// (`ErrorKind::InvalidInput`).
pub fn write_grouped_rows<T: serde::Serialize + Sync>(
    mut w: impl Write,
    format: OutputFormat,
    names: &[String],
    keys: &[Vec<String>],
    rows: &[T],
) -> std::io::Result<()> {
    if keys.len() != rows.len() || keys.iter().any(|k| k.len() != names.len()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "one key of one value per group column for every row",
        ));
    }
    let invalid = |e: &dyn std::fmt::Display| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string())
    };
    match format {
        OutputFormat::Csv => {
            let (header, cells) = row_cells(rows)?;
            let mut c = csv::Writer::from_writer(&mut w);
            c.write_record(names.iter().chain(&header))?;
            for (k, r) in keys.iter().zip(&cells) {
                c.write_record(k.iter().chain(r))?;
            }
            c.flush()
        }
        OutputFormat::Json => {
            w.write_all(b"[")?;
            for (i, (k, r)) in keys.iter().zip(rows).enumerate() {
                let body = serde_json::to_string(r).map_err(|e| invalid(&e))?;
                let fields = body
                    .strip_prefix('{')
                    .ok_or_else(|| invalid(&"a row is not a JSON object"))?;
                let mut obj = String::from("{");
                for (n, v) in names.iter().zip(k) {
                    obj.push_str(&serde_json::to_string(n).map_err(|e| invalid(&e))?);
                    obj.push(':');
                    obj.push_str(&serde_json::to_string(v).map_err(|e| invalid(&e))?);
                    obj.push(',');
                }
                if fields == "}" && obj.ends_with(',') {
                    obj.pop();
                }
                obj.push_str(fields);
                let sep = if i == 0 { "\n  " } else { ",\n  " };
                write!(w, "{sep}{obj}")?;
            }
            w.write_all(if rows.is_empty() { b"]\n" } else { b"\n]\n" })
        }
        OutputFormat::Parquet => Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "grouped rows are written as CSV or JSON",
        )),
    }
}

/// The header and the cells of `rows` exactly as [`write_rows`] writes them as CSV (unquoted):
/// the text of a flat result table, for renderers that lay it out themselves (an aligned table,
/// say).
///
/// ```
/// use crm_analytics::io::row_cells;
/// #[derive(serde::Serialize)]
/// struct Row<'a> { customer: u64, segment: &'a str, share: f64 }
/// let (header, cells) = row_cells(&[Row { customer: 7, segment: "At risk, soon", share: 0.25 }])?;
/// assert_eq!(header, ["customer", "segment", "share"]);
/// assert_eq!(cells, [["7", "At risk, soon", "0.25"]]);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// A row does not serialise as a flat record (`ErrorKind::InvalidData`).
pub fn row_cells<T: serde::Serialize + Sync>(
    rows: &[T],
) -> std::io::Result<(Vec<String>, Vec<Vec<String>>)> {
    let mut text = Vec::new();
    write_rows(&mut text, OutputFormat::Csv, rows)?;
    let mut rd = csv::ReaderBuilder::new().from_reader(text.as_slice());
    let header = rd.headers()?.iter().map(str::to_string).collect();
    let cells = (rd.records())
        .map(|r| Ok(r?.iter().map(str::to_string).collect()))
        .collect::<std::io::Result<_>>()?;
    Ok((header, cells))
}
