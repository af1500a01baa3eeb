//! Span files: one row per customer with the first active day and the first day no longer
//! active (empty while still active), the input of period retention (`crm metrics retention`).

use std::path::Path;

use chrono::NaiveDate;
use crm_model::{CustomerInterner, CustomerKey};

use crate::error::{IoError, IoResult};
use crate::options::ReadOptions;
use crate::parse::DateParser;
use crate::rows::Skipped;
use crate::table::Table;

/// The columns of a span file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanColumns {
    /// Customer id (default `customer_id`).
    pub customer: String,
    /// First active day (default `start`).
    pub start: String,
    /// First day no longer active, empty while active (default `end`).
    pub end: String,
}

impl Default for SpanColumns {
    fn default() -> Self {
        SpanColumns {
            customer: "customer_id".into(),
            start: "start".into(),
            end: "end".into(),
        }
    }
}

/// Reads a span file, interning ids into `ids`, and hands every span to `accept` (customer,
/// start, end); an `Err(message)` from `accept` (an end before the start, say) is an error of
/// that row's end column. One span per customer: a customer's second row is an error naming
/// both. Dates are ISO (`2024-03-01`) or `YYYYMMDD`.
///
/// ```
/// use crm_analytics::io::{ReadOptions, SpanColumns, read_spans};
/// use crm_analytics::model::CustomerInterner;
/// let dir = tempfile::tempdir()?;
/// let p = dir.path().join("subs.csv");
/// std::fs::write(&p, "customer_id,start,end\nA,2024-01-05,\nB,2024-02-01,2024-03-01\nA,2024-04-01,\n")?;
/// let mut ids = CustomerInterner::new();
/// let mut spans = Vec::new();
/// let e = read_spans(&p, &SpanColumns::default(), &ReadOptions::default(), &mut ids, |c, s, e| {
///     spans.push((c, s, e));
///     Ok(())
/// })
/// .unwrap_err();
/// assert!(e.to_string().contains("subs.csv:4: column customer_id: customer A appears twice"));
/// assert_eq!(spans.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`IoError`] naming file, line and column: a missing column, an invalid id or date, a second
/// span of a customer, `accept`'s message; under [`ReadOptions::skip_invalid`] such rows are
/// counted in the returned [`Skipped`] instead.
pub fn read_spans(
    path: &Path,
    cols: &SpanColumns,
    opts: &ReadOptions,
    ids: &mut CustomerInterner,
    mut accept: impl FnMut(CustomerKey, NaiveDate, Option<NaiveDate>) -> Result<(), String>,
) -> IoResult<Skipped> {
    let mut t = Table::open(path, opts)?;
    let (ci, si, ei) = (
        t.column(&cols.customer)?,
        t.column(&cols.start)?,
        t.column(&cols.end)?,
    );
    let dates = DateParser::new(None);
    let mut seen: Vec<bool> = Vec::new();
    t.for_each_record(|row| {
        let err = |col: &str, m: String| IoError::input(path, Some(row.line), Some(col), m);
        let k = ids
            .intern(row.get(ci))
            .map_err(|e| err(&cols.customer, e.to_string()))?;
        let start = dates.parse(row.get(si)).map_err(|m| err(&cols.start, m))?.0;
        let end = match row.get(ei) {
            "" => None,
            s => Some(dates.parse(s).map_err(|m| err(&cols.end, m))?.0),
        };
        if seen.get(k.index()).copied().unwrap_or(false) {
            return Err(err(
                &cols.customer,
                format!(
                    "customer {} appears twice (one span per customer: merge spans first)",
                    row.get(ci)
                ),
            ));
        }
        accept(k, start, end).map_err(|m| err(&cols.end, m))?;
        if seen.len() <= k.index() {
            seen.resize(k.index() + 1, false);
        }
        seen[k.index()] = true;
        Ok(())
    })
}
