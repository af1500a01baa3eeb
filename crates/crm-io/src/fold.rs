//! Streaming a transaction file into a per-customer state, without materialising the rows.
//!
//! [`fold_purchases`] reads a transaction file in parallel parts; each part pushes its purchases
//! into its own state (keyed by the part's own customer keys), then the states are merged in file
//! order with the keys re-interned, so keys number customers by first appearance in the file, as
//! with [`crate::load_transactions`]. Memory is bounded by the state, not by the file.

use std::path::Path;

use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;
use crm_model::{CustomerKey, PurchaseFold};

use crate::error::{IoError, IoResult};
use crate::fastcsv::{self, Ids, Part};
use crate::folded::{Folded, merge_part};
use crate::options::{Delimiter, ReadOptions, TransactionColumns};
use crate::parse::{AmountFormat, DateParser, parse_amount};
use crate::table::Table;
use crate::transactions::load_transactions;

/// Streams the purchases of a transaction file into states made by `init`, one per part read
/// on the current rayon pool (`parts`: how many; `None`: one per pool thread, at most 8), and
/// merges them in file order. A negative amount calls [`PurchaseFold::non_purchase`].
///
/// A `.parquet` file (feature `parquet`) is decoded in runs of row groups (`parts` of them at
/// most) on the pool, with typed column decoders and no text per row.
///
/// Rows, keys, messages and skip counts are those of [`crate::load_transactions`] followed by
/// pushing every transaction; whitespace files and files the line-by-line view cannot read
/// exactly are read that way.
///
/// # Errors
/// As [`crate::load_transactions`]; a state error names the line (or, on the sequential path,
/// the transaction) and the date column.
pub fn fold_purchases<S: PurchaseFold>(
    path: &Path,
    cols: &TransactionColumns,
    opts: &ReadOptions,
    parts: Option<usize>,
    init: impl Fn() -> S + Sync,
) -> IoResult<Folded<S>> {
    #[cfg(feature = "parquet")]
    if crate::table::is_parquet(path) {
        return crate::pq::fold_file(path, cols, opts, parts, init);
    }
    if opts.delimiter == Delimiter::Whitespace {
        return fold_sequential(path, cols, opts, &init);
    }
    let amount_name = cols
        .amount
        .clone()
        .ok_or_else(|| IoError::input(path, None, None, "an amount column is required"))?;
    // Resolve the columns with the shared reader (same header rules and messages).
    let table = Table::open(path, opts)?;
    let spec = Spec {
        path,
        idx: [
            table.column(&cols.customer)?,
            table.column(&cols.date)?,
            table.column(&amount_name)?,
        ],
        cols,
        amount_name: &amount_name,
        dates: DateParser::new(cols.date_format.clone()),
        fast_dates: cols.date_format.is_none(),
        amounts: AmountFormat::from(opts),
    };
    let width = table.width();
    drop(table);
    let threads = parts.unwrap_or_else(fastcsv::default_threads).clamp(1, 8);
    let Some(plan) = fastcsv::plan(path, opts, threads, false, width)? else {
        return fold_sequential(path, cols, opts, &init);
    };
    let results = fastcsv::read_parts(&plan, opts.skip_invalid, |p| read_part(&spec, &init, p));
    // Merge in file order: keys are re-interned so they number customers by first appearance.
    let mut acc: Option<(Ids, S)> = None;
    let merged = fastcsv::merge(&plan, results, |_, part: (Ids, S)| {
        merge_part(&mut acc, part, path)
    })?;
    let (Some(skipped), Some((ids, state))) = (merged, acc) else {
        return fold_sequential(path, cols, opts, &init);
    };
    Ok(Folded {
        state,
        ids: ids.interner,
        skipped,
    })
}

/// Whitespace files and files that need the sequential reader: load, then push in order.
fn fold_sequential<S: PurchaseFold>(
    path: &Path,
    cols: &TransactionColumns,
    opts: &ReadOptions,
    init: &impl Fn() -> S,
) -> IoResult<Folded<S>> {
    let loaded = load_transactions(path, cols, opts)?;
    let mut state = init();
    for (i, t) in loaded.transactions.iter().enumerate() {
        let r = if t.is_purchase() {
            state.purchase(t.customer(), t.date(), t.amount())
        } else {
            state.non_purchase();
            Ok(())
        };
        r.map_err(|e| {
            IoError::input(
                path,
                None,
                Some(&cols.date),
                format!(
                    "transaction #{} (customer {}): {}",
                    i + 1,
                    loaded
                        .ids
                        .id(t.customer())
                        .map_or_else(|| "?".into(), ToString::to_string),
                    e
                ),
            )
        })?;
    }
    Ok(Folded {
        state,
        ids: loaded.ids,
        skipped: loaded.skipped,
    })
}

/// Column indices and parsers shared by the parts.
struct Spec<'a> {
    path: &'a Path,
    idx: [usize; 3],
    cols: &'a TransactionColumns,
    amount_name: &'a str,
    dates: DateParser,
    fast_dates: bool,
    amounts: AmountFormat,
}

fn read_part<S: PurchaseFold>(
    spec: &Spec<'_>,
    init: &impl Fn() -> S,
    p: &mut Part,
) -> IoResult<(Ids, S)> {
    let mut ids = Ids::default();
    let mut state = init();
    let mut batch: Vec<Pending> = Vec::with_capacity(BATCH);
    let mut memo = fastcsv::DateMemo::default();
    while let Some(l) = p.next(&spec.idx)? {
        let parsed = match l.width_error(spec.path) {
            Some(e) => Err(e),
            None => parse_row(spec, &mut ids, &mut state, &mut memo, l.fields, l.line),
        };
        match parsed {
            Ok(Some(x)) => {
                batch.push(x);
                if batch.len() == BATCH && flush(spec, &mut ids, &mut state, p, &mut batch) {
                    return Ok((ids, state));
                }
            }
            Ok(None) => {}
            Err(e) => {
                if l.is_blank() {
                    continue;
                }
                // Earlier rows first, so the first error reported is the first in the file.
                if flush(spec, &mut ids, &mut state, p, &mut batch) || p.error(e) {
                    return Ok((ids, state));
                }
            }
        }
    }
    flush(spec, &mut ids, &mut state, p, &mut batch);
    Ok((ids, state))
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
fn flush<S: PurchaseFold>(
    spec: &Spec<'_>,
    ids: &mut Ids,
    state: &mut S,
    p: &mut Part,
    batch: &mut Vec<Pending>,
) -> bool {
    for x in batch.iter_mut() {
        if x.id != u64::MAX {
            match ids.int(x.id) {
                Ok(k) => x.key = k,
                Err(e) => {
                    p.fail(IoError::input(
                        spec.path,
                        Some(x.line),
                        Some(&spec.cols.customer),
                        e.to_string(),
                    ));
                    return true;
                }
            }
        }
    }
    for x in batch.iter() {
        state.prefetch(x.key);
    }
    for x in batch.drain(..) {
        if let Err(e) = state.purchase(x.key, x.day, x.amount) {
            let err = IoError::input(
                spec.path,
                Some(x.line),
                Some(&spec.cols.date),
                e.to_string(),
            );
            if p.error(err) {
                return true;
            }
        }
    }
    false
}

#[inline]
fn parse_row<S: PurchaseFold>(
    spec: &Spec<'_>,
    ids: &mut Ids,
    state: &mut S,
    memo: &mut fastcsv::DateMemo,
    f: [&[u8]; 3],
    line: u64,
) -> IoResult<Option<Pending>> {
    let err = |col: &str, msg: String| IoError::input(spec.path, Some(line), Some(col), msg);
    let [cid, date, amt] = f;
    let (id, key) = match fastcsv::fast_int_id(cid) {
        Some(n) => (n, CustomerKey::from_index(0)),
        None => (
            u64::MAX,
            ids.field(cid).map_err(|m| err(&spec.cols.customer, m))?,
        ),
    };
    let day = match spec.fast_dates.then(|| memo.get(date)).flatten() {
        Some(d) => d,
        None => {
            fastcsv::utf8(date)
                .and_then(|t| spec.dates.parse(t))
                .map_err(|m| err(&spec.cols.date, m))?
                .0
        }
    };
    let amount = match fastcsv::fast_amount(amt, spec.amounts.decimal_comma) {
        Some(x) => x,
        None => fastcsv::utf8(amt)
            .and_then(|t| parse_amount(t, spec.amounts))
            .map_err(|m| err(spec.amount_name, m))?,
    };
    if amount.is_sign_negative() && !amount.is_zero() {
        // A return: counted, never a purchase (the customer id is still checked and interned).
        if id != u64::MAX {
            ids.int(id)
                .map_err(|e| err(&spec.cols.customer, e.to_string()))?;
        }
        state.non_purchase();
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
