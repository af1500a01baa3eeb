//! `crm rfm`: recency, frequency, monetary value, scores and segments per customer.
//!
//! Comma, tab and semicolon files go through a fast reader: the file is split into byte ranges at
//! line starts, each range is parsed on its own thread straight into a per-customer accumulator
//! (no transaction list is kept), and the parts are merged in file order. Errors name the file,
//! line and column exactly as the shared reader does. Whitespace-separated files use the shared
//! reader (`input::load_transactions`).

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{
    CustomerId, CustomerInterner, CustomerKey, LateEvents, ModelError, SameDayPurchases,
};
use crm_analytics::rfm::{
    MonetaryValue, RfmAccumulator, RfmModel, RfmTable, RfmValues, SegmentMap, TiePolicy, analyze,
};
use serde::Serialize;

use crate::cmd::summary::parse_day;
use crate::error::{CliError, CliResult};
use crate::input::{
    DateParser, Delimiter, InputOptions, Skipped, Table, TransactionColumns, load_transactions,
    parse_amount,
};
use crate::output::{self, Format};

/// Tie handling of the n-tile scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ties {
    /// Cut points on values: equal values share a score, input order never matters (default).
    Value,
    /// pandas rank(method="first") + qcut: equal-sized scores, ties broken by customer id order.
    RankFirst,
}

/// Monetary value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Monetary {
    /// Total spend.
    Total,
    /// Mean spend per purchase.
    Mean,
}

/// Arguments of `crm rfm`.
#[derive(Debug, Args)]
pub struct RfmArgs {
    /// Transaction file (CSV with a header unless --no-header).
    #[arg(long)]
    pub transactions: PathBuf,
    #[command(flatten)]
    pub columns: TransactionColumns,
    /// Date recency is measured to (YYYY-MM-DD); default: the day after the last purchase.
    #[arg(long, value_parser = parse_day)]
    pub as_of: Option<NaiveDate>,
    /// Number of score levels (n-tiles).
    #[arg(long, default_value_t = 5)]
    pub bins: u8,
    /// Tie policy of the scores.
    #[arg(long, value_enum, default_value = "value")]
    pub ties: Ties,
    /// Segment map: default (10 segments), with-lost (11), tiers (VIP / Potential / Churn
    /// warning), or a JSON file with {"rules": [...], "fallback": "..."}.
    #[arg(long, default_value = "default")]
    pub segments: String,
    /// Score with stored cut points (JSON from --save-cut-points, or hand-written thresholds)
    /// instead of fitting them on this file.
    #[arg(long, conflicts_with = "ties")]
    pub cut_points: Option<PathBuf>,
    /// Write the value-based cut points fitted on this file as JSON, to score other files later.
    #[arg(long)]
    pub save_cut_points: Option<PathBuf>,
    /// Count purchases on the same day as one.
    #[arg(long)]
    pub merge_same_day: bool,
    /// Monetary value: total spend or mean spend per purchase.
    #[arg(long, value_enum, default_value = "total")]
    pub monetary: Monetary,
    /// Leave out purchases after --as-of (and report how many) instead of failing.
    #[arg(long)]
    pub exclude_after_as_of: bool,
    /// Write the segment report (count, revenue, shares, mean R/F/M per segment) instead of one
    /// row per customer.
    #[arg(long)]
    pub report: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Reader threads for comma/tab/semicolon files (default: available cores, at most 8).
    #[arg(long)]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub input: InputOptions,
}

fn segment_map(spec: &str) -> CliResult<SegmentMap> {
    Ok(match spec {
        "default" => SegmentMap::standard(),
        "with-lost" => SegmentMap::with_lost(),
        "tiers" => SegmentMap::tiers(),
        path => {
            let p = Path::new(path);
            let text = std::fs::read_to_string(p).map_err(|source| CliError::Io {
                file: p.to_path_buf(),
                source,
            })?;
            serde_json::from_str(&text).map_err(|e| {
                CliError::input(
                    p,
                    Some(e.line() as u64),
                    None,
                    format!("not a segment map ({e}); expected {{\"rules\": [{{\"segment\": \"VIP\", \"r\": [4, 5]}}], \"fallback\": \"Other\"}}"),
                )
            })?
        }
    })
}

/// Runs `crm rfm`.
pub fn run(a: &RfmArgs) -> CliResult<()> {
    let map = segment_map(&a.segments)?;
    let seg = map
        .compile(a.bins)
        .map_err(|e| CliError::Usage(format!("--segments {}: {e}", a.segments)))?;
    let ties = match &a.cut_points {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|source| CliError::Io {
                file: p.clone(),
                source,
            })?;
            let m: RfmModel = serde_json::from_str(&text).map_err(|e| {
                CliError::input(
                    p,
                    Some(e.line() as u64),
                    None,
                    format!("not cut points: {e}"),
                )
            })?;
            TiePolicy::Fixed(m.cut_points().clone())
        }
        None => match a.ties {
            Ties::Value => TiePolicy::ValueBased,
            Ties::RankFirst => TiePolicy::RankFirst,
        },
    };
    if a.save_cut_points.is_some() && ties != TiePolicy::ValueBased {
        return Err(CliError::Usage(
            "--save-cut-points needs value-based cut points (--ties value, no --cut-points)".into(),
        ));
    }
    let same_day = if a.merge_same_day {
        SameDayPurchases::Merge
    } else {
        SameDayPurchases::Separate
    };
    let late = if a.exclude_after_as_of {
        LateEvents::Exclude
    } else {
        LateEvents::Reject
    };
    let (acc, ids) = if a.input.delimiter == Delimiter::Whitespace {
        load_generic(a, same_day, late)?
    } else {
        load_fast(a, same_day, late)?
    };
    let monetary = match a.monetary {
        Monetary::Total => MonetaryValue::Total,
        Monetary::Mean => MonetaryValue::MeanPerPurchase,
    };
    let table = acc
        .finish(a.as_of, monetary)
        .map_err(|e| CliError::Library(format!("{}: {e}", a.transactions.display())))?;
    notes(&table);
    // Rows in customer-id order (numeric ids by value, "00042" = 42, then text ids); rank-first
    // ties follow this order, as they follow pandas' sorted groupby.
    let mut values = table.customers;
    let idx = |k: CustomerKey| ids.id(k);
    let order = |x: &CustomerKey, y: &CustomerKey| match (idx(*x), idx(*y)) {
        (Some(a), Some(b)) => id_order(a, b),
        (a, b) => a.cmp(&b),
    };
    let int_ids: Option<Vec<(u64, u32)>> = values
        .iter()
        .enumerate()
        .map(|(i, v)| match idx(v.customer) {
            Some(CustomerId::Int(n)) => Some((*n, i as u32)),
            _ => None,
        })
        .collect();
    match int_ids {
        // All ids are integers: sort plain (id, position) pairs.
        Some(mut keys) => {
            if !keys.windows(2).all(|w| w[0].0 <= w[1].0) {
                keys.sort_unstable();
                let mut old: Vec<Option<RfmValues>> = values.into_iter().map(Some).collect();
                values = keys
                    .iter()
                    .filter_map(|&(_, i)| old.get_mut(i as usize).and_then(Option::take))
                    .collect();
            }
        }
        None => {
            if !values
                .windows(2)
                .all(|w| order(&w[0].customer, &w[1].customer).is_le())
            {
                values.sort_unstable_by(|x, y| order(&x.customer, &y.customer));
            }
        }
    }
    if let Some(p) = &a.save_cut_points {
        let m = RfmModel::fit(&values, a.bins).map_err(|e| CliError::Library(e.to_string()))?;
        let j = serde_json::to_string_pretty(&m).map_err(|e| CliError::Library(e.to_string()))?;
        std::fs::write(p, j + "\n").map_err(|source| CliError::Io {
            file: p.clone(),
            source,
        })?;
    }
    let res =
        analyze(&values, a.bins, &ties, &map).map_err(|e| CliError::Library(e.to_string()))?;
    drop(seg);
    let out_path = a.output.as_ref();
    let mut w = output::open(out_path)?;
    let werr = output::write_err(out_path);
    if a.report {
        write_report(&mut w, a.format, &res.report).map_err(&werr)?;
    } else {
        let names: Vec<Cow<'_, str>> = res.segment_names.iter().map(|n| csv_field(n)).collect();
        match a.format {
            Format::Csv => {
                w.write_all(b"customer_id,recency_days,frequency,monetary,r,f,m,segment\n")
                    .map_err(&werr)?;
                for ((v, s), &g) in values.iter().zip(&res.scores).zip(&res.segments) {
                    match idx(v.customer) {
                        Some(CustomerId::Int(n)) => write!(w, "{n}"),
                        Some(CustomerId::Str(t)) => w.write_all(csv_field(t).as_bytes()),
                        None => Ok(()),
                    }
                    .map_err(&werr)?;
                    writeln!(
                        w,
                        ",{},{},{},{},{},{},{}",
                        v.recency_days,
                        v.frequency,
                        v.monetary.normalize(),
                        s.r,
                        s.f,
                        s.m,
                        names[usize::from(g)]
                    )
                    .map_err(&werr)?;
                }
            }
            Format::Json => {
                #[derive(Serialize)]
                struct Row<'a> {
                    customer_id: &'a CustomerId,
                    recency_days: u32,
                    frequency: u32,
                    monetary: Decimal,
                    r: u8,
                    f: u8,
                    m: u8,
                    segment: &'a str,
                }
                let rows: Vec<Row<'_>> = values
                    .iter()
                    .zip(&res.scores)
                    .zip(&res.segments)
                    .filter_map(|((v, s), &g)| {
                        Some(Row {
                            customer_id: idx(v.customer)?,
                            recency_days: v.recency_days,
                            frequency: v.frequency,
                            monetary: v.monetary.normalize(),
                            r: s.r,
                            f: s.f,
                            m: s.m,
                            segment: &res.segment_names[usize::from(g)],
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut w, &rows).map_err(|e| werr(e.into()))?;
                writeln!(w).map_err(&werr)?;
            }
            Format::Table => {
                let body: Vec<Vec<String>> = values
                    .iter()
                    .zip(&res.scores)
                    .zip(&res.segments)
                    .map(|((v, s), &g)| {
                        vec![
                            idx(v.customer).map(id_text).unwrap_or_default(),
                            v.recency_days.to_string(),
                            v.frequency.to_string(),
                            v.monetary.normalize().to_string(),
                            s.r.to_string(),
                            s.f.to_string(),
                            s.m.to_string(),
                            res.segment_names[usize::from(g)].clone(),
                        ]
                    })
                    .collect();
                let header = [
                    "customer_id",
                    "recency_days",
                    "frequency",
                    "monetary",
                    "r",
                    "f",
                    "m",
                    "segment",
                ];
                w.write_all(output::table(&header, &body).as_bytes())
                    .map_err(&werr)?;
            }
        }
    }
    w.flush().map_err(&werr)?;
    Ok(())
}

/// Numeric value of an id written in digits only (leading zeros allowed).
fn numeric_id(id: &CustomerId) -> Option<u128> {
    match id {
        CustomerId::Int(n) => Some(u128::from(*n)),
        CustomerId::Str(s) if s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        CustomerId::Str(_) => None,
    }
}

/// Output order of ids: numeric ids by value (then text), then text ids.
fn id_order(a: &CustomerId, b: &CustomerId) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (CustomerId::Int(x), CustomerId::Int(y)) => x.cmp(y),
        _ => match (numeric_id(a), numeric_id(b)) {
            (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.to_string().cmp(&b.to_string())),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => a.cmp(b),
        },
    }
}

fn id_text(id: &CustomerId) -> String {
    id.to_string()
}

/// Quotes a CSV field when it needs it.
fn csv_field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

fn notes(t: &RfmTable) {
    eprintln!("note: {} customer(s), as-of {}", t.customers.len(), t.as_of);
    if t.excluded_after_as_of > 0 {
        eprintln!(
            "note: left out {} purchase(s) dated after the as-of date",
            t.excluded_after_as_of
        );
    }
    if t.non_purchases > 0 {
        eprintln!(
            "note: {} refund/return row(s) (negative amounts) do not count as purchases",
            t.non_purchases
        );
    }
}

fn write_report(
    w: &mut dyn Write,
    format: Format,
    r: &crm_analytics::rfm::SegmentReport,
) -> std::io::Result<()> {
    let opt = |x: Option<f64>, d: usize| x.map_or_else(String::new, |v| output::num(v, d));
    let header = [
        "segment",
        "customers",
        "customer_share",
        "revenue",
        "revenue_share",
        "mean_recency_days",
        "mean_frequency",
        "mean_monetary",
    ];
    let rows: Vec<Vec<String>> = r
        .segments
        .iter()
        .map(|s| {
            vec![
                s.segment.clone(),
                s.customers.to_string(),
                output::num(s.customer_share, 4),
                s.revenue.normalize().to_string(),
                opt(s.revenue_share, 4),
                opt(s.mean_recency_days, 2),
                opt(s.mean_frequency, 2),
                opt(s.mean_monetary, 2),
            ]
        })
        .collect();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, r)?;
            writeln!(w)
        }
        Format::Csv => {
            writeln!(w, "{}", header.join(","))?;
            for row in rows {
                let cells: Vec<Cow<'_, str>> = row.iter().map(|c| csv_field(c)).collect();
                writeln!(w, "{}", cells.join(","))?;
            }
            Ok(())
        }
        Format::Table => w.write_all(output::table(&header, &rows).as_bytes()),
    }
}

/// Whitespace-separated files: the shared reader, then the accumulator.
fn load_generic(
    a: &RfmArgs,
    same_day: SameDayPurchases,
    late: LateEvents,
) -> CliResult<(RfmAccumulator, CustomerInterner)> {
    let loaded = load_transactions(&a.transactions, &a.columns, &a.input)?;
    loaded.skipped.report();
    let mut acc = RfmAccumulator::with_capacity(same_day, loaded.ids.len());
    if let Some(d) = a.as_of {
        acc = acc.cutoff(d, late);
    }
    for (i, t) in loaded.transactions.iter().enumerate() {
        acc.push(t).map_err(|e| {
            CliError::input(
                &a.transactions,
                None,
                Some(&a.columns.date_column),
                format!(
                    "transaction #{} (customer {}): {}{}",
                    i + 1,
                    loaded
                        .ids
                        .id(t.customer())
                        .map_or_else(|| "?".into(), ToString::to_string),
                    e,
                    late_hint(&e)
                ),
            )
        })?;
    }
    Ok((acc, loaded.ids))
}

fn late_hint(e: &ModelError) -> &'static str {
    if matches!(e, ModelError::AfterObservationEnd { .. }) {
        " (use --exclude-after-as-of to leave such rows out)"
    } else {
        ""
    }
}

/// Integer ids below this bound are looked up in a plain vector before the interner's hash map.
const DENSE_IDS: u64 = 1 << 24;

/// An interner with a direct-indexed cache for small integer ids (ids from 0 to 16M cost one
/// array read instead of a hash lookup; keys still come from the interner, in first-appearance
/// order).
#[derive(Default)]
struct Ids {
    interner: CustomerInterner,
    dense: Vec<u32>,
}

impl Ids {
    #[inline]
    fn int(&mut self, n: u64) -> Result<CustomerKey, ModelError> {
        if n < DENSE_IDS {
            let i = n as usize;
            if let Some(&k) = self.dense.get(i) {
                if k != 0 {
                    return Ok(CustomerKey::from_index(k - 1));
                }
            }
            let key = self.interner.intern_int(n)?;
            if i >= self.dense.len() {
                self.dense.resize((i + 1).next_power_of_two(), 0);
            }
            self.dense[i] = key.get() + 1;
            return Ok(key);
        }
        self.interner.intern_int(n)
    }

    fn id(&mut self, id: &CustomerId) -> Result<CustomerKey, ModelError> {
        match id {
            CustomerId::Int(n) => self.int(*n),
            CustomerId::Str(s) => self.interner.intern(s),
        }
    }
}

/// Everything a part of the file produced.
struct Part {
    ids: Ids,
    acc: RfmAccumulator,
    lines: u64,
    skipped_count: u64,
    skipped_first: Vec<CliError>,
    error: Option<CliError>,
}

/// Column indices and parsers shared by the parts.
struct Spec<'a> {
    path: &'a Path,
    delim: u8,
    ci: usize,
    di: usize,
    ai: usize,
    cols: &'a TransactionColumns,
    dates: DateParser,
    fast_dates: bool,
    skip_invalid: bool,
    as_of: Option<NaiveDate>,
    late: LateEvents,
    same_day: SameDayPurchases,
}

fn load_fast(
    a: &RfmArgs,
    same_day: SameDayPurchases,
    late: LateEvents,
) -> CliResult<(RfmAccumulator, CustomerInterner)> {
    let path = a.transactions.as_path();
    // Resolve the columns with the shared reader (same header rules and messages).
    let table = Table::open(path, &a.input)?;
    let spec = Spec {
        path,
        delim: match a.input.delimiter {
            Delimiter::Tab => b'\t',
            Delimiter::Semicolon => b';',
            _ => b',',
        },
        ci: table.column(&a.columns.customer_column)?,
        di: table.column(&a.columns.date_column)?,
        ai: table.column(&a.columns.amount_column)?,
        cols: &a.columns,
        dates: DateParser::new(a.columns.date_format.clone()),
        fast_dates: a.columns.date_format.is_none(),
        skip_invalid: a.input.skip_invalid,
        as_of: a.as_of,
        late,
        same_day,
    };
    drop(table);
    let io = |source| CliError::Io {
        file: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    // Byte offset of the first data line.
    let mut start = 0u64;
    if !a.input.no_header {
        let mut r = BufReader::new(&mut file);
        let mut first = Vec::new();
        start = r.read_until(b'\n', &mut first).map_err(io)? as u64;
    }
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 8);
    // Split at line starts, about equal in bytes (small files: one part).
    let parts = if len - start < (4 << 20) {
        1
    } else {
        threads as u64
    };
    let mut bounds = vec![start];
    for i in 1..parts {
        let guess = start + (len - start) * i / parts;
        let mut f = File::open(path).map_err(io)?;
        f.seek(SeekFrom::Start(guess)).map_err(io)?;
        let mut r = BufReader::new(f);
        let mut skip = Vec::new();
        let b = guess + r.read_until(b'\n', &mut skip).map_err(io)? as u64;
        if b > *bounds.last().unwrap_or(&0) && b < len {
            bounds.push(b);
        }
    }
    bounds.push(len);
    let first_line = if a.input.no_header { 1 } else { 2 };
    let results: Vec<CliResult<Part>> = std::thread::scope(|s| {
        let handles: Vec<_> = bounds
            .windows(2)
            .map(|w| {
                let (from, to) = (w[0], w[1]);
                let spec = &spec;
                s.spawn(move || parse_part(spec, from, to))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(CliError::Library("a reader thread panicked".into())))
            })
            .collect()
    });
    // Merge in file order: keys are re-interned so they number customers by first appearance.
    let mut ids = Ids::default();
    let mut acc = RfmAccumulator::new(same_day);
    let mut skipped = Skipped::default();
    let mut line_offset = first_line - 1;
    let shift = |e: CliError, off: u64| match e {
        CliError::Input {
            file,
            line,
            column,
            message,
        } => CliError::Input {
            file,
            line: line.map(|l| l + off),
            column,
            message,
        },
        other => other,
    };
    for (i, r) in results.into_iter().enumerate() {
        let part = r?;
        if let Some(e) = part.error {
            return Err(shift(e, line_offset));
        }
        let listed = part.skipped_first.len() as u64;
        for e in part.skipped_first {
            // `push` counts each listed row and keeps the first reasons overall.
            skipped.push(&shift(e, line_offset));
        }
        skipped.count += part.skipped_count.saturating_sub(listed);
        if i == 0 {
            ids = part.ids;
            acc = part.acc;
        } else {
            let mut map = Vec::with_capacity(part.ids.interner.len());
            for id in part.ids.interner.ids() {
                map.push(ids.id(id).map_err(|e| CliError::Library(e.to_string()))?);
            }
            acc.merge_remapped(part.acc, &map)
                .map_err(|e| CliError::Library(e.to_string()))?;
        }
        line_offset += part.lines;
    }
    skipped.report();
    Ok((acc, ids.interner))
}

fn trim(b: &[u8]) -> &[u8] {
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

/// `YYYY-MM-DD` without allocation.
#[inline]
fn fast_date(b: &[u8]) -> Option<NaiveDate> {
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

/// `-?digits(.digits)?` with at most 18 digits, without allocation.
#[inline]
fn fast_amount(b: &[u8]) -> Option<Decimal> {
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
        if c == b'.' {
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
fn fast_int_id(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    b.iter().try_fold(0u64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u64::from(c - b'0'))
    })
}

fn parse_part(spec: &Spec<'_>, from: u64, to: u64) -> CliResult<Part> {
    let io = |source| CliError::Io {
        file: spec.path.to_path_buf(),
        source,
    };
    let mut f = File::open(spec.path).map_err(io)?;
    f.seek(SeekFrom::Start(from)).map_err(io)?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    let mut part = Part {
        ids: Ids::default(),
        acc: {
            let a = RfmAccumulator::new(spec.same_day);
            match spec.as_of {
                Some(d) => a.cutoff(d, spec.late),
                None => a,
            }
        },
        lines: 0,
        skipped_count: 0,
        skipped_first: Vec::new(),
        error: None,
    };
    let mut pos = from;
    let mut line = Vec::with_capacity(256);
    let want = spec.ci.max(spec.di).max(spec.ai);
    let mut batch: Vec<Pending> = Vec::with_capacity(BATCH);
    let mut quoted: Vec<String> = Vec::new();
    while pos < to {
        line.clear();
        let n = r.read_until(b'\n', &mut line).map_err(io)?;
        if n == 0 {
            break;
        }
        pos += n as u64;
        part.lines += 1;
        let body = trim(&line);
        if body.is_empty() {
            continue;
        }
        // Fields at the three indices (missing fields read as empty, as the shared reader).
        let mut fields: [&[u8]; 3] = [b"", b"", b""];
        if body.contains(&b'"') {
            quoted.clear();
            let mut rd = csv::ReaderBuilder::new()
                .delimiter(spec.delim)
                .has_headers(false)
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(body);
            let mut rec = csv::StringRecord::new();
            match rd.read_record(&mut rec) {
                Ok(_) => quoted.extend(rec.iter().map(str::to_string)),
                Err(e) => {
                    let err = CliError::input(
                        spec.path,
                        Some(part.lines),
                        None,
                        format!("malformed CSV: {e}"),
                    );
                    if record_error(&mut part, err, spec.skip_invalid) {
                        return Ok(part);
                    }
                    continue;
                }
            }
            for (slot, &i) in fields.iter_mut().zip(&[spec.ci, spec.di, spec.ai]) {
                *slot = quoted.get(i).map_or(b"", |s| s.as_bytes());
            }
        } else {
            for (i, fld) in body.split(|&c| c == spec.delim).enumerate() {
                if i == spec.ci {
                    fields[0] = fld;
                }
                if i == spec.di {
                    fields[1] = fld;
                }
                if i == spec.ai {
                    fields[2] = fld;
                }
                if i >= want {
                    break;
                }
            }
        }
        let line_no = part.lines;
        match parse_row(spec, &mut part, fields, line_no) {
            Ok(Some(p)) => {
                batch.push(p);
                if batch.len() == BATCH && flush(spec, &mut part, &mut batch) {
                    return Ok(part);
                }
            }
            Ok(None) => {}
            Err(e) => {
                // Earlier rows first, so the first error reported is the first in the file.
                if flush(spec, &mut part, &mut batch)
                    || record_error(&mut part, e, spec.skip_invalid)
                {
                    return Ok(part);
                }
            }
        }
    }
    flush(spec, &mut part, &mut batch);
    Ok(part)
}

/// Rows are parsed into a batch, then keyed and accumulated in two tight passes, so the cache
/// misses of different rows (id table, per-customer state) overlap instead of queueing.
const BATCH: usize = 256;

/// A parsed purchase waiting for its key and accumulation.
struct Pending {
    /// Integer id to look up, or `u64::MAX` when `key` is already set.
    id: u64,
    key: CustomerKey,
    day: NaiveDate,
    amount: Decimal,
    line: u64,
}

/// Accumulates the batch; returns true when the part must stop on an error.
fn flush(spec: &Spec<'_>, part: &mut Part, batch: &mut Vec<Pending>) -> bool {
    for p in batch.iter_mut() {
        if p.id != u64::MAX {
            match part.ids.int(p.id) {
                Ok(k) => p.key = k,
                Err(e) => {
                    let err = CliError::input(
                        spec.path,
                        Some(p.line),
                        Some(&spec.cols.customer_column),
                        e.to_string(),
                    );
                    part.error = Some(err);
                    return true;
                }
            }
        }
    }
    for p in batch.drain(..) {
        if let Err(e) = part.acc.push_purchase(p.key, p.day, p.amount) {
            let err = CliError::input(
                spec.path,
                Some(p.line),
                Some(&spec.cols.date_column),
                format!("{e}{}", late_hint(&e)),
            );
            if record_error(part, err, spec.skip_invalid) {
                return true;
            }
        }
    }
    false
}

/// Records a row error; returns true when the part must stop.
fn record_error(part: &mut Part, e: CliError, skip: bool) -> bool {
    if skip {
        part.skipped_count += 1;
        if part.skipped_first.len() < 5 {
            part.skipped_first.push(e);
        }
        false
    } else {
        part.error = Some(e);
        true
    }
}

#[inline]
fn parse_row(
    spec: &Spec<'_>,
    part: &mut Part,
    f: [&[u8]; 3],
    line: u64,
) -> CliResult<Option<Pending>> {
    let err = |col: &str, msg: String| CliError::input(spec.path, Some(line), Some(col), msg);
    let text = |b: &[u8], col: &str| -> CliResult<String> {
        std::str::from_utf8(b)
            .map(str::to_string)
            .map_err(|_| err(col, "not valid UTF-8".into()))
    };
    let (cid, date, amt) = (trim(f[0]), trim(f[1]), trim(f[2]));
    let (id, key) = match fast_int_id(cid) {
        Some(n) => (n, CustomerKey::from_index(0)),
        None => (
            u64::MAX,
            part.ids
                .interner
                .intern(&text(cid, &spec.cols.customer_column)?)
                .map_err(|e| err(&spec.cols.customer_column, e.to_string()))?,
        ),
    };
    let day = match spec.fast_dates.then(|| fast_date(date)).flatten() {
        Some(d) => d,
        None => {
            spec.dates
                .parse(&text(date, &spec.cols.date_column)?)
                .map_err(|m| err(&spec.cols.date_column, m))?
                .0
        }
    };
    let amount = match fast_amount(amt) {
        Some(x) => x,
        None => parse_amount(&text(amt, &spec.cols.amount_column)?)
            .map_err(|m| err(&spec.cols.amount_column, m))?,
    };
    if amount.is_sign_negative() && !amount.is_zero() {
        // A return: counted, never a purchase (the customer id is still checked and interned).
        if id != u64::MAX {
            part.ids
                .int(id)
                .map_err(|e| err(&spec.cols.customer_column, e.to_string()))?;
        }
        part.acc.push_non_purchase();
        return Ok(None);
    }
    Ok(Some(Pending {
        id,
        key,
        day,
        amount: amount.abs(),
        line,
    }))
}
