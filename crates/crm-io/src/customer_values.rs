//! Files of one number per customer (`customer_id,score`, say): scores made elsewhere, read to
//! be evaluated or joined.

use std::path::Path;

use crate::error::{IoError, IoResult};
use crate::options::ReadOptions;
use crate::rows::Skipped;
use crate::table::Table;

/// Reads the `id_column` and the finite number in `value_column` of every row and hands them to
/// `accept`; an `Err(message)` from `accept` (a customer scored twice, say) is an error of that
/// row's id column.
///
/// ```
/// use crm_analytics::io::{ReadOptions, read_customer_values};
/// let dir = tempfile::tempdir()?;
/// let p = dir.path().join("scores.csv");
/// std::fs::write(&p, "customer_id,score\nA,0.25\nB,NaN\n")?;
/// let mut got = Vec::new();
/// let e = read_customer_values(&p, "customer_id", "score", &ReadOptions::default(), |id, v| {
///     got.push((id.to_string(), v));
///     Ok(())
/// })
/// .unwrap_err();
/// assert_eq!(got, [("A".to_string(), 0.25)]);
/// assert!(e.to_string().contains("scores.csv:3: column score: cannot parse \"NaN\" as a finite number"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`IoError`] naming file, line and column: a missing column, a value that is not a finite
/// number, `accept`'s message; under [`ReadOptions::skip_invalid`] such rows are counted in the
/// returned [`Skipped`] instead.
pub fn read_customer_values(
    path: &Path,
    id_column: &str,
    value_column: &str,
    opts: &ReadOptions,
    mut accept: impl FnMut(&str, f64) -> Result<(), String>,
) -> IoResult<Skipped> {
    let mut t = Table::open(path, opts)?;
    let (ci, vi) = (t.column(id_column)?, t.column(value_column)?);
    t.for_each_record(|row| {
        let text = row.get(vi);
        let v = text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                IoError::input(
                    path,
                    Some(row.line),
                    Some(value_column),
                    format!("cannot parse {text:?} as a finite number"),
                )
            })?;
        accept(row.get(ci), v).map_err(|m| IoError::input(path, Some(row.line), Some(id_column), m))
    })
}
